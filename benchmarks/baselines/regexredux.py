"""regex-redux in plain Python: the reference the ``python`` rung is measured against.

    python benchmarks/baselines/regexredux.py < fasta.txt

Prints what ``speedlab run regexredux --input -`` prints for the same input.
Standard library only, one process (the fastest published Python programs
spread the nine counts over a process pool; this one runs them in sequence):
``re`` on bytes removes the headers and newlines, counts each of the nine
patterns with ``findall``, and applies the five replacements one after another.
"""

import re
import sys

VARIANTS = (
    b"agggtaaa|tttaccct",
    b"[cgt]gggtaaa|tttaccc[acg]",
    b"a[act]ggtaaa|tttacc[agt]t",
    b"ag[act]gtaaa|tttac[agt]ct",
    b"agg[act]taaa|ttta[agt]cct",
    b"aggg[acg]aaa|ttt[cgt]ccct",
    b"agggt[cgt]aa|tt[acg]accct",
    b"agggta[cgt]a|t[acg]taccct",
    b"agggtaa[cgt]|[acg]ttaccct",
)

SUBSTITUTIONS = (
    (b"tHa[Nt]", b"<4>"),
    (b"aND|caN|Ha[DS]|WaS", b"<3>"),
    (b"a[NSt]|BY", b"<2>"),
    (b"<[^>]*>", b"|"),
    (rb"\|[^|][^|]*\|", b"-"),
)


def main():
    data = sys.stdin.buffer.read()
    sequence = re.sub(b">.*\n|\n", b"", data)
    lines = [b"%s %d" % (pattern, len(re.findall(pattern, sequence))) for pattern in VARIANTS]
    result = sequence
    for pattern, replacement in SUBSTITUTIONS:
        result = re.sub(pattern, replacement, result)
    lines += [b"", b"%d" % len(data), b"%d" % len(sequence), b"%d" % len(result)]
    sys.stdout.buffer.write(b"\n".join(lines) + b"\n")


if __name__ == "__main__":
    main()
