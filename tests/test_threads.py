"""Threaded variants give the same result for every thread count (catalog-driven)."""

import pytest

from speedlab import catalog

THREADED = [pytest.param(spec, v, id=f"{spec.name}-{v.name}")
            for spec in catalog.kernels() for v in spec.variants if v.threads]


@pytest.mark.native
@pytest.mark.parametrize("spec, variant", THREADED)
def test_same_result_for_every_thread_count(spec, variant):
    fn = variant.load()
    reference = spec.variant("python").load()
    for n in spec.sample_sizes[-2:]:
        args = spec.make_input(n)
        want = reference(*args)
        for threads in (1, 2, 3, 8):
            assert spec.compare(want, fn(*args, n_threads=threads)), (n, threads)


@pytest.mark.parametrize("spec, variant", THREADED)
def test_n_threads_is_validated(spec, variant):
    api = spec.public_function()
    args = spec.make_input(spec.sizes.test)
    with pytest.raises(ValueError, match="n_threads must be >= 1"):
        api(*args, impl=variant.name, n_threads=0)
    with pytest.raises(TypeError, match="n_threads must be an integer"):
        api(*args, impl=variant.name, n_threads=1.5)
    with pytest.raises(ValueError, match="n_threads applies only"):
        api(*args, impl="python", n_threads=2)
