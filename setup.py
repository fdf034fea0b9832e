"""Build speedlab's compiled kernels.

Two families of extension modules are found by convention, so adding a kernel
needs no edit here:

* ``kernels/NAME.pyx``            -> ``speedlab._native.NAME`` (typed, native and
  parallel rungs; ``kernels/c/NAME.c`` is compiled into the same module when it
  exists: the hand-written ``c`` rung, built with the very same flags);
* ``src/speedlab/pure/NAME.py``   -> ``speedlab._compiled.NAME`` (the pure-Python
  twin compiled by Cython with no type declarations: the ``compiled`` rung).

Build switches (environment variables, documented in README.md):

* ``SPEEDLAB_DEBUG_BUILD=1``   -O0 -g, Cython bounds/wraparound/initialised checks on;
* ``SPEEDLAB_ANNOTATE=1``      Cython's HTML annotation written under build/cython;
* ``SPEEDLAB_NATIVE_ARCH=1``   -march=native, for a local build only (never a wheel);
* ``SPEEDLAB_REQUIRE_OPENMP=1`` fail the build when OpenMP cannot be used;
* ``SPEEDLAB_DISABLE_OPENMP=1`` build without OpenMP (``parallel`` runs serially).
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

import Cython
from Cython.Build import cythonize

HERE = Path(__file__).resolve().parent
KERNELS = Path("kernels")
PURE = Path("src", "speedlab", "pure")
# Generated C stays out of the source tree (and so out of git and the sdist).
CYTHON_BUILD_DIR = Path("build", "cython")


def _flag(name):
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("SPEEDLAB_DEBUG_BUILD")
ANNOTATE = _flag("SPEEDLAB_ANNOTATE")
NATIVE_ARCH = _flag("SPEEDLAB_NATIVE_ARCH")
REQUIRE_OPENMP = _flag("SPEEDLAB_REQUIRE_OPENMP")
DISABLE_OPENMP = _flag("SPEEDLAB_DISABLE_OPENMP")

# The one set of directives for the kernels. Release builds switch the safety
# checks off globally: that is the `native` rung's memory discipline. The
# `typed` rung turns them back on per function (its meaning depends on it), so
# a debug build, which flips these globals, checks the native code too.
DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": not DEBUG,
    "embedsignature": True,
}
# The `compiled` rung is the pure twin with nothing declared and nothing
# switched off: Cython's defaults, so the rung isolates native compilation.
COMPILED_DIRECTIVES = {"language_level": 3}


def native_extensions():
    exts = []
    for pyx in sorted(KERNELS.glob("*.pyx")):
        name = pyx.stem
        sources = [str(pyx)]
        c_ref = KERNELS / "c" / f"{name}.c"
        if c_ref.exists():
            sources.append(str(c_ref))
        exts.append(
            Extension(
                f"speedlab._native.{name}",
                sources,
                include_dirs=[str(KERNELS)],
                depends=[str(p) for p in KERNELS.glob("*.pxd")]
                + [str(p) for p in KERNELS.glob("*.h")]
                + [str(p) for p in (KERNELS / "c").glob("*.h")],
            )
        )
    return exts


def compiled_extensions():
    return [
        Extension(f"speedlab._compiled.{py.stem}", [str(py)])
        for py in sorted(PURE.glob("*.py"))
        if py.stem != "__init__"
    ]


def _probe(compiler, source, compile_args, link_args):
    """Return True when ``source`` compiles and links with the given flags."""
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


def _openmp_flags(compiler):
    """Find the flags that give this compiler OpenMP, or None."""
    if compiler.compiler_type == "msvc":
        candidates = [(["/openmp"], [])]
    elif sys.platform == "darwin":
        # Apple clang has no -fopenmp driver flag; libomp (Homebrew) supplies the runtime.
        candidates = [(["-Xpreprocessor", "-fopenmp"], ["-lomp"]), (["-fopenmp"], ["-fopenmp"])]
    else:
        candidates = [(["-fopenmp"], ["-fopenmp"])]
    for compile_args, link_args in candidates:
        if _probe(compiler, OPENMP_PROBE, compile_args, link_args):
            return compile_args, link_args
    return None


def _compiler_version(compiler):
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


class SpeedlabBuildExt(build_ext):
    """build_ext that sets flags per compiler, probes OpenMP and records what it did."""

    def finalize_options(self):
        super().finalize_options()
        if self.parallel is None:
            # NOTE: one compiler process per core; the extensions are independent.
            self.parallel = os.cpu_count() or 1

    def run(self):
        super().run()
        if self.inplace:
            build_py = self.get_finalized_command("build_py")
            target = Path(build_py.get_package_dir("speedlab._native"), "_buildinfo.json")
            shutil.copyfile(Path(self.build_lib, "speedlab", "_native", "_buildinfo.json"), target)

    def build_extensions(self):
        compiler = self.compiler
        if compiler.compiler_type == "msvc":
            # /fp:precise keeps IEEE semantics (no contraction into FMA).
            compile_args = ["/Od", "/Zi"] if DEBUG else ["/O2", "/fp:precise"]
            link_args = []
        else:
            # -ffp-contract=off: no FMA contraction, so results are bit-identical
            # to the pure twin and mandelbrot's boundary pixels stay exact.
            compile_args = ["-O0", "-g"] if DEBUG else ["-O3"]
            # -fno-math-errno: sqrt() becomes one instruction with no errno
            # branch, so it can vectorise; IEEE results are unchanged (this is
            # not -ffast-math).
            # NOTE: -fno-wrapv undoes the -fwrapv that CPython's own CFLAGS pass to
            # every extension: with it gcc must assume signed counters can wrap,
            # which measured 10-15 % slower on n-body's loops. Meson-built
            # projects (NumPy, SciPy, scikit-learn) never pass -fwrapv either.
            compile_args += ["-ffp-contract=off", "-fno-math-errno", "-fno-wrapv"]
            if NATIVE_ARCH:
                compile_args.append("-march=native")
            link_args = []

        if not _probe(compiler, "int main(void) { return 0; }\n", [], []):
            detail = " ".join(getattr(compiler, "compiler_so", None) or [compiler.compiler_type])
            sys.stderr.write(NO_COMPILER.format(detail=detail))
            raise SystemExit("error: no working C compiler (see above)")

        openmp = None if DISABLE_OPENMP else _openmp_flags(compiler)
        if openmp is None:
            why = "disabled by SPEEDLAB_DISABLE_OPENMP" if DISABLE_OPENMP else "the compiler cannot build an OpenMP program"
            if REQUIRE_OPENMP:
                raise SystemExit(f"error: SPEEDLAB_REQUIRE_OPENMP=1 but OpenMP is unavailable: {why}")
            print(f"warning: building without OpenMP ({why}); `parallel` variants will run serially",
                  file=sys.stderr)

        for ext in self.extensions:
            ext.extra_compile_args = list(compile_args)
            ext.extra_link_args = list(link_args)
            if openmp and ext.name.startswith("speedlab._native."):
                ext.extra_compile_args += openmp[0]
                ext.extra_link_args += openmp[1]
            if DEBUG:
                ext.undef_macros = ["NDEBUG"]

        super().build_extensions()
        self._write_build_info(compile_args, link_args, openmp)

    def _write_build_info(self, compile_args, link_args, openmp):
        # The record goes beside the modules in build_lib (so into wheels);
        # run() copies it into the source package for --inplace/editable builds.
        out_dirs = [Path(self.build_lib, "speedlab", "_native")]
        info = {
            "compiler": _compiler_version(self.compiler),
            "compiler_type": self.compiler.compiler_type,
            "cflags": compile_args,
            "ldflags": link_args,
            "openmp": bool(openmp),
            "openmp_flags": openmp[0] if openmp else [],
            "debug": DEBUG,
            "native_arch": NATIVE_ARCH,
            "annotate": ANNOTATE,
            "annotation_dir": str((HERE / CYTHON_BUILD_DIR).resolve()) if ANNOTATE else None,
            "cython": Cython.__version__,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "directives": DIRECTIVES,
            "modules": sorted(ext.name for ext in self.extensions),
        }
        for out_dir in out_dirs:
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / "_buildinfo.json").write_text(json.dumps(info, indent=2) + "\n")
        if ANNOTATE:
            print(f"speedlab: Cython annotation written under {info['annotation_dir']}")


def extensions():
    nthreads = os.cpu_count() or 1
    common = dict(build_dir=str(CYTHON_BUILD_DIR), annotate=ANNOTATE, nthreads=nthreads,
                  include_path=[str(KERNELS)])
    return (
        cythonize(native_extensions(), compiler_directives=DIRECTIVES, **common)
        + cythonize(compiled_extensions(), compiler_directives=COMPILED_DIRECTIVES, **common)
    )


setup(ext_modules=extensions(), cmdclass={"build_ext": SpeedlabBuildExt})
