"""mykernel: every variant gives the pure twin's answer; bad input is refused.

Run ``speedlab build`` on this directory first (the compiled variants fail here
until it is built), then ``python -m pytest``.
"""

from pathlib import Path

import pytest

from speedlab.byok import load

(SPEC,) = load(Path(__file__).resolve().parent / "mykernel_spec.py", register=False)


@pytest.mark.parametrize("variant", SPEC.variant_names)
def test_variant_agrees_with_the_pure_twin(variant):
    reference = SPEC.variant("python").load()
    candidate = SPEC.variant(variant).load()
    for n in SPEC.sample_sizes:
        (data,) = SPEC.make_input(n)
        assert SPEC.compare(reference(data), candidate(data)), f"n={n}"


@pytest.mark.parametrize("args, error", SPEC.bad_inputs)
def test_bad_input_is_refused(args, error):
    with pytest.raises(error):
        SPEC.public_function()(*args)


@pytest.mark.skipif(SPEC.split is None, reason="the spec declares no split")
@pytest.mark.parametrize("parts", [1, 2, 3, 7, 1000])
def test_split_combines_to_one_call(parts):
    # combine(map(mykernel, split(x, P))) == mykernel(x); a P the input cannot give
    # is refused (TooManyParts) and the most it allows is checked instead.
    from speedlab.parts import verify

    for n in SPEC.sample_sizes:
        _, problems = verify(SPEC, SPEC.make_input(n), (parts,))
        assert not problems, (n, problems)
