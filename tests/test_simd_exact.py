"""nbody's and spectralnorm's vector paths keep native's bits, not just its digits.

Their ``simd`` rungs put one pair (nbody) or one row (spectralnorm) in each
vector lane and do native's operations in native's order, with no FMA, so the
results are equal as floats, not merely within the catalog's tolerance; and
spectralnorm's ``parallel`` rung, built on those rows, is equal for every thread
count. A change that reorders the arithmetic (partial sums across lanes, a
reciprocal square root estimate) fails here first; if one is wanted, this test
is where its new rule is written down. spectralnorm's AVX-512 reciprocals (an
estimate and three Newton steps) must round as the division does: each one is
checked in test_simd_cross.py, and here the result at the headline size.

The one exception written down so far: nbody on AVX-512 computes each pair's
magnitude from a reciprocal square root estimate and a series (nbody_body.h's
nb_mag), a few ulps from native's. There the energies must agree to 13 digits
up to 100,000 steps and print native's digits, at the headline size too;
test_simd_cross.py checks each magnitude against the exact value.
"""

from __future__ import annotations

import pytest

from speedlab import _simd

PATHS = _simd.supported()

pytestmark = pytest.mark.native


@pytest.fixture(scope="module")
def nbody():
    return pytest.importorskip("speedlab._native.nbody")


@pytest.fixture(scope="module")
def spectralnorm():
    return pytest.importorskip("speedlab._native.spectralnorm")


#: The paths whose nbody magnitudes are not native's operations (see the module docstring).
NBODY_ESTIMATED = ("avx512",)


@pytest.mark.parametrize("path", [p for p in PATHS if p not in NBODY_ESTIMATED])
def test_nbody_simd_is_native_to_the_bit(nbody, path):
    with _simd.forced(path):
        for steps in (0, 1, 7, 1000, 100_000):
            assert nbody.energies_simd(steps) == nbody.energies_native(steps), (path, steps)


@pytest.mark.parametrize("path", [p for p in PATHS if p in NBODY_ESTIMATED])
def test_nbody_simd_estimate_prints_native_digits(nbody, path):
    from speedlab.nbody import render

    with _simd.forced(path):
        # The last: the headline size, where the energies drift apart to about
        # 2e-10 relative (-0.16905990678 against -0.16905990681), 9 digits alike.
        for steps in (0, 1, 7, 1000, 100_000, 50_000_000):
            got, expected = nbody.energies_simd(steps), nbody.energies_native(steps)
            if steps <= 100_000:
                assert got == pytest.approx(expected, rel=1e-13, abs=0), (path, steps)
            assert render(got, steps) == render(expected, steps), (path, steps)


@pytest.mark.parametrize("path", PATHS)
def test_spectralnorm_simd_and_parallel_are_native_to_the_bit(spectralnorm, path):
    with _simd.forced(path):
        # 1..33: every partial vector group of every path; 200, 333: the
        # parallel rung's threads (above its serial threshold), odd and even.
        for n in (*range(1, 34), 200, 333):
            expected = spectralnorm.norm_native(n)
            assert spectralnorm.norm_simd(n) == expected, (path, n)
            if n >= 200:
                for threads in (1, 2, 3, 4):
                    got = spectralnorm.norm_parallel(n, n_threads=threads)
                    assert got == expected, (path, n, threads)


def test_spectralnorm_simd_is_native_to_the_bit_at_the_headline_size(spectralnorm):
    # The widest path (the one that runs unforced), over every denominator the
    # headline run divides by. A lone wrong reciprocal rarely reaches the norm's
    # printed bits (two Newton steps instead of three pass here), which is why
    # test_simd_cross.py compares each reciprocal on its own.
    assert spectralnorm.norm_simd(5500) == spectralnorm.norm_native(5500)
