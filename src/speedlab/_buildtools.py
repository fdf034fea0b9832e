"""Compiler flags, directives and probes shared by setup.py and ``speedlab build``.

One place decides how speedlab compiles C: release and debug flags, the Cython
directives of the ladder, the OpenMP probe. ``setup.py`` imports this module
from the source tree; user kernels built by ``speedlab build`` use the very same
functions, so their ladder is measured under identical conditions.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# NOTE: subprocess, shutil, tempfile and zipfile are imported by the functions that
# use them: every start of the command line reads FEATURES here (the kernel specs
# name their optional parts), and those four modules would be a sixth of it.

#: Where omp_shim.h/.pxd live (``speedlab.get_include()`` returns it).
INCLUDE_DIR = Path(__file__).resolve().parent / "include"

#: The build record written beside the compiled modules (``speedlab._native``).
BUILD_INFO = "_buildinfo.json"

#: Build-record fields that change the object code: when any differs from the
#: previous build, setup.py rebuilds every extension instead of trusting timestamps.
CONFIG_KEYS = ("cflags", "ldflags", "openmp_flags", "openmp_link_flags", "debug",
               "native_arch", "directives", "cython", "python", "rust")


def flag(name: str) -> bool:
    """True when the environment variable ``name`` is set to 1/true/yes/on."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


#: Optional parts of a build: name -> (what they add, what to install to get them).
#: Each is probed by setup.py, recorded under ``"features"`` in the build record,
#: reported by ``speedlab info``/``list`` when missing, and made mandatory by
#: ``SPEEDLAB_REQUIRE_<NAME>=1`` (the build fails; the tests fail instead of skipping).
FEATURES = {
    "pcre2": ("PCRE2 and its JIT (regexredux's pcre2 variant)",
              "libpcre2-dev (Debian/Ubuntu), pcre2-devel (Fedora), `brew install pcre2` (macOS)"),
    "gmp": ("GMP big integers (pidigits' gmp variant)",
            "libgmp-dev (Debian/Ubuntu), gmp-devel (Fedora), `brew install gmp` (macOS)"),
    "rust": ("a Rust toolchain, rustc and cargo (the rust references)",
             "rustc and cargo from rustup or your distribution (Debian: rustc cargo)"),
}


def require_variable(feature: str) -> str:
    """The environment variable that makes ``feature`` mandatory: SPEEDLAB_REQUIRE_PCRE2 ..."""
    return f"SPEEDLAB_REQUIRE_{feature.upper()}"


def required(feature: str) -> bool:
    """True when ``SPEEDLAB_REQUIRE_<FEATURE>`` is set: its absence is an error, not a skip."""
    return flag(require_variable(feature))


def missing_feature_message(feature: str, reason: str) -> str:
    """One line: which optional part is missing, why, and what to install."""
    what, install = FEATURES[feature]
    return f"{what} not built: {reason}; install {install} and rebuild"


def directives(debug: bool) -> dict:
    """The Cython directives for kernels.

    Release builds switch the safety checks off globally: that is the ``native``
    rung's memory discipline. The ``typed`` rung turns them back on per function
    (its meaning depends on it), so a debug build, which flips these globals,
    checks the native code too.
    """
    return {
        "language_level": 3,
        "boundscheck": debug,
        "wraparound": debug,
        "initializedcheck": debug,
        "cdivision": not debug,
        "embedsignature": True,
    }


#: The ``compiled`` rung is the pure twin with nothing declared and nothing
#: switched off: Cython's defaults, so the rung isolates native compilation.
COMPILED_DIRECTIVES = {"language_level": 3}


def compile_flags(compiler_type: str, *, debug: bool, native_arch: bool) -> list[str]:
    """C compiler flags for every speedlab extension."""
    if compiler_type == "msvc":
        # /fp:precise keeps IEEE semantics (no contraction into FMA).
        return ["/Od", "/Zi"] if debug else ["/O2", "/fp:precise"]
    # NOTE: -g0 in release: CPython's own CFLAGS carry -g, which made each module
    # ~4x larger (debug info) in every wheel; SPEEDLAB_DEBUG_BUILD=1 keeps -g.
    flags = ["-O0", "-g"] if debug else ["-O3", "-g0"]
    # -ffp-contract=off: no FMA contraction, so results are bit-identical to the
    # pure twin and mandelbrot's boundary pixels stay exact.
    # -fno-math-errno: sqrt() becomes one instruction with no errno branch, so it
    # can vectorise; IEEE results are unchanged (this is not -ffast-math).
    # NOTE: -fno-wrapv undoes the -fwrapv that CPython's own CFLAGS pass to every
    # extension: with it gcc must assume signed counters can wrap, which measured
    # 10-15 % slower on n-body's loops. Meson-built projects (NumPy, SciPy,
    # scikit-learn) never pass -fwrapv either.
    flags += ["-ffp-contract=off", "-fno-math-errno", "-fno-wrapv"]
    if native_arch:
        flags.append("-march=native")
    return flags


