"""spectral-norm in plain Python: the reference the ``python`` rung is measured against.

    python benchmarks/baselines/spectralnorm.py N

Prints what ``speedlab run spectralnorm N`` prints. Standard library only, one
process. A(i, j) = 1 / (T(i + j) + i + 1) with T(k) = k (k + 1) / 2, the
triangular numbers: they are tabulated once per size, so each product row is
one list comprehension over ``zip`` of a slice of that table and the vector,
summed by ``sum``. Every term is ``1.0 / denominator * u[j]``, added in index
order: the same floating-point operations as every rung, so the result agrees
with them to the last bit.
"""

import sys
from math import sqrt


def products(n):
    """Functions computing A·u and Aᵀ·u for vectors of length ``n``."""
    tri = [k * (k + 1) // 2 for k in range(2 * n)]  # T(i + j) for every i + j < 2n
    cols = range(1, n + 1)

    def a_times(u):
        return [sum([1.0 / (t + i) * u_j for t, u_j in zip(tri[i - 1:i - 1 + n], u)])
                for i in range(1, n + 1)]

    def at_times(u):
        # Aᵀ(i, j) = A(j, i) = 1 / (T(i + j) + j + 1)
        return [sum([1.0 / (t + j) * u_j for t, j, u_j in zip(tri[i:i + n], cols, u)])
                for i in range(n)]

    return a_times, at_times


def main(n):
    a_times, at_times = products(n)
    u = [1.0] * n
    for _ in range(10):
        v = at_times(a_times(u))
        u = at_times(a_times(v))
    vbv = sum([ue * ve for ue, ve in zip(u, v)])
    vv = sum([ve * ve for ve in v])
    sys.stdout.write(f"{sqrt(vbv / vv):.9f}\n")


if __name__ == "__main__":
    main(int(sys.argv[1]))
