/* Reverse complement's vector paths (the simd rung): the body compiled per
 * instruction set, and the table that maps a path number to its functions.
 * The records, the output buffer, the chunks and the threads stay in
 * revcomp.pyx. */
#ifndef SPEEDLAB_SIMD_REVCOMP_H
#define SPEEDLAB_SIMD_REVCOMP_H

#include <stddef.h>
#include <string.h>

#include "sl_simd.h"
#if defined(SL_SIMD_X86)
#  include <immintrin.h>
#elif defined(SL_SIMD_ARM)
#  include <arm_neon.h>
#endif

#define SL_SIMD_BODY "simd/revcomp_body.h"
#include "sl_simd_instantiate.h"

/* Reverse-complement input bytes src[0..n) of a record (see revcomp_body.h);
 * returns the sequence index after the last byte read, and says in *opens
 * whether a line in it opens with '>'. */
typedef size_t (*revcomp_simd_piece_fn)(unsigned char *out, size_t length,
                                        const unsigned char *src, size_t n, size_t p,
                                        const unsigned char *letters,
                                        const unsigned char *table, int *opens);
/* Newlines in src[0..n). */
typedef size_t (*revcomp_simd_newlines_fn)(const unsigned char *src, size_t n);
/* In place: swap bases [lo, hi) of a record in fasta's shape with their mirrors. */
typedef void (*revcomp_simd_swap_fn)(unsigned char *seq, size_t length, size_t lo, size_t hi,
                                     const unsigned char *letters, const unsigned char *table);

/* The piece function of vector path `path` (an SL_SIMD_* number), or NULL for
 * scalar and for a path this build lacks (the caller then runs native code). */
static inline revcomp_simd_piece_fn revcomp_simd_piece(int path)
{
    switch (path) {
#if defined(SL_SIMD_X86)
    case SL_SIMD_SSE2: return revcomp_piece_sse2;
    case SL_SIMD_AVX2: return revcomp_piece_avx2;
    case SL_SIMD_AVX512: return revcomp_piece_avx512;
#elif defined(SL_SIMD_ARM)
    case SL_SIMD_NEON: return revcomp_piece_neon;
#endif
    default: return NULL;
    }
}

/* The newline counter of path `path` (NULL as above). */
static inline revcomp_simd_newlines_fn revcomp_simd_newlines(int path)
{
    switch (path) {
#if defined(SL_SIMD_X86)
    case SL_SIMD_SSE2: return revcomp_newlines_sse2;
    case SL_SIMD_AVX2: return revcomp_newlines_avx2;
    case SL_SIMD_AVX512: return revcomp_newlines_avx512;
#elif defined(SL_SIMD_ARM)
    case SL_SIMD_NEON: return revcomp_newlines_neon;
#endif
    default: return NULL;
    }
}

/* The in-place swap of path `path` (NULL as above). */
static inline revcomp_simd_swap_fn revcomp_simd_swap(int path)
{
    switch (path) {
#if defined(SL_SIMD_X86)
    case SL_SIMD_SSE2: return revcomp_swap_sse2;
    case SL_SIMD_AVX2: return revcomp_swap_avx2;
    case SL_SIMD_AVX512: return revcomp_swap_avx512;
#elif defined(SL_SIMD_ARM)
    case SL_SIMD_NEON: return revcomp_swap_neon;
#endif
    default: return NULL;
    }
}

#endif
