"""Bad input is refused in Python, with a message naming the argument, for every variant."""

import pytest


def test_bad_inputs_are_refused(impl):
    api = impl.spec.public_function()
    for args, exc_type in impl.spec.bad_inputs:
        with pytest.raises(exc_type) as info:
            api(*args, impl=impl.variant.name)
        assert str(info.value), f"{args!r}: empty message"


def test_unknown_impl(spec):
    api = spec.public_function()
    args = spec.make_input(spec.sizes.test)
    with pytest.raises(ValueError, match="no variant 'nosuch'"):
        api(*args, impl="nosuch")
    with pytest.raises(TypeError, match="impl"):
        api(*args, impl=3)


def test_nbody_messages_name_the_argument():
    from speedlab import nbody

    with pytest.raises(ValueError, match="steps must be >= 0"):
        nbody.energies(-1)
    with pytest.raises(TypeError, match="steps must be an integer, not str"):
        nbody.energies("x")
    with pytest.raises(TypeError, match="not float"):
        nbody.energies(2.5)
    with pytest.raises(ValueError, match="steps must be <="):
        nbody.energies(2**31)
