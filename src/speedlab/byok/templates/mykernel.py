"""mykernel: how often each of the 256 byte values occurs in ``a XOR b``, byte by byte.

Two byte strings of one length in, 256 counts out: ``counts[0]`` is how many
bytes the two agree on, ``counts[v]`` how many differ by the bit pattern ``v``.

The pure-Python twin: the ``python`` rung, and -- compiled by ``speedlab build``
with nothing declared -- the ``compiled`` rung. Every ratio is measured against
it, so write it as a good Python programmer would: ``map(operator.xor, ...)``
and ``collections.Counter`` are the idiomatic (and already C-backed) way.

Replace the computation with your own; keep the function's arguments in step
with ``mykernel_typed.py`` and ``mykernel_spec.py``.
"""

from collections import Counter
from operator import xor


def mykernel(a, b):
    """Counts of the values 0..255 of ``a[i] ^ b[i]`` over the common length (a list of 256 ints)."""
    counts = Counter(map(xor, a, b))
    return [counts[value] for value in range(256)]
