"""Reverse complement on the typed and native rungs, plus the hand-written C ceiling.

Compiled to ``speedlab._native.revcomp``. Records, complement table and output
format are those of the pure twin (``speedlab/pure/revcomp.py``, whose table this
module imports), so every rung writes the same bytes:

* ``reverse_complement_typed``  -- the ``typed`` rung: C integers index the input,
  but each record is built one character at a time in a ``bytearray``, the
  complement table is a Python ``bytes`` object and checks stay on. It isolates
  static typing (and shows how far per-character code is from Python's own bulk
  ``translate`` and slicing, which already run in C).
* ``reverse_complement_native`` -- the ``native`` rung: one pass sizes the output,
  one ``bytes`` object is allocated, and each record is written into it with the
  GIL released and no Python object touched: its sequence is copied in backwards,
  without newlines and complemented through a 256-byte C table (one pass), then
  spread *in place* into 60-character lines from the last line up.
* ``reverse_complement_inplace_native`` -- in place in a caller's writable buffer
  (``speedlab.revcomp.reverse_complement_inplace``), allocating nothing: the
  sequence is compacted in place (``memchr``/``memmove`` line by line), reversed
  and complemented by swapping from both ends, then spread into lines as above.
  It needs every record's output to be exactly as long as its input (60-character
  lines, as ``fasta`` writes); a first pass checks that for every record before a
  single byte changes.
* ``reverse_complement_simd`` -- the ``simd`` rung: one pass instead of
  native's two. The input is cut into pieces of about ``PIECE`` bytes, each
  knowing where its bytes land: each run between newlines is written
  reversed and complemented straight to its place among the output's
  60-character lines (``kernels/simd/revcomp_body.h``: 32 bytes a step by byte
  shuffles on AVX2 and AVX-512, 16 on NEON; SSE2, which has no byte shuffle,
  does 16 bytes of A/C/G/T by compares and the rest through the table). The
  path is chosen at run time (``speedlab._simd``). Input in ``fasta``'s shape
  (lines of 60 bases) is cut from a few dozen bytes read per record, the
  prediction checked as the pieces are written (``predict_pieces``); any
  other input, or one the check finds out, is first scanned block by block,
  finding the '>' that open records (``memchr``) and counting each block's
  newlines (in vector compares) while it is in cache (``scan_pieces``).
* ``reverse_complement_parallel`` -- the ``parallel`` rung: the ``simd`` rung's
  pieces (and scan) shared out among threads (only cutting the records into
  pieces and placing them stay serial, one step per piece), a static split of
  each batch between checks for Ctrl-C, each thread faulting in the fresh
  output it writes. Pieces write disjoint bytes, so the output is the same for
  any thread count.
* ``reverse_complement_c`` / ``reverse_complement_inplace_c`` -- the ``c`` rung:
  ``kernels/c/revcomp.c``, same flags, driven by the same chunked loop.
* ``reverse_complement_rust`` / ``reverse_complement_inplace_rust`` -- the ``rust``
  reference: ``kernels/rust/src/revcomp.rs``, the same passes in safe Rust.
* ``reverse_complement_rust_unchecked`` -- a labelled extra: the same, with the one
  bounds check left in the copy loop removed (``get_unchecked``), to show its cost.
"""

cimport cython
cimport cython_compat  # inline bytearray helpers (see the .pxd)
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.exc cimport PyErr_CheckSignals
from cython.parallel cimport prange
from libc.stdlib cimport calloc, free, realloc
from libc.string cimport memchr, memcpy, memmove

cimport omp_shim
cimport sl_mem

from speedlab._simd import path_id as simd_path_id
from speedlab.pure.revcomp import COMPLEMENT


from rust_abi cimport RUST_BUILT, rust_check, rust_force_panic

cdef extern from "rust/speedlab_rust.h":
    int revcomp_rust_compact(unsigned char *dst, const unsigned char *src, size_t n,
                             size_t *written) noexcept nogil
    int revcomp_rust_compact_reverse(unsigned char *out, size_t *end, const unsigned char *src,
                                     size_t n, const unsigned char *table) noexcept nogil
    int revcomp_rust_compact_reverse_unchecked(unsigned char *out, size_t *end,
                                               const unsigned char *src, size_t n,
                                               const unsigned char *table) noexcept nogil
    int revcomp_rust_reverse(unsigned char *seq, size_t len, size_t lo, size_t hi,
                             const unsigned char *table) noexcept nogil
    int revcomp_rust_expand(unsigned char *buf, size_t len, size_t first, size_t last) noexcept nogil

cdef enum Engine:  # whose primitives the record passes call
    NATIVE = 0
    C_REF = 1
    RUST_REF = 2
    RUST_UNCHECKED = 3  # RUST_REF, but compact_reverse without its bounds check

cdef extern from "c/revcomp.h":
    size_t revcomp_c_compact(unsigned char *dst, const unsigned char *src, size_t n) noexcept nogil
    unsigned char *revcomp_c_compact_reverse(unsigned char *dst_end, const unsigned char *src,
                                             size_t n, const unsigned char *table) noexcept nogil
    void revcomp_c_reverse(unsigned char *seq, size_t len, size_t lo, size_t hi,
                           const unsigned char *table) noexcept nogil
    void revcomp_c_expand(unsigned char *buf, size_t len, size_t first, size_t last) noexcept nogil

