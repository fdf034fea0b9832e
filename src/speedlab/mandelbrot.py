"""Mandelbrot set: an N x N binary PBM image of [-1.5, 0.5] x [-i, i].

The Computer Language Benchmarks Game ``mandelbrot`` program: pixel (x, y) is c =
(2x/N - 1.5) + (2y/N - 1)i and is set when z -> z*z + c stays within |z|² <= 4 for
50 iterations; rows are packed eight pixels to a byte, leftmost pixel in the most
significant bit, the last byte zero-padded. The output is the whole PBM file,
byte-identical to the official program's for every N: speedlab builds without
fast-math or FMA contraction, so boundary pixels are computed with exactly the
program's roundings. Rows are independent, so the ``parallel`` rung shares them
out over threads.

>>> from speedlab import mandelbrot
>>> mandelbrot.pbm(8)[:8]
b'P4\\n8 8\\n'
"""

from __future__ import annotations

from speedlab._impl import call
from speedlab._validate import check_int
from speedlab.spec import KernelSpec, Sizes, Variant, bad_sizes, exact, size_input

#: The largest N accepted. The bitmap is N * ceil(N/8) bytes, 1.25 GB at
#: N = 100,000, returned as one bytes object: about what a desktop machine can
#: hold beside Python, and 1e10 pixels, tens of minutes of native work on one
#: core. A larger N would fail to allocate or run for hours.
MAX_N = 100_000


def pbm(n, *, impl=None, n_threads=None):
    """The PBM file of the n x n Mandelbrot image.

    Parameters
    ----------
    n : int
        Width and height in pixels, 0 <= n <= 100,000.
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``,
        ``parallel``, ``numpy``, ``c``, ``rust``); None follows ``SPEEDLAB_IMPL``
        (native when built).
    n_threads : int, optional
        Threads for ``impl="parallel"`` (None: all cores). The bytes are the
        same for every thread count.

    Returns
    -------
    bytes
        ``b"P4\\nN N\\n"`` followed by N rows of ceil(N/8) bytes.

    Raises
    ------
    TypeError
        ``n`` or ``n_threads`` is not an integer, or ``impl`` is not a string.
    ValueError
        ``n`` is negative or above 100,000; ``n_threads`` is below 1, or given
        for a variant without threads; ``impl`` is unknown.
    MemoryError
        The bitmap cannot be allocated.
    ImportError
        The requested compiled variant is not built.
    """
    n = check_int("n", n, minimum=0, maximum=MAX_N)
    return call("mandelbrot", impl, n, n_threads=n_threads)


#: The implementations of :func:`rows` (the parts of a split image).
_ROWS = {
    "python": "speedlab.pure.mandelbrot:rows",
    "compiled": "speedlab._compiled.mandelbrot:rows",
    "native": "speedlab._native.mandelbrot:band_native",
    "simd": "speedlab._native.mandelbrot:band_simd",
}


def rows(n, begin, end, *, impl=None):
    """Rows ``begin``..``end - 1`` of the n x n image: its bitmap bytes, without the PBM header.

    One part of a split image (see :func:`split`); ``pbm(n)`` is the header
    followed by ``rows(n, 0, n)``.

    Parameters
    ----------
    n : int
        Width and height in pixels, 0 <= n <= 100,000.
    begin, end : int
        The rows, 0 <= begin <= end <= n.
    impl : str, optional
        ``python``, ``compiled``, ``native`` or ``simd``; None follows
        ``SPEEDLAB_IMPL`` (native when built).

    Returns
    -------
    bytes
        ``(end - begin) * ceil(n / 8)`` bytes.

    Raises
    ------
    TypeError
        An argument is not an integer, or ``impl`` is not a string.
    ValueError
        ``n`` is out of range, the rows are not within the image, or ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    """
    from speedlab.parts import choose

    n = check_int("n", n, minimum=0, maximum=MAX_N)
    begin = check_int("begin", begin, minimum=0, maximum=n)
    end = check_int("end", end, minimum=begin, maximum=n)
    return choose("mandelbrot", impl, _ROWS)(n, begin, end)


