"""Spectral norm: the largest singular value of A(i, j) = 1 / ((i+j)(i+j+1)/2 + i + 1).

The Computer Language Benchmarks Game ``spectralnorm`` program: ten rounds of the
power method on AᵀA from u = (1, ..., 1), then ``sqrt(u·v / v·v)``, printed with
``%.9f``. Each of the 40 matrix-vector products evaluates all n² entries of A
again (nothing is stored), so the work is 40 n² terms ``A(i, j) * u[j]``: a pure
arithmetic kernel, division-bound in C, interpreter-bound in Python. The ``simd``
rung computes one row per vector lane (2, 4 or 8 divisions per instruction), each
row still summed left to right, so its result is native's to the last bit. The
products' rows are independent, so the ``parallel`` rung shares them out over
threads, on the ``simd`` rung's vector rows.

>>> from speedlab import spectralnorm
>>> "%.9f" % spectralnorm.norm(100)
'1.274219991'
"""

from __future__ import annotations

from speedlab._impl import call
from speedlab._validate import check_int
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
        # pure Python takes ~0.25-0.3 s at n = 200 (1.6 million terms at 150-200 ns);
        # bigger runs are normalised per matrix element
        Variant("python", "speedlab.pure.spectralnorm:norm", max_n=200),
        Variant("compiled", "speedlab._compiled.spectralnorm:norm", max_n=200),
        Variant("typed", "speedlab._native.spectralnorm:norm_typed", max_n=1000),
        Variant("native", "speedlab._native.spectralnorm:norm_native"),
        Variant("simd", "speedlab._native.spectralnorm:norm_simd",
                note="one row per lane, 2 vectors of 2/4/8 rows (SSE2/AVX2/AVX-512, NEON), "
                     "chosen at run time; each row summed in order: native's bits"),
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
)
