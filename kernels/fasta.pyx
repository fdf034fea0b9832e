"""FASTA on the typed, native and parallel rungs, plus the hand-written C ceiling.

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
  per-line objects at all. The generator has only IM = 139,968 states, so the
  symbol search is done once per state, when the module is imported: a
  139,968-byte C table per alphabet holds the symbol each state draws (the same
  search, same doubles, as the twin: the index is how many cumulative sums are
  <= state / IM). A draw is then the LCG step and one byte load -- the technique
  of the fastest C programs for this task, and the same draws in the same order.
* ``fasta_parallel`` -- the ``parallel`` rung: ``native`` over OpenMP threads. The
  random records are one linear congruential chain, but the LCG is an affine map
  modulo IM, so the state m draws ahead is computable in O(log m) (square the map);
  each thread jumps to the first line of its block of lines and writes it at its
  known offset (60 characters and a newline per line). The same jump, taken 15
  draws at a time, is also its single-thread building block: each line is drawn
  as four interleaved chains (quarters of the line), which the CPU overlaps --
  one LCG step waits for the one before, four independent ones do not -- about
  2x ``native`` on one thread. The output is the same bytes for every thread
  count. The ALU record (a memcpy per line) stays serial.
* ``fasta_c``      -- the ``c`` rung: ``kernels/c/fasta.c``, the same algorithm
  (its own tables, built by C at import), same flags, driven by the same chunked loop.
* ``fasta_rust``   -- the ``rust`` reference: ``kernels/rust/src/fasta.rs`` in safe
  Rust, driven by the same chunked loop as ``fasta_c``. It keeps the earlier C
  algorithm, a search over the cumulative probabilities per draw, not the state
  table, so rust against c here compares two algorithms.
"""

cimport cython
cimport omp_shim
cimport sl_mem
from rust_abi cimport RUST_BUILT, rust_check, rust_force_panic
from cython.parallel cimport prange
from cpython.bytes cimport PyBytes_AS_STRING
from cpython.exc cimport PyErr_CheckSignals
from libc.stdint cimport uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

from speedlab.fasta import HEADERS, output_length
from speedlab.pure.fasta import ALU, HOMO_SAPIENS, IUB, SEED


cdef extern from "rust/speedlab_rust.h":
    int fasta_rust_repeat(char **out, const char *seq2, size_t seqlen, size_t count,
                          size_t *pos) noexcept nogil
    int fasta_rust_random(char **out, const char *symbols, const double *cumulative, int nsym,
                          size_t count, unsigned *seed) noexcept nogil

cdef enum Engine:  # which loops write_fasta drives
    NATIVE = 0
    C_REF = 1
    RUST_REF = 2

cdef extern from "c/fasta.h":
    char *fasta_c_repeat(char *out, const char *seq2, size_t seqlen, size_t count,
                         size_t *pos) noexcept nogil
    void fasta_c_table(char *table, const char *symbols, const double *cumulative,
                       int nsym) noexcept nogil
    char *fasta_c_random(char *out, const char *table, size_t count,
                         unsigned *seed) noexcept nogil

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
    # The typed rung is ~20x slower per line: it checks every 2**11 lines.
    TYPED_CHECK_LINES = 1 << 11
    # Fewer lines than this per thread and the parallel rung runs serially: 256
    # lines are ~15,000 draws (~50 us), far above a prange's ~2 us start-up.
    PARALLEL_MIN_LINES = 256


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


cdef void build_table(char *table, const char *symbols, const double *cumulative,
                      int nsym) noexcept nogil:
    """``table[s]``: the symbol drawn when the LCG state is ``s``, for all IM states.

    The twin's search, run once per state: the cumulative sums are increasing, so
    the symbol's index is how many of the first ``nsym - 1`` sums are <= s / IM.
    """
    cdef int s, j, k, last = nsym - 1
    cdef double r
    for s in range(IM):
        r = <double>s / IM
        k = 0
        for j in range(last):
            k += cumulative[j] <= r
        table[s] = symbols[k]


