"""Spectral norm with NumPy: build A once, then forty matrix-vector products.

A side reference for ``speedlab.pure.spectralnorm``: what a NumPy user writes. It
trades memory for arithmetic -- the n x n matrix is computed once (n² divisions
instead of 40 n²) and kept, 8 n² bytes (242 MB at n = 5,500) -- and each product
is a BLAS matrix-vector call, which sums in its own (blocked, possibly threaded)
order: results agree with the other rungs to ~1e-15, not bit for bit.
"""

import numpy as np

from speedlab.pure.spectralnorm import ROUNDS


def matrix(n):
    """The n x n section of A as a float64 array."""
    i = np.arange(n, dtype=np.int64)[:, None]
    j = np.arange(n, dtype=np.int64)[None, :]
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


def norm(n):
    """The spectral norm estimate for the n x n section of A."""
    a = matrix(n)
    u = np.ones(n)
    for _ in range(ROUNDS):
        v = a.T @ (a @ u)
        u = a.T @ (a @ v)
    return float(np.sqrt((u @ v) / (v @ v)))
