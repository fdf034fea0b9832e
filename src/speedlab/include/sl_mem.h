/* A hint for large fresh output buffers: ask for transparent huge pages.
 *
 * Every compiled rung that returns a large new `bytes` (chacha20, revcomp,
 * fasta, mandelbrot: sl_mem.pxd's new_output) allocates it with
 * PyBytes_FromStringAndSize(NULL, n) and then writes every byte. Past glibc's mmap threshold that memory comes straight from the
 * kernel, which faults it in and zeroes it one 4 KiB page at a time on first
 * write: 16,384 faults for 64 MiB, measured here at ~2.2 us each (0.55 ns per
 * byte, more than the vector ChaCha20 itself), and two threads faulting at
 * once contend in the kernel's page-table lock (0.83 ns per byte).
 *
 * sl_mem_hint_fresh(p, n), called before the first write, asks the kernel to
 * back the 2 MiB-aligned interior of [p, p + n) with 2 MiB pages
 * (madvise(MADV_HUGEPAGE)), one fault per 2 MiB. NumPy does the same for its
 * large allocations. It is only a hint: it changes no byte, its failure is
 * ignored (a kernel without THP, `enabled` = never, a non-mmap chunk), and it
 * compiles to nothing where MADV_HUGEPAGE does not exist (macOS, Windows).
 * With THP `enabled` = always the kernel already does this and the call costs
 * one system call per buffer.
 *
 * SPEEDLAB_MADVISE_HUGEPAGE=0 in the environment turns the hint off (as
 * NUMPY_MADVISE_HUGEPAGE=0 does NumPy's): for a machine whose THP `defrag`
 * setting makes a huge-page fault stall on compaction. It is read at each
 * hinted allocation (one getenv per buffer of 4 MiB or more), so changing
 * os.environ takes effect at once.
 */
#ifndef SL_MEM_H
#define SL_MEM_H

#include <stddef.h>
#include <stdint.h>

#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#  include <sys/mman.h>
#endif

/* Huge page size the hint aligns to: 2 MiB, x86-64's and arm64's (4 KiB
 * granule) PMD size; a kernel with another size rounds inside the range. */
#define SL_MEM_HUGE_PAGE ((size_t)1 << 21)
/* Buffers below 4 MiB are left alone (NumPy's threshold too): their aligned
 * interior is at most one huge page, and glibc may serve them from its heap. */
#define SL_MEM_HINT_MIN ((size_t)1 << 22)

/* 1 when the hint is given (MADV_HUGEPAGE exists and SPEEDLAB_MADVISE_HUGEPAGE
 * is not "0"), else 0. */
static inline int sl_mem_hint_enabled(void)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const char *setting = getenv("SPEEDLAB_MADVISE_HUGEPAGE");
    return setting == NULL || strcmp(setting, "0") != 0;
#else
    return 0;
#endif
}

