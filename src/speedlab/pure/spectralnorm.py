"""Spectral norm: the largest singular value of an infinite matrix, by power iteration.

The pure-Python twin: the ``python`` rung of the ladder, and, compiled by Cython
with no type declarations, the ``compiled`` rung (``speedlab._compiled.spectralnorm``).

Algorithm from the Computer Language Benchmarks Game ``spectralnorm`` program
(after "Hundred-dollar, hundred-digit challenge" problem 3): the matrix is

    A(i, j) = 1 / ((i + j) * (i + j + 1) / 2 + i + 1)        (0-based i, j)

and, starting from u = (1, ..., 1), ten rounds of ``v = AᵀA u; u = AᵀA v`` give
``sqrt(u·v / v·v)``, which the program prints with ``%.9f``. Every product is a
sum, in index order, of the terms ``A(i, j) * u[j]``; the compiled rungs keep
that order, so they agree with this twin to the last bit (see the NOTE on sum).

The denominator is ``T(i + j) + i + 1`` with ``T(k) = k (k + 1) / 2``, the
triangular numbers: each product tabulates ``T(k) + 1`` once (2n integers), so
a row of A·u is one list comprehension over a slice of that table zipped with u,
with two integer operations fewer per term than the formula. Writing the formula
out per term, ``sum(eval_A(i, j) * u_j for j, u_j in enumerate(u))`` with a
function ``eval_A`` as the task states it, took 2.4x the CPU time of the
plain-Python reference program at n = 1,000, which this form matches (``python
benchmarks/baselines.py spectralnorm``). The terms, their floating-point
operations and their order are the same either way.
"""

from __future__ import annotations

import math

#: Power-iteration rounds, each two AᵀA products (the program's fixed 10).
ROUNDS = 10


def denominators(count):
    """``T(k) + 1 = k (k + 1) / 2 + 1`` for k < count: A(i, j) = 1 / (T(i + j) + 1 + i)."""
    return [k * (k + 1) // 2 + 1 for k in range(count)]


# NOTE: sum() adds left to right on CPython <= 3.11, which is the order the
# compiled rungs use; from 3.12 it compensates the rounding error of float sums
# (Neumaier), so results there may differ from the compiled rungs in the last
# bit or two (~1e-16), far inside the catalog's tolerance and the 9 printed digits.
def eval_A_times_u(u):
    """The product A·u: row i is the sum of ``u[j] / (T(i + j) + 1 + i)`` over j."""
    n = len(u)
    den = denominators(2 * n)
    return [sum([1.0 / (d + i) * u_j for d, u_j in zip(den[i:i + n], u)]) for i in range(n)]


def eval_At_times_u(u):
    """The product Aᵀ·u: row i is the sum of ``u[j] / (T(i + j) + 1 + j)`` over j."""
    n = len(u)
    den = denominators(2 * n)
    return [sum([1.0 / (d + j) * u_j for d, j, u_j in zip(den[i:i + n], range(n), u)])
            for i in range(n)]


def eval_AtA_times_u(u):
    """The product AᵀA·u."""
    return eval_At_times_u(eval_A_times_u(u))


def norm(n):
    """The spectral norm estimate for the n x n section of A (``%.9f`` in the program)."""
    u = [1.0] * n
    for _ in range(ROUNDS):
        v = eval_AtA_times_u(u)
        u = eval_AtA_times_u(v)
    vBv = sum(ue * ve for ue, ve in zip(u, v))
    vv = sum(ve * ve for ve in v)
    return math.sqrt(vBv / vv)


def product_rows(u, begin, end, transpose):
    """Entries ``begin``..``end - 1`` of A·u (Aᵀ·u when ``transpose``): a block of one product's rows.

    The same terms, summed in the same order, as :func:`eval_A_times_u` and
    :func:`eval_At_times_u`, so blocks put together are that product to the bit.
    """
    n = len(u)
    den = denominators(2 * n)
    if transpose:
        return [sum([1.0 / (d + j) * u_j for d, j, u_j in zip(den[i:i + n], range(n), u)])
                for i in range(begin, end)]
    return [sum([1.0 / (d + i) * u_j for d, u_j in zip(den[i:i + n], u)]) for i in range(begin, end)]
