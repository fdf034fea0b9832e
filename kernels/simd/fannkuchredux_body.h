/* The simd rung's fannkuch-redux, one body for every vector width (see
 * sl_simd_instantiate.h: SL_FN names it per path, SL_VBYTES sizes the vectors).
 *
 * One call runs m! consecutive permutations (a "sub-block", starting at an
 * index that is a multiple of m!) in each of FK_LANES lanes at once. Because
 * every lane starts at a multiple of m!, the low m digits of every lane's
 * odometer are the same at every step: one shared odometer gives the carry
 * depth R, and every lane moves to its next permutation by the same shuffle
 * (the rotations r = 1..R composed), in the task's order. Flips and checksum
 * signs are those of the scalar code: index parity is the step's parity, as
 * every sub-block starts at an even index.
 *
 * Byte-shuffle paths (AVX2, AVX-512, NEON): a permutation of at most 16
 * elements is one 16-byte lane of a vector (AVX2: 2 per register, AVX-512: 4),
 * FK_REGS registers in flight. A flip of the first f + 1 elements is one
 * in-lane byte shuffle (pshufb / tbl) by the index vector
 *     idx[i] = f - i  where i <= f,  i  elsewhere,
 * built from f (byte 0, broadcast by a shuffle with a zero index) with one
 * subtraction and one select (fk_flip_index) -- no table, so every lane flips
 * by its own f. A lane whose first element is 0 gets the identity and stops
 * counting, so the lanes flip together until all of them are done.
 *
 * SSE2 has no byte shuffle (pshufb is SSSE3), so its path holds each
 * permutation as 16 nibbles of a 64-bit integer register (SIMD within a
 * register): a flip is a nibble reversal (bswap and a nibble swap) shifted
 * into place and merged, FK_REGS permutations in flight.
 */
#define FK_REGS 4

#if SL_VBYTES == 16 && defined(SL_SIMD_X86)
/* ---- SSE2: 16 nibbles per 64-bit register -------------------------------- */
#define FK_LANES FK_REGS

