"""K-nucleotide: the Benchmarks Game ``knucleotide`` program over FASTA bytes.

From record THREE of the input (its lines joined and upper-cased): the frequency
of every 1-mer and 2-mer (percent of the ``len - k + 1`` windows, by count
descending then k-mer), then how many times GGT, GGTA, GGTATT, GGTATTTTAATT and
GGTATTTTAATTTATAGT occur (overlapping). The official rule counts with a hash table
from a library: a ``dict`` in Python; on the ``native`` rung the C++ library's,
keyed by k-mers packed two bits a base (GNU libstdc++'s ``cc_hash_table`` where
the build has it, else ``std::unordered_map``); ``parallel`` hands the 12- and
18-mer tables to threads as whole tasks and the small tables in pieces of windows
between them; ``packed`` is a labelled extra with speedlab's own
open-addressing table.

>>> from speedlab import knucleotide
>>> freq1, freq2, counts = knucleotide.knucleotide(b">THREE\\nGGTAcc\\n")
>>> [kmer for kmer, percent in freq1], counts[:2]
(['C', 'G', 'A', 'T'], ((1, 'GGT'), (1, 'GGTA')))
>>> knucleotide.render((freq1, freq2, counts), 0).splitlines()[:2]
[b'C 33.333', b'G 33.333']
"""

from __future__ import annotations

from speedlab._impl import call
from speedlab._validate import check_fasta, check_int
from speedlab.fasta import BAD_FASTA, reader_bytes, reader_input
from speedlab.spec import KernelSpec, Sizes, Variant

#: What record THREE may hold (bases in either case, and the line breaks).
_BASES = b"ACGTacgt\n"


