/* Mandelbrot's vector paths (the simd rung): the body compiled per
 * instruction set, and the table that maps a path number to its row function.
 * The loop over rows, the buffers and the threads stay in mandelbrot.pyx. */
#ifndef SPEEDLAB_SIMD_MANDELBROT_H
#define SPEEDLAB_SIMD_MANDELBROT_H

#include <stddef.h>

#define SL_SIMD_BODY "simd/mandelbrot_body.h"
#include "sl_simd_instantiate.h"

/* Pixels the widest path computes at once: the real-part buffer is padded to
 * a multiple of it (AVX-512: 4 vectors of 8 doubles). */
#define MANDELBROT_SIMD_MAX_PIXELS 32

typedef void (*mandelbrot_simd_row_fn)(const double *cr, double ci, int max_iter,
                                       double limit_sq, unsigned char *row, int row_bytes);

/* The row function of vector path `path` (an SL_SIMD_* number), or NULL for
 * scalar and for a path this build lacks (the caller then runs native code). */
static inline mandelbrot_simd_row_fn mandelbrot_simd_row(int path)
{
    switch (path) {
#if defined(SL_SIMD_X86)
    case SL_SIMD_SSE2: return mandelbrot_row_sse2;
    case SL_SIMD_AVX2: return mandelbrot_row_avx2;
    case SL_SIMD_AVX512: return mandelbrot_row_avx512;
#elif defined(SL_SIMD_ARM)
    case SL_SIMD_NEON: return mandelbrot_row_neon;
#endif
    default: return NULL;
    }
}

#endif
