"""Build speedlab's compiled kernels.

Two families of extension modules are found by convention, so adding a kernel
needs no edit here:

* ``kernels/NAME.pyx``            -> ``speedlab._native.NAME`` (typed, native and
  parallel rungs; ``kernels/c/NAME.c`` is compiled into the same module when it
  exists: the hand-written ``c`` rung, built with the very same flags);
* ``src/speedlab/pure/NAME.py``   -> ``speedlab._compiled.NAME`` (the pure-Python
  twin compiled by Cython with no type declarations: the ``compiled`` rung);
* ``kernels/lib/NAME_LIB.pyx``    -> ``speedlab._native.NAME_LIB``, a variant on an
  optional system library (``LIB`` is ``pcre2`` or ``gmp``: ``_buildtools.LIBRARIES``),
  built only when that library's probe compiles, links and runs a small program.

A third module, ``speedlab._cyutility``, is Cython's shared utility code (Cython
3.1+): the memoryview machinery and other helpers compiled once instead of into
every kernel, which more than halves the C each kernel with memoryviews carries.

Cython runs inside ``build_ext`` (not when this file is imported), so ``sdist``
and metadata steps stay fast and never generate C.

Build switches (environment variables, documented in README.md):

* ``SPEEDLAB_DEBUG_BUILD=1``   -O0 -g, Cython bounds/wraparound/initialised checks on;
* ``SPEEDLAB_ANNOTATE=1``      Cython's HTML annotation written under .build/cython;
* ``SPEEDLAB_NATIVE_ARCH=1``   -march=native, for a local build only (never a wheel);
* ``SPEEDLAB_REQUIRE_OPENMP=1`` fail the build when OpenMP cannot be used;
* ``SPEEDLAB_DISABLE_OPENMP=1`` build without OpenMP (``parallel`` runs serially);
* ``SPEEDLAB_REQUIRE_PCRE2=1``, ``SPEEDLAB_REQUIRE_GMP=1`` fail the build when that
  library is missing (otherwise its variants are left out, with the reason recorded);
* ``SPEEDLAB_REQUIRE_RUST=1``   fail the build when the Rust references cannot be built.

The ``rust`` references: when ``cargo`` and ``rustc`` are found, the crate in
``kernels/rust`` is built once (a staticlib, under the build temp directory) and
linked into each kernel module that has ``kernels/rust/src/NAME.rs``; without
them those modules build as before and the rust variants report the reason.
"""
import subprocess

import json
import os
import platform
import shutil
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
# NOTE: the flag logic lives in the package (speedlab/_buildtools.py) so that
# `speedlab build` compiles user kernels exactly as speedlab's own; importing it
# from the source tree runs nothing heavy (it imports only the standard library).
sys.path.insert(0, str(HERE / "src"))
from speedlab import _buildtools as bt  # noqa: E402
from speedlab.bench import annotation  # noqa: E402  (stdlib only)

KERNELS = Path("kernels")
LIBRARY_KERNELS = KERNELS / "lib"
PURE = Path("src", "speedlab", "pure")
INCLUDE = Path("src", "speedlab", "include")
SHARED_UTILITY = "speedlab._cyutility"

DEBUG = bt.flag("SPEEDLAB_DEBUG_BUILD")
ANNOTATE = bt.flag("SPEEDLAB_ANNOTATE")
NATIVE_ARCH = bt.flag("SPEEDLAB_NATIVE_ARCH")
REQUIRE_OPENMP = bt.flag("SPEEDLAB_REQUIRE_OPENMP")
DISABLE_OPENMP = bt.flag("SPEEDLAB_DISABLE_OPENMP")
REQUIRE_RUST = bt.required("rust")
RUST_SOURCES = sorted((KERNELS / "rust").rglob("*.rs")) + [KERNELS / "rust" / "Cargo.toml"]
RUST_KERNELS = {p.stem for p in (KERNELS / "rust" / "src").glob("*.rs")} - {"lib"}  # src/NAME.rs: the rust reference of NAME
DIRECTIVES = bt.directives(DEBUG)
# NOTE: everything the build writes goes under .build/, not setuptools' default
# build/: a build/ folder at the root of the checkout is an importable namespace
# package that shadows `python -m build` (pypa/build) when that is not installed.
BUILD_BASE = Path(".build")
# Generated C stays out of the source tree (and so out of git and the sdist).
# NOTE: one directory per set of directives: cythonize only compares timestamps,
# so a release build must never pick up C generated for a debug build.
CYTHON_BUILD_DIR = BUILD_BASE / "cython" / ("debug" if DEBUG else "release")

