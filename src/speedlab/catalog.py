"""THE list of kernels. One entry each; everything else reads it.

The command line (``list``, ``run``, ``verify``, ``bench``, ``explain``), the test
suite and the benchmarks iterate over :func:`kernels`. Adding a kernel means
adding its files (``kernels/NAME.pyx``, ``src/speedlab/pure/NAME.py``,
``src/speedlab/NAME.py``) and one entry in ``BUILTIN`` below.

Every kernel enters through :func:`register`: the built-in ones below, the ones
an installed package declares in the ``speedlab.kernels`` entry-point group
(loaded on the first call of :func:`kernels`), and a user's spec files
(``speedlab verify --from DIR``, see :mod:`speedlab.byok`).

Importing this module imports no implementation: variants are loaded on first use.
"""

from __future__ import annotations

from math import factorial

from speedlab import (
    binarytrees, chacha20, fannkuchredux, fasta, knucleotide, mandelbrot, nbody, pidigits,
    regexredux, revcomp, spectralnorm,
)
from speedlab._validate import C_INT_MAX
from speedlab.spec import KernelSpec, Sizes, Variant, exact, floats


def _mebibytes(n):
    return float(n) * chacha20.MIB


def _chacha20_random(rng):
    """A random key, nonce and message (any length, not only whole blocks) and a valid counter."""
    size = rng.choice((0, 1, 63, 64, 65, 127, 128, rng.randint(0, 4096), rng.randint(60_000, 140_000)))
    n_blocks = -(-size // chacha20.BLOCK_SIZE)
    # A quarter of the draws end exactly at the last counter, the edge of wrapping.
    last = chacha20.COUNTER_MAX - max(n_blocks - 1, 0)
    counter = last if rng.random() < 0.25 else rng.randint(0, last)
    return rng.randbytes(32), rng.randbytes(12), rng.randbytes(size), counter


def _fasta_bases(n):
    # fasta n holds 2n + 3n + 5n = 10n bases (plus newlines and three headers)
    return 10.0 * n


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


def _bad_sizes(limit, *extra):
    """Calls a kernel whose argument is a size up to ``limit`` must refuse.

    Negative, one past the limit, far past any C integer, and the wrong types
    (a numeric string, a whole float, a bool, None); ``extra`` adds the kernel's own.
    """
    return extra + (
        ((-1,), ValueError),
        ((limit + 1,), ValueError),
        ((2**64,), ValueError),
        (("10",), TypeError),
        ((10.0,), TypeError),
        ((True,), TypeError),
        ((None,), TypeError),
    )


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
            Variant("numba", "speedlab.peers.nbody_numba:energies", optional=True, peer=True,
                    note="Numba @njit (just-in-time peer): compiles on the first call"),
        ),
        make_input=_size,
        sizes=Sizes(test=1000, quick=20_000, full=150_000, headline=50_000_000),
        unit="step",
        work=float,
        render=nbody.render,
        # The official check allows 1e-8; the rungs share one operation order,
        # so they agree far closer, and numpy's pairwise sums differ by ~1e-16.
        compare=floats(abs_tol=1e-9),
        oracles={1000: "nbody-1000.txt"},
        sample_sizes=(0, 1, 10, 2500),
        bad_inputs=_bad_sizes(C_INT_MAX),  # 2**31 would wrap around in a C int
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
        # n > 100,000: 4e11 terms, minutes to hours of work; 0: an empty matrix has no norm
        bad_inputs=_bad_sizes(spectralnorm.MAX_N, ((0,), ValueError)),
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
        bad_inputs=_bad_sizes(mandelbrot.MAX_N),  # past 100,000 the bitmap alone passes 1.25 GB
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
        # 17! permutations: days of work; 0 is undefined in the official programs
        bad_inputs=_bad_sizes(fannkuchredux.MAX_N, ((0,), ValueError)),
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
        bad_inputs=_bad_sizes(binarytrees.MAX_N),  # n = 31: a 2**33-node stretch tree, 256 GiB
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
        make_input=_size,
        sizes=Sizes(test=1000, quick=25_000, full=250_000, headline=25_000_000),
        unit="output character",
        work=fasta.output_length,
        render=fasta.render,
        oracles={1000: "fasta-1000.txt"},
        # 0 (headers only), partial and exact lines, one ALU period, several chunks' worth
        sample_sizes=(0, 1, 6, 30, 287, 12_345),
        bad_inputs=_bad_sizes(fasta.MAX_N, ((2**31,), ValueError)),  # 2**31 would wrap a C int
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
        name="regexredux",
        summary="fasta input: strip headers, count 9 DNA patterns, apply 5 IUB replacements",
        api="speedlab.regexredux:analyse",
        variants=(
            Variant("python", "speedlab.pure.regexredux:analyse"),
            Variant("compiled", "speedlab._compiled.regexredux:analyse"),
            Variant("typed", "speedlab._native.regexredux:analyse_typed"),
            Variant("native", "speedlab._native.regexredux:analyse_native"),
        ),
        make_input=_fasta_input,
        # quick: fasta 100,000 (~1 MB); full: fasta 1,000,000 (~10 MB); PROGRAMS.md's headline 5M
        sizes=Sizes(test=1000, quick=100_000, full=1_000_000, headline=5_000_000),
        unit="base",
        work=_fasta_bases,
        render=regexredux.render,
        oracles={1000: "regexredux-1000.txt"},
        sample_sizes=(0, 1, 30, 5000),
        reads_fasta=True,
        bad_inputs=_BAD_FASTA + (((bytearray(),), ValueError),),  # empty, as a bytearray
        no_parallel="CPython's re holds the GIL while it matches, so the nine counts cannot run "
        "on threads at once; that needs a GIL-free regex engine (PCRE2, optional, not built)",
        why_small="the pure twin already spends ~95% of its time inside CPython's re engine, "
        "which is C: compiling the Python around it, typing it or removing the headers in C "
        "(native) can only speed up the few per cent outside re",
    ),
    KernelSpec(
        name="pidigits",
        summary="digits of pi from Gibbons' unbounded spigot, 10 per line",
        api="speedlab.pidigits:digits",
        variants=(
            Variant("python", "speedlab.pure.pidigits:digits"),
            Variant("compiled", "speedlab._compiled.pidigits:digits"),
            Variant("typed", "speedlab._native.pidigits:digits_typed"),
            Variant("native", "speedlab._native.pidigits:digits_native",
                    note="32-bit-limb numbers updated in place (no GMP)"),
            Variant("c", "speedlab._native.pidigits:digits_c"),
        ),
        make_input=_size,
        # The work is quadratic in n, so every variant runs the same n (no
        # per-digit normalisation): quick 2,000 digits, full 5,000, headline 10,000.
        sizes=Sizes(test=30, quick=2000, full=5000, headline=10_000),
        unit="digit",
        work=float,
        render=pidigits.render,
        oracles={27: "pidigits-27.txt", 30: "pidigits-30.txt"},
        sample_sizes=(0, 1, 9, 10, 11, 250, 1200),
        bad_inputs=_bad_sizes(pidigits.MAX_DIGITS),
        no_parallel="each term of the spigot depends on the one before, and one multiplication "
        "of a few thousand limbs by a word is far too little work to split across threads",
        why_small="CPython's int arithmetic is already C, so the pure twin spends its time in "
        "C; compiled and typed only remove the interpreter between the big-integer calls. "
        "native gains what in-place limb arithmetic saves over a fresh int object per "
        "operation, not a faster multiplication (that would take GMP's assembly)",
    ),
    KernelSpec(
        name="chacha20",
        summary="RFC 8439 ChaCha20: encrypt N MiB of a fixed pattern, print the ciphertext's SHA-256",
        api="speedlab.chacha20:encrypt",
        variants=(
            # pure Python encrypts about 0.6 MiB/s; bigger runs are normalised per byte
            Variant("python", "speedlab.pure.chacha20:encrypt", max_n=1),
            Variant("compiled", "speedlab._compiled.chacha20:encrypt", max_n=1),
            Variant("typed", "speedlab._native.chacha20:encrypt_typed", max_n=4),
            Variant("native", "speedlab._native.chacha20:encrypt_native"),
            Variant("parallel", "speedlab._native.chacha20:encrypt_parallel", threads=True),
            Variant("c", "speedlab._native.chacha20:encrypt_c"),
            Variant("cryptography", "speedlab.peers.chacha20:encrypt", optional=True, peer=True,
                    note="OpenSSL's SIMD assembly via the cryptography package: the ceiling"),
        ),
        make_input=chacha20.run_input,
        # n is in MiB; the headline is PROGRAMS.md's 64 MiB
        sizes=Sizes(test=1, quick=16, full=64, headline=64),
        unit="byte",
        work=_mebibytes,
        render=chacha20.render,
        # The RFC 8439 vectors (tests/test_chacha20.py) and random inputs of every
        # length check the variants; 1 MiB through pure Python costs ~1.7 s per call,
        # too much to repeat for every variant in every catalog test.
        sample_sizes=(0,),
        random_input=_chacha20_random,
        bad_inputs=(
            ((bytes(31), bytes(12), b"x"), ValueError),  # key must be 32 bytes
            ((bytes(33), bytes(12), b"x"), ValueError),
            ((bytes(32), bytes(8), b"x"), ValueError),  # nonce must be 12 bytes (not the original 8)
            ((bytes(32), bytes(12), b"x", -1), (OverflowError, ValueError)),
            ((bytes(32), bytes(12), b"x", 2**32), (OverflowError, ValueError)),
            ((bytes(32), bytes(12), bytes(65), 2**32 - 1), (OverflowError, ValueError)),  # wraps
            ((bytes(32), bytes(12), "text"), TypeError),
            (("k" * 32, bytes(12), b"x"), TypeError),
            ((bytes(32), "n" * 12, b"x"), TypeError),
            ((bytes(32), bytes(12), 12345), TypeError),
            ((bytes(32), bytes(12), b"x", 1.0), TypeError),
            ((bytes(32), bytes(12), b"x", True), TypeError),
        ),
    ),
)

