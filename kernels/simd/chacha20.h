/* ChaCha20's vector paths (the simd rung): the body compiled per instruction
 * set, and the table that maps a path number to it. The loop over chunks, the
 * buffers, the partial last block and the threads stay in chacha20.pyx. */
#ifndef SPEEDLAB_SIMD_CHACHA20_H
#define SPEEDLAB_SIMD_CHACHA20_H

#include <stddef.h>
#include <stdint.h>

#define SL_SIMD_BODY "simd/chacha20_body.h"
#include "sl_simd_instantiate.h"

typedef size_t (*chacha20_simd_fn)(const uint32_t *state, const unsigned char *src,
                                   unsigned char *dst, size_t n_blocks);

/* The block function of vector path `path` (an SL_SIMD_* number), or NULL for
 * scalar and for a path this build lacks (the caller then runs native code). */
static inline chacha20_simd_fn chacha20_simd(int path)
{
    switch (path) {
#if defined(SL_SIMD_X86)
    case SL_SIMD_SSE2: return chacha20_xor_blocks_sse2;
    case SL_SIMD_AVX2: return chacha20_xor_blocks_avx2;
    case SL_SIMD_AVX512: return chacha20_xor_blocks_avx512;
#elif defined(SL_SIMD_ARM)
    case SL_SIMD_NEON: return chacha20_xor_blocks_neon;
#endif
    default: return NULL;
    }
}

#endif
