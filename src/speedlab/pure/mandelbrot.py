"""Mandelbrot set: an N x N bitmap of [-1.5, 0.5] x [-i, i] as a binary PBM file.

The pure-Python twin: the ``python`` rung of the ladder, and, compiled by Cython
with no type declarations, the ``compiled`` rung (``speedlab._compiled.mandelbrot``).

Algorithm from the Computer Language Benchmarks Game ``mandelbrot`` program:
pixel (x, y) stands for c = (2x/N - 1.5) + (2y/N - 1)i; it is in the set (bit 1)
when z -> z*z + c, from z = 0, stays within |z|^2 <= 4 for 50 iterations. Each
row is packed eight pixels to a byte, leftmost pixel in the most significant bit,
the last byte padded with zero bits; the file is ``P4\\nN N\\n`` and the rows.

It is written as a Python programmer would, with ``complex`` numbers. The escape
test is ``z.real * z.real + z.imag * z.imag > 4.0`` rather than ``abs(z) > 2.0``:
abs() rounds differently (hypot), and the official bitmap is defined by the
squared modulus, so this keeps every boundary pixel byte-exact. CPython's complex
product (a*c - b*d, a*d + b*c) is, for z*z, the official program's arithmetic
operation for operation (zr*zi + zi*zr is exactly 2*zr*zi), so every rung agrees.
"""

from __future__ import annotations

#: Iterations before a point counts as inside (the program's fixed 50).
MAX_ITER = 50
#: Escape radius squared: |z|^2 > 4 means the orbit diverges.
LIMIT_SQ = 4.0


def header(n):
    """The PBM header for an n x n bitmap."""
    return b"P4\n%d %d\n" % (n, n)


def in_set(c):
    """True when ``c`` stays bounded for MAX_ITER iterations of z*z + c."""
    z = 0j
    for _ in range(MAX_ITER):
        z = z * z + c
        if z.real * z.real + z.imag * z.imag > LIMIT_SQ:
            return False
    return True


def row(y, n):
    """Row ``y`` of the bitmap, packed eight pixels to a byte (MSB first, zero-padded)."""
    ci = 2.0 * y / n - 1.0
    packed = bytearray()
    for x0 in range(0, n, 8):
        byte = 0
        for x in range(x0, x0 + 8):
            byte <<= 1
            if x < n and in_set(complex(2.0 * x / n - 1.5, ci)):
                byte |= 1
        packed.append(byte)
    return packed


def pbm(n):
    """The whole PBM file for an n x n image, as bytes."""
    return header(n) + b"".join(row(y, n) for y in range(n))


def rows(n, begin, end):
    """Rows ``begin``..``end - 1`` of the bitmap, without the header (one part of a split image)."""
    return b"".join(row(y, n) for y in range(begin, end))
