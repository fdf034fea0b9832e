"""Threaded variants: the same result for every thread count, and n_threads validated.

Catalog-driven: every variant declared with ``threads=True`` is run at each of its
kernel's sample sizes on 1, 2 and 3 threads (3 is more threads than this 2-core
machine has, which OpenMP must still handle), and must match the pure twin
exactly -- not just within the kernel's tolerance, since a row, a tree or a range
of permutations is always computed by one thread in the same order.
"""

import pytest

from speedlab import catalog

THREADED = [
    pytest.param(spec, v, id=f"{spec.name}-{v.name}", marks=pytest.mark.native)
    for spec in catalog.kernels()
    for v in spec.variants
    if v.threads
]


@pytest.mark.parametrize(("spec", "variant"), THREADED)
def test_same_result_for_every_thread_count(spec, variant):
    fn = variant.load()
    native = spec.variant("native").load()
    sizes = spec.sample_sizes or (spec.sizes.test,)
    for n in sizes:
        args = spec.make_input(n)
        want = native(*args)
        for n_threads in (1, 2, 3):
            got = fn(*args, n_threads=n_threads)
            assert got == want, f"n={n}, n_threads={n_threads}: {got!r:.80} != {want!r:.80}"
        assert fn(*args) == want, f"n={n}, n_threads=None"


@pytest.mark.parametrize(("spec", "variant"), THREADED)
def test_public_function_validates_n_threads(spec, variant):
    api = spec.public_function()
    args = spec.make_input(spec.sample_sizes[0] if spec.sample_sizes else 1)
    for bad, exc_type in ((0, ValueError), (-1, ValueError), (2**40, ValueError),
                          ("2", TypeError), (2.0, TypeError), (True, TypeError)):
        with pytest.raises(exc_type, match="n_threads"):
            api(*args, impl=variant.name, n_threads=bad)
    with pytest.raises(ValueError, match="n_threads applies only"):
        api(*args, impl="native", n_threads=2)
    assert spec.compare(api(*args, impl="python"), api(*args, impl=variant.name, n_threads=2))
