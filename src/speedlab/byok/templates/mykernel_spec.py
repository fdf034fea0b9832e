"""mykernel's spec: what speedlab needs to build, verify and bench it, and its public function.

``speedlab build DIR`` compiles the variants with ``build=`` set;
``speedlab verify --from DIR`` checks every variant against ``python`` and the
golden outputs in ``golden/``; ``speedlab bench --from DIR --quick`` times the
ladder; ``speedlab build DIR --wheel`` packs it all into one package. See
speedlab's README.
"""

import random

from speedlab import KernelSpec, Sizes, Variant, call, exact

#: Where this kernel's modules live: top-level while speedlab loads this directory
#: (``--from DIR``), inside the package named after the directory once installed from
#: its wheel (``speedlab build DIR --wheel``). Start every target below with it.
PACKAGE = f"{__package__}." if __package__ else ""


def mykernel(a, b, *, impl=None, n_threads=None):
    """Counts of the values 0..255 of ``a[i] ^ b[i]``, by the variant ``impl``.

    Parameters
    ----------
    a, b : bytes
        Of one length.
    impl : str, optional
        A variant name (``python``, ``compiled``, ``typed``, ``native``,
        ``parallel``); None runs ``native`` (built by ``speedlab build``), or
        ``parallel`` when ``n_threads`` is given.
    n_threads : int, optional
        Threads for ``parallel`` (None: all cores).

    Returns
    -------
    list of int
        256 counts.

    Raises
    ------
    TypeError
        ``a`` or ``b`` is not bytes, or ``n_threads`` is not an int.
    ValueError
        ``a`` and ``b`` differ in length, ``n_threads`` < 1, or ``impl`` names no
        variant (or a single-thread one with ``n_threads``).
    """
    for name, value in (("a", a), ("b", b)):
        if not isinstance(value, bytes):
            raise TypeError(f"{name} must be bytes, not {type(value).__name__}")
    if len(a) != len(b):
        raise ValueError(f"a and b must be of one length, got {len(a)} and {len(b)} bytes")
    return call(SPEC, impl, a, b, n_threads=n_threads)


def make_input(n):
    """Two strings of ``n`` pseudo-random bytes, the same for the same ``n``."""
    rng = random.Random(n)
    return rng.randbytes(n), rng.randbytes(n)


def render(counts, n):
    """One line per value that occurs: ``value count``."""
    return "".join(f"{value} {count}\n" for value, count in enumerate(counts) if count).encode()


def split(args, parts):
    """Cut ``a`` and ``b`` into ``parts`` matching byte ranges: how the kernel runs on several
    processes or hosts.

    Exact: a histogram of the whole is the sum of the histograms of its pieces
    (every position is counted in exactly one range, and counts are integers).
    ``speedlab verify`` checks that combine(map(mykernel, split(x, P))) equals
    mykernel(x); ``speedlab.dask.run("mykernel", a, b, scheduler="local")`` runs it.
    """
    a, b = args
    for name, value in (("a", a), ("b", b)):
        if not isinstance(value, bytes):
            raise TypeError(f"{name} must be bytes, not {type(value).__name__}")
    if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
        raise ValueError(f"parts must be an int >= 1, got {parts!r}")
    most = max(1, len(a))
    if parts > most:
        from speedlab.parts import TooManyParts

        raise TooManyParts(f"parts must be <= {most} (one byte each at most)", most)
    cuts = [i * len(a) // parts for i in range(parts + 1)]
    return [(a[lo:hi], b[lo:hi]) for lo, hi in zip(cuts, cuts[1:])]


def combine(results, args):
    """The histogram of the whole: the parts' histograms added up, value by value."""
    return [sum(counts) for counts in zip(*results)]


SPEC = KernelSpec(
    name="mykernel",
    summary="histogram of a XOR b, byte by byte (the speedlab new template)",
    api=PACKAGE + "mykernel_spec:mykernel",
    variants=(
        # the pure twin takes 0.1-0.3 us a byte (2 loaded cores): 2 MB keeps a benchmark call under 1 s
        Variant("python", PACKAGE + "mykernel:mykernel", max_n=2_000_000),
        Variant("compiled", PACKAGE + "mykernel:mykernel", build="compiled", max_n=2_000_000),
        Variant("typed", PACKAGE + "mykernel_typed:mykernel_typed", build="native"),
        Variant("native", PACKAGE + "mykernel_typed:mykernel_native", build="native"),
        Variant("parallel", PACKAGE + "mykernel_typed:mykernel_parallel", build="native", threads=True),
        # The typed file is plain Python too: run uncompiled, it must still agree. It
        # imports the `cython` module that ships with Cython (pip install Cython; speedlab
        # build needs it anyway), so the variant is optional: skipped where Cython is not.
        # ~1 us a byte uncompiled: 100,000 bytes keeps a call near 0.1 s.
        Variant("uncompiled", PACKAGE + "mykernel_typed:mykernel_parallel", threads=True, max_n=100_000,
                optional=True, note="the typed twin run by the interpreter (no build): still plain Python"),
    ),
    make_input=make_input,
    # 300,000 bytes is five chunks: the sample sizes exercise the parallel split
    sizes=Sizes(test=1000, quick=1_000_000, full=20_000_000),
    unit="byte",
    work=float,
    render=render,
    compare=exact,
    # Golden outputs: n -> a file beside this spec holding render(result, n) exactly;
    # `speedlab verify` and test_mykernel.py check every variant against each.
    oracles={1000: "golden/mykernel-1000.txt"},
    sample_sizes=(0, 1, 1000, 300_000),
    bad_inputs=(
        (("text", b"text"), TypeError),
        ((b"text", None), TypeError),
        ((bytearray(3), bytes(3)), TypeError),
        ((b"abc", b"ab"), ValueError),
    ),
    # the parts run mykernel itself (part="module:function" names another function)
    split=split,
    combine=combine,
)
