"""pidigits on GMP: the ``gmp`` variant.

Compiled to ``speedlab._native.pidigits_gmp`` only when the build found GMP
(setup.py's probe); otherwise the variant is listed as not built, with the
reason. This is the library step beside the ladder, and it takes two ideas:

1. GMP's assembly. The spigot is the ``native`` rung's (``kernels/pidigits.pyx``),
   number for number and step for step, but each pass over the limbs is a call
   to GMP's low-level functions (``mpn_mul_1``, ``mpn_addmul_1``,
   ``mpn_submul_1``, ``mpn_cmp``): hand-written assembly for each CPU family, on
   64-bit limbs where ``native`` loops over 32-bit ones in Cython-generated C.
   ``digits_gmp(n, exact=True)`` is this alone.
2. The digit tests from the top limbs. Each term asks whether ``4 num > b``
   (the twin's ``num > acc``) and, when not, whether ``b // den`` and
   ``(b + num) // den`` agree. Decided exactly, these cost five passes over the
   numbers per test; the fastest C programs pay them as two GMP divisions. Here
   they are first decided from the top three limbs of each number in floating
   point (relative error below 2**-49), and accepted only when the answer is
   clear by a relative 2**-30; otherwise, and whenever the numbers are shorter
   than four limbs, the exact test runs. The digits are the same by
   construction (and ``exact=True`` gives them the slow way, for comparison).
   This is the default.

As in ``native`` the state is ``b = acc + 3 num``, ``den`` and ``num``, all
non-negative (see ``kernels/pidigits.pyx`` for why it is the twin's spigot).

Memory: the limb arrays are speedlab's own, grown by doubling with ``realloc``
and checked, so running out of memory is a MemoryError. GMP's ``mpz`` functions
would allocate through GMP's process-wide allocator, which aborts the process
when memory runs out (replacing it with ``mp_set_memory_functions`` would
change it for every other GMP user in the process, and GMP's manual says an
allocator that does not return leaves GMP in an undefined state); the ``mpn``
functions used here never allocate. The public ``speedlab.pidigits.digits``
refuses more than 100,000 digits before any of this runs.

The terms run without the GIL, in batches of ``CHECK_TERMS``, with Ctrl-C
checked between batches. There is no ``parallel`` rung, as for ``native``.
"""

from cpython.exc cimport PyErr_CheckSignals
from libc.stdlib cimport free, realloc
from libc.string cimport memcpy, memset

from gmp cimport (
    GMP_LIMB_BITS, gmp_version, mp_limb_t, mp_size_t, mpn_add_1, mpn_addmul_1,
    mpn_cmp, mpn_mul_1, mpn_sub_1, mpn_submul_1,
)

cdef enum:
    # Terms between two checks for Ctrl-C: at 10,000 digits one term costs a few
    # microseconds here, so a batch is ~1 ms; early terms are cheaper.
    CHECK_TERMS = 256
    # First allocation of each number, in limbs (128 bytes); arrays then double.
    FIRST_LIMBS = 16

def gmp_info():
    """The GMP library in use: ``"6.2.1, 64-bit limbs"``."""
    return f"{gmp_version.decode('ascii')}, {GMP_LIMB_BITS}-bit limbs"


cdef struct Num:
    mp_limb_t *limb  # little-endian limbs; size 0 is zero; the top limb is never 0
    mp_size_t size
    mp_size_t cap

cdef struct State:
    Num b    # acc + 3 num: never negative (see kernels/pidigits.pyx)
    Num den
    Num num
    Num t1   # scratch
    Num t2   # scratch
    unsigned long k


cdef int reserve(Num *x, mp_size_t want) noexcept nogil:
    """Make room for ``want`` limbs (doubling: growth is amortised); -1 when out of memory."""
    cdef mp_size_t cap
    cdef mp_limb_t *grown
    if x.cap >= want:
        return 0
    cap = x.cap if x.cap else FIRST_LIMBS
    while cap < want:
        cap *= 2
    grown = <mp_limb_t *>realloc(x.limb, cap * sizeof(mp_limb_t))
    if grown == NULL:
        return -1
    x.limb = grown
    x.cap = cap
    return 0


cdef inline void normalise(Num *x) noexcept nogil:
    """Drop leading zero limbs."""
    while x.size > 0 and x.limb[x.size - 1] == 0:
        x.size -= 1


cdef inline int compare(const Num *x, const Num *y) noexcept nogil:
    """-1, 0 or 1 as x <, == or > y."""
    cdef int sign
    if x.size != y.size:
        return -1 if x.size < y.size else 1
    sign = mpn_cmp(x.limb, y.limb, x.size)
    return (sign > 0) - (sign < 0)


cdef inline void mul_small(Num *x, mp_limb_t m) noexcept nogil:
    """x *= m (m > 0)"""
    cdef mp_limb_t carry
    if x.size == 0:
        return
    carry = mpn_mul_1(x.limb, x.limb, x.size, m)
    if carry:
        x.limb[x.size] = carry
        x.size += 1


cdef inline void set_mul_small(Num *t, const Num *y, mp_limb_t m) noexcept nogil:
    """t = y * m"""
    cdef mp_limb_t carry = 0
    if y.size > 0:
        carry = mpn_mul_1(t.limb, y.limb, y.size, m)
    t.size = y.size
    if carry:
        t.limb[t.size] = carry
        t.size += 1
    normalise(t)