cdef extern from "simd/revcomp.h":
    ctypedef size_t (*revcomp_simd_piece_fn)(unsigned char *out, size_t length,
                                             const unsigned char *src, size_t n, size_t p,
                                             const unsigned char *letters,
                                             const unsigned char *table, int *opens) noexcept nogil
    ctypedef size_t (*revcomp_simd_newlines_fn)(const unsigned char *src, size_t n) noexcept nogil
    ctypedef void (*revcomp_simd_swap_fn)(unsigned char *seq, size_t length, size_t lo, size_t hi,
                                          const unsigned char *letters,
                                          const unsigned char *table) noexcept nogil
    revcomp_simd_piece_fn revcomp_simd_piece(int path) noexcept nogil
    revcomp_simd_newlines_fn revcomp_simd_newlines(int path) noexcept nogil
    revcomp_simd_swap_fn revcomp_simd_swap(int path) noexcept nogil

cdef enum:
    LINE = 60                # characters per output line (the program's format)
    # Bytes (or byte pairs) per pass between two checks for Ctrl-C: 4 MiB is a
    # few milliseconds of memmove or table lookups.
    CHUNK = 1 << 22
    # CHUNK // LINE, written out: Cython 3.3 crashes generating an enum member
    # defined by a division when cdivision is off (the debug build).
    CHUNK_LINES = 69905
    # Input bytes per piece of the simd and parallel rungs: 1 MiB, ~0.2 ms of
    # vector work, so the 254 MB of fasta 25M give ~240 pieces to balance over
    # threads, while a piece's own cost (a newline count, a call) stays tiny.
    PIECE = 1 << 20
    # Whole lines (LINE + 1 bytes) in PIECE bytes: a predicted piece's lines.
    PIECE_LINES = 17189
    # Pieces per stretch without the GIL, between two checks for Ctrl-C: ~4 ms.
    PIECES_PER_CHECK = 16
    # The parallel rung's threshold: under 4 pieces (4 MiB, ~1 ms of vector
    # work) whole pieces split too unevenly over threads to pay for the team.
    PARALLEL_MIN_PIECES = 4

# The complement table as a C array, filled once from the pure twin's table.
cdef unsigned char TABLE[256]
for _i in range(256):
    TABLE[_i] = COMPLEMENT[_i]

# The same table in the shape the vector paths look it up by (simd/revcomp_body.h):
# for each low-five-bit value i, the complement of the letter 0x40 | i (either
# case), or 0 where the letter stays. It holds exactly when every byte obeys the
# rule below, checked here once for all 256 (True for any IUPAC table).
cdef unsigned char LETTERS[32]
for _i in range(32):
    LETTERS[_i] = COMPLEMENT[0x60 | _i] if COMPLEMENT[0x60 | _i] != (0x60 | _i) else 0
LETTERS_HOLD = all(
    COMPLEMENT[_c] == (LETTERS[_c & 0x1F] if (_c & 0xC0) == 0x40 and LETTERS[_c & 0x1F] else _c)
    for _c in range(256))


cdef struct Record:
    size_t start      # offset of the '>'
    size_t body       # offset of the first sequence byte (past the header's newline)
    size_t end        # offset of the next record's '>', or the end of the input
    size_t length     # sequence bytes in [body, end), newlines left out
    bint has_newline  # the header line ends with a newline


cdef void scan_record(const unsigned char *d, size_t n, size_t start, Record *rec) noexcept nogil:
    """Find the record opening at ``start``: its header, its end, its sequence length."""
    cdef const unsigned char *p
    cdef size_t pos, newlines = 0
    rec.start = start
    p = <const unsigned char *>memchr(d + start, b'\n', n - start)
    if p == NULL:  # a header alone on the last line
        rec.body = rec.end = n
        rec.length = 0
        rec.has_newline = False
        return
    rec.has_newline = True
    rec.body = pos = p - d + 1
    while pos < n:
        if d[pos] == b'>':  # a line that opens the next record
            break
        p = <const unsigned char *>memchr(d + pos, b'\n', n - pos)
        if p == NULL:
            pos = n
            break
        newlines += 1
        pos = p - d + 1
    rec.end = pos
    rec.length = rec.end - rec.body - newlines


cdef inline size_t output_size(const Record *rec) noexcept nogil:
    """Bytes the record takes in the output: header line, sequence, one newline per line."""
    return (rec.body - rec.start - rec.has_newline) + 1 + rec.length + (rec.length + LINE - 1) // LINE


# -- typed rung: C indices, Python containers, checks on ------------------------

@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
def reverse_complement_typed(bytes data):
    """The program's output for the FASTA ``data``: the ``typed`` rung."""
    cdef Py_ssize_t n = len(data), start = 0, body, end, i
    cdef unsigned char c
    cdef bytes table = COMPLEMENT
    cdef bytearray out = bytearray(), seq
    while start < n:
        end = data.find(b"\n>", start)
        end = n if end < 0 else end + 1
        body = data.find(b"\n", start, end)
        body = end if body < 0 else body + 1
        out += data[start:body]
        if body == end and (body == start or data[body - 1] != 10):
            out.append(10)  # a header without a newline, at the very end
        seq = bytearray()
        for i in range(end - 1, body - 1, -1):
            c = data[i]
            if c != 10:
                seq.append(table[c])
        for i in range(0, len(seq), LINE):
            out += seq[i:i + LINE]
            out.append(10)
        start = end
    return bytes(out)


# -- native rung: in place in one buffer, no Python objects, no GIL ------------

