"""FASTA: the Benchmarks Game ``fasta`` program, three DNA records as bytes.

For size ``n`` the output holds ``>ONE`` (the 287-character ALU sequence repeated
to ``2n`` characters), ``>TWO`` (``3n`` characters drawn with the IUB ambiguity-code
probabilities) and ``>THREE`` (``5n`` drawn with the HomoSapiens ones), 60 per
line; the random characters come from one linear congruential generator (see
``speedlab.pure.fasta``). It is also the input of ``knucleotide`` and ``revcomp``.

The ladder here is about building output: the pure twin makes a string per line
and joins them; ``native`` computes the exact size first and fills one
preallocated ``bytes`` object without the GIL, with no per-line objects, and
draws each symbol with one lookup in a table of the symbol of every generator
state (139,968 of them, the search done once per state at import);
``parallel`` splits the random records over threads, each jumping ahead in the
generator to its first line, and draws each line as four interleaved chains
(the same bytes for any thread count).

>>> from speedlab import fasta
>>> fasta.fasta(1)
b'>ONE Homo sapiens alu\\nGG\\n>TWO IUB ambiguity codes\\nctt\\n>THREE Homo sapiens frequency\\ntgagc\\n'
"""

from __future__ import annotations

from speedlab._impl import call
from speedlab._validate import C_INT_MAX, check_int
from speedlab.spec import KernelSpec, Sizes, Variant, bad_sizes, size_input

#: Characters per output line.
LINE = 60
#: The header lines, newline included.
HEADERS = (b">ONE Homo sapiens alu\n", b">TWO IUB ambiguity codes\n",
           b">THREE Homo sapiens frequency\n")
#: The largest size accepted: the 10n characters then still fit a C int, and the
#: output (~10.2 bytes per unit of n) is already 2.2 GB.
MAX_N = C_INT_MAX // 10


def output_length(n: int) -> int:
    """Exact size in bytes of ``fasta(n)``: headers, ``10n`` characters and the newlines."""
    n = check_int("n", n, minimum=0, maximum=MAX_N)
    return sum(len(header) + count + -(-count // LINE)
               for header, count in zip(HEADERS, (2 * n, 3 * n, 5 * n)))


def fasta(n, *, impl=None, n_threads=None) -> bytes:
    """The ``fasta`` program's output for size ``n``.

    Parameters
    ----------
    n : int
        Size: record ONE gets ``2n`` characters, TWO ``3n``, THREE ``5n``;
        0 <= n <= 214,748,364.
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``,
        ``parallel``, ``c``, ``rust``); None follows ``SPEEDLAB_IMPL`` (native when built).
    n_threads : int, optional
        Threads for ``impl="parallel"`` (None: all cores); refused for other variants.

    Returns
    -------
    bytes
        Exactly what the program prints (``output_length(n)`` bytes, ASCII).

    Raises
    ------
    TypeError
        ``n`` or ``n_threads`` is not an integer, or ``impl`` is not a string.
    ValueError
        ``n`` is negative or above the limit, ``n_threads`` is below 1 or given
        to a variant without threads, or ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    """
    n = check_int("n", n, minimum=0, maximum=MAX_N)
    return call("fasta", impl, n, n_threads=n_threads)


#: The implementations of :func:`segment` (the parts of a split output).
_SEGMENT = {
    "python": "speedlab.pure.fasta:segment",
    "compiled": "speedlab._compiled.fasta:segment",
    "native": "speedlab._native.fasta:fasta_segment_native",
}


def segment(n, start, stop, *, impl=None) -> bytes:
    """Bytes ``start``..``stop - 1`` of ``fasta(n)``, computed without the bytes before them.

    One part of a split output (see :func:`split`).

    Parameters
    ----------
    n : int
        The program's size, 0 <= n <= 214,748,364.
    start, stop : int
        Byte offsets, 0 <= start <= stop <= ``output_length(n)``.
    impl : str, optional
        ``python``, ``compiled`` or ``native``; None follows ``SPEEDLAB_IMPL``.

    Returns
    -------
    bytes
        ``fasta(n)[start:stop]``.

    Raises
    ------
    TypeError
        An argument is not an integer, or ``impl`` is not a string.
    ValueError
        ``n`` or the offsets are out of range, or ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    """
    from speedlab.parts import choose

    n = check_int("n", n, minimum=0, maximum=MAX_N)
    size = output_length(n)
    start = check_int("start", start, minimum=0, maximum=size)
    stop = check_int("stop", stop, minimum=start, maximum=size)
    return choose("fasta", impl, _SEGMENT)(n, start, stop)


segment.impls = tuple(_SEGMENT)


def split(args, parts):
    """Cut the output into ``parts`` byte ranges of equal length, computed by :func:`segment`.

    Exact: the output's layout is fixed by ``n`` alone (three headers; lines of
    60 characters and a newline, the last one shorter), so every byte's record,
    line and column follow from its offset. ALU characters are a pure function
    of their position. A random character is the symbol of the generator's state
    after as many draws as characters before it in its record (plus TWO's 3n for
    THREE); the generator is an affine map modulo 139,968, and composing affine
    maps by repeated squaring gives the state after any number of draws exactly,
    in integer arithmetic -- the jump-ahead the parallel rung uses for its blocks.
    A segment therefore holds exactly the bytes the whole output holds at its
    offsets, and the segments concatenated are the output.

    Parameters
    ----------
    args : tuple
        ``(n,)``.
    parts : int
        1 to the output's length in bytes.

    Returns
    -------
    list of tuple
        ``(n, start, stop)`` per segment, in order.
    """
    from speedlab.parts import check_parts, spans

    (n,) = args
    n = check_int("n", n, minimum=0, maximum=MAX_N)
    size = output_length(n)
    parts = check_parts(parts, size, "one output byte per part at most")
    return [(n, start, stop) for start, stop in spans(size, parts)]


def combine(results, args):
    """The whole output: the segments in order (see :func:`split`)."""
    return b"".join(results)


def render(result, n):
    """The program's output for ``result = fasta(n)``: the bytes themselves."""
    return result


def reader_input(n):
    """The input of the programs that read FASTA: the output of ``fasta n``, as bytes."""
    from speedlab.pure.fasta import fasta as generate

    return (generate(n),)


def reader_bytes(n):
    """Bytes of ``fasta n`` (the unit of work of the programs that read it)."""
    return float(output_length(n))


def random_fasta(rng):
    """Random valid FASTA: 1-3 records, any line width, mixed case, IUPAC and odd bytes."""
    alphabet = b"ACGTUMRWSYKVHDBNacgtumrwsykvhdbnXx-*"
    parts = []
    for index in range(rng.randint(1, 3)):
        width = rng.randint(1, 80)
        sequence = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 500)))
        lines = [sequence[i:i + width] for i in range(0, len(sequence), width)]
        parts.append(b">record %d\n" % index + b"".join(line + b"\n" for line in lines))
    return (b"".join(parts),)