rows.impls = tuple(_ROWS)


def split(args, parts):
    """Cut the image into ``parts`` bands of whole rows, computed by :func:`rows`.

    Exact: a pixel's bit depends only on its own coordinates and ``n`` (the
    orbit of its own c), never on another pixel, and rows are packed into
    whole bytes (each row zero-padded), so no byte holds pixels of two rows.
    A band of rows ``[begin, end)`` computed alone is therefore byte for byte
    the same as those rows of the whole image -- the same ``render_row`` does
    both -- and the header followed by the bands in order is the whole file.

    Parameters
    ----------
    args : tuple
        ``(n,)``.
    parts : int
        1 to ``n`` (one row per part at most; 1 for n = 0).

    Returns
    -------
    list of tuple
        ``(n, begin, end)`` per band, in order.
    """
    from speedlab.parts import check_parts, spans

    (n,) = args
    n = check_int("n", n, minimum=0, maximum=MAX_N)
    parts = check_parts(parts, n, "one row per part at most")
    return [(n, begin, end) for begin, end in spans(n, parts)]


def combine(results, args):
    """The PBM file: the header, then the bands in order (see :func:`split`)."""
    from speedlab.pure.mandelbrot import header

    (n,) = args
    return header(n) + b"".join(results)


def render(result, n):
    """The program's output for ``result = pbm(n)``: the PBM file itself."""
    return result


def _pixels(n):
    return float(n * n)


def _mandelbrot_random(rng):
    # Any width, most of them not a multiple of 8 (padded rows); 64 keeps the
    # pure twin under ~50 ms.
    return (rng.randint(0, 64),)


#: What the catalog knows about this kernel (speedlab list/run/verify/bench/explain read it).
SPEC = KernelSpec(
    name="mandelbrot",
    summary="N x N binary PBM bitmap of the Mandelbrot set, 50 iterations",
    api="speedlab.mandelbrot:pbm",
    variants=(
        # pure Python needs ~3 us a pixel: 0.11 s at n = 200
        Variant("python", "speedlab.pure.mandelbrot:pbm", max_n=200),
        Variant("compiled", "speedlab._compiled.mandelbrot:pbm", max_n=200),
        Variant("typed", "speedlab._native.mandelbrot:pbm_typed", max_n=1000),
        Variant("native", "speedlab._native.mandelbrot:pbm_native"),
        Variant("simd", "speedlab._native.mandelbrot:pbm_simd",
                note="4 vectors of 2/4/8 doubles per step (SSE2/AVX2/AVX-512, NEON), chosen at run time"),
        Variant("parallel", "speedlab._native.mandelbrot:pbm_parallel", threads=True),
        # about eight arrays of n² entries alive at once: ~60 MB at n = 1,000
        Variant("numpy", "speedlab.vectorized.mandelbrot:pbm", max_n=1000),
        Variant("c", "speedlab._native.mandelbrot:pbm_c"),
        Variant("rust", "speedlab._native.mandelbrot:pbm_rust", feature="rust"),
    ),
    make_input=size_input,
    sizes=Sizes(test=200, quick=1000, full=3000, headline=16_000),
    unit="pixel",
    work=_pixels,
    render=render,
    compare=exact,
    oracles={200: "mandelbrot-200.pbm"},
    # Widths that are not multiples of 8 (padded rows), and both sides of
    # the parallel rung's serial threshold.
    sample_sizes=(0, 1, 7, 9, 15, 16, 17, 63, 101),
    random_input=_mandelbrot_random,
    bad_inputs=bad_sizes(MAX_N),  # past 100,000 the bitmap alone passes 1.25 GB
    split=split,
    combine=combine,
    part="speedlab.mandelbrot:rows",
)
