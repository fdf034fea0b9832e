/* The simd rung's reverse complement, one body for every vector width (see
 * sl_simd_instantiate.h: SL_FN names it per path, SL_VBYTES sizes the vectors).
 *
 * One pass writes each sequence byte straight to its place in the output: a
 * record's input is read as runs between newlines (found by vector compares);
 * a run whose sequence bytes have indices p..p+len-1 (newlines left out)
 * lands reversed at output positions q = length-1-p-len+1 .. length-1-p,
 * which sit at out + q + q / 60 once the output's newlines are counted in. A
 * run is cut where an output line ends, so every piece is at most 60 bytes,
 * reversed and complemented a vector at a time (two overlapping vectors
 * cover a length that is not a multiple of the width), and the newline that
 * ends each output line is written after the piece that ends it. Nothing is
 * written outside a record's own output bytes, and no byte twice with two
 * values, so any cut of the input into pieces gives the same bytes: the
 * parallel rung hands pieces to threads.
 *
 * The complement is native's 256-byte table, in the shape every IUPAC table
 * has: a letter (either case) maps by its low five bits to an upper-case
 * letter or stays, anything else stays. `letters` (32 bytes) holds, for each
 * low-five-bit value, the complement of that letter, or 0 where the letter is
 * kept; revcomp.pyx builds it from the table and checks the shape for all 256
 * bytes.
 *   - AVX2, AVX-512: two 16-entry byte shuffles (pshufb) look the five bits
 *     up, 32 bytes a step; newlines are searched 32 bytes a step (AVX-512
 *     counts them 64 bytes a step, and masks the loads and stores of pieces
 *     under 16 bytes);
 *   - NEON: one two-register table lookup (tbl), 16 bytes a step;
 *   - SSE2 has no byte shuffle: it searches and counts newlines 16 bytes a
 *     step, complements 16 bytes of A/C/G/T (either case) by compares and
 *     reverses them by dword, word and byte swaps; 16 bytes with any other
 *     letter, and pieces under 16 bytes, go through the table byte by byte.
 * Reversal is a byte shuffle within 16-byte lanes, then a swap of the lanes.
 */
#define RC_LINE 60 /* characters per output line (the program's format) */

/* The lookup state of one call: the tables, loaded into vectors once. */
typedef struct {
#if defined(SL_SIMD_X86) && SL_VBYTES >= 32
    __m128i low16, high16;   /* letters[0..15], letters[16..31] */
    __m128i reverse16;       /* byte indices 15..0 */
#elif !defined(SL_SIMD_X86)
    uint8x16x2_t letters;
#endif
    const unsigned char *table; /* the 256-byte table: short pieces (SSE2: all) */
} SL_FN(rc_ctx);

static void SL_FN(rc_setup)(SL_FN(rc_ctx) *c, const unsigned char *letters,
                            const unsigned char *table)
{
    c->table = table;
#if defined(SL_SIMD_X86) && SL_VBYTES >= 32
    c->low16 = _mm_loadu_si128((const __m128i *)letters);
    c->high16 = _mm_loadu_si128((const __m128i *)(letters + 16));
    c->reverse16 = _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
#elif !defined(SL_SIMD_X86)
    c->letters.val[0] = vld1q_u8(letters);
    c->letters.val[1] = vld1q_u8(letters + 16);
#else
    (void)letters;
#endif
}

/* -- one 16-byte vector: complement, reverse -------------------------------- */

