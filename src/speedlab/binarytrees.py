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
        ``parallel``, ``pool``, ``arena``, ``c``, ``rust``); None follows ``SPEEDLAB_IMPL``
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


#: The implementations of :func:`trees` (the parts of a split run).
_TREES = {
    "python": "speedlab.pure.binarytrees:trees_total",
    "compiled": "speedlab._compiled.binarytrees:trees_total",
    "native": "speedlab._native.binarytrees:trees_native_total",
}


def _jobs(n):
    """The program's work as ``(depth, iterations)`` jobs: stretch tree, long-lived tree, each depth."""
    max_depth = max(6, n)
    rows = [(depth, 1 << (max_depth - depth + 4)) for depth in range(4, max_depth + 1, 2)]
    return [(max_depth + 1, 1), (max_depth, 1)] + rows


def trees(jobs, *, impl=None):
    """Build, check and free trees, job by job: one part of a split run (see :func:`split`).

    Parameters
    ----------
    jobs : sequence of (int, int)
        ``(depth, iterations)`` pairs: ``iterations`` trees of ``depth``
        (0..31) each, built, checked and freed one after another.
    impl : str, optional
        ``python``, ``compiled`` or ``native``; None follows ``SPEEDLAB_IMPL``.

    Returns
    -------
    tuple of tuple
        Per job, ``(depth, iterations, total)``: ``total`` is the sum of its
        trees' checks (node counts).

    Raises
    ------
    TypeError
        ``jobs`` is not a sequence of integer pairs, or ``impl`` is not a string.
    ValueError
        A depth is outside 0..31, iterations outside 0..2**40, or ``impl`` is unknown.
    MemoryError
        One tree cannot fit in this machine's RAM (checked first), or malloc failed.
    ImportError
        The requested compiled variant is not built.
    """
    from speedlab.parts import choose

    try:
        pairs = [tuple(job) for job in jobs]
    except TypeError:
        raise TypeError(f"jobs must be a sequence of (depth, iterations) pairs, not {type(jobs).__name__}") from None
    checked = []
    ram = _physical_memory()
    for pair in pairs:
        if len(pair) != 2:
            raise TypeError(f"each job must be a (depth, iterations) pair, got {pair!r}")
        # NOTE: 2**40 trees is years of work; the bound only keeps a C long long from overflowing.
        depth = check_int("depth", pair[0], minimum=0, maximum=MAX_N + 1)
        iterations = check_int("iterations", pair[1], minimum=0, maximum=2**40)
        if ram is not None and ((2 << depth) - 1) * NODE_BYTES > ram:
            raise MemoryError(f"binarytrees: a tree of depth {depth} does not fit in this machine's RAM")
        checked.append((depth, iterations))
    fn = choose("binarytrees", impl, _TREES)
    return tuple((depth, iterations, fn(depth, iterations)) for depth, iterations in checked)


trees.impls = tuple(_TREES)


def split(args, parts):
    """Cut the program into ``parts`` groups of its trees, by depth.

    The jobs are the stretch tree, the long-lived tree and each depth's
    ``2 ** (max_depth - depth + 4)`` trees; they are dealt to the parts largest
    first, each to the part with the fewest nodes so far (every depth's row
    allocates about the same 2 ** (max_depth + 5) nodes, so the parts come out
    nearly equal). Exact: every check is the node count of a tree built on its
    own, whatever else is alive at the time; the long-lived tree's check does not
    depend on how long it lived, and a row's total is an integer sum, so the
    jobs' totals put back in the program's order are the program's output.

    Parameters
    ----------
    args : tuple
        ``(n,)``.
    parts : int
        1 to the number of jobs (2 + one per depth: 5 for n <= 6, 11 for n = 21).

    Returns
    -------
    list of tuple
        ``(jobs,)`` per part, ``jobs`` a tuple of ``(depth, iterations)``.
    """
    from speedlab.parts import check_parts

    (n,) = args
    n = check_int("n", n, minimum=0, maximum=MAX_N)
    ram = _physical_memory()
    if ram is not None and peak_bytes(n) > ram:
        raise MemoryError(f"binarytrees n={n} needs at least {peak_bytes(n) / 2**30:.0f} GiB for its "
                          f"stretch tree; this machine has {ram / 2**30:.0f} GiB")
    jobs = _jobs(n)
    parts = check_parts(parts, len(jobs), "one depth per part at most")
    groups, load = [[] for _ in range(parts)], [0] * parts
    for depth, iterations in sorted(jobs, key=lambda job: -job[1] * ((2 << job[0]) - 1)):
        least = load.index(min(load))
        groups[least].append((depth, iterations))
        load[least] += iterations * ((2 << depth) - 1)
    return [(tuple(group),) for group in groups]


def combine(results, args):
    """The program's result from the parts' ``(depth, iterations, total)`` (see :func:`split`)."""
    (n,) = args
    max_depth = max(6, n)
    totals = {(depth, iterations): total for part in results for depth, iterations, total in part}
    rows = tuple((iterations, depth, totals[depth, iterations]) for depth, iterations in _jobs(n)[2:])
    return ((max_depth + 1, totals[max_depth + 1, 1]), rows, (max_depth, totals[max_depth, 1]))


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
        # pure Python needs ~0.4 s for n = 14 (3.2 million nodes); bigger
        # runs are normalised per node allocated
        Variant("python", "speedlab.pure.binarytrees:report", max_n=14),
        Variant("compiled", "speedlab._compiled.binarytrees:report", max_n=14),
        Variant("typed", "speedlab._native.binarytrees:report_typed", max_n=16),
        Variant("native", "speedlab._native.binarytrees:report_native",
                note="C structs, one malloc per node (the official rule)"),
        Variant("parallel", "speedlab._native.binarytrees:report_parallel",
                note="pool's trees of each depth built on OpenMP threads, one library pool "
                "per thread", threads=True, base="pool"),
        Variant("pool", "speedlab._native.binarytrees:report_pool",
                note="within the official rules: each tree's nodes from a library pool "
                "(C++17 std::pmr::monotonic_buffer_resource, reset per tree, as the fastest "
                "C does with APR)"),
        Variant("arena", "speedlab._native.binarytrees:report_arena",
                note="OUTSIDE the official rules: one malloc'd block per tree, freed at once"),
        Variant("c", "speedlab._native.binarytrees:report_c"),
        Variant("rust", "speedlab._native.binarytrees:report_rust", feature="rust"),
    ),
    make_input=size_input,
    sizes=Sizes(test=10, quick=12, full=14, headline=21),
    unit="node",
    work=_tree_nodes,
    render=render,
    oracles={6: "binarytrees-6.txt", 10: "binarytrees-10.txt"},
    # 0 and 5 run as 6 (max(6, n)); the parallel rung threads from 14 on
    # (tests/test_binarytrees.py runs it there on 1, 2 and 3 threads)
    sample_sizes=(0, 5, 7, 11),
    bad_inputs=bad_sizes(MAX_N),  # n = 31: a 2**33-node stretch tree, 256 GiB
    split=split,
    combine=combine,
    part="speedlab.binarytrees:trees",
)
