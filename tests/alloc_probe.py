"""Simulated allocation failure for one kernel; run by test_resources.py in a child process.

``python alloc_probe.py KERNEL`` builds the kernel's quick-size input, calls each of
its C-buffer variants (and revcomp's in-place entry points) once with no limit (the
expected result; it also starts the OpenMP thread pool, which must not be created
under the limit), then lowers ``RLIMIT_AS`` to the address space in use, so that
every allocation needing new memory fails, and calls each variant again. A variant
must either return the right result (it allocated nothing new) or raise MemoryError.
After a MemoryError it is called ``REPEATS`` more times under the limit, and the
bytes malloc holds (glibc ``mallinfo2``) must not grow: a buffer leaked on the
failure path would. Finally each variant must still work with the limit lifted.

Prints one JSON object: ``{variant: {"outcome": ..., "leaked": bytes}}``.
"""

import ctypes
import ctypes.util
import gc
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import native_callables  # noqa: E402

from speedlab import catalog  # noqa: E402

#: Failing calls repeated after the first MemoryError: a leak of even 1 KiB per
#: failure adds up to 100 KiB, well above the noise of the interpreter's own mallocs.
REPEATS = 100
#: ...but no more than this many seconds of them, for a kernel that fails late in its run.
REPEAT_BUDGET_S = 2.0

_libc = ctypes.CDLL(ctypes.util.find_library("c"))


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost")]


def malloc_in_use() -> int:
    """Bytes handed out by malloc (small blocks plus mmapped ones)."""
    _libc.mallinfo2.restype = _Mallinfo2
    info = _libc.mallinfo2()
    return info.uordblks + info.hblkhd


def address_space() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def limited(fn, args, limit):
    """Call ``fn(*args)`` with the address space capped at ``limit`` bytes."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        return fn(*args)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def probe(name: str) -> dict:
    spec = catalog.get(name)
    args = spec.make_input(spec.sizes.quick)
    report = {}
    for name, fn in native_callables(spec):
        if name == "typed":  # Python containers: CPython's own allocator handles failure
            continue
        want = fn(*args)
        gc.collect()
        _libc.malloc_trim(0)  # give freed heap back, so the next call must ask for memory
        try:
            got = limited(fn, args, address_space())
            outcome = "ok" if spec.compare(want, got) else "WRONG RESULT"
            leaked = 0
        except MemoryError:
            outcome = "MemoryError"
            gc.collect()
            before = malloc_in_use()
            deadline = time.monotonic() + REPEAT_BUDGET_S
            for _ in range(REPEATS):
                if time.monotonic() > deadline:
                    break
                try:
                    limited(fn, args, address_space())
                except MemoryError:
                    pass
            gc.collect()
            leaked = malloc_in_use() - before
        if not spec.compare(want, fn(*args)):
            outcome += ", then WRONG RESULT without the limit"
        report[name] = {"outcome": outcome, "leaked": leaked}
    return report


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1])))
