"""The simd rung: every vector path gives native's result, and a missing path is refused.

Each kernel with a ``simd`` variant is run on every path this CPU supports
(``speedlab._simd.forced``), at its sample sizes and its golden size, for the
``simd`` and ``parallel`` variants (``parallel`` is built on ``simd``), and
compared with ``native`` by the kernel's own rule. Paths the CPU lacks cannot
run here; asking for one must fail with a clear error before any vector code.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from speedlab import _simd, catalog

SIMD_SPECS = [s for s in catalog.kernels() if "simd" in s.variant_names]
PATHS = _simd.supported()


def _args(spec):
    sizes = sorted({n for n in spec.sample_sizes} | set(spec.oracles))
    if sizes:
        return [spec.make_input(n) for n in sizes]
    return [spec.random_args(__import__("random").Random(seed)) for seed in range(5)]


@pytest.mark.native
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("spec", SIMD_SPECS, ids=lambda s: s.name)
def test_every_path_matches_native(spec, path):
    native = spec.variant("native").load()
    variants = [spec.variant("simd")]
    if "parallel" in spec.variant_names:
        variants.append(spec.variant("parallel"))
    with _simd.forced(path):
        for args in _args(spec):
            expected = native(*args)
            for variant in variants:
                fn = variant.load()
                got = fn(*args, n_threads=2) if variant.threads else fn(*args)
                assert spec.compare(expected, got), (spec.name, variant.name, path, args[:1])


def test_the_widest_supported_path_is_the_default(monkeypatch):
    monkeypatch.delenv(_simd.ENV, raising=False)
    monkeypatch.setattr(_simd, "_cached", None)
    assert _simd.path() == next(p for p in ("avx512", "avx2", "neon", "sse2", "scalar") if p in PATHS)
    assert set(_simd.supported()) <= set(_simd.built()) & set(_simd.cpu())


def test_a_path_that_cannot_run_is_refused():
    missing = [p for p in _simd.PATHS if p not in PATHS]
    assert missing, "every path supported: x86-64 has no neon, arm64 no avx2"
    with pytest.raises(_simd.SimdUnavailable, match=f"SPEEDLAB_SIMD={missing[0]}: .*this CPU and build run"):
        with _simd.forced(missing[0]):
            pass
    with pytest.raises(ValueError, match="SPEEDLAB_SIMD must be auto or one of"):
        with _simd.forced("sse9"):
            pass


@pytest.mark.native
@pytest.mark.parametrize("spec", SIMD_SPECS, ids=lambda s: s.name)
def test_cli_refuses_a_missing_path_in_one_line(spec):
    missing = next(p for p in _simd.PATHS if p not in PATHS)
    env = dict(os.environ, SPEEDLAB_SIMD=missing)
    n = min(spec.oracles) if spec.oracles else spec.sizes.test
    proc = subprocess.run([sys.executable, "-m", "speedlab", "run", spec.name, str(n), "--impl", "simd"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and f"SPEEDLAB_SIMD={missing}" in proc.stderr


@pytest.mark.native
@pytest.mark.parametrize("path", PATHS)
def test_forced_path_through_the_environment(path):
    spec = next((s for s in SIMD_SPECS if s.oracles), None)
    if spec is None:
        pytest.skip("no simd kernel with a golden output yet")
    n, filename = sorted(spec.oracles.items())[0]
    env = dict(os.environ, SPEEDLAB_SIMD=path)
    proc = subprocess.run([sys.executable, "-m", "speedlab", "run", spec.name, str(n), "--impl", "simd"],
                          env=env, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    from conftest import golden

    assert proc.stdout == golden(filename)
