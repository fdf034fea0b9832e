"""Resources: repeated calls do not grow memory, and allocation failure is clean.

* RSS: after a warm-up, up to 10,000 calls of each compiled variant (and of revcomp's
  in-place entry points) at a small size grow the resident set (``/proc/self/statm``)
  by at most 1 MiB. Slow variants get fewer calls, never fewer than ``MIN_CALLS``:
  the budget is ``BUDGET_S`` seconds per variant so that 11 kernels stay within CI's
  time. The figure a leak must stay under per call is then 1 MiB / calls (100 bytes
  at 10,000 calls, 1 KiB at 1,000).
* Allocation failure: ``alloc_probe.py`` runs each kernel in a child process with the
  address space capped at what is already mapped, so every allocation that needs
  new memory fails; each C-buffer variant must raise MemoryError (or, if it
  allocates nothing, return the right result), leak nothing on the failure path,
  and still work once the cap is lifted.

Both are Linux-only (``/proc``, ``RLIMIT_AS``, glibc's ``mallinfo2``) and meaningless
under AddressSanitizer (its shadow memory and quarantine), so tools/sanitize.sh
deselects them with ``-m "not memory_accounting"``.
"""

import ctypes
import gc
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import native_callables, small_args
from speedlab.spec import KernelSpec

pytestmark = [
    pytest.mark.native,
    pytest.mark.memory_accounting,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and glibc malloc statistics"),
]

CALLS = 10_000
MIN_CALLS = 1_000
#: Seconds of calls per variant; the suite has ~40 compiled variants across 11 kernels.
BUDGET_S = 0.5
WARMUP = 200
MAX_GROWTH = 1 << 20  # 1 MiB, the bound
#: malloc growth allowed over alloc_probe's repeated failing calls: the interpreter's
#: own noise is a few KiB, a leak of 1 KiB per failure adds ~100 KiB.
LEAK_LIMIT = 64 * 1024


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()




def test_repeated_calls_do_not_grow_rss(spec):
    args = small_args(spec)
    figures = []
    for name, fn in native_callables(spec):
        start = time.perf_counter()
        for _ in range(WARMUP):
            fn(*args)
        per_call = (time.perf_counter() - start) / WARMUP
        calls = max(MIN_CALLS, min(CALLS, int(BUDGET_S / per_call)))
        gc.collect()
        before = rss()
        for _ in range(calls):
            fn(*args)
        gc.collect()
        growth = rss() - before
        figures.append(f"{name}: {calls} calls, {growth / 1024:+.0f} KiB")
        assert growth <= MAX_GROWTH, f"{spec.name}/{name}: RSS grew {growth:,} bytes over {calls} calls"
    print(f"{spec.name}: " + "; ".join(figures))


def test_allocation_failure_raises_memoryerror_and_leaks_nothing(spec):
    probe = Path(__file__).with_name("alloc_probe.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDLAB_")}
    out = subprocess.run([sys.executable, str(probe), spec.name], capture_output=True, text=True,
                         timeout=300, env=env)
    assert out.returncode == 0, f"the probe crashed (exit {out.returncode}):\n{out.stderr[-2000:]}"
    report = json.loads(out.stdout)
    for name, result in report.items():
        assert result["outcome"] in ("ok", "MemoryError"), f"{spec.name}/{name}: {result}"
        assert result["leaked"] <= LEAK_LIMIT, f"{spec.name}/{name}: {result['leaked']:,} bytes leaked"
    print(f"{spec.name}: {report}")


def test_the_probe_sees_failures_and_leaks():
    # The probe must be able to fail: a capped allocation raises, and a leak shows.
    import alloc_probe

    with pytest.raises(MemoryError):
        alloc_probe.limited(bytearray, (64 << 20,), alloc_probe.address_space())
    malloc = alloc_probe._libc.malloc
    malloc.restype = ctypes.c_void_p
    before = alloc_probe.malloc_in_use()
    leaked = [malloc(1024) for _ in range(alloc_probe.REPEATS)]  # 1 KiB per "failed call"
    assert alloc_probe.malloc_in_use() - before > LEAK_LIMIT
    for pointer in leaked:
        alloc_probe._libc.free(ctypes.c_void_p(pointer))


# -- the huge-page hint on large fresh outputs (sl_mem.h) --------------------------

def _thp_available():
    try:
        setting = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text()
    except OSError:
        return False
    return "[never]" not in setting


def _minor_faults(fn):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    out = fn()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    del out
    return faults


def test_the_huge_page_hint_follows_its_switch(monkeypatch):
    from speedlab import chacha20
    from speedlab._native import _cpu

    # 64 MiB: above glibc's largest mmap threshold, so each output is a fresh mapping
    data = bytes(64 << 20)
    encrypt = lambda: chacha20.encrypt(bytes(32), bytes(12), data, impl="native")  # noqa: E731
    monkeypatch.delenv("SPEEDLAB_MADVISE_HUGEPAGE", raising=False)
    assert _cpu.huge_page_hint() is True  # on by default
    monkeypatch.setenv("SPEEDLAB_MADVISE_HUGEPAGE", "0")
    assert _cpu.huge_page_hint() is False
    off = _minor_faults(encrypt)
    assert off >= (64 << 20) // 4096 * 3 // 4  # one fault per 4 KiB page written
    monkeypatch.setenv("SPEEDLAB_MADVISE_HUGEPAGE", "1")
    assert _cpu.huge_page_hint() is True
    on = _minor_faults(encrypt)
    if _thp_available():  # one fault per 2 MiB where the kernel gives huge pages
        assert on < off // 4, (on, off)


def test_faulting_ahead_follows_its_switch(monkeypatch):
    from speedlab._native import _cpu

    monkeypatch.delenv("SPEEDLAB_FAULT_AHEAD", raising=False)
    assert _cpu.fault_ahead() is sys.platform.startswith("linux")  # on by default where it exists
    monkeypatch.setenv("SPEEDLAB_FAULT_AHEAD", "0")
    assert _cpu.fault_ahead() is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="faulting ahead exists on Linux only")
def test_faulting_ahead_only_without_more_threads_than_cpus(monkeypatch):
    # More threads than CPUs: the writers waiting for their pieces would take the cores
    # from the thread faulting them in (sl_mem.h), so the rungs' own schedules run.
    from speedlab._native import _cpu

    monkeypatch.delenv("SPEEDLAB_FAULT_AHEAD", raising=False)
    cpus = _cpu.cpus()
    assert cpus == len(os.sched_getaffinity(0))
    assert _cpu.fault_ahead(1) is False  # one thread: nothing to fault ahead of
    assert _cpu.fault_ahead(cpus + 1) is False
    assert _cpu.fault_ahead(cpus) is (cpus > 1)
    monkeypatch.setenv("SPEEDLAB_FAULT_AHEAD", "always")
    assert _cpu.fault_ahead(cpus + 1) is True
    assert _cpu.fault_ahead(1) is False
    monkeypatch.setenv("SPEEDLAB_FAULT_AHEAD", "0")
    assert _cpu.fault_ahead(cpus) is False
