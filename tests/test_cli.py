"""The command line: exact outputs, one-line errors with exit 2, JSON that parses."""

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import golden
from speedlab import catalog


def speedlab(*args, timeout=300):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDLAB_")}
    return subprocess.run([sys.executable, "-m", "speedlab", *args], capture_output=True,
                          timeout=timeout, env=env)


def test_run_prints_the_canonical_output(spec):
    for n, filename in spec.oracles.items():
        out = speedlab("run", spec.name, str(n))
        assert out.returncode == 0, out.stderr
        assert out.stdout == golden(filename)


@pytest.mark.parametrize("args", [
    ["run", "nbody", "-5"],
    ["run", "nbody", "abc"],
    ["run", "nosuch", "10"],
    ["run", "nbody", "10", "--impl", "nosuch"],
    ["run", "nbody", str(2**40)],
    ["run", "nbody", "10", "--threads", "2"],
    ["run", "nbody", "10", "--input", "x.fa"],
    ["bench", "nosuch"],
    ["bench", "nbody", "--json", "/nonexistent/dir/out.json"],
    ["bench", "nbody", "--rounds", "0"],
    ["frobnicate"],
], ids=lambda a: " ".join(a))
def test_bad_usage_is_one_line_and_exit_2(args):
    out = speedlab(*args)
    assert out.returncode == 2
    assert out.stdout == b""
    lines = out.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]


def test_list_json_names_every_built_variant():
    out = speedlab("list", "--json")
    assert out.returncode == 0
    listing = json.loads(out.stdout)
    assert set(listing) == set(catalog.names())
    for spec in catalog.kernels():
        assert listing[spec.name] == [v.name for v in spec.variants if v.available()]


def test_list_table_says_why_there_is_no_parallel_rung():
    out = speedlab("list")
    assert out.returncode == 0
    assert b"nbody: no parallel rung" in out.stdout


def test_verify_passes():
    out = speedlab("verify", "nbody")
    assert out.returncode == 0, out.stdout + out.stderr
    assert b"FAILED" not in out.stdout


def test_info_reports_the_build():
    out = speedlab("info")
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode()
    assert "OpenMP:" in text and "flags:" in text and "NOT BUILT" not in text
    assert "huge-page hint for outputs of 4 MiB or more: " in text
    assert "parallel output faulted in ahead of its writers: " in text


def test_info_says_when_the_huge_page_hint_is_off():
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDLAB_")}
    out = subprocess.run([sys.executable, "-m", "speedlab", "info"], capture_output=True, timeout=300,
                         env={**env, "SPEEDLAB_MADVISE_HUGEPAGE": "0", "SPEEDLAB_FAULT_AHEAD": "0"})
    text = out.stdout.decode()
    assert "huge-page hint for outputs of 4 MiB or more: off" in text
    assert "parallel output faulted in ahead of its writers: off" in text


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_info_says_faulting_ahead_needs_two_cpus():
    # Faulting ahead serves calls on 2 up to the CPUs the process may run on: with one, none.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDLAB_")}
    code = "import os, sys; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); " \
           "from speedlab.cli import main; sys.exit(main(['info']))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    assert "parallel output faulted in ahead of its writers: off: this process may run on one CPU" \
        in out.stdout.decode()


def test_bench_writes_json(tmp_path):
    path = tmp_path / "bench.json"
    out = speedlab("bench", "nbody", "--quick", "--rounds", "2", "--variants", "python", "native",
                   "--json", str(path))
    assert out.returncode == 0, out.stderr
    doc = json.loads(path.read_text())
    env = doc["environment"]
    for key in ("cpu", "cores", "python", "cython_build", "compiler", "cflags", "speedlab"):
        assert key in env
    records = {r["variant"]: r for r in doc["results"]}
    assert set(records) == {"python", "native"}
    for r in records.values():
        assert r["kernel"] == "nbody" and r["rounds"] == 2 and r["work_units"] > 0
        assert 0 < r["seconds"]["min"] <= r["seconds"]["median"] <= r["seconds"]["max"]
    # A floor so loose it cannot flake: the claim itself is measured, not asserted.
    assert records["native"]["ratio_to_python"]["median"] > 5
    assert b"vs python" in out.stdout


def test_version():
    from speedlab import __version__

    out = speedlab("--version")
    assert out.returncode == 0 and out.stdout.decode().strip() == f"speedlab {__version__}"


def test_run_imports_no_build_or_statistics_machinery():
    # `speedlab run` is timed as a whole process against C (benchmarks/limit.py):
    # subprocess, zipfile, OpenSSL's hashlib and the rest were a third of its start-up
    code = ("import sys\nfrom speedlab.cli import main\nmain(['run', 'nbody', '10'])\n"
            "print(sorted(m for m in ('subprocess', 'zipfile', 'tempfile', 'hashlib', 'statistics', "
            "'importlib.resources', 'speedlab._native.fasta') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "[]"


def test_list_columns_are_as_wide_as_their_names():
    # each cell starts where its column's name starts: a name wider than the
    # column (`cryptography`) would shift every row after it
    lines = speedlab("list").stdout.decode().splitlines()
    starts = [m.start() for m in re.finditer(r"\S+", lines[0])]
    for line in lines[1:len(catalog.names()) + 1]:
        assert [m.start() for m in re.finditer(r"\S+", line)] == starts, f"{line!r} vs {lines[0]!r}"


@pytest.mark.native
def test_run_threads_alone_selects_the_parallel_variant():
    out = speedlab("run", "mandelbrot", "200", "--threads", "2")
    assert out.returncode == 0, out.stderr
    assert out.stdout == golden("mandelbrot-200.pbm")


def test_ctrl_c_inside_exec_still_exits_130(tmp_path):
    # A KeyboardInterrupt that leaves code run by exec of a string (a namedtuple or a
    # dataclass being defined while a module imports) is marked unhandled by CPython
    # even when caught, and `python -m` then exits by SIGINT instead of with the status.
    (tmp_path / "ctrlc_in_exec.py").write_text(
        "import sys\nfrom speedlab import cli\n"
        "def interrupted(args):\n    exec('raise KeyboardInterrupt')\n"
        "cli.cmd_info = interrupted\nsys.exit(cli.main(['info']))\n")
    proc = subprocess.run([sys.executable, "-m", "ctrlc_in_exec"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 130, proc.returncode
    assert proc.stderr.strip() == "speedlab: interrupted"
