"""Mandelbrot with NumPy: every pixel's orbit advanced together, escaped ones dropped.

A side reference for ``speedlab.pure.mandelbrot``. The orbits are iterated as
whole arrays; after each iteration the escaped pixels are recorded and removed,
so the arrays shrink to the set's interior. Memory is several float64 arrays of
N² entries (N = 1,000: ~60 MB), so this is for moderate N only.

# NOTE: real and imaginary parts are separate float64 arrays, not a complex
# array: NumPy's complex multiply may use SIMD kernels (with FMA on some CPUs)
# whose rounding differs from the program's, which would flip boundary pixels.
# Separate ufunc calls never fuse, so each operation rounds exactly as in C.
"""

import numpy as np

from speedlab.pure.mandelbrot import LIMIT_SQ, MAX_ITER, header


def pbm(n):
    """The whole PBM file for an n x n image, as bytes."""
    steps = 2.0 * np.arange(n, dtype=np.float64)
    cr_axis = steps / n - 1.5
    ci_axis = steps / n - 1.0
    cr = np.tile(cr_axis, n)
    ci = np.repeat(ci_axis, n)
    alive = np.arange(n * n)  # flat indices of pixels not yet escaped
    inside = np.ones(n * n, dtype=bool)
    zr = np.zeros(n * n)
    zi = np.zeros(n * n)
    tr = np.zeros(n * n)
    ti = np.zeros(n * n)
    for _ in range(MAX_ITER):
        zi = 2.0 * zr * zi + ci
        zr = tr - ti + cr
        tr = zr * zr
        ti = zi * zi
        escaped = tr + ti > LIMIT_SQ
        if escaped.any():
            inside[alive[escaped]] = False
            keep = ~escaped
            alive, zr, zi, tr, ti, cr, ci = (a[keep] for a in (alive, zr, zi, tr, ti, cr, ci))
    # packbits pads each row to a whole byte with zero bits, MSB first: PBM's layout.
    bitmap = np.packbits(inside.reshape(n, n), axis=1)
    return header(n) + bitmap.tobytes()
