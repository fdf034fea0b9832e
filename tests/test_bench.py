"""The benchmark harness: plans, ratios, normalisation, failures, the JSON schema, --compare, explain.

Fast by construction: a fake kernel (``fake_kernel.py``) at tiny sizes, one or
two rounds of a few milliseconds; nbody only where its build is the point.
"""

import json

import pytest

import fake_kernel
from speedlab import catalog, cli
from speedlab.bench import annotation, compare, explain, suite
from speedlab.bench.report import fmt_time, table
from speedlab.bench.timing import Result, attach_ratios, loops_for, measure_kernel, plan, ratios


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setitem(catalog._registry, fake_kernel.SPEC.name, fake_kernel.SPEC)
    return fake_kernel.SPEC


def _result(variant, per_round, *, rounds=None, work=1.0, kind="rung"):
    res = Result("k", variant, 10, "unit", work, None, kind=kind)
    res.seconds = [s * work for s in per_round]
    res.round_index = list(rounds if rounds is not None else range(len(per_round)))
    return res


# -- timing -------------------------------------------------------------------------

def test_plan_fits_the_budget_by_shortening_then_dropping_rounds():
    calls = [1e-4] * 6
    # 3 rounds x 6 x 50 ms = 0.9 s: too long; 25 ms measurements fit (0.45 s)
    assert plan(calls, budget=0.5, rounds=3, min_time=0.05) == (3, 0.025)
    # 50 ms: even 5 ms measurements take 90 ms in 3 rounds; one round fits
    assert plan(calls, budget=0.05, rounds=3, min_time=0.05) == (1, pytest.approx(0.005))


def test_plan_keeps_settings_that_fit():
    assert plan([1e-3, 2e-3], budget=10.0, rounds=5, min_time=0.05) == (5, 0.05)


def test_plan_never_goes_below_one_round():
    rounds, min_time = plan([5.0, 5.0], budget=1.0, rounds=3, min_time=0.05)
    assert rounds == 1 and min_time == pytest.approx(0.005)


def test_fitting_size_shrinks_a_slow_rung_by_its_work():
    from speedlab.bench.timing import fitting_size

    spec = fake_kernel.SPEC  # work(n) = n
    assert fitting_size(spec, 100, 2000, small_seconds=0.001, cap=1.0) == 2000  # 20 ms: fits
    assert fitting_size(spec, 100, 2000, small_seconds=0.01, cap=0.1) == 1000   # 0.1 ms per unit
    assert fitting_size(spec, 100, 2000, small_seconds=1.0, cap=0.1) == 100     # never below the probe


def test_loops_for():
    assert loops_for(1.0, 0.05) == 1
    assert loops_for(0.001, 0.05) == 51


def test_ratios_pair_rounds_not_positions():
    slow = _result("python", [10.0, 20.0, 30.0])
    fast = _result("native", [1.0, 2.0], rounds=[1, 2])  # missed round 0
    assert ratios(slow, fast) == [20.0, 15.0]


def test_ratios_are_per_unit_of_work():
    slow = _result("python", [4.0, 4.0], work=10)   # 4 s per unit at a small n
    fast = _result("native", [1.0, 2.0], work=1000)  # normalised: per unit too
    assert ratios(slow, fast) == [4.0, 2.0]


def test_attach_ratios_names_the_rung_before_and_native_for_references():
    results = [_result("python", [8.0]), _result("typed", [4.0]), _result("native", [1.0]),
               _result("c", [0.5], kind="reference")]
    attach_ratios(results)
    by = {r.variant: r for r in results}
    assert by["typed"].previous == "python" and by["typed"].ratio_to_previous == [2.0]
    assert by["native"].previous == "typed" and by["native"].ratio_to_previous == [4.0]
    assert by["native"].ratio_to_python == [8.0]
    assert by["c"].previous == "native" and by["c"].ratio_to_previous == [2.0]


def test_measure_kernel_reports_failures_and_goes_on(fake):
    results = measure_kernel(fake, list(fake.variant_names), 2000, rounds=2, min_time=0.002,
                             threads=[1, 2])
    by = {r.label: r for r in results}
    assert set(by) == {"python", "native", "parallel@1", "parallel@2", "c", "ghost"}
    assert by["c"].status == "failed" and "broken on purpose" in by["c"].error
    assert by["ghost"].status == "unavailable"
    assert by["python"].normalised and by["python"].n == 1000
    for label in ("python", "native", "parallel@1", "parallel@2"):
        assert by[label].ok and len(by[label].seconds) == 2
        assert by[label].first_call is not None
    assert by["parallel@2"].threads == 2 and by["parallel@2"].previous == "native"
    assert len(by["native"].ratio_to_python) == 2
    text = table(results)
    assert "FAILED" in text and "broken on purpose" in text and "not installed" in text
    assert "python *" in text and "normalised per term" in text


