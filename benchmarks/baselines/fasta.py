"""fasta in plain Python: the reference the ``python`` rung is measured against.

    python benchmarks/baselines/fasta.py N

Prints what ``speedlab run fasta N`` prints. Standard library only, one process.
Record ONE is the ALU sequence repeated, cut into 60-character slices. For the
two random records every character is one draw of the generator and one search
of the cumulative probabilities (``bisect``), in a plain loop that appends to
the line being built. (Tabulating the symbol of each of the generator's 139,968
states once would skip the search per draw: a different algorithm, not used.)
"""

import sys
from bisect import bisect
from itertools import accumulate

LINE = 60
IM, IA, IC = 139968, 3877, 29573

ALU = (
    "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGGGAGGCCGAGGCGGGCGGA"
    "TCACCTGAGGTCAGGAGTTCGAGACCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACT"
    "AAAAATACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCAGCTACTCGGGAG"
    "GCTGAGGCAGGAGAATCGCTTGAACCCGGGAGGCGGAGGTTGCAGTGAGCCGAGATCGCG"
    "CCACTGCACTCCAGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA"
)

IUB = (("a", 0.27), ("c", 0.12), ("g", 0.12), ("t", 0.27),
       ("B", 0.02), ("D", 0.02), ("H", 0.02), ("K", 0.02), ("M", 0.02), ("N", 0.02),
       ("R", 0.02), ("S", 0.02), ("V", 0.02), ("W", 0.02), ("Y", 0.02))

HOMO_SAPIENS = (("a", 0.3029549426680), ("c", 0.1979883004921),
                ("g", 0.1975473066391), ("t", 0.3015094502008))


def repeat_lines(sequence, total):
    """``sequence`` repeated to ``total`` characters, as 60-character lines."""
    text = sequence * (total // len(sequence) + 1)
    return [text[i:min(i + LINE, total)] for i in range(0, total, LINE)]


def random_lines(table, total, seed):
    """``total`` characters drawn from ``table``, as 60-character lines; and the new seed."""
    symbols = [symbol for symbol, _ in table]
    cumulative = list(accumulate(p for _, p in table))
    cumulative[-1] = 1.0  # every draw is < 1: the last symbol catches rounding
    lines = []
    for start in range(0, total, LINE):
        line = []
        for _ in range(min(LINE, total - start)):
            seed = (seed * IA + IC) % IM
            line.append(symbols[bisect(cumulative, seed / IM)])
        lines.append("".join(line))
    return lines, seed


def main(n):
    ones = repeat_lines(ALU, 2 * n)
    twos, seed = random_lines(IUB, 3 * n, 42)
    threes, _ = random_lines(HOMO_SAPIENS, 5 * n, seed)
    out = [">ONE Homo sapiens alu", *ones, ">TWO IUB ambiguity codes", *twos,
           ">THREE Homo sapiens frequency", *threes]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]))
