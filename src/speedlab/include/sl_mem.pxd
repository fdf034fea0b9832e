# Large fresh output buffers (see sl_mem.h): a huge-page hint before the first write.
# A kernel `cimport sl_mem` and calls sl_mem_hint_fresh(ptr, size) on a new bytes' buffer.

cdef extern from "sl_mem.h":
    void sl_mem_hint_fresh(void *p, size_t n) noexcept nogil
