"""Mandelbrot on the typed, native and parallel rungs, plus the hand-written C ceiling.

Compiled to ``speedlab._native.mandelbrot``. Every rung computes each pixel with
the official program's arithmetic -- ``zi = 2*zr*zi + ci; zr = zr² - zi² + cr``,
which is the pure twin's complex ``z*z + c`` operation for operation -- and packs
rows as the twin does, so every rung returns the same PBM bytes:

* ``pbm_typed``    -- the ``typed`` rung: C doubles for the orbit, but the bitmap
  grows in a Python ``bytearray`` (one append per byte) and bounds/wraparound/
  division checks stay on. The per-pixel loop is already pure C arithmetic, so
  this rung takes most of the ladder's gain for this kernel.
* ``pbm_native``   -- the ``native`` rung: rows are written straight into the
  result's ``bytes`` buffer, no Python object in the loop, GIL released, in
  chunks of rows with a Ctrl-C check between them.
* ``pbm_simd``     -- the ``simd`` rung: ``native`` with each row computed
  4 x (2, 4 or 8) pixels at a time in explicit vector instructions (SSE2, AVX2
  or AVX-512; NEON on arm64), the path chosen at run time
  (``speedlab._simd``). Every lane does the scalar orbit's operations in the
  same order, so the bytes are native's on every path.
* ``pbm_parallel`` -- the ``parallel`` rung: ``simd`` with rows shared out by
  ``prange``; each row is one thread's, so the bytes are the same for any
  thread count.
* ``pbm_c``        -- the ``c`` rung: ``kernels/c/mandelbrot.c``, same flags.
* ``pbm_rust``     -- the ``rust`` reference: ``kernels/rust/src/mandelbrot.rs``, the
  same rows in safe Rust, driven by the same chunked loop as ``pbm_c``.
"""

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING
from cpython.exc cimport PyErr_CheckSignals
from cython.parallel cimport prange
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

cimport cython_compat  # bytearray.append in the typed rung (see the .pxd)
cimport omp_shim
cimport sl_mem

from speedlab._simd import path_id as simd_path_id
from speedlab.pure.mandelbrot import LIMIT_SQ, MAX_ITER, header


from rust_abi cimport RUST_BUILT, rust_check, rust_force_panic

cdef extern from "rust/speedlab_rust.h":
    int mandelbrot_rust_rows(unsigned char *bitmap, int n, int row_begin, int row_end) noexcept nogil

cdef extern from "c/mandelbrot.h":
    void mandelbrot_c_rows(unsigned char *bitmap, int n, int row_begin, int row_end) noexcept nogil

cdef extern from "simd/mandelbrot.h":
    ctypedef void (*mandelbrot_simd_row_fn)(const double *cr, double ci, int max_iter, double limit_sq,
                            unsigned char *row, int row_bytes) noexcept nogil
    const int MANDELBROT_SIMD_MAX_PIXELS
    mandelbrot_simd_row_fn mandelbrot_simd_row(int path) noexcept nogil

cdef enum:
    # Pixels computed between two checks for Ctrl-C: at ~70 ns a pixel (the
    # set's interior costs all 50 iterations), about 10 ms of native work.
    CHUNK_PIXELS = 1 << 17
    # Below this n the parallel rung runs serially. Measured on the 2-core
    # development machine (gcc 12, libgomp; best of 400 calls, 2 threads vs
    # serial): n = 4, 0.4x; n = 8, 0.8-1.3x (noise); n = 16, 1.4-1.7x;
    # n = 32, 1.8x: the whole image is one prange, ~1-2 us of overhead.
    PARALLEL_MIN_N = 16

cdef enum Engine:
    NATIVE
    SIMD
    PARALLEL
    C_REF
    RUST_REF

# The loop bounds as C constants (the twin's values, read once at import).
cdef int max_iter = MAX_ITER
cdef double limit_sq = LIMIT_SQ


# -- typed rung: C scalars, a Python bytearray, checks on ----------------------

@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
cdef bint in_set_typed(double cr, double ci):
    """True when cr + ci*i stays within |z|² <= 4 for MAX_ITER iterations."""
    cdef double zr = 0.0, zi = 0.0, tr = 0.0, ti = 0.0
    cdef int i
    for i in range(max_iter):
        zi = 2.0 * zr * zi + ci
        zr = tr - ti + cr
        tr = zr * zr
        ti = zi * zi
        if tr + ti > limit_sq:
            return False
    return True


@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
def pbm_typed(int n):
    """The whole PBM file for an n x n image: the ``typed`` rung."""
    cdef bytearray out = bytearray(header(n))
    cdef int x, y, x0
    cdef unsigned int byte
    cdef double ci
    for y in range(n):
        ci = 2.0 * y / n - 1.0
        for x0 in range(0, n, 8):
            byte = 0
            for x in range(x0, x0 + 8):
                byte <<= 1
                if x < n and in_set_typed(2.0 * x / n - 1.5, ci):
                    byte |= 1
            out.append(byte)
        PyErr_CheckSignals()
    return bytes(out)


