"""N-body: the Sun and the four gas giants, integrated with a symplectic Euler step.

The pure-Python twin: the ``python`` rung of the ladder, and, compiled by Cython
with no type declarations, the ``compiled`` rung (``speedlab._compiled.nbody``).

Algorithm and initial conditions follow the Computer Language Benchmarks Game
``nbody`` program (and pyperformance's ``bm_nbody``): masses in units of 4*pi^2,
velocities in AU per year (x 365.24 days), the Sun's momentum offset so the system
is at rest, then per step, for every pair i < j::

    d = r_i - r_j;  mag = dt / |d|^3;  v_i -= d * m_j * mag;  v_j += d * m_i * mag

followed by ``r += dt * v`` for every body. The energy is reported before and after.
"""

from __future__ import annotations

from itertools import combinations
from math import pi, sqrt

SOLAR_MASS = 4 * pi * pi
DAYS_PER_YEAR = 365.24
DT = 0.01

# (position [AU], velocity [AU/day], mass [solar masses]) for Sun, Jupiter,
# Saturn, Uranus and Neptune, as in the Benchmarks Game programs.
INITIAL_CONDITIONS = (
    ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0), 1.0),
    (
        (4.84143144246472090e00, -1.16032004402742839e00, -1.03622044471123109e-01),
        (1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05),
        9.54791938424326609e-04,
    ),
    (
        (8.34336671824457987e00, 4.12479856412430479e00, -4.03523417114321381e-01),
        (-2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05),
        2.85885980666130812e-04,
    ),
    (
        (1.28943695621391310e01, -1.51111514016986312e01, -2.23307578892655734e-01),
        (2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05),
        4.36624404335156298e-05,
    ),
    (
        (1.53796971148509165e01, -2.59193146099879641e01, 1.79258772950371181e-01),
        (2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05),
        5.15138902046611451e-05,
    ),
)


def make_system():
    """Return the bodies as ``[position, velocity, mass]`` lists in AU, AU/year, 4*pi^2 units."""
    return [
        [list(r), [v * DAYS_PER_YEAR for v in vel], m * SOLAR_MASS]
        for r, vel, m in INITIAL_CONDITIONS
    ]


def offset_momentum(bodies):
    """Give the Sun the momentum that brings the system's total to zero."""
    px = py = pz = 0.0
    for _, (vx, vy, vz), m in bodies:
        px += vx * m
        py += vy * m
        pz += vz * m
    sun_v, sun_m = bodies[0][1], bodies[0][2]
    sun_v[0] = -px / sun_m
    sun_v[1] = -py / sun_m
    sun_v[2] = -pz / sun_m


def energy(bodies):
    """Total energy: kinetic of every body minus the potential of every pair."""
    e = 0.0
    for _, (vx, vy, vz), m in bodies:
        e += 0.5 * m * (vx * vx + vy * vy + vz * vz)
    for ((x1, y1, z1), _, m1), ((x2, y2, z2), _, m2) in combinations(bodies, 2):
        dx = x1 - x2
        dy = y1 - y2
        dz = z1 - z2
        e -= m1 * m2 / sqrt(dx * dx + dy * dy + dz * dz)
    return e


def advance(bodies, steps, dt=DT):
    """Move the system ``steps`` steps of ``dt`` years forward, in place.

    The loop header unpacks both positions into six local floats; reading them
    as ``r1[0] - r2[0]`` ... in the body instead costs about 5% more time.
    """
    pairs = list(combinations(bodies, 2))
    for _ in range(steps):
        for ((x1, y1, z1), v1, m1), ((x2, y2, z2), v2, m2) in pairs:
            dx = x1 - x2
            dy = y1 - y2
            dz = z1 - z2
            d2 = dx * dx + dy * dy + dz * dz
            mag = dt / (d2 * sqrt(d2))
            m2_mag = m2 * mag
            m1_mag = m1 * mag
            v1[0] -= dx * m2_mag
            v1[1] -= dy * m2_mag
            v1[2] -= dz * m2_mag
            v2[0] += dx * m1_mag
            v2[1] += dy * m1_mag
            v2[2] += dz * m1_mag
        for r, (vx, vy, vz), _ in bodies:
            r[0] += dt * vx
            r[1] += dt * vy
            r[2] += dt * vz


def energies(steps):
    """Energy of the system before and after ``steps`` steps, as ``(before, after)``."""
    bodies = make_system()
    offset_momentum(bodies)
    before = energy(bodies)
    advance(bodies, steps)
    return before, energy(bodies)


#: How far an ensemble member's planets start from the canonical system: each
#: coordinate of position and velocity scaled by 1 + PERTURBATION * u, u uniform
#: in [-1, 1] (one part in a million: the spread chaos then grows over a run).
PERTURBATION = 1e-6


def perturbed_system(seed, member):
    """The initial system of ensemble member ``member`` (member 0 is the canonical one).

    The perturbation of member ``m > 0`` is drawn from ``random.Random`` seeded with
    the string ``"speedlab-nbody-ensemble:SEED:m"`` (string seeds are hashed with
    SHA-512: the same numbers on every platform and Python version), so a member's
    start depends on ``(seed, member)`` only, never on which other members run.
    The Sun's momentum is offset afterwards, as for the canonical system.
    """
    import random

    bodies = make_system()
    if member:
        rng = random.Random(f"speedlab-nbody-ensemble:{seed}:{member}")
        for position, velocity, _ in bodies[1:]:
            for vector in (position, velocity):
                for k in range(3):
                    vector[k] *= 1.0 + PERTURBATION * rng.uniform(-1.0, 1.0)
    offset_momentum(bodies)
    return bodies


def simulate(bodies, steps):
    """Energies of ``bodies`` before and after ``steps`` steps (``bodies`` is advanced in place)."""
    before = energy(bodies)
    advance(bodies, steps)
    return before, energy(bodies)


def ensemble(steps, members, seed=0, first=0):
    """``(before, after)`` energies of members ``first..first + members - 1`` of an ensemble."""
    return tuple(simulate(perturbed_system(seed, m), steps) for m in range(first, first + members))
