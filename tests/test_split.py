"""Splits: combine(map(part, split(x, P))) is the kernel's result, for every kernel that splits.

Driven by ``speedlab.parts.splittable()`` (the catalog's kernels with a split, plus
nbody's ensemble), in one thread: what Dask runs elsewhere is checked here without
Dask. The random inputs and part counts are in test_fuzz.py.
"""

import dataclasses
import random

import pytest

from speedlab import catalog, parts
from speedlab.spec import KernelSpec, Round, Sizes, Variant

SPLITS = parts.splittable()


@pytest.fixture(params=[pytest.param(s, id=s.name) for s in SPLITS])
def split_spec(request) -> KernelSpec:
    return request.param


def part_impls(spec):
    """The implementations a kernel's parts can run: the part function's, or the kernel's compiled and pure."""
    if spec.part:
        return list(spec.part_function().impls)
    return ["python", "native"]


def test_every_builtin_kernel_splits_or_says_why():
    for spec in catalog.builtin_kernels():
        assert (spec.split is not None) != bool(spec.no_split), spec.name
    names = {s.name for s in SPLITS}
    assert {"chacha20", "mandelbrot", "knucleotide", "fasta", "revcomp", "fannkuchredux",
            "binarytrees", "spectralnorm", "nbody-ensemble"} <= names
    assert not {"pidigits", "regexredux", "nbody"} & names


def test_split_is_exact_at_the_test_size(split_spec):
    checked, problems = parts.verify(split_spec, split_spec.make_input(split_spec.sizes.test))
    assert not problems
    assert 1 in checked and len(checked) >= 3, checked


def test_split_is_exact_at_every_sample_size(split_spec):
    for n in split_spec.sample_sizes:
        _, problems = parts.verify(split_spec, split_spec.make_input(n), (1, 2, 5, 64))
        assert not problems, (n, problems)


def test_every_part_implementation_gives_the_same_parts(split_spec):
    # The python/compiled parts against the native ones, part by part, on a random input.
    args = split_spec.random_args(random.Random(5))
    fn = split_spec.part_function()
    limit = 3
    try:
        part_args = split_spec.split(args, limit)
    except parts.TooManyParts as exc:
        part_args = split_spec.split(args, exc.limit)
    for impl in part_impls(split_spec):
        for a in part_args:
            want, got = fn(*a, impl="native"), fn(*a, impl=impl)
            assert type(got) is type(want), impl
            if split_spec.name == "spectralnorm":  # pure sum() may round differently on 3.12+
                assert all(abs(x - y) < 1e-12 for x, y in zip(want, got)), impl
            else:
                assert got == want, (impl, a[1:])


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError), (True, TypeError),
                                        ("2", TypeError), (2.0, TypeError), (None, TypeError)])
def test_bad_part_counts_are_refused(split_spec, bad, error):
    with pytest.raises(error, match="parts"):
        split_spec.split(split_spec.make_input(split_spec.sizes.test), bad)


def test_too_many_parts_names_the_limit_and_the_limit_works(split_spec):
    args = split_spec.make_input(split_spec.sizes.test)
    with pytest.raises(parts.TooManyParts, match="parts must be <=") as info:
        split_spec.split(args, parts.MAX_PARTS)
    limit = info.value.limit
    assert isinstance(info.value, ValueError) and limit >= 1
    assert len(split_spec.split(args, limit)) == limit
    with pytest.raises(parts.TooManyParts):
        split_spec.split(args, limit + 1)


def test_split_validates_the_input_as_the_kernel_does(split_spec):
    # Every bad call the kernel refuses, its split refuses with the same kind of error,
    # before any part could be started.
    for args, error in split_spec.bad_inputs:
        with pytest.raises(error):
            split_spec.split(args, 2)


