"""ChaCha20 (RFC 8439) on the typed, native and parallel rungs, plus the C ceiling.

Compiled to ``speedlab._native.chacha20``. Every function returns the bytes the
pure twin (``speedlab/pure/chacha20.py``) returns: the data XORed with the
keystream of blocks ``counter, counter + 1, ...``. Arguments arrive validated
by ``speedlab.chacha20`` (key 32 bytes, nonce 12 bytes, a counter that does not
wrap); the ``uint32_t`` counter argument refuses anything else with OverflowError.

* ``encrypt_typed``    -- the ``typed`` rung: each quarter round works on
  ``uint32_t`` locals, but the 16-word state is a Python list (every read
  unboxes, every write boxes an int), the output a bytearray written byte by
  byte, with bounds/wraparound checks on. It isolates static typing.
* ``encrypt_native``   -- the ``native`` rung: the state is a ``uint32_t[16]``
  array, input and output are raw byte pointers, the keystream is XORed a
  32-bit word at a time, nothing is allocated and no Python object is touched
  in the loop, and it runs without the GIL (Ctrl-C is checked between chunks).
* ``encrypt_simd``     -- the ``simd`` rung: ``native`` with 4, 8 or 16 blocks
  computed at once, word ``i`` of every block in one vector (SSE2 or NEON,
  AVX2, AVX-512, chosen at run time by ``speedlab._simd``); the quarter rounds
  are the scalar ones on every lane. The last few blocks run the native code.
* ``encrypt_parallel`` -- the ``parallel`` rung: ``simd`` split into spans of
  blocks over OpenMP threads. Block ``i`` needs only the key, the nonce and
  ``counter + i``, so the threads share nothing but the read-only input. The
  calling thread faults the fresh output in 2 MiB pieces just ahead of the
  writers (``sl_mem.h``; ``SPEEDLAB_FAULT_AHEAD=0`` turns that off).
* ``encrypt_c``        -- the ``c`` rung: ``kernels/c/chacha20.c``, same flags.
* ``encrypt_rust``     -- the ``rust`` reference: ``kernels/rust/src/chacha20.rs``, the
  same block function in safe Rust, called exactly as ``encrypt_c`` calls the C.
"""

import struct

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.exc cimport PyErr_CheckSignals
from cython.parallel cimport parallel, prange, threadid
from libc.stdint cimport uint32_t
from libc.string cimport memcpy

cimport omp_shim
cimport sl_mem
from rust_abi cimport RUST_BUILT, rust_check, rust_force_panic

from speedlab._simd import path_id as simd_path_id
from speedlab._validate import check_threads


cdef extern from "c/chacha20.h":
    void chacha20_c_xor(const uint32_t *state, const unsigned char *src,
                        unsigned char *dst, size_t length) noexcept nogil

cdef extern from "simd/chacha20.h":
    ctypedef size_t (*chacha20_simd_fn)(const uint32_t *state, const unsigned char *src,
                                        unsigned char *dst, size_t n_blocks) noexcept nogil
    chacha20_simd_fn chacha20_simd(int path) noexcept nogil

cdef extern from "rust/speedlab_rust.h":
    int chacha20_rust_xor(const uint32_t *state, const unsigned char *src,
                          unsigned char *dst, size_t length) noexcept nogil

cdef enum:
    BLOCK = 64  # bytes per block: sixteen 32-bit words
    WORDS = 16
    COUNTER_WORD = 12  # the state word that holds the block counter (RFC 8439, 2.3)
    # Bytes between two checks for Ctrl-C: 4 MiB is about 5-10 ms of native
    # work on one core, so an interrupt lands quickly and the check is free.
    CHECK_BYTES = 1 << 22
    # The typed rung (~10 MiB/s) checks every 64 KiB instead.
    TYPED_CHECK_BYTES = 1 << 16
    # Below 64 KiB (1,024 blocks, roughly 60 us on one core) the parallel
    # variant stays serial: starting an OpenMP team costs 1-2 us per call and
    # the tail task would dominate.
    PARALLEL_MIN_BYTES = 1 << 16
    # Blocks one parallel task encrypts: 16 KiB, a multiple of every vector
    # path's blocks per step (4, 8, 16), small enough for an even split of a
    # 4 MiB chunk (256 tasks) and large enough that a task costs far more than
    # handing it out.
    SPAN_BLOCKS = 256
    # Spans a thread takes at a time in the parallel rung, at most: 2 MiB, the
    # size of a huge page of the fresh output (sl_mem.h), the unit the calling
    # thread faults in ahead of the writers.
    PIECE_SPANS = 128
    # Bytes per thread between two checks for Ctrl-C in the parallel rung: 32 MiB
    # is ~7 ms of simd work, up to ~70 ms where each output page must first come
    # back from a virtual machine's host; fewer, larger rounds leave the threads
    # fewer ends of a round to wait at, and the faulting ahead fewer restarts
    # (see xor_parallel).
    PARALLEL_CHECK_BYTES = 1 << 25

