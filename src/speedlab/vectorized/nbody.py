"""N-body with NumPy: the pairwise interaction as whole-array operations.

A side reference for ``speedlab.pure.nbody``. With five bodies every array op
handles a handful of numbers, so per-call overhead dominates: NumPy is the wrong
tool for this kernel, and the benchmark shows by how much.
"""

import numpy as np

from speedlab.pure.nbody import DT, make_system, offset_momentum


def _arrays():
    bodies = make_system()
    offset_momentum(bodies)
    r = np.array([b[0] for b in bodies], dtype=np.float64)
    v = np.array([b[1] for b in bodies], dtype=np.float64)
    m = np.array([b[2] for b in bodies], dtype=np.float64)
    return r, v, m


def _energy(r, v, m, i, j):
    kinetic = 0.5 * np.sum(m * np.einsum("ij,ij->i", v, v))
    d = r[i] - r[j]
    potential = np.sum(m[i] * m[j] / np.sqrt(np.einsum("ij,ij->i", d, d)))
    return float(kinetic - potential)


def energies(steps, dt=DT):
    """Energies before and after ``steps`` steps, as ``(before, after)``."""
    r, v, m = _arrays()
    i, j = np.triu_indices(len(m), k=1)
    before = _energy(r, v, m, i, j)
    for _ in range(steps):
        d = r[i] - r[j]
        d2 = np.einsum("ij,ij->i", d, d)
        mag = dt / (d2 * np.sqrt(d2))
        # Pairs share bodies, so the updates must accumulate: add.at does that.
        np.subtract.at(v, i, d * (m[j] * mag)[:, None])
        np.add.at(v, j, d * (m[i] * mag)[:, None])
        r += dt * v
    return before, _energy(r, v, m, i, j)
