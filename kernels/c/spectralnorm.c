/* Hand-written C spectral norm (the `c` rung). See spectralnorm.h. */
#include <math.h>

#include "spectralnorm.h"

/* Entry (i, j) of A, 0-based. 64-bit integers: (i + j)(i + j + 1) passes
 * 2^31 once n > 32768, and the value stays exact in a double far beyond that.
 * The product is never negative, so >> 1 halves it exactly; a signed / 2
 * would cost a sign fix-up the compiler cannot drop in this separate file
 * (inlined into the Cython driver, it sees the indices start at 0). */
static inline double eval_a(long long i, long long j)
{
    return 1.0 / (double)(((i + j) * (i + j + 1) >> 1) + i + 1);
}

/* Rows are computed two at a time, as in spectralnorm.pyx: each row is still
 * one left-to-right sum, so the result is the same, but the two independent
 * sums hide the latency of the additions and let the compiler issue both
 * rows' divisions as one SSE2 divpd. */
void spectralnorm_c_a_times_u(const double *u, double *v, long long n,
                              long long row_begin, long long row_end)
{
    long long i = row_begin;
    for (; i + 1 < row_end; i += 2) {
        double sum0 = 0.0, sum1 = 0.0;
        for (long long j = 0; j < n; j++) {
            sum0 += eval_a(i, j) * u[j];
            sum1 += eval_a(i + 1, j) * u[j];
        }
        v[i] = sum0;
        v[i + 1] = sum1;
    }
    if (i < row_end) {
        double sum = 0.0;
        for (long long j = 0; j < n; j++)
            sum += eval_a(i, j) * u[j];
        v[i] = sum;
    }
}

void spectralnorm_c_at_times_u(const double *u, double *v, long long n,
                               long long row_begin, long long row_end)
{
    long long i = row_begin;
    for (; i + 1 < row_end; i += 2) {
        double sum0 = 0.0, sum1 = 0.0;
        for (long long j = 0; j < n; j++) {
            sum0 += eval_a(j, i) * u[j];
            sum1 += eval_a(j, i + 1) * u[j];
        }
        v[i] = sum0;
        v[i + 1] = sum1;
    }
    if (i < row_end) {
        double sum = 0.0;
        for (long long j = 0; j < n; j++)
            sum += eval_a(j, i) * u[j];
        v[i] = sum;
    }
}

double spectralnorm_c_result(const double *u, const double *v, long long n)
{
    double vbv = 0.0, vv = 0.0;
    for (long long i = 0; i < n; i++) {
        vbv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    return sqrt(vbv / vv);
}
