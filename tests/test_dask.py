"""speedlab.dask: a kernel split on Dask gives one call's result, with faults, Ctrl-C and bad input.

Every test that needs a cluster starts a ``LocalCluster`` on 127.0.0.1 (worker
processes on loopback only) and stops it. Dask is optional: without it these
tests skip with the install hint, unless ``SPEEDLAB_REQUIRE_DASK=1`` (CI sets it)
makes its absence a failure. The checks that need no Dask -- bad input refused
before anything starts, the message when Dask is missing -- always run.
"""

import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest

import speedlab
from speedlab import catalog, parts
from speedlab._buildtools import required

ROOT_ENV = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDLAB_")}
HINT = "pip install 'speedlab[dask]'"


def need_dask():
    """Skip (or fail, under SPEEDLAB_REQUIRE_DASK=1) when dask[distributed] is not installed."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        if required("dask"):
            pytest.fail(f"SPEEDLAB_REQUIRE_DASK=1 but Dask is not installed ({exc}); {HINT}")
        pytest.skip(f"Dask is not installed ({exc}); {HINT}")


@pytest.fixture
def dask_installed():
    need_dask()


def speedlab_cli(*args, timeout=120):
    """Run ``speedlab ARGS`` in a session of its own; fail if any process of it outlives it."""
    proc = subprocess.Popen([sys.executable, "-m", "speedlab", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ROOT_ENV, start_new_session=True)
    out, err = proc.communicate(timeout=timeout)
    assert wait_gone(in_session(proc.pid)) == [], "processes left running"
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def one_line(out):
    lines = out.stderr.decode().strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1, (out.returncode, lines)
    assert "Traceback" not in out.stderr.decode()
    return lines[0]


def alive(pid):
    """True while ``pid`` runs (a zombie waiting to be reaped has finished)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pids, seconds=10):
    """The pids still alive after waiting up to ``seconds`` for them to exit."""
    deadline = time.monotonic() + seconds
    while [p for p in pids if alive(p)] and time.monotonic() < deadline:
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def in_session(sid):
    """Live processes of session ``sid``: what a CLI started with start_new_session=True left running."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and alive(int(entry)):
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[4]) == sid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


def children(pid):
    """The live child processes of ``pid`` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


# -- no Dask needed: everything is refused before anything starts ----------------

@pytest.mark.parametrize("args, message", [
    (("mandelbrot", 200, "--dask", "local", "--parts", "201"), "parts must be <= 200"),
    (("revcomp", 1000, "--dask", "local", "--parts", "4"), "parts must be <= 3"),
    (("mandelbrot", 200, "--dask", "local", "--parts", "0"), "expected a number >= 1"),
    (("mandelbrot", 200, "--dask", "tcp://nohost"), "scheduler must be"),
    (("mandelbrot", 200, "--dask", "tcp://host:99999"), "port 1-65535"),
    (("mandelbrot", 200, "--dask", "lokal"), "scheduler must be"),
    (("pidigits", 30, "--dask", "local"), "'pidigits' does not split"),
    (("nbody", 30, "--dask", "local"), "nbody-ensemble"),
    (("mandelbrot", 200, "--dask", "local", "--impl", "c"), "parts run python, compiled, native"),
    (("mandelbrot", 200, "--workers", "2"), "--workers applies only with --dask"),
    (("mandelbrot", 200, "--dask", "local", "--workers", "0"), "expected a number >= 1"),
])
def test_bad_dask_runs_are_one_line_and_exit_2_and_start_nothing(args, message):
    start = time.perf_counter()
    out = speedlab_cli("run", *args)
    assert message in one_line(out)
    assert out.stdout == b""
    # Refused before a cluster could start (that alone takes seconds), nothing left behind.
    assert time.perf_counter() - start < 20


