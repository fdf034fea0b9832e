"""Which vector path the ``simd`` rung runs: detected once, forced by ``SPEEDLAB_SIMD``.

Each ``simd`` kernel is one C body compiled once per instruction set into the
same extension module (see ``speedlab/include/sl_simd.h``): SSE2 (the x86-64
baseline), AVX2 and AVX-512 on x86-64, NEON on arm64. The wheel itself is
built for the baseline, so it runs on every CPU of its platform; the wider
paths run only where the CPU reports them.

``SPEEDLAB_SIMD`` chooses:

* ``auto`` (default) -- the widest path the CPU supports;
* ``scalar`` -- no explicit vectors: the ``simd`` rung runs the ``native`` code;
* ``sse2``, ``avx2``, ``avx512``, ``neon`` -- that path, or a clear error when
  this CPU or build lacks it (never an illegal instruction).

The choice is made on the first call of a ``simd`` (or ``parallel``) variant and
cached; :func:`forced` changes it for a block of code (the tests use it to run
every path in one process).
"""

from __future__ import annotations

import os
from contextlib import contextmanager

#: Path names, indexed by the SL_SIMD_* numbers of sl_simd.h.
PATHS = ("scalar", "sse2", "avx2", "avx512", "neon")
#: Vector width of each path, in bytes (scalar: one double).
WIDTH = {"scalar": 8, "sse2": 16, "avx2": 32, "avx512": 64, "neon": 16}
#: Preference when SPEEDLAB_SIMD=auto: widest first.
_PREFERENCE = ("avx512", "avx2", "neon", "sse2", "scalar")
ENV = "SPEEDLAB_SIMD"

_cached: str | None = None


class SimdUnavailable(ValueError):
    """``SPEEDLAB_SIMD`` names a vector path this CPU or this build cannot run."""


def _names(mask: int) -> tuple[str, ...]:
    return tuple(name for bit, name in enumerate(PATHS) if mask & (1 << bit))


def built() -> tuple[str, ...]:
    """The paths compiled into the kernel modules (ImportError when they are not built)."""
    from speedlab._native import _cpu

    return _names(_cpu.built_mask())


def supported() -> tuple[str, ...]:
    """The paths both compiled in and runnable on this CPU."""
    from speedlab._native import _cpu

    return _names(_cpu.built_mask() & _cpu.supported_mask())


def cpu() -> tuple[str, ...]:
    """The paths this CPU can run, whether or not this build has them."""
    from speedlab._native import _cpu

    return _names(_cpu.supported_mask())


def _choose(value: str) -> str:
    value = value.strip().lower() or "auto"
    if value != "auto" and value not in PATHS:
        raise ValueError(f"{ENV} must be auto or one of {', '.join(PATHS)}, got {value!r}")
    have = supported()
    if value == "auto":
        return next(name for name in _PREFERENCE if name in have)
    if value not in have:
        why = ("this build has no such path" if value not in built()
               else "this CPU does not support it")
        raise SimdUnavailable(
            f"{ENV}={value}: {why}; this CPU and build run: {', '.join(have)} "
            f"(unset {ENV} or pick one of those)"
        )
    return value


def path() -> str:
    """The path the ``simd`` rung runs (chosen on the first call, then cached).

    Raises
    ------
    ValueError
        ``SPEEDLAB_SIMD`` is not a path name.
    SimdUnavailable
        ``SPEEDLAB_SIMD`` names a path this CPU or build cannot run.
    """
    global _cached
    if _cached is None:
        _cached = _choose(os.environ.get(ENV, "auto"))
    return _cached


def path_id() -> int:
    """:func:`path` as its SL_SIMD_* number, for the kernels' dispatch."""
    return PATHS.index(path())


@contextmanager
def forced(name: str):
    """Run the ``simd`` rungs on path ``name`` inside the block (validated as SPEEDLAB_SIMD is)."""
    global _cached
    previous = _cached
    _cached = _choose(name)
    try:
        yield _cached
    finally:
        _cached = previous


def describe(name: str, element_bytes: int = 8, element: str = "double") -> str:
    """``"avx2: 256-bit vectors, 4 doubles per instruction"`` (for explain and info)."""
    if name == "scalar":
        return "scalar: no explicit vector instructions (the native code)"
    lanes = WIDTH[name] // element_bytes
    return f"{name}: {WIDTH[name] * 8}-bit vectors, {lanes} {element}s per instruction"


def summary() -> str:
    """One line for ``speedlab info`` and ``list``: what runs, what the CPU has, what was asked."""
    asked = os.environ.get(ENV, "auto") or "auto"
    try:
        chosen = describe(path())
    except ImportError:
        return "SIMD: the kernels are not built"
    except ValueError as exc:  # a bad SPEEDLAB_SIMD is reported, not raised, here
        chosen = f"NONE ({exc})"
    return (f"SIMD: simd rungs run {chosen} ({ENV}={asked}); this CPU runs {', '.join(cpu())}; "
            f"this build has {', '.join(built())}")