#if defined(SL_SIMD_X86) && SL_VBYTES >= 32
/* (SSSE3 instructions: part of every AVX2 CPU.) */
static inline __m128i SL_FN(rc_16)(const SL_FN(rc_ctx) *c, __m128i v)
{
    __m128i five = _mm_and_si128(v, _mm_set1_epi8(0x1F));
    __m128i t = _mm_or_si128(
        _mm_shuffle_epi8(c->low16, _mm_add_epi8(five, _mm_set1_epi8(0x70))),
        _mm_shuffle_epi8(c->high16, _mm_sub_epi8(five, _mm_set1_epi8(0x10))));
    __m128i letter = _mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8((char)0xC0)),
                                    _mm_set1_epi8(0x40));
    t = _mm_and_si128(t, letter);
    t = _mm_or_si128(t, _mm_and_si128(v, _mm_cmpeq_epi8(t, _mm_setzero_si128())));
    return _mm_shuffle_epi8(t, c->reverse16);
}
#elif !defined(SL_SIMD_X86)
static inline uint8x16_t SL_FN(rc_16)(const SL_FN(rc_ctx) *c, uint8x16_t v)
{
    uint8x16_t t = vqtbl2q_u8(c->letters, vandq_u8(v, vdupq_n_u8(0x1F)));
    t = vandq_u8(t, vceqq_u8(vandq_u8(v, vdupq_n_u8(0xC0)), vdupq_n_u8(0x40)));
    t = vbslq_u8(vceqzq_u8(t), v, t);
    t = vrev64q_u8(t);
    return vextq_u8(t, t, 8);
}
#endif

#if defined(SL_SIMD_X86) && SL_VBYTES >= 32
static inline __m128i SL_FN(rc_load16)(const unsigned char *p)
{
    return _mm_loadu_si128((const __m128i *)p);
}
static inline void SL_FN(rc_store16)(unsigned char *p, __m128i v)
{
    _mm_storeu_si128((__m128i *)p, v);
}
#elif !defined(SL_SIMD_X86)
static inline uint8x16_t SL_FN(rc_load16)(const unsigned char *p)
{
    return vld1q_u8(p);
}
static inline void SL_FN(rc_store16)(unsigned char *p, uint8x16_t v)
{
    vst1q_u8(p, v);
}
#endif

/* -- one full-width vector --------------------------------------------------- */

#if defined(SL_SIMD_X86) && SL_VBYTES >= 32
static inline __m256i SL_FN(rc_32)(const SL_FN(rc_ctx) *c, __m256i v)
{
    __m256i low = _mm256_broadcastsi128_si256(c->low16), high = _mm256_broadcastsi128_si256(c->high16);
    __m256i five = _mm256_and_si256(v, _mm256_set1_epi8(0x1F));
    __m256i t = _mm256_or_si256(
        _mm256_shuffle_epi8(low, _mm256_add_epi8(five, _mm256_set1_epi8(0x70))),
        _mm256_shuffle_epi8(high, _mm256_sub_epi8(five, _mm256_set1_epi8(0x10))));
    __m256i letter = _mm256_cmpeq_epi8(_mm256_and_si256(v, _mm256_set1_epi8((char)0xC0)),
                                       _mm256_set1_epi8(0x40));
    t = _mm256_and_si256(t, letter);
    t = _mm256_or_si256(t, _mm256_and_si256(v, _mm256_cmpeq_epi8(t, _mm256_setzero_si256())));
    t = _mm256_shuffle_epi8(t, _mm256_broadcastsi128_si256(c->reverse16));
    return _mm256_permute4x64_epi64(t, 0x4E);       /* 128-bit halves swapped */
}
#endif

#if defined(SL_SIMD_X86) && SL_VBYTES == 16
/* dst[0..16) = complement(src[15..0]) without a byte shuffle: 16 bytes that
 * are all A, C, G or T (either case; the bulk of real sequence) by four
 * compares and two XORs (A ^ T = 0x15, C ^ G = 0x04); any other 16 through the
 * table, byte by byte. Compares for all 16 IUPAC letters measured no faster
 * than the table: 48 operations per 16 bytes. */
