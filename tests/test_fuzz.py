"""Differential fuzzing: random valid inputs, every variant, the same answer as ``python``.

For each kernel, hypothesis draws a seed; ``spec.random_args(random.Random(seed))``
turns it into random *valid* arguments (sizes, keys, byte strings, FASTA texts:
whatever the kernel takes), and every variant of the kernel is called on them
through the public function. Each must return the type ``python`` returns and a
value ``spec.compare`` accepts (exact, or the kernel's written float rule).
Threaded variants also get a random ``n_threads`` in 1..4 per example.

Drawing one seed and comparing all variants on it keeps one example cheap, so the
default profile runs 200 examples per kernel in CI; ``--hypothesis-profile=thorough``
runs 2,000 (profiles are registered in conftest.py). A failure prints the seed,
and ``@reproduce_failure`` replays it.

Optional and peer variants are left out only when they are not installed; an
unbuilt compiled variant fails loudly, like everywhere else in the suite.

Kernels that split get the same treatment for their split: a random input, a
random part count, and combine(map(part, split(x, P))) must equal one call.
"""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from speedlab import parts
from speedlab.spec import KernelSpec

#: Thread counts drawn for threaded variants: 1 (no threads) up to oversubscribing
#: the 2-core CI machines twice over.
THREADS = st.integers(min_value=1, max_value=4)


def variants_to_fuzz(spec: KernelSpec):
    """Every variant but ``python``, minus optional ones that are not installed."""
    return [v for v in spec.variants
            if v.name != "python" and not (v.optional and not v.available())]


def check_example(spec: KernelSpec, seed: int, draw_threads) -> None:
    api = spec.public_function()
    args = spec.random_args(random.Random(seed))
    want = api(*args, impl="python")
    for variant in variants_to_fuzz(spec):
        kwargs = {"impl": variant.name}
        if variant.threads:
            kwargs["n_threads"] = draw_threads()
        got = api(*args, **kwargs)
        where = f"{spec.name}/{variant.name} seed={seed} {kwargs}"
        assert type(got) is type(want), (
            f"{where}: returns {type(got).__name__}, python returns {type(want).__name__}")
        assert spec.compare(want, got), f"{where}: {got!r:.200} != python's {want!r:.200}"


def test_fuzz_every_variant_agrees_with_python(spec):
    examples = []

    @given(seed=st.integers(min_value=0, max_value=2**64 - 1), data=st.data())
    def run(seed, data):
        examples.append(seed)
        check_example(spec, seed, lambda: data.draw(THREADS, label="n_threads"))

    run()
    # The figure the reliability report quotes: every example really ran.
    assert len(examples) >= settings().max_examples


@pytest.fixture(params=[pytest.param(s, id=s.name) for s in parts.splittable()])
def split_spec(request) -> KernelSpec:
    return request.param


def test_fuzz_split_combines_to_one_call(split_spec):
    # Random valid input, random part count (past the input's limit too: then the
    # most it allows): combine(map(part, split(x, P))) must be the kernel's result.
    api = split_spec.public_function()
    examples = []

    @given(seed=st.integers(min_value=0, max_value=2**64 - 1), count=st.integers(min_value=1, max_value=64))
    def run(seed, count):
        examples.append(seed)
        args = split_spec.random_args(random.Random(seed))
        try:
            got = parts.run(split_spec, args, count)
        except parts.TooManyParts as exc:
            count = exc.limit
            got = parts.run(split_spec, args, count)
        want = api(*args)
        where = f"{split_spec.name} seed={seed} parts={count}"
        assert type(got) is type(want), f"{where}: {type(got).__name__} != {type(want).__name__}"
        assert split_spec.compare(want, got), f"{where}: {got!r:.200} != one call's {want!r:.200}"

    run()
    assert len(examples) >= settings().max_examples


def test_random_args_are_deterministic_and_valid(spec):
    # The fuzzer's replay depends on it: one seed, one input.
    first = spec.random_args(random.Random(1234))
    again = spec.random_args(random.Random(1234))
    assert first == again
    assert isinstance(first, tuple)
