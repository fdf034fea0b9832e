"""FASTA: the Benchmarks Game ``fasta`` program, three DNA records as bytes.

For size ``n`` the output holds ``>ONE`` (the 287-character ALU sequence repeated
to ``2n`` characters), ``>TWO`` (``3n`` characters drawn with the IUB ambiguity-code
probabilities) and ``>THREE`` (``5n`` drawn with the HomoSapiens ones), 60 per
line; the random characters come from one linear congruential generator (see
``speedlab.pure.fasta``). It is also the input of ``knucleotide`` and ``revcomp``.

The ladder here is about building output: the pure twin makes a string per line
and joins them; ``native`` computes the exact size first and fills one
preallocated ``bytes`` object without the GIL, with no per-line objects;
``parallel`` splits the random records over threads, each jumping ahead in the
generator to its first line (the same bytes for any thread count).

>>> from speedlab import fasta
>>> fasta.fasta(1)
b'>ONE Homo sapiens alu\\nGG\\n>TWO IUB ambiguity codes\\nctt\\n>THREE Homo sapiens frequency\\ntgagc\\n'
"""

from __future__ import annotations

from speedlab._impl import call
from speedlab._validate import C_INT_MAX, check_int

#: Characters per output line.
LINE = 60
#: The header lines, newline included.
HEADERS = (b">ONE Homo sapiens alu\n", b">TWO IUB ambiguity codes\n",
           b">THREE Homo sapiens frequency\n")
#: The largest size accepted: the 10n characters then still fit a C int, and the
#: output (~10.2 bytes per unit of n) is already 2.2 GB.
MAX_N = C_INT_MAX // 10


def output_length(n: int) -> int:
    """Exact size in bytes of ``fasta(n)``: headers, ``10n`` characters and the newlines."""
    n = check_int("n", n, minimum=0, maximum=MAX_N)
    return sum(len(header) + count + -(-count // LINE)
               for header, count in zip(HEADERS, (2 * n, 3 * n, 5 * n)))


def fasta(n, *, impl=None, n_threads=None) -> bytes:
    """The ``fasta`` program's output for size ``n``.

    Parameters
    ----------
    n : int
        Size: record ONE gets ``2n`` characters, TWO ``3n``, THREE ``5n``;
        0 <= n <= 214,748,364.
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``,
        ``parallel``, ``c``); None follows ``SPEEDLAB_IMPL`` (native when built).
    n_threads : int, optional
        Threads for ``impl="parallel"`` (None: all cores); refused for other variants.

    Returns
    -------
    bytes
        Exactly what the program prints (``output_length(n)`` bytes, ASCII).

    Raises
    ------
    TypeError
        ``n`` or ``n_threads`` is not an integer, or ``impl`` is not a string.
    ValueError
        ``n`` is negative or above the limit, ``n_threads`` is below 1 or given
        to a variant without threads, or ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    """
    n = check_int("n", n, minimum=0, maximum=MAX_N)
    return call("fasta", impl, n, n_threads=n_threads)


def render(result, n):
    """The program's output for ``result = fasta(n)``: the bytes themselves."""
    return result
