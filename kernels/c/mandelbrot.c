/* Hand-written C Mandelbrot (the `c` rung). See mandelbrot.h. */
#include "mandelbrot.h"

#define MAX_ITER 50    /* the program's fixed iteration count */
#define LIMIT_SQ 4.0   /* escape radius squared */

/* 1 when c = cr + ci*i stays within |z|^2 <= 4 for MAX_ITER iterations. */
static inline int in_set(double cr, double ci)
{
    double zr = 0.0, zi = 0.0, tr = 0.0, ti = 0.0;
    for (int i = 0; i < MAX_ITER; i++) {
        zi = 2.0 * zr * zi + ci;
        zr = tr - ti + cr;
        tr = zr * zr;
        ti = zi * zi;
        if (tr + ti > LIMIT_SQ)
            return 0;
    }
    return 1;
}

void mandelbrot_c_rows(unsigned char *bitmap, int n, int row_begin, int row_end)
{
    size_t row_bytes = ((size_t)n + 7) / 8;
    for (int y = row_begin; y < row_end; y++) {
        unsigned char *row = bitmap + (size_t)y * row_bytes;
        double ci = 2.0 * y / n - 1.0;
        for (int x0 = 0; x0 < n; x0 += 8) {
            unsigned int byte = 0;
            for (int x = x0; x < x0 + 8; x++) {
                byte <<= 1;
                if (x < n && in_set(2.0 * x / n - 1.5, ci))
                    byte |= 1;
            }
            row[x0 / 8] = (unsigned char)byte;
        }
    }
}
