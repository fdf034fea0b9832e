"""Every variant reproduces the canonical outputs and agrees with the pure twin."""

from conftest import golden


def test_golden_outputs(golden_impl):
    # chacha20 has no program output to compare: its RFC 8439 vectors are checked
    # for every variant in test_chacha20.py.
    spec = golden_impl.spec
    fn = golden_impl.load()
    for n, filename in spec.oracles.items():
        assert spec.render(fn(*spec.make_input(n)), n) == golden(filename), f"n={n}"


def test_agrees_with_python(impl):
    spec = impl.spec
    reference = spec.variant("python").load()
    fn = impl.load()
    for n in spec.sample_sizes:
        args = spec.make_input(n)
        want, got = reference(*args), fn(*args)
        assert type(got) is type(want), f"n={n}: returns {type(got).__name__}, python returns {type(want).__name__}"
        assert spec.compare(want, got), f"n={n}: {got!r} != {want!r}"


def test_public_function_runs_every_variant(impl):
    spec = impl.spec
    api = spec.public_function()
    n = spec.sample_sizes[-1] if spec.sample_sizes else spec.sizes.test
    args = spec.make_input(n)
    want = spec.variant("python").load()(*args)
    assert spec.compare(want, api(*args, impl=impl.variant.name))