def _check_three(data: bytes) -> None:
    """Record THREE exists and holds only bases: 2-bit packing needs that, so every rung asks it."""
    from speedlab.pure.knucleotide import find_record

    try:
        start, end = find_record(data)
    except ValueError as exc:  # the twin's message, prefixed with the argument's name
        raise ValueError(f"data: {exc}") from None
    try:  # the native check when built (~10x faster on a large record), else bytes.translate
        from speedlab._native.knucleotide import all_bases
    except ImportError:
        all_bases = None
    if all_bases is not None and all_bases(data, start, end):
        return
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
        ``parallel``, ``packed``, ``c``, ``rust``); None follows ``SPEEDLAB_IMPL`` (native
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


#: The implementations of :func:`window_counts` (the parts of a split count).
_COUNTS = {
    "python": "speedlab.pure.knucleotide:window_counts",
    "compiled": "speedlab._compiled.knucleotide:window_counts",
    "native": "speedlab._native.knucleotide:window_counts_native",
}
#: The longest k counted (the last fragment): chunks overlap by LONGEST - 1 bases.
LONGEST = 18


def window_counts(bases, windows, *, impl=None):
    """k-mer counts of the windows that start at ``0..windows - 1`` of ``bases``.

    One part of a split count (see :func:`split`): for k = 1 and 2 every k-mer's
    count, and the counts of the five fragments, over the windows starting in
    the first ``windows`` positions (those that fit inside ``bases``).

    Parameters
    ----------
    bases : bytes-like
        A chunk of record THREE's sequence: A, C, G, T only (either case), no
        newlines; C-contiguous single bytes.
    windows : int
        0 <= windows <= len(bases).
    impl : str, optional
        ``python``, ``compiled`` or ``native``; None follows ``SPEEDLAB_IMPL``.

    Returns
    -------
    tuple
        ``({1-mer: count}, {2-mer: count}, (count of each fragment, ...))``,
        the dicts holding only the k-mers that occur.

    Raises
    ------
    TypeError
        ``bases`` is a str or not a buffer; ``windows`` not an integer; ``impl`` not a string.
    ValueError
        ``bases`` holds anything but A, C, G, T; ``windows`` is out of range;
        ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    """
    from speedlab._validate import check_bytes
    from speedlab.parts import choose

    view = check_bytes("bases", bases)
    data = bases if type(bases) is bytes else view.tobytes()
    others = data.translate(None, b"ACGTacgt")
    if others:
        raise ValueError(f"bases must hold only A, C, G and T (either case), found {others[:10]!r}")
    windows = check_int("windows", windows, minimum=0, maximum=len(data))
    return choose("knucleotide", impl, _COUNTS)(data, windows)


window_counts.impls = tuple(_COUNTS)


def split(args, parts):
    """Cut record THREE into ``parts`` chunks of windows, overlapping by 17 bases.

    Part ``i`` owns the windows that *start* in ``[lo_i, hi_i)`` (even
    ranges of the ``L`` bases) and gets the bases ``[lo_i, hi_i + 17)``: every
    window it owns, up to the 18-base fragments, lies inside its chunk, and it
    counts only those (:func:`window_counts`). Exact: every window of every
    length k is owned by exactly one part (the one whose range holds its start),
    so the parts' counts add up to the whole sequence's counts, in integers;
    the percentages are then computed once, from the totals and ``L - k + 1``
    windows, by the very function the kernel uses (same formula, same order), so
    the result equals one call's.

    Parameters
    ----------
    args : tuple
        ``(data,)``: the FASTA text, as :func:`knucleotide` takes it.
    parts : int
        1 to the number of bases in record THREE (1 when it is empty).

    Returns
    -------
    list of tuple
        ``(chunk, windows)`` per part; the chunks are memoryviews of one copy
        of the sequence (its newlines removed).
    """
    from speedlab.parts import check_parts, spans
    from speedlab.pure.knucleotide import find_record

    (data,) = args
    view = check_fasta("data", data)
    data = data if type(data) is bytes else view.tobytes()
    _check_three(data)
    start, end = find_record(data)
    bases = data[start:end].replace(b"\n", b"")
    parts = check_parts(parts, len(bases), "one base per part at most")
    chunks = memoryview(bases)
    return [(chunks[lo:hi + LONGEST - 1], hi - lo) for lo, hi in spans(len(bases), parts)]


def combine(results, args):
    """The program's result from the chunks' counts (see :func:`split`)."""
    from speedlab.pure.knucleotide import find_record

    (data,) = args
    if type(data) is not bytes:
        data = memoryview(data).tobytes()
    start, end = find_record(data)
    return combine_counts(results, (end - start) - data.count(b"\n", start, end))


def combine_counts(results, length):
    """The program's result from parts' :func:`window_counts` and the sequence's ``length`` in bases.

    Shared by :func:`combine` and ``speedlab.dask.knucleotide_file`` (whose parts
    read their own byte ranges of a file).
    """
    from speedlab.pure.knucleotide import FRAGMENTS, frequencies

    totals = [{}, {}]
    fragments = [0] * len(FRAGMENTS)
    for one, two, counts in results:
        for table, part in zip(totals, (one, two)):
            for kmer, count in part.items():
                table[kmer] = table.get(kmer, 0) + count
        fragments = [a + b for a, b in zip(fragments, counts)]
    freq1, freq2 = (frequencies(totals[k - 1], length - k + 1) for k in (1, 2))
    return freq1, freq2, tuple(zip(fragments, FRAGMENTS))


def render(result, n):
    """The program's output for ``result = knucleotide(...)``."""
    freq1, freq2, counts = result
    lines = []
    for freqs in (freq1, freq2):
        lines += ["%s %.3f\n" % pair for pair in freqs]
        lines.append("\n")
    lines += ["%d\t%s\n" % pair for pair in counts]
    return "".join(lines).encode("ascii")


def _random_three(rng):
    """Random valid knucleotide input: a record THREE of random bases, mixed case, any width."""
    width = rng.randint(1, 80)
    sequence = bytes(rng.choice(b"ACGTacgt") for _ in range(rng.randint(0, 400)))
    lines = b"".join(sequence[i:i + width] + b"\n" for i in range(0, len(sequence), width))
    return (b">ONE x\nNNNN\n>THREE y\n" + lines + b">FOUR\nacgt\n",)


#: What the catalog knows about this kernel (speedlab list/run/verify/bench/explain read it).
SPEC = KernelSpec(
    name="knucleotide",
    summary="1-mer and 2-mer frequencies and five fragment counts in FASTA record THREE",
    api="speedlab.knucleotide:knucleotide",
    variants=(
        # pure Python counts ~7 M windows a second, seven tables of len(THREE)
        # windows each (n = 100,000: 3.5 M windows); bigger runs are
        # normalised per input byte
        Variant("python", "speedlab.pure.knucleotide:knucleotide", max_n=100_000),
        Variant("compiled", "speedlab._compiled.knucleotide:knucleotide", max_n=100_000),
        Variant("typed", "speedlab._native.knucleotide:knucleotide_typed", max_n=100_000),
        Variant("native", "speedlab._native.knucleotide:knucleotide_native",
                note="2-bit packed keys in the C++ library's hash table: GNU libstdc++'s "
                "__gnu_pbds::cc_hash_table, else std::unordered_map "
                "(speedlab._native.knucleotide.TABLE), hashed key ^ key >> 17"),
        Variant("parallel", "speedlab._native.knucleotide:knucleotide_parallel", threads=True,
                note="native on OpenMP threads taking tasks as they come free: the 12- and "
                "18-mer tables one task each (shards by key beyond two threads), k = 1-6 in "
                "pieces of windows between them; the sequence encoded on all threads"),
        Variant("packed", "speedlab._native.knucleotide:knucleotide_packed",
                note="breaks the official rule: 2-bit keys in speedlab's own open-addressing "
                "table instead of a library hash table"),
        Variant("c", "speedlab._native.knucleotide:knucleotide_c",
                note="hand-written C of packed's algorithm (C has no library hash table)"),
        Variant("rust", "speedlab._native.knucleotide:knucleotide_rust", feature="rust",
                note="safe Rust of c's algorithm (packed's open-addressing table, outside the "
                "official rule as c is), not std's HashMap"),
    ),
    make_input=reader_input,
    # NOTE: below ~100,000 most 12- and 18-mers are new (the generator repeats
    # after 139,968 draws), so a smaller quick size would time table inserts
    # rather than the counting the program is about.
    sizes=Sizes(test=1000, quick=100_000, full=250_000, headline=25_000_000),
    unit="input byte",
    work=reader_bytes,
    render=render,
    oracles={1000: "knucleotide-1000.txt"},
    # empty THREE, shorter than the longest fragment, past the parallel threshold
    sample_sizes=(0, 1, 3, 287, 12_345, 30_000),
    reads_fasta=True,
    random_input=_random_three,
    bad_inputs=BAD_FASTA + (
        ((b">ONE\nACGT\n",), ValueError),                # no record THREE
        ((b">THREE\nACGTN\n",), ValueError),             # not a base: no 2-bit code
        ((b">THREE\r\nACGT\r\n",), ValueError),          # CR line ends
    ),
    split=split,
    combine=combine,
    part="speedlab.knucleotide:window_counts",
)
