# OpenMP through one shim that also compiles without OpenMP (see omp_shim.h).
# Kernels `cimport omp_shim` and use prange as usual; when the build had no
# OpenMP, prange's pragmas are ignored by the C compiler and the loop is serial.

cdef extern from "omp_shim.h":
    # 1 when the module was compiled with OpenMP, else 0.
    const int SPEEDLAB_OPENMP
    int omp_get_max_threads() noexcept nogil
    int omp_get_thread_num() noexcept nogil
    int omp_get_num_threads() noexcept nogil
