"""k-nucleotide in plain Python: the reference the ``python`` rung is measured against.

    python benchmarks/baselines/knucleotide.py < fasta.txt

Prints what ``speedlab run knucleotide --input -`` prints for the same input.
Standard library only, one process (the fastest published Python programs count
on two processes; compare CPU time with them, not wall time). As the task asks, a
library hash table counts every k-mer for each k: a ``Counter`` fed the
sequence's overlapping slices by a generator (for k = 1, the characters
themselves); the five fragments are looked up in the table of their own length.
"""

import sys
from collections import Counter

FRAGMENTS = ("GGT", "GGTA", "GGTATT", "GGTATTTTAATT", "GGTATTTTAATTTATAGT")


def kmers(seq, k):
    """How many times each k-mer of ``seq`` occurs (overlapping windows)."""
    if k == 1:
        return Counter(seq)
    return Counter(seq[i:i + k] for i in range(len(seq) - k + 1))


def main():
    data = sys.stdin.buffer.read()
    # Record THREE: from the end of its header line to the next record (or the end).
    header = 0 if data.startswith(b">THREE") else data.index(b"\n>THREE") + 1
    newline = data.find(b"\n", header)
    body = b""
    if newline >= 0:
        end = data.find(b"\n>", newline)
        body = data[newline + 1:] if end < 0 else data[newline + 1:end + 1]
    seq = body.replace(b"\n", b"").upper().decode("ascii")
    out = []
    for k in (1, 2):
        windows = len(seq) - k + 1
        counts = sorted(kmers(seq, k).items(), key=lambda item: (-item[1], item[0]))
        out += [f"{kmer} {100.0 * n / windows:.3f}\n" for kmer, n in counts]
        out.append("\n")
    out += [f"{kmers(seq, len(fragment))[fragment]}\t{fragment}\n" for fragment in FRAGMENTS]
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