cdef size_t compact_native(unsigned char *dst, const unsigned char *src, size_t n) noexcept nogil:
    """Copy ``n`` bytes from ``src`` to ``dst`` (which may equal it) without newlines."""
    cdef unsigned char *start = dst
    cdef const unsigned char *end = src + n
    cdef const unsigned char *nl
    cdef size_t run
    while src < end:
        nl = <const unsigned char *>memchr(src, b'\n', end - src)
        run = (nl if nl != NULL else end) - src
        memmove(dst, src, run)
        dst += run
        if nl == NULL:
            break
        src = nl + 1
    return dst - start


cdef unsigned char *compact_reverse_native(unsigned char *dst_end, const unsigned char *src,
                                           size_t n, const unsigned char *table) noexcept nogil:
    """Copy ``src[0:n]`` without newlines, complemented, backwards ending at ``dst_end``."""
    cdef size_t i
    cdef unsigned char c
    for i in range(n):
        c = src[i]
        if c != b'\n':
            dst_end -= 1
            dst_end[0] = table[c]
    return dst_end


cdef void reverse_native(unsigned char *seq, size_t length, size_t lo, size_t hi,
                         const unsigned char *table) noexcept nogil:
    """Swap and complement ``seq[i]`` and ``seq[length - 1 - i]`` for i in [lo, hi)."""
    cdef size_t i
    cdef unsigned char a, b
    for i in range(lo, hi):
        a = seq[i]
        b = seq[length - 1 - i]
        seq[i] = table[b]
        seq[length - 1 - i] = table[a]


cdef void expand_native(unsigned char *buf, size_t length, size_t first, size_t last) noexcept nogil:
    """Move lines [first, last) of the sequence into 60-character lines, last line first."""
    cdef size_t line = last, start, width
    cdef unsigned char *to
    while line > first:
        line -= 1
        start = line * LINE
        width = length - start if length - start < LINE else LINE
        to = buf + line * (LINE + 1)
        memmove(to, buf + start, width)
        to[width] = b'\n'


cdef int process_record(unsigned char *out, const unsigned char *body, size_t body_size,
                        size_t length, Engine engine) except -1:
    """Reverse-complement one record's sequence in place in ``out`` (which is ``body``).

    Writes ``length`` characters in 60-character lines over the record's
    ``body_size`` bytes, which must be ``length + lines`` (checked by the caller).
    """
    cdef size_t done, chunk, written = 0, part = 0
    cdef int status = 0
    done = 0
    while done < body_size:  # 1: compact (out never runs ahead of body)
        chunk = min(<size_t>CHUNK, body_size - done)
        with nogil:
            if engine == C_REF:
                written += revcomp_c_compact(out + written, body + done, chunk)
            elif engine == RUST_REF:
                status = revcomp_rust_compact(out + written, body + done, chunk, &part)
                written += part
            else:
                written += compact_native(out + written, body + done, chunk)
        rust_check(status, "revcomp")
        done += chunk
        PyErr_CheckSignals()
    reverse_and_expand(out, length, engine)
    return 0


cdef int copy_record(unsigned char *out, const unsigned char *body, size_t body_size,
                     size_t length, Engine engine) except -1:
    """Write one record's reverse complement into the separate buffer ``out``.

    ``out`` gets ``length + lines`` bytes: the sequence copied backwards and
    complemented in one pass, then spread into 60-character lines in place.
    """
    cdef size_t done = 0, chunk, end_at = length
    cdef unsigned char *end = out + length
    cdef int status = 0
    while done < body_size:
        chunk = min(<size_t>CHUNK, body_size - done)
        with nogil:
            if engine == C_REF:
                end = revcomp_c_compact_reverse(end, body + done, chunk, TABLE)
            elif engine == RUST_REF:
                status = revcomp_rust_compact_reverse(out, &end_at, body + done, chunk, TABLE)
                end = out + end_at
            elif engine == RUST_UNCHECKED:
                status = revcomp_rust_compact_reverse_unchecked(out, &end_at, body + done, chunk, TABLE)
                end = out + end_at
            else:
                end = compact_reverse_native(end, body + done, chunk, TABLE)
        rust_check(status, "revcomp")
        done += chunk
        PyErr_CheckSignals()
    if end != out:  # the scan's length and this pass must agree
        raise AssertionError("revcomp: record length changed between passes")
    expand(out, length, engine)
    return 0


cdef int reverse_and_expand(unsigned char *out, size_t length, Engine engine) except -1:
    """Reverse and complement ``out[0:length]`` in place, then spread it into lines."""
    cdef size_t done, chunk, half = (length + 1) // 2
    cdef int status = 0
    done = 0
    while done < half:  # 2: reverse and complement
        chunk = min(<size_t>CHUNK, half - done)
        with nogil:
            if engine == C_REF:
                revcomp_c_reverse(out, length, done, done + chunk, TABLE)
            elif engine == RUST_REF:
                status = revcomp_rust_reverse(out, length, done, done + chunk, TABLE)
            else:
                reverse_native(out, length, done, done + chunk, TABLE)
        rust_check(status, "revcomp")
        done += chunk
        PyErr_CheckSignals()
    expand(out, length, engine)
    return 0


