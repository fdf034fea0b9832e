"""One fixture, every implementation: tests are parametrised over the catalog.

``impl`` yields an :class:`Impl` for every (kernel, variant) pair in the catalog,
with readable ids (``nbody-native``). Compiled variants carry the ``native`` mark;
``pytest --no-native`` deselects them (for checking the pure twins alone).
Test bodies never import an implementation directly: they call ``impl.load()``.

An unbuilt compiled variant is not skipped: its tests fail, loudly.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from speedlab import catalog
from speedlab._buildtools import require_variable, required
from speedlab.spec import KernelSpec, Variant

ROOT = Path(__file__).resolve().parents[1]
SHARED_ORACLES = ROOT.parent / "shared" / "oracles"


@dataclass(frozen=True)
class Impl:
    """One variant of one kernel, as the tests see it."""

    spec: KernelSpec
    variant: Variant

    @property
    def id(self) -> str:
        return f"{self.spec.name}-{self.variant.name}"

    def load(self):
        return self.variant.load()


def all_impls() -> list[Impl]:
    return [Impl(spec, v) for spec in catalog.kernels() for v in spec.variants]


def _param(item: Impl):
    marks = [pytest.mark.native] if item.variant.compiled else []
    return pytest.param(item, id=item.id, marks=marks)


def pytest_addoption(parser):
    parser.addoption("--no-native", action="store_true",
                     help="deselect tests of compiled variants (native mark)")


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--no-native"):
        return
    kept = [item for item in items if "native" not in item.keywords]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept


def native_variants(spec: KernelSpec) -> list[Variant]:
    """The variants built from ``kernels/NAME.pyx`` (typed, native, parallel, c, extras).

    Optional ones are left out only when they are not installed.
    """
    return [v for v in spec.variants if v.module.startswith("speedlab._native.")
            and not (v.optional and not v.available())]


def native_callables(spec: KernelSpec) -> list[tuple[str, object]]:
    """``(name, fn)`` for each of :func:`native_variants`, and for revcomp also its
    public in-place entry points (``inplace-native``, ``inplace-simd``,
    ``inplace-parallel``), each wrapped to take the variants' argument and return
    theirs: it copies the input into a buffer it keeps (per thread and length, so
    that the call itself needs no new memory), reverses that in place and returns
    a copy as ``bytes``."""
    found = [(v.name, v.load()) for v in native_variants(spec)]
    if spec.name == "revcomp":
        from speedlab import revcomp
        from speedlab._native import revcomp as native

        found += [(f"inplace-{impl}", _in_a_kept_buffer(getattr(native, entry)))
                  for impl, entry in revcomp.INPLACE.items()]
    return found


def _in_a_kept_buffer(reverse_in_place):
    kept = threading.local()

    def call(data):
        buffers = kept.__dict__.setdefault("buffers", {})
        buf = buffers.get(len(data))
        if buf is None:
            buf = buffers[len(data)] = bytearray(len(data))
        buf[:] = data  # same length: no new memory
        reverse_in_place(buf)
        return bytes(buf)

    return call


def small_args(spec: KernelSpec) -> tuple:
    """A small, non-trivial input: every code path runs and each call is cheap.

    The smallest positive sample size; for a kernel whose sample sizes are all
    0 (chacha20: its n is MiB), a fixed draw of its random valid inputs (seed 11
    draws a 3,705-byte chacha20 message: 58 blocks, the last one partial).
    """
    sizes = [s for s in spec.sample_sizes if s > 0]
    if sizes:
        return spec.make_input(min(sizes))
    if spec.random_input is not None:
        return spec.random_args(random.Random(11))
    return spec.make_input(spec.sizes.test)


def _present(item: Impl) -> Impl:
    # An optional peer (Numba, cryptography...) is never a dependency: absent, its
    # tests have nothing to run. A missing *compiled* variant still fails loudly,
    # and so does a missing optional feature (PCRE2, GMP, Rust) that
    # SPEEDLAB_REQUIRE_<FEATURE>=1 makes mandatory (CI sets them all).
    variant = item.variant
    if variant.optional and not variant.available():
        if variant.feature is not None:
            reason = variant.missing_reason()
            if required(variant.feature):
                pytest.fail(f"{item.id}: {require_variable(variant.feature)}=1 but {reason}")
            pytest.skip(f"{item.id}: {reason}")
        pytest.skip(f"optional {variant.kind} {item.id} is not installed")
    return item


@pytest.fixture(params=[_param(i) for i in all_impls()])
def impl(request) -> Impl:
    return _present(request.param)


@pytest.fixture(params=[_param(i) for i in all_impls() if i.spec.oracles])
def golden_impl(request) -> Impl:
    """Like ``impl``, for the kernels with canonical program outputs."""
    return _present(request.param)


@pytest.fixture(params=[pytest.param(s, id=s.name) for s in catalog.kernels()])
def spec(request) -> KernelSpec:
    return request.param


def golden(filename: str) -> bytes:
    """A canonical output: from ../shared/oracles when present, else the packaged copy."""
    path = SHARED_ORACLES / filename
    if path.exists():
        return path.read_bytes()
    return catalog.oracle_path(filename).read_bytes()


# -- hypothesis profiles (the differential fuzzing in test_fuzz.py) ------------
# ``default`` keeps CI fast: 200 examples per kernel, each comparing every variant
# on one random input. ``--hypothesis-profile=thorough`` runs ten times as many.
# NOTE: deadline=None because one example runs every rung of a kernel, python
# included, so its duration depends on the kernel, not on a regression.
from hypothesis import HealthCheck, settings  # noqa: E402

_FUZZ = dict(deadline=None, derandomize=False, print_blob=True,
             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("default", max_examples=200, **_FUZZ)
settings.register_profile("thorough", max_examples=2000, **_FUZZ)
settings.load_profile("default")  # --hypothesis-profile=NAME overrides this in pytest_configure