def test_a_wrong_result_is_failed_and_not_timed(fake, monkeypatch):
    def parallel(n, n_threads=None):  # off by one on two threads only
        return fake_kernel.native(n) + (n_threads == 2)

    monkeypatch.setattr(fake_kernel, "parallel", parallel)
    results = measure_kernel(fake, ["native", "parallel"], 2000, rounds=2, min_time=0.001, threads=[1, 2])
    by = {r.label: r for r in results}
    assert by["native"].ok and by["parallel@1"].ok
    wrong = by["parallel@2"]
    assert wrong.status == "failed" and wrong.seconds == [] and not wrong.ratio_to_python
    assert wrong.error == ("ValueError: wrong result at n=2,000: it differs from native's "
                           "(by the kernel's compare); not timed")
    # a rung normalised to a smaller n has no result to agree with at its size
    results = measure_kernel(fake, ["python", "native"], 2000, rounds=1, min_time=0.001)
    assert all(r.ok for r in results) and results[0].n == 1000


def test_measure_kernel_stays_within_a_budget(fake):
    import time

    t0 = time.perf_counter()
    results = measure_kernel(fake, ["python", "native"], 2000, rounds=50, min_time=0.05, budget=0.3)
    assert time.perf_counter() - t0 < 1.5  # 50 rounds of 50 ms would take 5 s
    assert all(r.ok for r in results)


def test_a_budget_shrinks_a_rung_too_slow_for_it(fake, monkeypatch):
    import time

    def slow(n):  # 1 ms per unit: 2 s at n=2000
        time.sleep(n * 1e-3)
        return 0

    monkeypatch.setattr(fake_kernel, "python", slow)
    results = measure_kernel(fake, ["python", "native"], 2000, rounds=1, min_time=0.001, budget=0.6)
    python = results[0]
    assert python.ok and python.normalised and 100 <= python.n < 1000
    assert python.first_call_n == 100


# -- the document, and --compare --------------------------------------------------------

def test_suite_document_schema(fake):
    s = suite.settings("quick", 1, rounds=1, threads=[2])
    s.budget_per_kernel = 0.5
    doc = suite.run([fake], s, emit=lambda text: None)
    json.loads(json.dumps(doc))  # serialisable
    assert doc["schema"] == "speedlab-bench/2"
    for key in ("mode", "settings", "environment", "wall_seconds", "failed", "results", "time_to_first_result"):
        assert key in doc
    assert doc["failed"] == ["fakesq/c"]
    record_keys = {"kernel", "variant", "label", "kind", "n", "unit", "work_units", "threads", "loops",
                   "rounds", "normalised", "status", "error", "first_call_seconds", "first_call_n", "seconds",
                   "seconds_per_unit", "ratio_to_python", "previous", "ratio_to_previous", "simd_path",
                   "simd_default"}
    for record in doc["results"]:
        assert set(record) == record_keys
    parallel = next(r for r in doc["results"] if r["variant"] == "parallel")
    assert parallel["threads"] == 2 and parallel["status"] == "ok"


def test_headline_mode_times_parallel_and_the_rung_it_stands_on():
    specs = {spec.name: spec for spec in catalog.builtin_kernels()}
    s = suite.settings("headline", 3)
    assert s.size_attr == "headline" and s.rounds == 5
    assert suite.variants_of(specs["chacha20"], None, "headline") == ["simd", "parallel"]
    assert suite.variants_of(specs["fasta"], None, "headline") == ["native", "parallel"]
    # binarytrees' parallel runs pool's trees on threads; regexredux's runs pcre2
    assert suite.variants_of(specs["binarytrees"], None, "headline") == ["pool", "parallel"]
    assert suite.variants_of(specs["regexredux"], None, "headline") == ["pcre2", "parallel"]
    assert suite.variants_of(specs["nbody"], None, "headline") == []
    assert suite.variants_of(specs["nbody"], ["native"], "headline") == ["native"]


