"""Fannkuch-redux on the typed, native and parallel rungs, plus the hand-written C ceiling.

Compiled to ``speedlab._native.fannkuchredux``. Every rung visits the permutations
in the task's order (see the pure twin, ``speedlab/pure/fannkuchredux.py``) and
returns ``(checksum, max_flips)``:

* ``checksum_maxflips_typed``    -- the ``typed`` rung: C ints for every scalar, but
  the permutation, its counters and the flip scratch are Python lists, and
  bounds/wraparound/division checks stay on. It isolates static typing.
* ``checksum_maxflips_native``   -- the ``native`` rung: the same odometer and flip
  counter over C int arrays on the stack, no Python object, no allocation and no
  GIL in the loop; Ctrl-C is checked between chunks of permutations.
* ``checksum_maxflips_simd``     -- the ``simd`` rung: ``native`` with many
  permutations flipped side by side in vector registers (4 on SSE2, 8 on AVX2,
  16 on AVX-512, 4 on NEON), the path chosen at run time (``speedlab._simd``).
  The index space is cut into sub-blocks of 7! = 5,040 permutations; each lane
  of a call takes one, starting from its first index read in factorial base,
  so all lanes share the low odometer digits and step together. A flip is one
  byte shuffle (``kernels/simd/fannkuchredux_body.h``); the visiting order,
  the flips and the signs are native's, so the result is exactly the same.
* ``checksum_maxflips_parallel`` -- the ``parallel`` rung: the ``simd`` loop
  over blocks of permutation indices with ``prange`` (the native loop when the
  path is ``scalar``). A block starts from its first index read in factorial
  base (``start``), so blocks are independent; each returns a partial checksum
  and maximum, combined exactly (integer sum and max), so the output is the
  same for every thread count.
* ``checksum_maxflips_c``        -- the ``c`` rung: ``kernels/c/fannkuchredux.c``.
* ``checksum_maxflips_rust``     -- the ``rust`` reference: ``kernels/rust/src/fannkuchredux.rs``,
  the same odometer and flip counter in safe Rust, on the C's state struct.
"""

cimport cython
from cpython.exc cimport PyErr_CheckSignals
from cython.parallel cimport parallel, prange
from libc.stdlib cimport free, malloc
from libc.string cimport memset

cimport omp_shim
from rust_abi cimport RUST_BUILT, rust_check, rust_force_panic

from speedlab._simd import path_id as simd_path_id


cdef extern from "c/fannkuchredux.h":
    enum: MAX_N "FANNKUCHREDUX_C_MAX_N"
    ctypedef struct fannkuchredux_c_state:
        pass
    void fannkuchredux_c_start(fannkuchredux_c_state *s, int n, long long index) noexcept nogil
    void fannkuchredux_c_run(fannkuchredux_c_state *s, long long steps,
                             long long *checksum, int *max_flips) noexcept nogil

cdef extern from "rust/speedlab_rust.h":
    int fannkuchredux_rust_start(fannkuchredux_c_state *s, int n, long long index) noexcept nogil
    int fannkuchredux_rust_run(fannkuchredux_c_state *s, long long steps,
                               long long *checksum, int *max_flips) noexcept nogil

cdef extern from "simd/fannkuchredux.h":
    ctypedef void (*fannkuchredux_simd_fn)(const unsigned char *perms, int m,
                                           long long *checksum, int *max_flips) noexcept nogil
    enum: SIMD_MAX_LANES "FANNKUCHREDUX_SIMD_MAX_LANES"
    fannkuchredux_simd_fn fannkuchredux_simd_group(int path) noexcept nogil
    int fannkuchredux_simd_lanes(int path) noexcept nogil

cdef enum:
    # Permutations per native chunk between Ctrl-C checks: about 10 ms at
    # n = 12 (~40 ns per permutation), far more than the cost of a check.
    CHECK_EVERY = 1 << 18
    # The simd rung's sub-block: SUB_N! = 5,040 permutations per lane and
    # call. Every lane starts at a multiple of it, so the lanes share the
    # odometer's low SUB_N digits; the start decode (O(n^2)) is paid once per
    # 5,040 permutations. 7 also keeps n = 8 at 8 sub-blocks, enough to fill
    # a call's lanes (up to 16) from n = 9 on.
    SUB_N = 7
    SUB = 5040
    # Sub-blocks per simd chunk between Ctrl-C checks: 1.3 million
    # permutations, about 10 ms at ~8 ns per permutation.
    SIMD_CHECK_SUBS = 256
    # Permutations per parallel block: 16 sub-blocks (one call of the widest
    # path), ~3 ms of native work; n = 10 (3.6 million permutations) still
    # gives 45 blocks to balance over the threads, and the restart cost of a
    # block (an O(n^2) index decode) stays negligible.
    BLOCK = 16 * SUB
    # Blocks per thread in one parallel region; Ctrl-C is checked between
    # regions (~20 ms apart at simd speed, ~0.6 ms a block; 80 ms when the
    # path is scalar) and dynamic scheduling evens out the tail. Each region
    # ends in a barrier, where a thread the OS has descheduled holds the
    # others up: fewer, longer regions lose less on a busy machine.
    BLOCKS_PER_THREAD = 32