cdef inline void add_mul_small(Num *x, const Num *y, mp_limb_t m) noexcept nogil:
    """x += y * m"""
    cdef mp_limb_t carry
    if y.size == 0 or m == 0:
        return
    while x.size < y.size:
        x.limb[x.size] = 0
        x.size += 1
    carry = mpn_addmul_1(x.limb, y.limb, y.size, m)
    if carry and x.size > y.size:
        carry = mpn_add_1(x.limb + y.size, x.limb + y.size, x.size - y.size, carry)
    if carry:
        x.limb[x.size] = carry
        x.size += 1


cdef inline void sub_mul_small(Num *x, const Num *y, mp_limb_t m) noexcept nogil:
    """x -= y * m; the caller guarantees the result is >= 0."""
    cdef mp_limb_t borrow
    if y.size == 0 or m == 0:
        return
    borrow = mpn_submul_1(x.limb, y.limb, y.size, m)
    if borrow and x.size > y.size:
        mpn_sub_1(x.limb + y.size, x.limb + y.size, x.size - y.size, borrow)
    normalise(x)


cdef mp_limb_t quotient(const Num *a, const Num *d, Num *t) noexcept nogil:
    """floor(a / d) for a small quotient: a floating-point estimate from the top limbs, corrected exactly."""
    cdef mp_size_t i, low
    cdef double top_a = 0.0, top_d = 0.0, estimate
    cdef double limb_base = 2.0 ** GMP_LIMB_BITS  # the weight of one limb
    cdef mp_limb_t q
    if compare(a, d) < 0:
        return 0
    low = d.size - 2 if d.size >= 2 else 0  # 64+ bits of d: past a double's 53
    i = a.size
    while i > low:
        i -= 1
        top_a = top_a * limb_base + <double>a.limb[i]
    i = d.size
    while i > low:
        i -= 1
        top_d = top_d * limb_base + <double>d.limb[i]
    estimate = top_a / top_d
    # 2**62: far above any quotient the spigot asks for, far below overflow
    q = <mp_limb_t>estimate if estimate < 4611686018427387904.0 else <mp_limb_t>4611686018427387904
    set_mul_small(t, d, q)
    while compare(t, a) > 0:  # the estimate was too high
        q -= 1
        sub_mul_small(t, d, 1)
    add_mul_small(t, d, 1)
    while compare(t, a) <= 0:  # ... or too low
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


cdef inline double top(const Num *x, mp_size_t low) noexcept nogil:
    """x / 2**(64 low) in floating point, from its limbs at and above ``low`` (the rest dropped)."""
    cdef double value = 0.0
    cdef double limb_base = 2.0 ** GMP_LIMB_BITS
    cdef mp_size_t i = x.size
    while i > low:
        i -= 1
        value = value * limb_base + <double>x.limb[i]
    return value


cdef int run_terms(State *s, char *out, size_t *count, size_t want, unsigned int terms,
                   bint exact) noexcept nogil:
    """Fold in up to ``terms`` terms, appending digits to ``out``; -1 when out of memory."""
    cdef mp_limb_t k2, d3, d4
    cdef mp_size_t room, low
    cdef double b, den, num, e3, e4
    cdef int decided
    # The top-limb tests: a number's estimate counts only when it is at least
    # 2**64 (two limbs above the cut, so what the cut drops is < 2**-64 of it),
    # and a test is decided only when it is clear by a relative 2**-30, far above
    # the estimate's error (< 2**-49: three roundings per number, one per ratio).
    cdef double safe_top = 2.0 ** 64, margin = 2.0 ** -30
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
        # The two tests from the top three limbs, when they are clear by far more
        # than the estimate's error (see the module docstring).
        decided = 0
        low = max(s.b.size, s.den.size, s.num.size) - 3
        if low > 0 and not exact:
            b = top(&s.b, low)
            den = top(&s.den, low)
            num = top(&s.num, low)
            if den >= safe_top and b >= safe_top:
                if 4.0 * num > b * (1.0 + margin):  # num > acc  <=>  4 num > b
                    continue
                e3 = b / den
                e4 = (b + num) / den
                # (below 2**52, so the casts are exact; no digit test meets more than ~10)
                if 4.0 * num < b * (1.0 - margin) and e4 < 4503599627370496.0:
                    d3 = <mp_limb_t>e3
                    d4 = <mp_limb_t>e4
                    if (e3 - d3 > margin * (e3 + 1.0) and d3 + 1 - e3 > margin * (e3 + 1.0)
                            and e4 - d4 > margin * (e4 + 1.0) and d4 + 1 - e4 > margin * (e4 + 1.0)):
                        decided = 1
        if not decided:
            set_mul_small(&s.t1, &s.num, 4)  # num > acc  <=>  4 num > b
            if compare(&s.t1, &s.b) > 0:
                continue
            d3 = quotient(&s.b, &s.den, &s.t2)  # extract(3) = b // den
            memcpy(s.t1.limb, s.b.limb, s.b.size * sizeof(mp_limb_t))
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


def digits_gmp(long n, *, bint exact=False):
    """The first ``n`` digits of pi: the spigot on GMP's mpn functions.

    ``exact=True`` decides every digit test on the full numbers (no top-limb
    estimate): the same digits, slower; the tests compare the two.
    """
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
                status = run_terms(&state, dst, &count, want, CHECK_TERMS, exact)
            if status != 0:
                raise MemoryError(f"pidigits: out of memory after {count:,} digits")
            PyErr_CheckSignals()
    finally:
        state_free(&state)
    return out.decode("ascii")
