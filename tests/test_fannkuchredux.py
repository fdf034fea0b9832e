"""fannkuchredux behaviour the catalog-driven tests cannot see: permutation order, threads."""

import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import golden
from speedlab import _simd, catalog, fannkuchredux
from speedlab.pure.fannkuchredux import nth_permutation, permutations

ORDER_FILE = "fannkuchredux-7-permutations.txt"


def _as_text(perm):
    return "".join(str(v + 1) for v in perm)


def test_permutation_order_matches_the_task():
    expected = golden(ORDER_FILE).decode().split()
    assert [_as_text(p) for p in permutations(7)] == expected


def test_index_decodes_to_the_same_permutation():
    # The parallel rung starts every block from its index read in factorial base.
    expected = golden(ORDER_FILE).decode().split()
    assert [_as_text(nth_permutation(i, 7)) for i in range(len(expected))] == expected


@pytest.mark.native
@pytest.mark.parametrize("n", [8, 9, 10])
def test_parallel_same_result_for_every_thread_count(n):
    # 9 and 10 span 5 and 45 blocks of 16 x 7! permutations (the last of 9's
    # half full): uneven splits, all combined exactly; 8 is a single block,
    # run serially.
    want = fannkuchredux.checksum_maxflips(n, impl="native")
    for threads in (1, 2, 3):
        assert fannkuchredux.checksum_maxflips(n, impl="parallel", n_threads=threads) == want


def test_n_threads_is_validated():
    with pytest.raises(ValueError, match="n_threads must be >= 1"):
        fannkuchredux.checksum_maxflips(7, impl="parallel", n_threads=0)
    with pytest.raises(TypeError, match="n_threads must be an integer"):
        fannkuchredux.checksum_maxflips(7, impl="parallel", n_threads="2")
    with pytest.raises(ValueError, match="only to impl='parallel'"):
        fannkuchredux.checksum_maxflips(7, impl="python", n_threads=2)


def test_messages_name_the_argument():
    with pytest.raises(ValueError, match="n must be >= 1"):
        fannkuchredux.checksum_maxflips(0)
    with pytest.raises(ValueError, match="n must be <= 16"):
        fannkuchredux.checksum_maxflips(17)


def test_work_is_one_unit_per_permutation():
    spec = catalog.get("fannkuchredux")
    assert spec.work(7) == len(golden(ORDER_FILE).split())


INTERRUPTIBLE = textwrap.dedent("""
    import sys
    from speedlab import fannkuchredux
    print("started", flush=True)
    fannkuchredux.checksum_maxflips(12, impl=sys.argv[1])  # ~20 s of work
""")


@pytest.mark.native
@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
@pytest.mark.parametrize("impl", ["native", "simd", "parallel", "c"])
def test_ctrl_c_interrupts_the_native_loop(impl):
    # SIGINT as a terminal gives it, even where the suite runs with it ignored (a
    # background job of a non-interactive shell): Python then leaves it ignored.
    child = subprocess.Popen([sys.executable, "-c", INTERRUPTIBLE, impl],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(0.3)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=20)
    finally:
        child.kill()
    assert "KeyboardInterrupt" in err, err[-2000:]


@pytest.mark.native
@pytest.mark.parametrize("path", _simd.supported())
@pytest.mark.parametrize("n", [9, 10])
def test_every_vector_path_over_many_sub_blocks(path, n):
    # 9! and 10! are 72 and 720 sub-blocks of 7!: many calls of every path,
    # the last one with idle lanes where the lane count does not divide them.
    want = fannkuchredux.checksum_maxflips(n, impl="native")
    with _simd.forced(path):
        assert fannkuchredux.checksum_maxflips(n, impl="simd") == want
        assert fannkuchredux.checksum_maxflips(n, impl="parallel", n_threads=2) == want