def probe(compiler, source, compile_args, link_args):
    """Return True when ``source`` compiles and links with the given flags."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "probe.c")
        src.write_text(source)
        try:
            objects = compiler.compile([str(src)], output_dir=tmp, extra_postargs=compile_args)
            compiler.link_executable(objects, "probe", output_dir=tmp, extra_postargs=link_args)
        except Exception:  # CompileError, LinkError, missing tool: all mean "no"
            return False
    return True


OPENMP_PROBE = """
#include <omp.h>
int main(void) {
    int n = 0;
    #pragma omp parallel reduction(+:n)
    n += 1;
    return omp_get_max_threads() > 0 && n > 0 ? 0 : 1;
}
"""


def openmp_flags(compiler):
    """Find the flags that give this compiler OpenMP, or None."""
    if compiler.compiler_type == "msvc":
        candidates = [(["/openmp"], [])]
    elif sys.platform == "darwin":
        # Apple clang has no -fopenmp driver flag; libomp (Homebrew) supplies the
        # runtime. NOTE: its prefix is passed explicitly because distutils adds
        # $LDFLAGS to shared-object links but not to the probe's executable link.
        candidates = [
            (["-Xpreprocessor", "-fopenmp", f"-I{prefix}/include"], [f"-L{prefix}/lib", "-lomp"])
            for prefix in _libomp_prefixes()
        ]
        candidates += [(["-Xpreprocessor", "-fopenmp"], ["-lomp"]), (["-fopenmp"], ["-fopenmp"])]
    else:
        candidates = [(["-fopenmp"], ["-fopenmp"])]
    for compile_args, link_args in candidates:
        if probe(compiler, OPENMP_PROBE, compile_args, link_args):
            return compile_args, link_args
    return None


def _libomp_prefixes():
    """Where Homebrew keeps libomp: ``brew --prefix libomp``, else its two standard places."""
    import shutil
    import subprocess

    found = []
    if shutil.which("brew"):
        try:
            out = subprocess.run(["brew", "--prefix", "libomp"], capture_output=True, text=True, timeout=60)
            if out.returncode == 0 and out.stdout.strip():
                found.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    # Apple silicon, then Intel Homebrew.
    found += ["/opt/homebrew/opt/libomp", "/usr/local/opt/libomp"]
    return [p for i, p in enumerate(found) if p not in found[:i] and Path(p, "include", "omp.h").exists()]


# -- optional system libraries (PCRE2, GMP) ------------------------------------------

#: The probe programs: each includes the header, calls what the kernel calls, and
#: exits 0 only when the library can do the job (PCRE2: its JIT is compiled in).
PCRE2_PROBE = """
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
int main(void) {
    uint32_t jit = 0;
    if (pcre2_config(PCRE2_CONFIG_JIT, &jit) < 0)
        return 2;
    return jit ? 0 : 3;
}
"""

GMP_PROBE = """
#include <gmp.h>
#if GMP_NAIL_BITS != 0
#error "a GMP built with nail bits: its limbs do not hold full words"
#endif
int main(void) {
    mp_limb_t x[2] = {7, 0}, y[1] = {2};
    x[1] = mpn_mul_1(x, x, 1, 6);              /* 42 */
    x[1] += mpn_addmul_1(x, y, 1, 4);          /* 50 */
    x[1] -= mpn_submul_1(x, y, 1, 4);          /* 42 */
    return x[0] == 42 && x[1] == 0 && mpn_cmp(x, y, 1) > 0 ? 0 : 2;
}
"""

#: name -> (pkg-config module, library to link, probe program, what exit 3 of the probe means).
LIBRARIES = {
    "pcre2": ("libpcre2-8", "pcre2-8", PCRE2_PROBE,
              "PCRE2 was built without its JIT (pcre2_config(PCRE2_CONFIG_JIT) is 0)"),
    "gmp": ("gmp", "gmp", GMP_PROBE, ""),
}


def library_candidates(compiler, feature: str) -> list[tuple[str, list[str], list[str]]]:
    """Where ``feature``'s library may be: ``(how it was found, compile args, link args)``, best first.

    pkg-config when it knows the library, then Homebrew's prefix (macOS), then
    the compiler's default search path with a plain ``-l`` (``NAME.lib`` on MSVC).
    """
    import shutil
    import subprocess

    module, lib, _, _ = LIBRARIES[feature]
    found = []
    if compiler.compiler_type != "msvc" and shutil.which("pkg-config"):
        try:
            out = subprocess.run(["pkg-config", "--cflags", "--libs", module],
                                 capture_output=True, text=True, timeout=60)
            version = subprocess.run(["pkg-config", "--modversion", module],
                                     capture_output=True, text=True, timeout=60)
            if out.returncode == 0:
                args = out.stdout.split()
                found.append((f"pkg-config {module} {version.stdout.strip()}".rstrip(),
                              [a for a in args if not a.startswith(("-l", "-L"))],
                              [a for a in args if a.startswith(("-l", "-L"))]))
        except (OSError, subprocess.SubprocessError):
            pass
    if sys.platform == "darwin":
        for prefix in _brew_prefixes(feature):
            found.append((f"Homebrew {prefix}", [f"-I{prefix}/include"], [f"-L{prefix}/lib", f"-l{lib}"]))
    if compiler.compiler_type == "msvc":
        found.append(("the compiler's default paths", [], [f"{lib}.lib"]))
    else:
        found.append(("the compiler's default paths", [], [f"-l{lib}"]))
    return found


def _brew_prefixes(formula: str) -> list[str]:
    """Homebrew's prefix for ``formula``: ``brew --prefix``, else its two standard places."""
    import shutil
    import subprocess

    found = []
    if shutil.which("brew"):
        try:
            out = subprocess.run(["brew", "--prefix", formula], capture_output=True, text=True, timeout=60)
            if out.returncode == 0 and out.stdout.strip():
                found.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    found += [f"/opt/homebrew/opt/{formula}", f"/usr/local/opt/{formula}"]
    return [p for i, p in enumerate(found) if p not in found[:i] and Path(p, "include").is_dir()]


