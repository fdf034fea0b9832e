/* Hand-written C ChaCha20 (RFC 8439): the `c` rung. See chacha20.h. */
#include <string.h>

#include "chacha20.h"

#define ROTL32(v, c) (((v) << (c)) | ((v) >> (32 - (c))))

#define QUARTER_ROUND(a, b, c, d)                   \
    do {                                            \
        x[a] += x[b]; x[d] = ROTL32(x[d] ^ x[a], 16); \
        x[c] += x[d]; x[b] = ROTL32(x[b] ^ x[c], 12); \
        x[a] += x[b]; x[d] = ROTL32(x[d] ^ x[a], 8);  \
        x[c] += x[d]; x[b] = ROTL32(x[b] ^ x[c], 7);  \
    } while (0)

/* Little-endian loads and stores, byte by byte: portable, and gcc/clang turn
 * them into single moves on little-endian machines. */
static uint32_t load32_le(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void store32_le(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* The keystream block of `state` into `out` (RFC 8439, 2.3). */
static void chacha20_c_block(const uint32_t state[16], uint32_t out[16])
{
    uint32_t x[16];
    int i;
    memcpy(x, state, sizeof x);
    for (i = 0; i < 10; i++) { /* 20 rounds: column round, then diagonal round */
        QUARTER_ROUND(0, 4, 8, 12);
        QUARTER_ROUND(1, 5, 9, 13);
        QUARTER_ROUND(2, 6, 10, 14);
        QUARTER_ROUND(3, 7, 11, 15);
        QUARTER_ROUND(0, 5, 10, 15);
        QUARTER_ROUND(1, 6, 11, 12);
        QUARTER_ROUND(2, 7, 8, 13);
        QUARTER_ROUND(3, 4, 9, 14);
    }
    for (i = 0; i < 16; i++)
        out[i] = x[i] + state[i];
}

void chacha20_c_xor(const uint32_t state[16], const unsigned char *src,
                    unsigned char *dst, size_t len)
{
    uint32_t s[16], ks[16];
    unsigned char tail[64];
    size_t pos, i;
    memcpy(s, state, sizeof s);
    for (pos = 0; pos + 64 <= len; pos += 64) {
        chacha20_c_block(s, ks);
        for (i = 0; i < 16; i++)
            store32_le(dst + pos + 4 * i, load32_le(src + pos + 4 * i) ^ ks[i]);
        s[12]++;
    }
    if (pos < len) { /* a partial last block */
        chacha20_c_block(s, ks);
        for (i = 0; i < 16; i++)
            store32_le(tail + 4 * i, ks[i]);
        for (i = 0; pos + i < len; i++)
            dst[pos + i] = src[pos + i] ^ tail[i];
    }
}
