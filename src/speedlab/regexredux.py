"""regex-redux: count DNA patterns and apply IUB replacements with regular expressions.

The Computer Language Benchmarks Game ``regexredux`` program over the output of
``fasta`` (``speedlab run regexredux N`` generates ``fasta N`` in-process;
``--input PATH`` reads a file). It is the ladder's honest flat case: the pure
twin already spends nearly all its time inside CPython's ``re`` engine, which is
C, so ``compiled``, ``typed`` and ``native`` gain about 1x (``native`` removes the
headers and newlines in C without the GIL; the regexes remain ``re``'s).

What does change the time is the regex engine. The ``pcre2`` variant runs the
same fifteen regexes on PCRE2, whose JIT compiles each to machine code, on one
thread without the GIL; the ``parallel`` rung runs its nine counts and its
replacement chain at once on OpenMP threads. Both are built only when the
build finds libpcre2-8 with its JIT (``speedlab info`` says so, or why not):
``re`` holds the GIL while it matches, so there is no parallel rung without it.

>>> from speedlab import regexredux
>>> counts, before, cleaned, after = regexredux.analyse(b">ONE test\\nagggtaaacattttaccct\\n")
>>> counts[0], before, cleaned, after
(2, 30, 19, 18)
"""

from __future__ import annotations

from speedlab._impl import call
from speedlab._validate import check_fasta
from speedlab.pure.regexredux import VARIANTS
from speedlab.fasta import BAD_FASTA, reader_input
from speedlab.spec import KernelSpec, Sizes, Variant

#: Inputs are held in memory with a copy or two alongside (the cleaned
#: sequence, each replacement's result); 4 GiB is far past any benchmark
#: (fasta 25,000,000 is 254 MB) and keeps a mistaken path from exhausting memory.
MAX_INPUT_BYTES = 4 << 30


def _fasta_bytes(name, data):
    """``data`` as ``bytes``, refused unless it is non-empty FASTA text (``check_fasta``) of sane size."""
    view = check_fasta(name, data)
    if len(view) > MAX_INPUT_BYTES:
        raise ValueError(f"{name} is {len(view):,} bytes; at most {MAX_INPUT_BYTES:,} are accepted")
    return data if type(data) is bytes else view.tobytes()


def analyse(fasta, *, impl=None, n_threads=None):
    """Run regex-redux over FASTA text.

    Parameters
    ----------
    fasta : bytes-like
        FASTA text (``>`` header lines and sequence lines), as bytes or any
        C-contiguous buffer; ``str`` is refused.
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``, and,
        when the build found PCRE2, ``pcre2`` and ``parallel``); None follows
        ``SPEEDLAB_IMPL`` (native when built).
    n_threads : int, optional
        Threads for ``impl="parallel"`` (default: all cores); refused for the
        single-thread variants.

    Returns
    -------
    tuple
        ``(counts, input_length, clean_length, final_length)``: ``counts`` holds
        the matches of the nine patterns of ``speedlab.pure.regexredux.VARIANTS``
        in order; the lengths are of the input, of the sequence without headers
        and newlines, and of the sequence after the five replacements.

    Raises
    ------
    TypeError
        ``fasta`` is a str or not bytes-like; ``impl`` is not a string;
        ``n_threads`` is not an integer.
    ValueError
        ``fasta`` is empty, not FASTA, not C-contiguous, or ``impl`` is unknown;
        ``n_threads`` is below 1 or given to a variant without threads.
    ImportError
        The requested compiled variant is not built (``pcre2`` and ``parallel``:
        PCRE2 was not found at build time; the message says what to install).
    MemoryError
        PCRE2 could not allocate its match data, JIT stack or JIT code.
    """
    data = _fasta_bytes("fasta", fasta)
    return call("regexredux", impl, data, n_threads=n_threads)


def render(result, n):
    """The program's output: one "pattern count" line each, a blank line, three lengths."""
    counts, input_length, clean_length, final_length = result
    lines = [b"%s %d" % (pattern, count) for pattern, count in zip(VARIANTS, counts)]
    lines += [b"", b"%d" % input_length, b"%d" % clean_length, b"%d" % final_length]
    return b"\n".join(lines) + b"\n"


def _fasta_bases(n):
    # fasta n holds 2n + 3n + 5n = 10n bases (plus newlines and three headers)
    return 10.0 * n


#: What the catalog knows about this kernel (speedlab list/run/verify/bench/explain read it).
SPEC = KernelSpec(
    name="regexredux",
    summary="fasta input: strip headers, count 9 DNA patterns, apply 5 IUB replacements",
    api="speedlab.regexredux:analyse",
    variants=(
        Variant("python", "speedlab.pure.regexredux:analyse"),
        Variant("compiled", "speedlab._compiled.regexredux:analyse"),
        Variant("typed", "speedlab._native.regexredux:analyse_typed"),
        Variant("native", "speedlab._native.regexredux:analyse_native"),
        Variant("pcre2", "speedlab._native.regexredux_pcre2:analyse_pcre2", feature="pcre2",
                note="the same regexes on PCRE2 and its JIT (libpcre2-8, optional) instead of "
                "CPython's re: compiled to machine code, one thread, no GIL"),
        Variant("parallel", "speedlab._native.regexredux_pcre2:analyse_parallel", threads=True,
                feature="pcre2",
                note="the pcre2 variant's replacement chain beside its nine counts on OpenMP threads, "
                "each count cut into parts of the sequence (an exact sum: see sum_parts)"),
    ),
    make_input=reader_input,
    # quick: fasta 100,000 (~1 MB); full: fasta 1,000,000 (~10 MB); PROGRAMS.md's headline 5M
    sizes=Sizes(test=1000, quick=100_000, full=1_000_000, headline=5_000_000),
    unit="base",
    work=_fasta_bases,
    render=render,
    oracles={1000: "regexredux-1000.txt"},
    sample_sizes=(0, 1, 30, 5000),
    reads_fasta=True,
    bad_inputs=BAD_FASTA + (((bytearray(),), ValueError),),  # empty, as a bytearray
    no_split="the nine counts could split (chunks overlapping by a match's length), but the five "
    "replacements run in sequence over the whole cleaned sequence, each on the output of the one "
    "before, and a match or a replacement may span any cut",
    why_small="the pure twin already spends ~95% of its time inside CPython's re engine, "
    "which is C: compiling the Python around it, typing it or removing the headers in C "
    "(native) can only speed up the few per cent outside re. The gain comes from changing "
    "the engine: the pcre2 variant (PCRE2's JIT, built when the library is found) and the "
    "parallel rung on top of it, which runs the nine counts and the replacements on threads"
)
