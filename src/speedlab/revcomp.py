"""Reverse complement: the Benchmarks Game ``revcomp`` program over FASTA bytes.

For each record of the input: its header line, then the reverse complement of its
sequence (IUPAC table: A<->T, C<->G, M<->K, R<->Y, B<->V, D<->H, W, S, N kept; lower
case complemented to upper case; other bytes kept), 60 characters per line.

Python already runs this in C (``bytes.translate``, slicing), so the ladder's first
gain comes from memory discipline alone: ``native`` sizes the output first and works
in place inside one buffer -- no per-line objects, no intermediate copies, no GIL.
``simd`` writes every byte straight to its place in one pass, reversing and
complementing 16 or 32 bytes per step with byte shuffles (the instruction set
chosen at run time), and ``parallel`` shares that pass's pieces among threads.
:func:`reverse_complement_inplace` works in the caller's own buffer (native's passes,
or simd's swaps from both ends), as ``speedlab run revcomp --input`` does.

>>> from speedlab import revcomp
>>> revcomp.reverse_complement(b">seq\\nAAACCg\\n")
b'>seq\\nCGGTTT\\n'
"""

from __future__ import annotations

from speedlab._impl import call, resolve, threaded
from speedlab._validate import check_fasta, check_threads
from speedlab.fasta import BAD_FASTA, random_fasta, reader_bytes, reader_input
from speedlab.spec import KernelSpec, Sizes, Variant


def _as_bytes(view: memoryview, data) -> bytes:
    return data if type(data) is bytes else view.tobytes()


def reverse_complement(data, *, impl=None, n_threads=None) -> bytes:
    """The ``revcomp`` program's output for the FASTA text ``data``.

    ``data`` itself is never modified (``native`` works in place in the new
    output buffer).

    Parameters
    ----------
    data : bytes or bytes-like
        FASTA text: ``bytes``, or any C-contiguous buffer of single bytes
        (``bytearray``, ``memoryview``, NumPy ``uint8`` array...), which is
        copied to ``bytes`` first. It must start with a ``>`` header line.
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``,
        ``simd``, ``parallel``, ``c``, ``rust``); None follows ``SPEEDLAB_IMPL`` (native
        when built). ``simd`` and ``parallel`` run the vector path chosen by
        ``SPEEDLAB_SIMD`` (see ``speedlab._simd``).
    n_threads : int, optional
        Threads for ``impl="parallel"``; None uses every core. The bytes are
        the same for every thread count.

    Returns
    -------
    bytes
        Exactly what the program prints.

    Raises
    ------
    TypeError
        ``data`` is a ``str`` or not a buffer; ``impl`` is not a string;
        ``n_threads`` is not an integer.
    ValueError
        ``data`` is empty, does not start with ``>``, is not C-contiguous or its
        items are not single bytes; ``impl`` is unknown; ``n_threads`` is < 1 or
        given for a variant without threads.
    ImportError
        The requested compiled variant is not built.
    speedlab._simd.SimdUnavailable
        ``SPEEDLAB_SIMD`` forces a vector path this CPU or build lacks
        (``simd`` and ``parallel`` only; a ``ValueError``).
    """
    view = check_fasta("data", data)
    return call("revcomp", impl, _as_bytes(view, data), n_threads=n_threads)


#: The variants that reverse in place, and their entry points in the native module.
INPLACE = {
    "native": "reverse_complement_inplace_native",
    "simd": "reverse_complement_inplace_simd",
    "parallel": "reverse_complement_inplace_parallel",
}


def reverse_complement_inplace(buf, *, impl=None, n_threads=None) -> None:
    """Replace the FASTA text in ``buf`` by the program's output, in place.

    Allocates nothing but a list of the work. That needs each record's output to
    be exactly as long as its input -- sequence lines of 60 characters and a
    final newline, which is what ``fasta`` writes; every record is checked before
    any byte changes. ``native`` compacts each sequence, reverses it by swaps
    from both ends and spreads it into lines again; ``simd`` and ``parallel``,
    for input in exactly that shape, swap each base with its mirror straight
    between lines (whose newlines stay where they are), a vector at a time, on
    one thread or many, and hand input of another shape to ``native``.

    Parameters
    ----------
    buf : writable bytes-like
        ``bytearray``, writable ``memoryview``, ``mmap``, NumPy ``uint8`` array...
        holding FASTA text; C-contiguous, single-byte items.
    impl : str, optional
        ``python``, ``native``, ``simd`` or ``parallel``; None follows
        ``SPEEDLAB_IMPL`` (native when built, else the pure twin, whose output is
        copied back), or means ``parallel`` when ``n_threads`` is given.
    n_threads : int, optional
        Threads for ``impl="parallel"``; None uses every core.

    Raises
    ------
    TypeError
        ``buf`` is a ``str`` or not a buffer; ``impl`` is not a string;
        ``n_threads`` is not an integer.
    ValueError
        ``buf`` is read-only, empty, not FASTA, not C-contiguous, or a record's
        output would not have the length of its input (the message names it);
        ``impl`` is not one of the four; ``n_threads`` is < 1 or given with
        another ``impl``.
    ImportError
        The requested compiled variant is not built.
    """
    view = check_fasta("buf", buf, writable=True)
    n_threads = check_threads(n_threads)
    if impl is None:
        # chosen as every public function's is (speedlab._impl.call): n_threads alone means
        # parallel (refused under SPEEDLAB_IMPL=pure); else native when revcomp's is built,
        # else the twin with a warning
        impl = (threaded("revcomp") if n_threads is not None else resolve("revcomp", None)).name
    if not isinstance(impl, str):
        raise TypeError(f"impl must be a variant name (str) or None, not {type(impl).__name__}")
    if impl != "python" and impl not in INPLACE:
        raise ValueError(f"impl must be one of python, {', '.join(INPLACE)} to reverse in place, "
                         f"got {impl!r}")
    if n_threads is not None and impl != "parallel":
        raise ValueError(f"n_threads applies only to impl='parallel', not impl={impl!r}")
    if impl != "python":
        from speedlab._native import revcomp as native

        fn = getattr(native, INPLACE[impl])
        if impl == "parallel":
            fn(view, n_threads=n_threads)
        else:
            fn(view)
        return
    from speedlab.pure.revcomp import reverse_complement as pure

    # The twin must refuse exactly what native refuses: record by record, each
    # record's output (which ends with the newline split() consumed) computed once.
    records = view.tobytes().split(b"\n>")
    outputs = []
    for index, record in enumerate(records):
        record = record if index == 0 else b">" + record
        size = len(record) + (index < len(records) - 1)
        outputs.append(pure(record))
        if len(outputs[-1]) != size:
            raise ValueError(
                f"buf: record {index + 1} cannot be reversed in place: its output would be "
                f"{len(outputs[-1]):,} bytes, its input is {size:,} "
                "(in-place needs 60-character lines and a final newline, as fasta writes)")
    view[:] = b"".join(outputs)


