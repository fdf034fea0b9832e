# distutils: language = c++
"""K-nucleotide on the typed, native and parallel rungs, the ``packed`` extra and the C ceiling.

Compiled to ``speedlab._native.knucleotide`` (as C++: the only hash table from a
library that native code can use here is the C++ standard library's). Sequence,
k-mer lengths and output are those of the pure twin (``speedlab/pure/knucleotide.py``),
so every rung returns the same result:

* ``knucleotide_typed``  -- the ``typed`` rung: C integers index the sequence, but
  each window is a ``str`` slice counted in a Python ``dict`` (the official rule's
  library hash table, as in the pure twin) with checks on. It isolates static typing.
* ``knucleotide_native`` -- the ``native`` rung, still following the official rule:
  a hash table from a library, the C++ standard library's (C has none). Where the
  C++ library is GNU libstdc++ (GCC, and clang on Linux) that is its
  ``__gnu_pbds::cc_hash_table`` (the table of the fastest C++ program for this
  task: chaining over a power-of-two bucket array, about twice as fast here as
  the alternative); elsewhere ``std::unordered_map`` (``TABLE`` says which). What
  native changes is memory discipline: record THREE is translated once into a C
  buffer of 2-bit codes (no upper-cased copy, no slices), each window's key is a
  64-bit integer rolled in a register (two bits a base), hashed by folding its
  first bases onto its last (``key ^ key >> 17``: no hashing of text, and the
  libraries' identity hash, whose low bits are the last bases alone, crowded
  buckets: the fold measured ~13 % faster), and the counting loop runs
  without the GIL and without a Python object. The tables are node-based and
  allocate one node per distinct k-mer -- the rule's price, and why ``packed`` is
  faster.
* ``knucleotide_packed`` -- a labelled extra that breaks the official rule: the
  same 2-bit keys counted in speedlab's own open-addressing table (linear probing,
  two flat arrays, no per-key allocation). It shows what a custom table buys.
* ``knucleotide_c`` -- the ``c`` rung: ``kernels/c/knucleotide.c``, the ``packed``
  algorithm hand-written in C (C has no library hash table to follow the rule
  with), driven by the same chunked loop; compare it with ``packed``.
* ``knucleotide_rust`` -- the ``rust`` reference: ``kernels/rust/src/knucleotide.rs``,
  the ``c`` rung's algorithm (so, like ``c``, outside the official rule) in safe
  Rust, driven by the same chunked loop as ``c``.

* ``knucleotide_parallel`` -- the ``parallel`` rung: ``native`` on OpenMP threads
  taking tasks as they come free. Each round's list holds the 12- and 18-mer
  tables as one task each (a whole library table over the round's windows, as
  native counts it; split into shards by key beyond two threads) and the five
  small tables (k = 1-6) in pieces of windows, counted into each thread's own
  tables and added up at the end. The big tasks sit apart in the list, so while
  one thread counts a big table the other mostly counts small pieces (two big
  tables at once compete for the shared cache), and the pieces even out the
  threads. The sequence is encoded on all threads too. Two earlier splits were
  slower: one task per k (the 18-mer table on one thread, everything else on the
  other: 1.12x over native), and each thread a shard of both big tables plus a
  slice of the small ones (1.51x: every thread rolled every window of the big
  tables, and the two big shards ran at the same time).
"""

cimport cython
cimport omp_shim
from rust_abi cimport RUST_BUILT, RUST_NO_MEMORY, rust_check, rust_force_panic
from cython.parallel cimport prange, threadid
from cpython.exc cimport PyErr_CheckSignals
from libc.stdint cimport uint64_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memmove, memset
from libcpp.vector cimport vector

from speedlab.pure.knucleotide import FRAGMENTS, count, find_record, frequencies, sequence


cdef extern from "c/knucleotide.h":
    ctypedef struct knuc_c_slot:
        uint64_t key
        uint64_t count
    ctypedef struct knuc_c_table:
        knuc_c_slot *slots
        size_t mask
        int shift
        size_t used
    int knuc_c_count(knuc_c_table *t, const unsigned char *codes, size_t n, int k) noexcept nogil
    uint64_t knuc_c_get(const knuc_c_table *t, uint64_t key) noexcept nogil
    void knuc_c_free(knuc_c_table *t) noexcept nogil

