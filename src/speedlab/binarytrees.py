"""Binary-trees: build, walk and free many perfect binary trees.

The Computer Language Benchmarks Game ``binary-trees`` program, and speedlab's
memory-discipline showcase: every rung runs the same program and differs in what
a tree node is. ``python`` allocates ordinary objects (and pays the garbage
collector); ``typed`` uses ``cdef class`` nodes (typed, but still reference
counted and GC-tracked); ``native`` uses C structs with one ``malloc`` per node,
and matches hand-written C; ``pool`` takes each tree's nodes from a library
memory pool (C++17 ``std::pmr::monotonic_buffer_resource``, reset after each
tree), which the official rules allow, as the fastest C programs do with APR;
``parallel`` builds each depth's trees on several threads, each from its own
pool; the ``arena`` extra -- outside the official rules -- takes all nodes of a
tree from one block of speedlab's own, freed at once.

>>> from speedlab import binarytrees
>>> binarytrees.report(6)
((7, 255), ((64, 4, 1984), (16, 6, 2032)), (6, 127))
"""

from __future__ import annotations

import os

from speedlab._impl import call
from speedlab._validate import check_int
from speedlab.spec import KernelSpec, Sizes, Variant, bad_sizes, size_input

#: The largest n accepted: the stretch tree of n = 30 already has 2**32 - 1
#: nodes (128 GiB as malloc'd nodes); deeper ones also overflow C counters.
MAX_N = 30
#: Bytes one node needs at least: a 16-byte struct in a 32-byte malloc chunk
#: (a Python node object takes twice that).
NODE_BYTES = 32


def _physical_memory():
    """Bytes of RAM, or None where the platform does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def peak_bytes(n):
    """A lower bound on the memory the program needs at its peak: the stretch tree."""
    max_depth = max(6, n)
    return ((2 << (max_depth + 1)) - 1) * NODE_BYTES


def report(n, *, impl=None, n_threads=None):
    """Run the binary-trees program for ``n`` and return what it prints, as numbers.

    Parameters
    ----------
    n : int
        The maximum depth, 0 <= n <= 30; the program uses ``max(6, n)``, as the
        official one does.
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``,
        ``parallel``, ``pool``, ``arena``, ``c``); None follows ``SPEEDLAB_IMPL``
        (native when built).
    n_threads : int, optional
        Threads for ``impl="parallel"``; None uses every core. The result is the
        same for every thread count.

    Returns
    -------
    tuple
        ``((stretch_depth, stretch_check), rows, (long_lived_depth,
        long_lived_check))``, where ``rows`` is a tuple of ``(iterations, depth,
        total_check)`` for depth = 4, 6, ..., max(6, n). A check is a node count.

    Raises
    ------
    TypeError
        ``n`` or ``n_threads`` is not an integer, or ``impl`` is not a string.
    ValueError
        ``n`` is outside 0..30, ``n_threads`` is < 1, ``n_threads`` is given for a
        variant without threads, or ``impl`` is unknown.
    MemoryError
        The trees cannot fit in this machine's RAM (checked before any work), or
        an allocation failed (everything allocated is freed first).
    ImportError
        The requested compiled variant is not built.
    """
    n = check_int("n", n, minimum=0, maximum=MAX_N)
    ram = _physical_memory()
    if ram is not None and peak_bytes(n) > ram:
        raise MemoryError(
            f"binarytrees n={n} needs at least {peak_bytes(n) / 2**30:.0f} GiB for its stretch "
            f"tree; this machine has {ram / 2**30:.0f} GiB"
        )
    return call("binarytrees", impl, n, n_threads=n_threads)


def render(result, n):
    """The program's output for ``result = report(n)``: TAB then space before each number."""
    (stretch_depth, stretch_check), rows, (long_depth, long_check) = result
    lines = [b"stretch tree of depth %d\t check: %d\n" % (stretch_depth, stretch_check)]
    lines += [b"%d\t trees of depth %d\t check: %d\n" % row for row in rows]
    lines.append(b"long lived tree of depth %d\t check: %d\n" % (long_depth, long_check))
    return b"".join(lines)


def _tree_nodes(n):
    """Nodes binarytrees allocates for ``n``: stretch, long-lived and every depth's trees."""
    max_depth = max(6, n)
    total = ((2 << (max_depth + 1)) - 1) + ((2 << max_depth) - 1)
    for depth in range(4, max_depth + 1, 2):
        total += (1 << (max_depth - depth + 4)) * ((2 << depth) - 1)
    return float(total)


#: What the catalog knows about this kernel (speedlab list/run/verify/bench/explain read it).
SPEC = KernelSpec(
    name="binarytrees",
    summary="build, check and free perfect binary trees: allocation and garbage collection",
    api="speedlab.binarytrees:report",
    variants=(
        # pure Python needs ~1-2 s for n = 14 (3.2 million nodes); bigger
        # runs are normalised per node allocated
        Variant("python", "speedlab.pure.binarytrees:report", max_n=14),
        Variant("compiled", "speedlab._compiled.binarytrees:report", max_n=14),
        Variant("typed", "speedlab._native.binarytrees:report_typed", max_n=16),
        Variant("native", "speedlab._native.binarytrees:report_native",
                note="C structs, one malloc per node (the official rule)"),
        Variant("parallel", "speedlab._native.binarytrees:report_parallel",
                note="pool's trees of each depth built on OpenMP threads, one library pool "
                "per thread", threads=True),
        Variant("pool", "speedlab._native.binarytrees:report_pool",
                note="within the official rules: each tree's nodes from a library pool "
                "(C++17 std::pmr::monotonic_buffer_resource, reset per tree, as the fastest "
                "C does with APR)"),
        Variant("arena", "speedlab._native.binarytrees:report_arena",
                note="OUTSIDE the official rules: one malloc'd block per tree, freed at once"),
        Variant("c", "speedlab._native.binarytrees:report_c"),
    ),
    make_input=size_input,
    sizes=Sizes(test=10, quick=12, full=14, headline=21),
    unit="node",
    work=_tree_nodes,
    render=render,
    oracles={6: "binarytrees-6.txt", 10: "binarytrees-10.txt"},
    # 0 and 5 run as 6 (max(6, n)); 11 is the first size the parallel rung threads
    sample_sizes=(0, 5, 7, 11),
    bad_inputs=bad_sizes(MAX_N),  # n = 31: a 2**33-node stretch tree, 256 GiB
)
