"""The build and its record: OpenMP, build switches, staleness, wheel checks, import cost.

These tests look at how the installed kernels were built (``_buildinfo.json``,
written by setup.py) rather than at results, which the catalog tests cover.
"""

import json
import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from speedlab import _buildtools as bt
from speedlab.bench.environment import build_info

ROOT = Path(__file__).resolve().parents[1]


def _record() -> dict:
    info = build_info()
    assert info is not None, "no _buildinfo.json beside speedlab._native: the kernels are not built"
    return info


def test_openmp_present_unless_disabled_at_build_time():
    # A build that silently lost OpenMP runs every `parallel` variant on one
    # thread and still passes every result test: this is the test that notices.
    info = _record()
    if info["openmp_disabled"]:
        assert not info["openmp"] and info["openmp_missing_reason"]
    else:
        assert info["openmp"], (
            f"OpenMP was expected but the build has none ({info['openmp_missing_reason']}); "
            "install OpenMP (gcc: libgomp; macOS: brew install libomp) and rebuild, "
            "or build with SPEEDLAB_DISABLE_OPENMP=1 to say a serial build is intended")
        assert info["openmp_flags"]


def test_build_record_covers_every_kernel_by_convention():
    info = _record()
    expected = set(bt.source_modules(ROOT))
    assert expected, "no kernels/*.pyx or pure twins found beside the tests"
    assert expected <= set(info["modules"]), expected - set(info["modules"])
    from importlib.util import find_spec

    for module in expected | {"speedlab._cyutility"}:
        assert find_spec(module) is not None, f"{module} is recorded but not installed"


def test_release_build_is_portable_and_optimised():
    # A debug or -march=native build must never be what a test run thinks is the release.
    info = _record()
    if info["debug"]:
        assert "-O0" in info["cflags"] or "/Od" in info["cflags"]
        assert info["directives"]["boundscheck"] is True
    else:
        assert not any(f.startswith("-march") for f in info["cflags"]) or info["native_arch"]
        assert info["directives"]["boundscheck"] is False


def _fake_wheel(path: Path, info: dict, files: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"speedlab/_native/{bt.BUILD_INFO}", json.dumps(info))
        for name in files:
            zf.writestr(name, b"")
    return path


def test_check_wheel_accepts_a_complete_portable_wheel(tmp_path):
    info = {"modules": ["speedlab._native.k", "speedlab._compiled.k"], "native_arch": False}
    wheel = _fake_wheel(tmp_path / "ok.whl", info, [
        "speedlab/_native/k.cpython-311-x86_64-linux-gnu.so",
        "speedlab/_compiled/k.cp311-win_amd64.pyd",
        "speedlab/pure/k.py",
    ])
    assert bt.check_wheel(wheel) == []


@pytest.mark.parametrize("native_arch, files, problem", [
    (True, ["speedlab/_native/k.abi3.so", "speedlab/_compiled/k.abi3.so"], "local builds only"),
    (False, ["speedlab/_native/k.abi3.so"], "missing: speedlab._compiled.k"),
    (False, ["speedlab/_native/k.abi3.so", "speedlab/_compiled/k.abi3.so", "kernels/k.pyx"],
     "sources in the wheel: kernels/k.pyx"),
    (False, ["speedlab/_native/k.abi3.so", "speedlab/_compiled/k.abi3.so", "speedlab/_native/old.abi3.so"],
     "did not make: speedlab._native.old"),
])
def test_check_wheel_refuses_unfit_wheels(tmp_path, native_arch, files, problem):
    info = {"modules": ["speedlab._native.k", "speedlab._compiled.k"], "native_arch": native_arch}
    problems = bt.check_wheel(_fake_wheel(tmp_path / "bad.whl", info, files))
    assert any(problem in p for p in problems), problems


