"""Compiler flags, directives and probes shared by setup.py and ``speedlab build``.

One place decides how speedlab compiles C: release and debug flags, the Cython
directives of the ladder, the OpenMP probe. ``setup.py`` imports this module
from the source tree; user kernels built by ``speedlab build`` use the very same
functions, so their ladder is measured under identical conditions.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

#: Where omp_shim.h/.pxd live (``speedlab.get_include()`` returns it).
INCLUDE_DIR = Path(__file__).resolve().parent / "include"


def flag(name: str) -> bool:
    """True when the environment variable ``name`` is set to 1/true/yes/on."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


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
    flags = ["-O0", "-g"] if debug else ["-O3"]
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
        # Apple clang has no -fopenmp driver flag; libomp (Homebrew) supplies the runtime.
        candidates = [(["-Xpreprocessor", "-fopenmp"], ["-lomp"]), (["-fopenmp"], ["-fopenmp"])]
    else:
        candidates = [(["-fopenmp"], ["-fopenmp"])]
    for compile_args, link_args in candidates:
        if probe(compiler, OPENMP_PROBE, compile_args, link_args):
            return compile_args, link_args
    return None


def compiler_version(compiler):
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
