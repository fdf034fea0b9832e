"""THE list of kernels. One entry each; everything else reads it.

The command line (``list``, ``run``, ``verify``, ``bench``, ``explain``), the test
suite and the benchmarks iterate over :func:`kernels`. Adding a kernel means
adding its files (``kernels/NAME.pyx``, ``src/speedlab/pure/NAME.py``,
``src/speedlab/NAME.py``) and one entry in ``BUILTIN`` below.

Importing this module imports no implementation: variants are loaded on first use.
"""

from __future__ import annotations

from math import factorial

from speedlab import nbody
from speedlab import binarytrees, fannkuchredux
from speedlab.spec import KernelSpec, Sizes, Variant, floats


def _steps(n):
    return (n,)


def _size(n):
    return (n,)


def _tree_nodes(n):
    """Nodes binarytrees allocates for ``n``: stretch, long-lived and every depth's trees."""
    max_depth = max(6, n)
    total = ((2 << (max_depth + 1)) - 1) + ((2 << max_depth) - 1)
    for depth in range(4, max_depth + 1, 2):
        total += (1 << (max_depth - depth + 4)) * ((2 << depth) - 1)
    return float(total)


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
    KernelSpec(
        name="fannkuchredux",
        summary="pancake flips over all n! permutations in the task's order; checksum and max flips",
        api="speedlab.fannkuchredux:checksum_maxflips",
        variants=(
            # pure Python needs ~1 s for n = 9 (362,880 permutations); bigger
            # runs are normalised per permutation (flips per permutation grow
            # slowly with n, so normalised ratios slightly favour the slow rung)
            Variant("python", "speedlab.pure.fannkuchredux:checksum_maxflips", max_n=9),
            Variant("compiled", "speedlab._compiled.fannkuchredux:checksum_maxflips", max_n=9),
            Variant("typed", "speedlab._native.fannkuchredux:checksum_maxflips_typed", max_n=10),
            Variant("native", "speedlab._native.fannkuchredux:checksum_maxflips_native"),
            Variant("parallel", "speedlab._native.fannkuchredux:checksum_maxflips_parallel",
                    note="blocks of permutation indices over OpenMP threads", threads=True),
            Variant("c", "speedlab._native.fannkuchredux:checksum_maxflips_c"),
        ),
        make_input=_size,
        sizes=Sizes(test=7, quick=9, full=10, headline=12),
        unit="permutation",
        work=lambda n: float(factorial(n)),
        render=fannkuchredux.render,
        oracles={7: "fannkuchredux-7.txt"},
        # pure Python takes ~0.1 s for 8; tests/test_fannkuchredux.py checks the
        # parallel rung at sizes spanning many blocks against native
        sample_sizes=(1, 2, 3, 5, 8),
        random_input=lambda rng: (rng.randint(1, 8),),
        bad_inputs=(
            ((0,), ValueError),  # undefined in the official programs
            ((-1,), ValueError),
            ((17,), ValueError),  # 17! permutations: days of work
            ((2**64,), ValueError),
            (("7",), TypeError),
            ((7.0,), TypeError),
            ((True,), TypeError),
            ((None,), TypeError),
        ),
    ),
    KernelSpec(
        name="binarytrees",
        summary="build, check and free perfect binary trees: allocation and garbage collection",
        api="speedlab.binarytrees:report",
        variants=(
            # pure Python needs ~1-2 s for n = 14 (3.2 million nodes); bigger
            # runs are normalised per node allocated
            Variant("python", "speedlab.pure.binarytrees:report", max_n=14),
            Variant("compiled", "speedlab._compiled.binarytrees:report", max_n=14),
            Variant("typed", "speedlab._native.binarytrees:report_typed", max_n=16),
            Variant("native", "speedlab._native.binarytrees:report_native",
                    note="C structs, one malloc per node (the official rule)"),
            Variant("parallel", "speedlab._native.binarytrees:report_parallel",
                    note="each depth's trees built on OpenMP threads", threads=True),
            Variant("arena", "speedlab._native.binarytrees:report_arena",
                    note="OUTSIDE the official rules: one malloc'd block per tree, freed at once"),
            Variant("c", "speedlab._native.binarytrees:report_c"),
        ),
        make_input=_size,
        sizes=Sizes(test=10, quick=12, full=14, headline=21),
        unit="node",
        work=_tree_nodes,
        render=binarytrees.render,
        oracles={6: "binarytrees-6.txt", 10: "binarytrees-10.txt"},
        # 0 and 5 run as 6 (max(6, n)); 11 is the first size the parallel rung threads
        sample_sizes=(0, 5, 7, 11),
        bad_inputs=(
            ((-1,), ValueError),
            ((31,), ValueError),  # a 2**33-node stretch tree: 256 GiB
            ((2**64,), ValueError),
            (("10",), TypeError),
            ((10.0,), TypeError),
            ((True,), TypeError),
            ((None,), TypeError),
        ),
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
