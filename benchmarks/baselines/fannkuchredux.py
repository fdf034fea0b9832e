"""fannkuch-redux in plain Python: the reference the ``python`` rung is measured against.

    python benchmarks/baselines/fannkuchredux.py N

Prints what ``speedlab run fannkuchredux N`` prints. Standard library only, one
process, the fastest straightforward form: one loop walks the permutations in the
task's order (the count-array odometer; "rotate the first r + 1 left" is one
``pop(0)`` and one ``insert``), and each permutation's flips are counted inline,
each flip one slice assignment that reverses the prefix in place.
"""

import sys


def fannkuch(n):
    """``(checksum, max_flips)`` over all permutations of ``range(n)``."""
    perm1 = list(range(n))
    count = [0] * n
    checksum = max_flips = 0
    even = True
    while True:
        first = perm1[0]
        if first:
            perm = perm1[:]
            flips = 0
            while first:
                perm[: first + 1] = perm[first::-1]
                flips += 1
                first = perm[0]
            if flips > max_flips:
                max_flips = flips
            checksum += flips if even else -flips
        even = not even
        r = 1
        while r < n:
            perm1.insert(r, perm1.pop(0))
            count[r] += 1
            if count[r] <= r:
                break
            count[r] = 0
            r += 1
        else:
            return checksum, max_flips


def main(n):
    checksum, max_flips = fannkuch(n)
    sys.stdout.write(f"{checksum}\nPfannkuchen({n}) = {max_flips}\n")


if __name__ == "__main__":
    main(int(sys.argv[1]))