#: The entry-point group through which an installed package adds kernels: each
#: entry point loads a KernelSpec, an iterable of them, or a callable returning either.
ENTRY_POINT_GROUP = "speedlab.kernels"

_registry: dict[str, KernelSpec] = {}
_origin: dict[str, str] = {}  # kernel name -> who registered it, for duplicate errors
_broken: dict[str, str] = {}  # entry point "dist:name" -> why it could not be loaded
_entry_points_loaded = False
_scope: tuple[str, ...] | None = None


def register(spec: KernelSpec, *, replace: bool = False, origin: str = "speedlab.register") -> KernelSpec:
    """Add ``spec`` to the catalog: the one way any kernel, built-in or not, gets in.

    Parameters
    ----------
    spec : KernelSpec
    replace : bool
        Overwrite a kernel of the same name instead of refusing it.
    origin : str
        Who registers it (a file, an entry point), named in the duplicate error.

    Returns
    -------
    KernelSpec
        ``spec``, so ``register`` also works as ``SPEC = register(KernelSpec(...))``.

    Raises
    ------
    TypeError
        ``spec`` is not a :class:`speedlab.KernelSpec`.
    ValueError
        A kernel of that name is registered already (and ``replace`` is false).
    """
    if not isinstance(spec, KernelSpec):
        raise TypeError(f"spec must be a speedlab.KernelSpec, not {type(spec).__name__}")
    if spec.name in _registry and not replace:
        raise ValueError(
            f"duplicate kernel name {spec.name!r}: already registered by {_origin[spec.name]}, "
            f"registered again by {origin}; rename one of them"
        )
    _registry[spec.name] = spec
    _origin[spec.name] = origin
    return spec


