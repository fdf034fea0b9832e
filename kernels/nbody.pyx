"""N-body on the typed and native rungs, plus the hand-written C ceiling.

Compiled to ``speedlab._native.nbody``. The algorithm, initial conditions and
operation order are those of the pure twin (``speedlab/pure/nbody.py``), so every
rung returns the same energies:

* ``energies_typed``  -- the ``typed`` rung: C doubles for every scalar, but the
  bodies stay in Python lists (each read unboxes, each write allocates a float)
  and bounds/wraparound/division checks stay on. It isolates static typing.
* ``energies_native`` -- the ``native`` rung: the bodies live in a C struct array
  on the stack, the step loop touches no Python object, allocates nothing and
  runs without the GIL. Diffed against ``typed``, only memory discipline changes.
* ``energies_simd``   -- the ``simd`` rung: ``native`` with each step in explicit
  vector instructions (``kernels/simd/nbody_body.h``): a body's position and
  velocity are one vector each, so a pair's velocity update is a few vector
  operations, and the ten pairs' squares, square roots and divisions run 4
  pairs per instruction (AVX2, AVX-512; 2 with SSE2 or NEON), the path chosen
  at run time (``speedlab._simd``). Every lane does native's operations in
  native's order, so the energies are native's bits on SSE2, AVX2 and NEON;
  AVX-512 replaces the square root and the division by an estimate of 1/sqrt
  and a series (``nb_mag``): within a few ulps, the same printed digits.
* ``energies_c``      -- the ``c`` rung: ``kernels/c/nbody.c``, same flags.
* ``energies_rust``   -- the ``rust`` reference: ``kernels/rust/src/nbody.rs``, the
  same algorithm in safe Rust, called exactly as ``energies_c`` calls the C.

There is no ``parallel`` rung: one step updates five bodies that all depend on
each other, and the steps are sequential, so nothing divides across threads.
"""

cimport cython
from cpython.exc cimport PyErr_CheckSignals
from libc.math cimport sqrt

from rust_abi cimport RUST_BUILT, rust_check, rust_force_panic

from speedlab._simd import path_id as simd_path_id
from speedlab.pure.nbody import DT, make_system, offset_momentum, perturbed_system


cdef extern from "c/nbody.h":
    ctypedef struct nbody_c_body:
        double x, y, z, vx, vy, vz, mass
    double nbody_c_energy(const nbody_c_body *bodies) noexcept nogil
    void nbody_c_advance(nbody_c_body *bodies, long steps, double dt) noexcept nogil

cdef extern from "rust/speedlab_rust.h":
    int nbody_rust_energy(const nbody_c_body *bodies, double *out) noexcept nogil
    int nbody_rust_advance(nbody_c_body *bodies, long steps, double dt) noexcept nogil

cdef extern from "simd/nbody.h":
    ctypedef void (*nbody_simd_advance_fn)(nbody_c_body *bodies, long steps, double dt) noexcept nogil
    nbody_simd_advance_fn nbody_simd_advance(int path) noexcept nogil

cdef enum:
    N_BODIES = 5
    N_PAIRS = 10  # 5 * 4 / 2
    # Steps run between two checks for Ctrl-C: about 10 ms of native work, so
    # an interrupt lands quickly while the check costs nothing measurable.
    CHECK_EVERY = 1 << 18
    # The typed rung is ~35x slower per step, so it checks 32x as often (~15 ms):
    # with CHECK_EVERY it took about a second to answer Ctrl-C.
    TYPED_CHECK_EVERY = 1 << 13

ctypedef nbody_c_body Body


# -- typed rung: C scalars, Python containers, checks on -----------------------

@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
cdef double energy_typed(list bodies) except? -1.0:
    """Total energy of bodies held as ``[position, velocity, mass]`` lists."""
    cdef double e = 0.0, dx, dy, dz, m1, m2
    cdef Py_ssize_t i, j, n = len(bodies)
    cdef list r1, v1, r2
    for i in range(n):
        v1 = bodies[i][1]
        m1 = bodies[i][2]
        e += 0.5 * m1 * (v1[0] * v1[0] + v1[1] * v1[1] + v1[2] * v1[2])
    for i in range(n):
        r1 = bodies[i][0]
        m1 = bodies[i][2]
        for j in range(i + 1, n):
            r2 = bodies[j][0]
            m2 = bodies[j][2]
            dx = r1[0] - r2[0]
            dy = r1[1] - r2[1]
            dz = r1[2] - r2[2]
            e -= m1 * m2 / sqrt(dx * dx + dy * dy + dz * dz)
    return e


