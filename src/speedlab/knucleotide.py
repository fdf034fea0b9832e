"""K-nucleotide: the Benchmarks Game ``knucleotide`` program over FASTA bytes.

From record THREE of the input (its lines joined and upper-cased): the frequency
of every 1-mer and 2-mer (percent of the ``len - k + 1`` windows, by count
descending then k-mer), then how many times GGT, GGTA, GGTATT, GGTATTTTAATT and
GGTATTTTAATTTATAGT occur (overlapping). The official rule counts with a hash table
from a library: a ``dict`` in Python, ``std::unordered_map`` on the ``native``
rung; ``packed`` is a labelled extra with speedlab's own open-addressing table.

>>> from speedlab import knucleotide
>>> freq1, freq2, counts = knucleotide.knucleotide(b">THREE\\nGGTAcc\\n")
>>> [kmer for kmer, percent in freq1], counts[:2]
(['C', 'G', 'A', 'T'], ((1, 'GGT'), (1, 'GGTA')))
>>> knucleotide.render((freq1, freq2, counts), 0).splitlines()[:2]
[b'C 33.333', b'G 33.333']
"""

from __future__ import annotations

from speedlab._impl import call
from speedlab._validate import check_fasta

#: What record THREE may hold (bases in either case, and the line breaks).
_BASES = b"ACGTacgt\n"


def _check_three(data: bytes) -> None:
    """Record THREE exists and holds only bases: 2-bit packing needs that, so every rung asks it."""
    from speedlab.pure.knucleotide import find_record

    try:
        start, end = find_record(data)
    except ValueError as exc:  # the twin's message, prefixed with the argument's name
        raise ValueError(f"data: {exc}") from None
    others = data[start:end].translate(None, _BASES)
    if others:
        raise ValueError(f"data: record THREE must hold only the bases A, C, G, T (either case), "
                         f"found {others[:10]!r}")


def knucleotide(data, *, impl=None, n_threads=None):
    """The ``knucleotide`` program's result for the FASTA text ``data``.

    Parameters
    ----------
    data : bytes or bytes-like
        FASTA text with a record whose header starts with ``>THREE``: ``bytes``,
        or any C-contiguous buffer of single bytes (``bytearray``, ``memoryview``,
        NumPy ``uint8`` array...), which is copied to ``bytes`` first.
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``,
        ``parallel``, ``packed``, ``c``); None follows ``SPEEDLAB_IMPL`` (native
        when built).
    n_threads : int, optional
        Threads for ``impl="parallel"`` (None: all cores); refused for other variants.

    Returns
    -------
    tuple
        ``(freq1, freq2, counts)``: ``freq1``/``freq2`` are ``(k-mer, percent)``
        pairs in output order, ``counts`` the ``(count, fragment)`` pairs;
        :func:`render` prints them as the program does.

    Raises
    ------
    TypeError
        ``data`` is a ``str`` or not a buffer; ``impl`` is not a string;
        ``n_threads`` is not an integer.
    ValueError
        ``data`` is empty, not FASTA, not C-contiguous, has no ``>THREE`` record,
        or that record holds anything but A, C, G, T and newlines; ``impl`` is
        unknown; ``n_threads`` is below 1 or given to a variant without threads.
    ImportError
        The requested compiled variant is not built.
    """
    view = check_fasta("data", data)
    data = data if type(data) is bytes else view.tobytes()
    _check_three(data)
    return call("knucleotide", impl, data, n_threads=n_threads)


def render(result, n):
    """The program's output for ``result = knucleotide(...)``."""
    freq1, freq2, counts = result
    lines = []
    for freqs in (freq1, freq2):
        lines += ["%s %.3f\n" % pair for pair in freqs]
        lines.append("\n")
    lines += ["%d\t%s\n" % pair for pair in counts]
    return "".join(lines).encode("ascii")