/* Nibble i of x moves to nibble 15 - i. */
static inline unsigned long long SL_FN(fk_nibble_reverse)(unsigned long long x)
{
    x = __builtin_bswap64(x);
    return ((x >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((x & 0x0F0F0F0F0F0F0F0FULL) << 4);
}

static void SL_FN(fannkuchredux_group)(const unsigned char *perms, int m,
                                       long long *checksum, int *max_flips)
{
    unsigned long long perm[FK_LANES];
    long long sum[FK_LANES] = {0}, steps = 1, t;
    int best[FK_LANES] = {0}, count[16] = {0}, k, i;
    for (i = 2; i <= m; i++)
        steps *= i;
    for (k = 0; k < FK_LANES; k++) {
        unsigned long long x = 0;
        for (i = 15; i >= 0; i--)
            x = (x << 4) | (perms[16 * k + i] & 15u);
        perm[k] = x;
    }
    for (t = 0; t < steps; t++) {
        unsigned long long p[FK_LANES];
        int flips[FK_LANES], r;
        for (k = 0; k < FK_LANES; k++) {
            p[k] = perm[k];
            flips[k] = 0;
        }
        for (;;) {
            unsigned any = 0;
            for (k = 0; k < FK_LANES; k++) {
                /* Reverse nibbles 0..f: the whole word reversed, shifted down
                 * by 15 - f nibbles, over the original above nibble f. f = 0
                 * (shift 60) leaves the word as it is. */
                unsigned f = (unsigned)(p[k] & 15u), s = 60 - 4 * f;
                unsigned long long reversed = SL_FN(fk_nibble_reverse)(p[k]);
                p[k] = (reversed >> s) | (p[k] & ~(~0ULL >> s));
                flips[k] += f != 0;
                any |= f;
            }
            if (!any)
                break;
        }
        for (k = 0; k < FK_LANES; k++) {
            sum[k] += (t & 1) ? -flips[k] : flips[k];
            if (flips[k] > best[k])
                best[k] = flips[k];
        }
        if (t + 1 == steps)
            break;
        /* The shared odometer: rotate the first r + 1 left while digit r wraps. */
        for (r = 1; r < m; r++) {
            unsigned long long low_mask = r == 15 ? ~0ULL : (1ULL << (4 * r + 4)) - 1;
            for (k = 0; k < FK_LANES; k++) {
                unsigned long long low = perm[k] & low_mask;
                perm[k] = (perm[k] & ~low_mask) | (low >> 4) | ((low & 15u) << (4 * r));
            }
            if (++count[r] <= r)
                break;
            count[r] = 0;
        }
    }
    for (k = 0; k < FK_LANES; k++) {
        *checksum += sum[k];
        if (best[k] > *max_flips)
            *max_flips = best[k];
    }
}

#else
/* ---- byte shuffles: one permutation per 16-byte lane --------------------- */
#define FK_LANES (FK_REGS * SL_VBYTES / 16)

typedef unsigned char SL_FN(fk_vb) __attribute__((vector_size(SL_VBYTES)));
typedef signed char SL_FN(fk_vs) __attribute__((vector_size(SL_VBYTES)));
typedef int SL_FN(fk_vi) __attribute__((vector_size(SL_VBYTES)));

/* v[idx[i]] within each 16-byte lane (idx in 0..15). */
static inline SL_FN(fk_vb) SL_FN(fk_shuffle)(SL_FN(fk_vb) v, SL_FN(fk_vb) idx)
{
#if SL_VBYTES == 64
    return (SL_FN(fk_vb))_mm512_shuffle_epi8((__m512i)v, (__m512i)idx);
#elif SL_VBYTES == 32
    return (SL_FN(fk_vb))_mm256_shuffle_epi8((__m256i)v, (__m256i)idx);
#else
    return vqtbl1q_u8(v, idx);
#endif
}

/* The flip's index vector: f - i where i <= f, i elsewhere (f: each lane's
 * first element, in all of its bytes). AVX2 and NEON subtract, then select
 * by the sign of f - i (vpblendvb, bsl); AVX-512 subtracts under the mask of
 * a compare, one instruction after it (a select on the sign there takes a
 * vpmovb2m and a vpblendmb after the subtraction: measured 8-35 % slower than
 * AVX2 on Zen 4, against 1-5 % this way). */
static inline SL_FN(fk_vb) SL_FN(fk_flip_index)(SL_FN(fk_vb) f, SL_FN(fk_vb) iota)
{
#if SL_VBYTES == 64
    return (SL_FN(fk_vb))_mm512_mask_sub_epi8((__m512i)iota, _mm512_cmple_epu8_mask((__m512i)iota, (__m512i)f),
                                              (__m512i)f, (__m512i)iota);
#elif SL_VBYTES == 32
    __m256i back = (__m256i)(f - iota); /* negative past f */
    return (SL_FN(fk_vb))_mm256_blendv_epi8(back, (__m256i)iota, back);
#else
    SL_FN(fk_vb) back = f - iota;
    return vbslq_u8(vcltzq_s8(vreinterpretq_s8_u8(back)), iota, back);
#endif
}

static inline SL_FN(fk_vb) SL_FN(fk_max)(SL_FN(fk_vb) a, SL_FN(fk_vb) b)
{
#if SL_VBYTES == 64
    return (SL_FN(fk_vb))_mm512_max_epu8((__m512i)a, (__m512i)b);
#elif SL_VBYTES == 32
    return (SL_FN(fk_vb))_mm256_max_epu8((__m256i)a, (__m256i)b);
#else
    return vmaxq_u8(a, b);
#endif
}

/* Whether any byte of v is nonzero. */
static inline int SL_FN(fk_any)(SL_FN(fk_vb) v)
{
#if SL_VBYTES == 64
    return _mm512_test_epi64_mask((__m512i)v, (__m512i)v) != 0;
#elif SL_VBYTES == 32
    return !_mm256_testz_si256((__m256i)v, (__m256i)v);
#else
    return vmaxvq_u8(v) != 0;
#endif
}

static void SL_FN(fannkuchredux_group)(const unsigned char *perms, int m,
                                       long long *checksum, int *max_flips)
{
    typedef SL_FN(fk_vb) vb;
    typedef SL_FN(fk_vs) vs;
    typedef SL_FN(fk_vi) vi;
    vb perm[FK_REGS], next[16], iota, zero = (vb){0}, most = (vb){0};
    vi plus[FK_REGS], minus[FK_REGS];
    long long steps = 1, t;
    unsigned char q[16];
    int count[16] = {0}, k, i, r;

    for (i = 2; i <= m; i++)
        steps *= i;
    for (i = 0; i < SL_VBYTES; i++)
        iota[i] = (unsigned char)(i & 15);
    /* next[R]: the rotations r = 1..R composed (a carry of depth R), as the
     * source index of every position, repeated in every lane. */
    for (i = 0; i < 16; i++)
        q[i] = (unsigned char)i;
    for (r = 1; r < m && r < 16; r++) {
        unsigned char first = q[0];
        for (i = 0; i < r; i++)
            q[i] = q[i + 1];
        q[r] = first;
        for (i = 0; i < SL_VBYTES; i++)
            next[r][i] = q[i & 15];
    }
    for (k = 0; k < FK_REGS; k++) {
        __builtin_memcpy(&perm[k], perms + k * SL_VBYTES, SL_VBYTES);
        plus[k] = minus[k] = (vi){0};
    }
    for (t = 0; t < steps; t++) {
        vb p[FK_REGS], flips[FK_REGS];
        for (k = 0; k < FK_REGS; k++) {
            p[k] = perm[k];
            flips[k] = zero;
        }
        for (;;) {
            vb any = zero;
            for (k = 0; k < FK_REGS; k++) {
                vb f = SL_FN(fk_shuffle)(p[k], zero); /* each lane's first, everywhere */
                p[k] = SL_FN(fk_shuffle)(p[k], SL_FN(fk_flip_index)(f, iota));
                flips[k] -= (vb)((vs)f > (vs)zero);    /* + 1 where a flip happened */
                any |= f;
            }
            if (!SL_FN(fk_any)(any))
                break;
        }
        for (k = 0; k < FK_REGS; k++) {
            /* Every byte of a lane holds its count; one per 32-bit element is summed. */
            vi counted = (vi)flips[k] & 0xFF;
            if (t & 1)
                minus[k] += counted;
            else
                plus[k] += counted;
            most = SL_FN(fk_max)(most, flips[k]);
        }
        if (t + 1 == steps)
            break;
        for (r = 1; r < m; r++) { /* the shared odometer: carry depth r */
            if (++count[r] <= r)
                break;
            count[r] = 0;
        }
        for (k = 0; k < FK_REGS; k++)
            perm[k] = SL_FN(fk_shuffle)(perm[k], next[r]);
    }
    for (k = 0; k < FK_REGS; k++) {
        int lane;
        for (lane = 0; lane < SL_VBYTES / 16; lane++)
            *checksum += (long long)plus[k][4 * lane] - minus[k][4 * lane];
    }
    for (i = 0; i < SL_VBYTES; i += 16)
        if (most[i] > *max_flips)
            *max_flips = most[i];
}
#endif

/* Lanes (permutations in flight) of this path: `perms` holds 16 bytes for each. */
static int SL_FN(fannkuchredux_lanes)(void)
{
    return FK_LANES;
}

#undef FK_REGS
#undef FK_LANES