def _probe_library(compiler, source, compile_args, link_args, meaning_of_3):
    """None when ``source`` compiles, links and runs with exit 0; else what went wrong."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "probe.c")
        src.write_text(source)
        try:
            objects = compiler.compile([str(src)], output_dir=tmp, extra_postargs=compile_args)
        except Exception:  # CompileError or a missing tool
            return "its header does not compile"
        try:
            compiler.link_executable(objects, "probe", output_dir=tmp, extra_postargs=link_args)
        except Exception:
            return "the library does not link"
        exe = Path(tmp, compiler.executable_filename("probe"))
        # NOTE: a cross-compiled probe cannot run here; linking is then the test.
        if os.environ.get("_PYTHON_HOST_PLATFORM") or not exe.exists():
            return None
        try:
            code = subprocess.run([str(exe)], capture_output=True, timeout=60).returncode
        except (OSError, subprocess.SubprocessError) as exc:
            return f"the probe program did not run ({exc})"
        if code == 3 and meaning_of_3:
            return meaning_of_3
        return None if code == 0 else f"the probe program failed (exit {code})"


def find_library(compiler, feature: str, candidates=None):
    """Probe for ``feature``'s library (``LIBRARIES``): ``((compile args, link args), reason)``.

    The first candidate (``library_candidates``) whose probe program compiles,
    links and runs wins; the reason then says where it was found. When none
    does, the flags are None and the reason says what each attempt hit.
    """
    _, lib, source, meaning_of_3 = LIBRARIES[feature]
    tried = []
    for where, compile_args, link_args in candidates if candidates is not None else library_candidates(compiler, feature):
        problem = _probe_library(compiler, source, compile_args, link_args, meaning_of_3)
        if problem is None:
            flags = " ".join(compile_args + link_args)
            return (compile_args, link_args), f"found via {where} ({flags})"
        tried.append(f"{where}: {problem}")
    return None, f"lib{lib} not usable ({'; '.join(tried) or 'nothing to try'})"


def compiler_version(compiler):
    import subprocess

    exe = getattr(compiler, "compiler_so", None) or ["cc"]
    try:
        out = subprocess.run([exe[0], "--version"], capture_output=True, text=True, timeout=20)
        return out.stdout.splitlines()[0] if out.stdout else exe[0]
    except (OSError, subprocess.SubprocessError):
        return exe[0]


NO_COMPILER = """
speedlab needs a C compiler to build its kernels, and none works here
({detail}).
  Debian/Ubuntu:  apt-get install build-essential python3-dev
  Fedora/RHEL:    dnf install gcc python3-devel
  macOS:          xcode-select --install
  Windows:        install "Build Tools for Visual Studio" (C++ workload)