@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
cdef int advance_typed(list bodies, long steps, double dt) except -1:
    """Advance bodies held in Python lists; every velocity update boxes a float."""
    cdef double dx, dy, dz, d2, mag, m1, m2, m1_mag, m2_mag
    cdef Py_ssize_t i, j, n = len(bodies)
    cdef long s
    cdef list r1, v1, r2, v2
    for s in range(steps):
        for i in range(n):
            r1 = bodies[i][0]
            v1 = bodies[i][1]
            m1 = bodies[i][2]
            for j in range(i + 1, n):
                r2 = bodies[j][0]
                v2 = bodies[j][1]
                m2 = bodies[j][2]
                dx = r1[0] - r2[0]
                dy = r1[1] - r2[1]
                dz = r1[2] - r2[2]
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
        for i in range(n):
            r1 = bodies[i][0]
            v1 = bodies[i][1]
            r1[0] += dt * <double>v1[0]
            r1[1] += dt * <double>v1[1]
            r1[2] += dt * <double>v1[2]
        if s % TYPED_CHECK_EVERY == 0:
            PyErr_CheckSignals()
    return 0


def energies_typed(long steps):
    """Energies before and after ``steps`` steps: the ``typed`` rung."""
    bodies = make_system()
    offset_momentum(bodies)
    before = energy_typed(bodies)
    advance_typed(bodies, steps, DT)
    return before, energy_typed(bodies)


# -- native rung: a C struct array, no Python objects, no GIL -----------------

cdef double energy_native(const Body *b) noexcept nogil:
    """Total energy of the struct array ``b`` (N_BODIES bodies)."""
    cdef double e = 0.0, dx, dy, dz
    cdef int i, j
    for i in range(N_BODIES):
        e += 0.5 * b[i].mass * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz)
    for i in range(N_BODIES):
        for j in range(i + 1, N_BODIES):
            dx = b[i].x - b[j].x
            dy = b[i].y - b[j].y
            dz = b[i].z - b[j].z
            e -= b[i].mass * b[j].mass / sqrt(dx * dx + dy * dy + dz * dz)
    return e


cdef void advance_native(Body *b, long steps, double dt) noexcept nogil:
    """Advance the struct array ``b`` in place: no allocation, no Python objects.

    Each step runs in three passes over the ten pairs -- separations, then
    magnitudes (independent, so the C compiler vectorises sqrt and division),
    then velocity updates in the usual pair order -- so the arithmetic is the
    pure twin's, operation for operation.
    """
    cdef double dx[N_PAIRS]
    cdef double dy[N_PAIRS]
    cdef double dz[N_PAIRS]
    cdef double mag[N_PAIRS]
    cdef double d2, mi_mag, mj_mag
    cdef long s
    cdef int i, j, k
    for s in range(steps):
        k = 0
        for i in range(N_BODIES):
            for j in range(i + 1, N_BODIES):
                dx[k] = b[i].x - b[j].x
                dy[k] = b[i].y - b[j].y
                dz[k] = b[i].z - b[j].z
                k += 1
        for k in range(N_PAIRS):
            d2 = dx[k] * dx[k] + dy[k] * dy[k] + dz[k] * dz[k]
            mag[k] = dt / (d2 * sqrt(d2))
        k = 0
        for i in range(N_BODIES):
            for j in range(i + 1, N_BODIES):
                mj_mag = b[j].mass * mag[k]
                mi_mag = b[i].mass * mag[k]
                b[i].vx -= dx[k] * mj_mag
                b[i].vy -= dy[k] * mj_mag
                b[i].vz -= dz[k] * mj_mag
                b[j].vx += dx[k] * mi_mag
                b[j].vy += dy[k] * mi_mag
                b[j].vz += dz[k] * mi_mag
                k += 1
        for i in range(N_BODIES):
            b[i].x += dt * b[i].vx
            b[i].y += dt * b[i].vy
            b[i].z += dt * b[i].vz


cdef int load_bodies(Body *b, bodies) except -1:
    """Fill ``b`` from a system of the twin's [position, velocity, mass] lists."""
    cdef int i
    if len(bodies) != N_BODIES:
        raise ValueError(f"a system has {N_BODIES} bodies, got {len(bodies)}")
    for i in range(N_BODIES):
        (b[i].x, b[i].y, b[i].z), (b[i].vx, b[i].vy, b[i].vz), b[i].mass = bodies[i]
    return 0


