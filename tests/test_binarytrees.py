"""binarytrees behaviour the catalog-driven tests cannot see: threads, memory limits, failures."""

import signal
import subprocess
import sys
import textwrap
import time

import pytest

from speedlab import binarytrees, catalog


@pytest.mark.native
@pytest.mark.parametrize("n", [10, 13, 14, 15])
def test_parallel_same_result_for_every_thread_count(n):
    # 10 and 13 stay on one thread (under the threshold); 14 and 15 split each
    # depth's trees (15: an odd n, whose deepest row is one level above the
    # long-lived tree, so the threads' pools are sized for max_depth - 1).
    want = binarytrees.report(n, impl="native")
    for threads in (1, 2, 3):
        assert binarytrees.report(n, impl="parallel", n_threads=threads) == want


def test_n_threads_is_validated():
    with pytest.raises(ValueError, match="n_threads must be >= 1"):
        binarytrees.report(6, impl="parallel", n_threads=0)
    with pytest.raises(TypeError, match="n_threads must be an integer"):
        binarytrees.report(6, impl="parallel", n_threads=1.5)
    with pytest.raises(ValueError, match="only to impl='parallel'"):
        binarytrees.report(6, impl="arena", n_threads=2)


def test_messages_name_the_argument():
    with pytest.raises(ValueError, match="n must be >= 0"):
        binarytrees.report(-1)
    with pytest.raises(ValueError, match="n must be <= 30"):
        binarytrees.report(31)


@pytest.mark.native
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="GCC or libstdc++ there: C++17 std::pmr")
def test_pool_is_built_on_std_pmr():
    # A C++ library without <memory_resource> would leave pool and parallel
    # refusing to run; on Linux that must fail here, not go unnoticed.
    from speedlab._native import binarytrees as native

    assert native.HAVE_PMR
    assert binarytrees.report(7, impl="pool") == binarytrees.report(7, impl="native")


def test_trees_larger_than_ram_are_refused_before_any_work(monkeypatch):
    monkeypatch.setattr(binarytrees, "_physical_memory", lambda: 2**20)
    with pytest.raises(MemoryError, match="GiB"):
        binarytrees.report(14, impl="python")


def test_work_counts_every_node():
    spec = catalog.get("binarytrees")
    result = binarytrees.report(10, impl="python")
    (_, stretch), rows, (_, long_lived) = result
    assert spec.work(10) == stretch + long_lived + sum(total for _, _, total in rows)


# A child process with its address space capped 160 MiB above its size: the
# stretch tree of n = 22 (2**24 nodes: 256 MiB even as one arena block) cannot be
# allocated, so every native variant must raise MemoryError -- three times in a
# row -- and then still run n = 17 (~25 MiB), which fails if a failed attempt
# leaked what it had built. (The thread team is started before the cap is set:
# libgomp aborts when it cannot create a thread.)
LIMITED = textwrap.dedent("""
    import resource, sys
    from speedlab import binarytrees
    impl = sys.argv[1]
    # Warm up first: OpenMP starts its threads (stacks, malloc arenas) on the
    # first parallel region, and libgomp aborts if it cannot create them.
    binarytrees.report(13, impl=impl)
    with open("/proc/self/status") as f:
        vm = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmSize:"))
    cap = vm + 160 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    for _ in range(3):
        try:
            binarytrees.report(22, impl=impl)
        except MemoryError as exc:
            assert "no memory" in str(exc), exc
        else:
            raise SystemExit("n=22 did not fail under the cap")
    binarytrees.report(17, impl=impl)
    print("ok")
""")


@pytest.mark.native
@pytest.mark.memory_accounting
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs RLIMIT_AS and /proc")
@pytest.mark.parametrize("impl", ["native", "pool", "arena", "parallel", "c"])
def test_allocation_failure_raises_and_frees(impl):
    out = subprocess.run([sys.executable, "-c", LIMITED, impl], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


INTERRUPTIBLE = textwrap.dedent("""
    import sys
    from speedlab import binarytrees
    print("started", flush=True)
    binarytrees.report(21, impl=sys.argv[1])  # seconds of work, even for the arena
""")


@pytest.mark.native
@pytest.mark.latency
@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
@pytest.mark.parametrize("impl", ["native", "pool", "parallel", "arena", "c"])
def test_ctrl_c_interrupts_the_native_loop(impl):
    # SIGINT as a terminal gives it, even where the suite runs with it ignored (a
    # background job of a non-interactive shell): Python then leaves it ignored.
    child = subprocess.Popen([sys.executable, "-c", INTERRUPTIBLE, impl],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(0.5)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=20)
    finally:
        child.kill()
    assert "KeyboardInterrupt" in err, err[-2000:]
