"""FASTA on the typed and native rungs, plus the hand-written C ceiling.

Compiled to ``speedlab._native.fasta``. The records, the tables and the random
draws are those of the pure twin (``speedlab/pure/fasta.py``, whose constants this
module imports), so every rung writes the same bytes:

* ``fasta_typed``  -- the ``typed`` rung: the LCG runs on C integers and the
  symbol search on C doubles, but each line is a ``bytearray`` appended to a
  Python list, the cumulative probabilities stay a Python list (every compare
  unboxes a float) and bounds/wraparound checks stay on. It isolates static typing.
* ``fasta_native`` -- the ``native`` rung: the exact output size is known in
  advance, so one ``bytes`` object is allocated and filled in place, with the GIL
  released, by loops that touch no Python object and allocate nothing -- no
  per-line objects at all. The symbol search is branch-free (the cumulative sums
  are increasing, so the symbol's index is how many sums are <= r).
* ``fasta_c``      -- the ``c`` rung: ``kernels/c/fasta.c``, same flags, driven by
  the same chunked loop.

There is no ``parallel`` rung: the random records are one linear congruential
chain, each character's draw depending on the one before (a jump-ahead split of
the chain is possible but not built here).
"""

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.exc cimport PyErr_CheckSignals
from libc.string cimport memcpy

from speedlab.fasta import HEADERS, output_length
from speedlab.pure.fasta import ALU, HOMO_SAPIENS, IUB, SEED


cdef extern from "c/fasta.h":
    char *fasta_c_repeat(char *out, const char *seq2, size_t seqlen, size_t count,
                         size_t *pos) noexcept nogil
    char *fasta_c_random(char *out, const char *symbols, const double *cumulative, int nsym,
                         size_t count, unsigned *seed) noexcept nogil

cdef enum:
    LINE = 60          # characters per line (the program's format)
    IM = 139968        # the Benchmarks Game LCG: modulus,
    IA = 3877          # multiplier
    IC = 29573         # and increment
    MAX_SYMBOLS = 16   # IUB has 15 symbols, HomoSapiens 4
    MAX_SEQ = 512      # room for ALU (287) plus one line
    # Lines written between two checks for Ctrl-C: 2**15 lines are ~2 M
    # characters, roughly 5-10 ms of native work.
    CHUNK_LINES = 1 << 15

# -- typed rung: C scalars, Python containers, checks on -----------------------

@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
cdef list repeat_typed(bytes seq, Py_ssize_t total):
    """Lines of ``seq`` repeated to ``total`` characters, one bytearray each."""
    cdef Py_ssize_t seqlen = len(seq), pos = 0, width, i
    cdef list lines = []
    cdef bytearray line
    while total > 0:
        width = min(<Py_ssize_t>LINE, total)
        line = bytearray(width)
        for i in range(width):
            line[i] = seq[pos]
            pos += 1
            if pos == seqlen:
                pos = 0
        lines.append(line)
        total -= width
    return lines


@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
cdef tuple random_typed(list table, Py_ssize_t total, long seed):
    """Lines of ``total`` characters drawn from ``table``; returns ``(lines, seed)``."""
    cdef bytes symbols = "".join([symbol for symbol, _ in table]).encode("ascii")
    cdef list cumulative = []
    cdef double acc = 0.0, r
    cdef Py_ssize_t width, i, k, last = len(symbols) - 1
    cdef list lines = []
    cdef bytearray line
    for _, p in table:
        acc += p
        cumulative.append(acc)
    while total > 0:
        width = min(<Py_ssize_t>LINE, total)
        line = bytearray(width)
        for i in range(width):
            seed = (seed * IA + IC) % IM
            r = seed / <double>IM
            k = 0
            while k < last and <double>cumulative[k] <= r:
                k += 1
            line[i] = symbols[k]
        lines.append(line)
        total -= width
    return lines, seed


def fasta_typed(Py_ssize_t n):
    """The program's output for size ``n``: the ``typed`` rung."""
    lines = [HEADERS[0][:-1]]
    lines += repeat_typed(ALU.encode("ascii"), 2 * n)
    lines.append(HEADERS[1][:-1])
    more, seed = random_typed(list(IUB), 3 * n, SEED)
    lines += more
    lines.append(HEADERS[2][:-1])
    more, seed = random_typed(list(HOMO_SAPIENS), 5 * n, seed)
    lines += more
    return b"\n".join(lines) + b"\n"


