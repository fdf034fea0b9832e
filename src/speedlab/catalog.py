"""THE list of kernels. One entry each; everything else reads it.

The command line (``list``, ``run``, ``verify``, ``bench``, ``explain``), the test
suite and the benchmarks iterate over :func:`kernels`. Adding a kernel means
adding its files (``kernels/NAME.pyx``, ``src/speedlab/pure/NAME.py``,
``src/speedlab/NAME.py``) and one entry in ``BUILTIN`` below.

Importing this module imports no implementation: variants are loaded on first use.
"""

from __future__ import annotations

from speedlab import fasta, knucleotide, nbody, revcomp
from speedlab.spec import KernelSpec, Sizes, Variant, floats


def _steps(n):
    return (n,)


def _fasta_input(n):
    """The input of the programs that read FASTA: the output of ``fasta n``, as bytes."""
    from speedlab.pure.fasta import fasta as generate

    return (generate(n),)


def _fasta_bytes(n):
    """Bytes of ``fasta n`` (the unit of work of the programs that read it)."""
    return float(fasta.output_length(n))


def _random_fasta(rng):
    """Random valid FASTA: 1-3 records, any line width, mixed case, IUPAC and odd bytes."""
    alphabet = b"ACGTUMRWSYKVHDBNacgtumrwsykvhdbnXx-*"
    parts = []
    for index in range(rng.randint(1, 3)):
        width = rng.randint(1, 80)
        sequence = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 500)))
        lines = [sequence[i:i + width] for i in range(0, len(sequence), width)]
        parts.append(b">record %d\n" % index + b"".join(line + b"\n" for line in lines))
    return (b"".join(parts),)


def _random_three(rng):
    """Random valid knucleotide input: a record THREE of random bases, mixed case, any width."""
    width = rng.randint(1, 80)
    sequence = bytes(rng.choice(b"ACGTacgt") for _ in range(rng.randint(0, 400)))
    lines = b"".join(sequence[i:i + width] + b"\n" for i in range(0, len(sequence), width))
    return (b">ONE x\nNNNN\n>THREE y\n" + lines + b">FOUR\nacgt\n",)


#: Calls every FASTA-reading kernel must refuse before native code runs.
_BAD_FASTA = (
    ((b"",), ValueError),                                    # empty
    ((b"ACGT\nACGT\n",), ValueError),                        # no '>' header: not FASTA
    ((">ONE\nACGT\n",), TypeError),                          # str, not bytes
    ((None,), TypeError),
    ((3,), TypeError),
    ((memoryview(b">ONE\nACGTACGT\n")[::2],), ValueError),  # not C-contiguous
    ((memoryview(b">ONE\nACGTACGTAC\n").cast("I"),), ValueError),  # 4-byte items
)


