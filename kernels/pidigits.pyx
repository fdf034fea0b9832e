"""pidigits on the typed and native rungs, plus the hand-written C ceiling.

Compiled to ``speedlab._native.pidigits``. Every function returns the str of
digits the pure twin (``speedlab/pure/pidigits.py``) returns.

* ``digits_typed``  -- the ``typed`` rung: the term counter and the digits are C
  integers, the three big numbers are Python ints, as in the twin. CPython's
  big-integer arithmetic is C already, so there is little to gain: each
  operation still allocates a new int object.
* ``digits_native`` -- the ``native`` rung: the three numbers are unsigned
  32-bit-limb arrays updated in place (multiply by a word, add or subtract a
  multiple, compare), with two scratch numbers; nothing is allocated per
  operation (the arrays grow by doubling, rarely), no Python object is touched,
  and the terms run without the GIL, with Ctrl-C checked between batches.
* ``digits_c``      -- the ``c`` rung: ``kernels/c/pidigits.c``, the same
  arithmetic hand-written in C, same flags.
* ``digits_rust``   -- the ``rust`` reference: ``kernels/rust/src/pidigits.rs``,
  the same arithmetic in safe Rust (``Vec<u32>`` limbs, ``try_reserve`` before
  each term), called exactly as ``digits_c`` calls the C.

NOTE: native and c keep ``b = acc + 3 num`` instead of ``acc``. The twin's
``acc`` goes negative now and then (after a digit is removed); ``b`` never does
(floor((3 num + acc) / den) = d implies b - d den >= 0), so unsigned limbs
suffice. It is the same spigot: ``num > acc`` is ``4 num > b``,
``extract(3)`` is ``b // den``, ``extract(4)`` is ``(b + num) // den``, the term
update ``acc = (acc + 2 num) k2; num *= k`` is ``b = b k2 + num (k - 1)``, and
removing digit d is ``b = 10 (b - d den)``.

There is no ``parallel`` rung: each term depends on the one before, and one
multiplication of a few thousand limbs by a word is far too little work to
split across threads.
"""

cimport cython
from cpython.exc cimport PyErr_CheckSignals
from libc.stdint cimport uint32_t, uint64_t
from libc.stdlib cimport free, realloc
from libc.string cimport memcpy, memset

from rust_abi cimport RUST_BUILT, RUST_NO_MEMORY, rust_check, rust_force_panic


cdef extern from "c/pidigits.h":
    ctypedef struct pidigits_c_state:
        uint32_t k
    int pidigits_c_init(pidigits_c_state *s) noexcept nogil
    void pidigits_c_free(pidigits_c_state *s) noexcept nogil
    int pidigits_c_run(pidigits_c_state *s, char *out, size_t *count, size_t want,
                       uint32_t terms) noexcept nogil

cdef extern from "rust/speedlab_rust.h":
    ctypedef struct pidigits_rust_state:
        pass
    int pidigits_rust_new(pidigits_rust_state **state) noexcept nogil
    int pidigits_rust_free(pidigits_rust_state *state) noexcept nogil
    int pidigits_rust_run(pidigits_rust_state *state, char *out, size_t *count, size_t want,
                          uint32_t terms) noexcept nogil

cdef enum:
    # Terms between two checks for Ctrl-C: at 10,000 digits one term costs
    # ~20 us on the native rung, so a batch is a few ms; early terms are cheaper.
    CHECK_TERMS = 256
    # First allocation of each number, in limbs (64 bytes); arrays then double.
    FIRST_LIMBS = 16


# -- typed rung: C integers for the counters, Python ints for the numbers -----

@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
def digits_typed(long n):
    """The first ``n`` digits of pi: the ``typed`` rung."""
    cdef object acc = 0, den = 1, num = 1
    cdef long k = 0, k2, count = 0, digit
    cdef bytearray out = bytearray(n)
    while count < n:
        k += 1
        k2 = 2 * k + 1
        acc = (acc + 2 * num) * k2
        den *= k2
        num *= k
        if num > acc:
            continue
        digit = (num * 3 + acc) // den
        if digit != (num * 4 + acc) // den:
            continue
        out[count] = 48 + digit  # 48 is '0'
        count += 1
        acc = (acc - den * digit) * 10
        num *= 10
        if k % CHECK_TERMS == 0:
            PyErr_CheckSignals()
    return out.decode("ascii")


# -- native rung: unsigned limb arrays updated in place, no GIL ---------------

cdef struct Num:
    uint32_t *limb  # little-endian 32-bit limbs; size 0 is zero
    size_t size
    size_t cap

cdef struct State:
    Num b    # acc + 3 num: never negative (see the module docstring)
    Num den
    Num num
    Num t1   # scratch
    Num t2   # scratch
    uint32_t k


cdef int reserve(Num *x, size_t want) noexcept nogil:
    """Make room for ``want`` limbs (doubling: growth is amortised); -1 when out of memory."""
    cdef size_t cap
    cdef uint32_t *grown
    if x.cap >= want:
        return 0
    cap = x.cap if x.cap else FIRST_LIMBS
    while cap < want:
        cap *= 2
    grown = <uint32_t *>realloc(x.limb, cap * sizeof(uint32_t))
    if grown == NULL:
        return -1
    x.limb = grown
    x.cap = cap
    return 0


