"""What the CPU and this build can run: the vector paths of the ``simd`` rung.

Compiled to ``speedlab._native._cpu``, with the same compiler and flags as the
kernels, so "built" here means built into every kernel module. Read through
:mod:`speedlab._simd`, which picks the path once and caches it.
"""

cimport sl_simd


def built_mask():
    """Bit mask (1 << path number) of the vector paths compiled into the kernel modules."""
    return sl_simd.sl_simd_built()


def supported_mask():
    """Bit mask of the vector paths this CPU and operating system can run."""
    return sl_simd.sl_simd_supported()
