"""pidigits: the first N digits of pi, from Gibbons' unbounded spigot.

The Computer Language Benchmarks Game ``pidigits`` program: the digits stream
out of a big-integer spigot and are printed ten per line, each line followed by
a tab and ``:`` and the count so far; the last line is padded with spaces.

It is the ladder's big-integer case. The pure twin's time is spent inside
CPython's ``int`` arithmetic, which is already C, so ``compiled`` and ``typed``
gain little. ``native`` replaces the Python ints by unsigned 32-bit-limb
numbers updated in place (no allocation per operation, no GIL); what it can
win is the allocation and the generality of CPython's ints, not a faster
multiplication. That is what the ``gmp`` variant adds, when the build finds
GMP: the same spigot with each pass over the limbs done by GMP's hand-written
assembly (64-bit limbs), and the digit tests decided from the numbers' top limbs
when they are clear (exactly otherwise; ``exact=True`` on the variant itself
runs without that shortcut). There is no ``parallel`` rung: every term depends
on the one before, and the numbers are too small to split one multiplication
across cores.

>>> from speedlab import pidigits
>>> pidigits.digits(12)
'314159265358'
"""

from __future__ import annotations

from speedlab._impl import choose
from speedlab._validate import check_int
from speedlab.spec import KernelSpec, Sizes, Variant, bad_sizes, size_input

#: The spigot is quadratic in N (N terms on numbers of O(N) limbs): 10,000
#: digits take seconds in Python, 100,000 take minutes even on the native rung.
#: Larger N is refused rather than left to run for hours.
MAX_DIGITS = 100_000
#: Digits per output line.
LINE = 10


def digits(n, *, impl=None):
    """The first ``n`` decimal digits of pi.

    Parameters
    ----------
    n : int
        How many digits, 0 <= n <= 100,000.
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``, ``c``,
        ``rust``, and ``gmp`` when the build found GMP); None follows
        ``SPEEDLAB_IMPL`` (native when built).

    Returns
    -------
    str
        ``n`` digits, starting ``"3141"``.

    Raises
    ------
    TypeError
        ``n`` is not an integer, or ``impl`` is not a string.
    ValueError
        ``n`` is negative or above 100,000, or ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built (``gmp``: GMP was not found
        at build time; the message says what to install).
    MemoryError
        The numbers of the spigot cannot grow (every compiled variant checks).
    """
    n = check_int("n", n, minimum=0, maximum=MAX_DIGITS)
    return choose("pidigits", impl)(n)


def render(result, n):
    """The program's output: 10 digits per line, a tab, ``:`` and the count; the last line padded."""
    lines = []
    for start in range(0, len(result), LINE):
        chunk = result[start:start + LINE]
        lines.append(f"{chunk:<{LINE}}\t:{start + len(chunk)}\n")
    return "".join(lines).encode("ascii")


#: What the catalog knows about this kernel (speedlab list/run/verify/bench/explain read it).
SPEC = KernelSpec(
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
        Variant("rust", "speedlab._native.pidigits:digits_rust", feature="rust"),
        Variant("gmp", "speedlab._native.pidigits_gmp:digits_gmp", feature="gmp",
                note="native's spigot on GMP's mpn assembly (libgmp, optional), 64-bit limbs; its digit "
                "tests are decided from the top limbs when clear, a shortcut the official programs "
                "do not take (exact=True: without it)"),
    ),
    make_input=size_input,
    # The work is quadratic in n, so every variant runs the same n (no
    # per-digit normalisation): quick 2,000 digits, full 5,000, headline 10,000.
    sizes=Sizes(test=30, quick=2000, full=5000, headline=10_000),
    unit="digit",
    work=float,
    render=render,
    oracles={27: "pidigits-27.txt", 30: "pidigits-30.txt"},
    sample_sizes=(0, 1, 9, 10, 11, 250, 1200),
    bad_inputs=bad_sizes(MAX_DIGITS),
    no_parallel="each term of the spigot depends on the one before, and one multiplication "
    "of a few thousand limbs by a word is far too little work to split across threads",
    no_split="each digit comes out of the spigot state the digit before left behind: one "
    "sequential recurrence, with no part of the work that does not need all of the part before it",
    why_small="CPython's int arithmetic is already C, so the pure twin spends its time in "
    "C; compiled and typed only remove the interpreter between the big-integer calls. "
    "native gains what in-place limb arithmetic saves over a fresh int object per "
    "operation, not a faster multiplication: that takes GMP's assembly, the gmp variant "
    "(built when GMP is found)",
)