for _spec in BUILTIN:
    register(_spec, origin="speedlab (built-in)")


def _specs_of(obj: object, where: str) -> list[KernelSpec]:
    """The KernelSpecs ``obj`` stands for (a spec, an iterable, or a callable returning either)."""
    if callable(obj) and not isinstance(obj, KernelSpec):
        obj = obj()
    if isinstance(obj, KernelSpec):
        return [obj]
    try:
        specs = list(obj)
    except TypeError:
        raise TypeError(f"{where} gives a {type(obj).__name__}, not a KernelSpec or an iterable of them") from None
    for item in specs:
        if not isinstance(item, KernelSpec):
            raise TypeError(f"{where} gives a {type(item).__name__} among its specs, not a KernelSpec")
    return specs


def load_entry_points() -> None:
    """Register the kernels of installed packages (group ``speedlab.kernels``), once.

    An entry point that fails (import error, wrong type, duplicate name) is recorded
    in :func:`broken` and skipped: the other kernels still work.
    """
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep.dist, "name", None) or "?"
        where = f"entry point {ep.name!r} ({ep.value}) of {dist}"
        try:
            specs = _specs_of(ep.load(), where)
            for spec in specs:  # check all before registering any: all or nothing
                if spec.name in _registry:
                    raise ValueError(f"duplicate kernel name {spec.name!r}: already registered by "
                                     f"{_origin[spec.name]}")
            for spec in specs:
                register(spec, origin=where)
        except Exception as exc:  # anything the package does wrong is its own problem
            _broken[f"{dist}:{ep.name}"] = f"{type(exc).__name__}: {exc}".splitlines()[0]