#: Calls every size-taking kernel must refuse (fasta's n, like nbody's steps).
_BAD_SIZES = (
    ((-1,), ValueError),
    ((2**31,), ValueError),  # would wrap around in a C int
    ((2**64,), ValueError),
    (("x",), TypeError),
    ((2.5,), TypeError),
    ((True,), TypeError),
    ((None,), TypeError),
)


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
        name="fasta",
        summary="three DNA records: ALU repeated, two drawn from an LCG; 60 per line",
        api="speedlab.fasta:fasta",
        variants=(
            # pure Python writes ~2 M characters a second; bigger runs are
            # normalised per output character
            Variant("python", "speedlab.pure.fasta:fasta", max_n=250_000),
            Variant("compiled", "speedlab._compiled.fasta:fasta", max_n=250_000),
            Variant("typed", "speedlab._native.fasta:fasta_typed", max_n=1_000_000),
            Variant("native", "speedlab._native.fasta:fasta_native"),
            Variant("parallel", "speedlab._native.fasta:fasta_parallel", threads=True),
            Variant("c", "speedlab._native.fasta:fasta_c"),
        ),
        make_input=_steps,
        sizes=Sizes(test=1000, quick=25_000, full=250_000, headline=25_000_000),
        unit="output character",
        work=fasta.output_length,
        render=fasta.render,
        oracles={1000: "fasta-1000.txt"},
        # 0 (headers only), partial and exact lines, one ALU period, several chunks' worth
        sample_sizes=(0, 1, 6, 30, 287, 12_345),
        bad_inputs=_BAD_SIZES[:2] + (((fasta.MAX_N + 1,), ValueError),) + _BAD_SIZES[2:],
    ),
    KernelSpec(
        name="revcomp",
        summary="reverse complement of each FASTA record (IUPAC), 60 per line",
        api="speedlab.revcomp:reverse_complement",
        variants=(
            Variant("python", "speedlab.pure.revcomp:reverse_complement"),
            Variant("compiled", "speedlab._compiled.revcomp:reverse_complement"),
            Variant("typed", "speedlab._native.revcomp:reverse_complement_typed"),
            Variant("native", "speedlab._native.revcomp:reverse_complement_native"),
            Variant("c", "speedlab._native.revcomp:reverse_complement_c"),
        ),
        make_input=_fasta_input,
        # Python itself runs at ~10 ns a byte here (translate and slicing are C),
        # so every variant can take the full size.
        sizes=Sizes(test=1000, quick=100_000, full=1_000_000, headline=25_000_000),
        unit="input byte",
        work=_fasta_bytes,
        render=revcomp.render,
        oracles={1000: "revcomp-1000.txt"},
        sample_sizes=(0, 1, 7, 287, 12_345),
        reads_fasta=True,
        random_input=_random_fasta,
        bad_inputs=_BAD_FASTA,
        no_parallel="two or three passes at memory speed (memchr/memmove, a table lookup per byte) "
        "that a second core would share the bandwidth of; the in-place line spreading must run "
        "last line first, and the records are few and unequal",
    ),
    KernelSpec(
        name="knucleotide",
        summary="1-mer and 2-mer frequencies and five fragment counts in FASTA record THREE",
        api="speedlab.knucleotide:knucleotide",
        variants=(
            # pure Python counts ~2 M windows a second, seven tables of len(THREE)
            # windows each (n = 100,000: 3.5 M windows); bigger runs are
            # normalised per input byte
            Variant("python", "speedlab.pure.knucleotide:knucleotide", max_n=100_000),
            Variant("compiled", "speedlab._compiled.knucleotide:knucleotide", max_n=100_000),
            Variant("typed", "speedlab._native.knucleotide:knucleotide_typed", max_n=100_000),
            Variant("native", "speedlab._native.knucleotide:knucleotide_native"),
            Variant("parallel", "speedlab._native.knucleotide:knucleotide_parallel", threads=True),
            Variant("packed", "speedlab._native.knucleotide:knucleotide_packed",
                    note="breaks the official rule: 2-bit keys in speedlab's own open-addressing "
                    "table instead of a library hash table"),
            Variant("c", "speedlab._native.knucleotide:knucleotide_c",
                    note="hand-written C of packed's algorithm (C has no library hash table)"),
        ),
        make_input=_fasta_input,
        # NOTE: below ~100,000 most 12- and 18-mers are new (the generator repeats
        # after 139,968 draws), so a smaller quick size would time table inserts
        # rather than the counting the program is about.
        sizes=Sizes(test=1000, quick=100_000, full=250_000, headline=25_000_000),
        unit="input byte",
        work=_fasta_bytes,
        render=knucleotide.render,
        oracles={1000: "knucleotide-1000.txt"},
        # empty THREE, shorter than the longest fragment, past the parallel threshold
        sample_sizes=(0, 1, 3, 287, 12_345, 30_000),
        reads_fasta=True,
        random_input=_random_three,
        bad_inputs=_BAD_FASTA + (
            ((b">ONE\nACGT\n",), ValueError),                # no record THREE
            ((b">THREE\nACGTN\n",), ValueError),             # not a base: no 2-bit code
            ((b">THREE\r\nACGT\r\n",), ValueError),          # CR line ends
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