if NATIVE_ARCH and bt.building_release_wheel():
    raise SystemExit(bt.NATIVE_ARCH_IN_WHEEL)


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
                include_dirs=[str(KERNELS), str(INCLUDE)],
                depends=[str(p) for p in KERNELS.glob("*.pxd")]
                + [str(p) for p in INCLUDE.glob("*")]
                + [str(p) for p in (KERNELS / "c").glob("*.h")]
                + [str(p) for p in (KERNELS / "simd").glob("*.h")]
                + ([str(p) for p in RUST_SOURCES] + [str(KERNELS / "rust" / "speedlab_rust.h")]
                   if name in RUST_KERNELS else []),
            )
        )
    return exts


def library_extensions():
    """``kernels/lib/NAME_LIB.pyx``: one module per kernel and library, tagged with ``feature``."""
    exts = []
    for pyx in sorted(LIBRARY_KERNELS.glob("*.pyx")):
        feature = pyx.stem.rpartition("_")[2]
        if feature not in bt.LIBRARIES:
            raise SystemExit(f"error: {pyx}: the name must end in _LIBRARY, one of {', '.join(bt.LIBRARIES)}")
        ext = Extension(
            f"speedlab._native.{pyx.stem}",
            [str(pyx)],
            include_dirs=[str(KERNELS), str(LIBRARY_KERNELS), str(INCLUDE)],
            depends=[str(p) for p in LIBRARY_KERNELS.glob("*.pxd")] + [str(p) for p in INCLUDE.glob("*")],
        )
        ext.feature = feature  # read by SpeedlabBuildExt.build_extensions
        exts.append(ext)
    return exts


def compiled_extensions():
    return [
        Extension(f"speedlab._compiled.{py.stem}", [str(py)])
        for py in sorted(PURE.glob("*.py"))
        if py.stem != "__init__"
    ]


def shared_utility_extension():
    # cythonize() recognises this name and writes the module's C itself.
    return Extension(SHARED_UTILITY, [SHARED_UTILITY.replace(".", "/") + ".c"])


