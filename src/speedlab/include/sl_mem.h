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

#endif /* SL_MEM_H */