@pytest.mark.parametrize("call, error", [
    (lambda: __import__("speedlab").mandelbrot.rows(10, 5, 4), ValueError),
    (lambda: __import__("speedlab").mandelbrot.rows(10, 0, 11), ValueError),
    (lambda: __import__("speedlab").mandelbrot.rows(10, 0, 2, impl="parallel"), ValueError),
    (lambda: __import__("speedlab").mandelbrot.rows(10, 0, 2, impl=3), TypeError),
    (lambda: __import__("speedlab").fasta.segment(10, 0, 10**9), ValueError),
    (lambda: __import__("speedlab").fasta.segment(10, -1, 3), ValueError),
    (lambda: __import__("speedlab").knucleotide.window_counts(b"ACGN", 2), ValueError),
    (lambda: __import__("speedlab").knucleotide.window_counts(b"ACGT", 5), ValueError),
    (lambda: __import__("speedlab").knucleotide.window_counts("ACGT", 1), TypeError),
    (lambda: __import__("speedlab").fannkuchredux.block(5, 0, 121), ValueError),
    (lambda: __import__("speedlab").fannkuchredux.block(17, 0, 1), ValueError),
    (lambda: __import__("speedlab").binarytrees.trees([(40, 1)]), ValueError),
    (lambda: __import__("speedlab").binarytrees.trees([(4,)]), TypeError),
    (lambda: __import__("speedlab").binarytrees.trees(7), TypeError),
    (lambda: __import__("speedlab").spectralnorm.product_rows([1.0, 2.0], 0, 1), TypeError),
    (lambda: __import__("speedlab").spectralnorm.product_rows(bytes(16), 0, 1), TypeError),
    (lambda: __import__("array").array("d") and None or
     __import__("speedlab").spectralnorm.product_rows(__import__("array").array("d"), 0, 0), ValueError),
    (lambda: __import__("speedlab").spectralnorm.product_rows(
        __import__("array").array("d", [1.0, 2.0]), 0, 1, transpose=1), TypeError),
    (lambda: __import__("speedlab").spectralnorm.product_rows(
        __import__("numpy").ones(8)[::2], 0, 1), ValueError),
    (lambda: __import__("speedlab").nbody.ensemble(10, 0), ValueError),
    (lambda: __import__("speedlab").nbody.ensemble(10, 2, -1), ValueError),
    (lambda: __import__("speedlab").nbody.ensemble(10, 2, 0, -1), ValueError),
], ids=lambda x: "" if callable(x) else x.__name__)
def test_part_functions_refuse_bad_input(call, error):
    with pytest.raises(error):
        call()


def test_an_ensemble_member_depends_only_on_its_number():
    from speedlab import nbody

    whole = nbody.ensemble(300, 6, 42)
    assert nbody.ensemble(300, 3, 42, 2) == whole[2:5]
    assert whole[0] == nbody.energies(300)  # member 0 is the canonical system
    assert len(set(whole)) == 6  # and the others really are perturbed
    assert nbody.ensemble(300, 2, 43)[1] != whole[1]  # another seed, another ensemble


def test_revcomp_cuts_only_at_record_starts():
    from speedlab import revcomp

    data = b">a\nACGT\n>b x\nGG\nTT\n>c\n>d\nA"
    for count in (1, 2, 3, 4):
        pieces = [bytes(chunk) for (chunk,) in revcomp.split((data,), count)]
        assert b"".join(pieces) == data and all(p.startswith(b">") for p in pieces)
    with pytest.raises(parts.TooManyParts, match="the input has 4"):
        revcomp.split((data,), 5)


def test_chacha20_parts_start_on_block_boundaries_with_their_counter():
    from speedlab import chacha20

    data = bytes(1000)
    pieces = chacha20.split((bytes(32), bytes(12), data, 7), 3)
    offsets = [0]
    for key, nonce, chunk, counter in pieces:
        assert offsets[-1] % 64 == 0 and counter == 7 + offsets[-1] // 64
        offsets.append(offsets[-1] + len(chunk))
    assert offsets[-1] == len(data)


def _user_spec(split, combine, **extra):
    return KernelSpec(
        name="usersum", summary="a user's kernel", api="builtins:sum",
        variants=(Variant("python", "builtins:sum"),), make_input=lambda n: (list(range(n)),),
        sizes=Sizes(test=10, quick=10, full=10), unit="item", work=float,
        render=lambda r, n: b"", no_parallel="test", split=split, combine=combine, **extra)