# "expand 32-byte k" as four little-endian words (RFC 8439, 2.3).
CONSTANTS = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)


cdef inline uint32_t rotl32(uint32_t v, int c) noexcept nogil:
    """Rotate the 32-bit ``v`` left by ``c`` bits (0 < c < 32)."""
    return (v << c) | (v >> (32 - c))


# -- typed rung: uint32_t scalars, the state in a Python list, checks on -------

@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
cdef int quarter_round_typed(list x, int a, int b, int c, int d) except -1:
    """The quarter round on four words of the list ``x``: unbox, compute in C, box back."""
    cdef uint32_t va = x[a], vb = x[b], vc = x[c], vd = x[d]
    va += vb
    vd = rotl32(vd ^ va, 16)
    vc += vd
    vb = rotl32(vb ^ vc, 12)
    va += vb
    vd = rotl32(vd ^ va, 8)
    vc += vd
    vb = rotl32(vb ^ vc, 7)
    x[a] = va
    x[b] = vb
    x[c] = vc
    x[d] = vd
    return 0


@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
cdef int block_typed(list state, bytearray out) except -1:
    """The keystream block of ``state`` (a list of 16 ints) into the 64-byte ``out``."""
    cdef list x = list(state)
    cdef int i
    cdef uint32_t w
    for i in range(10):  # 20 rounds: column round, then diagonal round
        quarter_round_typed(x, 0, 4, 8, 12)
        quarter_round_typed(x, 1, 5, 9, 13)
        quarter_round_typed(x, 2, 6, 10, 14)
        quarter_round_typed(x, 3, 7, 11, 15)
        quarter_round_typed(x, 0, 5, 10, 15)
        quarter_round_typed(x, 1, 6, 11, 12)
        quarter_round_typed(x, 2, 7, 8, 13)
        quarter_round_typed(x, 3, 4, 9, 14)
    for i in range(WORDS):
        w = <uint32_t>x[i] + <uint32_t>state[i]
        out[4 * i] = w & 0xFF
        out[4 * i + 1] = (w >> 8) & 0xFF
        out[4 * i + 2] = (w >> 16) & 0xFF
        out[4 * i + 3] = w >> 24
    return 0


@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
def encrypt_typed(bytes key, bytes nonce, data, uint32_t counter):
    """``data`` XORed with the keystream from block ``counter``: the ``typed`` rung."""
    cdef list state = [*CONSTANTS, *struct.unpack("<8L", key), counter, *struct.unpack("<3L", nonce)]
    cdef Py_ssize_t n = len(data), pos, i, width
    cdef bytearray keystream = bytearray(BLOCK)
    cdef bytearray out = bytearray(n)
    for pos in range(0, n, BLOCK):
        block_typed(state, keystream)
        width = min(<Py_ssize_t>BLOCK, n - pos)
        for i in range(width):
            out[pos + i] = data[pos + i] ^ keystream[i]
        state[COUNTER_WORD] = <uint32_t>state[COUNTER_WORD] + 1
        if pos % TYPED_CHECK_BYTES == 0:
            PyErr_CheckSignals()
    return bytes(out)


# -- native rung: uint32_t arrays and raw bytes, no Python objects, no GIL -----

cdef inline uint32_t load32_le(const unsigned char *p) noexcept nogil:
    """The little-endian word at ``p`` (byte by byte: portable; one move on x86/ARM)."""
    return <uint32_t>p[0] | (<uint32_t>p[1] << 8) | (<uint32_t>p[2] << 16) | (<uint32_t>p[3] << 24)


cdef inline void store32_le(unsigned char *p, uint32_t v) noexcept nogil:
    """Store ``v`` little-endian at ``p``."""
    p[0] = <unsigned char>v
    p[1] = <unsigned char>(v >> 8)
    p[2] = <unsigned char>(v >> 16)
    p[3] = <unsigned char>(v >> 24)


