"""reverse-complement in plain Python: the reference the ``python`` rung is measured against.

    python benchmarks/baselines/revcomp.py < fasta.txt

Prints what ``speedlab run revcomp --input -`` prints for the same input.
Standard library only, one process. Per record, one ``bytes.translate``
complements the sequence (IUPAC, lower case to upper case) and deletes its
newlines in the same pass, ``[::-1]`` reverses it, and the 60-character lines
are slices joined by newlines.
"""

import sys

LINE = 60

COMPLEMENT = bytes.maketrans(
    b"ACGTUMRWSYKVHDBN" b"acgtumrwsykvhdbn",
    b"TGCAAKYWSRMBDHVN" b"TGCAAKYWSRMBDHVN",
)


def main():
    data = sys.stdin.buffer.read()
    out = []
    for record in data[1:].split(b"\n>"):
        header, _, body = record.partition(b"\n")
        out.append(b">" + header + b"\n")
        rc = body.translate(COMPLEMENT, b"\n")[::-1]
        if rc:
            out.append(b"\n".join([rc[i:i + LINE] for i in range(0, len(rc), LINE)]))
            out.append(b"\n")
    sys.stdout.buffer.write(b"".join(out))


if __name__ == "__main__":
    main()