def test_native_arch_is_refused_for_release_wheels():
    # cibuildwheel sets CIBUILDWHEEL=1; setup.py refuses before doing any work.
    env = {**os.environ, "CIBUILDWHEEL": "1", "SPEEDLAB_NATIVE_ARCH": "1"}
    out = subprocess.run([sys.executable, str(ROOT / "setup.py"), "--name"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "SPEEDLAB_NATIVE_ARCH=1 is for local builds only" in out.stderr


def test_stale_in_tree_build_is_reported(tmp_path, monkeypatch):
    # An editable install whose extension is older than its .pyx: `speedlab info` warns.
    package = tmp_path / "src" / "stalepkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    module = package / f"mod{sysconfig.get_config_var('EXT_SUFFIX')}"
    module.write_bytes(b"")  # found by find_spec, never imported
    source = tmp_path / "kernels" / "mod.pyx"
    source.parent.mkdir()
    source.write_text("")
    os.utime(module, (1_000_000, 1_000_000))  # built long before the source was edited
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    info = {"source_root": str(tmp_path), "sources": {"stalepkg.mod": ["kernels/mod.pyx"]}}
    assert bt.stale_extensions(info) == [("stalepkg.mod", "kernels/mod.pyx")]
    os.utime(module, None)  # rebuilt now: no longer stale
    os.utime(source, (1_000_000, 1_000_000))
    assert bt.stale_extensions(info) == []


def test_info_warns_about_a_stale_build(tmp_path, monkeypatch, capsys):
    package = tmp_path / "stalepkg2"
    package.mkdir()
    (package / "__init__.py").write_text("")
    module = package / f"mod{sysconfig.get_config_var('EXT_SUFFIX')}"
    module.write_bytes(b"")
    (tmp_path / "mod.pyx").write_text("")
    os.utime(module, (1_000_000, 1_000_000))
    monkeypatch.syspath_prepend(str(tmp_path))
    stale = {"source_root": str(tmp_path), "sources": {"stalepkg2.mod": ["mod.pyx"]}}
    monkeypatch.setattr("speedlab.bench.environment.build_info", lambda: {**_record(), **stale})
    from speedlab import cli

    cli.main(["info"])
    err = capsys.readouterr().err
    assert re.search(r"WARNING: stale build: stalepkg2\.mod is older than mod\.pyx; rebuild", err), err


def test_import_speedlab_is_cheap():
    # The target is 50 ms; measured ~2 ms, because no kernel or numpy loads at import.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDLAB_")}
    out = subprocess.run([sys.executable, "-I", "-X", "importtime", "-c", "import speedlab"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    line = next(line for line in out.stderr.splitlines() if line.rstrip().endswith("| speedlab"))
    cumulative_us = int(line.split("|")[1])
    assert cumulative_us < 50_000, line


def test_every_manifest_pattern_matches_a_file_and_nothing_is_excluded():
    # setuptools warns for a MANIFEST.in line that matches nothing ("no files found
    # matching '*.pxd' under directory 'kernels'", "no previously-included files
    # matching '*.so'" in a clean checkout): every line must match a source file.
    manifest = ROOT / "MANIFEST.in"
    if not manifest.exists():
        pytest.skip("no MANIFEST.in beside the tests (an installed copy)")
    for line in manifest.read_text().splitlines():
        words = line.split("#")[0].split()
        if not words:
            continue
        command, *args = words
        assert command in {"include", "recursive-include", "graft"}, f"{line!r}: an exclusion warns when nothing matches"
        if command == "include":
            missing = [a for a in args if not (ROOT / a).is_file()]
            assert not missing, f"{line!r}: {missing} do not exist"
        elif command == "recursive-include":
            directory, *patterns = args
            for pattern in patterns:
                assert any(p.is_file() for p in (ROOT / directory).rglob(pattern)), f"{line!r}: nothing matches {pattern}"


def test_the_build_writes_nothing_importable_at_the_root(tmp_path):
    # A build/ folder at the root of the checkout is a namespace package: `python -m build`
    # run there says "No module named build.__main__" instead of building (or saying
    # that pypa/build is not installed). Every directory setuptools writes must avoid it.
    code = (
        "import setuptools, json\n"
        "from distutils.core import run_setup\n"
        "dist = run_setup('setup.py', stop_after='config')\n"
        "dirs = {}\n"
        "for name, attrs in (('build', ('build_base', 'build_lib', 'build_temp')), ('build_ext', ('build_temp',)),\n"
        "                    ('bdist', ('bdist_base',))):\n"
        "    cmd = dist.get_command_obj(name)\n"
        "    cmd.ensure_finalized()\n"
        "    dirs.update({f'{name}.{a}': getattr(cmd, a) for a in attrs})\n"
        "print(json.dumps(dirs))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    dirs = json.loads(out.stdout.strip().splitlines()[-1])
    for what, path in dirs.items():
        top = Path(path).parts[0]
        assert not top.isidentifier(), f"{what} = {path}: {top}/ at the root would be an importable package"


def enum_members_defined_by_a_division(text: str) -> list[str]:
    """``NAME = ... / ...`` lines inside the ``cdef enum`` blocks of a .pyx source."""
    found, in_enum = [], False
    for line in text.splitlines():
        code = line.split("#", 1)[0].rstrip()
        if not code:
            continue
        if not code[0].isspace():
            in_enum = code.startswith("cdef enum") and code.endswith(":")
            continue
        if in_enum and "=" in code and "/" in code.split("=", 1)[1]:
            found.append(code.strip())
    return found


def test_no_enum_member_is_defined_by_a_division():
    # Cython 3.3 crashes generating such a member when cdivision is off, which is
    # the debug build's setting (SPEEDLAB_DEBUG_BUILD=1, tools/sanitize.sh debug):
    # the release build compiles, the debug build does not. Write the value out.
    assert enum_members_defined_by_a_division(
        "cdef enum:\n    A = 60\n    B = A // 4  # no\n\ncdef enum Kind:\n    C = 1 / 2\n") == [
        "B = A // 4", "C = 1 / 2"]
    root = Path(__file__).resolve().parents[1] / "kernels"
    for path in sorted(root.glob("*.pyx")) + sorted((root / "lib").glob("*.pyx")):
        found = enum_members_defined_by_a_division(path.read_text())
        assert not found, f"{path.name}: {found}: write the value out (Cython 3.3, cdivision off)"


def test_signal_cost_builds_a_kernel_without_checks(tmp_path, monkeypatch):
    # tools/signal_cost.py rebuilds a kernel outside setup.py; it must find every
    # header the .pyx includes (c/, simd/, rust/), or docs/reliability.md's figure
    # of what the Ctrl-C checks cost cannot be measured.
    import importlib.util

    from speedlab import catalog

    path = ROOT / "tools" / "signal_cost.py"
    # The tool puts the checkout's src/ first on sys.path, for running it from a
    # checkout: undone after the test, or processes started later in this session
    # (Dask's workers) would import speedlab from src/, where an install has no
    # compiled modules.
    monkeypatch.setattr(sys, "path", list(sys.path))
    module_spec = importlib.util.spec_from_file_location("signal_cost", path)
    tool = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(tool)
    built = tool.build_without_checks("nbody", tmp_path)
    assert built is not None, "kernels/nbody.pyx has no CHECK_EVERY for the tool to raise"
    spec = catalog.get("nbody")
    native = spec.variant("native")
    args = spec.make_input(1000)
    assert spec.compare(native.load()(*args), getattr(built, native.target.partition(":")[2])(*args))
