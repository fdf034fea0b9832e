"""FASTA: three DNA records, one repeated and two drawn from a linear congruential generator.

The pure-Python twin of the Benchmarks Game ``fasta`` program (the ``python`` rung;
compiled untyped it is the ``compiled`` rung). Its output is also the input of
``knucleotide``, ``revcomp`` and ``regexredux``.

For size ``n`` it writes, 60 characters per line:

* ``>ONE Homo sapiens alu``: the 287-character ALU sequence repeated, ``2n`` characters;
* ``>TWO IUB ambiguity codes``: ``3n`` characters drawn with the IUB probabilities;
* ``>THREE Homo sapiens frequency``: ``5n`` characters drawn with the HomoSapiens ones.

Each random character is one draw ``seed = (seed * 3877 + 29573) % 139968`` (seed 42,
carried from TWO into THREE), turned into ``r = seed / 139968.0``; the character is the
first symbol whose cumulative probability exceeds ``r``.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

LINE = 60
IM, IA, IC = 139968, 3877, 29573
SEED = 42

ALU = (
    "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGGGAGGCCGAGGCGGGCGGA"
    "TCACCTGAGGTCAGGAGTTCGAGACCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACT"
    "AAAAATACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCAGCTACTCGGGAG"
    "GCTGAGGCAGGAGAATCGCTTGAACCCGGGAGGCGGAGGTTGCAGTGAGCCGAGATCGCG"
    "CCACTGCACTCCAGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA"
)

IUB = (
    ("a", 0.27), ("c", 0.12), ("g", 0.12), ("t", 0.27),
    ("B", 0.02), ("D", 0.02), ("H", 0.02), ("K", 0.02), ("M", 0.02), ("N", 0.02),
    ("R", 0.02), ("S", 0.02), ("V", 0.02), ("W", 0.02), ("Y", 0.02),
)

HOMO_SAPIENS = (
    ("a", 0.3029549426680),
    ("c", 0.1979883004921),
    ("g", 0.1975473066391),
    ("t", 0.3015094502008),
)


def repeat_record(sequence, total):
    """Lines of ``sequence`` repeated to ``total`` characters."""
    text = sequence * (total // len(sequence) + 1)
    return [text[i:min(i + LINE, total)] for i in range(0, total, LINE)]


def random_record(table, total, seed):
    """Lines of ``total`` characters drawn from ``table``; returns ``(lines, seed)``.

    Each character is one step of the generator and one ``bisect`` of the
    cumulative probabilities, appended to the line being built in a plain loop.
    Drawing through a generator function and ``"".join(islice(draws, 60))`` per
    line, the iterator pipeline it is natural to reach for, took 1.7x the CPU
    time of the plain-Python reference program at n = 2,500,000, which this
    loop matches (``python benchmarks/baselines.py fasta``).
    """
    symbols = [symbol for symbol, _ in table]
    cumulative = list(accumulate(p for _, p in table))
    # Every draw is below 1.0: the last symbol takes whatever the rounding of
    # the cumulative sum leaves above it.
    cumulative[-1] = 1.0
    lines = []
    for start in range(0, total, LINE):
        line = []
        for _ in range(min(LINE, total - start)):
            seed = (seed * IA + IC) % IM
            line.append(symbols[bisect_right(cumulative, seed / IM)])
        lines.append("".join(line))
    return lines, seed


def fasta(n):
    """The program's output for size ``n``, as bytes."""
    out = [">ONE Homo sapiens alu"]
    out += repeat_record(ALU, 2 * n)
    out.append(">TWO IUB ambiguity codes")
    lines, seed = random_record(IUB, 3 * n, SEED)
    out += lines
    out.append(">THREE Homo sapiens frequency")
    lines, _ = random_record(HOMO_SAPIENS, 5 * n, seed)
    out += lines
    return ("\n".join(out) + "\n").encode("ascii")


def jump(seed, steps):
    """The generator's state ``steps`` draws after ``seed``.

    One draw is the affine map x -> IA*x + IC (mod IM); applying (a, c) twice is
    (a*a, a*c + c), so squaring the map log2(steps) times reaches any distance.
    """
    a, c = IA, IC
    while steps:
        if steps & 1:
            seed = (a * seed + c) % IM
        c = (a * c + c) % IM
        a = (a * a) % IM
        steps >>= 1
    return seed


def segment(n, start, stop):
    """Bytes ``start``..``stop - 1`` of ``fasta(n)``, without writing the bytes before them.

    Each record is its header and lines of 61 bytes (60 characters and a newline),
    so every byte's record, line and column follow from its offset; a random line
    starts from the generator jumped ahead to its first character (:func:`jump`).
    """
    records = ((">ONE Homo sapiens alu\n", None, 2 * n, SEED),
               (">TWO IUB ambiguity codes\n", IUB, 3 * n, SEED),
               (">THREE Homo sapiens frequency\n", HOMO_SAPIENS, 5 * n, jump(SEED, 3 * n)))
    out = []
    offset = 0
    for header, table, total, seed in records:
        out.append(header[max(start - offset, 0):max(stop - offset, 0)])
        body = offset + len(header)
        offset = body + total + -(-total // LINE)
        lo, hi = max(start, body), min(stop, offset)
        if lo >= hi:
            continue
        first = (lo - body) // (LINE + 1)
        last = (hi - body - 1) // (LINE + 1) + 1
        count = min(last * LINE, total) - first * LINE
        if table is None:
            position = first * LINE % len(ALU)
            lines = repeat_record(ALU[position:] + ALU[:position], count)
        else:
            lines, _ = random_record(table, count, jump(seed, first * LINE))
        text = "".join(line + "\n" for line in lines)
        skip = lo - body - first * (LINE + 1)
        out.append(text[skip:skip + hi - lo])
    return "".join(out).encode("ascii")