cdef inline void normalise(Num *x) noexcept nogil:
    """Drop leading zero limbs."""
    while x.size > 0 and x.limb[x.size - 1] == 0:
        x.size -= 1


cdef int compare(const Num *x, const Num *y) noexcept nogil:
    """-1, 0 or 1 as x <, == or > y."""
    cdef size_t i
    if x.size != y.size:
        return -1 if x.size < y.size else 1
    i = x.size
    while i > 0:
        i -= 1
        if x.limb[i] != y.limb[i]:
            return -1 if x.limb[i] < y.limb[i] else 1
    return 0


cdef void mul_small(Num *x, uint32_t m) noexcept nogil:
    """x *= m"""
    cdef uint64_t carry = 0, p
    cdef size_t i
    for i in range(x.size):
        p = <uint64_t>x.limb[i] * m + carry
        x.limb[i] = <uint32_t>p
        carry = p >> 32
    if carry:
        x.limb[x.size] = <uint32_t>carry
        x.size += 1
    normalise(x)


cdef void set_mul_small(Num *t, const Num *y, uint32_t m) noexcept nogil:
    """t = y * m"""
    cdef uint64_t carry = 0, p
    cdef size_t i
    for i in range(y.size):
        p = <uint64_t>y.limb[i] * m + carry
        t.limb[i] = <uint32_t>p
        carry = p >> 32
    t.size = y.size
    if carry:
        t.limb[t.size] = <uint32_t>carry
        t.size += 1
    normalise(t)


cdef void add_mul_small(Num *x, const Num *y, uint32_t m) noexcept nogil:
    """x += y * m"""
    cdef uint64_t carry = 0, p
    cdef size_t i
    while x.size < y.size:
        x.limb[x.size] = 0
        x.size += 1
    for i in range(y.size):
        p = <uint64_t>x.limb[i] + <uint64_t>y.limb[i] * m + carry
        x.limb[i] = <uint32_t>p
        carry = p >> 32
    i = y.size
    while carry and i < x.size:
        p = <uint64_t>x.limb[i] + carry
        x.limb[i] = <uint32_t>p
        carry = p >> 32
        i += 1
    if carry:
        x.limb[x.size] = <uint32_t>carry
        x.size += 1


cdef void sub_mul_small(Num *x, const Num *y, uint32_t m) noexcept nogil:
    """x -= y * m; the caller guarantees the result is >= 0."""
    cdef uint64_t carry = 0, borrow = 0, p, diff
    cdef size_t i
    for i in range(y.size):
        p = <uint64_t>y.limb[i] * m + carry
        diff = <uint64_t>x.limb[i] - <uint32_t>p - borrow
        carry = p >> 32
        x.limb[i] = <uint32_t>diff
        borrow = diff >> 63  # 1 when the subtraction wrapped
    i = y.size
    while (carry | borrow) and i < x.size:
        diff = <uint64_t>x.limb[i] - carry - borrow
        carry = 0
        x.limb[i] = <uint32_t>diff
        borrow = diff >> 63
        i += 1
    normalise(x)


cdef uint32_t quotient(const Num *a, const Num *d, Num *t) noexcept nogil:
    """floor(a / d) for a small quotient: a floating-point estimate from the top limbs, corrected exactly."""
    cdef size_t i, low
    cdef double top_a = 0.0, top_d = 0.0, estimate
    cdef uint32_t q
    if compare(a, d) < 0:
        return 0
    low = d.size - 2 if d.size >= 2 else 0  # 64+ bits of d: past a double's 53
    i = a.size
    while i > low:
        i -= 1
        top_a = top_a * 4294967296.0 + a.limb[i]  # 2**32: one limb
    i = d.size
    while i > low:
        i -= 1
        top_d = top_d * 4294967296.0 + d.limb[i]
    estimate = top_a / top_d
    q = <uint32_t>estimate if estimate < 4294967295.0 else <uint32_t>4294967295
    set_mul_small(t, d, q)
    while compare(t, a) > 0:  # the estimate was one too high
        q -= 1
        sub_mul_small(t, d, 1)
    add_mul_small(t, d, 1)
    while compare(t, a) <= 0:  # ... or one too low
        q += 1
        add_mul_small(t, d, 1)
    return q


cdef int state_init(State *s) noexcept nogil:
    """The initial state (acc = 0, den = 1, num = 1, so b = 3); -1 when out of memory."""
    memset(s, 0, sizeof(State))
    if (reserve(&s.b, FIRST_LIMBS) or reserve(&s.den, FIRST_LIMBS) or reserve(&s.num, FIRST_LIMBS)
            or reserve(&s.t1, FIRST_LIMBS) or reserve(&s.t2, FIRST_LIMBS)):
        return -1
    s.b.limb[0] = 3
    s.b.size = 1
    s.den.limb[0] = 1
    s.den.size = 1
    s.num.limb[0] = 1
    s.num.size = 1
    return 0