# -- native rung: one preallocated buffer, no Python objects, no GIL ----------

cdef char *repeat_native(char *out, const char *seq2, size_t seqlen, size_t count,
                         size_t *pos) noexcept nogil:
    """Write ``count`` characters of the repeated sequence, 60 per line, into ``out``."""
    cdef size_t p = pos[0], width
    while count > 0:
        width = count if count < LINE else LINE
        memcpy(out, seq2 + p, width)
        out += width
        out[0] = b'\n'
        out += 1
        p += width
        if p >= seqlen:
            p -= seqlen
        count -= width
    pos[0] = p
    return out


cdef char *random_native(char *out, const char *symbols, const double *cumulative, int nsym,
                         size_t count, unsigned *seed) noexcept nogil:
    """Write ``count`` random characters, 60 per line, into ``out``; advance ``seed``."""
    cdef unsigned state = seed[0]
    cdef size_t width, i
    cdef int j, k, last = nsym - 1
    cdef double r
    while count > 0:
        width = count if count < LINE else LINE
        for i in range(width):
            state = (state * IA + IC) % IM
            r = <double>state / IM
            k = 0
            for j in range(last):
                k += cumulative[j] <= r
            out[i] = symbols[k]
        out += width
        out[0] = b'\n'
        out += 1
        count -= width
    seed[0] = state
    return out


cdef int load_table(table, char *symbols, double *cumulative) except -1:
    """Fill C arrays from a pure-twin table: symbols and running sums (in twin order)."""
    cdef double acc = 0.0
    cdef int i = 0
    if len(table) > MAX_SYMBOLS:
        raise ValueError("table too large")
    for symbol, p in table:
        acc += p
        symbols[i] = ord(symbol)
        cumulative[i] = acc
        i += 1
    return i


cdef char *copy_header(char *out, bytes header) except NULL:
    """Copy a header line (newline included) to ``out``; return the end."""
    memcpy(out, <const char *>header, len(header))
    return out + len(header)


cdef object write_fasta(Py_ssize_t n, bint use_c):
    """The whole output in one bytes object, written in chunks by native or C loops."""
    cdef Py_ssize_t size = output_length(n)
    cdef object result = PyBytes_FromStringAndSize(NULL, size)
    cdef char *out = PyBytes_AS_STRING(result)
    cdef char *end = out + size
    cdef char seq2[MAX_SEQ]
    cdef char symbols[MAX_SYMBOLS]
    cdef double cumulative[MAX_SYMBOLS]
    cdef size_t seqlen = len(ALU), pos = 0, remaining, chunk
    cdef size_t chunk_chars = <size_t>CHUNK_LINES * LINE
    cdef unsigned seed = SEED
    cdef int nsym
    cdef bytes alu = (ALU + ALU[:LINE]).encode("ascii")
    memcpy(seq2, <const char *>alu, len(alu))

    out = copy_header(out, HEADERS[0])
    remaining = 2 * n
    while remaining > 0:
        chunk = remaining if remaining < chunk_chars else chunk_chars
        with nogil:
            if use_c:
                out = fasta_c_repeat(out, seq2, seqlen, chunk, &pos)
            else:
                out = repeat_native(out, seq2, seqlen, chunk, &pos)
        remaining -= chunk
        PyErr_CheckSignals()

    for header, table, count in ((HEADERS[1], IUB, 3 * n), (HEADERS[2], HOMO_SAPIENS, 5 * n)):
        out = copy_header(out, header)
        nsym = load_table(table, symbols, cumulative)
        remaining = count
        while remaining > 0:
            chunk = remaining if remaining < chunk_chars else chunk_chars
            with nogil:
                if use_c:
                    out = fasta_c_random(out, symbols, cumulative, nsym, chunk, &seed)
                else:
                    out = random_native(out, symbols, cumulative, nsym, chunk, &seed)
            remaining -= chunk
            PyErr_CheckSignals()
    if out != end:  # a broken size computation must never pass silently
        raise AssertionError(f"fasta wrote {out - PyBytes_AS_STRING(result)} of {size} bytes")
    return result


def fasta_native(Py_ssize_t n):
    """The program's output for size ``n``: the ``native`` rung."""
    return write_fasta(n, False)


def fasta_c(Py_ssize_t n):
    """The program's output for size ``n``: the hand-written C ceiling."""
    return write_fasta(n, True)
