"""Spectral norm: the largest singular value of A(i, j) = 1 / ((i+j)(i+j+1)/2 + i + 1).

The Computer Language Benchmarks Game ``spectralnorm`` program: ten rounds of the
power method on AᵀA from u = (1, ..., 1), then ``sqrt(u·v / v·v)``, printed with
``%.9f``. Each of the 40 matrix-vector products evaluates all n² entries of A
again (nothing is stored), so the work is 40 n² terms ``A(i, j) * u[j]``: a pure
arithmetic kernel, division-bound in C, interpreter-bound in Python. The products'
rows are independent, so the ``parallel`` rung shares them out over threads.

>>> from speedlab import spectralnorm
>>> "%.9f" % spectralnorm.norm(100)
'1.274219991'
"""

from __future__ import annotations

from speedlab._impl import call
from speedlab._validate import check_int

#: The largest n accepted. The work grows as 40 n²: n = 100,000 is 4e11 terms,
#: about 330 times the headline n = 5,500 and several minutes of native work on
#: one core; beyond it a call is an accident, not a measurement. (Memory is only
#: three vectors of n doubles, and 64-bit index arithmetic stays exact far past it.)
MAX_N = 100_000


def norm(n, *, impl=None, n_threads=None):
    """The spectral norm estimate of the n x n section of A.

    Parameters
    ----------
    n : int
        Size of the matrix section, 1 <= n <= 100,000.
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``,
        ``parallel``, ``numpy``, ``c``); None follows ``SPEEDLAB_IMPL``
        (native when built).
    n_threads : int, optional
        Threads for ``impl="parallel"`` (None: all cores). The result is the
        same for every thread count.

    Returns
    -------
    float
        ``sqrt(u·v / v·v)`` after ten power-method rounds; the program prints it
        with ``%.9f``.

    Raises
    ------
    TypeError
        ``n`` or ``n_threads`` is not an integer, or ``impl`` is not a string.
    ValueError
        ``n`` is below 1 (an empty matrix has no norm) or above 100,000;
        ``n_threads`` is below 1, or given for a variant without threads;
        ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    """
    n = check_int("n", n, minimum=1, maximum=MAX_N)
    return call("spectralnorm", impl, n, n_threads=n_threads)


def render(result, n):
    """The program's output for ``result = norm(n)``: one ``%.9f`` line."""
    return b"%.9f\n" % result
