"""mandelbrot in plain Python: the reference the ``python`` rung is measured against.

    python benchmarks/baselines/mandelbrot.py N

Prints what ``speedlab run mandelbrot N`` prints (a binary PBM). Standard
library only, one process. Each pixel's orbit is iterated on two floats, the
squares kept from one iteration to the next (``zr² - zi² + cr``, ``2 zr zi +
ci``, escape when ``zr² + zi² > 4``): the official programs' operations, so
every boundary pixel rounds as theirs do. Eight pixels are packed per byte,
leftmost in the most significant bit.
"""

import sys


def main(n):
    out = [b"P4\n%d %d\n" % (n, n)]
    for y in range(n):
        ci = 2.0 * y / n - 1.0
        row = bytearray()
        for x0 in range(0, n, 8):
            byte = 0
            for x in range(x0, x0 + 8):
                byte <<= 1
                if x >= n:
                    continue
                cr = 2.0 * x / n - 1.5
                zr = zi = tr = ti = 0.0
                for _ in range(50):
                    zi = 2.0 * zr * zi + ci
                    zr = tr - ti + cr
                    tr = zr * zr
                    ti = zi * zi
                    if tr + ti > 4.0:
                        break
                else:
                    byte |= 1
            row.append(byte)
        out.append(row)
    sys.stdout.buffer.write(b"".join(out))


if __name__ == "__main__":
    main(int(sys.argv[1]))
