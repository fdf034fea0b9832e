/* The `simd` rung's two halves: which vector paths this CPU can run, and the
 * macros that compile one kernel body once per instruction set.
 *
 * A portable wheel is built for the baseline (SSE2 on x86-64, NEON on arm64);
 * the wider paths are compiled into the same module with per-function target
 * attributes (GCC and clang), so no file needs -mavx2 and nothing wider than
 * the baseline runs unless the CPU said it can at run time. Which path runs is
 * chosen once, in Python (speedlab._simd, SPEEDLAB_SIMD=...), and passed down
 * as one of the SL_SIMD_* numbers below.
 *
 * Kernel bodies use GCC/clang vector extensions (`typedef double v
 * __attribute__((vector_size(SL_VBYTES)))`), the same source for every width.
 * Compilers without them (MSVC) build no vector path: sl_simd_built() is then
 * scalar only, and the `simd` rung runs the native code (speedlab info says so).
 */
#ifndef SL_SIMD_H
#define SL_SIMD_H

/* Path numbers: speedlab._simd.PATHS lists the names in this order. */
#define SL_SIMD_SCALAR 0
#define SL_SIMD_SSE2 1
#define SL_SIMD_AVX2 2
#define SL_SIMD_AVX512 3
#define SL_SIMD_NEON 4

/* Vector paths need GCC/clang vector extensions and a little-endian CPU (the
 * kernels read and write words of the caller's bytes in that order). */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) \
        && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#  if defined(__x86_64__)
#    define SL_SIMD_X86 1
#  elif defined(__aarch64__)
#    define SL_SIMD_ARM 1
#  endif
#endif

/* The paths compiled into this module, as a bit mask (1 << SL_SIMD_*). */
static inline unsigned sl_simd_built(void)
{
    unsigned mask = 1u << SL_SIMD_SCALAR;
#if defined(SL_SIMD_X86)
    mask |= (1u << SL_SIMD_SSE2) | (1u << SL_SIMD_AVX2) | (1u << SL_SIMD_AVX512);
#elif defined(SL_SIMD_ARM)
    mask |= 1u << SL_SIMD_NEON;
#endif
    return mask;
}

/* The paths this CPU (and its operating system: the AVX state must be saved on
 * a context switch, which __builtin_cpu_supports checks through XGETBV) can run. */
static inline unsigned sl_simd_supported(void)
{
    unsigned mask = 1u << SL_SIMD_SCALAR;
#if defined(SL_SIMD_X86)
    __builtin_cpu_init();
    mask |= 1u << SL_SIMD_SSE2;  /* part of x86-64 itself */
    if (__builtin_cpu_supports("avx2"))
        mask |= 1u << SL_SIMD_AVX2;
    /* F for 512-bit doubles, BW/VL/DQ for byte vectors and the mask forms the
     * kernels' vector extensions compile to: every AVX-512 CPU since Skylake-SP. */
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        mask |= 1u << SL_SIMD_AVX512;
#elif defined(SL_SIMD_ARM)
    mask |= 1u << SL_SIMD_NEON;  /* part of AArch64 itself */
#endif
    return mask;
}

#endif
