/* Hand-written C spectral norm (the `c` rung). See spectralnorm.h. */
#include <math.h>

#include "spectralnorm.h"

/* Entry (i, j) of A, 0-based. 64-bit integers: (i + j)(i + j + 1) passes
 * 2^31 once n > 32768, and the value stays exact in a double far beyond that. */
static inline double eval_a(long long i, long long j)
{
    return 1.0 / (double)((i + j) * (i + j + 1) / 2 + i + 1);
}

void spectralnorm_c_a_times_u(const double *u, double *v, long long n,
                              long long row_begin, long long row_end)
{
    for (long long i = row_begin; i < row_end; i++) {
        double sum = 0.0;
        for (long long j = 0; j < n; j++)
            sum += eval_a(i, j) * u[j];
        v[i] = sum;
    }
}

void spectralnorm_c_at_times_u(const double *u, double *v, long long n,
                               long long row_begin, long long row_end)
{
    for (long long i = row_begin; i < row_end; i++) {
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