cdef extern from "rust/speedlab_rust.h":
    ctypedef struct knucleotide_rust_table:
        pass
    int knucleotide_rust_new(knucleotide_rust_table **table) noexcept nogil
    int knucleotide_rust_count(knucleotide_rust_table *table, const unsigned char *codes, size_t n,
                               int k) noexcept nogil
    int knucleotide_rust_get(const knucleotide_rust_table *table, uint64_t key,
                             uint64_t *count) noexcept nogil
    int knucleotide_rust_free(knucleotide_rust_table *table) noexcept nogil

cdef extern from *:
    """
    #include <cstdint>
    #include <unordered_map>
    #if defined(__SSE2__)
    #include <emmintrin.h>
    #endif
    /* The library hash table of the native and parallel rungs: GNU libstdc++'s
     * policy-based cc_hash_table where the C++ library is libstdc++, else the
     * standard's unordered_map. Both are used through the two functions below.
     * A k-mer's 2-bit key is its own hash (std::hash of an integer is the
     * identity in both libraries). */
    #if defined(__GLIBCXX__) && defined(__has_include)
    #  if __has_include(<ext/pb_ds/assoc_container.hpp>)
    #    define SPEEDLAB_HAVE_PBDS 1
    #  endif
    #endif
    /* The hash of a 2-bit key: the key with its bits from 17 up folded onto the
     * low bits. Both tables take the low bits of the hash for the bucket; with
     * the libraries' default (the identity) those are a long k-mer's last bases
     * alone, whose skewed frequencies (A and T ~30 %, C and G ~20 % in record
     * THREE) crowd some buckets. Folding mixes in the first bases for two
     * instructions (a multiplicative hash measured slower: its multiply sits on
     * every lookup of the small tables) and is the identity below 2**17, i.e.
     * for every key of k <= 8, where the identity cannot collide. */
    struct speedlab_kmer_hash {
        size_t operator()(uint64_t key) const noexcept
        {
            return (size_t)(key ^ (key >> 17));
        }
    };
    #ifdef SPEEDLAB_HAVE_PBDS
    #include <ext/pb_ds/assoc_container.hpp>
    typedef __gnu_pbds::cc_hash_table<uint64_t, uint64_t, speedlab_kmer_hash> speedlab_kmer_table;
    #define SPEEDLAB_KMER_TABLE "__gnu_pbds::cc_hash_table (GNU libstdc++)"
    #else
    typedef std::unordered_map<uint64_t, uint64_t, speedlab_kmer_hash> speedlab_kmer_table;
    #define SPEEDLAB_KMER_TABLE "std::unordered_map"
    #endif

    /* ++table[key] for every window of codes[0:n] (k-mers, k <= 32), an
     * allocation failure returned as -1 instead of thrown (a C++ exception must
     * not unwind through the C frames of the interpreter). */
    static int speedlab_kmer_count(speedlab_kmer_table &table, const unsigned char *codes,
                                   size_t n, int k) noexcept
    {
        const uint64_t mask = k >= 32 ? ~(uint64_t)0 : ((uint64_t)1 << (2 * k)) - 1;
        uint64_t key = 0;
        size_t i;
        if (n < (size_t)k)
            return 0;
        for (i = 0; i + 1 < (size_t)k; i++)  /* the first window's first k - 1 bases */
            key = (key << 2) | codes[i];
        try {
            for (; i < n; i++) {
                key = ((key << 2) | codes[i]) & mask;
                ++table[key];
            }
        } catch (...) {
            return -1;
        }
        return 0;
    }

    /* Which of `shards` shards a key belongs to: the high half of its Fibonacci
     * product, scaled to [0, shards). Independent of the bucket bits the table
     * takes from speedlab_kmer_hash (the low half), so a shard still spreads
     * over all of its table's buckets. */
    static inline unsigned speedlab_kmer_shard(uint64_t key, unsigned shards) noexcept
    {
        uint64_t high = (key * 0x9E3779B97F4A7C15ULL) >> 32;
        return (unsigned)((high * shards) >> 32);
    }

    /* As speedlab_kmer_count, counting only the windows whose key falls in shard
     * `shard` of `shards`. Every window is rolled and its key written to a small
     * buffer; the buffer's end advances only for this shard's keys (no branch to
     * mispredict on a coin-flip), then the buffered keys are counted. */
    static int speedlab_kmer_count_shard(speedlab_kmer_table &table, const unsigned char *codes,
                                         size_t n, int k, unsigned shard, unsigned shards) noexcept
    {
        enum { BUFFER = 512 };  /* 4 KiB of keys: stays in L1 between the two loops */
        const uint64_t mask = k >= 32 ? ~(uint64_t)0 : ((uint64_t)1 << (2 * k)) - 1;
        uint64_t key = 0, buffer[BUFFER];
        size_t i, end, m, j;
        if (n < (size_t)k)
            return 0;
        for (i = 0; i + 1 < (size_t)k; i++)
            key = (key << 2) | codes[i];
        try {
            while (i < n) {
                end = n - i < BUFFER ? n : i + BUFFER;
                for (m = 0; i < end; i++) {
                    key = ((key << 2) | codes[i]) & mask;
                    buffer[m] = key;
                    m += speedlab_kmer_shard(key, shards) == shard;
                }
                for (j = 0; j < m; j++)
                    ++table[buffer[j]];
            }
        } catch (...) {
            return -1;
        }
        return 0;
    }

    /* Whether s[0:n] holds only A, C, G, T (either case) and line breaks: the
     * public function's check of record THREE. SSE2 (the x86-64 baseline) takes
     * 16 bytes a compare and one branch per 4 KiB, ~10x faster than
     * bytes.translate; elsewhere, and for the tail, a byte at a time. */
    static int speedlab_only_bases(const unsigned char *s, size_t n) noexcept
    {
        size_t i = 0;
    #if defined(__SSE2__)
        const __m128i a = _mm_set1_epi8('a'), c = _mm_set1_epi8('c'), g = _mm_set1_epi8('g'),
                      t = _mm_set1_epi8('t'), nl = _mm_set1_epi8(10) /* line break */,
                      lower = _mm_set1_epi8(32);  /* a base's two cases differ in that bit only */
        while (n - i >= 16) {
            size_t end = n - i >= 4096 ? i + 4096 : i + (n - i) / 16 * 16;
            __m128i all = _mm_set1_epi8(-1);
            for (; i < end; i += 16) {
                __m128i v = _mm_loadu_si128((const __m128i *)(s + i)), l = _mm_or_si128(v, lower);
                __m128i ok = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(l, a), _mm_cmpeq_epi8(l, c)),
                                          _mm_or_si128(_mm_cmpeq_epi8(l, g), _mm_cmpeq_epi8(l, t)));
                all = _mm_and_si128(all, _mm_or_si128(ok, _mm_cmpeq_epi8(v, nl)));
            }
            if (_mm_movemask_epi8(all) != 0xFFFF)
                return 0;
        }
    #endif
        for (; i < n; i++) {
            unsigned char b = s[i], l = b | 32;
            if (l != 'a' && l != 'c' && l != 'g' && l != 't' && b != 10)
                return 0;
        }
        return 1;
    }

    /* The count of key (0 when absent). */
    static uint64_t speedlab_kmer_get(const speedlab_kmer_table &table, uint64_t key) noexcept
    {
        auto it = table.find(key);
        return it == table.end() ? 0 : it->second;
    }
    """
    cdef cppclass KmerTable "speedlab_kmer_table" nogil:
        KmerTable() except +
        void clear()
    const char *KMER_TABLE "SPEEDLAB_KMER_TABLE"
    int kmer_count "speedlab_kmer_count" (KmerTable &table, const unsigned char *codes,
                                          size_t n, int k) noexcept nogil
    uint64_t kmer_get "speedlab_kmer_get" (const KmerTable &table, uint64_t key) noexcept nogil
    unsigned kmer_shard "speedlab_kmer_shard" (uint64_t key, unsigned shards) noexcept nogil
    int kmer_count_shard "speedlab_kmer_count_shard" (KmerTable &table, const unsigned char *codes,
                                                      size_t n, int k, unsigned shard,
                                                      unsigned shards) noexcept nogil
    bint only_bases "speedlab_only_bases" (const unsigned char *s, size_t n) noexcept nogil

