"""mykernel: every variant gives the pure twin's answers and the golden outputs; bad input is refused.

The checks are those of ``speedlab verify --from DIR`` (:mod:`speedlab.verify`),
for any number of inputs. Run ``speedlab build`` on this directory first (the
compiled variants fail here until it is built), then ``python -m pytest``.
"""

from pathlib import Path

import pytest

from speedlab import verify
from speedlab.byok import load

(SPEC,) = load(Path(__file__).resolve().parent / "mykernel_spec.py", register=False)


@pytest.fixture(scope="module")
def expected():
    return verify.reference_results(SPEC)


@pytest.mark.parametrize("variant", SPEC.variant_names)
def test_variant_agrees_with_the_pure_twin_and_the_golden_outputs(variant, expected):
    v = SPEC.variant(variant)
    if v.optional and not v.available():
        pytest.skip(v.missing_reason())
    assert verify.check_variant(SPEC, v, expected) == []


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