cdef int check_n(int n) except -1:
    """Refuse an ``n`` the fixed-size arrays cannot hold (the public API checks first)."""
    if n < 1 or n > MAX_N:
        raise ValueError(f"n must be in 1..{MAX_N}, got {n}")
    return 0


# -- typed rung: C scalars, Python lists, checks on ----------------------------

@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
cdef int count_flips_typed(list perm, list scratch, int n) except -1:
    """Prefix reversals of a copy of ``perm`` (held in ``scratch``) until it starts with 0."""
    cdef int first = perm[0], flips = 0, i, j
    if first == 0:
        return 0
    for i in range(n):
        scratch[i] = perm[i]
    while first != 0:
        i = 0
        j = first
        while i < j:
            scratch[i], scratch[j] = scratch[j], scratch[i]
            i += 1
            j -= 1
        flips += 1
        first = scratch[0]
    return flips


@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
def checksum_maxflips_typed(int n):
    """Checksum and maximum flips over all permutations of 1..n: the ``typed`` rung."""
    check_n(n)
    cdef list perm = list(range(n)), count = [0] * n, scratch = [0] * n
    cdef long long checksum = 0, index = 0
    cdef int max_flips = 0, flips, r, i, first
    while True:
        flips = count_flips_typed(perm, scratch, n)
        checksum += -flips if index & 1 else flips
        if flips > max_flips:
            max_flips = flips
        index += 1
        if index % CHECK_EVERY == 0:
            PyErr_CheckSignals()
        r = 1
        while r < n:
            first = perm[0]
            for i in range(r):
                perm[i] = perm[i + 1]
            perm[r] = first
            count[r] += 1
            if count[r] <= r:
                break
            count[r] = 0
            r += 1
        if r == n:  # every digit wrapped: all n! permutations visited
            return checksum, max_flips


# -- native rung: C arrays on the stack, no Python objects, no GIL ------------

cdef struct State:
    int n
    long long index        # position of ``perm`` in the task's order
    int perm[MAX_N]        # the current permutation of 0..n-1
    int count[MAX_N]       # odometer digits: count[r] in 0..r