def is_registered(spec: KernelSpec) -> bool:
    """True when this very spec object is in the catalog (a file loaded twice is not a duplicate)."""
    return _registry.get(spec.name) is spec


def broken() -> dict[str, str]:
    """Entry points that could not be loaded: ``"dist:name" -> reason``."""
    load_entry_points()
    return dict(_broken)


def restrict(names) -> None:
    """Make :func:`kernels`, :func:`names` and :func:`get` see only ``names`` (None: all).

    The command line's ``--from PATH`` uses it so a verb works on the user's kernels only.
    """
    global _scope
    if names is not None:
        missing = [n for n in names if n not in _registry]
        if missing:
            raise ValueError(f"cannot restrict the catalog to unregistered kernels: {', '.join(missing)}")
        names = tuple(names)
    _scope = names


def _visible() -> dict[str, KernelSpec]:
    load_entry_points()
    if _scope is None:
        return _registry
    return {name: _registry[name] for name in _scope}


def kernels() -> tuple[KernelSpec, ...]:
    """Every registered kernel: built-in ones first, then installed and user kernels."""
    return tuple(_visible().values())


def builtin_kernels() -> tuple[KernelSpec, ...]:
    return BUILTIN


def names() -> tuple[str, ...]:
    return tuple(_visible())


def get(name: str) -> KernelSpec:
    """The kernel called ``name``; ValueError listing the valid names otherwise."""
    if not isinstance(name, str):
        raise TypeError(f"kernel name must be a str, not {type(name).__name__}")
    if _scope is None and name in _registry:
        # NOTE: the fast path every public function takes (speedlab.nbody.energies
        # -> choose -> get): installed packages are not imported for a built-in kernel.
        return _registry[name]
    visible = _visible()
    try:
        return visible[name]
    except KeyError:
        raise ValueError(f"unknown kernel {name!r}; valid: {', '.join(visible)}") from None


def oracle_path(filename: str):
    """Path of a canonical output shipped in ``speedlab/data/oracles``."""
    from importlib.resources import files

    return files("speedlab.data").joinpath("oracles", filename)
