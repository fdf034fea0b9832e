"""mykernel's spec: what speedlab needs to build, verify and bench it, and its public function.

``speedlab build DIR`` compiles the variants with ``build=`` set;
``speedlab verify --from DIR`` checks every variant against ``python``;
``speedlab bench --from DIR --quick`` times the ladder. See speedlab's README.
"""

import random

from speedlab import KernelSpec, Sizes, Variant, exact


def mykernel(data, *, impl=None, n_threads=None):
    """Counts of the byte values 0..255 in ``data``, by the variant ``impl``.

    Parameters
    ----------
    data : bytes
    impl : str, optional
        A variant name (``python``, ``compiled``, ``typed``, ``native``,
        ``parallel``); None runs ``native`` (built by ``speedlab build``).
    n_threads : int, optional
        Threads for ``parallel`` (None: all cores).

    Returns
    -------
    list of int
        256 counts.

    Raises
    ------
    TypeError
        ``data`` is not bytes, or ``n_threads`` is not an int.
    ValueError
        ``n_threads`` < 1, or ``impl`` names no variant.
    """
    if not isinstance(data, bytes):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    variant = SPEC.variant(impl or "native")
    if n_threads is not None:
        if not variant.threads:
            raise ValueError(f"n_threads applies to a threaded variant, not {variant.name!r}")
        if isinstance(n_threads, bool) or not isinstance(n_threads, int):
            raise TypeError(f"n_threads must be an int or None, not {type(n_threads).__name__}")
        if n_threads < 1:
            raise ValueError(f"n_threads must be >= 1, got {n_threads}")
        return variant.load()(data, n_threads=n_threads)
    return variant.load()(data)


def make_input(n):
    """``n`` pseudo-random bytes, the same for the same ``n``."""
    return (random.Random(n).randbytes(n),)


def render(counts, n):
    """One line per byte value that occurs: ``value count``."""
    return "".join(f"{value} {count}\n" for value, count in enumerate(counts) if count).encode()


def split(args, parts):
    """Cut ``data`` into ``parts`` byte ranges: how the kernel runs on several processes or hosts.

    Exact: a histogram of the whole is the sum of the histograms of its pieces
    (every byte is counted in exactly one range, and counts are integers).
    ``speedlab verify`` checks that combine(map(mykernel, split(x, P))) equals
    mykernel(x); ``speedlab.dask.run("mykernel", data, scheduler="local")`` runs it.
    """
    (data,) = args
    if not isinstance(data, bytes):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
        raise ValueError(f"parts must be an int >= 1, got {parts!r}")
    if parts > max(1, len(data)):
        from speedlab.parts import TooManyParts

        raise TooManyParts(f"parts must be <= {max(1, len(data))} (one byte each at most)", max(1, len(data)))
    return [(data[i * len(data) // parts:(i + 1) * len(data) // parts],) for i in range(parts)]


def combine(results, args):
    """The histogram of the whole: the parts' histograms added up, value by value."""
    return [sum(counts) for counts in zip(*results)]


SPEC = KernelSpec(
    name="mykernel",
    summary="histogram of the 256 byte values (the speedlab new template)",
    api="mykernel_spec:mykernel",
    variants=(
        # the pure twin counts ~30 M bytes/s: 2 MB keeps a benchmark call near 0.1 s
        Variant("python", "mykernel:mykernel", max_n=2_000_000),
        Variant("compiled", "mykernel:mykernel", build="compiled", max_n=2_000_000),
        Variant("typed", "mykernel_typed:mykernel_typed", build="native"),
        Variant("native", "mykernel_typed:mykernel_native", build="native"),
        Variant("parallel", "mykernel_typed:mykernel_parallel", build="native", threads=True),
        # The typed file is plain Python too: run uncompiled, it must still agree. It
        # imports the `cython` module that ships with Cython (pip install Cython; speedlab
        # build needs it anyway), so the variant is optional: skipped where Cython is not.
        # ~300 ns a byte uncompiled: 200,000 bytes keeps a call near 60 ms.
        Variant("uncompiled", "mykernel_typed:mykernel_parallel", threads=True, max_n=200_000,
                optional=True, note="the typed twin run by the interpreter (no build): still plain Python"),
    ),
    make_input=make_input,
    # 300,000 bytes is five chunks: the sample sizes exercise the parallel split
    sizes=Sizes(test=1000, quick=1_000_000, full=20_000_000),
    unit="byte",
    work=float,
    render=render,
    compare=exact,
    sample_sizes=(0, 1, 1000, 300_000),
    bad_inputs=((("text",), TypeError), ((None,), TypeError), ((bytearray(3),), TypeError)),
    # the parts run mykernel itself (part="module:function" names another function)
    split=split,
    combine=combine,
)
