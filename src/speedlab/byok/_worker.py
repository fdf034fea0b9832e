"""The compiler process of ``speedlab build``: one Cython + C compilation, or the toolchain probe.

Run as ``python -m speedlab.byok._worker JOB.json``. Compiling in a child process
keeps setuptools, Cython and the compiler's output out of the ``speedlab``
process: the parent captures both streams and shows only the errors, with their
file:line (see :func:`speedlab.byok.build.compiler_errors`).
"""

from __future__ import annotations

import json
import sys


def probe() -> dict:
    """The C compiler's type and version and the OpenMP flags it takes (None without OpenMP)."""
    import setuptools  # noqa: F401  (provides distutils on Python >= 3.12)
    from distutils.ccompiler import new_compiler
    from distutils.sysconfig import customize_compiler

    from speedlab import _buildtools as bt

    compiler = new_compiler()
    customize_compiler(compiler)
    works = bt.probe(compiler, "int main(void) { return 0; }\n", [], [])
    openmp = bt.openmp_flags(compiler) if works else None
    return {
        "compiler_type": compiler.compiler_type,
        "compiler": bt.compiler_version(compiler),
        "works": works,
        "openmp": list(map(list, openmp)) if openmp else None,
    }


def compile_one(job: dict) -> None:
    """Cythonize ``job["source"]`` as module ``job["module"]`` and build it into ``job["out"]``."""
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    ext = Extension(job["module"], [job["source"]], include_dirs=job["include_dirs"],
                    extra_compile_args=job["cflags"], extra_link_args=job["ldflags"])
    if job["debug"]:
        ext.undef_macros = ["NDEBUG"]
    exts = cythonize([ext], compiler_directives=job["directives"], build_dir=job["c_dir"],
                     include_path=job["include_dirs"], annotate=job["annotate"], quiet=True,
                     force=True)
    dist = Distribution({"ext_modules": exts, "script_name": "speedlab-build"})
    cmd = dist.get_command_obj("build_ext")
    cmd.build_lib = job["out"]
    cmd.build_temp = job["tmp"]
    cmd.ensure_finalized()
    cmd.run()


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as fh:
        job = json.load(fh)
    if job["kind"] == "probe":
        print(json.dumps(probe()))
        return 0
    try:
        compile_one(job)
    except Exception as exc:  # CompileError, LinkError: the details are on stderr already
        print(f"speedlab-build-failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
