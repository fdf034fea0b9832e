/* Fannkuch-redux's vector paths (the simd rung): the body compiled per
 * instruction set, and the table that maps a path number to its functions.
 * The loop over sub-blocks, the start permutations and the threads stay in
 * fannkuchredux.pyx. */
#ifndef SPEEDLAB_SIMD_FANNKUCHREDUX_H
#define SPEEDLAB_SIMD_FANNKUCHREDUX_H

#include <stddef.h>

#include "sl_simd.h"
#if defined(SL_SIMD_X86)
#  include <immintrin.h>
#elif defined(SL_SIMD_ARM)
#  include <arm_neon.h>
#endif

#define SL_SIMD_BODY "simd/fannkuchredux_body.h"
#include "sl_simd_instantiate.h"

/* Lanes of the widest path (AVX-512: 4 registers of 4 permutations): the
 * caller's start-permutation buffer holds 16 bytes for each. */
#define FANNKUCHREDUX_SIMD_MAX_LANES 16

/* Run m! permutations in each lane from the start permutations `perms`
 * (16 bytes per lane: the permutation of 0..n-1, then n..15; a lane of zeros
 * is idle), each lane starting at an index that is a multiple of m!. Adds
 * the signed flip counts to *checksum, raises *max_flips. */
typedef void (*fannkuchredux_simd_fn)(const unsigned char *perms, int m,
                                      long long *checksum, int *max_flips);

/* The group function of vector path `path` (an SL_SIMD_* number), or NULL for
 * scalar and for a path this build lacks (the caller then runs native code). */
static inline fannkuchredux_simd_fn fannkuchredux_simd_group(int path)
{
    switch (path) {
#if defined(SL_SIMD_X86)
    case SL_SIMD_SSE2: return fannkuchredux_group_sse2;
    case SL_SIMD_AVX2: return fannkuchredux_group_avx2;
    case SL_SIMD_AVX512: return fannkuchredux_group_avx512;
#elif defined(SL_SIMD_ARM)
    case SL_SIMD_NEON: return fannkuchredux_group_neon;
#endif
    default: return NULL;
    }
}

/* Permutations one call of that function runs side by side (0 for NULL). */
static inline int fannkuchredux_simd_lanes(int path)
{
    switch (path) {
#if defined(SL_SIMD_X86)
    case SL_SIMD_SSE2: return fannkuchredux_lanes_sse2();
    case SL_SIMD_AVX2: return fannkuchredux_lanes_avx2();
    case SL_SIMD_AVX512: return fannkuchredux_lanes_avx512();
#elif defined(SL_SIMD_ARM)
    case SL_SIMD_NEON: return fannkuchredux_lanes_neon();
#endif
    default: return 0;
    }
}

#endif
