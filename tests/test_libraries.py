"""The optional libraries, PCRE2 and GMP: the build's probe, a missing library, and what each variant adds.

The catalog-driven tests (test_results, test_fuzz, test_thread_counts, test_resources,
test_interrupt ...) already run the ``pcre2``, ``parallel`` (regexredux) and ``gmp``
(pidigits) variants like every other; these cover what is particular to them:

* the probe (``speedlab._buildtools.find_library``) with a library that is not there,
  and what ``SPEEDLAB_REQUIRE_PCRE2=1`` makes of that in setup.py (one error line);
* a build without the library: the variants are listed as not built with the reason
  and the package to install, and nothing else changes;
* PCRE2's semantics against ``re`` on bytes the FASTA generator never writes, the
  parallel rung above its serial threshold, GMP's exact and estimated digit tests.
"""

import os
import random
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import Impl, _present
from speedlab import _buildtools as bt
from speedlab import catalog
from speedlab.bench.environment import build_info

ROOT = Path(__file__).resolve().parents[1]
REGEXREDUX = catalog.get("regexredux")
PIDIGITS = catalog.get("pidigits")


def _compiler():
    from setuptools._distutils.ccompiler import new_compiler
    from setuptools._distutils.sysconfig import customize_compiler

    compiler = new_compiler()
    customize_compiler(compiler)
    return compiler


def _variant(spec, name):
    """The variant's callable, through the suite's rule: skipped if its library is absent (unless required)."""
    return _present(Impl(spec, spec.variant(name))).load()


# -- the probe ---------------------------------------------------------------------

@pytest.mark.parametrize("feature", sorted(bt.LIBRARIES))
def test_probe_with_a_bogus_library_dir_reports_why(feature):
    # Only a prefix where nothing is installed: the variant would not be built.
    bogus = [("a bogus prefix", ["-I/nonexistent/speedlab/include"],
              ["-L/nonexistent/speedlab/lib", "-lspeedlab-no-such-library"])]
    flags, reason = bt.find_library(_compiler(), feature, candidates=bogus)
    assert flags is None
    assert reason.startswith(f"lib{bt.LIBRARIES[feature][1]} not usable")
    assert "a bogus prefix: the library does not link" in reason


def test_probe_reports_a_header_that_does_not_compile_and_a_failing_program():
    compiler = _compiler()
    flags, reason = bt.find_library(compiler, "gmp", candidates=[("no headers", ["-nostdinc"], ["-lgmp"])])
    assert flags is None and "no headers: its header does not compile" in reason
    # exit 3 of the probe program has a meaning per library (PCRE2: built without its JIT)
    problem = bt._probe_library(compiler, "int main(void) { return 3; }\n", [], [], "no JIT here")
    assert problem == "no JIT here"
    problem = bt._probe_library(compiler, "int main(void) { return 5; }\n", [], [], "no JIT here")
    assert problem == "the probe program failed (exit 5)"


@pytest.mark.parametrize("feature", sorted(bt.LIBRARIES))
def test_probe_agrees_with_the_build_record(feature):
    record = (build_info() or {}).get("features", {}).get(feature)
    assert record is not None, f"the build recorded no probe for {feature}"
    flags, reason = bt.find_library(_compiler(), feature)
    assert (flags is not None) == record["built"], (reason, record)
    if record["built"]:
        assert reason.startswith("found via")