static inline void SL_FN(rc_sse2_16)(const SL_FN(rc_ctx) *c, unsigned char *dst,
                                     const unsigned char *src)
{
    __m128i v = _mm_loadu_si128((const __m128i *)src);
    __m128i u = _mm_and_si128(v, _mm_set1_epi8((char)0xDF));
    __m128i at = _mm_or_si128(_mm_cmpeq_epi8(u, _mm_set1_epi8('A')), _mm_cmpeq_epi8(u, _mm_set1_epi8('T')));
    __m128i cg = _mm_or_si128(_mm_cmpeq_epi8(u, _mm_set1_epi8('C')), _mm_cmpeq_epi8(u, _mm_set1_epi8('G')));
    if (_mm_movemask_epi8(_mm_or_si128(at, cg)) != 0xFFFF) {
        int k;
        for (k = 0; k < 16; k++)
            dst[k] = c->table[src[15 - k]];
        return;
    }
    __m128i t = _mm_xor_si128(u, _mm_or_si128(_mm_and_si128(at, _mm_set1_epi8(0x15)),
                                              _mm_and_si128(cg, _mm_set1_epi8(0x04))));
    t = _mm_shuffle_epi32(t, 0x1B);                                /* dwords 3 2 1 0 */
    t = _mm_shufflehi_epi16(_mm_shufflelo_epi16(t, 0xB1), 0xB1);   /* words in dwords */
    t = _mm_or_si128(_mm_slli_epi16(t, 8), _mm_srli_epi16(t, 8));  /* bytes in words */
    _mm_storeu_si128((__m128i *)dst, t);
}
#endif

/* -- a piece: dst[i] = complement(src[len - 1 - i]), 0 < len <= 60 ------------ */

static inline void SL_FN(rc_piece)(const SL_FN(rc_ctx) *c, unsigned char *dst,
                                   const unsigned char *src, size_t len)
{
    size_t i;
#if defined(SL_SIMD_X86) && SL_VBYTES == 64
    /* NOTE: a piece is at most 60 bytes, yet one masked 64-byte load and store
     * per piece measured ~18% slower than the AVX2 way on Zen 4, so pieces
     * take 32-byte vectors here too, and masks only spare short ones the
     * scalar loop: their len bytes fill the top of a masked 16-byte load (the
     * bytes below are not read), which the reversal brings to the bottom. */
    if (len < 16) {
        __mmask16 top = (__mmask16)(0xFFFFu << (16 - len)), bottom = (__mmask16)(0xFFFFu >> (16 - len));
        __m128i v = _mm_maskz_loadu_epi8(top, src + len - 16);
        _mm_mask_storeu_epi8(dst, bottom, SL_FN(rc_16)(c, v));
        return;
    }
#endif
#if defined(SL_SIMD_X86) && SL_VBYTES >= 32
    if (len >= 32) { /* two overlapping vectors cover 32..64 bytes */
        __m256i a = _mm256_loadu_si256((const __m256i *)(src + len - 32));
        __m256i b = _mm256_loadu_si256((const __m256i *)src);
        _mm256_storeu_si256((__m256i *)dst, SL_FN(rc_32)(c, a));
        _mm256_storeu_si256((__m256i *)(dst + len - 32), SL_FN(rc_32)(c, b));
        return;
    }
#endif
#if defined(SL_SIMD_X86) && SL_VBYTES == 16
    if (len >= 16) { /* 16-byte steps from the top, the last one overlapping */
        for (i = 0; i + 16 <= len; i += 16)
            SL_FN(rc_sse2_16)(c, dst + i, src + len - i - 16);
        if (i < len)
            SL_FN(rc_sse2_16)(c, dst + len - 16, src);
        return;
    }
#else
    if (len >= 16) { /* 16-byte vectors from the top, the last one overlapping */
        for (i = 0; i + 16 <= len; i += 16)
            SL_FN(rc_store16)(dst + i, SL_FN(rc_16)(c, SL_FN(rc_load16)(src + len - i - 16)));
        if (i < len)
            SL_FN(rc_store16)(dst + len - 16, SL_FN(rc_16)(c, SL_FN(rc_load16)(src)));
        return;
    }
#endif
    for (i = 0; i < len; i++)
        dst[i] = c->table[src[len - 1 - i]];
}

