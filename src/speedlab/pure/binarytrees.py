"""Binary-trees: allocate, walk and drop many perfect binary trees.

The pure-Python twin: the ``python`` rung of the ladder, and, compiled by Cython
with no type declarations, the ``compiled`` rung (``speedlab._compiled.binarytrees``).

Algorithm from the Computer Language Benchmarks Game ``binary-trees`` task, with
``max_depth = max(6, n)``:

1. a *stretch* tree of depth ``max_depth + 1`` is built, checked and dropped;
2. a *long-lived* tree of depth ``max_depth`` is built and kept until the end;
3. for ``depth = 4, 6, ..., max_depth``, ``2 ** (max_depth - depth + 4)`` trees of
   that depth are built, checked and dropped one after another;
4. the long-lived tree is checked.

A tree is built bottom-up, one new object per node, and its *check* is its node
count (``2 ** (depth + 1) - 1``), found by walking it. The task measures memory
management: here every node is a Python object, so the run is spent allocating,
reference counting and garbage collecting.

A node is the tuple ``(left, right)``, a leaf ``(None, None)``: the cheapest
Python object that holds two references, created in C without running any Python
code. The natural model, a ``Node`` class with ``__slots__ = ("left", "right")``
and an ``__init__``, runs a Python ``__init__`` per node and stays tracked by the
garbage collector, whose full collections then walk the long-lived tree again
and again: it took 3.6x the CPU time of the plain-Python reference program
at n = 17, which this form matches (``python benchmarks/baselines.py
binarytrees``). ``typed``'s ``cdef class`` is that class compiled.
"""

from __future__ import annotations

#: The shallowest trees of step 3; the task fixes it at 4.
MIN_DEPTH = 4
#: A leaf's two children. A name, not a literal: ``(None, None)`` written out is
#: one constant tuple that every leaf would share, and the task allocates every node.
NO_CHILD = None


def make_tree(depth):
    """A perfect tree of ``depth`` levels below the root, built bottom-up."""
    if depth:
        depth -= 1
        return make_tree(depth), make_tree(depth)
    return NO_CHILD, NO_CHILD


def check(node):
    """The number of nodes in the tree under ``node``."""
    left, right = node
    if left is None:
        return 1
    return 1 + check(left) + check(right)


def report(n):
    """Everything the program prints, as numbers.

    Returns ``((stretch_depth, stretch_check), rows, (long_lived_depth,
    long_lived_check))`` where ``rows`` holds one ``(iterations, depth,
    total_check)`` tuple per depth of step 3.
    """
    max_depth = max(MIN_DEPTH + 2, n)
    stretch_depth = max_depth + 1
    stretch = (stretch_depth, check(make_tree(stretch_depth)))

    long_lived_tree = make_tree(max_depth)
    rows = []
    for depth in range(MIN_DEPTH, max_depth + 1, 2):
        iterations = 2 ** (max_depth - depth + MIN_DEPTH)
        total = sum(check(make_tree(depth)) for _ in range(iterations))
        rows.append((iterations, depth, total))
    return stretch, tuple(rows), (max_depth, check(long_lived_tree))


def trees_total(depth, iterations):
    """The checks of ``iterations`` trees of ``depth``, built and dropped one after another, summed."""
    return sum(check(make_tree(depth)) for _ in range(iterations))
