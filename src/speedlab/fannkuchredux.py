"""Fannkuch-redux: checksum and maximum pancake flips over all permutations of 1..n.

The Computer Language Benchmarks Game ``fannkuch-redux`` program. It is the ladder's
integer case: the pure twin spends its time slicing and reversing lists of small
ints; ``typed`` unboxes the counters but keeps the lists; ``native`` runs the same
odometer over C arrays on the stack and matches hand-written C; ``simd`` flips 4 to
16 permutations side by side, one byte shuffle per flip, each in a 16-byte lane of a
vector register (the instruction set chosen at run time); ``parallel`` splits the n!
permutations into blocks of indices (an index, read in factorial base, *is* a
permutation in the task's order), runs ``simd`` on each and combines the blocks'
checksums exactly.

>>> from speedlab import fannkuchredux
>>> fannkuchredux.checksum_maxflips(7)
(228, 16)
"""

from __future__ import annotations

from math import factorial

from speedlab._impl import call
from speedlab._validate import check_int
from speedlab.spec import KernelSpec, Sizes, Variant, bad_sizes, size_input

#: The largest n accepted: 16! = 2.1e13 permutations already take hours on one
#: core, and the native rungs keep a permutation in a 16-int array.
MAX_N = 16


def checksum_maxflips(n, *, impl=None, n_threads=None):
    """Checksum and maximum flip count over all permutations of 1..``n``.

    Parameters
    ----------
    n : int
        Length of the permutations, 1 <= n <= 16. (The official programs are
        defined for n >= 1: n = 1 has one permutation and no flips. n = 0 has
        nothing to flip and indexes past an empty array in the official C, so it
        is refused.)
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``,
        ``simd``, ``parallel``, ``c``, ``rust``); None follows ``SPEEDLAB_IMPL``
        (native when built). ``simd`` and ``parallel`` run the vector path chosen
        by ``SPEEDLAB_SIMD`` (see ``speedlab._simd``).
    n_threads : int, optional
        Threads for ``impl="parallel"``; None uses every core. The result is the
        same for every thread count.

    Returns
    -------
    tuple of int
        ``(checksum, max_flips)``: flips summed with ``+`` for permutations of even
        index and ``-`` for odd ones, and the largest flip count.

    Raises
    ------
    TypeError
        ``n`` or ``n_threads`` is not an integer, or ``impl`` is not a string.
    ValueError
        ``n`` is outside 1..16, ``n_threads`` is < 1, ``n_threads`` is given for a
        variant without threads, or ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    speedlab._simd.SimdUnavailable
        ``SPEEDLAB_SIMD`` forces a vector path this CPU or build lacks
        (``simd`` and ``parallel`` only; a ``ValueError``).
    """
    n = check_int("n", n, minimum=1, maximum=MAX_N)
    return call("fannkuchredux", impl, n, n_threads=n_threads)


#: The implementations of :func:`block` (the parts of a split run).
_BLOCK = {
    "python": "speedlab.pure.fannkuchredux:block",
    "compiled": "speedlab._compiled.fannkuchredux:block",
    "native": "speedlab._native.fannkuchredux:block_native",
}


def block(n, first, last, *, impl=None):
    """Checksum and maximum flips over the permutations at positions ``first..last - 1`` only.

    One part of a split run (see :func:`split`): ``checksum_maxflips(n)`` is the
    sum of the blocks' checksums and the largest of their maxima.

    Parameters
    ----------
    n : int
        Length of the permutations, 1 <= n <= 16.
    first, last : int
        Positions in the task's order, 0 <= first <= last <= n!.
    impl : str, optional
        ``python``, ``compiled`` or ``native``; None follows ``SPEEDLAB_IMPL``.

    Returns
    -------
    tuple of int
        ``(checksum, max_flips)`` of the block (``(0, 0)`` when it is empty).

    Raises
    ------
    TypeError
        An argument is not an integer, or ``impl`` is not a string.
    ValueError
        ``n`` or the positions are out of range, or ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    """
    from speedlab.parts import choose

    n = check_int("n", n, minimum=1, maximum=MAX_N)
    first = check_int("first", first, minimum=0, maximum=factorial(n))
    last = check_int("last", last, minimum=first, maximum=factorial(n))
    return choose("fannkuchredux", impl, _BLOCK)(n, first, last)


