/* N-body's vector paths (the simd rung): the body compiled per instruction
 * set, and the table that maps a path number to its step function. The
 * bodies, the chunks of steps and the energies stay in nbody.pyx. */
#ifndef SPEEDLAB_SIMD_NBODY_H
#define SPEEDLAB_SIMD_NBODY_H

#include "c/nbody.h"
#include "sl_simd.h"
#if defined(SL_SIMD_X86)
#  include <immintrin.h>
#endif

#define SL_SIMD_BODY "simd/nbody_body.h"
#include "sl_simd_instantiate.h"

typedef void (*nbody_simd_advance_fn)(nbody_c_body *bodies, long steps, double dt);

/* The step function of vector path `path` (an SL_SIMD_* number), or NULL for
 * scalar and for a path this build lacks (the caller then runs native code). */
static inline nbody_simd_advance_fn nbody_simd_advance(int path)
{
    switch (path) {
#if defined(SL_SIMD_X86)
    case SL_SIMD_SSE2: return nbody_advance_sse2;
    case SL_SIMD_AVX2: return nbody_advance_avx2;
    case SL_SIMD_AVX512: return nbody_advance_avx512;
#elif defined(SL_SIMD_ARM)
    case SL_SIMD_NEON: return nbody_advance_neon;
#endif
    default: return NULL;
    }
}

#endif
