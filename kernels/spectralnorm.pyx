"""Spectral norm on the typed, native, simd and parallel rungs, plus the hand-written C ceiling.

Compiled to ``speedlab._native.spectralnorm``. The algorithm and operation order
are those of the pure twin (``speedlab/pure/spectralnorm.py``): every product
entry is a left-to-right sum of ``A(i, j) * u[j]``, so every rung returns the
same bits (and the twin too, on CPython <= 3.11; see its NOTE on ``sum``).
The compiled rungs compute several rows of a product at once (two in
``a_row_pair``, one per vector lane in ``simd``); each row keeps the twin's
order, so the bits do not change:

* ``norm_typed``    -- the ``typed`` rung: C integers and doubles for every scalar,
  but the vectors stay Python lists (each read unboxes a float, each row's result
  is boxed into a new one) and bounds/wraparound/division checks stay on.
* ``norm_native``   -- the ``native`` rung: the vectors are malloc'd C arrays, the
  products touch no Python object and run without the GIL, in chunks of rows
  with a Ctrl-C check between them. Diffed against ``typed``: memory discipline.
* ``norm_simd``     -- the ``simd`` rung: ``native`` with each product's rows
  computed in explicit vector instructions (``kernels/simd/spectralnorm_body.h``),
  one row per lane, 2 vectors of 2, 4 or 8 rows (SSE2 or NEON, AVX2, AVX-512)
  at a time, the path chosen at run time (``speedlab._simd``). Each lane sums
  its row left to right, with the entries' denominators kept as exact doubles
  and stepped by addition, so the result is native's bits on every path.
* ``norm_parallel`` -- the ``parallel`` rung: ``simd`` with each product's rows
  (blocks of 16 rows) shared out by ``prange``. Each row is still summed by one
  lane of one thread in index order, so the result is identical for every
  thread count.
* ``norm_c``        -- the ``c`` rung: ``kernels/c/spectralnorm.c``, same flags.
* ``norm_rust``     -- the ``rust`` reference: ``kernels/rust/src/spectralnorm.rs``,
  the same products in safe Rust, driven by the same chunked loop as ``norm_c``.
"""

cimport cython
from cpython.exc cimport PyErr_CheckSignals
from cython.parallel cimport prange
from libc.math cimport sqrt
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy
from cpython cimport array

import array

cimport omp_shim
from rust_abi cimport RUST_BUILT, rust_check, rust_force_panic

from speedlab._simd import path_id as simd_path_id
from speedlab.pure.spectralnorm import ROUNDS


cdef extern from "c/spectralnorm.h":
    void spectralnorm_c_a_times_u(const double *u, double *v, long long n,
                                  long long row_begin, long long row_end) noexcept nogil
    void spectralnorm_c_at_times_u(const double *u, double *v, long long n,
                                   long long row_begin, long long row_end) noexcept nogil
    double spectralnorm_c_result(const double *u, const double *v, long long n) noexcept nogil

cdef extern from "rust/speedlab_rust.h":
    int spectralnorm_rust_times_u(const double *u, double *v, long long n, long long row_begin,
                                  long long row_end, int transpose) noexcept nogil
    int spectralnorm_rust_result(const double *u, const double *v, long long n, double *out) noexcept nogil

cdef extern from "simd/spectralnorm.h":
    ctypedef void (*spectralnorm_simd_rows_fn)(const double *u, double *v, long long n,
                                               long long begin, long long end, int transpose) noexcept nogil
    const int SPECTRALNORM_SIMD_MAX_ROWS
    spectralnorm_simd_rows_fn spectralnorm_simd_rows(int path) noexcept nogil

cdef enum:
    # Terms A(i, j) * u[j] computed between two checks for Ctrl-C: at ~0.7 ns
    # a term, about 6 ms of native work per chunk of rows.
    CHUNK_TERMS = 1 << 23
    # Below this n the parallel rung runs serially. Measured on the 2-core
    # development machine (gcc 12, libgomp; best of 400 calls, 2 threads vs
    # serial; each call is 40 products, so 40 prange regions at ~1-3 us).
    # On the native code: n = 48, 0.84x; 64, 1.07x; 80, 1.25x; 100, 1.37x.
    # On the AVX-512 path, ~2.5x less work a term, the threads pay later
    # (load average 12): n = 96, 0.70x; 128, 0.93x; 144, 0.98x; 160, 1.11x.
    PARALLEL_MIN_N = 160

