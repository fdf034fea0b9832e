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


@pytest.mark.native
def test_knucleotide_parallel_over_several_rounds():
    """knucleotide's parallel rung across round boundaries, on whole big tables and on shards.

    A round is 2**22 windows per thread, so a record THREE of 13 M bases takes
    two rounds on 3 threads (each big table split into two shards) and four on 2
    (each big table one task). It repeats the 18-base fragment, so the 12- and
    18-mer fragments occur every 18 windows, among them the windows that cross
    each round's edge: a window lost or counted twice there changes a count.
    """
    from speedlab._native import knucleotide as native_module

    bases = b"GGTATTTTAATTTATAGT" * (13_000_000 // 18)
    lines = b"\n".join(bases[i:i + 60] for i in range(0, len(bases), 60))
    data = b">ONE\nACGT\n>THREE\n" + lines + b"\n"
    want = native_module.knucleotide_native(data)
    assert want[2][-1] == (len(bases) // 18, "GGTATTTTAATTTATAGT")
    for n_threads in (2, 3):
        assert native_module.knucleotide_parallel(data, n_threads) == want, n_threads
