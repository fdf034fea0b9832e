"""The benchmark harness: plans, ratios, normalisation, failures, the JSON schema, --compare, explain.

Fast by construction: a fake kernel (``fake_kernel.py``) at tiny sizes, one or
two rounds of a few milliseconds; nbody only where its build is the point.
"""

import json

import pytest

import fake_kernel
from speedlab import catalog, cli
from speedlab.bench import annotation, compare, explain, suite
from speedlab.bench.report import table
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
                   "seconds_per_unit", "ratio_to_python", "previous", "ratio_to_previous"}
    for record in doc["results"]:
        assert set(record) == record_keys
    parallel = next(r for r in doc["results"] if r["variant"] == "parallel")
    assert parallel["threads"] == 2 and parallel["status"] == "ok"


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
