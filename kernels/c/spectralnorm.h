/* Hand-written C spectral norm: the `c` rung, speedlab's ceiling for this kernel.
 * The matrix-vector products over a range of rows, in the same operation order
 * as every other rung (each row a left-to-right sum of A(i,j) * u[j]); the
 * Cython driver in spectralnorm.pyx calls them in chunks between Ctrl-C checks.
 * Compiled into speedlab._native.spectralnorm with the same flags as the Cython code. */
#ifndef SPEEDLAB_C_SPECTRALNORM_H
#define SPEEDLAB_C_SPECTRALNORM_H

/* v[i] = (A u)[i] for row_begin <= i < row_end; u and v hold n doubles. */
void spectralnorm_c_a_times_u(const double *u, double *v, long long n,
                              long long row_begin, long long row_end);

/* v[i] = (A^T u)[i] for row_begin <= i < row_end. */
void spectralnorm_c_at_times_u(const double *u, double *v, long long n,
                               long long row_begin, long long row_end);

/* sqrt(u.v / v.v), the two dot products summed left to right. */
double spectralnorm_c_result(const double *u, const double *v, long long n);

#endif