#: Calls every FASTA-reading kernel must refuse before native code runs.
BAD_FASTA = (
    ((b"",), ValueError),                                    # empty
    ((b"ACGT\nACGT\n",), ValueError),                        # no '>' header: not FASTA
    ((">ONE\nACGT\n",), TypeError),                          # str, not bytes
    ((None,), TypeError),
    ((3,), TypeError),
    ((memoryview(b">ONE\nACGTACGT\n")[::2],), ValueError),  # not C-contiguous
    ((memoryview(b">ONE\nACGTACGTAC\n").cast("I"),), ValueError),  # 4-byte items
)


#: What the catalog knows about this kernel (speedlab list/run/verify/bench/explain read it).
SPEC = KernelSpec(
    name="fasta",
    summary="three DNA records: ALU repeated, two drawn from an LCG; 60 per line",
    api="speedlab.fasta:fasta",
    variants=(
        # pure Python writes ~9 M characters a second; bigger runs are
        # normalised per output character
        Variant("python", "speedlab.pure.fasta:fasta", max_n=250_000),
        Variant("compiled", "speedlab._compiled.fasta:fasta", max_n=250_000),
        Variant("typed", "speedlab._native.fasta:fasta_typed", max_n=1_000_000),
        Variant("native", "speedlab._native.fasta:fasta_native",
                note="one bytes object filled without the GIL; each draw one lookup in a "
                "139,968-byte table of the symbol of every LCG state"),
        Variant("parallel", "speedlab._native.fasta:fasta_parallel", threads=True,
                note="native with LCG jump-ahead: blocks of lines over OpenMP threads, each "
                "line as four interleaved chains (~2x native on one thread)"),
        Variant("c", "speedlab._native.fasta:fasta_c",
                note="hand-written C of native's algorithm (the same state-to-symbol table)"),
        Variant("rust", "speedlab._native.fasta:fasta_rust", feature="rust",
                note="safe Rust of the earlier C algorithm: a search over the cumulative "
                "probabilities per draw, not the state table"),
    ),
    make_input=size_input,
    sizes=Sizes(test=1000, quick=25_000, full=250_000, headline=25_000_000),
    unit="output character",
    work=output_length,
    render=render,
    oracles={1000: "fasta-1000.txt"},
    # 0 (headers only), partial and exact lines, one ALU period, several chunks' worth
    sample_sizes=(0, 1, 6, 30, 287, 12_345),
    bad_inputs=bad_sizes(MAX_N, ((2**31,), ValueError)),  # 2**31 would wrap a C int
    split=split,
    combine=combine,
    part="speedlab.fasta:segment",
)
