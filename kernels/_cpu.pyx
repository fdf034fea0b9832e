"""What the CPU and this build can run: the vector paths of the ``simd`` rung, OpenMP's threads.

Compiled to ``speedlab._native._cpu``, with the same compiler and flags as the
kernels, so "built" here means built into every kernel module. Read through
:mod:`speedlab._simd`, which picks the path once and caches it.
"""

cimport omp_shim
cimport sl_mem
cimport sl_simd


def built_mask():
    """Bit mask (1 << path number) of the vector paths compiled into the kernel modules."""
    return sl_simd.sl_simd_built()


def supported_mask():
    """Bit mask of the vector paths this CPU and operating system can run."""
    return sl_simd.sl_simd_supported()


def openmp_threads():
    """Threads an OpenMP parallel region of this process gets (1 in a build without OpenMP).

    The first call loads the OpenMP runtime, which reads ``OMP_NUM_THREADS`` then
    and never again: ``speedlab.dask`` calls it before a local cluster changes
    this process's environment.
    """
    return omp_shim.omp_get_max_threads()


def huge_page_hint():
    """Whether large fresh outputs get the huge-page hint (``sl_mem.h``).

    False where the system has no ``MADV_HUGEPAGE`` (not Linux) or when
    ``SPEEDLAB_MADVISE_HUGEPAGE=0``; read from the environment at each call,
    as the kernels read it at each large allocation.
    """
    return bool(sl_mem.sl_mem_hint_enabled())


def fault_ahead(n_threads=None):
    """Whether a parallel rung's calling thread faults its fresh output in ahead of the writers.

    ``sl_mem.h``'s ``sl_mem_ahead`` (the ``parallel`` rungs of chacha20 and
    revcomp). False where the system lacks ``MADV_POPULATE_WRITE`` or the
    compiler's atomics (not Linux) or when ``SPEEDLAB_FAULT_AHEAD=0``; read from
    the environment at each call, as the rungs read it at each chunk. With
    ``n_threads``: whether a call on that many threads does, which also needs
    2 to ``cpus()`` threads (any number above 1 with ``SPEEDLAB_FAULT_AHEAD=always``).
    """
    if n_threads is None:
        return bool(sl_mem.sl_mem_ahead_wanted())
    return bool(sl_mem.sl_mem_ahead_for(n_threads))


def cpus():
    """The CPUs this process may run on (its affinity mask; else the online CPUs), as ``sl_mem.h`` counts them."""
    return sl_mem.sl_mem_cpus()
