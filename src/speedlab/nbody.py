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


#: The largest ensemble accepted: each member is a Python call and a result
#: pair, so ten million members already hold ~1 GB of results.
MAX_MEMBERS = 10_000_000
#: Ensemble seeds are 64-bit, like most seed arguments.
MAX_SEED = 2**64 - 1

#: The implementations of :func:`ensemble`.
_ENSEMBLE = {
    "python": "speedlab.pure.nbody:ensemble",
    "compiled": "speedlab._compiled.nbody:ensemble",
    "native": "speedlab._native.nbody:ensemble_native",
}


def ensemble(steps, members, seed=0, first=0, *, impl=None):
    """Energies before and after ``steps`` steps of many perturbed copies of the system.

    The numerical-simulation workload of a parameter sweep: ``members``
    independent simulations whose planets start a millionth away from the
    canonical system (each coordinate of position and velocity scaled by
    ``1 + 1e-6 * u``, ``u`` uniform in [-1, 1], drawn from ``(seed, member)``;
    see ``speedlab.pure.nbody.perturbed_system``). Member 0 is the canonical
    system, so ``ensemble(steps, 1)[0] == energies(steps)``. Members are
    independent: the ensemble splits by member (``speedlab.dask.run("nbody-ensemble", ...)``).

    Parameters
    ----------
    steps : int
        Steps of 0.01 years per member, 0 <= steps <= 2**31 - 1.
    members : int
        How many members, 1 <= members <= 10,000,000.
    seed : int, optional
        Which ensemble, 0 <= seed <= 2**64 - 1.
    first : int, optional
        The number of the first member computed (members ``first`` ..
        ``first + members - 1``): a part of a bigger ensemble.
    impl : str, optional
        ``python``, ``compiled`` or ``native``; None follows ``SPEEDLAB_IMPL``.

    Returns
    -------
    tuple of tuple of float
        ``(before, after)`` per member, in member order.

    Raises
    ------
    TypeError
        An argument is not an integer, or ``impl`` is not a string.
    ValueError
        An argument is out of range, or ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    """
    from speedlab.parts import choose

    steps = check_int("steps", steps, minimum=0, maximum=C_INT_MAX)
    members = check_int("members", members, minimum=1, maximum=MAX_MEMBERS)
    seed = check_int("seed", seed, minimum=0, maximum=MAX_SEED)
    first = check_int("first", first, minimum=0, maximum=MAX_MEMBERS)
    return choose("nbody", impl, _ENSEMBLE)(steps, members, seed, first)


ensemble.impls = tuple(_ENSEMBLE)


def split_ensemble(args, parts):
    """Cut an ensemble into ``parts`` runs of consecutive members.

    Exact: a member's initial conditions depend on ``(seed, member)`` only, and
    its simulation on nothing else, so members computed in any grouping, on any
    machine, give the same energies (the same native code, the same IEEE
    operations in the same order); the parts' tuples concatenated in member
    order are one call's tuple.

    Parameters
    ----------
    args : tuple
        ``(steps, members[, seed[, first]])``, as :func:`ensemble` takes them.
    parts : int
        1 to ``members``.

    Returns
    -------
    list of tuple
        ``(steps, count, seed, first)`` per part, in member order.
    """
    from speedlab.parts import check_parts, spans

    if not 2 <= len(args) <= 4:
        raise TypeError(f"the ensemble split takes (steps, members[, seed[, first]]), got {len(args)} arguments")
    steps, members, seed, first = (tuple(args) + (0, 0))[:4]
    steps = check_int("steps", steps, minimum=0, maximum=C_INT_MAX)
    members = check_int("members", members, minimum=1, maximum=MAX_MEMBERS)
    seed = check_int("seed", seed, minimum=0, maximum=MAX_SEED)
    first = check_int("first", first, minimum=0, maximum=MAX_MEMBERS)
    parts = check_parts(parts, members, "one member per part at most")
    return [(steps, end - begin, seed, first + begin) for begin, end in spans(members, parts)]


def combine_ensemble(results, args):
    """The members' energies, the parts' tuples in order (see :func:`split_ensemble`)."""
    return tuple(pair for part in results for pair in part)


def _render_ensemble(result, n):
    return b"".join(b"%.9f %.9f\n" % pair for pair in result)


def _ensemble_random(rng):
    # up to 6 members of up to 200 steps: the pure twin stays under ~50 ms
    return (rng.randint(0, 200), rng.randint(1, 6), rng.randrange(2**64), rng.randint(0, 1000))


#: The ensemble as a kernel of its own: not in the catalog (it is nbody's, not a
#: new program), but verified with nbody and run by ``speedlab.dask`` by its name.
ENSEMBLE = KernelSpec(
    name="nbody-ensemble",
    summary="many perturbed copies of the n-body system, each simulated independently",
    api="speedlab.nbody:ensemble",
    variants=(
        Variant("python", "speedlab.pure.nbody:ensemble", max_n=1000),
        Variant("compiled", "speedlab._compiled.nbody:ensemble", max_n=1000),
        Variant("native", "speedlab._native.nbody:ensemble_native"),
    ),
    # 16 members of n steps each, seed 0
    make_input=lambda n: (n, 16, 0),
    sizes=Sizes(test=1000, quick=20_000, full=150_000),
    unit="member step",
    work=lambda n: 16.0 * n,
    render=_render_ensemble,
    compare=floats(abs_tol=1e-9),
    sample_sizes=(0, 1, 100),
    random_input=_ensemble_random,
    bad_inputs=(
        ((10, 0), ValueError),
        ((-1, 2), ValueError),
        ((10, 2, -1), ValueError),
        ((10, 2, 0, -1), ValueError),
        ((10.0, 2), TypeError),
        ((10, "2"), TypeError),
    ),
    no_parallel="the members run one after another in one process; they split by member "
    "across processes and machines instead (speedlab.dask)",
    split=split_ensemble,
    combine=combine_ensemble,
)

#: What the catalog knows about this kernel (speedlab list/run/verify/bench/explain read it).
SPEC = KernelSpec(
    name="nbody",
    summary="Sun and 4 planets, symplectic steps; energy before and after",
    api="speedlab.nbody:energies",
    variants=(
        # pure Python needs ~0.7 s for 150,000 steps; bigger runs are normalised per step
        Variant("python", "speedlab.pure.nbody:energies", max_n=150_000),
        Variant("compiled", "speedlab._compiled.nbody:energies", max_n=150_000),
        Variant("typed", "speedlab._native.nbody:energies_typed", max_n=1_000_000),
        Variant("native", "speedlab._native.nbody:energies_native"),
        Variant("simd", "speedlab._native.nbody:energies_simd",
                note="bodies as vectors, the 10 pairs' magnitudes 4 (2) at a time, chosen at "
                     "run time: AVX2, SSE2, NEON by native's sqrt and division (its bits); "
                     "AVX-512 by a 1/sqrt estimate and a series in multiply-adds (<= 5 ulps)"),
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
    no_split="one system's steps are a sequence and its five bodies all depend on each other; "
    "an ensemble of systems splits by member instead (nbody-ensemble: speedlab.nbody.ensemble)",
)