#: The library hash table the native and parallel rungs count with (chosen at build time).
TABLE = KMER_TABLE.decode("ascii")

cdef enum:
    # Windows counted between two checks for Ctrl-C: 2**20 windows are a few ms
    # of hashing (more when the table outgrows the caches, still well under 100 ms).
    CHUNK = 1 << 20
    # Windows per thread in one round of the parallel rung: a thread's share of
    # seven tables over 2**22 windows is ~70 ms of work, so the barrier closing a
    # round (and the Ctrl-C check after it) is rare enough not to cost a thread
    # its turn on a busy machine (2**21 measured ~3 % slower at the headline size).
    PARALLEL_CHUNK = 1 << 22
    # Windows in one piece of a small table in the parallel rung (~0.3 ms): fine
    # enough to even out the threads at the round's end.
    SMALL_PIECE = 1 << 18
    # Below this many bases the parallel rung counts serially: the whole job is
    # then ~1 ms, where a thread team's start-up would show.
    PARALLEL_MIN = 1 << 16
    N_TASKS = 7            # len(KS): one table per k
    N_SMALL = 5            # k = 1, 2, 3, 4, 6 (at most 4**6 keys); the rest are the big tables
    FIRST_BITS = 10        # open-addressing tables start at 1,024 slots (L1-sized)
    NO_CODE = 255          # marks bytes that are not a base in CODE