@pytest.mark.native
def test_simd_paths_time_every_path_this_cpu_runs(capsys):
    from speedlab import _simd

    spec = catalog.get("mandelbrot")
    paths, unforced = _simd.supported(), _simd.path()
    results = measure_kernel(spec, ["native", "simd", "parallel"], 200, rounds=2, min_time=0.002,
                             simd_paths=True)
    by = {r.label: r for r in results}
    assert list(by) == ["native"] + [f"simd[{p}]" for p in paths] + ["parallel"]
    for p in paths:
        row = by[f"simd[{p}]"]
        assert row.ok and row.simd_path == p and row.previous == "native" and row.ratio_to_previous
        assert row.simd_default == (p == _simd.path())
    # parallel stands on the path simd runs unforced
    assert by["parallel"].previous == "simd" and by["parallel"].ratio_to_previous
    assert _simd.path() == unforced  # forced for those calls only
    text = table(results)
    assert f"unforced it runs {_simd.path()}" in text and "simd[scalar]" in text
    assert "scalar: the native code" in text
    # without the switch: one simd row, on the unforced path
    plain = measure_kernel(spec, ["simd"], 200, rounds=1, min_time=0.002)
    assert [r.label for r in plain] == ["simd"] and plain[0].simd_path is None


def test_cli_headline_and_full_exclude_each_other(capsys):
    assert cli.main(["bench", "nbody", "--headline", "--full"]) == 2
    assert "not allowed with" in capsys.readouterr().err


def _doc(per_unit):
    return {"schema": "speedlab-bench/2", "results": [
        {"kernel": "k", "variant": v, "label": v, "error": None,
         "seconds_per_unit": {"median": t, "spread": 0.01}} for v, t in per_unit.items()]}


def test_compare_says_what_changed():
    old = _doc({"python": 1.0, "native": 0.010, "typed": 0.5, "gone": 1.0})
    new = _doc({"python": 1.01, "native": 0.005, "typed": 0.8, "fresh": 1.0})
    rows = {r["label"]: r for r in compare.compare(old, new)}
    assert rows["python"]["verdict"] == "same"
    assert rows["native"]["verdict"] == "faster" and rows["native"]["change"] == pytest.approx(2.0)
    assert rows["typed"]["verdict"] == "slower"
    assert rows["gone"]["verdict"] == "gone" and rows["fresh"]["verdict"] == "new"
    text = compare.render(list(rows.values()), "old.json")
    assert "k/native" in text and "faster" in text and "1 unchanged" in text


@pytest.mark.parametrize("content", ["not json", '{"hello": 1}', '{"schema": "other/1", "results": []}', "[1, 2]"])
def test_compare_refuses_files_that_are_not_speedlab_results(tmp_path, content):
    path = tmp_path / "old.json"
    path.write_text(content)
    with pytest.raises(compare.NotABenchFile, match="speedlab"):
        compare.load(path)


# -- the command line ---------------------------------------------------------------------

def test_cli_failing_kernel_exits_nonzero_after_the_run(fake, tmp_path, capsys):
    path = tmp_path / "out.json"
    code = cli.main(["bench", "fakesq", "--quick", "--rounds", "1", "--json", str(path)])
    captured = capsys.readouterr()
    assert code == 1
    assert "FAILED" in captured.out and "fakesq/c" in captured.err
    doc = json.loads(path.read_text())
    statuses = {r["label"]: r["status"] for r in doc["results"]}
    assert statuses["c"] == "failed" and statuses["native"] == "ok" and statuses["ghost"] == "unavailable"


def test_cli_compare_and_variants_selection(fake, tmp_path, capsys):
    path = tmp_path / "old.json"
    assert cli.main(["bench", "--kernels", "fakesq", "--variants", "python", "native", "--repeat", "1",
                     "--quick", "--json", str(path)]) == 0
    capsys.readouterr()
    assert cli.main(["bench", "fakesq", "--variants", "native", "--quick", "--rounds", "1",
                     "--compare", str(path)]) == 0
    out = capsys.readouterr().out
    assert "compared with" in out and "fakesq/python" in out and "gone" in out