cdef void state_free(State *s) noexcept nogil:
    """Release the state's arrays (safe after a failed init)."""
    free(s.b.limb)
    free(s.den.limb)
    free(s.num.limb)
    free(s.t1.limb)
    free(s.t2.limb)
    memset(s, 0, sizeof(State))


cdef int run_terms(State *s, char *out, size_t *count, size_t want, uint32_t terms) noexcept nogil:
    """Fold in up to ``terms`` terms, appending digits to ``out``; -1 when out of memory."""
    cdef uint32_t k2, d3, d4
    cdef size_t room
    while terms > 0 and count[0] < want:
        terms -= 1
        # One term adds at most two limbs to any number; the scratch holds b + num.
        room = max(s.b.size, s.den.size, s.num.size) + 4
        if (reserve(&s.b, room) or reserve(&s.den, room) or reserve(&s.num, room)
                or reserve(&s.t1, room) or reserve(&s.t2, room)):
            return -1
        s.k += 1
        k2 = 2 * s.k + 1
        mul_small(&s.b, k2)  # b = b k2 + num (k - 1)
        add_mul_small(&s.b, &s.num, s.k - 1)
        mul_small(&s.den, k2)
        mul_small(&s.num, s.k)
        set_mul_small(&s.t1, &s.num, 4)  # num > acc  <=>  4 num > b
        if compare(&s.t1, &s.b) > 0:
            continue
        d3 = quotient(&s.b, &s.den, &s.t2)  # extract(3) = b // den
        memcpy(s.t1.limb, s.b.limb, s.b.size * sizeof(uint32_t))
        s.t1.size = s.b.size
        add_mul_small(&s.t1, &s.num, 1)
        d4 = quotient(&s.t1, &s.den, &s.t2)  # extract(4) = (b + num) // den
        if d3 != d4:
            continue
        out[count[0]] = <char>(48 + d3)  # 48 is '0'
        count[0] += 1
        sub_mul_small(&s.b, &s.den, d3)  # b = 10 (b - d den)
        mul_small(&s.b, 10)
        mul_small(&s.num, 10)
    return 0


def digits_native(long n):
    """The first ``n`` digits of pi: the ``native`` rung."""
    cdef State state
    cdef size_t count = 0, want = n
    cdef int status = 0
    cdef bytearray out = bytearray(n)
    cdef char *dst = out  # filled in place, then decoded once
    if state_init(&state) != 0:
        state_free(&state)
        raise MemoryError("pidigits: cannot allocate the spigot's numbers")
    try:
        while count < want:
            with nogil:
                status = run_terms(&state, dst, &count, want, CHECK_TERMS)
            if status != 0:
                raise MemoryError(f"pidigits: out of memory after {count:,} digits")
            PyErr_CheckSignals()
    finally:
        state_free(&state)
    return out.decode("ascii")


# -- c rung: kernels/c/pidigits.c ---------------------------------------------

def digits_c(long n):
    """The first ``n`` digits of pi: the hand-written C ceiling."""
    cdef pidigits_c_state state
    cdef size_t count = 0, want = n
    cdef int status = 0
    cdef bytearray out = bytearray(n)
    cdef char *dst = out
    if pidigits_c_init(&state) != 0:
        pidigits_c_free(&state)
        raise MemoryError("pidigits: cannot allocate the spigot's numbers")
    try:
        while count < want:
            with nogil:
                status = pidigits_c_run(&state, dst, &count, want, CHECK_TERMS)
            if status != 0:
                raise MemoryError(f"pidigits: out of memory after {count:,} digits")
            PyErr_CheckSignals()
    finally:
        pidigits_c_free(&state)
    return out.decode("ascii")


# -- rust reference: kernels/rust/src/pidigits.rs -----------------------------

def digits_rust(long n):
    """The first ``n`` digits of pi: the ``rust`` reference (safe Rust)."""
    cdef pidigits_rust_state *state = NULL
    cdef size_t count = 0, want = n
    cdef int status = 0
    cdef bytearray out = bytearray(n)
    cdef char *dst = out
    status = pidigits_rust_new(&state)
    if status == RUST_NO_MEMORY:
        raise MemoryError("pidigits: cannot allocate the spigot's numbers")
    rust_check(status, "pidigits")
    try:
        while count < want:
            with nogil:
                status = pidigits_rust_run(state, dst, &count, want, CHECK_TERMS)
            if status == RUST_NO_MEMORY:
                raise MemoryError(f"pidigits: out of memory after {count:,} digits")
            rust_check(status, "pidigits")
            PyErr_CheckSignals()
    finally:
        pidigits_rust_free(state)
    return out.decode("ascii")


def _rust_panic(int how):
    """Test only: force a panic inside the rust boundary of this module (see rust_abi.pxd)."""
    rust_force_panic(how, "pidigits")


if not RUST_BUILT:
    # Built without Rust: the variant reports the build's reason (speedlab info).
    del digits_rust, _rust_panic
