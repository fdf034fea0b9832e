/* Spectral norm's vector paths (the simd rung): the body compiled per
 * instruction set, and the table that maps a path number to its row function.
 * The vectors, the power method, the chunks of rows and the threads stay in
 * spectralnorm.pyx. */
#ifndef SPEEDLAB_SIMD_SPECTRALNORM_H
#define SPEEDLAB_SIMD_SPECTRALNORM_H

#include "sl_simd.h"
#if defined(SL_SIMD_X86)
#  include <immintrin.h>
#endif

#define SL_SIMD_BODY "simd/spectralnorm_body.h"
#include "sl_simd_instantiate.h"

/* Rows the widest path computes at once (AVX-512: 2 vectors of 8 doubles).
 * The .pyx hands rows out in blocks of a multiple of it, so only the last
 * block of a product can end in a partial group. */
#define SPECTRALNORM_SIMD_MAX_ROWS 16

typedef void (*spectralnorm_simd_rows_fn)(const double *u, double *v, long long n,
                                          long long begin, long long end, int transpose);

/* The row function of vector path `path` (an SL_SIMD_* number), or NULL for
 * scalar and for a path this build lacks (the caller then runs native code). */
static inline spectralnorm_simd_rows_fn spectralnorm_simd_rows(int path)
{
    switch (path) {
#if defined(SL_SIMD_X86)
    case SL_SIMD_SSE2: return spectralnorm_rows_sse2;
    case SL_SIMD_AVX2: return spectralnorm_rows_avx2;
    case SL_SIMD_AVX512: return spectralnorm_rows_avx512;
#elif defined(SL_SIMD_ARM)
    case SL_SIMD_NEON: return spectralnorm_rows_neon;
#endif
    default: return NULL;
    }
}

#endif