cdef enum Engine:
    NATIVE
    SIMD
    PARALLEL
    C_REF
    RUST_REF


# -- typed rung: C scalars, Python lists, checks on ----------------------------

@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
cdef double eval_A_typed(long long i, long long j) except? -1.0:
    """Entry (i, j) of A, with Python's division checks."""
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
cdef list times_u_typed(list u, bint transpose):
    """A·u (or Aᵀ·u) of a list of floats, as a new list, rows two at a time like ``native``.

    Each entry read from ``u`` is unboxed and each row's sum boxed into a new float.
    """
    cdef Py_ssize_t n = len(u)
    cdef long long i = 0, j
    cdef double s0, s1, uj
    cdef list v = []
    while i < n:
        s0 = 0.0
        s1 = 0.0
        if i + 1 == n:
            for j in range(n):
                s0 += (eval_A_typed(j, i) if transpose else eval_A_typed(i, j)) * <double>u[j]
            v.append(s0)
        else:
            for j in range(n):
                uj = u[j]
                if transpose:
                    s0 += eval_A_typed(j, i) * uj
                    s1 += eval_A_typed(j, i + 1) * uj
                else:
                    s0 += eval_A_typed(i, j) * uj
                    s1 += eval_A_typed(i + 1, j) * uj
            v.append(s0)
            v.append(s1)
        i += 2
        PyErr_CheckSignals()
    return v


@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
def norm_typed(long long n):
    """The spectral norm estimate for the n x n section of A: the ``typed`` rung."""
    cdef list u = [1.0] * n
    cdef list v
    cdef double vbv = 0.0, vv = 0.0
    cdef Py_ssize_t i
    for _ in range(ROUNDS):
        v = times_u_typed(times_u_typed(u, False), True)
        u = times_u_typed(times_u_typed(v, False), True)
    for i in range(n):
        vbv += <double>u[i] * <double>v[i]
        vv += <double>v[i] * <double>v[i]
    return sqrt(vbv / vv)


# -- native rung: C arrays, no Python objects, no GIL --------------------------