cdef void start(State *s, int n, long long index) noexcept nogil:
    """Set ``s`` to the permutation at ``index`` (its digits in factorial base)."""
    cdef long long fact = 1
    cdef int tmp[MAX_N]
    cdef int i, r, turns
    s.n = n
    s.index = index
    for i in range(n):
        s.perm[i] = i
        s.count[i] = 0
    for r in range(1, n):
        fact *= r  # (n - 1)!
    for r in range(n - 1, 0, -1):
        turns = <int>(index // fact)
        index = index % fact
        fact = fact // r
        s.count[r] = turns
        for i in range(r + 1):
            tmp[i] = s.perm[i]
        for i in range(r + 1):
            s.perm[i] = tmp[i + turns] if i + turns <= r else tmp[i + turns - r - 1]


cdef inline int count_flips(const int *perm, int n) noexcept nogil:
    """Prefix reversals of a copy of ``perm`` until it starts with 0."""
    cdef int p[MAX_N]
    cdef int first = perm[0], flips = 0, i, j, t
    if first == 0:
        return 0
    for i in range(n):
        p[i] = perm[i]
    while first != 0:
        i = 0
        j = first
        while i < j:
            t = p[i]
            p[i] = p[j]
            p[j] = t
            i += 1
            j -= 1
        flips += 1
        first = p[0]
    return flips


cdef void run(State *s, long long steps, long long *checksum, int *max_flips) noexcept nogil:
    """Visit ``steps`` permutations from the current one; accumulate into the outputs."""
    cdef int n = s.n, flips, best = max_flips[0], r, i, first
    cdef int *perm = s.perm
    cdef int *count = s.count
    cdef long long total = checksum[0], index = s.index, step
    for step in range(steps):
        flips = count_flips(perm, n)
        total += -flips if index & 1 else flips
        if flips > best:
            best = flips
        index += 1
        r = 1
        while r < n:
            first = perm[0]
            for i in range(r):
                perm[i] = perm[i + 1]
            perm[r] = first
            count[r] += 1
            if count[r] <= r:
                break
            count[r] = 0
            r += 1
    s.index = index
    checksum[0] = total
    max_flips[0] = best


# -- simd rung: native's odometer, many permutations per vector ---------------

cdef struct Simd:
    fannkuchredux_simd_fn group   # the vector path's function (NULL: scalar)
    int lanes                     # permutations it runs side by side


cdef Simd simd_path() except *:
    """The vector path chosen for this process (``speedlab._simd``), once per call."""
    cdef Simd v
    cdef int path = simd_path_id()
    v.group = fannkuchredux_simd_group(path)
    v.lanes = fannkuchredux_simd_lanes(path)
    return v


cdef void run_simd(Simd v, int n, long long first, long long last,
                   long long *checksum, int *max_flips) noexcept nogil:
    """Permutations ``first..last-1`` by the vector path; ``first`` is a multiple of the sub-block.

    ``last`` is a multiple of the sub-block too, or n! (n! is one sub-block for n < SUB_N).
    """
    cdef State s
    cdef unsigned char perms[SIMD_MAX_LANES * 16]
    cdef int m = n if n < SUB_N else SUB_N, lane, i
    cdef long long sub = factorial(m), lo = first
    while lo < last:
        memset(perms, 0, sizeof(perms))  # lanes past ``last`` stay idle (all zero)
        for lane in range(v.lanes):
            if lo + lane * sub >= last:
                break
            start(&s, n, lo + lane * sub)
            for i in range(16):
                perms[16 * lane + i] = <unsigned char>(s.perm[i] if i < n else i)
        v.group(perms, m, checksum, max_flips)
        lo += v.lanes * sub


cdef long long factorial(int n) noexcept nogil:
    """n! for 0 <= n <= 20 (16! is the largest used)."""
    cdef long long f = 1
    cdef int i
    for i in range(2, n + 1):
        f *= i
    return f


def checksum_maxflips_simd(int n):
    """Checksum and maximum flips over all permutations of 1..n: the ``simd`` rung.

    Raises ``speedlab._simd.SimdUnavailable`` when ``SPEEDLAB_SIMD`` forces a
    path this CPU lacks (before any vector instruction runs); ``scalar`` runs
    the native loop.
    """
    check_n(n)
    cdef Simd v = simd_path()
    if v.group == NULL:
        return checksum_maxflips_native(n)
    cdef long long total = factorial(n), done = 0, chunk, checksum = 0
    cdef long long step = SIMD_CHECK_SUBS * <long long>SUB
    cdef int max_flips = 0
    while done < total:
        chunk = min(step, total - done)
        with nogil:
            run_simd(v, n, done, done + chunk, &checksum, &max_flips)
        done += chunk
        PyErr_CheckSignals()
    return checksum, max_flips


def checksum_maxflips_native(int n):
    """Checksum and maximum flips over all permutations of 1..n: the ``native`` rung."""
    check_n(n)
    cdef State s
    cdef long long total = factorial(n), done = 0, chunk, checksum = 0
    cdef int max_flips = 0
    start(&s, n, 0)
    while done < total:
        chunk = min(<long long>CHECK_EVERY, total - done)
        with nogil:
            run(&s, chunk, &checksum, &max_flips)
        done += chunk
        PyErr_CheckSignals()
    return checksum, max_flips


# -- parallel rung: simd (or native) over blocks of indices, with prange ------

cdef void run_block(Simd v, int n, long long first, long long last,
                    long long *checksum, int *max_flips) noexcept nogil:
    """Checksum and maximum over permutations ``first..last-1`` (own state, thread-safe)."""
    cdef State s
    checksum[0] = 0
    max_flips[0] = 0
    if v.group != NULL:
        run_simd(v, n, first, last, checksum, max_flips)
        return
    start(&s, n, first)
    run(&s, last - first, checksum, max_flips)


def checksum_maxflips_parallel(int n, n_threads=None):
    """Checksum and maximum flips over all permutations of 1..n: the ``parallel`` rung.

    ``n_threads`` None uses every core (``omp_get_max_threads``). Each block
    runs the ``simd`` rung's loop (the native loop when the path is scalar).
    """
    check_n(n)
    cdef long long total = factorial(n), checksum = 0, block, lo
    cdef long long n_blocks = (total + BLOCK - 1) // BLOCK, done = 0
    cdef int threads = omp_shim.omp_get_max_threads() if n_threads is None else n_threads
    cdef int max_flips = 0, batch, b, capacity
    cdef long long *part_sum = NULL
    cdef int *part_max = NULL
    if threads < 1:
        raise ValueError(f"n_threads must be >= 1, got {threads}")
    cdef Simd v = simd_path()
    # NOTE: one block (n <= 8: at most 40,320 permutations, under 2 ms) is
    # nothing to divide; starting a thread team would only add overhead.
    if n_blocks == 1:
        threads = 1
    capacity = threads * BLOCKS_PER_THREAD
    try:
        part_sum = <long long *>malloc(capacity * sizeof(long long))
        part_max = <int *>malloc(capacity * sizeof(int))
        if part_sum == NULL or part_max == NULL:
            raise MemoryError("fannkuchredux: no memory for per-block results")
        while done < n_blocks:
            batch = <int>min(<long long>capacity, n_blocks - done)
            with nogil, parallel(num_threads=threads):
                for b in prange(batch, schedule="dynamic"):
                    lo = (done + b) * BLOCK
                    run_block(v, n, lo, min(lo + BLOCK, total), &part_sum[b], &part_max[b])
            # Exact combination: an integer sum and a maximum, in block order.
            for b in range(batch):
                checksum += part_sum[b]
                if part_max[b] > max_flips:
                    max_flips = part_max[b]
            done += batch
            PyErr_CheckSignals()
    finally:
        free(part_sum)
        free(part_max)
    return checksum, max_flips


# -- c rung --------------------------------------------------------------------

def checksum_maxflips_c(int n):
    """Checksum and maximum flips over all permutations of 1..n: the hand-written C ceiling."""
    check_n(n)
    cdef fannkuchredux_c_state s
    cdef long long total = factorial(n), done = 0, chunk, checksum = 0
    cdef int max_flips = 0
    fannkuchredux_c_start(&s, n, 0)
    while done < total:
        chunk = min(<long long>CHECK_EVERY, total - done)
        with nogil:
            fannkuchredux_c_run(&s, chunk, &checksum, &max_flips)
        done += chunk
        PyErr_CheckSignals()
    return checksum, max_flips


def checksum_maxflips_rust(int n):
    """Checksum and maximum flips over all permutations of 1..n: the ``rust`` reference."""
    check_n(n)
    cdef fannkuchredux_c_state s
    cdef long long total = factorial(n), done = 0, chunk, checksum = 0
    cdef int max_flips = 0
    cdef int status
    rust_check(fannkuchredux_rust_start(&s, n, 0), "fannkuchredux")
    while done < total:
        chunk = min(<long long>CHECK_EVERY, total - done)
        with nogil:
            status = fannkuchredux_rust_run(&s, chunk, &checksum, &max_flips)
        rust_check(status, "fannkuchredux")
        done += chunk
        PyErr_CheckSignals()
    return checksum, max_flips


def _rust_panic(int how):
    """Test only: force a panic inside the rust boundary of this module (see rust_abi.pxd)."""
    rust_force_panic(how, "fannkuchredux")


if not RUST_BUILT:
    # Built without Rust: the variant reports the build's reason (speedlab info).
    del checksum_maxflips_rust, _rust_panic


# -- a block of permutation indices: one part of a split ----------------------

def block_native(int n, long long first, long long last):
    """Checksum and maximum flips over permutations ``first..last-1`` only: the ``native`` loop.

    The block starts from ``first`` read in factorial base (``start``) and signs
    each permutation by its own index, as the whole run does, so the blocks'
    checksums add up to the whole checksum exactly.
    """
    check_n(n)
    cdef long long total = factorial(n), done, chunk, checksum = 0
    cdef int max_flips = 0
    cdef State s
    if first < 0 or last < first or last > total:
        raise ValueError(f"permutation indices {first}..{last} are not within 0..{total}")
    start(&s, n, first)
    done = first
    while done < last:
        chunk = min(<long long>CHECK_EVERY, last - done)
        with nogil:
            run(&s, chunk, &checksum, &max_flips)
        done += chunk
        PyErr_CheckSignals()
    return checksum, max_flips