cdef int load_system(Body *b) except -1:
    """Fill ``b`` from the pure twin's initial conditions (momentum offset)."""
    bodies = make_system()
    offset_momentum(bodies)
    return load_bodies(b, bodies)


cdef tuple run_native(Body *b, long steps):
    """Energies of ``b`` before and after ``steps`` native steps (GIL released, Ctrl-C checked)."""
    cdef double before, after
    cdef long done = 0, chunk
    cdef double dt = DT
    before = energy_native(b)
    while done < steps:
        chunk = min(<long>CHECK_EVERY, steps - done)
        with nogil:
            advance_native(b, chunk, dt)
        done += chunk
        PyErr_CheckSignals()
    after = energy_native(b)
    return before, after


def energies_native(long steps):
    """Energies before and after ``steps`` steps: the ``native`` rung."""
    cdef Body bodies[N_BODIES]
    load_system(bodies)
    return run_native(bodies, steps)


def energies_simd(long steps):
    """Energies before and after ``steps`` steps, each step in vector instructions: the ``simd`` rung.

    The bodies and the energies are native's; only the steps change. Raises
    ``speedlab._simd.SimdUnavailable`` when ``SPEEDLAB_SIMD`` forces a path
    this CPU lacks (before any vector instruction runs).
    """
    cdef Body bodies[N_BODIES]
    cdef double before, after
    cdef long done = 0, chunk
    cdef double dt = DT
    # The vector path, chosen once per process (speedlab._simd); NULL for scalar.
    cdef nbody_simd_advance_fn advance = nbody_simd_advance(simd_path_id())
    # NOTE: a vector step is ~1.7x faster, so twice the steps between two
    # Ctrl-C checks keeps them ~10 ms apart (and the call overhead negligible).
    cdef long check_every = CHECK_EVERY * (2 if advance != NULL else 1)
    load_system(bodies)
    before = energy_native(bodies)
    while done < steps:
        chunk = min(check_every, steps - done)
        with nogil:
            if advance != NULL:
                advance(bodies, chunk, dt)
            else:
                advance_native(bodies, chunk, dt)
        done += chunk
        PyErr_CheckSignals()
    after = energy_native(bodies)
    return before, after


def energies_c(long steps):
    """Energies before and after ``steps`` steps: the hand-written C ceiling."""
    cdef Body bodies[N_BODIES]
    cdef double before, after
    cdef long done = 0, chunk
    cdef double dt = DT
    load_system(bodies)
    before = nbody_c_energy(bodies)
    while done < steps:
        chunk = min(<long>CHECK_EVERY, steps - done)
        with nogil:
            nbody_c_advance(bodies, chunk, dt)
        done += chunk
        PyErr_CheckSignals()
    after = nbody_c_energy(bodies)
    return before, after


def energies_rust(long steps):
    """Energies before and after ``steps`` steps: the ``rust`` reference (safe Rust)."""
    cdef Body bodies[N_BODIES]
    cdef double before, after
    cdef long done = 0, chunk
    cdef double dt = DT
    cdef int status
    load_system(bodies)
    rust_check(nbody_rust_energy(bodies, &before), "nbody")
    while done < steps:
        chunk = min(<long>CHECK_EVERY, steps - done)
        with nogil:
            status = nbody_rust_advance(bodies, chunk, dt)
        rust_check(status, "nbody")
        done += chunk
        PyErr_CheckSignals()
    rust_check(nbody_rust_energy(bodies, &after), "nbody")
    return before, after


def _rust_panic(int how):
    """Test only: force a panic inside the rust boundary of this module (see rust_abi.pxd)."""
    rust_force_panic(how, "nbody")


if not RUST_BUILT:
    # Built without Rust: the variant reports the build's reason (speedlab info).
    del energies_rust, _rust_panic


# -- an ensemble of systems: the parts of a split parameter sweep -------------

def simulate_native(bodies, long steps):
    """Energies of ``bodies`` (the twin's [position, velocity, mass] lists) before and after ``steps`` steps.

    The system is copied into the C struct array and advanced by ``advance_native``
    with the GIL released, exactly as ``energies_native`` advances the canonical one.
    """
    cdef Body b[N_BODIES]
    load_bodies(b, bodies)
    return run_native(b, steps)


def ensemble_native(long steps, long members, seed=0, long first=0):
    """``(before, after)`` of members ``first..first + members - 1``: each run by ``simulate_native``."""
    return tuple(simulate_native(perturbed_system(seed, m), steps) for m in range(first, first + members))
