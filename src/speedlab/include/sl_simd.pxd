# The simd rung's vector paths (see sl_simd.h): path numbers and the CPU probe.
# A kernel `cimport sl_simd` and asks speedlab._simd.path_id() which path to run.

cdef extern from "sl_simd.h":
    const int SL_SIMD_SCALAR
    const int SL_SIMD_SSE2
    const int SL_SIMD_AVX2
    const int SL_SIMD_AVX512
    const int SL_SIMD_NEON
    unsigned sl_simd_built() noexcept nogil
    unsigned sl_simd_supported() noexcept nogil