# Longest k-mer: the longest fragment (18 bases) packed two bits a base fits 64 bits.
cdef int MAX_K = 32
cdef uint64_t GOLDEN = 0x9E3779B97F4A7C15ULL  # 2**64 / golden ratio: Fibonacci hashing
#: Every k the program counts: the frequency tables, then the fragment lengths.
KS = (1, 2) + tuple(len(f) for f in FRAGMENTS)
BASES = "ACGT"

# 2-bit code of each byte: A/a=0, C/c=1, G/g=2, T/t=3, anything else NO_CODE.
cdef unsigned char CODE[256]
memset(CODE, NO_CODE, 256)
for _i, _base in enumerate("ACGT"):
    CODE[ord(_base)] = _i
    CODE[ord(_base.lower())] = _i


cdef uint64_t pack(str kmer) except? 0:
    """The 2-bit key of ``kmer`` (first base in the highest bits)."""
    cdef uint64_t key = 0
    for ch in kmer:
        key = (key << 2) | CODE[<unsigned char>ord(ch)]
    return key


cdef str unpack(uint64_t key, int k):
    """The k-mer of a 2-bit key."""
    return "".join([BASES[(key >> (2 * (k - 1 - i))) & 3] for i in range(k)])


cdef tuple assemble(list per_k, size_t length):
    """The program's result from ``per_k[i] = {key: count}`` (k = 1, 2) and fragment counts."""
    freqs = []
    for k in (1, 2):
        counts = {unpack(key, k): n for key, n in per_k[k - 1].items() if n}
        freqs.append(frequencies(counts, <Py_ssize_t>length - k + 1))
    return freqs[0], freqs[1], tuple(zip(per_k[2:], FRAGMENTS))


# -- typed rung: C indices, a Python dict of str slices, checks on -------------

@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
cdef dict count_typed(str seq, Py_ssize_t k):
    """How many times each k-mer occurs in ``seq``, in a dict."""
    cdef dict counts = {}
    cdef Py_ssize_t i
    for i in range(len(seq) - k + 1):
        kmer = seq[i:i + k]
        counts[kmer] = counts.get(kmer, 0) + 1
    return counts


def knucleotide_typed(bytes data):
    """The program's result for the FASTA ``data``: the ``typed`` rung."""
    cdef str seq = sequence(data)
    freq1, freq2 = (frequencies(count_typed(seq, k), len(seq) - k + 1) for k in (1, 2))
    counts = tuple((count_typed(seq, len(f)).get(f, 0), f) for f in FRAGMENTS)
    return freq1, freq2, counts


# -- shared by native, packed and c: the 2-bit codes of record THREE -----------

cdef size_t encode(const unsigned char *src, size_t n, unsigned char *codes) noexcept nogil:
    """Write the 2-bit code of each base of ``src[0:n]`` to ``codes``, skipping newlines."""
    cdef size_t i, length = 0
    cdef unsigned char c
    for i in range(n):
        c = CODE[src[i]]
        if c != NO_CODE:
            codes[length] = c
            length += 1
    return length