def test_a_wrong_combine_is_reported_not_hidden():
    def split(args, count):
        (values,) = args
        return [(values[i::count],) for i in range(count)]

    spec = _user_spec(split, lambda results, args: sum(results) + (len(results) > 2))
    checked, problems = parts.verify(spec, ([1, 2, 3, 4, 5],), (1, 2, 3))
    assert checked == [1, 2, 3] and len(problems) == 1 and problems[0].startswith("P=3")


def test_rounds_carry_their_state_to_the_next_combine():
    # the sum, then ten times it summed in a second round, whose combine sees the new args
    def split(args, count):
        (values,) = args
        return [(values[i::count],) for i in range(count)]

    def combine(results, args):
        if args[0] == "second":
            return (args[1], results[0])
        total = sum(results)
        return Round([([total] * 10,)], ("second", total))

    spec = _user_spec(split, combine)
    assert parts.run(spec, ([3, 4, 5],), 2) == (12, 120)


def test_the_spec_refuses_half_a_split():
    base = dict(name="k", summary="", api="m:f", variants=(Variant("python", "m:f"),),
                make_input=lambda n: (n,), sizes=Sizes(1, 1, 1), unit="u", work=float,
                render=lambda r, n: b"", no_parallel="x")
    with pytest.raises(ValueError, match="split and combine go together"):
        KernelSpec(split=lambda a, p: [a], **base)
    with pytest.raises(ValueError, match="part is given but there is no split"):
        KernelSpec(part="m:g", **base)
    with pytest.raises(ValueError, match="no_split reason"):
        KernelSpec(split=lambda a, p: [a], combine=lambda r, a: r[0], no_split="why", **base)


def test_resolve_finds_a_kernel_by_name_spec_or_function_and_refuses_the_rest():
    from speedlab import mandelbrot, nbody

    spec = catalog.get("mandelbrot")
    assert parts.resolve("mandelbrot") is spec and parts.resolve(spec) is spec
    assert parts.resolve(mandelbrot.pbm) is spec
    assert parts.resolve(nbody.ensemble) is nbody.ENSEMBLE and parts.resolve("nbody-ensemble") is nbody.ENSEMBLE
    with pytest.raises(ValueError, match="'nbody' does not split.*nbody-ensemble"):
        parts.resolve("nbody")
    with pytest.raises(ValueError, match="'pidigits' does not split"):
        parts.resolve(catalog.get("pidigits").public_function())
    with pytest.raises(ValueError, match="unknown kernel"):
        parts.resolve("nope")
    with pytest.raises(TypeError):
        parts.resolve(3)


def test_part_call_checks_impl_and_threads_before_anything_runs():
    chacha = catalog.get("chacha20")
    fn, kwargs = parts.part_call(chacha, "parallel", 2)
    assert kwargs == {"impl": "parallel", "n_threads": 2}
    with pytest.raises(ValueError, match="n_threads applies only"):
        parts.part_call(chacha, "native", 2)
    with pytest.raises(ValueError, match="parts run python, compiled, native, simd, not impl='c'"):
        parts.part_call(catalog.get("mandelbrot"), "c")
    with pytest.raises(ValueError, match="no variant"):
        parts.part_call(chacha, "nope")
    with pytest.raises(TypeError):
        parts.part_call(chacha, 3)


def test_parts_run_the_rung_parallel_is_built_on():
    # simd where the kernel has it (the parallel rung's own base), else the kernel's default.
    assert parts.part_call(catalog.get("mandelbrot"))[1] == {"impl": "simd"}
    assert parts.part_call(catalog.get("chacha20"))[1] == {"impl": "simd"}
    assert parts.part_call(catalog.get("fasta"))[1] == {}
    assert parts.part_call(catalog.get("mandelbrot"), "native")[1] == {"impl": "native"}


def test_verify_prints_a_split_row_and_fails_on_a_wrong_split(capsys):
    from speedlab.cli import verify_split

    spec = catalog.get("fannkuchredux")
    assert verify_split(spec)
    assert "fannkuchredux  split      ok" in capsys.readouterr().out
    wrong = dataclasses.replace(spec, combine=lambda results, args: (sum(c for c, _ in results), 0))
    assert not verify_split(wrong)
    assert "fannkuchredux  split      FAILED    n=7: P=1" in capsys.readouterr().out
