/* Hand-written C Mandelbrot: the `c` rung, speedlab's ceiling for this kernel.
 * The official program's per-pixel loop (50 iterations of z = z*z + c, escape
 * when |z|^2 > 4), rows packed MSB first and zero-padded to a byte. The Cython
 * driver in mandelbrot.pyx calls it in chunks of rows between Ctrl-C checks.
 * Compiled into speedlab._native.mandelbrot with the same flags as the Cython code. */
#ifndef SPEEDLAB_C_MANDELBROT_H
#define SPEEDLAB_C_MANDELBROT_H

#include <stddef.h>

/* Rows row_begin..row_end-1 of the n x n bitmap; `bitmap` holds n rows of
 * (n + 7) / 8 bytes each, row 0 first. */
void mandelbrot_c_rows(unsigned char *bitmap, int n, int row_begin, int row_end);

#endif
