"""Reverse complement: every FASTA record's sequence, reversed and complemented.

The pure-Python twin of the Benchmarks Game ``revcomp`` program (the ``python``
rung; compiled untyped it is the ``compiled`` rung). For each record it writes the
header line, then the reverse complement of the sequence (IUPAC table; lower case
complemented to upper case; other bytes kept as they are), 60 characters per line.

Records start at a ``>`` that opens a line; the header is the rest of that line,
the sequence every byte up to the next record except newlines. Python already does
the heavy lifting in C here (``bytes.translate``, slicing), so this twin is a fast
baseline and the ladder's gains are smaller than for arithmetic kernels.
"""

from __future__ import annotations

LINE = 60

#: IUPAC codes and their complements, upper and lower case in, upper case out.
COMPLEMENT = bytes.maketrans(
    b"ACGTUMRWSYKVHDBN" b"acgtumrwsykvhdbn",
    b"TGCAAKYWSRMBDHVN" b"TGCAAKYWSRMBDHVN",
)


def records(data):
    """``(header, sequence)`` for each record of the FASTA ``data`` (bytes)."""
    for record in data[1:].split(b"\n>"):
        header, _, body = record.partition(b"\n")
        yield header, body.replace(b"\n", b"")


def reverse_complement(data):
    """The program's output for the FASTA ``data``, as bytes."""
    out = []
    for header, sequence in records(data):
        out.append(b">" + header + b"\n")
        rc = sequence.translate(COMPLEMENT)[::-1]
        out.extend(rc[i:i + LINE] + b"\n" for i in range(0, len(rc), LINE))
    return b"".join(out)