@pytest.mark.parametrize("args", [
    ["bench", "nbody", "--threads", "0"],
    ["bench", "nbody", "--repeat", "-1"],
    ["bench", "nbody", "--rounds", "-3"],
    ["bench", "nbody", "--plot", "/nonexistent/dir/f.png"],
    ["bench", "nbody", "--plot", "figure.txt"],
    ["bench", "nbody", "--plot", "/proc/figure.png"],  # a directory even root cannot create files in
    ["bench", "nbody", "--json", "/proc/out.json"],
    ["bench", "nbody", "--variants", "nosuch"],
    ["bench", "--kernels", "nosuch"],
    ["bench", "nbody", "--compare", "pyproject.toml"],
    ["bench", "nbody", "--compare", "/nonexistent.json"],
    ["explain", "nosuch"],
    ["explain", "nbody", "--json", "/nonexistent/dir/x.json"],
    ["explain", "nbody", "--threads", "0"],
], ids=lambda a: " ".join(a))
def test_cli_mistakes_fail_before_any_work(args, capsys):
    assert cli.main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0]


def test_unknown_variant_message_lists_the_valid_ones(capsys):
    cli.main(["bench", "nbody", "--variants", "nosuch"])
    err = capsys.readouterr().err
    assert "nosuch" in err and "native" in err and "python" in err


def test_import_speedlab_does_not_import_rich_or_matplotlib():
    import subprocess
    import sys

    code = "import speedlab, speedlab.cli, speedlab.bench.suite, sys; print(sorted(m for m in ('rich', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


# -- explain --------------------------------------------------------------------------------

@pytest.mark.native
def test_explain_nbody_json(tmp_path):
    report = explain.explain(catalog.get("nbody"), threads=[1, 2], scale=0.05)
    json.loads(json.dumps(report))
    assert report["schema"] == "speedlab-explain/1" and report["failed"] == []
    steps = {s["rung"]: s for s in report["ladder"]["steps"]}
    assert list(steps) == ["python", "compiled", "typed", "native", "simd"]
    assert steps["simd"]["isolates"] == "vector instructions"
    product = 1.0
    for rung in ("compiled", "typed", "native", "simd"):
        assert steps[rung]["isolates"] and steps[rung]["factor"] > 0
        product *= steps[rung]["factor"]
    assert product == pytest.approx(report["ladder"]["total"])
    # The native rung's working functions run without the GIL and call no C-API.
    ev = report["annotation"]["rungs"]["native"]
    assert report["annotation"]["available"] and ev is not None
    nogil = [f for f in ev["functions"].values() if f["nogil"]]
    assert nogil
    from speedlab.bench.environment import build_info

    if not (build_info() or {}).get("debug"):
        # A debug build turns bounds checks on in the native rung: their error
        # paths (take the GIL, raise IndexError) are C-API lines by design.
        assert all(f["py_lines"] == 0 for f in nogil)
    assert report["annotation"]["rungs"]["typed"]["loop_py_lines"] > 0
    for rung in ("python", "native"):
        m = report["memory"]["rungs"][rung]
        assert m["gc"]["runs"] >= 0 and m["tracemalloc"]["peak_bytes"] >= 0 and m["rss"]["peak_bytes"] > 0
        q = report["latency"]["rungs"][rung]
        assert q["min"] <= q["p50"] <= q["p99"] <= q["max"]
    conc = report["concurrency"]
    assert conc["threads"] == [1, 2] and "python_pool" in conc and "native_pool" in conc
    assert "parallel_openmp" not in conc  # nbody has no parallel rung
    assert set(conc["gil_share"]) == {"python", "compiled", "typed", "native", "simd"}
    assert all(0 <= g["share"] <= 1 and g["n"] >= 0 for g in conc["gil_share"].values())
    assert "memory discipline" in report["reading"].lower() and "no parallel rung" in report["reading"]
    assert "total" in explain.render(report)


def test_explain_runs_a_parallel_rung_with_n_threads(fake):
    report = explain.explain(fake, threads=[1, 2], scale=0.02)
    assert "parallel_openmp" in report["concurrency"]
    assert set(report["concurrency"]["parallel_openmp"]["speedup"]) == {"1", "2"}
    assert [s["rung"] for s in report["ladder"]["steps"]] == ["python", "native", "parallel"]
    assert report["annotation"]["rungs"]["native"] is None  # not a speedlab module
    assert "it is a test double" in report["reading"]


# -- annotation -------------------------------------------------------------------------------

