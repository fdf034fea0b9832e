"""Mandelbrot set: an N x N bitmap of [-1.5, 0.5] x [-i, i] as a binary PBM file.

The pure-Python twin: the ``python`` rung of the ladder, and, compiled by Cython
with no type declarations, the ``compiled`` rung (``speedlab._compiled.mandelbrot``).

Algorithm from the Computer Language Benchmarks Game ``mandelbrot`` program:
pixel (x, y) stands for c = (2x/N - 1.5) + (2y/N - 1)i; it is in the set (bit 1)
when z -> z*z + c, from z = 0, stays within |z|^2 <= 4 for 50 iterations. Each
row is packed eight pixels to a byte, leftmost pixel in the most significant bit,
the last byte padded with zero bits; the file is ``P4\\nN N\\n`` and the rows.

The orbit is iterated on two floats, keeping the squares ``zr2 = zr*zr`` and
``zi2 = zi*zi`` from one iteration to the next::

    zi = 2*zr*zi + ci;  zr = zr2 - zi2 + cr;  zr2 = zr*zr;  zi2 = zi*zi;  escape if zr2 + zi2 > 4

which is the official program's arithmetic operation for operation, so every
boundary pixel is byte-exact and every rung agrees. The natural Python form,
``z = z * z + c`` on ``complex`` numbers with the test ``z.real * z.real +
z.imag * z.imag > 4.0`` in a function called per pixel, computes the same
roundings (CPython's complex square is ``(a*a - b*b, a*b + b*a)``) but squares
twice per iteration and boxes complex numbers: it took 1.9x the CPU time of
the plain-Python reference program at N = 1,000, which this form matches
(``python benchmarks/baselines.py mandelbrot``). (``abs(z) > 2.0`` would round
differently: ``abs`` is ``hypot``.)
"""

from __future__ import annotations

#: Iterations before a point counts as inside (the program's fixed 50).
MAX_ITER = 50
#: Escape radius squared: |z|^2 > 4 means the orbit diverges.
LIMIT_SQ = 4.0


def header(n):
    """The PBM header for an n x n bitmap."""
    return b"P4\n%d %d\n" % (n, n)


def row(y, n):
    """Row ``y`` of the bitmap, packed eight pixels to a byte (MSB first, zero-padded)."""
    ci = 2.0 * y / n - 1.0
    packed = bytearray()
    for x0 in range(0, n, 8):
        byte = 0
        for x in range(x0, x0 + 8):
            byte <<= 1
            if x >= n:
                continue  # padding bits of the last byte
            # Inline rather than a function per pixel: the call cost ~7%.
            cr = 2.0 * x / n - 1.5
            zr = zi = zr2 = zi2 = 0.0
            for _ in range(MAX_ITER):
                zi = 2.0 * zr * zi + ci
                zr = zr2 - zi2 + cr
                zr2 = zr * zr
                zi2 = zi * zi
                if zr2 + zi2 > LIMIT_SQ:
                    break
            else:
                byte |= 1  # never escaped: in the set
        packed.append(byte)
    return packed


def pbm(n):
    """The whole PBM file for an n x n image, as bytes."""
    return header(n) + b"".join(row(y, n) for y in range(n))


def rows(n, begin, end):
    """Rows ``begin``..``end - 1`` of the bitmap, without the header (one part of a split image)."""
    return b"".join(row(y, n) for y in range(begin, end))