# The symbol of every LCG state, per random record: native's tables (built by
# Cython) and the c rung's (built by kernels/c/fasta.c), 139,968 bytes each,
# filled once at import and only read after.
cdef char IUB_DRAW[IM]
cdef char HOMO_DRAW[IM]
cdef char IUB_DRAW_C[IM]
cdef char HOMO_DRAW_C[IM]


cdef void fill_tables() except *:
    cdef char symbols[MAX_SYMBOLS]
    cdef double cumulative[MAX_SYMBOLS]
    cdef int nsym = load_table(IUB, symbols, cumulative)
    build_table(IUB_DRAW, symbols, cumulative, nsym)
    fasta_c_table(IUB_DRAW_C, symbols, cumulative, nsym)
    nsym = load_table(HOMO_SAPIENS, symbols, cumulative)
    build_table(HOMO_DRAW, symbols, cumulative, nsym)
    fasta_c_table(HOMO_DRAW_C, symbols, cumulative, nsym)


fill_tables()


cdef const char *draw_table(int record, bint use_c) noexcept:
    """The draw table of random record ``record`` (0: TWO, IUB; 1: THREE, HomoSapiens)."""
    if use_c:
        return &IUB_DRAW_C[0] if record == 0 else &HOMO_DRAW_C[0]
    return &IUB_DRAW[0] if record == 0 else &HOMO_DRAW[0]

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
        if len(lines) % TYPED_CHECK_LINES == 0:
            PyErr_CheckSignals()
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
        if len(lines) % TYPED_CHECK_LINES == 0:
            PyErr_CheckSignals()
    return lines, seed


def fasta_typed(Py_ssize_t n):
    """The program's output for size ``n``: the ``typed`` rung."""
    lines = [HEADERS[0].rstrip(b"\n")]
    lines += repeat_typed(ALU.encode("ascii"), 2 * n)
    lines.append(HEADERS[1].rstrip(b"\n"))
    more, seed = random_typed(list(IUB), 3 * n, SEED)
    lines += more
    lines.append(HEADERS[2].rstrip(b"\n"))
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


cdef char *random_native(char *out, const char *table, size_t count,
                         unsigned *seed) noexcept nogil:
    """Write ``count`` random characters, 60 per line, into ``out``; advance ``seed``.

    ``table`` is ``build_table``'s: one draw is an LCG step and one byte load.
    """
    cdef unsigned state = seed[0]
    cdef size_t width, i
    while count > 0:
        width = count if count < LINE else LINE
        for i in range(width):
            state = (state * IA + IC) % IM
            out[i] = table[state]
        out += width
        out[0] = b'\n'
        out += 1
        count -= width
    seed[0] = state
    return out


cdef char *copy_header(char *out, bytes header) except NULL:
    """Copy a header line (newline included) to ``out``; return the end."""
    memcpy(out, <const char *>header, len(header))
    return out + len(header)