# -- native rung: the result's own buffer, no Python objects, no GIL -----------

cdef inline bint in_set(double cr, double ci) noexcept nogil:
    """True when cr + ci*i stays within |z|² <= 4 for MAX_ITER iterations."""
    cdef double zr = 0.0, zi = 0.0, tr = 0.0, ti = 0.0
    cdef int i
    for i in range(max_iter):
        zi = 2.0 * zr * zi + ci
        zr = tr - ti + cr
        tr = zr * zr
        ti = zi * zi
        if tr + ti > limit_sq:
            return False
    return True


cdef inline void render_row(unsigned char *row, int n, int y) noexcept nogil:
    """Row y of the bitmap into ``row`` ((n + 7) // 8 bytes), MSB first, zero-padded."""
    cdef double ci = 2.0 * y / n - 1.0
    cdef int x, x0
    cdef unsigned int byte
    for x0 in range(0, n, 8):
        byte = 0
        for x in range(x0, x0 + 8):
            byte <<= 1
            if x < n and in_set(2.0 * x / n - 1.5, ci):
                byte |= 1
        row[x0 // 8] = <unsigned char>byte


cdef void rows_native(unsigned char *bitmap, int n, int begin, int end) noexcept nogil:
    """Rows begin..end-1 of the bitmap, on this thread."""
    cdef Py_ssize_t row_bytes = (n + 7) // 8
    cdef int y
    for y in range(begin, end):
        render_row(bitmap + y * row_bytes, n, y)


cdef void rows_simd(unsigned char *bitmap, int n, int begin, int end, mandelbrot_simd_row_fn row,
                    const double *cr) noexcept nogil:
    """Rows begin..end-1 on this thread, each by the vector path's ``row`` function."""
    cdef Py_ssize_t row_bytes = (n + 7) // 8
    cdef int y
    for y in range(begin, end):
        row(cr, 2.0 * y / n - 1.0, max_iter, limit_sq, bitmap + y * row_bytes, <int>row_bytes)


cdef void rows_parallel(unsigned char *bitmap, int n, int begin, int end,
                        int n_threads, mandelbrot_simd_row_fn row, const double *cr) noexcept nogil:
    """Rows begin..end-1 over ``n_threads`` threads, by ``row`` (NULL: the scalar code).

    Rows through the set's interior cost up to 50x more than rows outside it,
    so rows are handed out one at a time (dynamic schedule) to balance the load.
    """
    cdef Py_ssize_t row_bytes = (n + 7) // 8
    cdef int y
    for y in prange(begin, end, num_threads=n_threads, schedule="dynamic"):
        if row != NULL:
            row(cr, 2.0 * y / n - 1.0, max_iter, limit_sq, bitmap + y * row_bytes, <int>row_bytes)
        else:
            render_row(bitmap + y * row_bytes, n, y)


cdef double *column_reals(int n) except NULL:
    """cr for every column, as the scalar code computes it, padded to whole vector groups.

    The padding columns get cr = 4.0, which escapes on the first iteration
    (|z|² = 16 > 4), so the row's padding bits come out 0 as the format wants.
    """
    cdef Py_ssize_t padded = ((n + MANDELBROT_SIMD_MAX_PIXELS - 1) // MANDELBROT_SIMD_MAX_PIXELS
                              * MANDELBROT_SIMD_MAX_PIXELS)
    cdef double *cr = <double *>malloc(max(padded, 1) * sizeof(double))
    cdef Py_ssize_t x
    if cr == NULL:
        raise MemoryError(f"cannot allocate the column table for n={n}")
    for x in range(padded):
        cr[x] = 2.0 * x / n - 1.5 if x < n else 4.0
    return cr


cdef bytes render(int n, Engine engine, int n_threads):
    """The PBM file: header, then the bitmap in chunks of rows between Ctrl-C checks."""
    if n < 0:
        # The public function refuses this first; the guard keeps a direct call
        # of a variant from asking for a negative buffer size.
        raise ValueError(f"n must be >= 0, got {n}")
    cdef bytes head = header(n)
    cdef Py_ssize_t head_len = len(head)
    cdef Py_ssize_t row_bytes = (n + 7) // 8
    # NOTE: the bytes object is created empty and filled in place before anyone
    # else can see it (the C API's documented use of a NULL source), so the
    # bitmap is written once, with no copy out of a scratch buffer.
    cdef bytes out = sl_mem.new_output(head_len + row_bytes * n)
    cdef unsigned char *buf = <unsigned char *>PyBytes_AS_STRING(out)
    cdef unsigned char *bitmap = buf + head_len
    cdef int per_chunk, begin = 0, end
    cdef int status = 0
    memcpy(buf, PyBytes_AS_STRING(head), head_len)
    if n == 0:
        return out
    # The vector path, chosen once per process (speedlab._simd); NULL for scalar.
    cdef mandelbrot_simd_row_fn row = NULL
    cdef double *cr = NULL
    if engine == SIMD or engine == PARALLEL:
        row = mandelbrot_simd_row(simd_path_id())
        if row != NULL:
            cr = column_reals(n)
    # NOTE: a vector path is ~4-8x faster per pixel, so it takes more rows
    # between two Ctrl-C checks for the same ~10 ms.
    per_chunk = max(1, CHUNK_PIXELS * (n_threads if engine == PARALLEL else 1)
                    * (4 if row != NULL else 1) // n)
    try:
        while begin < n:
            end = min(n, begin + per_chunk)
            with nogil:
                if engine == PARALLEL:
                    rows_parallel(bitmap, n, begin, end, n_threads, row, cr)
                elif engine == C_REF:
                    mandelbrot_c_rows(bitmap, n, begin, end)
                elif engine == RUST_REF:
                    status = mandelbrot_rust_rows(bitmap, n, begin, end)
                elif row != NULL:
                    rows_simd(bitmap, n, begin, end, row, cr)
                else:
                    rows_native(bitmap, n, begin, end)
            rust_check(status, "mandelbrot")
            PyErr_CheckSignals()
            begin = end
    finally:
        free(cr)
    return out


def pbm_native(int n):
    """The whole PBM file for an n x n image: the ``native`` rung."""
    return render(n, NATIVE, 1)


def pbm_simd(int n):
    """The whole PBM file, rows in vector instructions: the ``simd`` rung.

    Raises ``speedlab._simd.SimdUnavailable`` when ``SPEEDLAB_SIMD`` forces a
    path this CPU lacks (before any vector instruction runs).
    """
    return render(n, SIMD, 1)


def pbm_parallel(int n, n_threads=None):
    """The ``parallel`` rung: ``simd`` over ``n_threads`` threads (None: all cores).

    Serial below ``n = PARALLEL_MIN_N``; the bytes are the same for every thread count.
    """
    cdef int threads = omp_shim.omp_get_max_threads() if n_threads is None else n_threads
    if threads < 1:
        raise ValueError(f"n_threads must be >= 1, got {threads}")
    if threads == 1 or n < PARALLEL_MIN_N:
        return render(n, SIMD, 1)
    return render(n, PARALLEL, threads)


def pbm_c(int n):
    """The whole PBM file computed by the hand-written C rows: the ``c`` rung."""
    return render(n, C_REF, 1)


def pbm_rust(int n):
    """The whole PBM file computed by the Rust rows: the ``rust`` reference."""
    return render(n, RUST_REF, 1)


def _rust_panic(int how):
    """Test only: force a panic inside the rust boundary of this module (see rust_abi.pxd)."""
    rust_force_panic(how, "mandelbrot")


if not RUST_BUILT:
    # Built without Rust: the variant reports the build's reason (speedlab info).
    del pbm_rust, _rust_panic


# -- a band of rows: one part of a split (speedlab.mandelbrot.rows) -----------

cdef bytes band(int n, int begin, int end, bint vector):
    """Rows begin..end-1 of the n x n bitmap, without the header, by the rows of ``render``.

    ``vector``: the ``simd`` rung's row function on this process's path (the
    scalar rows when the path is scalar), else ``render_row`` (``native``). Each
    row has the bytes it has in the whole image; GIL released, Ctrl-C checked
    between chunks of rows.
    """
    if n < 0 or begin < 0 or end < begin or end > n:
        raise ValueError(f"rows {begin}..{end} are not within an image of {n} rows")
    cdef Py_ssize_t row_bytes = (n + 7) // 8
    cdef bytes out = sl_mem.new_output(row_bytes * (end - begin))
    cdef unsigned char *rows = <unsigned char *>PyBytes_AS_STRING(out)
    cdef mandelbrot_simd_row_fn row = NULL
    cdef double *cr = NULL
    cdef int per_chunk, y = begin, stop, r
    if n == 0 or end == begin:
        return out
    if vector:
        row = mandelbrot_simd_row(simd_path_id())
        if row != NULL:
            cr = column_reals(n)
    per_chunk = max(1, CHUNK_PIXELS * (4 if row != NULL else 1) // n)  # ~10 ms, as in render
    try:
        while y < end:
            stop = min(end, y + per_chunk)
            with nogil:
                for r in range(y, stop):
                    if row != NULL:
                        row(cr, 2.0 * r / n - 1.0, max_iter, limit_sq, rows + (r - begin) * row_bytes,
                            <int>row_bytes)
                    else:
                        render_row(rows + (r - begin) * row_bytes, n, r)
            PyErr_CheckSignals()
            y = stop
    finally:
        free(cr)
    return out


def band_native(int n, int begin, int end):
    """Rows begin..end-1 of the bitmap, without the header: the ``native`` rung's rows."""
    return band(n, begin, end, False)


def band_simd(int n, int begin, int end):
    """Rows begin..end-1 of the bitmap, without the header: the ``simd`` rung's rows."""
    return band(n, begin, end, True)
