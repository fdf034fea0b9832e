"""N-body compiled by Numba: the just-in-time peer of the ``native`` rung.

The same algorithm, initial conditions and operation order as the pure twin
(``speedlab/pure/nbody.py``), written the way a Numba user would: the bodies in
NumPy arrays, loops in an ``@njit`` function. Numba compiles the function on its
first call; speedlab compiled ahead of time, so ``speedlab bench`` reports both
the steady-state time and that first-call (compile) time.

``fastmath`` stays off and ``cache`` stays off: the first keeps IEEE results equal
to the other rungs, the second keeps the first-call compile time honest (an
on-disk cache would hide it after the first run on a machine).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from speedlab.pure.nbody import DT, make_system, offset_momentum


@numba.njit(cache=False, fastmath=False)
def _energy(r, v, m):
    n = m.shape[0]
    e = 0.0
    for i in range(n):
        e += 0.5 * m[i] * (v[i, 0] * v[i, 0] + v[i, 1] * v[i, 1] + v[i, 2] * v[i, 2])
    for i in range(n):
        for j in range(i + 1, n):
            dx = r[i, 0] - r[j, 0]
            dy = r[i, 1] - r[j, 1]
            dz = r[i, 2] - r[j, 2]
            e -= m[i] * m[j] / math.sqrt(dx * dx + dy * dy + dz * dz)
    return e


@numba.njit(cache=False, fastmath=False, nogil=True)
def _run(r, v, m, steps, dt):
    n = m.shape[0]
    before = _energy(r, v, m)
    for _ in range(steps):
        for i in range(n):
            for j in range(i + 1, n):
                dx = r[i, 0] - r[j, 0]
                dy = r[i, 1] - r[j, 1]
                dz = r[i, 2] - r[j, 2]
                d2 = dx * dx + dy * dy + dz * dz
                mag = dt / (d2 * math.sqrt(d2))
                m2_mag = m[j] * mag
                m1_mag = m[i] * mag
                v[i, 0] -= dx * m2_mag
                v[i, 1] -= dy * m2_mag
                v[i, 2] -= dz * m2_mag
                v[j, 0] += dx * m1_mag
                v[j, 1] += dy * m1_mag
                v[j, 2] += dz * m1_mag
        for i in range(n):
            r[i, 0] += dt * v[i, 0]
            r[i, 1] += dt * v[i, 1]
            r[i, 2] += dt * v[i, 2]
    return before, _energy(r, v, m)


def energies(steps):
    """Energy of the system before and after ``steps`` steps, as ``(before, after)``.

    Parameters
    ----------
    steps : int
        Number of steps of 0.01 years (validated by ``speedlab.nbody.energies``).

    Returns
    -------
    tuple of float
    """
    bodies = make_system()
    offset_momentum(bodies)
    r = np.array([b[0] for b in bodies], dtype=np.float64)
    v = np.array([b[1] for b in bodies], dtype=np.float64)
    m = np.array([b[2] for b in bodies], dtype=np.float64)
    before, after = _run(r, v, m, steps, DT)
    return float(before), float(after)