def test_without_dask_the_error_names_the_extra_to_install():
    code = ("import sys; sys.modules['dask'] = sys.modules['distributed'] = None; "
            "from speedlab.cli import main; sys.exit(main(['run', 'mandelbrot', '64', '--dask', 'local']))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, env=ROOT_ENV, timeout=60)
    line = one_line(out)
    assert HINT in line and "not installed" in line
    code = ("import sys; sys.modules['dask'] = None; import speedlab.dask as d\n"
            "try:\n    d.run('mandelbrot', 8)\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ROOT_ENV, timeout=60)
    assert HINT in out.stdout, out.stderr


def test_importing_speedlab_dask_imports_no_dask():
    code = "import sys, speedlab.dask; assert 'dask' not in sys.modules and 'distributed' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, env=ROOT_ENV, timeout=60)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(scheduler="tcp://a"), ValueError, "scheduler must be"),
    (dict(scheduler=3), TypeError, "scheduler must be a str"),
    (dict(workers=0), ValueError, "workers"),
    (dict(parts=0), ValueError, "parts"),
    (dict(parts=2.0), TypeError, "parts"),
    (dict(impl="c"), ValueError, "parts run"),
    (dict(n_threads=2), ValueError, "n_threads applies only"),
    (dict(connect_timeout=0), ValueError, "connect_timeout"),
])
def test_run_refuses_bad_arguments_before_importing_dask(kwargs, error, message):
    import speedlab.dask as sdask

    with pytest.raises(error, match=message):
        sdask.run("mandelbrot", 64, **kwargs)


def test_run_refuses_the_kernels_own_bad_input():
    import speedlab.dask as sdask

    with pytest.raises(ValueError, match="n must be <= 100,000"):
        sdask.run("mandelbrot", 10**6)
    with pytest.raises(TypeError):
        sdask.run("chacha20", "key", bytes(12), b"x")
    with pytest.raises(ValueError, match="does not split"):
        sdask.run(speedlab.pidigits.digits, 10)


# -- with Dask ---------------------------------------------------------------------

def cases():
    """(kernel, args) for every kernel that splits, at its test size."""
    return [(spec.name, spec.make_input(spec.sizes.test)) for spec in parts.splittable()
            if spec.name in {s.name for s in catalog.builtin_kernels()} | {"nbody-ensemble"}]


def test_threads_and_processes_give_one_calls_result(dask_installed):
    import speedlab.dask as sdask

    for name, args in cases():
        want = parts.resolve(name).public_function()(*args)
        assert sdask.run(name, *args, scheduler="threads", workers=2) == want, name
    # Worker processes: every variant, the GIL-bound ones too.
    with sdask.Session("processes", workers=2) as session:
        for name, args in cases():
            want = parts.resolve(name).public_function()(*args)
            assert session.run(name, *args, parts=3) == want, name
        assert session.run("mandelbrot", 64, impl="python") == speedlab.mandelbrot.pbm(64)


def _cluster_settings():
    """The settings ``speedlab.dask.LOCAL_CLUSTER_CONFIG`` names, as this process has them."""
    import dask

    import speedlab.dask as sdask

    return {key: dask.config.get(key) for key in sdask.LOCAL_CLUSTER_CONFIG}