cdef int expand(unsigned char *out, size_t length, Engine engine) except -1:
    """Spread ``out[0:length]`` into 60-character lines in place, last lines first."""
    cdef size_t chunk, lines = (length + LINE - 1) // LINE
    cdef size_t done = lines
    cdef int status = 0
    while done > 0:
        chunk = min(<size_t>CHUNK_LINES, done)
        with nogil:
            if engine == C_REF:
                revcomp_c_expand(out, length, done - chunk, done)
            elif engine == RUST_REF or engine == RUST_UNCHECKED:
                status = revcomp_rust_expand(out, length, done - chunk, done)
            else:
                expand_native(out, length, done - chunk, done)
        rust_check(status, "revcomp")
        done -= chunk
        PyErr_CheckSignals()
    return 0


cdef object copy_and_process(const unsigned char[::1] data, Engine engine):
    """The output as a new bytes object, each record written into it by ``copy_record``."""
    cdef size_t n = data.shape[0], start = 0, size = 0, header
    cdef const unsigned char *d = &data[0] if n else NULL
    cdef Record rec
    with nogil:
        while start < n:
            scan_record(d, n, start, &rec)
            size += output_size(&rec)
            start = rec.end
    result = sl_mem.new_output(<Py_ssize_t>size)
    cdef unsigned char *out = <unsigned char *>PyBytes_AS_STRING(result)
    start = 0
    while start < n:
        scan_record(d, n, start, &rec)
        header = rec.body - rec.start - rec.has_newline
        memcpy(out, d + rec.start, header)
        out[header] = b'\n'
        out += header + 1
        copy_record(out, d + rec.body, rec.end - rec.body, rec.length, engine)
        out += rec.length + (rec.length + LINE - 1) // LINE
        start = rec.end
    return result


cdef int process_inplace(unsigned char[::1] buf, Engine engine) except -1:
    """Reverse-complement every record of ``buf`` in place, after checking they all fit."""
    cdef size_t n = buf.shape[0], start = 0, index = 0
    cdef unsigned char *d = &buf[0] if n else NULL
    cdef Record rec
    while start < n:  # nothing changes until every record is known to fit
        scan_record(d, n, start, &rec)
        if output_size(&rec) != rec.end - rec.start:
            raise ValueError(
                f"buf: record {index + 1} cannot be reversed in place: its output would be "
                f"{output_size(&rec):,} bytes, its input is {rec.end - rec.start:,} "
                "(in-place needs 60-character lines and a final newline, as fasta writes)")
        start = rec.end
        index += 1
    start = 0
    while start < n:
        scan_record(d, n, start, &rec)
        process_record(d + rec.body, d + rec.body, rec.end - rec.body, rec.length, engine)
        start = rec.end
    return 0


# -- simd and parallel rungs: one pass, pieces written straight to their place ---

cdef struct Piece:
    size_t src        # offset of its first input byte
    size_t n          # input bytes (newlines included)
    size_t p          # index of its first sequence byte in the record's sequence
    size_t out        # output offset of the record's sequence (past its header line)
    size_t length     # the record's sequence length
    size_t header     # offset of the record's '>' (the record's first piece only)
    size_t header_len # header bytes without its newline; SIZE_MAX: not the first piece
    size_t expect     # the sequence index past its last byte: p + its bases
    bint wrong        # predicted pieces: the piece did not have the shape predicted


cdef struct Pieces:
    Piece *items
    size_t count, capacity


cdef bint make_room(void **items, size_t count, size_t *capacity, size_t item_size,
                    size_t first) noexcept nogil:
    """Room for one more item in the array ``*items`` of ``count`` items, doubling
    ``*capacity`` (``first`` items at first) when full; False: out of memory."""
    cdef void *grown
    cdef size_t bigger
    if count < capacity[0]:
        return True
    bigger = capacity[0] * 2 if capacity[0] else first
    grown = realloc(items[0], bigger * item_size)
    if grown == NULL:
        return False
    items[0] = grown
    capacity[0] = bigger
    return True


cdef Piece *add_piece(Pieces *ps) noexcept nogil:
    """A new piece at the end of ``ps``, its fields for the caller to set (NULL: out of memory)."""
    if not make_room(<void **>&ps.items, ps.count, &ps.capacity, sizeof(Piece), 64):
        return NULL
    ps.count += 1
    ps.items[ps.count - 1].wrong = False  # until written (write_pieces reads it for all)
    return &ps.items[ps.count - 1]


cdef struct Starts:
    size_t *items     # offsets of the '>' that open records
    size_t count, capacity


cdef struct Block:
    Starts starts     # the '>' in one block of PIECE input bytes that open records
    size_t newlines   # the block's newlines


cdef bint find_starts(const unsigned char *d, size_t lo, size_t hi, Starts *s) noexcept nogil:
    """Append every '>' in [lo, hi) that opens a line (offset 0 aside) to ``s``; False: out of memory."""
    cdef const unsigned char *p
    cdef size_t pos = lo if lo > 0 else 1
    while pos < hi:
        p = <const unsigned char *>memchr(d + pos, b'>', hi - pos)
        if p == NULL:
            break
        pos = <size_t>(p - d)
        if d[pos - 1] == b'\n':
            if not make_room(<void **>&s.items, s.count, &s.capacity, sizeof(size_t), 16):
                return False
            s.items[s.count] = pos
            s.count += 1
        pos += 1
    return True


