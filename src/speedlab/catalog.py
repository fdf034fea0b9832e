"""THE list of kernels. One entry each; everything else reads it.

The command line (``list``, ``run``, ``verify``, ``bench``, ``explain``), the test
suite and the benchmarks iterate over :func:`kernels`. Adding a kernel means
adding its files (``kernels/NAME.pyx``, ``src/speedlab/pure/NAME.py``,
``src/speedlab/NAME.py``) and one entry in ``BUILTIN`` below.

Importing this module imports no implementation: variants are loaded on first use.
"""

from __future__ import annotations

from speedlab import nbody
from speedlab.spec import KernelSpec, Sizes, Variant, floats


def _steps(n):
    return (n,)


BUILTIN: tuple[KernelSpec, ...] = (
    KernelSpec(
        name="nbody",
        summary="Sun and 4 planets, symplectic steps; energy before and after",
        api="speedlab.nbody:energies",
        variants=(
            # pure Python needs ~1 s for 150,000 steps; bigger runs are normalised per step
            Variant("python", "speedlab.pure.nbody:energies", max_n=150_000),
            Variant("compiled", "speedlab._compiled.nbody:energies", max_n=150_000),
            Variant("typed", "speedlab._native.nbody:energies_typed", max_n=1_000_000),
            Variant("native", "speedlab._native.nbody:energies_native"),
            Variant("numpy", "speedlab.vectorized.nbody:energies", max_n=50_000),
            Variant("c", "speedlab._native.nbody:energies_c"),
            Variant("numba", "speedlab.peers.nbody_numba:energies", optional=True, peer=True,
                    note="Numba @njit (just-in-time peer): compiles on the first call"),
        ),
        make_input=_steps,
        sizes=Sizes(test=1000, quick=20_000, full=150_000, headline=50_000_000),
        unit="step",
        work=float,
        render=nbody.render,
        # The official check allows 1e-8; the rungs share one operation order,
        # so they agree far closer, and numpy's pairwise sums differ by ~1e-16.
        compare=floats(abs_tol=1e-9),
        oracles={1000: "nbody-1000.txt"},
        sample_sizes=(0, 1, 10, 2500),
        bad_inputs=(
            ((-1,), ValueError),
            ((2**31,), ValueError),  # would wrap around in a C int
            ((2**64,), ValueError),
            (("x",), TypeError),
            ((2.5,), TypeError),
            ((True,), TypeError),
            ((None,), TypeError),
        ),
        no_parallel="five bodies that all depend on each other, steps in sequence: nothing divides",
    ),
)

_registry: dict[str, KernelSpec] = {spec.name: spec for spec in BUILTIN}


def register(spec: KernelSpec, *, replace: bool = False) -> KernelSpec:
    """Add ``spec`` to the catalog (``replace=True`` to overwrite a kernel of the same name)."""
    if not isinstance(spec, KernelSpec):
        raise TypeError(f"spec must be a speedlab.spec.KernelSpec, not {type(spec).__name__}")
    if spec.name in _registry and not replace:
        raise ValueError(f"a kernel named {spec.name!r} is already registered")
    _registry[spec.name] = spec
    return spec


def kernels() -> tuple[KernelSpec, ...]:
    """Every registered kernel, built-in ones first."""
    return tuple(_registry.values())


def builtin_kernels() -> tuple[KernelSpec, ...]:
    return BUILTIN


def names() -> tuple[str, ...]:
    return tuple(_registry)


def get(name: str) -> KernelSpec:
    """The kernel called ``name``; ValueError listing the valid names otherwise."""
    if not isinstance(name, str):
        raise TypeError(f"kernel name must be a str, not {type(name).__name__}")
    try:
        return _registry[name]
    except KeyError:
        raise ValueError(f"unknown kernel {name!r}; valid: {', '.join(_registry)}") from None


def oracle_path(filename: str):
    """Path of a canonical output shipped in ``speedlab/data/oracles``."""
    from importlib.resources import files

    return files("speedlab.data").joinpath("oracles", filename)
