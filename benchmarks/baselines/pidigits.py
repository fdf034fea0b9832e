"""pidigits in plain Python: the reference the ``python`` rung is measured against.

    python benchmarks/baselines/pidigits.py N

Prints what ``speedlab run pidigits N`` prints. Standard library only, one
process: Gibbons' spigot on three Python ints, inlined into one loop, with both
extractions (3 and 4) computed for every candidate digit as the task describes.
(Deciding the second extraction from the remainder of one ``divmod`` saves a
division, but it is a different algorithm from the one every rung runs.)
"""

import sys


def digits(n):
    """The first ``n`` digits of pi, as a list of ints."""
    acc, den, num = 0, 1, 1
    out = []
    k = 0
    while len(out) < n:
        k += 1
        k2 = 2 * k + 1
        acc = (acc + 2 * num) * k2
        den *= k2
        num *= k
        if num > acc:
            continue
        digit = (num * 3 + acc) // den
        if digit != (num * 4 + acc) // den:
            continue
        out.append(digit)
        acc = (acc - den * digit) * 10
        num *= 10
    return out


def main(n):
    text = "".join(map(str, digits(n)))
    lines = []
    for start in range(0, n, 10):
        chunk = text[start:start + 10]
        lines.append(f"{chunk:<10}\t:{start + len(chunk)}\n")
    sys.stdout.write("".join(lines))


if __name__ == "__main__":
    main(int(sys.argv[1]))
