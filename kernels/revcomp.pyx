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
* ``reverse_complement_c`` / ``reverse_complement_inplace_c`` -- the ``c`` rung:
  ``kernels/c/revcomp.c``, same flags, driven by the same chunked loop.
* ``reverse_complement_rust`` / ``reverse_complement_inplace_rust`` -- the ``rust``
  reference: ``kernels/rust/src/revcomp.rs``, the same passes in safe Rust.
* ``reverse_complement_rust_unchecked`` -- a labelled extra: the same, with the one
  bounds check left in the copy loop removed (``get_unchecked``), to show its cost.

There is no ``parallel`` rung: see the catalog (the passes run at memory speed).
"""

cimport cython
cimport cython_compat  # inline bytearray helpers (see the .pxd)
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.exc cimport PyErr_CheckSignals
from libc.string cimport memchr, memcpy, memmove

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

cdef enum:
    LINE = 60                # characters per output line (the program's format)
    # Bytes (or byte pairs) per pass between two checks for Ctrl-C: 4 MiB is a
    # few milliseconds of memmove or table lookups.
    CHUNK = 1 << 22
    # CHUNK // LINE, written out: Cython 3.3 crashes generating an enum member
    # defined by a division when cdivision is off (the debug build).
    CHUNK_LINES = 69905

# The complement table as a C array, filled once from the pure twin's table.
cdef unsigned char TABLE[256]
for _i in range(256):
    TABLE[_i] = COMPLEMENT[_i]


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
    result = PyBytes_FromStringAndSize(NULL, size)
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


def reverse_complement_native(const unsigned char[::1] data):
    """The program's output for the FASTA ``data``: the ``native`` rung."""
    return copy_and_process(data, NATIVE)


def reverse_complement_c(const unsigned char[::1] data):
    """The program's output for the FASTA ``data``: the hand-written C ceiling."""
    return copy_and_process(data, C_REF)


def reverse_complement_inplace_native(unsigned char[::1] buf):
    """Replace the FASTA in ``buf`` by its reverse complement, in place (native rung)."""
    process_inplace(buf, NATIVE)


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
