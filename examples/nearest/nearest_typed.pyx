"""nearest, typed in a .pyx file: the typed, native and parallel rungs.

Each rung differs from the one before by one idea:

* ``nearest_typed``    C doubles for the arithmetic, but the points stay a Python
  list of tuples (unpacked on every access) and the checks are on;
* ``nearest_native``   memory discipline: the points copied once into a C array
  of doubles, the O(n^2) loop over it with the GIL released (taken back between
  blocks of rows to check for Ctrl-C);
* ``nearest_parallel`` the native loop with its rows shared out by ``prange``:
  each row is independent, so every thread count gives the same answer.
"""

cimport cython
from cpython.exc cimport PyErr_CheckSignals
from cython.parallel cimport prange
from libc.math cimport INFINITY, sqrt
from libc.stdlib cimport free, malloc

cimport omp_shim

#: Rows of the all-pairs loop between two checks for Ctrl-C: with n = 20,000 a
#: block of 64 rows is 1.3 M pairs, ~2-5 ms.
cdef Py_ssize_t BLOCK_ROWS = 64
#: Below this many points the parallel rung runs serially: one row of 256 points is
#: 65 k pairs (~50 us), far above a prange's ~2 us start-up.
cdef Py_ssize_t PARALLEL_MIN = 256


@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
def nearest_typed(list points):
    """Nearest-neighbour distances: C doubles, Python list of tuples, checks on."""
    cdef Py_ssize_t i, j, n = len(points)
    cdef double xi, yi, zi, dx, dy, dz, d2, best
    result = []
    for i in range(n):
        xi, yi, zi = points[i]
        best = INFINITY
        for j in range(n):
            if j != i:
                q = points[j]
                dx = xi - <double>q[0]
                dy = yi - <double>q[1]
                dz = zi - <double>q[2]
                d2 = dx * dx + dy * dy + dz * dz
                if d2 < best:
                    best = d2
        result.append(sqrt(best))
    return result


cdef double *_to_c(list points, Py_ssize_t n) except NULL:
    """The points as a C array x0 y0 z0 x1 ... (the caller frees it)."""
    cdef double *xyz = <double *>malloc(3 * max(n, 1) * sizeof(double))
    cdef Py_ssize_t i
    if xyz == NULL:
        raise MemoryError(f"cannot allocate {n} points")
    try:
        for i in range(n):
            xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2] = points[i]
    except BaseException:
        free(xyz)
        raise
    return xyz


cdef void _rows(const double *xyz, Py_ssize_t n, Py_ssize_t i, double *out) noexcept nogil:
    """``out[i]`` = the distance from point ``i`` to its nearest other point."""
    cdef Py_ssize_t j
    cdef double dx, dy, dz, d2, best = INFINITY
    for j in range(n):
        if j != i:
            dx = xyz[3 * i] - xyz[3 * j]
            dy = xyz[3 * i + 1] - xyz[3 * j + 1]
            dz = xyz[3 * i + 2] - xyz[3 * j + 2]
            d2 = dx * dx + dy * dy + dz * dz
            if d2 < best:
                best = d2
    out[i] = sqrt(best)


def nearest_native(list points):
    """Nearest-neighbour distances: a C array of points, no GIL in the loop."""
    cdef Py_ssize_t i, first, n = len(points)
    cdef double *xyz = _to_c(points, n)
    cdef double *out = <double *>malloc(max(n, 1) * sizeof(double))
    try:
        if out == NULL:
            raise MemoryError(f"cannot allocate {n} distances")
        for first in range(0, n, BLOCK_ROWS):
            with nogil:
                for i in range(first, min(first + BLOCK_ROWS, n)):
                    _rows(xyz, n, i, out)
            PyErr_CheckSignals()
        return [out[i] for i in range(n)]
    finally:
        free(xyz)
        free(out)


def nearest_parallel(list points, n_threads=None):
    """Nearest-neighbour distances on ``n_threads`` threads (None: all cores)."""
    cdef Py_ssize_t i, first, last, n = len(points)
    cdef int threads = omp_shim.omp_get_max_threads() if n_threads is None else n_threads
    if n < PARALLEL_MIN:
        return nearest_native(points)
    cdef Py_ssize_t block = BLOCK_ROWS * threads  # each thread gets a block's worth per check
    cdef double *xyz = _to_c(points, n)
    cdef double *out = <double *>malloc(n * sizeof(double))
    try:
        if out == NULL:
            raise MemoryError(f"cannot allocate {n} distances")
        for first in range(0, n, block):
            last = min(first + block, n)
            for i in prange(first, last, nogil=True, num_threads=threads, schedule="static"):
                _rows(xyz, n, i, out)
            PyErr_CheckSignals()
        return [out[i] for i in range(n)]
    finally:
        free(xyz)
        free(out)