cdef size_t encode_parallel(const unsigned char *src, size_t n, unsigned char *codes,
                           int pieces) except? 0:
    """``encode`` on ``pieces`` threads: piece ``p`` of ``src`` is encoded in place at
    its own offset (never longer than its source), then the pieces are moved
    together (a memmove of the codes is ~10x faster than encoding them)."""
    cdef vector[size_t] offset, written
    cdef size_t length = 0
    cdef int p
    offset.resize(pieces + 1)
    written.resize(pieces)
    for p in range(pieces + 1):
        offset[p] = n * p // pieces
    with nogil:
        for p in prange(pieces, num_threads=pieces, schedule="static"):
            written[p] = encode(src + offset[p], offset[p + 1] - offset[p], codes + offset[p])
        for p in range(pieces):
            memmove(codes + length, codes + offset[p], written[p])
            length += written[p]
    return length


cdef inline uint64_t key_mask(int k) noexcept nogil:
    return <uint64_t>-1 if k >= 32 else ((<uint64_t>1) << (2 * k)) - 1


def all_bases(const unsigned char[::1] data, Py_ssize_t start, Py_ssize_t end):
    """Whether ``data[start:end]`` holds only A, C, G, T (either case) and line breaks.

    The public function's check of record THREE (``speedlab.knucleotide``), at
    memory speed: ``bytes.translate`` takes ~10x longer on a large record.
    """
    cdef Py_ssize_t n = data.shape[0]
    cdef bint ok = True
    if not 0 <= start <= end <= n:
        raise ValueError(f"start and end must satisfy 0 <= start <= end <= {n}, got {start}, {end}")
    if end > start:
        with nogil:
            ok = only_bases(&data[start], <size_t>(end - start))
    return ok


# -- native rung: the library hash table, no GIL ------------------------------

cdef list count_all_native(const unsigned char *codes, size_t length, size_t windows=<size_t>-1):
    """For k = 1, 2: {key: count}; for each fragment: its count. Chunked, GIL released.

    Only the windows starting at 0..``windows``-1 are counted (a part of a
    split, ``window_counts_native``); by default every window of ``codes``.
    """
    cdef KmerTable table
    cdef size_t lo, hi, start, limit
    cdef int k, status
    out = []
    for index, k in enumerate(KS):
        table.clear()
        # windows starting before `windows` end within its first windows + k - 1 codes
        limit = length if windows >= length else min(length, windows + <size_t>(k - 1))
        lo = 0
        while lo < limit:
            hi = min(lo + <size_t>CHUNK, limit)
            # windows ending in [lo, hi): start k - 1 codes earlier (clamped at 0)
            start = lo - (k - 1) if lo >= <size_t>(k - 1) else 0
            with nogil:
                status = kmer_count(table, codes + start, hi - start, k)
            if status < 0:
                raise MemoryError("knucleotide: out of memory growing the k-mer table")
            lo = hi
            PyErr_CheckSignals()
        out.append(table_result(table, index, k))
    return out


cdef object table_result(const KmerTable &table, int index, int k):
    """What the program needs from table ``index``: {key: count} for k <= 2, else a fragment's count."""
    cdef uint64_t key
    if k <= 2:
        return {key: kmer_get(table, key) for key in range((<uint64_t>1) << (2 * k))}
    return kmer_get(table, pack(FRAGMENTS[index - 2]))


# -- parallel rung: the big tables as tasks, the small ones in pieces between them --

