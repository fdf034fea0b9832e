"""nearest's spec: the example kernel of speedlab's "bring your own kernel" flow.

    speedlab build examples/nearest             # compile nearest.py and nearest_typed.pyx
    speedlab verify --from examples/nearest     # every rung agrees with the pure twin
    speedlab bench --from examples/nearest --quick

Also the public, validating function :func:`nearest` (``impl=`` picks a rung).
"""

import math
import random
from numbers import Real

from speedlab import KernelSpec, Sizes, Variant, call, floats

#: Top-level while speedlab loads this directory (``--from``), the package's name
#: once installed from its wheel (``speedlab build examples/nearest --wheel``).
PACKAGE = f"{__package__}." if __package__ else ""

#: The loop is O(n^2): 200,000 points is 4e10 pairs, about a minute on all cores;
#: more is refused rather than left to run for hours.
MAX_POINTS = 200_000


def nearest(points, *, impl=None, n_threads=None):
    """For each point, the distance to its nearest other point (``inf`` for a lone point).

    Parameters
    ----------
    points : list of tuple of 3 floats
        At most ``MAX_POINTS`` points.
    impl : str, optional
        ``python``, ``compiled``, ``typed``, ``native`` or ``parallel``; None runs
        ``native`` (built by ``speedlab build``), or ``parallel`` with ``n_threads``.
    n_threads : int, optional
        Threads for ``parallel`` (None: all cores).

    Returns
    -------
    list of float

    Raises
    ------
    TypeError
        ``points`` is not a list of 3-tuples of real numbers, or ``n_threads`` not an int.
    ValueError
        Too many points, a coordinate that is not finite, ``n_threads`` < 1, an unknown ``impl``.
    """
    if not isinstance(points, list):
        raise TypeError(f"points must be a list of (x, y, z) tuples, not {type(points).__name__}")
    if len(points) > MAX_POINTS:
        raise ValueError(f"points: {len(points)} points is more than {MAX_POINTS} (the loop is O(n^2))")
    for index, point in enumerate(points):
        if not (isinstance(point, tuple) and len(point) == 3
                and all(isinstance(c, Real) and not isinstance(c, bool) for c in point)):
            raise TypeError(f"points[{index}] must be a tuple of 3 real numbers, got {point!r:.60}")
        if not all(math.isfinite(c) for c in point):
            raise ValueError(f"points[{index}] has a coordinate that is not finite: {point!r}")
    return call(SPEC, impl, points, n_threads=n_threads)


def make_input(n):
    """``n`` points drawn uniformly in the unit cube, the same for the same ``n``."""
    rng = random.Random(n)
    return ([(rng.random(), rng.random(), rng.random()) for _ in range(n)],)


def render(distances, n):
    """One distance per line, to 9 decimals."""
    return "".join(f"{d:.9f}\n" for d in distances).encode()


def pairs(n):
    """Pairs of points the loop looks at: n * (n - 1)."""
    return float(n * (n - 1))


SPEC = KernelSpec(
    name="nearest",
    summary="distance from each point to its nearest neighbour (all pairs, 3-D)",
    api=PACKAGE + "nearest_spec:nearest",
    variants=(
        # math.dist costs ~100 ns a pair: 2,000 points (4 M pairs) is ~0.4 s a call
        Variant("python", PACKAGE + "nearest:nearest", max_n=2000),
        Variant("compiled", PACKAGE + "nearest:nearest", build="compiled", max_n=2000),
        Variant("typed", PACKAGE + "nearest_typed:nearest_typed", build="native", max_n=5000),
        Variant("native", PACKAGE + "nearest_typed:nearest_native", build="native"),
        Variant("parallel", PACKAGE + "nearest_typed:nearest_parallel", build="native", threads=True),
    ),
    make_input=make_input,
    sizes=Sizes(test=200, quick=2000, full=20_000),
    unit="pair",
    work=pairs,
    render=render,
    # math.dist scales and rounds differently from sqrt(dx*dx + dy*dy + dz*dz):
    # the rungs agree with the twin to a few ulps of distances below sqrt(3).
    compare=floats(abs_tol=1e-12),
    sample_sizes=(0, 1, 2, 100, 1500),
    bad_inputs=(
        ((None,), TypeError),
        (((1.0, 2.0, 3.0),), TypeError),
        (([(1.0, 2.0)],), TypeError),
        (([(1.0, 2.0, "3")],), TypeError),
        (([(1.0, 2.0, math.nan)],), ValueError),
        (([(0.0, 0.0, 0.0)] * (MAX_POINTS + 1),), ValueError),
    ),
)