def split(args, parts):
    """Cut the FASTA text into ``parts`` runs of whole records, each reversed by one call.

    A record starts at a ``>`` that opens a line; the cuts fall at record starts,
    chosen so the parts' byte counts are as even as whole records allow. Exact:
    the program's output is, record after record, the header line and the
    reverse complement of that record's sequence -- each record's output depends
    on its own bytes only -- so a part holding whole records yields exactly
    their output, and the parts' outputs concatenated are the whole output. The
    newline before a cut ends the last record of the part before it, where it
    was a line end too (newlines are dropped from the sequence either way).

    Parameters
    ----------
    args : tuple
        ``(data,)``: the FASTA text, as :func:`reverse_complement` takes it.
    parts : int
        1 to the number of records.

    Returns
    -------
    list of tuple
        ``(chunk,)`` per part: memoryviews of ``data``, each starting with ``>``.
    """
    from bisect import bisect_left

    from speedlab.parts import check_parts

    (data,) = args
    view = check_fasta("data", data)
    data = data if type(data) is bytes else view.tobytes()
    starts = [0]
    at = data.find(b"\n>")
    while at >= 0:
        starts.append(at + 1)
        at = data.find(b"\n>", at + 1)
    parts = check_parts(parts, len(starts), f"one record per part at most; the input has {len(starts):,}")
    # The cut nearest to each even share of the bytes, always past the one before.
    cuts, last = [0], 0
    for i in range(1, parts):
        target = i * len(data) // parts
        lowest, highest = last + 1, len(starts) - (parts - i)
        j = min(max(bisect_left(starts, target), lowest), highest)
        if j > lowest and target - starts[j - 1] < starts[j] - target:
            j -= 1
        cuts.append(starts[j])
        last = j
    cuts.append(len(data))
    whole = memoryview(data)
    return [(whole[a:b],) for a, b in zip(cuts, cuts[1:])]


def combine(results, args):
    """The whole output: the parts' outputs in order (see :func:`split`)."""
    return b"".join(results)


def render(result, n):
    """The program's output for ``result = reverse_complement(...)``: the bytes themselves."""
    return result


#: What the catalog knows about this kernel (speedlab list/run/verify/bench/explain read it).
SPEC = KernelSpec(
    name="revcomp",
    summary="reverse complement of each FASTA record (IUPAC), 60 per line",
    api="speedlab.revcomp:reverse_complement",
    variants=(
        Variant("python", "speedlab.pure.revcomp:reverse_complement"),
        Variant("compiled", "speedlab._compiled.revcomp:reverse_complement"),
        Variant("typed", "speedlab._native.revcomp:reverse_complement_typed"),
        Variant("native", "speedlab._native.revcomp:reverse_complement_native"),
        Variant("simd", "speedlab._native.revcomp:reverse_complement_simd",
                note="one pass straight to the output lines, 32 bytes reversed and complemented "
                "per step by byte shuffles (AVX2/AVX-512 pshufb; NEON tbl, 16 bytes; SSE2, "
                "no byte shuffle: A/C/G/T by compares, other bytes by table), chosen at run time"),
        Variant("parallel", "speedlab._native.revcomp:reverse_complement_parallel",
                note="the simd rung's 1 MiB pieces over OpenMP threads, a static split "
                "of each batch", threads=True),
        Variant("c", "speedlab._native.revcomp:reverse_complement_c"),
        Variant("rust", "speedlab._native.revcomp:reverse_complement_rust", feature="rust"),
        Variant("rust_unchecked", "speedlab._native.revcomp:reverse_complement_rust_unchecked",
                feature="rust", note="extra: rust with get_unchecked in the copy loop "
                "(its one bounds check left out), to show what the check costs"),
    ),
    make_input=reader_input,
    # Python itself runs at ~10 ns a byte here (translate and slicing are C),
    # so every variant can take the full size.
    sizes=Sizes(test=1000, quick=100_000, full=1_000_000, headline=25_000_000),
    unit="input byte",
    work=reader_bytes,
    render=render,
    oracles={1000: "revcomp-1000.txt"},
    sample_sizes=(0, 1, 7, 287, 12_345),
    reads_fasta=True,
    random_input=random_fasta,
    bad_inputs=BAD_FASTA,
    split=split,
    combine=combine,
)
