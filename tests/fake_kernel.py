"""A tiny fake kernel for the harness tests: the sum of the first n squares.

It has what nbody lacks: a ``parallel`` variant taking ``n_threads``, a rung
that raises (``c``), an optional peer that is not installed, and a ``python``
rung capped by ``max_n`` (so it is normalised per unit of work).
"""

from speedlab.spec import KernelSpec, Sizes, Variant


def python(n):
    return sum(i * i for i in range(n))


def native(n):
    return (n - 1) * n * (2 * n - 1) // 6 if n else 0


def parallel(n, n_threads=None):
    if n_threads is not None and n_threads < 1:
        raise ValueError("n_threads must be >= 1")
    return (n - 1) * n * (2 * n - 1) // 6 if n else 0


def broken(n):
    raise RuntimeError("the c rung is broken on purpose")


def api(n, *, impl=None, n_threads=None):
    fn = SPEC.variant(impl or "native").load()
    return fn(n, n_threads=n_threads) if n_threads else fn(n)


SPEC = KernelSpec(
    name="fakesq",
    summary="sum of the first n squares (a test double)",
    api="fake_kernel:api",
    variants=(
        Variant("python", "fake_kernel:python", max_n=1000),
        Variant("native", "fake_kernel:native"),
        Variant("parallel", "fake_kernel:parallel", threads=True),
        Variant("c", "fake_kernel:broken"),
        Variant("ghost", "no_such_peer_package_xyz:energies", optional=True, peer=True),
    ),
    make_input=lambda n: (n,),
    sizes=Sizes(test=100, quick=2000, full=4000),
    unit="term",
    work=float,
    render=lambda result, n: b"%d\n" % result,
    why_small="it is a test double",
)
