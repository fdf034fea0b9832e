"""Spectral norm: the largest singular value of A(i, j) = 1 / ((i+j)(i+j+1)/2 + i + 1).

The Computer Language Benchmarks Game ``spectralnorm`` program: ten rounds of the
power method on AᵀA from u = (1, ..., 1), then ``sqrt(u·v / v·v)``, printed with
``%.9f``. Each of the 40 matrix-vector products evaluates all n² entries of A
again (nothing is stored), so the work is 40 n² terms ``A(i, j) * u[j]``: a pure
arithmetic kernel, division-bound in C, interpreter-bound in Python. The ``simd``
rung computes one row per vector lane (2, 4 or 8 divisions per instruction; on
AVX-512 each reciprocal is an estimate refined by three Newton steps of fused
multiply-adds, correctly rounded, instead of a division), each row still summed
left to right, so its result is native's to the last bit. The
products' rows are independent, so the ``parallel`` rung shares them out over
threads, on the ``simd`` rung's vector rows.

>>> from speedlab import spectralnorm
>>> "%.9f" % spectralnorm.norm(100)
'1.274219991'
"""

from __future__ import annotations

import math

from speedlab._impl import call
from speedlab._validate import check_int
from speedlab.pure.spectralnorm import ROUNDS
from speedlab.spec import KernelSpec, Sizes, Variant, bad_sizes, floats, size_input

#: The largest n accepted. The work grows as 40 n²: n = 100,000 is 4e11 terms,
#: about 330 times the headline n = 5,500 and several minutes of native work on
#: one core; beyond it a call is an accident, not a measurement. (Memory is only
#: three vectors of n doubles, and 64-bit index arithmetic stays exact far past it.)
MAX_N = 100_000


def norm(n, *, impl=None, n_threads=None):
    """The spectral norm estimate of the n x n section of A.

    Parameters
    ----------
    n : int
        Size of the matrix section, 1 <= n <= 100,000.
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``,
        ``simd``, ``parallel``, ``numpy``, ``c``, ``rust``); None follows
        ``SPEEDLAB_IMPL`` (native when built).
    n_threads : int, optional
        Threads for ``impl="parallel"`` (None: all cores). The result is the
        same for every thread count.

    Returns
    -------
    float
        ``sqrt(u·v / v·v)`` after ten power-method rounds; the program prints it
        with ``%.9f``.

    Raises
    ------
    TypeError
        ``n`` or ``n_threads`` is not an integer, or ``impl`` is not a string.
    ValueError
        ``n`` is below 1 (an empty matrix has no norm) or above 100,000;
        ``n_threads`` is below 1, or given for a variant without threads;
        ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    speedlab._simd.SimdUnavailable
        ``impl="simd"`` or ``"parallel"`` while ``SPEEDLAB_SIMD`` forces a
        path this CPU lacks.
    """
    n = check_int("n", n, minimum=1, maximum=MAX_N)
    return call("spectralnorm", impl, n, n_threads=n_threads)


#: The implementations of :func:`product_rows` (the parts of a split run).
_ROWS = {
    "python": "speedlab.pure.spectralnorm:product_rows",
    "compiled": "speedlab._compiled.spectralnorm:product_rows",
    "native": "speedlab._native.spectralnorm:product_rows_native",
}


def product_rows(u, begin, end, transpose=False, *, impl=None):
    """Entries ``begin``..``end - 1`` of A·u (or Aᵀ·u): a block of rows of one product.

    One part of one round of a split run (see :func:`split`).

    Parameters
    ----------
    u : buffer of float64
        The vector (``array('d')``, a NumPy float64 array, ...; C-contiguous),
        1 to 100,000 entries; its length is n.
    begin, end : int
        The rows, 0 <= begin <= end <= n.
    transpose : bool
        False for A·u, True for Aᵀ·u.
    impl : str, optional
        ``python``, ``compiled`` or ``native``; None follows ``SPEEDLAB_IMPL``.

    Returns
    -------
    array.array
        ``end - begin`` doubles (typecode ``"d"``).

    Raises
    ------
    TypeError
        ``u`` is not a buffer of doubles, ``begin``/``end`` are not integers,
        ``transpose`` is not a bool, or ``impl`` is not a string.
    ValueError
        ``u`` is empty, too long or not C-contiguous; the rows are out of range;
        ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    """
    from array import array

    from speedlab.parts import choose

    if isinstance(u, (str, bytes)):
        raise TypeError(f"u must be a buffer of float64 (array('d'), a NumPy array), not {type(u).__name__}")
    try:
        view = memoryview(u)
    except TypeError:
        raise TypeError(f"u must be a buffer of float64 (array('d'), a NumPy array), not {type(u).__name__}") from None
    if view.format not in ("d", "<d", "=d") or view.ndim != 1:
        raise TypeError(f"u must be a one-dimensional buffer of float64, got format {view.format!r} "
                        f"with {view.ndim} dimension(s)")
    if not view.c_contiguous:
        raise ValueError("u must be a C-contiguous buffer (got a strided view); copy it first")
    n = check_int("len(u)", len(view), minimum=1, maximum=MAX_N)
    begin = check_int("begin", begin, minimum=0, maximum=n)
    end = check_int("end", end, minimum=begin, maximum=n)
    if not isinstance(transpose, bool):
        raise TypeError(f"transpose must be a bool, not {type(transpose).__name__}")
    fn = choose("spectralnorm", impl, _ROWS)
    if fn.__module__.startswith("speedlab._native."):
        return fn(view, begin, end, transpose)
    return array("d", fn(view.tolist(), begin, end, transpose))


product_rows.impls = tuple(_ROWS)