"""


# -- Rust (the ``rust`` references) ----------------------------------------------

#: The one crate of Rust references (a staticlib linked into each kernel module that uses it).
RUST_CRATE = Path("kernels", "rust")
RUST_LIB = "speedlab_rust"


def rust_toolchain() -> tuple[dict | None, str]:
    """``({"cargo": path, "rustc": version, "cargo_version": version}, "")`` or ``(None, why not)``.

    ``$CARGO``/``$RUSTC`` win over ``PATH``, as they do for cargo itself.
    """
    import shutil
    import subprocess

    found = {}
    for tool in ("cargo", "rustc"):
        exe = os.environ.get(tool.upper()) or shutil.which(tool)
        if not exe:
            return None, f"{tool} not found on PATH"
        try:
            out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            return None, f"`{tool} --version` failed: {exc}"
        if out.returncode != 0 or not out.stdout.strip():
            last = (out.stderr.strip().splitlines() or ["no output"])[-1]
            return None, f"`{tool} --version` failed: {last}"
        found[tool] = exe
        found[f"{tool}_version"] = out.stdout.strip()
    return found, ""


def rust_settings(*, debug: bool, native_arch: bool) -> dict:
    """How the Rust crate is compiled, chosen to match :func:`compile_flags` for C.

    Release: opt-level 3 (gcc's -O3), one codegen unit (gcc sees one C file as
    one unit too), LTO within the crate and std ("fat": the C references are
    single files with static helpers, which gcc inlines freely), panic=unwind
    (catch_unwind turns a panic into an error code at the C ABI; abort would kill
    the interpreter), no debug info (-g0), and the target's baseline CPU, like
    gcc without -march (x86-64: SSE2), unless SPEEDLAB_NATIVE_ARCH=1. Rust never
    contracts a*b+c into FMA nor sets errno, so -ffp-contract=off and
    -fno-math-errno need no counterpart. Debug (SPEEDLAB_DEBUG_BUILD=1): cargo's
    dev profile, opt-level 0, debug assertions and overflow checks on.
    """
    if debug:
        profile = {"opt-level": "0", "codegen-units": "16", "lto": "false", "panic": "unwind",
                   "debug": "true", "overflow-checks": "true"}
    else:
        profile = {"opt-level": "3", "codegen-units": "1", "lto": "fat", "panic": "unwind",
                   "debug": "false", "overflow-checks": "false"}
    return {
        "profile": "dev" if debug else "release",
        "settings": profile,
        "target_cpu": "native" if native_arch else "the target's baseline (as the C build)",
        "rustflags": ["-C", "target-cpu=native"] if native_arch else [],
    }


def rust_command(cargo: str, target_dir: Path, settings: dict, crate: Path = RUST_CRATE):
    """``(argv, env)`` that build the crate's staticlib and print the native libraries it needs."""
    name = settings["profile"].upper()
    env = dict(os.environ)
    # NOTE: the profile is passed through cargo's environment so that the build
    # record (from `settings`) cannot disagree with what cargo did; Cargo.toml
    # carries the same values for a plain `cargo build --release` by hand.
    for key, value in settings["settings"].items():
        env[f"CARGO_PROFILE_{name}_{key.upper().replace('-', '_')}"] = value
    if settings["rustflags"]:
        env["RUSTFLAGS"] = " ".join(settings["rustflags"])
    argv = [cargo, "rustc", "--offline", "--lib", "--profile", settings["profile"],
            "--manifest-path", str(Path(crate, "Cargo.toml")), "--target-dir", str(target_dir),
            "--", "--print=native-static-libs"]
    return argv, env


def rust_staticlib(target_dir: Path, settings: dict, *, msvc: bool) -> Path:
    """Where cargo puts the staticlib."""
    sub = "debug" if settings["profile"] == "dev" else settings["profile"]
    return Path(target_dir, sub, f"{RUST_LIB}.lib" if msvc else f"lib{RUST_LIB}.a")


def rust_link_flags(compiler_type: str, *, debug: bool) -> list[str]:
    """Extra linker flags for a module that links the staticlib.

    NOTE: Rust's std comes precompiled *with* debug info and with the code of its
    panic machinery (backtrace symbolisation included); a release module drops
    the debug info (as -g0 does for the C) and the sections nothing calls.
    Measured on Linux: 1.8 MB -> 0.28 MB for a module with one rust function.
    """
    if debug or compiler_type == "msvc":  # MSVC's linker drops unreferenced code by default (/OPT:REF)
        return []
    if sys.platform == "darwin":
        return ["-Wl,-dead_strip", "-Wl,-S"]
    return ["-Wl,--gc-sections", "-Wl,--strip-debug"]