cdef size_t scan_pieces(const unsigned char *d, size_t n, revcomp_simd_newlines_fn newlines,
                        Pieces *ps, int n_threads) noexcept nogil:
    """Cut every record into pieces of at most PIECE input bytes; return the output size.

    Three passes. 1: the input's blocks of PIECE bytes are read once each (over
    ``n_threads`` threads): the '>' that open records are found (``memchr``)
    and the newlines counted while the block is still in cache. 2: the records
    are cut into pieces at the block edges (serial, one step per piece; a piece
    that is not a whole block, at most two per record, has its newlines
    counted again). 3: each piece learns where its bytes land (serial, one step
    per piece). A record starts at offset 0 and at every '>' that opens a line.
    Returns SIZE_MAX when memory runs out.
    """
    cdef size_t start = 0, body, end, at, size = 0, length = 0, cut, k, first = 0, lo, hi
    cdef size_t n_blocks = (n + PIECE - 1) // PIECE, bi = 0, bj = 0, lost = 0
    cdef const unsigned char *nl
    cdef Piece *pc
    cdef Py_ssize_t j
    cdef bint failed = False
    cdef Block *blocks = <Block *>calloc(n_blocks if n_blocks else 1, sizeof(Block))
    if blocks == NULL:
        return <size_t>-1
    # 1: blocks are equal but for the last, so a static split is even, and
    # gives each thread one contiguous run of the input (one thread for the
    # simd rung, and under PARALLEL_MIN_PIECES blocks).
    if n_blocks < PARALLEL_MIN_PIECES:
        n_threads = 1
    for j in prange(<Py_ssize_t>n_blocks, num_threads=max(n_threads, 1), schedule="static"):
        lo = j * <size_t>PIECE
        hi = min(lo + PIECE, n)
        if not find_starts(d, lo, hi, &blocks[j].starts):
            lost += 1  # a reduction: any block out of memory fails the call
        blocks[j].newlines = newlines(d + lo, hi - lo)
    failed = lost > 0
    while start < n and not failed:  # 2: records and cuts
        nl = <const unsigned char *>memchr(d + start, b'\n', n - start)
        body = n if nl == NULL else <size_t>(nl - d) + 1
        end = n  # the next record's start: the next '>' found past this one's
        while bi < n_blocks:
            if bj < blocks[bi].starts.count:
                if blocks[bi].starts.items[bj] > start:
                    end = blocks[bi].starts.items[bj]
                    break
                bj += 1
            else:
                bi += 1
                bj = 0
        pc = add_piece(ps)
        if pc == NULL:
            failed = True
            break
        pc.header = start
        pc.header_len = (body - start - 1) if nl != NULL else (n - start)
        at = body
        while True:  # at least one piece per record, even an empty one
            cut = min((at // PIECE + 1) * PIECE, end) - at  # to the block's edge or the record's end
            pc.src = at
            pc.n = cut
            if cut > 0 and at % PIECE == 0 and at + cut == min(at + PIECE, n):
                pc.p = blocks[at // PIECE].newlines  # a whole block: counted in pass 1
            else:
                pc.p = newlines(d + at, cut)
            at += cut
            if at >= end:
                break
            pc = add_piece(ps)
            if pc == NULL:
                failed = True
                break
            pc.header = 0
            pc.header_len = <size_t>-1
        start = end
    for j in range(<Py_ssize_t>n_blocks):
        free(blocks[j].starts.items)
    free(blocks)
    if failed:
        return <size_t>-1
    for k in range(ps.count + 1):  # 3: offsets, a record at a time
        if k == ps.count or ps.items[k].header_len != <size_t>-1:
            while first < k:  # close the record before piece k
                ps.items[first].length = length
                first += 1
            if k > 0:
                size += length + (length + LINE - 1) // LINE
            if k == ps.count:
                break
            size += ps.items[k].header_len + 1
            length = 0
        pc = &ps.items[k]
        pc.out = size
        cut = pc.p  # this piece's newlines
        pc.p = length
        length += pc.n - cut
        pc.expect = length
    return size


cdef inline bint full_line(const unsigned char *d, size_t n, size_t body, size_t k) noexcept nogil:
    """Whether line ``k`` of a record body at ``body`` looks like one of LINE bases:
    its newline where such lines put it, its first byte not a '>'."""
    cdef size_t at
    if k >= (n - body) // (LINE + 1):
        return False
    at = body + k * (LINE + 1)
    return d[at + LINE] == b'\n' and d[at] != b'>'


cdef size_t full_lines(const unsigned char *d, size_t n, size_t body) noexcept nogil:
    """The lines of LINE bases that open the record body at ``body``, if its lines
    are all such lines up to its last: found by galloping, then bisecting, over
    ``full_line`` (a few dozen bytes read). A body of other lines can mislead
    it; the predicted pieces then say so (``run_piece``)."""
    cdef size_t lo = 0, hi = 1, mid
    if not full_line(d, n, body, 0):
        return 0
    while full_line(d, n, body, hi):  # full_line(lo) holds, full_line(hi) is to find
        lo = hi
        hi = 2 * hi + 1
    while hi - lo > 1:
        mid = lo + (hi - lo) // 2
        if full_line(d, n, body, mid):
            lo = mid
        else:
            hi = mid
    return hi


cdef size_t predict_pieces(const unsigned char *d, size_t n, Pieces *ps) noexcept nogil:
    """Cut the input into pieces without reading it all, for input in ``fasta``'s shape;
    return the output size like ``scan_pieces``, or SIZE_MAX - 1 for input of another shape.

    That shape: every record's sequence in lines of LINE bases, its last line
    shorter or as long, each line ended by a newline (the input's last may not
    be). Then a record's length follows from a few bytes (``full_lines``: the
    newline that ends its last full line, the '>' or the end of input after its
    short one), and so does where each piece's bases start, with pieces cut at
    lines: ``scan_pieces``' first pass, a read of the whole input, is not
    needed. The prediction is checked as the pieces are written: a piece holding
    another number of bases, or a line in it that opens with '>' (a record the
    prediction missed), says ``wrong``, and the caller starts again with
    ``scan_pieces``. Every other difference from the shape (a line shorter and
    another longer in one piece) leaves the output the same: each byte's place
    depends only on the bases before it and its record's length.
    """
    cdef size_t start = 0, body, header_len, full, at, last, end, j, lines, size = 0, length
    cdef const unsigned char *nl
    cdef Piece *pc
    while start < n:
        nl = <const unsigned char *>memchr(d + start, b'\n', n - start)
        if nl == NULL:  # a header alone on the last line: no sequence
            header_len = n - start
            body = end = n
            full = last = 0
        else:
            body = <size_t>(nl - d) + 1
            header_len = body - start - 1
            full = full_lines(d, n, body)
            at = body + full * (LINE + 1)
            last = 0
            end = at
            if at < n and d[at] != b'>':  # a short last line
                nl = <const unsigned char *>memchr(d + at, b'\n', min(<size_t>LINE, n - at))
                if nl != NULL:
                    last = <size_t>(nl - d) - at
                    end = last + at + 1
                elif n - at <= LINE:  # the input's last line, without its newline
                    last = n - at
                    end = n
                if last == 0 or (end < n and d[end] != b'>'):
                    return <size_t>-2  # an empty line, a longer one, or no '>' after it
        length = full * LINE + last
        j = 0
        while True:  # at least one piece per record, even an empty one
            pc = add_piece(ps)
            if pc == NULL:
                return <size_t>-1
            lines = min(<size_t>PIECE_LINES, full - j)
            pc.src = body + j * (LINE + 1)
            pc.n = lines * (LINE + 1)
            pc.p = j * LINE
            pc.expect = pc.p + lines * LINE
            pc.length = length
            pc.header_len = <size_t>-1
            if j == 0:
                pc.header = start
                pc.header_len = header_len
                size += header_len + 1
            pc.out = size
            j += lines
            if j == full:  # the last piece takes the short line
                pc.n = end - pc.src
                pc.expect += last
                break
        size += length + (length + LINE - 1) // LINE
        start = end
    return size


def _predicted_pieces(const unsigned char[::1] data):
    """Test only: the pieces ``predict_pieces`` cuts ``data`` into, as (input offset,
    bytes, first base, bases) tuples, or None for input it does not predict."""
    cdef Pieces ps
    cdef size_t size, k
    ps.items = NULL
    ps.count = ps.capacity = 0
    try:
        size = predict_pieces(&data[0] if data.shape[0] else NULL, data.shape[0], &ps)
        if size == <size_t>-1:
            raise MemoryError("revcomp: no memory for the list of pieces")
        if size == <size_t>-2:
            return None
        return [(ps.items[k].src, ps.items[k].n, ps.items[k].p, ps.items[k].expect - ps.items[k].p)
                for k in range(ps.count)]
    finally:
        free(ps.items)


cdef void run_piece(unsigned char *out, const unsigned char *d, Piece *pc,
                    revcomp_simd_piece_fn piece) noexcept nogil:
    """Write one piece's output bytes (its record's header line too, for the first);
    ``pc.wrong``: it held another number of bases than ``pc.expect`` says, or a
    line in it opens with '>' (what a predicted piece must not do)."""
    cdef int opens
    if pc.header_len != <size_t>-1:
        memcpy(out + pc.out - pc.header_len - 1, d + pc.header, pc.header_len)
        out[pc.out - 1] = b'\n'
    pc.wrong = piece(out + pc.out, pc.length, d + pc.src, pc.n, pc.p, LETTERS, TABLE, &opens) != pc.expect or opens


cdef bint any_wrong(const Pieces *ps, size_t lo, size_t hi) noexcept:
    """Whether a piece in [lo, hi) of ``ps`` was ``wrong`` (an unwritten one is not)."""
    cdef size_t k
    for k in range(lo, hi):
        if ps.items[k].wrong:
            return True
    return False


cdef int write_pieces(unsigned char *out, const unsigned char *d, Pieces *ps,
                      revcomp_simd_piece_fn piece, int n_threads, bint predicted) except -1:
    """Write every piece of ``ps`` into ``out`` over ``n_threads`` threads, in batches
    between checks for Ctrl-C. Returns 1 when a predicted piece was ``wrong`` (the
    writing then stops at the end of its batch, later pieces left unwritten), else 0."""
    cdef size_t done = 0, batch
    cdef Py_ssize_t b
    if ps.count < PARALLEL_MIN_PIECES:
        n_threads = 1
    while done < ps.count:
        batch = min(<size_t>(PIECES_PER_CHECK * n_threads), ps.count - done)
        with nogil:
            if n_threads == 1:
                for b in range(<Py_ssize_t>batch):
                    run_piece(out, d, &ps.items[done + b], piece)
            else:
                # NOTE: static, not dynamic: each thread writes one contiguous
                # run of pieces (about half of the batch's output), so each
                # thread first-touches its own pages rather than alternating
                # 1 MiB pieces with the other. Each thread faults in its own
                # pages: with the calling thread faulting the output in ahead
                # of the writers instead (sl_mem.h, which chacha20 still uses),
                # fasta 25M took 312-328 ps per byte against 287-307 on the
                # Xeon, once the simd rung ran at memory speed.
                for b in prange(<Py_ssize_t>batch, num_threads=n_threads, schedule="static"):
                    run_piece(out, d, &ps.items[done + b], piece)
        done += batch
        PyErr_CheckSignals()
        if predicted and any_wrong(ps, done - batch, done):
            return 1  # the rest need not be written
    return 0


cdef object simd_and_parallel(const unsigned char[::1] data, int n_threads):
    """The output by the vector path, over ``n_threads`` threads (1: the simd rung).

    The pieces come from ``predict_pieces`` when the input has ``fasta``'s shape;
    if the writing finds that it does not, from ``scan_pieces``, and the
    output is written again, into a new buffer.
    """
    cdef int path = simd_path_id()
    cdef revcomp_simd_piece_fn piece = revcomp_simd_piece(path)
    cdef revcomp_simd_newlines_fn newlines = revcomp_simd_newlines(path)
    if piece == NULL:  # SPEEDLAB_SIMD=scalar
        return copy_and_process(data, NATIVE)
    if not LETTERS_HOLD:
        raise RuntimeError("revcomp: the complement table is not in the IUPAC shape the vector "
                           "paths look it up by")
    cdef size_t n = data.shape[0], size
    cdef const unsigned char *d = &data[0] if n else NULL
    cdef Pieces ps
    cdef bint predicted
    ps.items = NULL
    ps.count = ps.capacity = 0
    try:
        with nogil:
            size = predict_pieces(d, n, &ps)
            predicted = size != <size_t>-2
            if not predicted:
                ps.count = 0
                size = scan_pieces(d, n, newlines, &ps, n_threads)
        while True:
            if size == <size_t>-1:
                raise MemoryError("revcomp: no memory for the list of pieces")
            result = sl_mem.new_output(<Py_ssize_t>size)
            if not write_pieces(<unsigned char *>PyBytes_AS_STRING(result), d, &ps, piece,
                                n_threads, predicted):
                break
            result = None  # the input is not in the shape predicted: scan it
            ps.count = 0
            predicted = False
            with nogil:
                size = scan_pieces(d, n, newlines, &ps, n_threads)
    finally:
        free(ps.items)
    return result


# -- simd and parallel in place: swaps from both ends, for input in fasta's shape --

cdef struct Swap:
    size_t seq      # offset of the record's first base
    size_t length   # the record's bases
    size_t lo, hi   # bases [lo, hi) trade places with their mirrors
    bint middle     # and the middle base of an odd length is complemented


cdef struct Swaps:
    Swap *items
    size_t count, capacity


cdef bint fasta_shaped(const unsigned char *d, size_t n, size_t start, size_t *end, size_t *body,
                       size_t *length, revcomp_simd_newlines_fn newlines) noexcept nogil:
    """Whether the record opening at ``start`` is in fasta's shape, so that its
    output's newlines fall where its input's are: a header line, then lines of
    LINE bases and a last one of 1 to LINE, each ended by a newline, then the
    next record's '>' or the end. Sets ``end``, ``body`` and ``length`` (bases).
    Every line end is looked at, and the newlines are counted (in vector
    compares), so a line of another length anywhere says no."""
    cdef const unsigned char *nl = <const unsigned char *>memchr(d + start, b'\n', n - start)
    cdef size_t full, last = 0, at, k
    if nl == NULL:  # a header without its newline: the output adds one
        return False
    body[0] = <size_t>(nl - d) + 1
    full = full_lines(d, n, body[0])
    at = body[0] + full * (LINE + 1)
    if at < n and d[at] != b'>':
        nl = <const unsigned char *>memchr(d + at, b'\n', min(<size_t>LINE, n - at))
        if nl == NULL or nl == d + at:  # longer, without its newline, or empty
            return False
        last = <size_t>(nl - d) - at
        at += last + 1
        if at < n and d[at] != b'>':
            return False
    for k in range(full):  # full_lines looked at a few lines only
        if d[body[0] + k * (LINE + 1) + LINE] != b'\n' or d[body[0] + k * (LINE + 1)] == b'>':
            return False
    if newlines(d + body[0], at - body[0]) != full + (last > 0):
        return False
    end[0] = at
    length[0] = full * LINE + last
    return True


cdef size_t plan_swaps(const unsigned char *d, size_t n, revcomp_simd_newlines_fn newlines,
                       Swaps *sw) noexcept nogil:
    """Cut every record's swaps into items of PIECE / 2 front bases (a PIECE of
    bytes touched each). Returns 0, 1 when a record is not in fasta's shape
    (nothing to swap then), or 2 when the list cannot grow."""
    cdef size_t start = 0, end = 0, body = 0, length = 0, lo, half
    cdef Swap *item
    while start < n:
        if not fasta_shaped(d, n, start, &end, &body, &length, newlines):
            return 1
        half = length // 2
        lo = 0
        while lo < half or (lo == 0 and length % 2 == 1):
            if not make_room(<void **>&sw.items, sw.count, &sw.capacity, sizeof(Swap), 64):
                return 2
            item = &sw.items[sw.count]
            sw.count += 1
            item.seq = body
            item.length = length
            item.lo = lo
            item.hi = min(half, lo + <size_t>(PIECE // 2))
            item.middle = item.hi == half and length % 2 == 1
            lo = item.hi
            if item.middle:
                break
        start = end
    return 0


cdef void run_swap(unsigned char *d, const Swap *item, revcomp_simd_swap_fn swap) noexcept nogil:
    cdef size_t m = item.length // 2
    swap(d + item.seq, item.length, item.lo, item.hi, LETTERS, TABLE)
    if item.middle:
        d[item.seq + m + m // LINE] = TABLE[d[item.seq + m + m // LINE]]


cdef int simd_inplace(unsigned char[::1] buf, int n_threads) except -1:
    """Reverse-complement ``buf`` in place by the vector path over ``n_threads``
    threads; input of another shape goes to native's in-place passes (which
    raise ValueError when a record cannot be reversed in place). Every record is
    checked before a byte changes."""
    cdef int path = simd_path_id()
    cdef revcomp_simd_swap_fn swap = revcomp_simd_swap(path)
    cdef revcomp_simd_newlines_fn newlines = revcomp_simd_newlines(path)
    cdef size_t n = buf.shape[0], done = 0, batch, planned
    cdef unsigned char *d = &buf[0] if n else NULL
    cdef Swaps sw
    cdef Py_ssize_t b
    if swap == NULL or n == 0:  # SPEEDLAB_SIMD=scalar; empty input is refused there
        return process_inplace(buf, NATIVE)
    if not LETTERS_HOLD:
        raise RuntimeError("revcomp: the complement table is not in the IUPAC shape the vector "
                           "paths look it up by")
    sw.items = NULL
    sw.count = sw.capacity = 0
    try:
        with nogil:
            planned = plan_swaps(d, n, newlines, &sw)
        if planned == 2:
            raise MemoryError("revcomp: no memory for the list of swaps")
        if planned == 1:
            return process_inplace(buf, NATIVE)
        if sw.count < PARALLEL_MIN_PIECES:
            n_threads = 1
        while done < sw.count:  # batches between checks for Ctrl-C
            batch = min(<size_t>(PIECES_PER_CHECK * n_threads), sw.count - done)
            with nogil:
                if n_threads == 1:
                    for b in range(<Py_ssize_t>batch):
                        run_swap(d, &sw.items[done + b], swap)
                else:
                    for b in prange(<Py_ssize_t>batch, num_threads=n_threads, schedule="static"):
                        run_swap(d, &sw.items[done + b], swap)
            done += batch
            PyErr_CheckSignals()
    finally:
        free(sw.items)
    return 0


def reverse_complement_simd(const unsigned char[::1] data):
    """The program's output for the FASTA ``data``: the ``simd`` rung.

    Raises ``speedlab._simd.SimdUnavailable`` when ``SPEEDLAB_SIMD`` forces a
    path this CPU lacks (before any vector instruction runs); ``scalar`` runs
    the native code (as does ``parallel``, on one thread).
    """
    return simd_and_parallel(data, 1)


def reverse_complement_parallel(const unsigned char[::1] data, n_threads=None):
    """The program's output for the FASTA ``data``: the ``parallel`` rung.

    The ``simd`` rung's pieces over ``n_threads`` threads (None: every core);
    the bytes are the same for every thread count.
    """
    cdef int threads = omp_shim.omp_get_max_threads() if n_threads is None else n_threads
    if threads < 1:
        raise ValueError(f"n_threads must be >= 1, got {threads}")
    return simd_and_parallel(data, threads)


def reverse_complement_native(const unsigned char[::1] data):
    """The program's output for the FASTA ``data``: the ``native`` rung."""
    return copy_and_process(data, NATIVE)


def reverse_complement_c(const unsigned char[::1] data):
    """The program's output for the FASTA ``data``: the hand-written C ceiling."""
    return copy_and_process(data, C_REF)


def reverse_complement_inplace_native(unsigned char[::1] buf):
    """Replace the FASTA in ``buf`` by its reverse complement, in place (native rung)."""
    process_inplace(buf, NATIVE)


def reverse_complement_inplace_simd(unsigned char[::1] buf):
    """Replace the FASTA in ``buf`` by its reverse complement, in place (simd rung)."""
    simd_inplace(buf, 1)


def reverse_complement_inplace_parallel(unsigned char[::1] buf, n_threads=None):
    """Replace the FASTA in ``buf`` by its reverse complement, in place (parallel rung)."""
    cdef int threads = omp_shim.omp_get_max_threads() if n_threads is None else n_threads
    if threads < 1:
        raise ValueError(f"n_threads must be >= 1, got {threads}")
    simd_inplace(buf, threads)


def reverse_complement_inplace_c(unsigned char[::1] buf):
    """Replace the FASTA in ``buf`` by its reverse complement, in place (C ceiling)."""
    process_inplace(buf, C_REF)


def reverse_complement_rust(const unsigned char[::1] data):
    """The program's output for the FASTA ``data``: the ``rust`` reference."""
    return copy_and_process(data, RUST_REF)


def reverse_complement_rust_unchecked(const unsigned char[::1] data):
    """``reverse_complement_rust`` with ``get_unchecked`` in its copy loop: what the check costs."""
    return copy_and_process(data, RUST_UNCHECKED)


def reverse_complement_inplace_rust(unsigned char[::1] buf):
    """Replace the FASTA in ``buf`` by its reverse complement, in place (``rust`` reference)."""
    process_inplace(buf, RUST_REF)


def _rust_panic(int how):
    """Test only: force a panic inside the rust boundary of this module (see rust_abi.pxd)."""
    rust_force_panic(how, "revcomp")


if not RUST_BUILT:
    # Built without Rust: the variant reports the build's reason (speedlab info).
    del reverse_complement_rust, reverse_complement_rust_unchecked, reverse_complement_inplace_rust, _rust_panic