static inline void sl_mem_hint_fresh(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    uintptr_t start, stop;
    if (p == NULL || n < SL_MEM_HINT_MIN || !sl_mem_hint_enabled())
        return;
    start = ((uintptr_t)p + SL_MEM_HUGE_PAGE - 1) & ~(uintptr_t)(SL_MEM_HUGE_PAGE - 1);
    stop = ((uintptr_t)p + n) & ~(uintptr_t)(SL_MEM_HUGE_PAGE - 1);
    if (stop > start)
        (void)madvise((void *)start, stop - start, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}


/* -- Faulting a fresh output in ahead of the threads that write it ---------
 *
 * A parallel rung that writes a fresh output on several threads lets each
 * thread fault in the pages it writes. On the virtual machine speedlab is
 * measured on that is slow and erratic: in a C test of chacha20's 64 MiB back
 * to back, two threads each faulting their own 2 MiB pieces took 11 to 26 ms
 * from one minute to the next, the same encryption into memory already
 * faulted in 7.3 ms, and the calling thread faulting the whole output in
 * first (MADV_POPULATE_WRITE), then both encrypting, 12.5 to 16 ms. So the
 * calling thread faults the pieces in just ahead of the writers and writes
 * pieces itself in between: 10 to 14 ms in that test, mostly 10.5. In the
 * parallel rung itself (12 interleaved rounds of 5 calls) 13.9 ms against
 * 15.4 ms with SPEEDLAB_FAULT_AHEAD=0, the simd rung taking 24.0 ms; in
 * revcomp's (fasta 25M, 254 MB out, 10 rounds of 3 calls) 45.1 ms against
 * 53.0 ms, whose calls took 44 to 232 ms, simd 77.4 ms. (revcomp's rung no
 * longer does it: on the Intel Xeon measured later, with its simd rung at
 * memory speed, it took 287-307 ps per byte without against 312-328 with.)
 *
 * Use, with a piece's output range given by `range`:
 *
 *     sl_mem_ahead a;
 *     sl_mem_ahead_init(&a, dst, n_pieces, range, ctx);
 *     in a parallel region, on every thread:
 *         while ((i = sl_mem_ahead_next(&a, thread)) < n_pieces)
 *             write piece i;  (sl_mem_ahead_stop(&a) to end early)
 *     sl_mem_ahead_free(&a);
 *
 * Thread 0 hands out pieces and faults in up to SL_MEM_AHEAD_PIECES past the
 * last one handed out; a thread whose piece is not faulted in yet waits up to
 * SL_MEM_AHEAD_WAIT_NS for it (yielding its core now and then), then writes
 * it anyway, faulting it itself, and faulting ahead stops for the rest of the
 * call: thread 0 is not keeping up (descheduled on a busy machine), and every
 * later piece would cost each writer that wait again. It is off when a call
 * has more threads than the CPUs the process may run on (unless
 * SPEEDLAB_FAULT_AHEAD=always): there the waiting threads took the cores from
 * thread 0, and chacha20's 64 MiB on 8 threads of 2 cores took 67 ms with it
 * against 19 ms without (revcomp's fasta 25M on 8 threads: 103 ms against 50 ms).
 * Memory that must first come back from the host (after 2 s idle here) takes
 * milliseconds a piece, and there two threads faulting at once are about twice
 * as fast as one: thread 0 stops faulting ahead at the first piece slower than
 * SL_MEM_AHEAD_SLOW (after 3 s idle, 4 rounds: chacha20 60 ms against 63 ms
 * without faulting ahead, revcomp 285 ms against 323 ms). Faulting in changes
 * no byte, so the output is the same either way. Where MADV_POPULATE_WRITE or
 * the GCC atomics are missing (not Linux), where SPEEDLAB_FAULT_AHEAD=0 is set
 * in the environment, or when the piece states cannot be allocated, init
 * leaves `enabled` 0 and the caller runs its own schedule instead (chacha20's
 * dynamic one). A kernel before 5.14 fails the first
 * MADV_POPULATE_WRITE: thread 0 then stops faulting in, and the pieces are
 * handed out in order, each written (and faulted in) by its writer.
 */
#if defined(__linux__) && (defined(__GNUC__) || defined(__clang__))
#  define SL_MEM_AHEAD_SUPPORTED 1
#  ifndef MADV_POPULATE_WRITE
#    define MADV_POPULATE_WRITE 23 /* Linux 5.14; older headers lack the name */
#  endif
#  include <sched.h>
#  include <time.h>
#  include <unistd.h>
#else
#  define SL_MEM_AHEAD_SUPPORTED 0
#endif

/* Pieces faulted in past the last one handed out, and how long a writer waits. */
#define SL_MEM_AHEAD_PIECES 3
#define SL_MEM_AHEAD_WAIT_NS 1000000L
/* Faulting in slower than SL_MEM_AHEAD_SLOW bytes a nanosecond (~1 ms for 2 MiB,
 * against ~0.2 ms measured for memory the machine had just freed) stops it. */
#define SL_MEM_AHEAD_SLOW 2

/* The output bytes [*lo, *hi) of piece `piece`, offsets from the output's start. */
typedef void (*sl_mem_range_fn)(const void *ctx, size_t piece, size_t *lo, size_t *hi);

typedef struct {
    unsigned char *dst;
    size_t n_pieces;
    sl_mem_range_fn range;
    const void *ctx;
    size_t next;           /* the next piece to hand out (atomic) */
    size_t fault_next;     /* the next piece thread 0 faults in (thread 0 only) */
    unsigned char *state;  /* per piece, atomic: SL_MEM_PIECE_* */
    int enabled;           /* set by init; cleared by any thread (atomic) */
} sl_mem_ahead;

enum { SL_MEM_PIECE_UNTOUCHED = 0, SL_MEM_PIECE_FAULTING = 1, SL_MEM_PIECE_READY = 2,
       SL_MEM_PIECE_WRITER = 3 /* its writer faults it in */ };

/* 1 unless SPEEDLAB_FAULT_AHEAD is "0" in the environment. */
static inline int sl_mem_ahead_wanted(void)
{
    const char *setting = getenv("SPEEDLAB_FAULT_AHEAD");
    return SL_MEM_AHEAD_SUPPORTED && (setting == NULL || strcmp(setting, "0") != 0);
}

/* The CPUs this process may run on (its affinity mask; else the online CPUs). */
static inline int sl_mem_cpus(void)
{
#if SL_MEM_AHEAD_SUPPORTED
    long online;
#  if defined(CPU_COUNT)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
#  endif
    online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
#else
    return 1;
#endif
}

/* 1 when a call on `n_threads` threads faults its output in ahead: wanted, and
 * 2 to sl_mem_cpus() threads -- or any number above 1 with
 * SPEEDLAB_FAULT_AHEAD=always (the tests run several writers on few cores). */
static inline int sl_mem_ahead_for(int n_threads)
{
    const char *setting = getenv("SPEEDLAB_FAULT_AHEAD");
    if (n_threads < 2 || !sl_mem_ahead_wanted())
        return 0;
    return (setting != NULL && strcmp(setting, "always") == 0) || n_threads <= sl_mem_cpus();
}

static inline void sl_mem_ahead_init(sl_mem_ahead *a, unsigned char *dst, size_t n_pieces,
                                     sl_mem_range_fn range, const void *ctx, int n_threads)
{
    a->dst = dst;
    a->n_pieces = n_pieces;
    a->range = range;
    a->ctx = ctx;
    a->next = 0;
    a->fault_next = 0;
    a->state = NULL;
    a->enabled = 0;
    if (n_pieces > 1 && sl_mem_ahead_for(n_threads)) {
        a->state = (unsigned char *)calloc(n_pieces, 1);
        a->enabled = a->state != NULL;
    }
}

static inline void sl_mem_ahead_free(sl_mem_ahead *a)
{
    free(a->state);
    a->state = NULL;
}

#if SL_MEM_AHEAD_SUPPORTED
static inline long long sl_mem_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static inline void sl_mem_pause(void)
{
#  if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#  elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#  endif
}

/* Thread 0: fault in piece j's whole pages, unless its writer took it over. */
static inline void sl_mem_ahead_fault(sl_mem_ahead *a, size_t j)
{
    unsigned char expected = SL_MEM_PIECE_UNTOUCHED;
    size_t lo, hi;
    uintptr_t start, stop;
    if (!__atomic_compare_exchange_n(&a->state[j], &expected, SL_MEM_PIECE_FAULTING, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return;
    a->range(a->ctx, j, &lo, &hi);
    start = ((uintptr_t)(a->dst + lo) + 4095) & ~(uintptr_t)4095;
    stop = (uintptr_t)(a->dst + hi) & ~(uintptr_t)4095;
    if (stop > start) {
        long long t0 = sl_mem_now_ns();
        if (madvise((void *)start, stop - start, MADV_POPULATE_WRITE) != 0
            || (sl_mem_now_ns() - t0) * SL_MEM_AHEAD_SLOW > (long long)(stop - start))
            /* an older kernel, no memory now, or pages coming back from the host
             * (milliseconds a piece, where threads faulting at once go faster) */
            __atomic_store_n(&a->enabled, 0, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&a->state[j], SL_MEM_PIECE_READY, __ATOMIC_RELEASE);
}
#endif

/* The next piece for thread `thread` to write, or n_pieces when all are handed
 * out. Only called when sl_mem_ahead_init set `enabled`. */
static inline size_t sl_mem_ahead_next(sl_mem_ahead *a, int thread)
{
#if SL_MEM_AHEAD_SUPPORTED
    size_t i;
    unsigned char expected;
    long long deadline = 0;
    int spins = 0;
    if (thread == 0) {
        while (__atomic_load_n(&a->enabled, __ATOMIC_RELAXED) && a->fault_next < a->n_pieces
               && a->fault_next < __atomic_load_n(&a->next, __ATOMIC_ACQUIRE) + SL_MEM_AHEAD_PIECES)
            sl_mem_ahead_fault(a, a->fault_next++);
        i = __atomic_fetch_add(&a->next, 1, __ATOMIC_ACQ_REL);
        if (i < a->n_pieces) {  /* its own piece: written at once, faulted in or not */
            expected = SL_MEM_PIECE_UNTOUCHED;
            __atomic_compare_exchange_n(&a->state[i], &expected, SL_MEM_PIECE_WRITER, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
        }
        return i;
    }
    i = __atomic_fetch_add(&a->next, 1, __ATOMIC_ACQ_REL);
    if (i >= a->n_pieces)
        return i;
    for (;;) {
        expected = __atomic_load_n(&a->state[i], __ATOMIC_ACQUIRE);
        if (expected == SL_MEM_PIECE_READY || expected == SL_MEM_PIECE_WRITER)
            return i;
        ++spins;
        if (expected == SL_MEM_PIECE_UNTOUCHED) {
            if (!__atomic_load_n(&a->enabled, __ATOMIC_RELAXED))
                return i;  /* thread 0 stopped faulting in */
            if ((spins & 63) == 0) {
                long long t = sl_mem_now_ns();
                if (deadline == 0)
                    deadline = t + SL_MEM_AHEAD_WAIT_NS;
                else if (t >= deadline
                         && __atomic_compare_exchange_n(&a->state[i], &expected,
                                                        SL_MEM_PIECE_WRITER, 0, __ATOMIC_ACQ_REL,
                                                        __ATOMIC_ACQUIRE)) {
                    /* thread 0 is not coming soon: fault this piece in by
                     * writing it, and every later one the same way */
                    __atomic_store_n(&a->enabled, 0, __ATOMIC_RELAXED);
                    return i;
                }
            }
        }
        if ((spins & 1023) == 0)
            sched_yield();  /* thread 0 may be waiting for this core */
        sl_mem_pause();
    }
#else
    (void)thread;
    return a->n_pieces;
#endif
}

/* Hand out no more pieces: every later sl_mem_ahead_next returns n_pieces, on
 * every thread (a piece already handed out is still written), and thread 0
 * faults nothing more in. For a writer that must stop early: Ctrl-C, or a
 * piece that shows the rest need not be written. */
static inline void sl_mem_ahead_stop(sl_mem_ahead *a)
{
#if SL_MEM_AHEAD_SUPPORTED
    __atomic_store_n(&a->enabled, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&a->next, a->n_pieces, __ATOMIC_RELEASE);
#else
    a->next = a->n_pieces;
#endif
}

#endif /* SL_MEM_H */
