"""mykernel, typed in Cython's pure-Python mode: the typed, native and parallel rungs.

This file is ordinary Python -- run uncompiled (through the ``cython`` module that
ships with Cython) it gives the pure twin's answers -- and ``speedlab build``
compiles it to C with speedlab's own flags. Each rung differs from the one before
by one idea:

* ``mykernel_typed``    C integer index, but Python containers and checks on;
* ``mykernel_native``   memory discipline: typed memoryviews over the two inputs
  and a C buffer of counts, no Python object in the loop, the GIL released (and
  taken back every 16 MiB to check for Ctrl-C);
* ``mykernel_parallel`` the native loop split into chunks across threads with
  ``prange``, each chunk counting into its own row, rows summed at the end.

Like the pure twin, every rung reads only the common length of ``a`` and ``b``
(the public function refuses unequal lengths before any of this runs).
"""

import array
import os

import cython
from cython.parallel import prange

if cython.compiled:
    from cython.cimports.cpython.exc import PyErr_CheckSignals
else:
    def PyErr_CheckSignals():
        """Uncompiled, the interpreter handles Ctrl-C itself."""
        return 0

#: Bytes per chunk of the parallel rung: 64 KiB is ~50 us of counting, far above a
#: prange's ~2 us overhead, and a row of counts per chunk stays small.
CHUNK = 1 << 16
#: Below two chunks there is nothing to share out: the parallel rung runs serially.
PARALLEL_MIN = 2 * CHUNK
#: Bytes counted between two checks for Ctrl-C: 16 MiB is ~5-10 ms at 0.3-0.7 ns a byte.
SIGNAL_BLOCK = 1 << 24
#: Counts are signed 64-bit ('q' = long long): no input that fits in memory overflows them.
COUNT_TYPECODE = "q"


@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
def mykernel_typed(a: bytes, b: bytes) -> list:
    """Counts of the values of ``a[i] ^ b[i]``: C index, Python list of counts, checks on."""
    counts: list = [0] * 256
    i: cython.Py_ssize_t
    for i in range(min(len(a), len(b))):
        counts[a[i] ^ b[i]] += 1
    return counts


@cython.cfunc
@cython.nogil
@cython.exceptval(check=False)
def _count(a: cython.const[cython.uchar][::1], b: cython.const[cython.uchar][::1],
           start: cython.Py_ssize_t, stop: cython.Py_ssize_t,
           out: cython.longlong[::1], base: cython.Py_ssize_t) -> cython.void:
    """Add the counts of ``a[i] ^ b[i]`` for ``start <= i < stop`` to ``out[base:base + 256]`` (no GIL, no checks)."""
    i: cython.Py_ssize_t
    for i in range(start, stop):
        out[base + (a[i] ^ b[i])] += 1


def mykernel_native(a: bytes, b: bytes) -> list:
    """Counts of the values of ``a[i] ^ b[i]``: typed memoryviews, no GIL in the loop."""
    va: cython.const[cython.uchar][::1] = a
    vb: cython.const[cython.uchar][::1] = b
    counts = array.array(COUNT_TYPECODE, bytes(8 * 256))
    out: cython.longlong[::1] = counts
    n: cython.Py_ssize_t = min(len(a), len(b))
    block: cython.Py_ssize_t = SIGNAL_BLOCK
    start: cython.Py_ssize_t
    for start in range(0, n, block):
        with cython.nogil:
            _count(va, vb, start, min(start + block, n), out, 0)
        PyErr_CheckSignals()
    return counts.tolist()


def mykernel_parallel(a: bytes, b: bytes, n_threads=None) -> list:
    """Counts of the values of ``a[i] ^ b[i]`` on ``n_threads`` threads (None: all cores).

    The same answer for every thread count: each chunk counts into its own row,
    and the rows are summed in a fixed order.
    """
    n: cython.Py_ssize_t = min(len(a), len(b))
    if n < PARALLEL_MIN:
        return mykernel_native(a, b)
    threads: cython.int = (os.cpu_count() or 1) if n_threads is None else n_threads
    va: cython.const[cython.uchar][::1] = a
    vb: cython.const[cython.uchar][::1] = b
    chunks: cython.Py_ssize_t = (n + CHUNK - 1) // CHUNK
    rows = array.array(COUNT_TYPECODE, bytes(8 * 256 * chunks))
    part: cython.longlong[::1] = rows
    counts = array.array(COUNT_TYPECODE, bytes(8 * 256))
    out: cython.longlong[::1] = counts
    chunk: cython.Py_ssize_t = CHUNK  # a C local: the prange body cannot read Python globals
    group: cython.Py_ssize_t = SIGNAL_BLOCK // CHUNK  # chunks between two checks for Ctrl-C
    first: cython.Py_ssize_t
    last: cython.Py_ssize_t
    c: cython.Py_ssize_t
    v: cython.Py_ssize_t
    for first in range(0, chunks, group):
        last = min(first + group, chunks)
        for c in prange(first, last, nogil=True, num_threads=threads, schedule="static"):
            _count(va, vb, c * chunk, min(c * chunk + chunk, n), part, c * 256)
        PyErr_CheckSignals()
    with cython.nogil:
        for c in range(chunks):
            for v in range(256):
                out[v] += part[c * 256 + v]
    return counts.tolist()