def test_required_library_missing_is_one_build_error_line(tmp_path):
    # A C compiler that cannot link libpcre2-8, as on a machine without it.
    cc = tmp_path / "cc-no-pcre2"
    real_cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    cc.write_text(f'#!/bin/sh\nfor a in "$@"; do case "$a" in -lpcre2-8) exit 1;; esac; done\nexec {real_cc} "$@"\n')
    cc.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDLAB_")}
    env.update(CC=str(cc), SPEEDLAB_REQUIRE_PCRE2="1")
    # The probes run before Cython or any compilation: this fails in seconds.
    out = subprocess.run([sys.executable, "setup.py", "build_ext", "--build-lib", str(tmp_path / "lib"),
                          "--build-temp", str(tmp_path / "temp")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode != 0
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, out.stderr[-2000:]
    assert errors[0].startswith("error: SPEEDLAB_REQUIRE_PCRE2=1 but PCRE2 and its JIT")
    assert "libpcre2-dev" in errors[0] and "the library does not link" in errors[0]
    assert "Traceback" not in out.stderr


# -- a build without the library -------------------------------------------------------

@pytest.fixture
def without_pcre2(monkeypatch):
    """As if the build had not found PCRE2: its module does not import, the record says why."""
    record = dict(build_info() or {})
    record["features"] = {**record.get("features", {}),
                          "pcre2": {"built": False, "reason": "libpcre2-8 not usable (test: not installed)"}}
    monkeypatch.setattr("speedlab.bench.environment.build_info", lambda: record)
    monkeypatch.setitem(sys.modules, "speedlab._native.regexredux_pcre2", None)  # import fails


def test_missing_library_variant_is_reported_not_raised(without_pcre2):
    from speedlab import regexredux

    for name in ("pcre2", "parallel"):
        variant = REGEXREDUX.variant(name)
        assert not variant.available()
        reason = variant.missing_reason()
        assert "test: not installed" in reason and "libpcre2-dev" in reason
        with pytest.raises(ImportError, match="regexredux_pcre2"):
            regexredux.analyse(b">ONE\nagggtaaa\n", impl=name)
    # nothing else changes
    data = b">ONE\nagggtaaacattttaccct\n"
    assert regexredux.analyse(data, impl="native") == regexredux.analyse(data, impl="python")


def test_list_and_info_name_the_missing_library(without_pcre2, capsys):
    from speedlab import cli

    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "regexredux/pcre2: PCRE2 and its JIT (regexredux's pcre2 variant) not built: " \
           "libpcre2-8 not usable (test: not installed); install libpcre2-dev" in out
    assert "regexredux/parallel: PCRE2 and its JIT" in out
    assert cli.main(["info"]) == 0  # an optional part missing is not a broken build
    out = capsys.readouterr().out
    assert "optional part missing: regexredux/pcre2:" in out
    assert "pcre2=absent" in out and "NOT BUILT" not in out


# -- PCRE2 against re ---------------------------------------------------------------------

#: Bytes that change what the regexes do: the replacement markers, CR next to LF
#: (PCRE2 is told LF is the only newline, as for re), NUL and non-ASCII bytes.
ALPHABET = b"acgtBDHKMNRSVWYaNDtHSaS<>|\n\r\x00\xff-"


@pytest.mark.parametrize("name", ["pcre2", "parallel"])
def test_pcre2_matches_re_on_arbitrary_bytes(name):
    from speedlab.pure.regexredux import analyse

    fn = _variant(REGEXREDUX, name)
    rng = random.Random(20240611)
    for _ in range(300):
        data = bytes(rng.choice(ALPHABET) for _ in range(rng.randint(0, 400)))
        assert fn(data) == analyse(data), data


def test_pcre2_replacement_chain_in_one_buffer():
    # The pcre2 variant runs the replacement chain in one buffer (run_serial): every
    # step over its own input, but the one that grows (a[NSt]|BY -> <2>), which writes
    # from below it. Inputs that grow as much as possible (a match in every two bytes),
    # right up to their end, or shrink and grow in turn: no output may overtake the
    # input still to be read.
    from speedlab.pure.regexredux import analyse

    fn = _variant(REGEXREDUX, "pcre2")
    rng = random.Random(20261202)
    pieces = [b"aN", b"aS", b"at", b"BY", b"tHaN", b"aND", b"caN", b"HaD", b"WaS", b"<", b">", b"|",
              b"\n", b">x\n"]
    inputs = [b"aN" * 50_000, b"BY" * 50_001 + b"a", b">h\n" + b"aS\n" * 1000, b"tHaNt" * 999 + b"aN" * 999]
    inputs += [b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 400))) for _ in range(300)]
    for data in inputs:
        assert fn(data) == analyse(data), data


@pytest.mark.native
def test_parallel_rung_above_its_serial_threshold():
    # fasta 30,000 is 300,000 cleaned bases: over the 256 KiB below which it runs serially.
    fn = _variant(REGEXREDUX, "parallel")
    args = REGEXREDUX.make_input(30_000)
    want = REGEXREDUX.variant("native").load()(*args)
    for n_threads in (1, 2, 3):
        assert fn(*args, n_threads=n_threads) == want
    # fasta 250,000 is 2.5 MB cleaned: each count in two or more parts
    args = REGEXREDUX.make_input(250_000)
    want = _variant(REGEXREDUX, "pcre2")(*args)
    for n_threads in (2, 3):
        assert fn(*args, n_threads=n_threads) == want


@pytest.mark.native
def test_pcre2_reports_its_jit():
    _variant(REGEXREDUX, "pcre2")
    from speedlab._native import regexredux_pcre2

    assert regexredux_pcre2.pcre2_version().endswith("(JIT)")


def test_counted_patterns_match_eight_bytes_exactly():
    # The parallel rung counts in parts, seeing only 7 bytes past a part's end
    # (COUNT_MATCH_BYTES in regexredux_pcre2.pyx): every match must be 8 bytes long.
    try:
        from re import _parser as parser  # Python 3.11+
    except ImportError:
        import sre_parse as parser  # Python 3.10

    from speedlab.pure.regexredux import VARIANTS

    for pattern in VARIANTS:
        assert parser.parse(pattern).getwidth() == (8, 8), pattern


