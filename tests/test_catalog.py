"""The catalog is well formed, and the build matches it."""

import importlib

import pytest

from conftest import SHARED_ORACLES
from speedlab import catalog
from speedlab.spec import RUNGS, KernelSpec, Sizes, Variant


def test_every_kernel_has_the_core_rungs(spec):
    names = spec.variant_names
    for rung in ("python", "compiled", "typed", "native"):
        assert rung in names, f"{spec.name} lacks the {rung} rung"
    assert ("parallel" in names) != bool(spec.no_parallel)


def test_one_name_everywhere(spec):
    python = spec.variant("python")
    assert python.target.startswith(f"speedlab.pure.{spec.name}:")
    assert spec.variant("compiled").module == f"speedlab._compiled.{spec.name}"
    assert spec.variant("native").module == f"speedlab._native.{spec.name}"
    assert spec.api.startswith(f"speedlab.{spec.name}:")


def test_sizes_are_ordered(spec):
    s = spec.sizes
    assert 0 < s.test <= s.quick <= s.full
    assert spec.work(s.quick) > 0


COMPILED_MODULES = sorted({v.module for s in catalog.kernels() for v in s.variants if v.compiled})


@pytest.mark.native
@pytest.mark.parametrize("name", COMPILED_MODULES)
def test_compiled_modules_have_full_dotted_names(name):
    module = importlib.import_module(name)
    assert module.__name__ == name
    assert module.__file__.endswith((".so", ".pyd")), f"{name} is not compiled: {module.__file__}"


def test_packaged_oracles_match_shared(spec):
    if not SHARED_ORACLES.exists():
        pytest.skip("../shared/oracles is not beside this checkout")
    for filename in spec.oracles.values():
        assert catalog.oracle_path(filename).read_bytes() == (SHARED_ORACLES / filename).read_bytes()


def test_get_unknown_kernel_lists_the_valid_ones():
    with pytest.raises(ValueError, match="valid: .*nbody"):
        catalog.get("nosuch")
    with pytest.raises(TypeError):
        catalog.get(3)


def test_unknown_variant_lists_the_valid_ones(spec):
    with pytest.raises(ValueError, match="valid: python"):
        spec.variant("nosuch")


def test_register_refuses_duplicates_and_non_specs():
    nbody = catalog.get("nbody")
    with pytest.raises(ValueError, match="already registered"):
        catalog.register(nbody)
    with pytest.raises(TypeError):
        catalog.register("nbody")


def test_spec_requires_python_and_a_parallel_reason():
    common = dict(summary="", api="m:f", make_input=lambda n: (n,), sizes=Sizes(1, 1, 1),
                  unit="x", work=float, render=lambda r, n: b"")
    with pytest.raises(ValueError, match="python"):
        KernelSpec(name="k", variants=(Variant("native", "m:f"),), no_parallel="x", **common)
    with pytest.raises(ValueError, match="no_parallel"):
        KernelSpec(name="k", variants=(Variant("python", "m:f"),), **common)
    with pytest.raises(ValueError, match="duplicate"):
        KernelSpec(name="k", variants=(Variant("python", "m:f"),) * 2, no_parallel="x", **common)


def test_rung_order_is_the_ladder():
    assert RUNGS == ("python", "compiled", "typed", "native", "simd", "parallel")
