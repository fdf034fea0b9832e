"""Fannkuch-redux: checksum and maximum pancake flips over all permutations of 1..n.

The Computer Language Benchmarks Game ``fannkuch-redux`` program. It is the ladder's
integer case: the pure twin spends its time slicing and reversing lists of small
ints; ``typed`` unboxes the counters but keeps the lists; ``native`` runs the same
odometer over C arrays on the stack and matches hand-written C; ``parallel`` splits
the n! permutations into blocks of indices (an index, read in factorial base, *is*
a permutation in the task's order) and combines the blocks' checksums exactly.

>>> from speedlab import fannkuchredux
>>> fannkuchredux.checksum_maxflips(7)
(228, 16)
"""

from __future__ import annotations

from speedlab._impl import call
from speedlab._validate import check_int

#: The largest n accepted: 16! = 2.1e13 permutations already take hours on one
#: core, and the native rungs keep a permutation in a 16-int array.
MAX_N = 16


def checksum_maxflips(n, *, impl=None, n_threads=None):
    """Checksum and maximum flip count over all permutations of 1..``n``.

    Parameters
    ----------
    n : int
        Length of the permutations, 1 <= n <= 16. (The official programs are
        defined for n >= 1: n = 1 has one permutation and no flips. n = 0 has
        nothing to flip and indexes past an empty array in the official C, so it
        is refused.)
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``,
        ``parallel``, ``c``); None follows ``SPEEDLAB_IMPL`` (native when built).
    n_threads : int, optional
        Threads for ``impl="parallel"``; None uses every core. The result is the
        same for every thread count.

    Returns
    -------
    tuple of int
        ``(checksum, max_flips)``: flips summed with ``+`` for permutations of even
        index and ``-`` for odd ones, and the largest flip count.

    Raises
    ------
    TypeError
        ``n`` or ``n_threads`` is not an integer, or ``impl`` is not a string.
    ValueError
        ``n`` is outside 1..16, ``n_threads`` is < 1, ``n_threads`` is given for a
        variant without threads, or ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    """
    n = check_int("n", n, minimum=1, maximum=MAX_N)
    return call("fannkuchredux", impl, n, n_threads=n_threads)


def render(result, n):
    """The program's output for ``result = checksum_maxflips(n)``: checksum, then the maximum."""
    checksum, max_flips = result
    return b"%d\nPfannkuchen(%d) = %d\n" % (checksum, n, max_flips)
