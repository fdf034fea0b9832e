# The part of GMP's API (gmp.h) that pidigits_gmp.pyx uses: the low-level mpn
# functions on arrays of limbs. https://gmplib.org/manual/Low_002dlevel-Functions
#
# NOTE: only mpn functions that never allocate: the limb arrays are speedlab's own
# (malloc'd and checked), so an allocation failure is a MemoryError. GMP's mpz
# layer allocates through a process-wide allocator that aborts the process when
# memory runs out (https://gmplib.org/manual/Custom-Allocation).

cdef extern from "gmp.h":
    # unsigned long (LP64), unsigned long long (Windows x64): Cython only needs "an unsigned integer"
    ctypedef unsigned long mp_limb_t
    ctypedef long mp_size_t

    const int GMP_LIMB_BITS
    const int GMP_NAIL_BITS
    const char *gmp_version

    # {rp, n} = {s1p, n} * s2limb; returns the high limb
    mp_limb_t mpn_mul_1(mp_limb_t *rp, const mp_limb_t *s1p, mp_size_t n, mp_limb_t s2limb) nogil
    # {rp, n} += {s1p, n} * s2limb; returns the carry limb
    mp_limb_t mpn_addmul_1(mp_limb_t *rp, const mp_limb_t *s1p, mp_size_t n, mp_limb_t s2limb) nogil
    # {rp, n} -= {s1p, n} * s2limb; returns the borrow limb
    mp_limb_t mpn_submul_1(mp_limb_t *rp, const mp_limb_t *s1p, mp_size_t n, mp_limb_t s2limb) nogil
    # {rp, n} = {s1p, n} + s2limb; returns the carry (0 or 1)
    mp_limb_t mpn_add_1(mp_limb_t *rp, const mp_limb_t *s1p, mp_size_t n, mp_limb_t s2limb) nogil
    # {rp, n} = {s1p, n} - s2limb; returns the borrow (0 or 1)
    mp_limb_t mpn_sub_1(mp_limb_t *rp, const mp_limb_t *s1p, mp_size_t n, mp_limb_t s2limb) nogil
    # sign of {s1p, n} - {s2p, n}
    int mpn_cmp(const mp_limb_t *s1p, const mp_limb_t *s2p, mp_size_t n) nogil
