"""regex-redux: count DNA patterns and apply IUB replacements with regular expressions.

The Computer Language Benchmarks Game ``regexredux`` program over the output of
``fasta`` (``speedlab run regexredux N`` generates ``fasta N`` in-process;
``--input PATH`` reads a file). It is the ladder's honest flat case: the pure
twin already spends nearly all its time inside CPython's ``re`` engine, which is
C, so ``compiled``, ``typed`` and ``native`` gain about 1x (``native`` removes the
headers and newlines in C without the GIL; the regexes remain ``re``'s). There is
no ``parallel`` rung: ``re`` holds the GIL while matching.

>>> from speedlab import regexredux
>>> counts, before, cleaned, after = regexredux.analyse(b">ONE test\\nagggtaaacattttaccct\\n")
>>> counts[0], before, cleaned, after
(2, 30, 19, 18)
"""

from __future__ import annotations

from speedlab._impl import choose
from speedlab.pure.regexredux import VARIANTS

#: Inputs are held in memory with a copy or two alongside (the cleaned
#: sequence, each replacement's result); 4 GiB is far past any benchmark
#: (fasta 25,000,000 is 254 MB) and keeps a mistaken path from exhausting memory.
MAX_INPUT_BYTES = 4 << 30


def check_fasta(name, data):
    """``data`` as ``bytes``, refused unless it is non-empty FASTA text.

    Raises
    ------
    TypeError
        ``data`` is a str, or not a bytes-like object.
    ValueError
        ``data`` is not C-contiguous, is empty, too large, or does not start with a ``>`` header.
    """
    if isinstance(data, str):
        raise TypeError(f"{name} must be bytes or a bytes-like object, not str (encode it first)")
    if not isinstance(data, bytes):
        try:
            view = memoryview(data)
        except TypeError:
            raise TypeError(f"{name} must be bytes or a bytes-like object, not {type(data).__name__}") from None
        if not view.c_contiguous:
            raise ValueError(f"{name} must be a C-contiguous buffer")
        data = view.tobytes()
    if not data:
        raise ValueError(f"{name} is empty: expected FASTA text starting with a '>' header line")
    if len(data) > MAX_INPUT_BYTES:
        raise ValueError(f"{name} is {len(data):,} bytes; at most {MAX_INPUT_BYTES:,} are accepted")
    if data[:1] != b">":
        raise ValueError(f"{name} is not FASTA: it must start with a '>' header line, "
                         f"got {data[:20]!r}")
    return data


def analyse(fasta, *, impl=None):
    """Run regex-redux over FASTA text.

    Parameters
    ----------
    fasta : bytes-like
        FASTA text (``>`` header lines and sequence lines), as bytes or any
        C-contiguous buffer; ``str`` is refused.
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``); None
        follows ``SPEEDLAB_IMPL`` (native when built).

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
        ``fasta`` is a str or not bytes-like; ``impl`` is not a string.
    ValueError
        ``fasta`` is empty, not FASTA, not C-contiguous, or ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    """
    data = check_fasta("fasta", fasta)
    return choose("regexredux", impl)(data)


def render(result, n):
    """The program's output: one "pattern count" line each, a blank line, three lengths."""
    counts, input_length, clean_length, final_length = result
    lines = [b"%s %d" % (pattern, count) for pattern, count in zip(VARIANTS, counts)]
    lines += [b"", b"%d" % input_length, b"%d" % clean_length, b"%d" % final_length]
    return b"\n".join(lines) + b"\n"
