"""pidigits: the first N digits of pi, from Gibbons' unbounded spigot.

The Computer Language Benchmarks Game ``pidigits`` program: the digits stream
out of a big-integer spigot and are printed ten per line, each line followed by
a tab and ``:`` and the count so far; the last line is padded with spaces.

It is the ladder's big-integer case. The pure twin's time is spent inside
CPython's ``int`` arithmetic, which is already C, so ``compiled`` and ``typed``
gain little. ``native`` replaces the Python ints by unsigned 32-bit-limb
numbers updated in place (no allocation per operation, no GIL); what it can
win is the allocation and the generality of CPython's ints, not a faster
multiplication. There is no ``parallel`` rung: every term depends on the one
before, and the numbers are too small to split one multiplication across cores.

>>> from speedlab import pidigits
>>> pidigits.digits(12)
'314159265358'
"""

from __future__ import annotations

from speedlab._impl import choose
from speedlab._validate import check_int

#: The spigot is quadratic in N (N terms on numbers of O(N) limbs): 10,000
#: digits take seconds in Python, 100,000 take minutes even on the native rung.
#: Larger N is refused rather than left to run for hours.
MAX_DIGITS = 100_000
#: Digits per output line.
LINE = 10


def digits(n, *, impl=None):
    """The first ``n`` decimal digits of pi.

    Parameters
    ----------
    n : int
        How many digits, 0 <= n <= 100,000.
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``, ``c``);
        None follows ``SPEEDLAB_IMPL`` (native when built).

    Returns
    -------
    str
        ``n`` digits, starting ``"3141"``.

    Raises
    ------
    TypeError
        ``n`` is not an integer, or ``impl`` is not a string.
    ValueError
        ``n`` is negative or above 100,000, or ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    """
    n = check_int("n", n, minimum=0, maximum=MAX_DIGITS)
    return choose("pidigits", impl)(n)


def render(result, n):
    """The program's output: 10 digits per line, a tab, ``:`` and the count; the last line padded."""
    lines = []
    for start in range(0, len(result), LINE):
        chunk = result[start:start + LINE]
        lines.append(f"{chunk:<{LINE}}\t:{start + len(chunk)}\n")
    return "".join(lines).encode("ascii")
