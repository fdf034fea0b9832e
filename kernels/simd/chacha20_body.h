/* The simd rung's ChaCha20 blocks, one body for every vector width (see
 * sl_simd_instantiate.h: SL_FN names it per path, SL_VBYTES sizes the vectors).
 *
 * The classic layout for many blocks at once: vector x[i] holds word i of
 * CC_LANES consecutive blocks (4 with SSE2/NEON, 8 with AVX2, 16 with AVX-512),
 * lane j being block `counter + j`. The quarter rounds are then the scalar
 * code's, operation for operation, on every lane at once: additions modulo
 * 2^32, XOR and rotations of uint32 lanes. The keystream words are stored,
 * lane by lane, back into block order and XORed into the message.
 */
#define CC_LANES (SL_VBYTES / 4)

typedef uint32_t SL_FN(cc_vu) __attribute__((vector_size(SL_VBYTES)));

#define CC_ROTL(v, c) (((v) << (c)) | ((v) >> (32 - (c))))
#define CC_QR(x, a, b, c, d)                                   \
    do {                                                       \
        x[a] += x[b]; x[d] = CC_ROTL(x[d] ^ x[a], 16);         \
        x[c] += x[d]; x[b] = CC_ROTL(x[b] ^ x[c], 12);         \
        x[a] += x[b]; x[d] = CC_ROTL(x[d] ^ x[a], 8);          \
        x[c] += x[d]; x[b] = CC_ROTL(x[b] ^ x[c], 7);          \
    } while (0)

/* XOR whole blocks of `src` into `dst`, CC_LANES blocks at a time, with the
 * keystream of `state` (word 12: the counter of src's first block). Returns the
 * number of blocks done: n_blocks rounded down to a multiple of CC_LANES; the
 * caller finishes the rest with the scalar code. */
static size_t SL_FN(chacha20_xor_blocks)(const uint32_t *state, const unsigned char *src,
                                          unsigned char *dst, size_t n_blocks)
{
    typedef SL_FN(cc_vu) vu;
    uint32_t ks[16][CC_LANES] __attribute__((aligned(64)));
    vu lane = (vu){0};
    size_t done = 0;
    int i, j, r;

    for (j = 0; j < CC_LANES; j++)
        lane[j] = (uint32_t)j;
    for (; done + CC_LANES <= n_blocks; done += CC_LANES) {
        vu s[16], x[16];
        for (i = 0; i < 16; i++)
            s[i] = (vu){0} + state[i];
        s[12] += lane + (uint32_t)done;  /* block counters, modulo 2^32 like the scalar code */
        for (i = 0; i < 16; i++)
            x[i] = s[i];
        for (r = 0; r < 10; r++) {  /* 20 rounds: column round, then diagonal round */
            CC_QR(x, 0, 4, 8, 12);
            CC_QR(x, 1, 5, 9, 13);
            CC_QR(x, 2, 6, 10, 14);
            CC_QR(x, 3, 7, 11, 15);
            CC_QR(x, 0, 5, 10, 15);
            CC_QR(x, 1, 6, 11, 12);
            CC_QR(x, 2, 7, 8, 13);
            CC_QR(x, 3, 4, 9, 14);
        }
        for (i = 0; i < 16; i++) {
            x[i] += s[i];
            __builtin_memcpy(ks[i], &x[i], sizeof(vu));
        }
        /* Block order: word i of block j is lane j of x[i]. The message is read
         * and written in 32-bit words, little-endian (sl_simd.h builds vector
         * paths only for little-endian x86-64 and arm64). */
        for (j = 0; j < CC_LANES; j++) {
            const unsigned char *in = src + 64 * (done + (size_t)j);
            unsigned char *out = dst + 64 * (done + (size_t)j);
            for (i = 0; i < 16; i++) {
                uint32_t w;
                __builtin_memcpy(&w, in + 4 * i, 4);
                w ^= ks[i][j];
                __builtin_memcpy(out + 4 * i, &w, 4);
            }
        }
    }
    return done;
}

#undef CC_LANES
#undef CC_ROTL
#undef CC_QR