cdef object write_fasta(Py_ssize_t n, Engine engine):
    """The whole output in one bytes object, written in chunks by native, C or Rust loops."""
    cdef Py_ssize_t size = output_length(n)
    cdef object result = sl_mem.new_output(size)
    cdef char *out = PyBytes_AS_STRING(result)
    cdef char *end = out + size
    cdef char seq2[MAX_SEQ]
    cdef const char *draws
    cdef size_t seqlen = len(ALU), pos = 0, remaining, chunk
    cdef size_t chunk_chars = <size_t>CHUNK_LINES * LINE
    cdef unsigned seed = SEED
    cdef int record, nsym = 0
    cdef int status = 0
    cdef char symbols[MAX_SYMBOLS]
    cdef double cumulative[MAX_SYMBOLS]
    cdef bytes alu = (ALU + ALU[:LINE]).encode("ascii")
    memcpy(seq2, <const char *>alu, len(alu))

    out = copy_header(out, HEADERS[0])
    remaining = 2 * n
    while remaining > 0:
        chunk = remaining if remaining < chunk_chars else chunk_chars
        with nogil:
            if engine == C_REF:
                out = fasta_c_repeat(out, seq2, seqlen, chunk, &pos)
            elif engine == RUST_REF:
                status = fasta_rust_repeat(&out, seq2, seqlen, chunk, &pos)
            else:
                out = repeat_native(out, seq2, seqlen, chunk, &pos)
        rust_check(status, "fasta")
        remaining -= chunk
        PyErr_CheckSignals()

    for record, header, count in ((0, HEADERS[1], 3 * n), (1, HEADERS[2], 5 * n)):
        out = copy_header(out, header)
        draws = draw_table(record, engine == C_REF)
        if engine == RUST_REF:
            nsym = load_table(IUB if record == 0 else HOMO_SAPIENS, symbols, cumulative)
        remaining = count
        while remaining > 0:
            chunk = remaining if remaining < chunk_chars else chunk_chars
            with nogil:
                if engine == C_REF:
                    out = fasta_c_random(out, draws, chunk, &seed)
                elif engine == RUST_REF:
                    status = fasta_rust_random(&out, symbols, cumulative, nsym, chunk, &seed)
                else:
                    out = random_native(out, draws, chunk, &seed)
            rust_check(status, "fasta")
            remaining -= chunk
            PyErr_CheckSignals()
    if out != end:  # a broken size computation must never pass silently
        raise AssertionError(f"fasta wrote {out - PyBytes_AS_STRING(result)} of {size} bytes")
    return result


# -- parallel rung: native over threads, each jumping ahead in the LCG ---------

cdef unsigned jump(unsigned seed, size_t steps) noexcept nogil:
    """The LCG state ``steps`` draws after ``seed``.

    One draw is the affine map x -> IA*x + IC (mod IM); applying (a, c) twice is
    (a*a, a*c + c), so squaring the map log2(steps) times reaches any distance.
    """
    cdef uint64_t a = IA, c = IC, s = seed
    while steps:
        if steps & 1:
            s = (a * s + c) % IM
        c = (a * c + c) % IM
        a = (a * a) % IM
        steps >>= 1
    return <unsigned>s


# The LCG as an affine map taken QUARTER = 15 steps at once: x -> A15*x + C15 (mod IM).
cdef enum:
    # LINE // 4, written out: Cython 3.3 crashes generating an enum member defined
    # by a division when cdivision is off (the debug build, SPEEDLAB_DEBUG_BUILD=1).
    QUARTER = 15          # a line is drawn as four chains of 15 draws side by side

assert 4 * QUARTER == LINE, "QUARTER must be a quarter of LINE"


cdef uint64_t A15 = 1, C15 = 0
for _ in range(QUARTER):
    A15, C15 = (A15 * IA) % IM, (C15 * IA + IC) % IM


cdef char *random_lines(char *out, const char *table, size_t count,
                        unsigned *seed) noexcept nogil:
    """``random_native``'s output, each full line drawn as four interleaved LCG chains.

    The LCG step is a chain of dependent multiplies: one draw waits for the one
    before. Quarter q of a line starts 15*q draws after the line's first state (one
    jump each, ``A15``/``C15``), so four independent chains advance in one loop
    and the CPU overlaps them. Same states, same bytes, in the same places.
    """
    cdef uint64_t a = seed[0], b, c, d
    cdef size_t i
    cdef unsigned rest
    while count >= <size_t>LINE:
        b = (A15 * a + C15) % IM
        c = (A15 * b + C15) % IM
        d = (A15 * c + C15) % IM
        for i in range(<size_t>QUARTER):
            a = (a * IA + IC) % IM
            b = (b * IA + IC) % IM
            c = (c * IA + IC) % IM
            d = (d * IA + IC) % IM
            out[i] = table[a]
            out[QUARTER + i] = table[b]
            out[2 * QUARTER + i] = table[c]
            out[3 * QUARTER + i] = table[d]
        out[LINE] = b'\n'
        out += LINE + 1
        count -= LINE
        a = d  # 60 draws after the line's first state
    rest = <unsigned>a
    if count:
        out = random_native(out, table, count, &rest)  # the record's last, partial line
    seed[0] = rest
    return out