cdef inline void quarter_round(uint32_t *x, int a, int b, int c, int d) noexcept nogil:
    """The quarter round on four words of ``x`` (inlined: the words live in registers)."""
    x[a] += x[b]
    x[d] = rotl32(x[d] ^ x[a], 16)
    x[c] += x[d]
    x[b] = rotl32(x[b] ^ x[c], 12)
    x[a] += x[b]
    x[d] = rotl32(x[d] ^ x[a], 8)
    x[c] += x[d]
    x[b] = rotl32(x[b] ^ x[c], 7)


cdef void block_native(const uint32_t *state, uint32_t *out) noexcept nogil:
    """The keystream block of ``state`` into ``out`` (16 words each)."""
    cdef uint32_t x[WORDS]
    cdef int i
    memcpy(x, state, sizeof(x))
    for i in range(10):  # 20 rounds: column round, then diagonal round
        quarter_round(x, 0, 4, 8, 12)
        quarter_round(x, 1, 5, 9, 13)
        quarter_round(x, 2, 6, 10, 14)
        quarter_round(x, 3, 7, 11, 15)
        quarter_round(x, 0, 5, 10, 15)
        quarter_round(x, 1, 6, 11, 12)
        quarter_round(x, 2, 7, 8, 13)
        quarter_round(x, 3, 4, 9, 14)
    for i in range(WORDS):
        out[i] = x[i] + state[i]


cdef void xor_native(const uint32_t *state, const unsigned char *src, unsigned char *dst,
                     Py_ssize_t length) noexcept nogil:
    """XOR ``length`` bytes of ``src`` into ``dst`` with the keystream of ``state``."""
    cdef uint32_t s[WORDS]
    cdef uint32_t ks[WORDS]
    cdef unsigned char tail[BLOCK]
    cdef Py_ssize_t pos = 0, i
    memcpy(s, state, sizeof(s))
    while pos + BLOCK <= length:
        block_native(s, ks)
        for i in range(WORDS):
            store32_le(dst + pos + 4 * i, load32_le(src + pos + 4 * i) ^ ks[i])
        s[COUNTER_WORD] += 1
        pos += BLOCK
    if pos < length:  # a partial last block
        block_native(s, ks)
        for i in range(WORDS):
            store32_le(tail + 4 * i, ks[i])
        for i in range(length - pos):
            dst[pos + i] = src[pos + i] ^ tail[i]


cdef int load_state(uint32_t *state, bytes key, bytes nonce, uint32_t counter) except -1:
    """Fill the 16-word initial state (RFC 8439, 2.3) from a 32-byte key and a 12-byte nonce."""
    cdef const unsigned char *k = <const unsigned char *>PyBytes_AS_STRING(key)
    cdef const unsigned char *iv = <const unsigned char *>PyBytes_AS_STRING(nonce)
    cdef int i
    if len(key) != 32 or len(nonce) != 12:
        raise ValueError("key must be 32 bytes and nonce 12 bytes")
    for i in range(4):
        state[i] = CONSTANTS[i]
    for i in range(8):
        state[4 + i] = load32_le(k + 4 * i)
    state[COUNTER_WORD] = counter
    for i in range(3):
        state[13 + i] = load32_le(iv + 4 * i)
    return 0


