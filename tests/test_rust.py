"""The rust references: the panic boundary, the build record, and builds without a toolchain.

Results, fuzzing, bad inputs, threads and Ctrl-C are covered for every ``rust``
variant by the catalog-driven tests; this file checks what is Rust's own:

* a panic inside Rust is caught at the C ABI (``catch_unwind``) and becomes a
  RuntimeError naming the kernel, in every module that links the crate, and the
  interpreter goes on (the next call returns the right result);
* the build record says how the crate was compiled, matching the C build;
* a build with no cargo records the reason and leaves the variants out, and
  ``SPEEDLAB_REQUIRE_RUST=1`` turns that into a failed build with one clear line.
"""

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from speedlab import _buildtools as bt
from speedlab import catalog
from speedlab.bench.environment import build_info

ROOT = Path(__file__).resolve().parents[1]

RUST_VARIANTS = [(spec, v) for spec in catalog.kernels() for v in spec.variants if v.name == "rust"]


def _built_or_skip(variant):
    if variant.available():
        return
    reason = variant.missing_reason()
    if bt.required("rust"):
        pytest.fail(f"{bt.require_variable('rust')}=1 but {reason}")
    pytest.skip(reason)


#: Kernels whose c reference has no rust twin yet, and what is left to do. Shrinks to empty.
PENDING: dict[str, str] = {}


def test_every_c_reference_has_a_rust_reference():
    with_c = {spec.name for spec in catalog.kernels() if "c" in spec.variant_names}
    with_rust = {spec.name for spec, _ in RUST_VARIANTS}
    assert set(PENDING) <= with_c and not set(PENDING) & with_rust, "PENDING is out of date"
    assert with_rust == with_c - set(PENDING), f"no rust reference for {sorted(with_c - with_rust - set(PENDING))}"
    for spec, v in RUST_VARIANTS:
        assert v.feature == "rust" and v.optional
        assert Path(ROOT, "kernels", "rust", "src", f"{spec.name}.rs").exists()


@pytest.mark.native
@pytest.mark.parametrize("spec, variant", RUST_VARIANTS, ids=[s.name for s, _ in RUST_VARIANTS])
def test_a_panic_becomes_an_exception_naming_the_kernel(spec, variant):
    _built_or_skip(variant)
    module = importlib.import_module(variant.module)
    # how=0: a slice index out of bounds (the check safe Rust keeps); how=1: panic!().
    with pytest.raises(RuntimeError, match=rf"^{spec.name}: the rust reference panicked: index out of bounds"):
        module._rust_panic(0)
    with pytest.raises(RuntimeError, match=rf"^{spec.name}: the rust reference panicked: forced panic"):
        module._rust_panic(1)
    # The interpreter and the module are still fine: a real call still agrees with python.
    args = spec.make_input(spec.sizes.test)
    want = spec.variant("python").load()(*args)
    assert spec.compare(want, variant.load()(*args))


@pytest.mark.native
def test_a_panic_in_a_fresh_interpreter_does_not_abort():
    # In a child process, so an abort (a panic crossing into C) would show as a
    # signal exit code here rather than kill the test run.
    if not RUST_VARIANTS:
        pytest.skip("no rust variants")
    spec, variant = RUST_VARIANTS[0]
    _built_or_skip(variant)
    code = (f"import {variant.module} as m\n"
            "try:\n    m._rust_panic(0)\nexcept RuntimeError as e:\n    print('caught:', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "RUST_BACKTRACE": "0"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"caught: {spec.name}: the rust reference panicked")


def test_build_record_says_how_rust_was_built():
    info = build_info()
    assert info is not None
    feature = (info.get("features") or {}).get("rust")
    assert feature is not None, "the build did not record the rust feature"
    if not feature["built"]:
        assert feature["reason"] and info.get("rust") is None
        assert not bt.required("rust"), f"SPEEDLAB_REQUIRE_RUST=1 but {feature['reason']}"
        return
    rust = info["rust"]
    assert rust["rustc"].startswith("rustc ")
    assert rust["settings"]["panic"] == "unwind"  # catch_unwind needs it
    if info["debug"]:
        assert rust["profile"] == "dev" and rust["settings"]["opt-level"] == "0"
    else:
        # Matches the C release build: -O3, one unit per file, no -march unless asked.
        assert rust["profile"] == "release"
        assert rust["settings"]["opt-level"] == "3" and rust["settings"]["codegen-units"] == "1"
    assert ("-C" in rust["rustflags"] and "target-cpu=native" in rust["rustflags"]) == info["native_arch"]
    assert set(info["rust_kernels"]) == {spec.name for spec, _ in RUST_VARIANTS}


def test_info_prints_the_rust_flags_beside_the_c_flags():
    out = subprocess.run([sys.executable, "-m", "speedlab", "info"], capture_output=True, text=True, timeout=120)
    lines = out.stdout.splitlines()
    flags = next(i for i, line in enumerate(lines) if line.startswith("flags: "))
    rust = next(i for i, line in enumerate(lines) if line.startswith("Rust: "))
    assert 0 < rust - flags <= 2, out.stdout
    assert ("opt-level=" in lines[rust]) or ("NOT BUILT" in lines[rust])


def _path_without_cargo():
    dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if d and not Path(d, "cargo").exists() and not Path(d, "cargo.exe").exists()]
    return os.pathsep.join(dirs)