block.impls = tuple(_BLOCK)


def split(args, parts):
    """Cut the n! permutations into ``parts`` blocks of consecutive positions.

    Exact: a permutation's position, read in factorial base, *is* the
    permutation (and its odometer state), so a block can start anywhere without
    visiting the ones before it; each permutation's flips are counted on its own,
    and its sign is the parity of its own position -- the same in a block as in
    the whole run. The checksum is an integer sum over all positions, so adding
    the blocks' sums is exact, and the maximum of the blocks' maxima is the
    maximum (the parallel rung combines its blocks the same way).

    Parameters
    ----------
    args : tuple
        ``(n,)``.
    parts : int
        1 to n! (one permutation per part at most).

    Returns
    -------
    list of tuple
        ``(n, first, last)`` per block, in order.
    """
    from speedlab.parts import check_parts, spans

    (n,) = args
    n = check_int("n", n, minimum=1, maximum=MAX_N)
    total = factorial(n)
    parts = check_parts(parts, total, "one permutation per part at most")
    return [(n, first, last) for first, last in spans(total, parts)]


def combine(results, args):
    """``(checksum, max_flips)``: the blocks' checksums added, the largest maximum."""
    return sum(c for c, _ in results), max(m for _, m in results)


def render(result, n):
    """The program's output for ``result = checksum_maxflips(n)``: checksum, then the maximum."""
    checksum, max_flips = result
    return b"%d\nPfannkuchen(%d) = %d\n" % (checksum, n, max_flips)


#: What the catalog knows about this kernel (speedlab list/run/verify/bench/explain read it).
SPEC = KernelSpec(
    name="fannkuchredux",
    summary="pancake flips over all n! permutations in the task's order; checksum and max flips",
    api="speedlab.fannkuchredux:checksum_maxflips",
    variants=(
        # pure Python needs ~0.4 s for n = 9 (362,880 permutations); bigger
        # runs are normalised per permutation (flips per permutation grow
        # slowly with n, so normalised ratios slightly favour the slow rung)
        Variant("python", "speedlab.pure.fannkuchredux:checksum_maxflips", max_n=9),
        Variant("compiled", "speedlab._compiled.fannkuchredux:checksum_maxflips", max_n=9),
        Variant("typed", "speedlab._native.fannkuchredux:checksum_maxflips_typed", max_n=10),
        Variant("native", "speedlab._native.fannkuchredux:checksum_maxflips_native"),
        Variant("simd", "speedlab._native.fannkuchredux:checksum_maxflips_simd",
                note="4/8/16 permutations side by side, one 16-byte lane each, a flip = one "
                "byte shuffle (AVX2/AVX-512 pshufb, NEON tbl; SSE2: 16 nibbles per 64-bit "
                "register), chosen at run time"),
        Variant("parallel", "speedlab._native.fannkuchredux:checksum_maxflips_parallel",
                note="blocks of permutation indices over OpenMP threads, each on the simd "
                "rung", threads=True),
        Variant("c", "speedlab._native.fannkuchredux:checksum_maxflips_c"),
        Variant("rust", "speedlab._native.fannkuchredux:checksum_maxflips_rust", feature="rust"),
    ),
    make_input=size_input,
    sizes=Sizes(test=7, quick=9, full=10, headline=12),
    unit="permutation",
    work=lambda n: float(factorial(n)),
    render=render,
    oracles={7: "fannkuchredux-7.txt"},
    # pure Python takes ~0.1 s for 8; tests/test_py checks the
    # parallel rung at sizes spanning many blocks against native
    sample_sizes=(1, 2, 3, 5, 8),
    random_input=lambda rng: (rng.randint(1, 8),),
    # 17! permutations: days of work; 0 is undefined in the official programs
    bad_inputs=bad_sizes(MAX_N, ((0,), ValueError)),
    split=split,
    combine=combine,
    part="speedlab.fannkuchredux:block",
)