def test_a_local_cluster_and_a_tcp_address_give_one_calls_result(dask_installed):
    import speedlab.dask as sdask

    from speedlab._native import _cpu

    environ, omp_threads = dict(os.environ), _cpu.openmp_threads()
    start = time.perf_counter()
    with sdask.Session("local", workers=2) as session:
        assert session.cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        # The workers get one OpenMP thread each; this process keeps its own
        # setting (Dask's nanny writes its worker defaults into os.environ here).
        assert session.map(os.getenv, [("OMP_NUM_THREADS",)] * 2) == ["1", "1"]
        assert dict(os.environ) == environ and _cpu.openmp_threads() == omp_threads
        # The cluster's own settings reach every worker and leave this process's alone.
        assert list(session.client.run(_cluster_settings).values()) == [sdask.LOCAL_CLUSTER_CONFIG] * 2
        assert _cluster_settings() != sdask.LOCAL_CLUSTER_CONFIG
        for name, args in cases():
            want = parts.resolve(name).public_function()(*args)
            assert session.run(name, *args) == want, name
        # The same cluster through its address, as a remote user would reach it.
        address = session.cluster.scheduler_address
        data = random.Random(3).randbytes(100_000)
        key, nonce = bytes(range(32)), bytes(12)
        got = sdask.run("chacha20", key, nonce, data, 5, scheduler=address, parts=7)
        assert got == speedlab.chacha20.encrypt(key, nonce, data, 5)
        assert session.stats["bytes_to_workers"] > len(data) and session.stats["tasks"] > 0
        assert session.transfers()["worker_to_worker_bytes"] == 0  # parts never need each other's data
    assert time.perf_counter() - start < 30 * 2  # two 2-core budgets: a busy shared machine


def test_encrypt_file_is_encrypt_part_by_part(dask_installed, tmp_path):
    import speedlab.dask as sdask

    rng = random.Random(7)
    key, nonce = rng.randbytes(32), rng.randbytes(12)
    for size in (0, 1, 64, 1000, 70_001):
        data = rng.randbytes(size)
        src, dst = tmp_path / f"in{size}", tmp_path / f"out{size}"
        src.write_bytes(data)
        written = sdask.encrypt_file(src, dst, key, nonce, 9, part_bytes=192, workers=2)
        assert written == size
        assert dst.read_bytes() == speedlab.chacha20.encrypt(key, nonce, data, 9)
    # decrypting is encrypting again
    sdask.encrypt_file(tmp_path / "out70001", tmp_path / "back", key, nonce, 9, part_bytes=64 * 5)
    assert (tmp_path / "back").read_bytes() == (tmp_path / "in70001").read_bytes()


def test_encrypt_file_writes_in_chunks_over_an_existing_dst(dask_installed, tmp_path, monkeypatch):
    import speedlab.dask as sdask

    rng = random.Random(8)
    key, nonce = rng.randbytes(32), rng.randbytes(12)
    data = rng.randbytes(10_001)
    src, dst = tmp_path / "in", tmp_path / "out"
    src.write_bytes(data)
    want = speedlab.chacha20.encrypt(key, nonce, data, 3)
    # Chunks of 128 bytes inside parts of 640: counters advance chunk by chunk;
    # the last chunk of each part and of the file is short.
    monkeypatch.setattr(sdask, "CHUNK_BYTES", 128)
    for old in (b"", rng.randbytes(10_001), rng.randbytes(50_000)):  # none, same size, longer: kept pages
        if old:
            dst.write_bytes(old)
        assert sdask.encrypt_file(src, dst, key, nonce, 3, part_bytes=640, workers=2) == len(data)
        assert dst.read_bytes() == want


def test_encrypt_file_refuses_bad_input_before_writing(tmp_path):
    import speedlab.dask as sdask

    src = tmp_path / "in"
    src.write_bytes(bytes(100))
    dst = tmp_path / "out"
    for kwargs, error in [(dict(part_bytes=100), ValueError), (dict(part_bytes=0), ValueError),
                          (dict(counter=2**32 - 1), OverflowError), (dict(scheduler="x"), ValueError),
                          (dict(impl="nope"), ValueError)]:
        with pytest.raises(error):
            sdask.encrypt_file(src, dst, bytes(32), bytes(12), **{"counter": 1, **kwargs})
        assert not dst.exists()
    with pytest.raises(ValueError, match="is src"):
        sdask.encrypt_file(src, src, bytes(32), bytes(12))
    with pytest.raises(FileNotFoundError):
        sdask.encrypt_file(tmp_path / "missing", dst, bytes(32), bytes(12))
    with pytest.raises(ValueError):
        sdask.encrypt_file(src, dst, bytes(31), bytes(12))


