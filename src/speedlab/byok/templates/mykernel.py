"""mykernel: how many times each of the 256 byte values occurs in a bytes object.

The pure-Python twin: the ``python`` rung, and -- compiled by ``speedlab build``
with nothing declared -- the ``compiled`` rung. Every ratio is measured against
it, so write it as a good Python programmer would: ``collections.Counter`` is
the idiomatic (and already fast, C-backed) way to count.

Replace the computation with your own; keep the function's arguments in step
with ``mykernel_typed.py`` and ``mykernel_spec.py``.
"""

from collections import Counter


def mykernel(data):
    """Counts of the byte values 0..255 in ``data`` (a list of 256 ints)."""
    counts = Counter(data)
    return [counts[value] for value in range(256)]
