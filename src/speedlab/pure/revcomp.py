"""Reverse complement: every FASTA record's sequence, reversed and complemented.

The pure-Python twin of the Benchmarks Game ``revcomp`` program (the ``python``
rung; compiled untyped it is the ``compiled`` rung). For each record it writes the
header line, then the reverse complement of the sequence (IUPAC table; lower case
complemented to upper case; other bytes kept as they are), 60 characters per line.

Records start at a ``>`` that opens a line; the header is the rest of that line,
the sequence every byte up to the next record except newlines. Python already does
the heavy lifting in C here (``bytes.translate``, slicing), so this twin is a fast
baseline and the ladder's gains are smaller than for arithmetic kernels.

One ``translate`` call both complements the sequence and deletes its newlines
(its second argument), so the record is copied once before the reversal, and the
output lines are slices joined by newlines. Removing the newlines first with
``replace``, then translating, then appending a newline to each slice copies
every byte twice more: it took about 1.1x the time of this form at fasta
2,500,000.
"""

from __future__ import annotations

LINE = 60

#: IUPAC codes and their complements, upper and lower case in, upper case out.
COMPLEMENT = bytes.maketrans(
    b"ACGTUMRWSYKVHDBN" b"acgtumrwsykvhdbn",
    b"TGCAAKYWSRMBDHVN" b"TGCAAKYWSRMBDHVN",
)


def records(data):
    """``(header, body)`` for each record of the FASTA ``data``; ``body`` keeps its newlines."""
    for record in data[1:].split(b"\n>"):
        header, _, body = record.partition(b"\n")
        yield header, body


def reverse_complement(data):
    """The program's output for the FASTA ``data``, as bytes."""
    out = []
    for header, body in records(data):
        out.append(b">" + header + b"\n")
        rc = body.translate(COMPLEMENT, b"\n")[::-1]
        if rc:
            out.append(b"\n".join([rc[i:i + LINE] for i in range(0, len(rc), LINE)]))
            out.append(b"\n")
    return b"".join(out)