def test_a_killed_worker_is_replaced_and_the_result_is_still_exact(dask_installed):
    import speedlab.dask as sdask

    n = 2400  # ~1-2 s of native work: the kill lands while parts are running
    want = speedlab.mandelbrot.pbm(n)
    with sdask.Session("local", workers=2) as session:
        client = session.client
        pids = client.run(os.getpid)
        victim_address, victim = sorted(pids.items())[0]
        killed = threading.Event()

        def kill_when_busy():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not killed.is_set():
                if client.processing().get(victim_address):
                    os.kill(victim, signal.SIGKILL)
                    killed.set()
                    return
                time.sleep(0.02)

        killer = threading.Thread(target=kill_when_busy, daemon=True)
        killer.start()
        got = session.run("mandelbrot", n, parts=16)
        killer.join(5)
        assert killed.is_set(), "the worker was never seen busy: nothing was killed"
        assert got == want  # Dask ran the lost parts again elsewhere
        # The nanny starts a new worker in the dead one's place.
        deadline = time.monotonic() + 20
        while len(client.nthreads()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(client.nthreads()) == 2
        assert victim not in client.run(os.getpid).values()
        # The replacement got the cluster's settings from its nanny too.
        assert list(client.run(_cluster_settings).values()) == [sdask.LOCAL_CLUSTER_CONFIG] * 2


def test_an_unreachable_cluster_fails_within_the_timeout(dask_installed):
    import socket

    import speedlab.dask as sdask

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match=f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"):
        sdask.run("mandelbrot", 64, scheduler=f"tcp://127.0.0.1:{port}", connect_timeout=1.5)
    assert time.perf_counter() - start < 10


def test_the_cli_runs_the_nbody_ensemble_whole_and_in_parts(dask_installed):
    import speedlab.nbody

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "speedlab", "run", "nbody-ensemble", "300", *args],
                              capture_output=True, env=ROOT_ENV, timeout=60, check=True).stdout

    whole = cli()
    members = speedlab.nbody.ensemble(300, 16, 0)
    assert whole.decode().splitlines() == [f"{a:.9f} {b:.9f}" for a, b in members]
    assert cli("--dask", "threads", "--parts", "3") == whole


