"""N-body: energies of the Sun and four gas giants before and after a simulation.

The Computer Language Benchmarks Game ``nbody`` program: a symplectic Euler
integration with dt = 0.01 years. It is the ladder's clearest numeric case: the
pure twin spends its time boxing floats in lists; ``typed`` unboxes the
arithmetic; ``native`` keeps five bodies in a C struct array with no Python object
in the loop and matches hand-written C; ``simd`` holds each body's position and
velocity in one vector and computes the ten pairs' square roots and divisions
4 at a time (AVX2/AVX-512; 2 with SSE2 or NEON), with native's operations in
native's order, so its energies are native's to the last bit. There is no ``parallel``
rung (five mutually dependent bodies do not divide across threads).

>>> from speedlab import nbody
>>> "%.9f %.9f" % nbody.energies(1000)
'-0.169075164 -0.169087605'
"""

from __future__ import annotations

from speedlab._impl import choose
from speedlab._validate import C_INT_MAX, check_int
from speedlab.spec import KernelSpec, Sizes, Variant, bad_sizes, floats, size_input


def energies(steps, *, impl=None):
    """Energy of the system before and after ``steps`` steps.

    Parameters
    ----------
    steps : int
        Number of steps of 0.01 years, 0 <= steps <= 2**31 - 1.
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``, ``simd``,
        ``numpy``, ``c``, ``rust``); None follows ``SPEEDLAB_IMPL`` (native when built).

    Returns
    -------
    tuple of float
        ``(before, after)``; the program prints each with ``%.9f``.

    Raises
    ------
    TypeError
        ``steps`` is not an integer, or ``impl`` is not a string.
    ValueError
        ``steps`` is negative or larger than a C int, or ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    speedlab._simd.SimdUnavailable
        ``impl="simd"`` while ``SPEEDLAB_SIMD`` forces a path this CPU lacks.
    """
    steps = check_int("steps", steps, minimum=0, maximum=C_INT_MAX)
    return choose("nbody", impl)(steps)


def render(result, n):
    """The program's output for ``result = energies(n)``: two ``%.9f`` lines."""
    before, after = result
    return b"%.9f\n%.9f\n" % (before, after)


#: What the catalog knows about this kernel (speedlab list/run/verify/bench/explain read it).
SPEC = KernelSpec(
    name="nbody",
    summary="Sun and 4 planets, symplectic steps; energy before and after",
    api="speedlab.nbody:energies",
    variants=(
        # pure Python needs ~1 s for 150,000 steps; bigger runs are normalised per step
        Variant("python", "speedlab.pure.nbody:energies", max_n=150_000),
        Variant("compiled", "speedlab._compiled.nbody:energies", max_n=150_000),
        Variant("typed", "speedlab._native.nbody:energies_typed", max_n=1_000_000),
        Variant("native", "speedlab._native.nbody:energies_native"),
        Variant("simd", "speedlab._native.nbody:energies_simd",
                note="bodies as vectors, the 10 pairs' sqrt and division 4 (2) at a time "
                     "(AVX2/AVX-512; SSE2, NEON), chosen at run time; native's bits"),
        Variant("numpy", "speedlab.vectorized.nbody:energies", max_n=50_000),
        Variant("c", "speedlab._native.nbody:energies_c"),
        Variant("rust", "speedlab._native.nbody:energies_rust", feature="rust"),
        Variant("numba", "speedlab.peers.nbody_numba:energies", optional=True, peer=True,
                note="Numba @njit (just-in-time peer): compiles on the first call"),
    ),
    make_input=size_input,
    sizes=Sizes(test=1000, quick=20_000, full=150_000, headline=50_000_000),
    unit="step",
    work=float,
    render=render,
    # The official check allows 1e-8; the rungs share one operation order
    # (simd's lanes too), so they agree far closer, and numpy's pairwise sums
    # differ by ~1e-16.
    compare=floats(abs_tol=1e-9),
    oracles={1000: "nbody-1000.txt"},
    sample_sizes=(0, 1, 10, 2500),
    bad_inputs=bad_sizes(C_INT_MAX),  # 2**31 would wrap around in a C int
    no_parallel="five bodies that all depend on each other, steps in sequence: nothing divides",
)