def test_toolchain_probe_without_cargo(monkeypatch):
    monkeypatch.setenv("PATH", _path_without_cargo())
    monkeypatch.delenv("CARGO", raising=False)
    toolchain, why = bt.rust_toolchain()
    assert toolchain is None and why == "cargo not found on PATH"
    monkeypatch.setenv("CARGO", str(ROOT / "no-such-cargo"))
    toolchain, why = bt.rust_toolchain()
    assert toolchain is None and why.startswith("`cargo --version` failed")


def test_native_static_libs_are_parsed():
    out = "note: native-static-libs: -lgcc_s -lutil -lpthread -lm -ldl -lc\n"
    assert bt.native_static_libs("warning: x\n" + out) == ["-lgcc_s", "-lutil", "-lpthread", "-lm", "-ldl", "-lc"]
    assert bt.native_static_libs("nothing here") == []


def _setup_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPEEDLAB_", "CARGO", "RUSTC"))}
    env["PATH"] = _path_without_cargo()
    env.update(extra)
    return env


@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
def test_required_rust_without_cargo_fails_the_build_in_one_line(tmp_path):
    # Fails at the probe, before Cython or the compiler run: nothing is written to the tree.
    out = subprocess.run(
        [sys.executable, "setup.py", "build_ext", "--build-temp", str(tmp_path / "t"),
         "--build-lib", str(tmp_path / "l")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=_setup_env(SPEEDLAB_REQUIRE_RUST="1"))
    assert out.returncode != 0
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: SPEEDLAB_REQUIRE_RUST=1 but the rust references cannot be built: "
                      "cargo not found on PATH"], out.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
def test_build_without_cargo_records_the_reason_and_leaves_rust_out(tmp_path):
    # A real build of a one-kernel tree (nbody) with no cargo on PATH.
    tree = tmp_path / "tree"
    for rel in ("setup.py", "kernels/nbody.pyx", "kernels/rust_abi.pxd", "kernels/c", "kernels/simd",
                "kernels/rust", "src/speedlab", "pyproject.toml", "README.md", "LICENSE", "LICENSES"):
        src, dst = ROOT / rel, tree / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__", "_*.json"))
        else:
            shutil.copy2(src, dst)
    for pure in (tree / "src/speedlab/pure").glob("*.py"):
        if pure.stem not in ("__init__", "nbody"):
            pure.unlink()
    out = subprocess.run([sys.executable, "setup.py", "build_ext", "-j", "2"], cwd=tree,
                         capture_output=True, text=True, timeout=900, env=_setup_env())
    assert out.returncode == 0, out.stderr[-3000:]
    assert "rustc and cargo" in out.stderr and "not built: cargo not found on PATH" in out.stderr
    lib = next((tree / ".build").glob("lib.*"))  # setup.py's build_base
    info = json.loads((lib / "speedlab/_native" / bt.BUILD_INFO).read_text())
    assert info["features"]["rust"] == {"built": False, "reason": "cargo not found on PATH"}
    assert info["rust"] is None
    # The module imports, keeps its c reference, and has no rust entry point.
    so = next((lib / "speedlab/_native").glob("nbody.*"))
    probe = ("import importlib.util as u, sys\n"
             f"s = u.spec_from_file_location('speedlab._native.nbody', {str(so)!r})\n"
             "m = u.module_from_spec(s); s.loader.exec_module(m)\n"
             "print(hasattr(m, 'energies_rust'), hasattr(m, 'energies_c'), m.energies_c(1000))\n")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("False True (-0.1690751638"), run.stdout