/* The first newline in [s, end), or end. */
static inline const unsigned char *SL_FN(rc_newline)(const unsigned char *s,
                                                     const unsigned char *end)
{
    const unsigned char *nl;
#if defined(SL_SIMD_X86) && SL_VBYTES >= 32
    /* NOTE: AVX-512 searches 32 bytes a step too: with a 64-byte compare here,
     * between the 256-bit shuffles of every piece, the avx512 path measured
     * 281 ps per input byte against avx2's 225 (1 MB, Xeon); with 32 it is
     * level with avx2. */
    for (; end - s >= 32; s += 32) {
        unsigned m = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
            _mm256_loadu_si256((const __m256i *)s), _mm256_set1_epi8('\n')));
        if (m)
            return s + __builtin_ctz(m);
    }
#elif defined(SL_SIMD_X86)
    for (; end - s >= 16; s += 16) {
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
            _mm_loadu_si128((const __m128i *)s), _mm_set1_epi8('\n')));
        if (m)
            return s + __builtin_ctz(m);
    }
#endif
    nl = (const unsigned char *)memchr(s, '\n', (size_t)(end - s));
    return nl ? nl : end;
}

/* Write the run src[0..len) (no newline in it), whose first byte is sequence
 * byte p of a record of `length`, into the record's output `out`. */
static inline void SL_FN(rc_run)(const SL_FN(rc_ctx) *c, unsigned char *out, size_t length,
                                 const unsigned char *src, size_t len, size_t p)
{
    size_t y = length - p, low = length - p - len; /* output positions [low, y) */
    while (y > low) {
        size_t x = (y - 1) / RC_LINE * RC_LINE; /* start of the line holding y - 1 */
        if (x < low)
            x = low;
        SL_FN(rc_piece)(c, out + x + x / RC_LINE, src + (length - y - p), y - x);
        if (y % RC_LINE == 0 || y == length) /* the piece ends an output line */
            out[y + (y - 1) / RC_LINE] = '\n';
        y = x;
    }
}

/* Reverse-complement the input bytes src[0..n) of one record's sequence
 * (newlines skipped), whose first sequence byte is byte p of the record's
 * `length`, into the record's output `out` (length bytes in 60-character
 * lines, each ended by a newline). `letters` and `table` as above. Returns p
 * plus the sequence bytes read; sets *opens to 1 when src[0], or a byte that
 * follows a newline in src[0..n), is a '>' (a line that would open a record:
 * revcomp.pyx's predicted pieces check that none does), else to 0. */
static size_t SL_FN(revcomp_piece)(unsigned char *out, size_t length, const unsigned char *src,
                                   size_t n, size_t p, const unsigned char *letters,
                                   const unsigned char *table, int *opens)
{
    SL_FN(rc_ctx) c;
    const unsigned char *s = src, *end = src + n;
    int gt = n > 0 && src[0] == '>';
    SL_FN(rc_setup)(&c, letters, table);
    while (s < end) {
        const unsigned char *nl = SL_FN(rc_newline)(s, end);
        if (nl > s) {
            SL_FN(rc_run)(&c, out, length, s, (size_t)(nl - s), p);
            p += (size_t)(nl - s);
        }
        if (nl == end)
            break;
        s = nl + 1;
        gt |= s < end && *s == '>';
    }
    *opens = gt;
    return p;
}

/* In place, for a record in fasta's shape: `seq` holds its `length` bases in
 * lines of RC_LINE, each ended by a newline (base i at seq + i + i / RC_LINE),
 * so the output's newlines are where the input's are, and base i trades
 * places with base length-1-i, both complemented. Swaps bases i in [lo, hi)
 * with their mirrors (hi <= length / 2; the middle base of an odd length is
 * the caller's): a front run and its mirror are cut where either meets a line
 * end, so each piece is at most RC_LINE bytes, and the front piece is copied
 * aside before the back one overwrites it. */
