/* The simd rung's Mandelbrot rows, one body for every vector width (see
 * sl_simd_instantiate.h: SL_FN names it per path, SL_VBYTES sizes the vectors).
 *
 * Each lane is one pixel and follows exactly the scalar orbit of the native
 * rung and the twin: zi = 2*zr*zi + ci; zr = tr - ti + cr; tr = zr*zr;
 * ti = zi*zi; out once tr + ti > 4. The same IEEE operations in the same order
 * (no FMA: -ffp-contract=off), so every path gives the same bits as native.
 * Escape is remembered per lane (a sticky mask), so the orbit of an escaped
 * pixel may run on to inf or NaN without changing its bit; the group stops as
 * soon as every lane has escaped, checked every ITER_BLOCK iterations.
 */
#define MB_LANES (SL_VBYTES / 8)
/* Four vectors in flight: four independent dependency chains keep the
 * multiplier busy (one chain is latency-bound), and 4 x 5 live vectors fit in
 * the 16 registers of SSE2/AVX2 (32 for AVX-512). */
#define MB_VECS 4
#define MB_PIXELS (MB_VECS * MB_LANES)
/* 50 iterations in 10 blocks of 5: the all-escaped test costs a horizontal
 * reduction, so it runs once a block, not every iteration. */
#define MB_ITER_BLOCK 5

typedef double SL_FN(mb_vd) __attribute__((vector_size(SL_VBYTES)));
typedef long long SL_FN(mb_vm) __attribute__((vector_size(SL_VBYTES)));

/* The in-set bits of MB_PIXELS pixels (cr[0..MB_PIXELS)), MSB first, into
 * MB_PIXELS / 8 bytes of `out`. */
static void SL_FN(mandelbrot_group)(const double *cr, double ci, int max_iter,
                                    double limit_sq, unsigned char *out)
{
    typedef SL_FN(mb_vd) vd;
    typedef SL_FN(mb_vm) vm;
    vd vcr[MB_VECS], zr[MB_VECS], zi[MB_VECS], tr[MB_VECS], ti[MB_VECS];
    vm out_mask[MB_VECS];
    const vd vci = (vd){0} + ci, limit = (vd){0} + limit_sq, two = (vd){0} + 2.0;
    int v, k, it = 0;

    for (v = 0; v < MB_VECS; v++) {
        __builtin_memcpy(&vcr[v], cr + v * MB_LANES, sizeof(vd));
        zr[v] = zi[v] = tr[v] = ti[v] = (vd){0};
        out_mask[v] = (vm){0};
    }
    while (it < max_iter) {
        int stop = it + MB_ITER_BLOCK < max_iter ? it + MB_ITER_BLOCK : max_iter;
        for (; it < stop; it++) {
            for (v = 0; v < MB_VECS; v++) {
                zi[v] = two * zr[v] * zi[v] + vci;
                zr[v] = tr[v] - ti[v] + vcr[v];
                tr[v] = zr[v] * zr[v];
                ti[v] = zi[v] * zi[v];
                out_mask[v] |= (vm)(tr[v] + ti[v] > limit);
            }
        }
        vm all = out_mask[0];
        for (v = 1; v < MB_VECS; v++)
            all &= out_mask[v];
        long long every = -1;
        for (k = 0; k < MB_LANES; k++)
            every &= all[k];
        if (every)
            break;  /* every pixel of the group has escaped */
    }
    for (k = 0; k < MB_PIXELS / 8; k++) {
        unsigned byte = 0;
        int p;
        for (p = 8 * k; p < 8 * k + 8; p++)
            byte = (byte << 1) | (out_mask[p / MB_LANES][p % MB_LANES] == 0);
        out[k] = (unsigned char)byte;
    }
}

/* One row: `row_bytes` bytes from the per-column real parts `cr`, which hold
 * at least 8 * row_bytes values rounded up to MB_PIXELS, padded with a value
 * that escapes at once (the row's padding bits are 0, as the format wants). */
static void SL_FN(mandelbrot_row)(const double *cr, double ci, int max_iter,
                                  double limit_sq, unsigned char *row, int row_bytes)
{
    int b;
    for (b = 0; b + MB_PIXELS / 8 <= row_bytes; b += MB_PIXELS / 8)
        SL_FN(mandelbrot_group)(cr + 8 * b, ci, max_iter, limit_sq, row + b);
    if (b < row_bytes) {
        unsigned char tail[MB_PIXELS / 8];
        SL_FN(mandelbrot_group)(cr + 8 * b, ci, max_iter, limit_sq, tail);
        __builtin_memcpy(row + b, tail, (size_t)(row_bytes - b));
    }
}

#undef MB_LANES
#undef MB_VECS
#undef MB_PIXELS
#undef MB_ITER_BLOCK