def test_the_cli_prints_the_same_bytes_on_a_local_cluster_and_leaves_nothing(dask_installed):
    from conftest import golden

    proc = subprocess.Popen([sys.executable, "-m", "speedlab", "run", "mandelbrot", "200", "--dask", "local",
                             "--workers", "2", "--parts", "5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=ROOT_ENV, start_new_session=True)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert out == golden("mandelbrot-200.pbm")
    assert wait_gone(in_session(proc.pid)) == []  # no worker, nanny or tracker outlives the run


def test_the_cli_says_in_one_line_when_the_cluster_cannot_be_reached(dask_installed):
    start = time.perf_counter()
    line = one_line(speedlab_cli("run", "fasta", 10, "--dask", "tcp://127.0.0.1:1"))
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in line
    assert time.perf_counter() - start < 20  # a 5 s connect timeout, plus start-up


@pytest.mark.latency
@pytest.mark.parametrize("scheduler", ["local", "processes"])
@pytest.mark.parametrize("starting", [False, True], ids=["running", "starting"])
def test_ctrl_c_cancels_the_parts_and_stops_the_workers(dask_installed, scheduler, starting):
    # A terminal's Ctrl-C reaches the whole process group: send it there, once the
    # parts run, or as soon as the first child process exists (the workers still
    # starting: the Ctrl-C is held until they are up, then everything stops).
    proc = subprocess.Popen([sys.executable, "-m", "speedlab", "run", "mandelbrot", "16000", "--dask",
                             scheduler, "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=ROOT_ENV, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 25
        while len(children(proc.pid)) < (1 if starting else 2) and time.monotonic() < deadline:
            time.sleep(0.02 if starting else 0.2)
        workers = children(proc.pid)
        assert workers, "the workers never started"
        if not starting:
            assert len(workers) >= 2, "the workers never started"
            time.sleep(1.0)  # let the parts start
        sent = time.perf_counter()
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
        latency = time.perf_counter() - sent
        err = proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert err.strip() == "speedlab: interrupted"
    assert latency < 15, f"{latency:.1f} s to stop"
    # The workers, and multiprocessing's resource tracker, exit with their parent.
    assert wait_gone(workers + in_session(proc.pid)) == [], "processes left running"


def test_bench_dask_measures_scale_out_and_writes_its_document(dask_installed, tmp_path):
    import json

    path = tmp_path / "scale.json"
    out = speedlab_cli("bench-dask", "mandelbrot", "fannkuchredux", "--n", "8", "--workers", "1", "2",
                       "--rounds", "1", "--json", path, timeout=180)
    assert out.returncode == 0, out.stderr.decode()
    text = out.stdout.decode()
    assert "per-task cost, measured with empty tasks" in text and "load average" in text
    doc = json.loads(path.read_text())
    assert doc["schema"] == "speedlab-bench-dask/1" and doc["failed"] == []
    assert doc["settings"]["workers"] == [1, 2] and len(doc["load_average"]["before"]) == 3
    assert {c["workers"] for c in doc["overhead"] if c["scheduler"] == "local"} == {1, 2}
    for kernel in doc["kernels"]:
        labels = {r["label"]: r for r in kernel["results"]}
        assert {"native", "parallel", "dask@1", "dask@2", "control@1", "control@2"} <= set(labels)
        assert all(r["exact"] for r in kernel["results"] if r["kind"] != "control")
        assert labels["dask@2"]["speedup_over_one_worker"]["median"] > 0
        assert labels["dask@2"]["moved"]["tasks"] == kernel["parts"]
        # The arithmetic control ran in the same rounds on the same clusters, and says how far they scale.
        for w in (1, 2):
            control = labels[f"control@{w}"]
            assert control["kind"] == "control" and control["error"] is None and control["exact"] is None
            assert control["workers"] == w and control["seconds"]["median"] > 0
        assert labels["control@2"]["speedup_over_one_worker"]["median"] > 0
        assert "control@2" in text and kernel["control_mib_per_part"] >= 1


def test_bench_dask_streams_files_and_moves_no_data(dask_installed, tmp_path):
    import json

    path = tmp_path / "files.json"
    out = speedlab_cli("bench-dask", "knucleotide-file=20000", "chacha20-file=1", "--workers", "1", "2",
                       "--rounds", "1", "--json", path, timeout=180)
    assert out.returncode == 0, out.stderr.decode()
    doc = json.loads(path.read_text())
    assert doc["failed"] == [] and [k["kernel"] for k in doc["kernels"]] == ["knucleotide-file", "chacha20-file"]
    for kernel in doc["kernels"]:
        assert all(r["exact"] for r in kernel["results"] if r["kind"] != "control")
        for r in kernel["results"]:
            if r["kind"] == "dask":  # paths and offsets go to the workers, never the data
                assert r["moved"]["bytes_to_workers"] < 1000 * kernel["parts"]
                assert r["moved"]["tasks"] == kernel["parts"]


def test_bench_dask_refuses_bad_requests_in_one_line():
    assert "does not split" in one_line(speedlab_cli("bench-dask", "pidigits"))
    assert "unknown kernel" in one_line(speedlab_cli("bench-dask", "nope"))
    assert "scheduler must be" in one_line(speedlab_cli("bench-dask", "mandelbrot", "--dask", "tcp://x"))
    assert "must end in" in one_line(speedlab_cli("bench-dask", "mandelbrot", "--plot", "x.txt"))


USER_SPEC = '''
from speedlab import KernelSpec, Sizes, Variant
from speedlab.parts import check_parts


def squares(values, *, impl=None):
    return sum(v * v for v in values)


def split(args, parts):
    (values,) = args
    parts = check_parts(parts, len(values), "one value per part")
    return [(values[i::parts],) for i in range(parts)]


SPEC = KernelSpec(
    name="usersquares", summary="sum of squares", api="usersquares_spec:squares",
    variants=(Variant("python", "usersquares_spec:squares"),),
    make_input=lambda n: (list(range(n)),), sizes=Sizes(test=10, quick=10, full=10), unit="value",
    work=float, render=lambda r, n: b"%d\\n" % r, no_parallel="an example",
    split=split, combine=lambda results, args: sum(results),
)
'''


def test_a_users_kernel_splits_on_worker_processes_too(dask_installed, tmp_path):
    # The workers import the user's spec module by the path --from put on sys.path.
    (tmp_path / "usersquares_spec.py").write_text(USER_SPEC)
    out = speedlab_cli("verify", "--from", tmp_path)
    assert out.returncode == 0 and b"usersquares    split      ok" in out.stdout, out.stdout
    for scheduler in ("processes", "local"):
        out = speedlab_cli("run", "usersquares", 1000, "--from", tmp_path, "--dask", scheduler,
                           "--workers", 2, "--parts", 5)
        assert out.returncode == 0, out.stderr.decode()
        assert out.stdout == b"%d\n" % sum(v * v for v in range(1000))


# -- knucleotide from a file: the parts read their own byte ranges ---------------

def _fasta_cases(rng):
    """FASTA texts whose record THREE tests the byte-range split: odd widths, line-feed runs, fragments."""
    fragment = b"GGTATTTTAATTTATAGT"
    seq = bytearray(rng.choice(b"ACGTacgt") for _ in range(3000))
    for at in range(0, 3000, 97):  # the fragments, at many places: some straddle any cut
        seq[at:at + len(fragment)] = fragment
    seq = bytes(seq[:3000])
    wrapped = lambda s, w: b"".join(s[i:i + w] + b"\n" for i in range(0, len(s), w))  # noqa: E731
    return {
        "width 60, records around": b">ONE x\nNNNN\n>TWO\nAC\n>THREE y\n" + wrapped(seq, 60) + b">FOUR\nacgt\n",
        "width 1": b">THREE\n" + wrapped(seq[:500], 1),
        # a run of line feeds longer than one overlap read, just before the last 17 bases
        "line feed runs": b">THREE\n" + seq[:40] + b"\n" * 5000 + seq[40:49] + b"\n\n\n" + seq[49:80]
        + b"\n" * 9 + seq[80:200] + b"\n",
        "first record, no final line feed": b">THREE\n" + wrapped(seq[:300], 7)[:-1],
        "empty THREE": b">ONE\nA\n>THREE\n>FOUR\nAC\n",
        "header only": b">THREE",
        "shorter than a fragment": b">THREE\nggta\ncc\n",
    }


def test_knucleotide_file_parts_are_one_calls_result_without_dask(tmp_path):
    import speedlab.dask as sdask
    from speedlab.knucleotide import combine_counts, knucleotide, render

    for name, data in _fasta_cases(random.Random(11)).items():
        path = tmp_path / "in.fasta"
        path.write_bytes(data)
        want = knucleotide(data)
        size = max(1, len(data) - sdask.find_three(str(path))[0])
        for count in sorted({1, 2, 3, 7, 64, min(size, 1000), size} & set(range(1, size + 1))):
            try:
                part_args = sdask._three_parts(str(path), count, 2, None)
            except parts.TooManyParts:
                continue
            results = [sdask._count_range(*a) for a in part_args]
            got = combine_counts([c for c, _ in results], sum(b for _, b in results))
            assert got == want, (name, count)
            assert render(got, 0) == render(want, 0)


def test_knucleotide_file_cuts_inside_a_line_feed_run_and_through_a_fragment(tmp_path):
    import speedlab.dask as sdask
    from speedlab.knucleotide import combine_counts, knucleotide

    fragment = b"GGTATTTTAATTTATAGT"
    data = b">THREE\n" + fragment[:5] + b"\n" * 6000 + fragment[5:] + b"\nACGT\n"
    path = tmp_path / "in.fasta"
    path.write_bytes(data)
    start, end = sdask.find_three(str(path))
    assert data[start:end].replace(b"\n", b"") == fragment + b"ACGT"
    # Two parts: the cut falls in the middle of the 6000 line feeds, so the first
    # part owns the fragment's first base and must read past the run for its tail.
    part_args = sdask._three_parts(str(path), 2, 2, None)
    assert data[part_args[1][1] - 1:part_args[1][1] + 1] == b"\n\n"
    results = [sdask._count_range(*a) for a in part_args]
    assert [b for _, b in results] == [5, len(fragment) - 5 + 4]
    got = combine_counts([c for c, _ in results], 22)
    assert got == knucleotide(data) and dict((f, c) for c, f in got[2])[fragment.decode()] == 1


def test_knucleotide_file_refuses_bad_input_before_anything_starts(tmp_path):
    import speedlab.dask as sdask

    good = tmp_path / "in.fasta"
    good.write_bytes(b">THREE\nACGTACGT\n")
    none = tmp_path / "none.fasta"
    none.write_bytes(b">ONE\nACGT\n")
    for path, kwargs, error, message in [
        (tmp_path / "missing", {}, FileNotFoundError, "not a file"),
        (none, {}, ValueError, "no '>THREE' record"),
        (tmp_path, {}, FileNotFoundError, "not a file"),
        (good, {"parts": 0}, ValueError, "parts"),
        (good, {"parts": 10}, ValueError, "parts must be <= 9"),
        (good, {"parts": 2.0}, TypeError, "parts"),
        (good, {"impl": "c"}, ValueError, "python, compiled, native"),
        (good, {"scheduler": "lokal"}, ValueError, "scheduler must be"),
        (42, {}, TypeError, "path must be"),
    ]:
        with pytest.raises(error, match=message):
            sdask.knucleotide_file(path, **kwargs)
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        sdask.knucleotide_file(tmp_path / "empty")


def test_knucleotide_file_on_a_local_cluster_and_the_cli(dask_installed, tmp_path):
    import speedlab.dask as sdask
    from speedlab.knucleotide import knucleotide, render

    data = _fasta_cases(random.Random(5))["width 60, records around"]
    path = tmp_path / "in.fasta"
    path.write_bytes(data)
    want = knucleotide(data)
    start = time.perf_counter()
    assert sdask.knucleotide_file(path, parts=5, scheduler="threads", workers=2) == want
    with sdask.Session("local", workers=2) as session:
        for count in (1, 2, 3, 7):
            before = session.stats["bytes_to_workers"]
            assert sdask.knucleotide_file(path, parts=count, scheduler=session) == want
            assert session.stats["bytes_to_workers"] - before < 1000 * count  # paths, not bases
        bad = tmp_path / "bad.fasta"
        bad.write_bytes(b">THREE\nACGTN\n")
        with pytest.raises(ValueError, match="only A, C, G and T"):
            sdask.knucleotide_file(bad, parts=2, scheduler=session)
    assert time.perf_counter() - start < 30
    out = speedlab_cli("run", "knucleotide", "--input", path, "--dask", "local", "--workers", "2",
                       "--parts", "3")
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout == render(want, 0)
    (tmp_path / "none.fasta").write_bytes(b">ONE\nACGT\n")
    for name, message in (("none.fasta", "no '>THREE' record"), ("missing", "is not a file")):
        out = speedlab_cli("run", "knucleotide", "--input", tmp_path / name, "--dask", "local")
        assert message in one_line(out) and out.stdout == b""