PAGE = """
<pre class="cython line score-0">&#xA0;<span class="">01</span>: <span>cdef</span> double f(double x) noexcept nogil:</pre>
<pre class="cython line score-0">&#xA0;<span class="">02</span>:     for i in range(3):</pre>
<pre class="cython line score-0">&#xA0;<span class="">03</span>:         x += 1</pre>
<pre class="cython line score-0">&#xA0;<span class="">04</span>:     return x</pre>
<pre class="cython line score-9" onclick="x">+<span class="">05</span>: def g(list xs):</pre>
<pre class='cython code score-9 '>code</pre>
<pre class="cython line score-3" onclick="x">+<span class="">06</span>:     for v in xs:</pre>
<pre class="cython line score-5" onclick="x">+<span class="">07</span>:         y = v * 2</pre>
<pre class="cython line score-0">&#xA0;<span class="">08</span>:     with nogil:</pre>
<pre class="cython line score-0">&#xA0;<span class="">09</span>:         f(1.0)</pre>
<pre class="cython line score-2" onclick="x">+<span class="">10</span>:     return y &lt; 3</pre>
<pre class="cython line score-0">&#xA0;<span class="">11</span>: cdef void h(double *out,</pre>
<pre class="cython line score-0">&#xA0;<span class="">12</span>:             long n) noexcept nogil:</pre>
<pre class="cython line score-0">&#xA0;<span class="">13</span>:     out[0] = n</pre>
"""


def test_annotation_counts_c_api_lines_per_function_and_follows_calls():
    funcs = annotation.functions(annotation.parse_html(PAGE))
    assert funcs["f"]["py_lines"] == 0 and funcs["f"]["nogil"] and funcs["f"]["nogil_lines"] == 3
    g = funcs["g"]
    assert (g["py_lines"], g["loop_py_lines"], g["nogil_lines"]) == (4, 1, 1)
    assert g["calls"] == ["f"] and g["score"] == 19
    assert funcs["h"]["nogil"] and funcs["h"]["py_lines"] == 0  # signature over two lines
    summary = {"modules": {"m": {"functions": funcs}}}
    ev = annotation.rung_evidence("m:g", summary)
    assert list(ev["functions"]) == ["g", "f"] and ev["py_lines"] == 4
    assert annotation.rung_evidence("other:g", summary) is None


def test_explain_names_both_ideas_when_a_rung_in_between_fails(fake, monkeypatch):
    monkeypatch.setattr(fake_kernel, "native", fake_kernel.broken)
    report = explain.explain(fake, threads=[1], scale=0.02)
    steps = {s["rung"]: s for s in report["ladder"]["steps"]}
    assert steps["native"]["status"] == "failed" and steps["native"]["factor"] is None
    assert steps["parallel"]["isolates"] == "memory discipline + threads without the GIL"
    assert steps["parallel"]["factor"] == pytest.approx(report["ladder"]["total"])
    assert any(f.startswith("native") for f in report["failed"])


def test_a_broken_catalog_entry_fails_alone(fake, monkeypatch):
    import dataclasses

    def bad_work(n):
        raise ZeroDivisionError("no unit of work")

    broken = dataclasses.replace(fake, name="fakebroken", work=bad_work)
    s = suite.settings("quick", 2, rounds=1)
    doc = suite.run([broken, fake], s, emit=lambda text: None)
    assert "fakebroken/python" in doc["failed"] and "fakesq/c" in doc["failed"]
    ok = {r["label"] for r in doc["results"] if r["kernel"] == "fakesq" and r["status"] == "ok"}
    assert {"python", "native", "parallel"} <= ok


# -- numbers that add up -------------------------------------------------------------------------

_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12}


def _seconds(text: str) -> float:
    value, unit = text.split()
    return float(value) * _UNITS[unit]


def _ratio(text: str) -> float:
    return float(text.rstrip("x"))


def test_table_ratios_are_the_ratios_of_the_printed_medians():
    # Per-round ratios 10, 10, 30 (median 10); the medians 20 and 1: the table says 20x.
    py = _result("python", [10.0, 20.0, 30.0])
    typed = _result("typed", [5.0, 5.0, 7.5])
    nat = _result("native", [1.0, 2.0, 1.0])
    attach_ratios([py, typed, nat])
    text = table([py, typed, nat])
    rows = {line.split()[0]: line for line in text.splitlines()[2:5]}
    times = {name: _seconds(" ".join(row.split()[2:4])) for name, row in rows.items()}
    for name, previous in (("typed", "python"), ("native", "typed")):
        cells = rows[name].split()
        vs_python, vs_previous = _ratio(cells[-6]), _ratio(cells[-5])
        assert vs_python == pytest.approx(times["python"] / times[name], rel=0.01), rows[name]
        assert vs_previous == pytest.approx(times[previous] / times[name], rel=0.01), rows[name]
        assert f"over {previous}" in rows[name]
    assert "ratios: of the medians printed" in text


