"""THE list of kernels. One entry each; everything else reads it.

The command line (``list``, ``run``, ``verify``, ``bench``, ``explain``), the test
suite and the benchmarks iterate over :func:`kernels`. Adding a kernel means
adding its files (``kernels/NAME.pyx``, ``src/speedlab/pure/NAME.py``,
``src/speedlab/NAME.py``) and one entry in ``BUILTIN`` below.

Importing this module imports no implementation: variants are loaded on first use.
"""

from __future__ import annotations

from speedlab import nbody
from speedlab import mandelbrot, spectralnorm
from speedlab.spec import KernelSpec, Sizes, Variant, exact, floats


def _steps(n):
    return (n,)


def _size(n):
    return (n,)


def _spectralnorm_terms(n):
    # 10 rounds x 2 AᵀA products x 2 matrix-vector products x n² terms A(i,j)*u[j]
    return 40.0 * n * n


def _pixels(n):
    return float(n * n)


def _spectralnorm_random(rng):
    # n >= 1 (an empty matrix has no norm); 60 keeps the pure twin under ~50 ms.
    return (rng.randint(1, 60),)


def _mandelbrot_random(rng):
    # Any width, most of them not a multiple of 8 (padded rows); 64 keeps the
    # pure twin under ~50 ms.
    return (rng.randint(0, 64),)


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
        name="spectralnorm",
        summary="spectral norm of an infinite matrix by ten power-method rounds on AᵀA",
        api="speedlab.spectralnorm:norm",
        variants=(
            # pure Python takes ~0.25-0.3 s at n = 200 (1.6 million terms at 150-200 ns);
            # bigger runs are normalised per matrix element
            Variant("python", "speedlab.pure.spectralnorm:norm", max_n=200),
            Variant("compiled", "speedlab._compiled.spectralnorm:norm", max_n=200),
            Variant("typed", "speedlab._native.spectralnorm:norm_typed", max_n=1000),
            Variant("native", "speedlab._native.spectralnorm:norm_native"),
            Variant("parallel", "speedlab._native.spectralnorm:norm_parallel", threads=True),
            # the matrix is stored: 8 n² bytes, 32 MB at n = 2,000
            Variant("numpy", "speedlab.vectorized.spectralnorm:norm", max_n=2000),
            Variant("c", "speedlab._native.spectralnorm:norm_c"),
        ),
        make_input=_size,
        sizes=Sizes(test=100, quick=1000, full=3000, headline=5500),
        unit="matrix element",
        work=_spectralnorm_terms,
        render=spectralnorm.render,
        # The compiled rungs sum in the twin's order and agree to the bit;
        # numpy's BLAS products sum in blocks and differ by ~2e-16.
        compare=floats(abs_tol=1e-12),
        oracles={2: "spectralnorm-2.txt", 100: "spectralnorm-100.txt"},
        # Both sides of the parallel rung's serial threshold (80), odd sizes.
        sample_sizes=(1, 2, 3, 17, 79, 80, 81, 150),
        random_input=_spectralnorm_random,
        bad_inputs=(
            ((0,), ValueError),  # an empty matrix has no norm
            ((-1,), ValueError),
            ((100_001,), ValueError),  # 4e11 terms: minutes to hours of work
            ((2**64,), ValueError),
            (("x",), TypeError),
            ((2.5,), TypeError),
            ((True,), TypeError),
            ((None,), TypeError),
        ),
    ),
    KernelSpec(
        name="mandelbrot",
        summary="N x N binary PBM bitmap of the Mandelbrot set, 50 iterations",
        api="speedlab.mandelbrot:pbm",
        variants=(
            # pure Python needs ~6 us a pixel: 0.25 s at n = 200
            Variant("python", "speedlab.pure.mandelbrot:pbm", max_n=200),
            Variant("compiled", "speedlab._compiled.mandelbrot:pbm", max_n=200),
            Variant("typed", "speedlab._native.mandelbrot:pbm_typed", max_n=1000),
            Variant("native", "speedlab._native.mandelbrot:pbm_native"),
            Variant("parallel", "speedlab._native.mandelbrot:pbm_parallel", threads=True),
            # about eight arrays of n² entries alive at once: ~60 MB at n = 1,000
            Variant("numpy", "speedlab.vectorized.mandelbrot:pbm", max_n=1000),
            Variant("c", "speedlab._native.mandelbrot:pbm_c"),
        ),
        make_input=_size,
        sizes=Sizes(test=200, quick=1000, full=3000, headline=16_000),
        unit="pixel",
        work=_pixels,
        render=mandelbrot.render,
        compare=exact,
        oracles={200: "mandelbrot-200.pbm"},
        # Widths that are not multiples of 8 (padded rows), and both sides of
        # the parallel rung's serial threshold.
        sample_sizes=(0, 1, 7, 9, 15, 16, 17, 63, 101),
        random_input=_mandelbrot_random,
        bad_inputs=(
            ((-1,), ValueError),
            ((100_001,), ValueError),  # the bitmap alone would pass 1.25 GB
            ((2**64,), ValueError),
            (("x",), TypeError),
            ((2.5,), TypeError),
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
