"""binary-trees in plain Python: the reference the ``python`` rung is measured against.

    python benchmarks/baselines/binarytrees.py N

Prints what ``speedlab run binarytrees N`` prints. Standard library only, one
process, the fastest straightforward form: a node is a 2-tuple ``(left, right)``
(the cheapest object CPython allocates that holds two references), built and
walked by two small recursive functions. Every node is allocated, leaves
included: a literal ``(None, None)`` would be one constant shared by every leaf
(half the allocations skipped), so the leaf is built from a name at run time.
The garbage collector runs as configured by default.
"""

import sys

#: The shallowest trees of the iterated step; the task fixes it at 4.
MIN_DEPTH = 4
#: A leaf's two children; a name, so each leaf tuple is built at run time.
NO_CHILD = None


def make(depth):
    """A perfect tree with ``depth`` levels below its root."""
    if depth:
        depth -= 1
        return make(depth), make(depth)
    return NO_CHILD, NO_CHILD


def check(node):
    """The number of nodes in the tree under ``node``."""
    left, right = node
    if left is None:
        return 1
    return 1 + check(left) + check(right)


def main(n):
    max_depth = max(MIN_DEPTH + 2, n)
    write = sys.stdout.write
    stretch = max_depth + 1
    write(f"stretch tree of depth {stretch}\t check: {check(make(stretch))}\n")
    long_lived = make(max_depth)
    for depth in range(MIN_DEPTH, max_depth + 1, 2):
        iterations = 1 << (max_depth - depth + MIN_DEPTH)
        total = 0
        for _ in range(iterations):
            total += check(make(depth))
        write(f"{iterations}\t trees of depth {depth}\t check: {total}\n")
    write(f"long lived tree of depth {max_depth}\t check: {check(long_lived)}\n")


if __name__ == "__main__":
    main(int(sys.argv[1]))