def native_static_libs(output: str) -> list[str]:
    """The libraries rustc says a staticlib must be linked with (``--print=native-static-libs``)."""
    for line in output.splitlines():
        _, found, libs = line.partition("native-static-libs:")
        if found:
            return libs.split()
    return []


# -- release wheels --------------------------------------------------------------

NATIVE_ARCH_IN_WHEEL = (
    "error: SPEEDLAB_NATIVE_ARCH=1 is for local builds only: a -march=native "
    "wheel crashes (SIGILL) on any CPU older than the build machine. Unset it "
    "for cibuildwheel/auditwheel/release builds."
)


def building_release_wheel() -> bool:
    """True under cibuildwheel or an explicit release build (``SPEEDLAB_RELEASE=1``)."""
    return os.environ.get("CIBUILDWHEEL") == "1" or flag("SPEEDLAB_RELEASE")


def source_modules(root: Path) -> list[str]:
    """The compiled modules the source tree at ``root`` must produce, by convention."""
    native = [f"speedlab._native.{p.stem}" for p in Path(root, "kernels").glob("*.pyx")]
    compiled = [f"speedlab._compiled.{p.stem}" for p in Path(root, "src", "speedlab", "pure").glob("*.py")
                if p.stem != "__init__"]
    return sorted(native + compiled)


def check_wheel(wheel: Path, root: Path | None = None) -> list[str]:
    """Problems that make ``wheel`` unfit to publish (empty list: fit).

    A wheel must hold a compiled module for every kernel (every module the
    build recorded, and, given the source tree ``root``, every one the
    conventions require), no sources it does not need (``.pyx``, ``.c``), and
    must not be a ``-march=native`` build.
    """
    import zipfile

    problems = []
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        record = [n for n in names if n.endswith(f"speedlab/_native/{BUILD_INFO}")]
        if not record:
            return [f"no speedlab/_native/{BUILD_INFO}: the extensions were not built"]
        info = json.loads(zf.read(record[0]))
    # Extension modules only: not libraries a repair tool vendored (speedlab.libs/, .dylibs/).
    built = {n.split(".")[0].replace("/", ".") for n in names
             if n.startswith("speedlab/") and n.endswith((".so", ".pyd")) and "/.dylibs/" not in n}
    expected = set(info["modules"]) | set(source_modules(root) if root else [])
    missing = sorted(expected - built)
    if missing:
        problems.append(f"compiled modules missing: {', '.join(missing)}")
    # A dirty build/lib (a kernel renamed or removed since) would ship old modules.
    leftovers = sorted(built - set(info["modules"]))
    if leftovers:
        problems.append(f"compiled modules this build did not make: {', '.join(leftovers)}")
    sources = [n for n in names if n.endswith((".pyx", ".c", ".cpp", ".html"))]
    if sources:
        problems.append(f"sources in the wheel: {', '.join(sources)}")
    if info.get("native_arch"):
        problems.append(NATIVE_ARCH_IN_WHEEL.removeprefix("error: "))
    return problems


# -- editable installs -------------------------------------------------------------

def stale_extensions(info: dict | None) -> list[tuple[str, str]]:
    """(module, source) pairs where an in-tree build is older than one of its sources.

    Only modules that live inside the recorded source tree are checked (an
    editable or ``--inplace`` build): an installed wheel has no sources to
    compare with. Finding a module's file does not import it.
    """
    from importlib.util import find_spec

    if not info or not info.get("source_root"):
        return []
    root = Path(info["source_root"])
    stale = []
    for module, sources in sorted(info.get("sources", {}).items()):
        try:
            spec = find_spec(module)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.origin:
            continue
        built = Path(spec.origin)
        if root not in built.resolve().parents:
            continue
        built_at = built.stat().st_mtime
        for source in sources:
            path = root / source
            if path.exists() and path.stat().st_mtime > built_at:
                stale.append((module, source))
    return stale


def _main(argv: list[str]) -> int:
    """``python src/speedlab/_buildtools.py check-wheel WHEEL [ROOT]``: run by CI and cibuildwheel."""
    if len(argv) not in (2, 3) or argv[0] != "check-wheel":
        print("usage: _buildtools.py check-wheel WHEEL [SOURCE_ROOT]", file=sys.stderr)
        return 2
    root = Path(argv[2]) if len(argv) == 3 else None
    problems = check_wheel(Path(argv[1]), root)
    for problem in problems:
        print(f"check-wheel: {Path(argv[1]).name}: {problem}", file=sys.stderr)
    if not problems:
        print(f"check-wheel: {Path(argv[1]).name}: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