def encrypt_native(bytes key, bytes nonce, const unsigned char[::1] data, uint32_t counter):
    """``data`` XORed with the keystream from block ``counter``: the ``native`` rung."""
    cdef uint32_t state[WORDS]
    cdef Py_ssize_t n = data.shape[0], done = 0, chunk
    load_state(state, key, nonce, counter)
    out = sl_mem.new_output(n)
    cdef unsigned char *dst = <unsigned char *>PyBytes_AS_STRING(out)
    while done < n:
        chunk = min(<Py_ssize_t>CHECK_BYTES, n - done)  # a multiple of BLOCK but for the last
        with nogil:
            xor_native(state, &data[done], dst + done, chunk)
        state[COUNTER_WORD] += <uint32_t>(chunk // BLOCK)
        done += chunk
        PyErr_CheckSignals()
    return out


# -- parallel rung: native split by blocks over OpenMP threads ----------------

cdef void xor_simd(const uint32_t *state, const unsigned char *src, unsigned char *dst,
                   Py_ssize_t length, chacha20_simd_fn simd) noexcept nogil:
    """XOR ``length`` bytes: groups of blocks by the vector path ``simd``, the rest by native."""
    cdef uint32_t s[WORDS]
    cdef size_t blocks = 0
    if simd != NULL:
        blocks = simd(state, src, dst, <size_t>(length // BLOCK))
    memcpy(s, state, sizeof(s))
    s[COUNTER_WORD] += <uint32_t>blocks
    xor_native(s, src + blocks * BLOCK, dst + blocks * BLOCK, length - <Py_ssize_t>blocks * BLOCK)


def encrypt_simd(bytes key, bytes nonce, const unsigned char[::1] data, uint32_t counter):
    """``data`` XORed with the keystream from block ``counter``: the ``simd`` rung.

    Raises ``speedlab._simd.SimdUnavailable`` when ``SPEEDLAB_SIMD`` forces a
    path this CPU lacks (before any vector instruction runs).
    """
    cdef uint32_t state[WORDS]
    cdef Py_ssize_t n = data.shape[0], done = 0, chunk
    cdef chacha20_simd_fn simd = chacha20_simd(simd_path_id())
    load_state(state, key, nonce, counter)
    out = sl_mem.new_output(n)
    cdef unsigned char *dst = <unsigned char *>PyBytes_AS_STRING(out)
    while done < n:
        chunk = min(<Py_ssize_t>CHECK_BYTES, n - done)  # a multiple of BLOCK but for the last
        with nogil:
            xor_simd(state, &data[done], dst + done, chunk, simd)
        state[COUNTER_WORD] += <uint32_t>(chunk // BLOCK)
        done += chunk
        PyErr_CheckSignals()
    return out


# -- parallel rung: simd split into spans of blocks over OpenMP threads --------

cdef void xor_span(const uint32_t *state, const unsigned char *src, unsigned char *dst,
                   Py_ssize_t index, Py_ssize_t length, chacha20_simd_fn simd) noexcept nogil:
    """Span ``index`` (SPAN_BLOCKS blocks) of a ``length``-byte message, on this thread's state copy."""
    cdef uint32_t s[WORDS]
    cdef Py_ssize_t start = index * SPAN_BLOCKS * BLOCK
    cdef Py_ssize_t stop = min(start + <Py_ssize_t>SPAN_BLOCKS * BLOCK, length)
    memcpy(s, state, sizeof(s))
    s[COUNTER_WORD] += <uint32_t>(index * SPAN_BLOCKS)
    xor_simd(s, src + start, dst + start, stop - start, simd)


cdef struct Pieces:  # the parallel rung's pieces of one chunk, for sl_mem's range callback
    Py_ssize_t piece_bytes
    Py_ssize_t length


cdef void piece_range(const void *ctx, size_t piece, size_t *lo, size_t *hi) noexcept nogil:
    """The output bytes of piece ``piece`` (sl_mem_ahead's callback)."""
    cdef const Pieces *pieces = <const Pieces *>ctx
    lo[0] = piece * <size_t>pieces.piece_bytes
    hi[0] = min(lo[0] + <size_t>pieces.piece_bytes, <size_t>pieces.length)


cdef void xor_parallel(const uint32_t *state, const unsigned char *src, unsigned char *dst,
                       Py_ssize_t length, int n_threads, chacha20_simd_fn simd) noexcept nogil:
    """XOR ``length`` bytes, pieces of spans handed to ``n_threads`` threads as they come free."""
    cdef Py_ssize_t span = <Py_ssize_t>SPAN_BLOCKS * BLOCK
    cdef Py_ssize_t n_spans = (length + span - 1) // span, i, s
    # At least two pieces per thread, at most PIECE_SPANS spans each.
    cdef int piece = <int>max(1, min(<Py_ssize_t>PIECE_SPANS, n_spans // (2 * n_threads)))
    cdef Py_ssize_t n_pieces = (n_spans + piece - 1) // piece
    cdef Pieces pieces
    cdef sl_mem.sl_mem_ahead ahead
    cdef int thread
    pieces.piece_bytes = piece * span
    pieces.length = length
    # NOTE: the output is fresh memory, faulted in as it is first written, and
    # on a virtual machine that is what decides this rung's time: the calling
    # thread faults the pieces in just ahead of the writers (sl_mem.h measures
    # why). Pieces are handed out as threads come free (dynamic), not split in
    # equal runs up front: the work per byte is equal, but a page that must
    # come back from the host took from well under a millisecond to tens of
    # them, and with equal runs each chunk waited for the slowest thread.
    sl_mem.sl_mem_ahead_init(&ahead, dst, <size_t>n_pieces, piece_range, &pieces, n_threads)
    if ahead.enabled:
        with parallel(num_threads=n_threads):
            thread = threadid()
            i = <Py_ssize_t>sl_mem.sl_mem_ahead_next(&ahead, thread)
            while i < n_pieces:
                for s in range(i * piece, min((i + 1) * piece, n_spans)):
                    xor_span(state, src, dst, s, length, simd)
                i = <Py_ssize_t>sl_mem.sl_mem_ahead_next(&ahead, thread)
        sl_mem.sl_mem_ahead_free(&ahead)
    else:
        for i in prange(n_spans, num_threads=n_threads, schedule="dynamic", chunksize=piece):
            xor_span(state, src, dst, i, length, simd)


def encrypt_parallel(bytes key, bytes nonce, const unsigned char[::1] data, uint32_t counter,
                     n_threads=None):
    """``data`` XORed with the keystream from block ``counter``: the ``parallel`` rung.

    ``simd`` over ``n_threads`` threads (None = OpenMP's default, all cores);
    inputs under 64 KiB run serially. The output is the same for every thread count.
    """
    cdef uint32_t state[WORDS]
    cdef Py_ssize_t n = data.shape[0], done = 0, chunk
    cdef int threads = omp_shim.omp_get_max_threads()
    cdef chacha20_simd_fn simd = chacha20_simd(simd_path_id())
    checked = check_threads(n_threads)
    if checked is not None:
        threads = checked
    load_state(state, key, nonce, counter)
    out = sl_mem.new_output(n)
    cdef unsigned char *dst = <unsigned char *>PyBytes_AS_STRING(out)
    # NOTE: each chunk between Ctrl-C checks is PARALLEL_CHECK_BYTES per thread,
    # so the pause between checks stays the same whatever the thread count.
    cdef Py_ssize_t step = <Py_ssize_t>PARALLEL_CHECK_BYTES * threads
    while done < n:
        chunk = min(step, n - done)
        with nogil:
            if chunk < PARALLEL_MIN_BYTES or threads == 1:
                xor_simd(state, &data[done], dst + done, chunk, simd)
            else:
                xor_parallel(state, &data[done], dst + done, chunk, threads, simd)
        state[COUNTER_WORD] += <uint32_t>(chunk // BLOCK)
        done += chunk
        PyErr_CheckSignals()
    return out


# -- c rung: kernels/c/chacha20.c ---------------------------------------------

def encrypt_c(bytes key, bytes nonce, const unsigned char[::1] data, uint32_t counter):
    """``data`` XORed with the keystream from block ``counter``: the hand-written C ceiling."""
    cdef uint32_t state[WORDS]
    cdef Py_ssize_t n = data.shape[0], done = 0, chunk
    load_state(state, key, nonce, counter)
    out = sl_mem.new_output(n)
    cdef unsigned char *dst = <unsigned char *>PyBytes_AS_STRING(out)
    while done < n:
        chunk = min(<Py_ssize_t>CHECK_BYTES, n - done)
        with nogil:
            chacha20_c_xor(state, &data[done], dst + done, <size_t>chunk)
        state[COUNTER_WORD] += <uint32_t>(chunk // BLOCK)
        done += chunk
        PyErr_CheckSignals()
    return out


# -- rust reference: kernels/rust/src/chacha20.rs -------------------------------

def encrypt_rust(bytes key, bytes nonce, const unsigned char[::1] data, uint32_t counter):
    """``data`` XORed with the keystream from block ``counter``: the ``rust`` reference."""
    cdef uint32_t state[WORDS]
    cdef Py_ssize_t n = data.shape[0], done = 0, chunk
    cdef int status
    load_state(state, key, nonce, counter)
    out = sl_mem.new_output(n)
    cdef unsigned char *dst = <unsigned char *>PyBytes_AS_STRING(out)
    while done < n:
        chunk = min(<Py_ssize_t>CHECK_BYTES, n - done)
        with nogil:
            status = chacha20_rust_xor(state, &data[done], dst + done, <size_t>chunk)
        rust_check(status, "chacha20")
        state[COUNTER_WORD] += <uint32_t>(chunk // BLOCK)
        done += chunk
        PyErr_CheckSignals()
    return out


def _rust_panic(int how):
    """Test only: force a panic inside the rust boundary of this module (see rust_abi.pxd)."""
    rust_force_panic(how, "chacha20")


if not RUST_BUILT:
    # Built without Rust: the variant reports the build's reason (speedlab info).
    del encrypt_rust, _rust_panic
