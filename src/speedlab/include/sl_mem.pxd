# Large fresh output buffers (see sl_mem.h): a huge-page hint before the first write.
# A kernel `cimport sl_mem` and gets its output from sl_mem.new_output(n), or calls
# sl_mem_hint_fresh(ptr, size) on a buffer it allocates itself.

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize

cdef extern from "sl_mem.h":
    void sl_mem_hint_fresh(void *p, size_t n) noexcept nogil
    int sl_mem_hint_enabled() noexcept nogil

    # Faulting a fresh output in ahead of the threads that write it (sl_mem.h).
    ctypedef void (*sl_mem_range_fn)(const void *ctx, size_t piece, size_t *lo,
                                     size_t *hi) noexcept nogil
    ctypedef struct sl_mem_ahead:
        int enabled
    void sl_mem_ahead_init(sl_mem_ahead *a, unsigned char *dst, size_t n_pieces,
                           sl_mem_range_fn range, const void *ctx, int n_threads) noexcept nogil
    size_t sl_mem_ahead_next(sl_mem_ahead *a, int thread) noexcept nogil
    void sl_mem_ahead_free(sl_mem_ahead *a) noexcept nogil
    void sl_mem_ahead_stop(sl_mem_ahead *a) noexcept nogil
    int sl_mem_ahead_wanted() noexcept nogil
    int sl_mem_ahead_for(int n_threads) noexcept nogil
    int sl_mem_cpus() noexcept nogil


cdef inline bytes new_output(Py_ssize_t n):
    """A new uninitialised ``bytes`` of ``n`` bytes for a rung to fill, hinted for huge pages.

    A kernel's compiled rungs (native, simd, parallel, c, rust) all allocate
    through here, so the ladder compares the same memory: see ``sl_mem.h``.
    """
    out = PyBytes_FromStringAndSize(NULL, n)
    sl_mem_hint_fresh(PyBytes_AS_STRING(out), <size_t>n)
    return out