@pytest.mark.native
def test_counts_in_parts_equal_one_scan():
    # Subjects dense in matches, self-overlapping ones among them ("agggtaaa" + "gggtaaa"
    # share "a"), so that matches run across the cuts and the next part's first match
    # starts inside them: the cases sum_parts counts again.
    _variant(REGEXREDUX, "parallel")
    import re

    from speedlab._native.regexredux_pcre2 import _count_in_parts
    from speedlab.pure.regexredux import VARIANTS

    rng = random.Random(20261201)
    pieces = [b"agggtaaa", b"tttaccct", b"agggtaaagggtaaa", b"tttaccctttaccct", b"a", b"c", b"g", b"t"]
    recounted = 0
    for _ in range(2000):
        variant = rng.randrange(len(VARIANTS))
        subject = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        want = len(re.findall(VARIANTS[variant], subject))
        for n_parts in (1, 2, 3, 5, 8, len(subject) + 1):
            assert _count_in_parts(subject, variant, n_parts) == want, (subject, variant, n_parts)
        # each part's own scan, summed without the fix-up: wrong here, so the fix-up was exercised
        cuts = [len(subject) * i // 3 for i in range(4)]
        compiled = re.compile(VARIANTS[variant])
        recounted += sum(sum(1 for m in compiled.finditer(subject, cuts[i]) if m.start() < cuts[i + 1])
                         for i in range(3)) != want
    assert recounted > 50
    with pytest.raises(ValueError, match="n_parts"):
        _count_in_parts(b"acgt", 0, 0)
    with pytest.raises(ValueError, match="variant"):
        _count_in_parts(b"acgt", 9, 1)


# -- GMP -------------------------------------------------------------------------------------

@pytest.mark.native
def test_gmp_exact_and_estimated_digit_tests_agree():
    fn = _variant(PIDIGITS, "gmp")
    native = PIDIGITS.variant("native").load()
    for n in (0, 1, 10, 37, 400, 2500):  # 2,500 digits: numbers of ~250 limbs, the estimates decide
        want = native(n)
        assert fn(n) == want
        assert fn(n, exact=True) == want


@pytest.mark.native
def test_gmp_variant_refuses_bad_exact():
    fn = _variant(PIDIGITS, "gmp")
    with pytest.raises(TypeError):
        fn(10, True)  # exact is keyword-only


# -- how the ladder reads them ----------------------------------------------------------------

def test_parallel_rung_is_measured_from_the_library_variant_it_runs():
    from speedlab.bench.timing import Result, attach_ratios, rung_bases

    assert rung_bases(REGEXREDUX) == {"parallel": "pcre2"}
    assert rung_bases(PIDIGITS) == {}
    # a rung may also name the variant it runs (binarytrees' parallel runs pool's trees)
    from speedlab.binarytrees import SPEC as BINARYTREES

    assert rung_bases(BINARYTREES) == {"parallel": "pool"}

    def result(name, seconds, kind="rung"):
        return Result("regexredux", name, 10, "base", 10.0, None, seconds=[seconds], round_index=[0],
                      label=name, kind=kind)

    results = [result("python", 8.0), result("native", 8.0), result("pcre2", 1.0, "extra"),
               result("parallel", 0.5)]
    attach_ratios(results, bases=rung_bases(REGEXREDUX))
    by = {r.variant: r for r in results}
    assert by["pcre2"].previous == "native" and by["pcre2"].ratio_to_previous == [8.0]
    assert by["parallel"].previous == "pcre2" and by["parallel"].ratio_to_previous == [2.0]
    # without the library variant, the rung falls back to the rung before
    results = [result("python", 8.0), result("native", 8.0), result("parallel", 0.5)]
    attach_ratios(results, bases=rung_bases(REGEXREDUX))
    assert results[-1].previous == "native"


# -- Ctrl-C inside the library calls -------------------------------------------------------
# test_interrupt.py signals `speedlab run` at the headline size, where regexredux is still
# generating its input in Python when the signal lands; here the signal is sent while the
# variant itself runs, in a child process (a signal after the call would hit pytest).

INTERRUPT_CHILD = r"""
import os, signal, sys, threading, time
from speedlab import catalog
spec = catalog.get(sys.argv[1])
fn = spec.variant(sys.argv[2]).load()
args = (spec.make_input(100_000)[0] * 40,) if sys.argv[1] == "regexredux" else (100_000,)
sent = []
def fire():
    sent.append(time.perf_counter())
    os.kill(os.getpid(), signal.SIGINT)
threading.Timer(0.3, fire).start()
try:
    fn(*args)
    print("finished")
except KeyboardInterrupt:
    print(f"interrupted {time.perf_counter() - sent[0]:.3f}")
"""


@pytest.mark.latency
@pytest.mark.parametrize("kernel, name", [("regexredux", "pcre2"), ("regexredux", "parallel"),
                                          ("pidigits", "gmp")])
def test_ctrl_c_stops_a_library_variant(kernel, name):
    _variant(catalog.get(kernel), name)  # skipped when its library is not built
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDLAB_")}
    # SIGINT as a terminal gives it, even where the suite runs with it ignored (a
    # background job of a non-interactive shell): Python then leaves it ignored.
    out = subprocess.run([sys.executable, "-c", INTERRUPT_CHILD, kernel, name], capture_output=True,
                         text=True, env=env, timeout=300,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert out.returncode == 0, out.stderr[-2000:]
    word, *latency = out.stdout.split()
    # 40 copies of fasta 100,000 (40 MB) and 100,000 digits each take seconds: far past 0.3 s
    assert word == "interrupted", out.stdout
    assert float(latency[0]) < 2.0, f"took {latency[0]} s to stop after SIGINT"