cdef list count_all_parallel(const unsigned char *codes, size_t length, int n_threads):
    """As ``count_all_native``, on ``n_threads`` threads taking tasks as they come free.

    Each round of ``PARALLEL_CHUNK`` windows per thread is a list of tasks,
    handed out in order to whichever thread is free:

    * the 12- and 18-mer tables (~60 % of native's time: they outgrow the
      caches): one task each, a whole table counted over the round's windows
      by one thread, as native counts it. With more than two threads each is
      split into ``shards`` tasks, a task rolling every window and inserting
      the keys whose hash falls in its shard (disjoint keys: no merge, a lookup
      asks the key's shard);
    * the five small tables (k = 1-6, at most 4**6 keys, in the L1 cache):
      pieces of ``SMALL_PIECE`` windows, counted into each thread's own tables
      and added up at the end (4 + 16 counts and three fragment counts).

    The big tasks are spread through the list (the 12-mer first, the 18-mer
    half way), so a thread finishing one big table goes on with small pieces
    while the other runs the second: the two big tables seldom compete for the
    shared cache, and the pieces even out whatever the big tasks took.
    """
    cdef int shards = (n_threads + 1) // 2  # tasks per big table: 1 on two threads
    cdef int n_big = (N_TASKS - N_SMALL) * shards
    cdef size_t round_windows = <size_t>PARALLEL_CHUNK * n_threads
    cdef int pieces = <int>((round_windows + SMALL_PIECE - 1) // SMALL_PIECE)
    cdef int n_tasks = n_big + N_SMALL * pieces
    cdef vector[KmerTable] big    # shard s of KS[N_SMALL + j]: big[j * shards + s]
    cdef vector[KmerTable] small  # thread p's table for KS[i]: small[p * N_SMALL + i]
    cdef vector[int] order        # order[t]: the t-th task handed out
    cdef vector[int] status
    cdef int ks[N_TASKS]
    cdef size_t lo = 0, hi, a, b, start
    cdef int t, task, p, i, k, q, s, next_big = 0, next_small = n_big
    cdef uint64_t key
    big.resize(n_big)
    small.resize(n_threads * N_SMALL)
    status.resize(n_threads, 0)
    for i in range(N_TASKS):
        ks[i] = KS[i]
    for t in range(n_tasks):  # big task j at position j * n_tasks / n_big, small pieces between
        if next_big < n_big and t == next_big * n_tasks // n_big:
            order.push_back(next_big)
            next_big += 1
        else:
            order.push_back(next_small)
            next_small += 1
    while lo < length:
        hi = min(lo + round_windows, length)
        with nogil:
            for t in prange(n_tasks, num_threads=n_threads, schedule="dynamic", chunksize=1):
                p = threadid()
                if status[p] != 0:
                    continue
                task = order[t]
                if task < n_big:  # every window ending in [lo, hi), one table (or shard of it)
                    i = N_SMALL + task // shards
                    s = task % shards
                    k = ks[i]
                    start = lo - (k - 1) if lo >= <size_t>(k - 1) else 0
                    if shards == 1:
                        status[p] = kmer_count(big[task], codes + start, hi - start, k)
                    else:
                        status[p] = kmer_count_shard(big[task], codes + start, hi - start, k,
                                                     s, shards)
                else:  # piece q of the round for small table i: the windows ending in [a, b)
                    i = (task - n_big) % N_SMALL
                    q = (task - n_big) // N_SMALL
                    k = ks[i]
                    a = lo + (hi - lo) * <size_t>q // <size_t>pieces
                    b = lo + (hi - lo) * <size_t>(q + 1) // <size_t>pieces
                    if b > a:
                        start = a - (k - 1) if a >= <size_t>(k - 1) else 0
                        status[p] = kmer_count(small[p * N_SMALL + i], codes + start, b - start, k)
        for p in range(n_threads):
            if status[p] < 0:
                raise MemoryError("knucleotide: out of memory growing the k-mer table")
        lo = hi
        PyErr_CheckSignals()
    out = []
    for i in range(N_TASKS):
        if ks[i] <= 2:
            out.append({key: sum([kmer_get(small[p * N_SMALL + i], key) for p in range(n_threads)])
                        for key in range((<uint64_t>1) << (2 * ks[i]))})
        elif i < N_SMALL:
            key = pack(FRAGMENTS[i - 2])
            out.append(sum([kmer_get(small[p * N_SMALL + i], key) for p in range(n_threads)]))
        else:
            key = pack(FRAGMENTS[i - 2])
            s = <int>kmer_shard(key, shards) if shards > 1 else 0
            out.append(kmer_get(big[(i - N_SMALL) * shards + s], key))
    return out


# -- packed extra (and the c rung): open addressing over 2-bit keys -----------

cdef struct Slot:
    uint64_t key       # key + 1; 0 marks an empty slot
    uint64_t count     # beside its key: one cache miss per probe


cdef struct Table:
    Slot *slots
    size_t mask        # slots - 1 (slots is a power of two)
    int shift          # 64 - log2(slots): the hash keeps the top bits
    size_t used


cdef int table_alloc(Table *t, int bits) noexcept nogil:
    """Give ``t`` 2**bits empty slots; -1 when memory runs out."""
    cdef size_t slots = (<size_t>1) << bits
    t.slots = <Slot *>calloc(slots, sizeof(Slot))
    if t.slots == NULL:
        return -1
    t.mask = slots - 1
    t.shift = 64 - bits
    t.used = 0
    return 0


cdef void table_free(Table *t) noexcept nogil:
    free(t.slots)
    t.slots = NULL


cdef inline size_t table_slot(const Table *t, uint64_t key) noexcept nogil:
    """The slot holding ``key``, or the empty slot where it belongs (linear probing)."""
    cdef size_t i = <size_t>((key * GOLDEN) >> t.shift)
    while t.slots[i].key != 0 and t.slots[i].key != key + 1:
        i = (i + 1) & t.mask
    return i


cdef int table_grow(Table *t) noexcept nogil:
    """Double the table, reinserting every key; -1 when memory runs out."""
    cdef Table bigger
    cdef size_t i
    if table_alloc(&bigger, 64 - t.shift + 1) < 0:
        return -1
    for i in range(t.mask + 1):
        if t.slots[i].key:
            bigger.slots[table_slot(&bigger, t.slots[i].key - 1)] = t.slots[i]
    bigger.used = t.used
    table_free(t)
    t[0] = bigger
    return 0


cdef int count_packed(Table *t, const unsigned char *codes, size_t n, int k) noexcept nogil:
    """Count every k-mer of ``codes[0:n]`` into ``t``; -1 when memory runs out."""
    cdef uint64_t key = 0, mask = key_mask(k)
    cdef size_t i, slot
    if t.slots == NULL and table_alloc(t, FIRST_BITS) < 0:
        return -1
    for i in range(n):
        key = ((key << 2) | codes[i]) & mask
        if i + 1 < <size_t>k:
            continue
        slot = table_slot(t, key)
        if t.slots[slot].key == 0:
            if 2 * (t.used + 1) > t.mask + 1:  # keep the load at most 1/2
                if table_grow(t) < 0:
                    return -1
                slot = table_slot(t, key)
            t.slots[slot].key = key + 1
            t.used += 1
        t.slots[slot].count += 1
    return 0


cdef uint64_t table_get(const Table *t, uint64_t key) noexcept nogil:
    """The count of ``key`` (0 when absent)."""
    cdef size_t slot
    if t.slots == NULL:
        return 0
    slot = table_slot(t, key)
    return t.slots[slot].count if t.slots[slot].key else 0


cdef enum Table_kind:  # whose open-addressing table count_all_packed fills
    PACKED_CYTHON = 1
    PACKED_C = 2
    PACKED_RUST = 4


cdef uint64_t rust_get(const knucleotide_rust_table *table, uint64_t key) except? 0:
    """The count of ``key`` in the rust table (a panic raises)."""
    cdef uint64_t count = 0
    rust_check(knucleotide_rust_get(table, key, &count), "knucleotide")
    return count


cdef uint64_t packed_get(Table_kind kind, const Table *table, const knuc_c_table *ctable,
                         const knucleotide_rust_table *rtable, uint64_t key) except? 0:
    """The count of ``key`` in whichever table ``kind`` filled."""
    if kind == PACKED_C:
        return knuc_c_get(ctable, key)
    if kind == PACKED_RUST:
        return rust_get(rtable, key)
    return table_get(table, key)


cdef list count_all_packed(const unsigned char *codes, size_t length, Table_kind kind):
    """As ``count_all_native``, with the open-addressing table (Cython, C or Rust)."""
    cdef Table table
    cdef knuc_c_table ctable
    cdef knucleotide_rust_table *rtable = NULL
    cdef size_t lo, hi, start
    cdef int k, status
    cdef uint64_t key
    out = []
    for index, k in enumerate(KS):
        memset(&table, 0, sizeof(table))
        memset(&ctable, 0, sizeof(ctable))
        try:
            if kind == PACKED_RUST:
                status = knucleotide_rust_new(&rtable)
                if status == RUST_NO_MEMORY:
                    raise MemoryError("knucleotide: out of memory for the k-mer table")
                rust_check(status, "knucleotide")
            lo = 0
            while lo < length:
                hi = min(lo + <size_t>CHUNK, length)
                start = lo - (k - 1) if lo >= <size_t>(k - 1) else 0
                with nogil:
                    if kind == PACKED_C:
                        status = knuc_c_count(&ctable, codes + start, hi - start, k)
                    elif kind == PACKED_RUST:
                        status = knucleotide_rust_count(rtable, codes + start, hi - start, k)
                        status = -1 if status == RUST_NO_MEMORY else status
                    else:
                        status = count_packed(&table, codes + start, hi - start, k)
                if status < 0:
                    raise MemoryError("knucleotide: out of memory growing the k-mer table")
                rust_check(status, "knucleotide")
                lo = hi
                PyErr_CheckSignals()
            if k <= 2:
                out.append({key: packed_get(kind, &table, &ctable, rtable, key)
                            for key in range((<uint64_t>1) << (2 * k))})
            else:
                key = pack(FRAGMENTS[index - 2])
                out.append(packed_get(kind, &table, &ctable, rtable, key))
        finally:
            table_free(&table)
            knuc_c_free(&ctable)
            knucleotide_rust_free(rtable)
            rtable = NULL
    return out


cdef tuple run(bytes data, int how, int n_threads=1):
    """Encode record THREE, count with ``how`` (0 native, 1 packed, 2 c, 3 parallel, 4 rust), assemble."""
    start, end = find_record(data)
    cdef const unsigned char *d = data
    cdef size_t lo = start, n = end - start, length = 0
    cdef unsigned char *codes = <unsigned char *>malloc(n if n else 1)
    if codes == NULL:
        raise MemoryError(f"knucleotide: cannot allocate {n:,} bytes for the sequence")
    try:
        if how == 3 and n_threads > 1 and n >= <size_t>PARALLEL_MIN:
            length = encode_parallel(d + lo, n, codes, n_threads)
        else:
            with nogil:
                length = encode(d + lo, n, codes)
        if how == 0 or (how == 3 and (n_threads == 1 or length < PARALLEL_MIN)):
            per_k = count_all_native(codes, length)
        elif how == 3:
            per_k = count_all_parallel(codes, length, n_threads)
        else:
            per_k = count_all_packed(codes, length, <Table_kind>how)
    finally:
        free(codes)
    return assemble(per_k, length)


def knucleotide_native(bytes data):
    """The program's result for the FASTA ``data``: the ``native`` rung (std::unordered_map)."""
    return run(data, 0)


def knucleotide_parallel(bytes data, n_threads=None):
    """The program's result for the FASTA ``data``: the ``parallel`` rung (None = all cores)."""
    cdef int threads = omp_shim.omp_get_max_threads() if n_threads is None else n_threads
    return run(data, 3, max(threads, 1))


def knucleotide_packed(bytes data):
    """The program's result for the FASTA ``data``: open addressing on 2-bit keys (extra)."""
    return run(data, 1)


def knucleotide_c(bytes data):
    """The program's result for the FASTA ``data``: the hand-written C ceiling (of ``packed``)."""
    return run(data, 2)


def knucleotide_rust(bytes data):
    """The program's result for the FASTA ``data``: the ``rust`` reference (``c``'s table, safe Rust)."""
    return run(data, 4)


def _rust_panic(int how):
    """Test only: force a panic inside the rust boundary of this module (see rust_abi.pxd)."""
    rust_force_panic(how, "knucleotide")


if not RUST_BUILT:
    # Built without Rust: the variant reports the build's reason (speedlab info).
    del knucleotide_rust, _rust_panic


# -- the windows of one chunk: one part of a split -----------------------------

def window_counts_native(const unsigned char[::1] bases, Py_ssize_t windows):
    """k-mer counts of the windows that start at 0..windows-1 of ``bases``: the ``native`` tables.

    ``bases`` holds A, C, G, T only (either case, no newlines). For each k the
    library hash table (``kmer_count``, as in ``knucleotide_native``) counts the
    windows inside the first ``windows + k - 1`` bases, chunk by chunk with the GIL
    released. Returns ``({1-mer: count}, {2-mer: count}, fragment counts)``, only
    the k-mers that occur in the dicts.
    """
    cdef size_t n = bases.shape[0], length = 0
    cdef unsigned char *codes
    if windows < 0 or <size_t>windows > n:
        raise ValueError(f"windows must be in 0..{n}, got {windows}")
    codes = <unsigned char *>malloc(n if n else 1)
    if codes == NULL:
        raise MemoryError(f"knucleotide: cannot allocate {n:,} bytes for the bases")
    per_k = []
    try:
        if n:
            with nogil:
                length = encode(&bases[0], n, codes)
        if length != n:
            raise ValueError("bases must hold only A, C, G and T (either case)")
        per_k = count_all_native(codes, n, <size_t>windows)
    finally:
        free(codes)
    freq = [{unpack(key, k): c for key, c in per_k[k - 1].items() if c} for k in (1, 2)]
    return freq[0], freq[1], tuple(per_k[2:])