class SpeedlabBuildExt(build_ext):
    """build_ext that cythonizes, sets flags per compiler, probes OpenMP and records what it did."""

    def initialize_options(self):
        super().initialize_options()
        self.features = {}  # optional part -> {"built": bool, "reason": str}

    def finalize_options(self):
        super().finalize_options()
        if self.parallel is None:
            # NOTE: one compiler process per core; the extensions are independent.
            self.parallel = os.cpu_count() or 1

    def run(self):
        super().run()
        if self.inplace:
            target = Path(self.get_finalized_command("build_py").get_package_dir("speedlab._native"))
            target.joinpath(bt.BUILD_INFO).write_text(self._info_text)
            built = Path(self.build_lib, "speedlab", "_native", annotation.FILENAME)
            if built.exists():
                shutil.copyfile(built, target / annotation.FILENAME)

    def _cythonize(self, extensions):
        from Cython.Build import cythonize

        common = dict(
            build_dir=str(CYTHON_BUILD_DIR),
            # NOTE: always annotated: `speedlab explain` ships a summary of the HTML
            # (speedlab/_native/_annotation.json); SPEEDLAB_ANNOTATE=1 prints where
            # it is, and forces regeneration since the HTML is only written with the C.
            annotate=True,
            force=ANNOTATE or self.force,
            nthreads=self.parallel,
            include_path=[str(KERNELS), str(LIBRARY_KERNELS), str(INCLUDE)],
            shared_utility_qualified_name=SHARED_UTILITY,
            quiet=True,
        )
        native = [e for e in extensions if e.name.startswith("speedlab._native.")]
        compiled = [e for e in extensions if e.name.startswith("speedlab._compiled.")]
        other = [e for e in extensions if e not in native and e not in compiled]
        return (
            cythonize(native + other, compiler_directives=DIRECTIVES, **common)
            + cythonize(compiled, compiler_directives=bt.COMPILED_DIRECTIVES, **common)
        )

    def build_extensions(self):
        compiler = self.compiler
        compile_args = bt.compile_flags(compiler.compiler_type, debug=DEBUG, native_arch=NATIVE_ARCH)
        link_args = []

        if not bt.probe(compiler, "int main(void) { return 0; }\n", [], []):
            detail = " ".join(getattr(compiler, "compiler_so", None) or [compiler.compiler_type])
            sys.stderr.write(bt.NO_COMPILER.format(detail=detail))
            raise SystemExit("error: no working C compiler (see above)")

        openmp = None if DISABLE_OPENMP else bt.openmp_flags(compiler)
        why = None
        if openmp is None:
            cc = (getattr(compiler, "compiler_so", None) or [compiler.compiler_type])[0]
            why = ("disabled by SPEEDLAB_DISABLE_OPENMP" if DISABLE_OPENMP
                   else f"the C compiler {cc!r} cannot build an OpenMP program")
            if REQUIRE_OPENMP:
                raise SystemExit(f"error: SPEEDLAB_REQUIRE_OPENMP=1 but OpenMP is unavailable: {why}")
            print(f"warning: building without OpenMP ({why}); `parallel` variants will run serially",
                  file=sys.stderr)

        libraries = self._probe_libraries(compiler)
        # A module whose library is missing is left out (its variant reports why).
        self.extensions = [e for e in self.extensions
                           if getattr(e, "feature", None) is None or libraries[e.feature] is not None]

        # NOTE: cargo runs beside Cython (its own process), so the Rust crate
        # adds little to the build's wall time; its result is awaited below.
        rust = self._start_rust()
        # Cython runs only once the compiler is known to work.
        # NOTE: cythonize() returns new Extension objects without the attributes
        # setuptools set in finalize_options; keep ours and take only the C sources.
        generated = {ext.name: ext.sources for ext in self._cythonize(self.extensions)}
        rust_link = self._finish_rust(rust)
        for ext in self.extensions:
            ext.sources = generated[ext.name]
            ext.extra_compile_args = list(compile_args)
            ext.extra_link_args = list(link_args)
            if openmp and ext.name.startswith("speedlab._native."):
                ext.extra_compile_args += openmp[0]
                ext.extra_link_args += openmp[1]
            if getattr(ext, "feature", None) is not None:
                ext.extra_compile_args += libraries[ext.feature][0]
                ext.extra_link_args += libraries[ext.feature][1]
            if DEBUG:
                ext.undef_macros = ["NDEBUG"]
            if rust_link and ext.name.removeprefix("speedlab._native.") in RUST_KERNELS:
                lib, libs = rust_link
                ext.define_macros = [*ext.define_macros, ("SPEEDLAB_RUST", "1")]
                ext.extra_objects = [str(lib)]
                ext.extra_link_args += libs + bt.rust_link_flags(self.compiler.compiler_type, debug=DEBUG)
                ext.depends = [*ext.depends, str(lib)]  # relink when the crate changed

        info = self._build_info(compile_args, link_args, openmp, why)
        info["rust"] = self._rust_info
        info["rust_kernels"] = sorted(RUST_KERNELS) if self._rust_info else []  # not in CONFIG_KEYS: no full rebuild
        # Optional parts (speedlab._buildtools.FEATURES): each probe above records
        # {"built": bool, "reason": str} under its name; `speedlab info` reports them.
        info["features"] = dict(self.features)
        # NOTE: build_ext skips an extension whose output is newer than its
        # sources, even when the flags changed (debug -> release): rebuild all then.
        stamp = Path(self.build_temp, "speedlab-config.json")
        config = json.dumps({k: info[k] for k in bt.CONFIG_KEYS}, sort_keys=True)
        if not stamp.exists() or stamp.read_text() != config:
            self.force = True
        super().build_extensions()
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(config)

        # The record goes beside the modules in build_lib (so into wheels);
        # run() copies it into the source package for --inplace/editable builds.
        self._info_text = json.dumps(info, indent=2) + "\n"
        out_dir = Path(self.build_lib, "speedlab", "_native")
        out_dir.mkdir(parents=True, exist_ok=True)
        out_dir.joinpath(bt.BUILD_INFO).write_text(self._info_text)
        annotation.write(self.extensions, [out_dir])  # C-API lines per function, for `speedlab explain`
        if ANNOTATE:
            print(f"speedlab: Cython annotation written under {info['annotation_dir']}:")
            for html in sorted(Path(info["annotation_dir"]).rglob("*.html")):
                print(f"  {html}")

    def _probe_libraries(self, compiler):
        """One probe per optional library: feature -> (compile args, link args) or None.

        Each result lands in ``self.features`` (and so in the build record);
        ``SPEEDLAB_REQUIRE_<LIB>=1`` turns a missing library into a build error.
        """
        found = {}
        for feature in bt.LIBRARIES:
            flags, reason = bt.find_library(compiler, feature)
            self.features[feature] = {"built": flags is not None, "reason": reason}
            found[feature] = flags
            if flags is None:
                message = bt.missing_feature_message(feature, reason)
                if bt.required(feature):
                    raise SystemExit(f"error: {bt.require_variable(feature)}=1 but {message}")
                print(f"warning: {message}", file=sys.stderr)
        return found

    def _start_rust(self):
        """Start cargo on the Rust crate (or record why not); returns the running build or None."""
        self._rust_info = None
        if not RUST_KERNELS:
            return None
        toolchain, why = bt.rust_toolchain()
        if toolchain is None:
            return self._no_rust(why)
        settings = bt.rust_settings(debug=DEBUG, native_arch=NATIVE_ARCH)
        target = Path(self.build_temp, "rust-target").resolve()
        argv, env = bt.rust_command(toolchain["cargo"], target, settings, HERE / "kernels" / "rust")
        log = Path(self.build_temp, "rust-build.log")
        log.parent.mkdir(parents=True, exist_ok=True)
        out = log.open("w")
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=HERE)
        lib = bt.rust_staticlib(target, settings, msvc=self.compiler.compiler_type == "msvc")
        return proc, out, log, lib, toolchain, settings

    def _finish_rust(self, started):
        """Wait for cargo: ``(staticlib, link libraries)``, or None with the reason recorded."""
        if started is None:
            return None
        proc, out, log, lib, toolchain, settings = started
        status = proc.wait()
        out.close()
        text = log.read_text(errors="replace")
        if status != 0 or not lib.exists():
            errors = [line for line in text.splitlines() if line.startswith("error")] or text.splitlines()[-1:]
            return self._no_rust(f"cargo failed ({errors[0] if errors else f'exit {status}'}; log: {log})")
        libs = bt.native_static_libs(text)
        self.features["rust"] = {"built": True, "reason": ""}
        self._rust_info = {
            "rustc": toolchain["rustc_version"], "cargo": toolchain["cargo_version"],
            "profile": settings["profile"], "settings": settings["settings"],
            "target_cpu": settings["target_cpu"], "rustflags": settings["rustflags"],
            "link": libs + bt.rust_link_flags(self.compiler.compiler_type, debug=DEBUG),
        }
        return lib, libs

    def _no_rust(self, why):
        if REQUIRE_RUST:
            raise SystemExit(f"error: {bt.require_variable('rust')}=1 but the rust references cannot be built: {why}")
        self.features["rust"] = {"built": False, "reason": why}
        print(f"warning: {bt.missing_feature_message('rust', why)}", file=sys.stderr)
        return None

    def _build_info(self, compile_args, link_args, openmp, why_no_openmp):
        return {
            "compiler": bt.compiler_version(self.compiler),
            "compiler_type": self.compiler.compiler_type,
            "cflags": compile_args,
            "ldflags": link_args,
            "openmp": bool(openmp),
            "openmp_flags": openmp[0] if openmp else [],
            "openmp_link_flags": openmp[1] if openmp else [],
            "openmp_disabled": DISABLE_OPENMP,
            "openmp_missing_reason": why_no_openmp,
            "debug": DEBUG,
            "native_arch": NATIVE_ARCH,
            "annotate": ANNOTATE,
            "annotation_dir": str((HERE / CYTHON_BUILD_DIR).resolve()) if ANNOTATE else None,
            "cython": _cython_version(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "directives": DIRECTIVES,
            "modules": sorted(ext.name for ext in self.extensions),
            # For `speedlab info`'s staleness check in editable installs: the
            # tree the sources came from and each module's inputs.
            "source_root": str(HERE),
            "sources": {
                ext.name: sorted({_original(s) for s in ext.sources} | set(ext.depends))
                for ext in self.extensions if ext.name != SHARED_UTILITY
            },
        }


def _cython_version():
    import Cython

    return Cython.__version__


def _original(source):
    """The .pyx/.py a generated C file came from (cythonize replaced it in ext.sources)."""
    path = Path(source)
    if CYTHON_BUILD_DIR in path.parents:
        rel = path.relative_to(CYTHON_BUILD_DIR)
        for suffix in (".pyx", ".py"):
            if rel.with_suffix(suffix).exists():
                return str(rel.with_suffix(suffix))
    return str(path)


setup(
    ext_modules=native_extensions() + library_extensions() + compiled_extensions() + [shared_utility_extension()],
    cmdclass={"build_ext": SpeedlabBuildExt},
    # build_lib, build_temp and bdist dirs all derive from build_base (sdist prunes it)
    options={"build": {"build_base": str(BUILD_BASE)}},
)