static void SL_FN(revcomp_swap)(unsigned char *seq, size_t length, size_t lo, size_t hi,
                                const unsigned char *letters, const unsigned char *table)
{
    SL_FN(rc_ctx) c;
    unsigned char aside[RC_LINE];
    size_t i = lo, k, back;
    SL_FN(rc_setup)(&c, letters, table);
    while (i < hi) {
        back = length - i; /* the mirror run ends here (exclusive) */
        k = RC_LINE - i % RC_LINE;
        if ((back - 1) % RC_LINE + 1 < k)
            k = (back - 1) % RC_LINE + 1;
        if (hi - i < k)
            k = hi - i;
        {
            unsigned char *front = seq + i + i / RC_LINE;
            unsigned char *rear = seq + (back - k) + (back - k) / RC_LINE;
            memcpy(aside, front, k);
            SL_FN(rc_piece)(&c, front, rear, k);
            SL_FN(rc_piece)(&c, rear, aside, k);
        }
        i += k;
    }
}

/* Newlines in src[0..n). x86: a byte counter per lane (minus each compare's
 * -1), summed by psadbw every 255 vectors, before a counter could wrap. */
static size_t SL_FN(revcomp_newlines)(const unsigned char *src, size_t n)
{
    size_t count = 0, i = 0;
#if defined(SL_SIMD_X86) && SL_VBYTES == 64
    /* (a compare gives a mask here: its population count, without popcnt) */
    while (i + 64 <= n) {
        __m512i acc = _mm512_setzero_si512();
        size_t stop = i + 255 * 64 <= n ? i + 255 * 64 : n - (n - i) % 64;
        for (; i < stop; i += 64)
            acc = _mm512_mask_sub_epi8(acc, _mm512_cmpeq_epi8_mask(
                _mm512_loadu_si512((const void *)(src + i)), _mm512_set1_epi8('\n')), acc,
                _mm512_set1_epi8(-1));
        acc = _mm512_sad_epu8(acc, _mm512_setzero_si512());
        count += (size_t)_mm512_reduce_add_epi64(acc);
    }
#elif defined(SL_SIMD_X86) && SL_VBYTES == 32
    while (i + 32 <= n) {
        __m256i acc = _mm256_setzero_si256();
        size_t stop = i + 255 * 32 <= n ? i + 255 * 32 : n - (n - i) % 32;
        for (; i < stop; i += 32)
            acc = _mm256_sub_epi8(acc, _mm256_cmpeq_epi8(
                _mm256_loadu_si256((const __m256i *)(src + i)), _mm256_set1_epi8('\n')));
        acc = _mm256_sad_epu8(acc, _mm256_setzero_si256());
        count += (size_t)(_mm256_extract_epi64(acc, 0) + _mm256_extract_epi64(acc, 1)
                          + _mm256_extract_epi64(acc, 2) + _mm256_extract_epi64(acc, 3));
    }
#elif defined(SL_SIMD_X86)
    while (i + 16 <= n) {
        __m128i acc = _mm_setzero_si128();
        size_t stop = i + 255 * 16 <= n ? i + 255 * 16 : n - (n - i) % 16;
        for (; i < stop; i += 16)
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(src + i)),
                                                   _mm_set1_epi8('\n')));
        acc = _mm_sad_epu8(acc, _mm_setzero_si128());
        count += (size_t)(_mm_cvtsi128_si64(acc) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc)));
    }
#else
    for (; i + 16 <= n; i += 16) /* each match is 0xFF: keep 1 per byte, sum the bytes */
        count += vaddlvq_u8(vandq_u8(vceqq_u8(vld1q_u8(src + i), vdupq_n_u8('\n')),
                                     vdupq_n_u8(1)));
#endif
    for (; i < n; i++)
        count += src[i] == '\n';
    return count;
}

#undef RC_LINE
