/* The simd rung's spectral-norm rows, one body for every vector width (see
 * sl_simd_instantiate.h: SL_FN names it per path, SL_VBYTES sizes the vectors).
 *
 * Each lane is one row: SN_ROWS rows of A·u (or Aᵀ·u) are computed at once,
 * every lane summing its own row left to right, term by term, exactly as the
 * native rung and the twin do -- so every path, every thread count and every
 * grouping of rows gives native's bits. (Vectorising over j instead, with
 * partial sums per lane, would change the order of the additions.)
 *
 * The entries come without integer arithmetic: along a row the denominator
 * of A(i, j) = 1 / ((i+j)(i+j+1)/2 + i + 1) grows by i + j + 1 from j to
 * j + 1 (by i + j + 2 for Aᵀ's A(j, i)), so each lane keeps its denominator
 * and its step as doubles and adds. They are integers below 2^53 (n <= 100,000
 * gives at most 2e10), so every addition is exact and 1.0 / den is the same
 * correctly rounded division the native rung does after its int -> double
 * conversion. The division is the cost: SN_LANES of them per instruction.
 *
 * Except on AVX-512: there the reciprocals come from the pipelined multiply-add
 * units instead of the divider, which on some CPUs (Intel's, measured on a
 * Xeon with AVX-512) takes as long per double at every vector width, so wider
 * divisions alone gain nothing over native's two-lane divpd. See sn_recip.
 */
#define SN_LANES (SL_VBYTES / 8)
/* Two vectors of rows in flight: the running sums are chains of dependent
 * additions, and two of them keep the divider (the bottleneck) busy; more
 * measured no faster on the development machine (AVX-512's multiply-adds:
 * 4 vectors 2% faster, not worth a wider block for the parallel rung). */
#define SN_VECS 2
#define SN_ROWS (SN_VECS * SN_LANES)

typedef double SL_FN(sn_vd) __attribute__((vector_size(SL_VBYTES)));

/* 1.0 / den in every lane, correctly rounded: native's bits.
 *
 * AVX-512: a 14-bit estimate (vrcp14pd), then three Newton steps
 * y += y * (1 - den * y), each residual and update one fused multiply-add.
 * Two steps leave y within 1 ulp of 1 / den (error about 2^-56 + rounding);
 * the third, from a y that close with an exact residual, rounds correctly
 * (Markstein's theorem) for every den whose significand is not all ones, and
 * the denominators here are integers below 2^35, whose 53-bit significands end
 * in zeros. (Checked against 1.0 / den for every integer below 2^30 and the
 * 2^24 below 2^35; only 2^53 - 1 was wrong. Two steps were wrong for 27,234 of
 * the first 2 * 10^7.)
 * 8 operations per 8 lanes on two multiply-add ports instead of one division.
 * Other paths: the division itself. */
static inline SL_FN(sn_vd) SL_FN(sn_recip)(SL_FN(sn_vd) den)
{
#if defined(SL_SIMD_X86) && SL_VBYTES == 64
    const __m512d d = (__m512d)den, one = _mm512_set1_pd(1.0);
    __m512d y = _mm512_rcp14_pd(d);
    int step;
    for (step = 0; step < 3; step++)
        y = _mm512_fmadd_pd(y, _mm512_fnmadd_pd(d, y, one), y);
    return (SL_FN(sn_vd))y;
#else
    return 1.0 / den;
#endif
}

/* Rows begin..end-1 of A·u (or Aᵀ·u when `transpose`) into v, SN_ROWS at a
 * time; a last partial group computes whole vectors and stores only rows
 * below `end` (rows past n are valid entries of the infinite A: harmless). */
static void SL_FN(spectralnorm_rows)(const double *u, double *v, long long n,
                                     long long begin, long long end, int transpose)
{
    typedef SL_FN(sn_vd) vd;
    long long i, j;
    int r, l;
    for (i = begin; i < end; i += SN_ROWS) {
        vd den[SN_VECS], step[SN_VECS], sum[SN_VECS];
        double lanes_den[SN_ROWS], lanes_step[SN_ROWS], lanes_sum[SN_ROWS];
        for (l = 0; l < SN_ROWS; l++) {
            long long row = i + l;
            /* A(row, 0) = 1 / (row(row+1)/2 + row + 1); Aᵀ: A(0, row) = 1 / (row(row+1)/2 + 1). */
            lanes_den[l] = (double)(row * (row + 1) / 2 + (transpose ? 1 : row + 1));
            lanes_step[l] = (double)(row + (transpose ? 2 : 1));
        }
        for (r = 0; r < SN_VECS; r++) {
            __builtin_memcpy(&den[r], lanes_den + r * SN_LANES, sizeof(vd));
            __builtin_memcpy(&step[r], lanes_step + r * SN_LANES, sizeof(vd));
            sum[r] = (vd){0};
        }
        for (j = 0; j < n; j++) {
            const double uj = u[j];
            for (r = 0; r < SN_VECS; r++) {
                sum[r] += SL_FN(sn_recip)(den[r]) * uj;
                den[r] += step[r];
                step[r] += 1.0;
            }
        }
        for (r = 0; r < SN_VECS; r++)
            __builtin_memcpy(lanes_sum + r * SN_LANES, &sum[r], sizeof(vd));
        for (l = 0; l < SN_ROWS && i + l < end; l++)
            v[i + l] = lanes_sum[l];
    }
}

#undef SN_LANES
#undef SN_VECS
#undef SN_ROWS
