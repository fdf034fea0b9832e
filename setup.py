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
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

import Cython
from Cython.Build import cythonize

HERE = Path(__file__).resolve().parent
# NOTE: the flag logic lives in the package (speedlab/_buildtools.py) so that
# `speedlab build` compiles user kernels exactly as speedlab's own; importing it
# from the source tree runs nothing heavy (speedlab/__init__ imports no kernel).
sys.path.insert(0, str(HERE / "src"))
from speedlab import _buildtools as bt  # noqa: E402
from speedlab.bench import annotation  # noqa: E402  (stdlib only)

KERNELS = Path("kernels")
PURE = Path("src", "speedlab", "pure")
INCLUDE = Path("src", "speedlab", "include")
# Generated C stays out of the source tree (and so out of git and the sdist).
CYTHON_BUILD_DIR = Path("build", "cython")

DEBUG = bt.flag("SPEEDLAB_DEBUG_BUILD")
ANNOTATE = bt.flag("SPEEDLAB_ANNOTATE")
NATIVE_ARCH = bt.flag("SPEEDLAB_NATIVE_ARCH")
REQUIRE_OPENMP = bt.flag("SPEEDLAB_REQUIRE_OPENMP")
DISABLE_OPENMP = bt.flag("SPEEDLAB_DISABLE_OPENMP")
DIRECTIVES = bt.directives(DEBUG)


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
            for name in ("_buildinfo.json", annotation.FILENAME):
                target = Path(build_py.get_package_dir("speedlab._native"), name)
                shutil.copyfile(Path(self.build_lib, "speedlab", "_native", name), target)

    def build_extensions(self):
        compiler = self.compiler
        compile_args = bt.compile_flags(compiler.compiler_type, debug=DEBUG, native_arch=NATIVE_ARCH)
        link_args = []

        if not bt.probe(compiler, "int main(void) { return 0; }\n", [], []):
            detail = " ".join(getattr(compiler, "compiler_so", None) or [compiler.compiler_type])
            sys.stderr.write(bt.NO_COMPILER.format(detail=detail))
            raise SystemExit("error: no working C compiler (see above)")

        openmp = None if DISABLE_OPENMP else bt.openmp_flags(compiler)
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
            "compiler": bt.compiler_version(self.compiler),
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
        annotation.write(self.extensions, out_dirs)  # C-API lines per function, for `speedlab explain`
        if ANNOTATE:
            print(f"speedlab: Cython annotation written under {info['annotation_dir']}")


def extensions():
    nthreads = os.cpu_count() or 1
    # NOTE: always annotated: `speedlab explain` ships a summary of the HTML
    # (speedlab/_native/_annotation.json); SPEEDLAB_ANNOTATE=1 only says where it is.
    common = dict(build_dir=str(CYTHON_BUILD_DIR), annotate=True, nthreads=nthreads,
                  include_path=[str(KERNELS), str(INCLUDE)])
    return (
        cythonize(native_extensions(), compiler_directives=DIRECTIVES, **common)
        + cythonize(compiled_extensions(), compiler_directives=bt.COMPILED_DIRECTIVES, **common)
    )


setup(ext_modules=extensions(), cmdclass={"build_ext": SpeedlabBuildExt})