#: The four products of one power-method round, in the native rung's order:
#: w = A·u, v = Aᵀ·w, w = A·v, u = Aᵀ·w (``transpose`` of each).
_PRODUCTS = (False, True, False, True)


def split(args, parts):
    """Run the power method as 40 rounds, each product's rows cut into ``parts`` blocks.

    A product needs the whole vector of the product before it, so each of the
    40 matrix-vector products (10 power-method rounds of w = A·u, v = Aᵀ·w,
    w = A·v, u = Aᵀ·w) is one map round: the parts compute blocks of its rows
    from the whole input vector, and :func:`combine` joins them into the next
    round's vector (returning :class:`speedlab.spec.Round` until the last).
    Exact: each entry is one left-to-right sum of ``A(i, j) * u[j]`` computed
    by the native rung's own row functions, independent of the other rows, so a
    block holds the bits the whole product holds there; the final
    ``sqrt(u·v / v·v)`` is summed left to right in IEEE doubles as
    ``result_native`` does, so the result is the native rung's to the bit.

    Parameters
    ----------
    args : tuple
        ``(n,)``.
    parts : int
        1 to n (one row per part at most).

    Returns
    -------
    list of tuple
        The first round's ``(u, begin, end, transpose)`` per block.
    """
    from array import array

    from speedlab.parts import check_parts

    (n,) = args
    n = check_int("n", n, minimum=1, maximum=MAX_N)
    parts = check_parts(parts, n, "one row per part at most")
    return _round(array("d", [1.0]) * n, parts, 0)


def _round(vector, parts, index):
    from speedlab.parts import spans

    return [(vector, begin, end, _PRODUCTS[index % 4]) for begin, end in spans(len(vector), parts)]


def combine(results, args):
    """Join a product's blocks; start the next product, or finish (see :func:`split`)."""
    from array import array

    from speedlab.spec import Round

    if len(args) == 1:  # the first round: args is the kernel's (n,)
        state = {"index": 0, "parts": len(results), "u": None, "v": None}
    else:
        state = dict(args[1])
    vector = array("d")
    for block in results:
        vector.extend(block)
    index = state["index"]
    if index % 4 == 1:
        state["v"] = vector  # v = AᵀA·u
    elif index % 4 == 3:
        state["u"] = vector  # u = AᵀA·v
    state["index"] = index = index + 1
    if index < 4 * ROUNDS:
        return Round(_round(vector, state["parts"], index), ("state", state))
    u, v = state["u"], state["v"]
    vbv = vv = 0.0
    for ui, vi in zip(u, v):  # left to right, as result_native sums
        vbv += ui * vi
        vv += vi * vi
    return math.sqrt(vbv / vv)


def render(result, n):
    """The program's output for ``result = norm(n)``: one ``%.9f`` line."""
    return b"%.9f\n" % result


def _spectralnorm_terms(n):
    # 10 rounds x 2 AᵀA products x 2 matrix-vector products x n² terms A(i,j)*u[j]
    return 40.0 * n * n


def _spectralnorm_random(rng):
    # n >= 1 (an empty matrix has no norm); 60 keeps the pure twin under ~50 ms.
    return (rng.randint(1, 60),)


#: What the catalog knows about this kernel (speedlab list/run/verify/bench/explain read it).
SPEC = KernelSpec(
    name="spectralnorm",
    summary="spectral norm of an infinite matrix by ten power-method rounds on AᵀA",
    api="speedlab.spectralnorm:norm",
    variants=(
        # pure Python takes ~0.12 s at n = 200 (1.6 million terms at ~76 ns);
        # bigger runs are normalised per matrix element
        Variant("python", "speedlab.pure.spectralnorm:norm", max_n=200),
        Variant("compiled", "speedlab._compiled.spectralnorm:norm", max_n=200),
        Variant("typed", "speedlab._native.spectralnorm:norm_typed", max_n=1000),
        Variant("native", "speedlab._native.spectralnorm:norm_native"),
        Variant("simd", "speedlab._native.spectralnorm:norm_simd",
                note="one row per lane, 2 vectors of 2/4/8 rows (SSE2/AVX2/AVX-512, NEON), "
                     "chosen at run time; AVX-512 reciprocals by estimate + 3 FMA Newton steps "
                     "(correctly rounded); each row summed in order: native's bits"),
        Variant("parallel", "speedlab._native.spectralnorm:norm_parallel", threads=True),
        # the matrix is stored: 8 n² bytes, 32 MB at n = 2,000
        Variant("numpy", "speedlab.vectorized.spectralnorm:norm", max_n=2000),
        Variant("c", "speedlab._native.spectralnorm:norm_c"),
        Variant("rust", "speedlab._native.spectralnorm:norm_rust", feature="rust"),
    ),
    make_input=size_input,
    sizes=Sizes(test=100, quick=1000, full=3000, headline=5500),
    unit="matrix element",
    work=_spectralnorm_terms,
    render=render,
    # The compiled rungs (simd's lanes and parallel's threads too) sum each
    # row in the twin's order and agree to the bit; numpy's BLAS products sum
    # in blocks and differ by ~2e-16.
    compare=floats(abs_tol=1e-12),
    oracles={2: "spectralnorm-2.txt", 100: "spectralnorm-100.txt"},
    # Both sides of the parallel rung's serial threshold (160), odd sizes.
    sample_sizes=(1, 2, 3, 17, 159, 160, 161),
    random_input=_spectralnorm_random,
    # n > 100,000: 4e11 terms, minutes to hours of work; 0: an empty matrix has no norm
    bad_inputs=bad_sizes(MAX_N, ((0,), ValueError)),
    split=split,
    combine=combine,
    part="speedlab.spectralnorm:product_rows",
)