cdef inline double eval_A(long long i, long long j) noexcept nogil:
    """Entry (i, j) of A (64-bit integers: (i + j)(i + j + 1) passes 2^31 for n > 32768)."""
    return 1.0 / <double>((i + j) * (i + j + 1) // 2 + i + 1)


cdef inline double a_row(const double *u, long long n, long long i) noexcept nogil:
    """Entry i of A·u, summed left to right."""
    cdef double s = 0.0
    cdef long long j
    for j in range(n):
        s += eval_A(i, j) * u[j]
    return s


cdef inline double at_row(const double *u, long long n, long long i) noexcept nogil:
    """Entry i of Aᵀ·u, summed left to right."""
    cdef double s = 0.0
    cdef long long j
    for j in range(n):
        s += eval_A(j, i) * u[j]
    return s


# NOTE: rows are computed two at a time (here, in the parallel and typed rungs
# and in the C rung alike). Each row is still one left-to-right sum, so the
# result is unchanged, but the two independent sums hide the latency of the
# additions and let the C compiler issue both rows' divisions as one SSE2
# divpd: 1.25 -> 0.71 ns a term (1.7x) on the development machine.
cdef inline void a_row_pair(const double *u, double *v, long long n, long long i) noexcept nogil:
    """Entries i and i + 1 of A·u into v[i], v[i + 1]."""
    cdef double s0 = 0.0, s1 = 0.0
    cdef long long j
    for j in range(n):
        s0 += eval_A(i, j) * u[j]
        s1 += eval_A(i + 1, j) * u[j]
    v[i] = s0
    v[i + 1] = s1


cdef inline void at_row_pair(const double *u, double *v, long long n, long long i) noexcept nogil:
    """Entries i and i + 1 of Aᵀ·u into v[i], v[i + 1]."""
    cdef double s0 = 0.0, s1 = 0.0
    cdef long long j
    for j in range(n):
        s0 += eval_A(j, i) * u[j]
        s1 += eval_A(j, i + 1) * u[j]
    v[i] = s0
    v[i + 1] = s1


cdef void rows_native(const double *u, double *v, long long n, long long begin,
                      long long end, bint transpose) noexcept nogil:
    """Rows begin..end-1 of A·u (or Aᵀ·u) into v, two at a time, on this thread."""
    cdef long long i = begin
    while i + 1 < end:
        if transpose:
            at_row_pair(u, v, n, i)
        else:
            a_row_pair(u, v, n, i)
        i += 2
    if i < end:
        v[i] = at_row(u, n, i) if transpose else a_row(u, n, i)


cdef void rows_parallel(const double *u, double *v, long long n, long long begin,
                        long long end, bint transpose, int n_threads,
                        spectralnorm_simd_rows_fn rows) noexcept nogil:
    """Rows begin..end-1 over ``n_threads`` threads (equal cost: static schedule).

    With a vector path (``rows`` not NULL) the threads share blocks of
    SPECTRALNORM_SIMD_MAX_ROWS rows, a whole number of every path's groups;
    without one (scalar), pairs of rows of the native code. Which thread sums
    a row never changes its bits.
    """
    cdef long long p, pairs = (end - begin) // 2
    cdef long long last = begin + 2 * pairs
    cdef long long block = SPECTRALNORM_SIMD_MAX_ROWS
    cdef long long blocks = (end - begin + block - 1) // block
    if rows != NULL:
        for p in prange(blocks, num_threads=n_threads, schedule="static"):
            rows(u, v, n, begin + p * block, min(end, begin + (p + 1) * block), transpose)
        return
    if transpose:
        for p in prange(pairs, num_threads=n_threads, schedule="static"):
            at_row_pair(u, v, n, begin + 2 * p)
    else:
        for p in prange(pairs, num_threads=n_threads, schedule="static"):
            a_row_pair(u, v, n, begin + 2 * p)
    if last < end:
        v[last] = at_row(u, n, last) if transpose else a_row(u, n, last)


cdef double result_native(const double *u, const double *v, long long n) noexcept nogil:
    """sqrt(u·v / v·v), each dot product summed left to right."""
    cdef double vbv = 0.0, vv = 0.0
    cdef long long i
    for i in range(n):
        vbv += u[i] * v[i]
        vv += v[i] * v[i]
    return sqrt(vbv / vv)


cdef int product(const double *u, double *v, long long n, bint transpose,
                 Engine engine, int n_threads, spectralnorm_simd_rows_fn rows) except -1:
    """v = A·u (or Aᵀ·u) in chunks of rows, without the GIL, checking Ctrl-C between chunks.

    ``rows`` is the vector path's row function (NULL: scalar native code) for
    the SIMD and PARALLEL engines.
    """
    # NOTE: a vector path is ~2-2.5x faster per term, so it takes twice the rows
    # between two Ctrl-C checks for about the same time; chunks are whole blocks
    # of SPECTRALNORM_SIMD_MAX_ROWS so that only a product's last rows can form
    # a partial vector group.
    cdef long long per_chunk = (CHUNK_TERMS * (n_threads if engine == PARALLEL else 1)
                                * (2 if rows != NULL else 1) // n)
    cdef long long begin = 0, end
    cdef int status = 0
    cdef long long block = SPECTRALNORM_SIMD_MAX_ROWS
    per_chunk = (per_chunk + block - 1) // block * block
    if per_chunk < block:
        per_chunk = block
    while begin < n:
        end = min(n, begin + per_chunk)
        with nogil:
            if engine == RUST_REF:
                status = spectralnorm_rust_times_u(u, v, n, begin, end, transpose)
            elif engine == PARALLEL:
                rows_parallel(u, v, n, begin, end, transpose, n_threads, rows)
            elif engine == C_REF and transpose:
                spectralnorm_c_at_times_u(u, v, n, begin, end)
            elif engine == C_REF:
                spectralnorm_c_a_times_u(u, v, n, begin, end)
            elif engine == SIMD and rows != NULL:
                rows(u, v, n, begin, end, transpose)
            else:
                rows_native(u, v, n, begin, end, transpose)
        rust_check(status, "spectralnorm")
        PyErr_CheckSignals()
        begin = end
    return 0


cdef double power_method(long long n, Engine engine, int n_threads) except -1.0:
    """Ten rounds of v = AᵀA u, u = AᵀA v from u = 1, then sqrt(u·v / v·v)."""
    cdef double *u = NULL
    cdef double *v = NULL
    cdef double *w = NULL  # scratch: A·u, the first half of AᵀA·u
    cdef double result
    cdef long long i
    cdef int r
    # The vector path, chosen once per process (speedlab._simd); NULL for scalar.
    cdef spectralnorm_simd_rows_fn rows = NULL
    if n < 1:
        # The public function refuses this first; the guard keeps a direct call
        # of a variant from dividing by zero in C (chunk size, 0/0 result).
        raise ValueError(f"n must be >= 1, got {n}")
    if engine == SIMD or engine == PARALLEL:
        rows = spectralnorm_simd_rows(simd_path_id())
    try:
        u = <double *>malloc(n * sizeof(double))
        v = <double *>malloc(n * sizeof(double))
        w = <double *>malloc(n * sizeof(double))
        if u == NULL or v == NULL or w == NULL:
            raise MemoryError(f"spectralnorm: cannot allocate 3 vectors of {n:,} doubles")
        for i in range(n):
            u[i] = 1.0
        for r in range(ROUNDS):
            product(u, w, n, False, engine, n_threads, rows)
            product(w, v, n, True, engine, n_threads, rows)
            product(v, w, n, False, engine, n_threads, rows)
            product(w, u, n, True, engine, n_threads, rows)
        if engine == C_REF:
            return spectralnorm_c_result(u, v, n)
        if engine == RUST_REF:
            rust_check(spectralnorm_rust_result(u, v, n, &result), "spectralnorm")
            return result
        return result_native(u, v, n)
    finally:
        free(u)
        free(v)
        free(w)


def norm_native(long long n):
    """The spectral norm estimate for the n x n section of A: the ``native`` rung."""
    return power_method(n, NATIVE, 1)


def norm_simd(long long n):
    """The spectral norm estimate, products in vector instructions: the ``simd`` rung.

    Raises ``speedlab._simd.SimdUnavailable`` when ``SPEEDLAB_SIMD`` forces a
    path this CPU lacks (before any vector instruction runs).
    """
    return power_method(n, SIMD, 1)


def norm_parallel(long long n, n_threads=None):
    """The ``parallel`` rung: ``simd`` over ``n_threads`` threads (None: all cores).

    Serial below ``n = PARALLEL_MIN_N`` (threads cost more than they save there);
    the result is the same for every thread count.
    """
    cdef int threads = omp_shim.omp_get_max_threads() if n_threads is None else n_threads
    if threads < 1:
        raise ValueError(f"n_threads must be >= 1, got {threads}")
    if threads == 1 or n < PARALLEL_MIN_N:
        return power_method(n, SIMD, 1)
    return power_method(n, PARALLEL, threads)


def norm_c(long long n):
    """The spectral norm estimate computed by the hand-written C products: the ``c`` rung."""
    return power_method(n, C_REF, 1)


def norm_rust(long long n):
    """The spectral norm estimate computed by the Rust products: the ``rust`` reference."""
    return power_method(n, RUST_REF, 1)


def _rust_panic(int how):
    """Test only: force a panic inside the rust boundary of this module (see rust_abi.pxd)."""
    rust_force_panic(how, "spectralnorm")


if not RUST_BUILT:
    # Built without Rust: the variant reports the build's reason (speedlab info).
    del norm_rust, _rust_panic


# -- rows of one product: one part of a split ----------------------------------

def product_rows_native(const double[::1] u, long long begin, long long end, bint transpose):
    """Entries begin..end-1 of A·u (or Aᵀ·u), as an ``array('d')``: the ``native`` rows.

    The same ``rows_native`` as ``norm_native`` (pairs of rows, each summed left
    to right), so each entry has the bits it has in the whole product. The rows
    are written into an n-entry scratch vector and the block copied out.
    """
    cdef long long n = u.shape[0], lo, hi, per_chunk
    if n < 1 or begin < 0 or end < begin or end > n:
        raise ValueError(f"rows {begin}..{end} are not within a product of {n} rows")
    cdef array.array out = array.clone(array.array("d"), end - begin, zero=False)
    cdef double *v = <double *>malloc(n * sizeof(double))
    if v == NULL:
        raise MemoryError(f"spectralnorm: cannot allocate a vector of {n:,} doubles")
    per_chunk = max(1, CHUNK_TERMS // n)
    try:
        lo = begin
        while lo < end:
            hi = min(end, lo + per_chunk)
            with nogil:
                rows_native(&u[0], v, n, lo, hi, transpose)
            PyErr_CheckSignals()
            lo = hi
        if end > begin:
            memcpy(out.data.as_doubles, v + begin, (end - begin) * sizeof(double))
    finally:
        free(v)
    return out