def test_table_spread_needs_two_rounds_and_first_call_states_its_size():
    one = _result("python", [2.0])
    one.first_call, one.first_call_n = 1.0, 3
    two = _result("native", [1.0, 1.5])
    two.first_call, two.first_call_n = 0.5, two.n
    attach_ratios([one, two])
    rows = table([one, two]).splitlines()
    python, native = rows[2], rows[3]
    assert " - " in python and "±" not in python  # one round: no spread to show
    assert "±20.0%" in native  # (1.5 - 1) / 1.25 / 2
    assert "1 s at n=3" in python and "500 ms " in native and "at n=" not in native


def test_a_step_over_rungs_not_run_names_every_idea_it_climbs():
    results = [_result("python", [8.0]), _result("native", [1.0])]
    attach_ratios(results, defined=["python", "compiled", "typed", "native", "parallel"])
    assert "8x over python (native compilation + static types + memory discipline)" in table(results)
    # a kernel without a rung in between: that idea is not claimed
    results = [_result("python", [8.0]), _result("native", [1.0])]
    attach_ratios(results, defined=["python", "native"])
    assert "8x over python (memory discipline)" in table(results)


def test_bench_of_two_variants_credits_the_rungs_in_between(fake, capsys):
    assert cli.main(["bench", "fakesq", "--variants", "python", "parallel", "--quick", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "over python (memory discipline + threads without the GIL)" in out


def _report(steps, *, gil=None, reference=1.0, annotation_native=None):
    """A minimal explain report: what render() and reading() read."""
    lad = {"unit": "op", "steps": [], "total": None, "top": None}
    previous = None
    for rung, per in steps:
        step = {"rung": rung, "n": 10, "normalised": False, "seconds_per_unit": per, "status": "ok",
                "error": None, "factor": None, "isolates": None, "round_factors": None}
        if previous:
            step.update(factor=previous[1] / per, isolates=explain.RUNG_MEANING[rung], previous=previous[0])
        lad["steps"].append(step)
        previous = (rung, per)
    lad["total"] = steps[0][1] / steps[-1][1]
    lad["top"] = steps[-1][0]
    fastest = min(steps, key=lambda s: s[1])
    lad["fastest"], lad["fastest_total"] = fastest[0], steps[0][1] / fastest[1]
    conc = {"threads": [1]}
    if gil:
        conc["gil_reference"] = {"share": reference}
        conc["gil_share"] = {}
        for name, share in gil.items():
            relative, verdict = explain.gil_verdict(share, reference)
            conc["gil_share"][name] = {"n": 10, "seconds": 0.1, "share": share, "relative": relative,
                                       "verdict": verdict}
    report = {"kernel": "k", "summary": "a kernel", "unit": "op", "ladder": lad, "build": {},
              "annotation": {"available": annotation_native is not None,
                             "rungs": {"native": annotation_native}},
              "memory": {"n": 10, "rungs": {}}, "latency": {"n": 10, "rungs": {}},
              "concurrency": conc, "failed": [], "no_parallel": None, "why_small": None}
    report["reading"] = explain.reading(report)
    return report


@pytest.mark.parametrize("share, reference, verdict", [
    (0.05, 1.0, "held"), (0.5, 1.0, "partly held"), (0.95, 1.0, "released"),
    (0.47, 0.5, "released or shared"), (0.12, 0.5, "held"), (0.66, 0.95, "partly held"),
])
def test_gil_verdicts_follow_the_stated_bounds(share, reference, verdict):
    relative, got = explain.gil_verdict(share, reference)
    assert got == verdict and relative == pytest.approx(min(1.0, share / reference))


def test_gil_numbers_legend_and_prose_agree():
    # the case: python 0.66 and native 0.47 on a machine whose reference reads 0.95
    report = _report([("python", 1.0), ("native", 0.01)], gil={"python": 0.66, "native": 0.47, "typed": 0.05},
                     reference=0.95)
    text = explain.render(report)
    legend = text[text.index("the GIL:"):]
    assert f"<= {explain.HELD_AT_MOST} held, >= {explain.RELEASED_AT_LEAST} released" in legend
    assert "python 0.69 (partly held)  native 0.49 (partly held)  typed 0.05 (held)" in legend
    assert "python (0.69), native (0.49) hold the GIL part of the time" in report["reading"]
    assert "typed (0.05) holds the GIL for the whole call" in report["reading"]
    assert ") releases the GIL" not in report["reading"] and ") release the GIL" not in report["reading"]
    # too few free cores: released and shared read alike, and all three say so
    report = _report([("python", 1.0), ("native", 0.01)], gil={"python": 0.5, "native": 0.48}, reference=0.5)
    assert "fewer than two free cores" in explain.render(report)
    assert "(released or shared" in report["reading"]


def test_reading_follows_the_measured_order_of_the_rungs():
    report = _report([("python", 78.3), ("native", 1.0), ("parallel", 2.0)])
    assert "the fastest rung is `native`, 78.3x faster" in report["reading"]
    assert "`parallel`, is slower than it here (39.1x over python)" in report["reading"]
    assert "`parallel` runs" not in report["reading"]
    report = _report([("python", 78.3), ("native", 2.0), ("parallel", 1.0)])
    assert report["reading"].startswith("On k, `parallel` runs 78.3x faster")


def test_reading_counts_lines_in_words_that_agree():
    ev = {"functions": {"work": {"nogil": True, "py_lines": 1}, "wrap": {"nogil": False, "py_lines": 3}},
          "py_lines": 4, "lines": 9, "loop_py_lines": 0}
    reading = _report([("python", 10.0), ("typed", 5.0), ("native", 1.0)], annotation_native=ev)["reading"]
    assert "(work) have 1 line calling the C-API" in reading and "(4 lines)" in reading
    assert "1 lines" not in reading


PURE_MODE_PAGE = """
<pre class="cython line score-0">&#xA0;<span class="">01</span>: @cython.cfunc</pre>
<pre class="cython line score-0">&#xA0;<span class="">02</span>: @cython.nogil</pre>
<pre class="cython line score-0">&#xA0;<span class="">03</span>: def _count(a: cython.int) -&gt; cython.int:</pre>
<pre class="cython line score-0">&#xA0;<span class="">04</span>:     return a</pre>
<pre class="cython line score-7" onclick="x">+<span class="">05</span>: def run(a):</pre>
<pre class="cython line score-0">&#xA0;<span class="">06</span>:     with cython.nogil:</pre>
<pre class="cython line score-0">&#xA0;<span class="">07</span>:         _count(a)</pre>
"""


def test_annotation_reads_cythons_pure_python_mode():
    funcs = annotation.functions(annotation.parse_html(PURE_MODE_PAGE))
    assert funcs["_count"]["nogil"] and funcs["_count"]["py_lines"] == 0
    assert not funcs["run"]["nogil"] and funcs["run"]["nogil_lines"] == 1 and funcs["run"]["calls"] == ["_count"]


def test_annotation_of_a_user_module_is_found_beside_it_even_inside_a_package(tmp_path, monkeypatch):
    from speedlab.spec import Variant

    built = tmp_path / "pkgx" / "_speedlab_native"
    built.mkdir(parents=True)
    (tmp_path / "pkgx" / "__init__.py").write_text("")
    (built / "mod.py").write_text("def f():\n    pass\n")
    funcs = annotation.functions(annotation.parse_html(PURE_MODE_PAGE))
    (built / annotation.FILENAME).write_text(json.dumps({"modules": {"_speedlab_native.mod": {"functions": funcs}}}))
    monkeypatch.syspath_prepend(str(tmp_path))
    ev = annotation.variant_evidence(Variant("native", "pkgx.mod:run", build="native"))
    assert ev is not None and list(ev["functions"]) == ["run", "_count"] and ev["nogil_lines"] == 2
    assert annotation.variant_evidence(Variant("python", "pkgx.mod:run")) is None


def test_fmt_time_picks_the_unit_after_rounding():
    assert fmt_time(9.997e-10) == "1 ns"  # not "1e+03 ps"
    assert fmt_time(0.0009999) == "1 ms"
    assert fmt_time(1.5e-10) == "150 ps" and fmt_time(123.456) == "123 s" and fmt_time(0) == "0"