cdef void random_block(char *record, const char *draws, size_t count, unsigned seed,
                       size_t first_line, size_t last_line) noexcept nogil:
    """Write lines [first_line, last_line) of a random record of ``count`` characters."""
    cdef size_t start = first_line * LINE
    cdef size_t stop = last_line * LINE if last_line * LINE < count else count
    cdef unsigned state = jump(seed, start)
    if stop > start:
        random_lines(record + first_line * (LINE + 1), draws, stop - start, &state)


cdef object write_fasta_parallel(Py_ssize_t n, int n_threads):
    """``write_fasta`` with the random records split over ``n_threads`` threads."""
    cdef Py_ssize_t size = output_length(n)
    cdef object result = sl_mem.new_output(size)
    cdef char *out = PyBytes_AS_STRING(result)
    cdef char seq2[MAX_SEQ]
    cdef const char *draws
    cdef size_t seqlen = len(ALU), pos = 0, remaining, chunk, count, lines, done, per, b
    cdef size_t chunk_chars = <size_t>CHUNK_LINES * LINE
    cdef unsigned seed = SEED
    cdef int record, blocks
    cdef bytes alu = (ALU + ALU[:LINE]).encode("ascii")
    memcpy(seq2, <const char *>alu, len(alu))

    out = copy_header(out, HEADERS[0])
    remaining = 2 * n
    while remaining > 0:  # the ALU record: a memcpy per line, serial
        chunk = remaining if remaining < chunk_chars else chunk_chars
        with nogil:
            out = repeat_native(out, seq2, seqlen, chunk, &pos)
        remaining -= chunk
        PyErr_CheckSignals()

    for record, header, count in ((0, HEADERS[1], 3 * n), (1, HEADERS[2], 5 * n)):
        out = copy_header(out, header)
        draws = draw_table(record, False)
        lines = (count + LINE - 1) // LINE
        blocks = 1 if lines < <size_t>n_threads * PARALLEL_MIN_LINES else n_threads
        done = 0
        while done < lines:
            # Each round gives every thread an equal block of at most CHUNK_LINES
            # lines, then checks for Ctrl-C.
            per = min(<size_t>CHUNK_LINES, (lines - done + blocks - 1) // blocks)
            with nogil:
                for b in prange(<size_t>blocks, num_threads=blocks, schedule="static"):
                    if done + b * per < lines:
                        random_block(out, draws, count, seed,
                                     done + b * per, min(done + (b + 1) * per, lines))
            done += <size_t>blocks * per
            PyErr_CheckSignals()
        out += count + lines
        seed = jump(seed, count)  # the state carries from TWO into THREE
    if out != PyBytes_AS_STRING(result) + size:
        raise AssertionError(f"fasta wrote {out - PyBytes_AS_STRING(result)} of {size} bytes")
    return result


def fasta_parallel(Py_ssize_t n, n_threads=None):
    """The program's output for size ``n``: the ``parallel`` rung (``n_threads`` None = all cores)."""
    cdef int threads = omp_shim.omp_get_max_threads() if n_threads is None else n_threads
    return write_fasta_parallel(n, max(threads, 1))


def fasta_native(Py_ssize_t n):
    """The program's output for size ``n``: the ``native`` rung."""
    return write_fasta(n, NATIVE)


def fasta_c(Py_ssize_t n):
    """The program's output for size ``n``: the hand-written C ceiling."""
    return write_fasta(n, C_REF)


def fasta_rust(Py_ssize_t n):
    """The program's output for size ``n``: the ``rust`` reference."""
    return write_fasta(n, RUST_REF)


def _rust_panic(int how):
    """Test only: force a panic inside the rust boundary of this module (see rust_abi.pxd)."""
    rust_force_panic(how, "fasta")


if not RUST_BUILT:
    # Built without Rust: the variant reports the build's reason (speedlab info).
    del fasta_rust, _rust_panic


# -- a byte range of the output: one part of a split ---------------------------

cdef Py_ssize_t copy_overlap(char *out, Py_ssize_t start, Py_ssize_t stop, const char *src,
                             Py_ssize_t src_begin, Py_ssize_t src_end) noexcept nogil:
    """Copy the bytes of ``src`` (output offsets src_begin..src_end) that fall in start..stop."""
    cdef Py_ssize_t lo = start if start > src_begin else src_begin
    cdef Py_ssize_t hi = stop if stop < src_end else src_end
    if lo < hi:
        memcpy(out + (lo - start), src + (lo - src_begin), hi - lo)
    return 0


def fasta_segment_native(Py_ssize_t n, Py_ssize_t start, Py_ssize_t stop):
    """Bytes start..stop-1 of the program's output for size ``n``: the ``native`` loops.

    Each record's lines that reach into the range are generated, CHUNK_LINES at a
    time, into a scratch buffer and the overlap copied out. A random line starts
    from the LCG state ``jump``ed ahead from the record's first state to its
    first character (THREE's first state is TWO's after its 3n draws), so the
    bytes are those of ``fasta_native``; ALU lines start at their offset in ALU.
    """
    cdef Py_ssize_t size = output_length(n)
    if start < 0 or stop < start or stop > size:
        raise ValueError(f"bytes {start}..{stop} are not within the {size:,}-byte output")
    cdef object result = sl_mem.new_output(stop - start)
    cdef char *out = PyBytes_AS_STRING(result)
    cdef char seq2[MAX_SEQ]
    cdef const char *draws = NULL
    cdef size_t seqlen = len(ALU), pos, count, first_line, last_line, line, chunk_end, chars
    cdef size_t lines
    cdef unsigned seeds[3]
    cdef unsigned state
    cdef int r
    cdef Py_ssize_t offset = 0, body, body_size, lo, hi
    cdef bytes alu = (ALU + ALU[:LINE]).encode("ascii")
    cdef char *scratch = NULL
    memcpy(seq2, <const char *>alu, len(alu))
    seeds[1] = SEED
    seeds[2] = jump(SEED, <size_t>(3 * n))  # the state carries from TWO into THREE
    scratch = <char *>malloc(<size_t>CHUNK_LINES * (LINE + 1))
    if scratch == NULL:
        raise MemoryError("fasta: no memory for a chunk of lines")
    try:
        for r, (header, table, count) in enumerate(((HEADERS[0], None, 2 * n),
                                                    (HEADERS[1], IUB, 3 * n),
                                                    (HEADERS[2], HOMO_SAPIENS, 5 * n))):
            copy_overlap(out, start, stop, <const char *>header, offset, offset + len(header))
            body = offset + len(header)
            lines = (count + LINE - 1) // LINE
            body_size = count + lines
            offset = body + body_size
            lo = start if start > body else body
            hi = stop if stop < offset else offset
            if lo >= hi:
                continue
            if table is not None:
                draws = draw_table(r - 1, False)  # native's table of the symbol of every state
            first_line = (lo - body) // (LINE + 1)
            last_line = (hi - body - 1) // (LINE + 1) + 1
            line = first_line
            while line < last_line:
                chunk_end = min(line + <size_t>CHUNK_LINES, last_line)
                chars = min(chunk_end * LINE, count) - line * LINE
                with nogil:
                    if r == 0:
                        pos = (line * LINE) % seqlen
                        repeat_native(scratch, seq2, seqlen, chars, &pos)
                    else:
                        state = jump(seeds[r], line * LINE)
                        random_native(scratch, draws, chars, &state)
                    copy_overlap(out, start, stop, scratch, body + line * (LINE + 1),
                                 body + line * (LINE + 1) + chars + (chunk_end - line))
                line = chunk_end
                PyErr_CheckSignals()
    finally:
        free(scratch)
    return result
