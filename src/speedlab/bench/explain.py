"""``speedlab explain KERNEL``: where one kernel's speedup comes from, with the evidence.

The report has six parts, each a function of the catalog entry alone:

* ``ladder``   -- the rungs timed in interleaved rounds (:mod:`speedlab.bench.timing`);
  each rung's factor over the rung before is the ratio of median times per unit
  of work, so the factors multiply exactly to the total (python over the top rung);
* ``annotation`` -- from the build's Cython annotation summary
  (:mod:`speedlab.bench.annotation`): per rung, the lines of the code it runs
  that still call the Python C-API, those inside loops, and those without the GIL;
* ``memory``   -- per rung, one call at the test size: Python allocations seen by
  ``tracemalloc`` (peak above the baseline during the call, blocks and bytes still
  held after it -- the result), garbage-collector runs and their total and
  longest pause (``gc.callbacks``), and the process's peak resident memory;
* ``latency``  -- many calls at the test size, python vs native: p50/p99/max
  (allocation and GC show up in the tail);
* ``concurrency`` -- the same total work (a fixed number of calls) over 1..cores
  threads: pure Python in a ``ThreadPoolExecutor`` (held by the GIL), ``native``
  in the same pool (the GIL released), and the OpenMP ``parallel`` rung run with
  ``n_threads`` = T; and how fast another Python thread runs while each rung
  runs, next to a reference that releases the GIL (:func:`gil_share`,
  :func:`gil_verdict`): whether the rung holds the GIL;
* ``reading``  -- a plain-language paragraph generated from those numbers.
"""

from __future__ import annotations

import gc
import math
import os
import resource
import statistics
import sys
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from speedlab.bench import annotation
from speedlab.bench.report import fmt_ratio, fmt_time
from speedlab.bench.timing import crossed_rungs, rung_bases, measure_kernel, median
from speedlab.spec import RUNG_MEANING, RUNGS, KernelSpec, VariantUnavailable

SCHEMA = "speedlab-explain/1"
#: The measured parts, in order (the progress messages start with these names).
PARTS = ("ladder", "memory", "latency", "concurrency")


# -- the ladder ------------------------------------------------------------------

def _meaning(spec: KernelSpec, name: str) -> str:
    """What the step onto ``name`` isolates: a rung's idea, or the library a variant brings."""
    if name in RUNG_MEANING:
        return RUNG_MEANING[name]
    feature = spec.variant(name).feature
    if feature is not None:
        from speedlab._buildtools import FEATURES

        return "the library: " + FEATURES[feature][0].split(" (")[0]
    return name


def ladder(spec: KernelSpec, rungs: list[str], *, full: bool, budget: float) -> dict[str, Any]:
    """Time the rungs (and the ``c`` ceiling) within about ``budget`` seconds and name each step.

    ``rungs`` may hold the variant a rung stands on (``rung_bases``), just
    before that rung: regexredux's ladder goes native -> pcre2 -> parallel,
    binarytrees' native -> pool -> parallel.
    """
    names = rungs + (["c"] if "c" in spec.variant_names else [])
    results = measure_kernel(spec, names, spec.sizes.quick, rounds=5 if full else 3,
                             min_time=0.05 if full else 0.02, budget=budget)
    by_name = {r.variant: r for r in results}
    defined = [v.name for v in spec.variants if v.name in RUNGS]
    steps, previous = [], None
    for name in rungs:
        res = by_name[name]
        per_unit = median(res.per_unit)
        step = {"rung": name, "n": res.n, "normalised": res.normalised, "seconds_per_unit": per_unit,
                "status": res.status, "error": res.error, "factor": None, "isolates": None,
                "round_factors": None}
        if per_unit and previous is not None and previous["seconds_per_unit"]:
            step["factor"] = previous["seconds_per_unit"] / per_unit
            # a rung that failed or is not built in between: this step isolates both
            # ideas; a library variant (pcre2, gmp) isolates the library
            crossed = crossed_rungs(previous["rung"], name, defined)
            step["isolates"] = " + ".join(_meaning(spec, r) for r in (crossed or [name]))
            step["previous"] = previous["rung"]
            spread = res.ratio_to_previous
            step["round_factors"] = {"min": min(spread), "max": max(spread)} if spread else None
        steps.append(step)
        if per_unit:
            previous = step
    ok = [s for s in steps if s["seconds_per_unit"]]
    total = ok[0]["seconds_per_unit"] / ok[-1]["seconds_per_unit"] if len(ok) > 1 and ok[0]["rung"] == "python" else None
    fastest = min(ok, key=lambda s: s["seconds_per_unit"]) if ok else None
    out = {"unit": spec.unit, "steps": steps, "total": total, "top": ok[-1]["rung"] if ok else None,
           # the rung with the least time per unit: not always the top one (threads can cost more than they save)
           "fastest": fastest["rung"] if fastest else None,
           "fastest_total": (ok[0]["seconds_per_unit"] / fastest["seconds_per_unit"]
                             if fastest and ok[0]["rung"] == "python" else None)}
    c = by_name.get("c")
    native = by_name.get("native")
    if c is not None and c.ok and native is not None and native.ok:
        out["native_over_c"] = median(native.per_unit) / median(c.per_unit)
    return out


# -- memory -----------------------------------------------------------------------

def _hwm_reset() -> bool:
    """Reset the kernel's peak-RSS mark for this process (Linux); False where impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class GCWatch:
    """Counts collections and times their pauses while active (``gc.callbacks``)."""

    def __init__(self):
        self.runs = 0
        self.pauses: list[float] = []
        self.by_generation = [0, 0, 0]
        self._start = 0.0

    def _callback(self, phase, info):
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._start)
            self.runs += 1
            gen = info.get("generation", 0)
            if 0 <= gen < len(self.by_generation):
                self.by_generation[gen] += 1

    def __enter__(self):
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self._callback)

    def record(self) -> dict[str, Any]:
        return {"runs": self.runs, "by_generation": self.by_generation,
                "total_pause_seconds": sum(self.pauses), "longest_pause_seconds": max(self.pauses, default=0.0)}


def _nothing() -> None:
    return None


def _traced(fn: Callable[..., Any], args: tuple, kwargs: dict) -> tuple[int, int, int]:
    """``(peak bytes above the baseline, bytes still held, blocks still held)`` of one call.

    A full collection empties CPython's free lists, so a warm-up call follows it:
    otherwise objects the call frees onto a free list would look "held".
    """
    gc.collect()
    fn(*args, **kwargs)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = fn(*args, **kwargs)
        current, peak = tracemalloc.get_traced_memory()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    del result
    blocks = sum(d.count_diff for d in after.compare_to(before, "filename"))
    return max(0, peak - base), max(0, current - base), max(0, blocks)


def memory(fn: Callable[..., Any], args: tuple, kwargs: dict) -> dict[str, Any]:
    """Allocations, garbage collection and peak memory of one call (after a warm-up call)."""
    fn(*args, **kwargs)  # warm-up: imports, caches, first-touch pages
    # 1. garbage collection, with nothing else watching (tracemalloc would slow the call)
    gc.collect()
    with GCWatch() as watch:
        result = fn(*args, **kwargs)
    del result
    record: dict[str, Any] = {"gc": watch.record()}
    # 2. Python allocations (see _traced), less what measuring a call that does nothing costs
    peak, held_bytes, held_blocks = _traced(fn, args, kwargs)
    _, empty_bytes, empty_blocks = _traced(_nothing, (), {})
    record["tracemalloc"] = {
        "peak_bytes": peak,
        # NOTE: what the allocator still holds after the call: the result (and
        # anything the kernel caches), net of the measurement's own overhead.
        "retained_bytes": max(0, held_bytes - empty_bytes),
        "retained_blocks": max(0, held_blocks - empty_blocks),
    }
    # 3. peak resident memory of the process during one call
    gc.collect()
    reset = _hwm_reset()
    rss_before = _status_kib("VmRSS")
    fn(*args, **kwargs)
    hwm = _status_kib("VmHWM") if reset else None
    if hwm is not None and rss_before is not None:
        record["rss"] = {"peak_bytes": hwm * 1024, "growth_bytes": max(0, hwm - rss_before) * 1024,
                         "method": "VmHWM after resetting it"}
    else:
        # NOTE: ru_maxrss is the peak of the whole process so far, not of the call.
        scale = 1 if sys.platform == "darwin" else 1024
        record["rss"] = {"peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale,
                         "growth_bytes": None, "method": "ru_maxrss (process lifetime)"}
    return record


# -- latency ----------------------------------------------------------------------

#: Quantiles kept for the latency figure: every 0.5 % (201 points).
_QUANTILES = [i / 200 for i in range(201)]


def _quantile(sorted_values: list[float], q: float) -> float:
    idx = q * (len(sorted_values) - 1)
    lo, hi = math.floor(idx), math.ceil(idx)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (idx - lo)


def latency(fn: Callable[..., Any], args: tuple, kwargs: dict, *, budget: float,
            min_calls: int = 100, max_calls: int = 5000) -> dict[str, Any]:
    """p50/p99/max over many calls, as many as ``budget`` seconds allow (within the bounds)."""
    t0 = time.perf_counter()
    fn(*args, **kwargs)
    one = max(time.perf_counter() - t0, 1e-7)
    calls = int(min(max_calls, max(min_calls, budget / one)))
    samples = []
    with GCWatch() as watch:
        for _ in range(calls):
            t0 = time.perf_counter()
            fn(*args, **kwargs)
            samples.append(time.perf_counter() - t0)
    samples.sort()
    return {
        "calls": calls,
        "p50": _quantile(samples, 0.5),
        "p99": _quantile(samples, 0.99),
        "max": samples[-1],
        "min": samples[0],
        "mean": statistics.fmean(samples),
        "gc_runs": watch.runs,
        "quantiles": [_quantile(samples, q) for q in _QUANTILES],
    }


# -- concurrency ------------------------------------------------------------------

def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def thread_counts(cores: int) -> list[int]:
    """1..cores, thinned to powers of two (and ``cores``) above 8 cores."""
    if cores <= 8:
        return list(range(1, cores + 1))
    counts = [1 << i for i in range(cores.bit_length()) if 1 << i <= cores]
    return counts + ([cores] if counts[-1] != cores else [])


#: Timed repeats per thread count in :func:`scaling`, interleaved; the fastest
#: counts (what the machine can do when a neighbour is not in the way).
REPEATS = 3


def scaling(run: Callable[[int, int], None], counts: list[int], *, budget: float) -> dict[str, Any]:
    """Time ``run(threads, jobs)`` for every thread count with one fixed number of jobs.

    ``jobs`` is a multiple of every count (so each thread gets the same share)
    chosen so one thread takes about ``budget / REPEATS`` seconds. The counts are
    timed :data:`REPEATS` times in rotating order and the fastest time is kept.
    """
    lcm = math.lcm(*counts)
    t0 = time.perf_counter()
    run(1, lcm)
    one = max(time.perf_counter() - t0, 1e-7) / lcm
    jobs = lcm * max(1, round(budget / REPEATS / (one * lcm)))
    seconds: dict[int, float] = {}
    for rep in range(REPEATS):
        shift = rep % len(counts)
        for t in counts[shift:] + counts[:shift]:
            t0 = time.perf_counter()
            run(t, jobs)
            elapsed = time.perf_counter() - t0
            seconds[t] = min(elapsed, seconds.get(t, elapsed))
    return {"jobs": jobs, "seconds": {str(t): seconds[t] for t in counts},
            "speedup": {str(t): seconds[counts[0]] / seconds[t] for t in counts}}


#: Pairs of windows in :func:`_share` (alone, then beside the call), interleaved so a
#: change of the machine's load between them cancels; the median pair is kept.
GIL_WINDOWS = 3
#: hashlib hashes a buffer of 2 KiB or more with the GIL released; 1 MiB is ~1-3 ms
#: of SHA-256: a reference call that releases the GIL and keeps a core busy.
REFERENCE_BYTES = 1 << 20
#: The readings of :func:`gil_verdict`, relative to that reference. Compiled code that
#: holds the GIL lets the other thread in only between its calls (0.1-0.3 of the
#: reference, measured on a loaded 2-core machine); Python bytecode hands the GIL over
#: every 5 ms (``sys.getswitchinterval``): about half; a released GIL: about the
#: reference itself. The bounds sit between those.
HELD_AT_MOST = 0.35
RELEASED_AT_LEAST = 0.7
#: A reference below this means the two threads got less than two cores (other load,
#: a CPU quota): then a released GIL and a shared one read alike, and the verdict says so.
TWO_CORES = 0.75


def _spin(stop) -> int:
    """Loop iterations of this thread until ``stop`` is set: how fast it gets to run."""
    count = 0
    while not stop.is_set():
        count += 1
    return count


def _share(call: Callable[[], Any], seconds: float) -> float:
    """Another Python thread's speed while ``call()`` runs back to back, over its speed alone.

    :data:`GIL_WINDOWS` pairs of windows of ``seconds / GIL_WINDOWS`` each: the
    thread spins alone (a sleeping timer ends the window), then spins while a
    worker thread calls ``call`` until the window has passed. Speeds are
    iterations per second; the median of the pairs' ratios is returned (at most 1).
    """
    import threading

    window = seconds / GIL_WINDOWS
    ratios = []
    for _ in range(GIL_WINDOWS):
        stop = threading.Event()
        timer = threading.Timer(window, stop.set)
        t0 = time.perf_counter()
        timer.start()
        alone = _spin(stop) / (time.perf_counter() - t0)
        timer.join()
        done = threading.Event()

        def work(done=done):
            end = time.perf_counter() + window
            try:
                while True:
                    call()
                    if time.perf_counter() >= end:
                        break
            finally:
                done.set()

        worker = threading.Thread(target=work)
        t0 = time.perf_counter()
        worker.start()
        during = _spin(done) / (time.perf_counter() - t0)
        worker.join()
        ratios.append(min(1.0, during / max(alone, 1e-9)))
    return statistics.median(ratios)


def gil_reference(*, seconds: float) -> float:
    """:func:`_share` beside SHA-256 of a large buffer (the GIL released): what "released" reads here now."""
    import hashlib

    data = bytes(REFERENCE_BYTES)
    return _share(lambda: hashlib.sha256(data).digest(), seconds)


def gil_share(spec: KernelSpec, fn: Callable[..., Any], *, seconds: float) -> dict[str, Any]:
    """How fast another Python thread runs while ``fn`` runs (:func:`_share`), relative to alone.

    The size is the largest (up to ``sizes.full``) whose call lasts about one
    window, so a call that holds the GIL holds it for long stretches (between
    calls the other thread gets in).
    """
    from speedlab.bench.timing import fitting_size

    small = spec.sizes.test
    t0 = time.perf_counter()
    fn(*spec.make_input(small))
    n = fitting_size(spec, small, max(small, spec.sizes.full), time.perf_counter() - t0, seconds / GIL_WINDOWS)
    args = spec.make_input(n)
    return {"n": n, "seconds": seconds, "share": _share(lambda: fn(*args), seconds)}


def gil_verdict(share: float, reference: float | None) -> tuple[float, str]:
    """``(share relative to the reference, verdict)``: one rule for the legend, the table and the prose.

    Relative share <= :data:`HELD_AT_MOST`: ``held``; >= :data:`RELEASED_AT_LEAST`:
    ``released`` -- or ``released or shared`` when the reference is below
    :data:`TWO_CORES` (the machine cannot tell them apart); between: ``partly held``.
    """
    relative = min(1.0, share / reference) if reference else share
    if relative <= HELD_AT_MOST:
        return relative, "held"
    if relative < RELEASED_AT_LEAST:
        return relative, "partly held"
    if reference is not None and reference < TWO_CORES:
        return relative, "released or shared"
    return relative, "released"


#: What each verdict means, in the words the legend and the prose use.
VERDICT_WORDS = {
    "held": "holds the GIL for the whole call",
    "partly held": "holds the GIL part of the time",
    "released": "releases the GIL",
    "released or shared": "does not hold the GIL throughout (released or shared: with less than two "
                          "free cores this machine cannot tell which)",
}


def _pool_runner(fn, args, kwargs):
    def run(threads: int, jobs: int) -> None:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for _ in pool.map(lambda _: fn(*args, **kwargs), range(jobs)):
                pass
    return run


def _openmp_runner(fn, args):
    def run(threads: int, jobs: int) -> None:
        for _ in range(jobs):
            fn(*args, n_threads=threads)
    return run


def concurrency(spec: KernelSpec, loaded: dict[str, Callable], counts: list[int], *, budget: float) -> dict[str, Any]:
    """Thread scaling of python (pool), native (pool) and parallel (OpenMP)."""
    out: dict[str, Any] = {"threads": counts}
    small, big = spec.make_input(spec.sizes.test), spec.make_input(spec.sizes.quick)
    reference = gil_reference(seconds=budget / 2)
    out["gil_reference"] = {"share": reference, "call": f"hashlib.sha256 of {REFERENCE_BYTES:,} bytes"}
    out["gil_share"] = {}
    for name, fn in loaded.items():
        g = gil_share(spec, fn, seconds=budget / 2)
        g["relative"], g["verdict"] = gil_verdict(g["share"], reference)
        out["gil_share"][name] = g
    if "python" in loaded:
        out["python_pool"] = dict(scaling(_pool_runner(loaded["python"], small, {}), counts, budget=budget),
                                  n=spec.sizes.test)
    if "native" in loaded:
        out["native_pool"] = dict(scaling(_pool_runner(loaded["native"], big, {}), counts, budget=budget),
                                  n=spec.sizes.quick)
    if "parallel" in loaded and spec.variant("parallel").threads:
        out["parallel_openmp"] = dict(scaling(_openmp_runner(loaded["parallel"], big), counts, budget=budget),
                                      n=spec.sizes.quick)
    return out


# -- the whole report -------------------------------------------------------------

def explain(spec: KernelSpec, *, threads: list[int] | None = None, full: bool = False,
            progress: Callable[[str], None] | None = None, scale: float | None = None) -> dict[str, Any]:
    """Measure and explain the ladder of ``spec``; the dict is what ``--json`` writes.

    Parameters
    ----------
    spec : KernelSpec
    threads : list of int, optional
        Thread counts for the concurrency part (default: 1..cores).
    full : bool
        Longer measurements (about four times the quick budget).
    progress : callable, optional
        Receives a short message before each part.
    scale : float, optional
        Multiplies every time budget (default 1, or 4 with ``full``); the tests
        use a small one.

    Returns
    -------
    dict
        ``schema``, ``kernel``, ``ladder``, ``annotation``, ``memory``,
        ``latency``, ``concurrency``, ``reading``, ``failed`` (parts or rungs
        that raised), ``why_small`` and ``no_parallel`` from the catalog.
    """
    say = progress or (lambda message: None)
    if scale is None:
        scale = 4.0 if full else 1.0
    failed: list[str] = []
    bases = rung_bases(spec)
    rungs = []
    for v in spec.variants:
        if v.name in RUNGS:
            rungs += [bases[v.name], v.name] if v.name in bases else [v.name]
    loaded: dict[str, Callable] = {}
    for name in rungs:
        try:
            loaded[name] = spec.variant(name).load()
        except VariantUnavailable as exc:
            failed.append(f"{name}: {spec.variant(name).missing_reason() or exc}")
    report: dict[str, Any] = {"schema": SCHEMA, "kernel": spec.name, "summary": spec.summary,
                              "unit": spec.unit, "why_small": spec.why_small or None,
                              "no_parallel": spec.no_parallel or None, "cores": usable_cores()}

    from speedlab.bench.environment import build_info

    build = build_info() or {}
    report["build"] = {key: build.get(key) for key in ("compiler", "cflags", "openmp", "openmp_flags", "cython",
                                                       "debug", "native_arch")}
    if "simd" in loaded:
        # Evidence for the vector step: the path that ran, what the CPU offers, what the rung does.
        from speedlab import _simd

        report["simd"] = {"path": _simd.path(), "vector_bits": _simd.WIDTH[_simd.path()] * 8,
                          "cpu": list(_simd.cpu()), "built": list(_simd.built()),
                          "what": spec.variant("simd").note}
    say("ladder")
    report["ladder"] = ladder(spec, [r for r in rungs if r in loaded], full=full, budget=8.0 * scale)
    failed += [f"{s['rung']}: {s['error']}" for s in report["ladder"]["steps"] if s["status"] == "failed"]

    evidence = {name: annotation.variant_evidence(spec.variant(name)) if name in loaded else None
                for name in rungs}
    user_built = any(spec.variant(name).build for name in rungs)
    report["annotation"] = {
        "available": any(ev is not None for ev in evidence.values()),
        "rungs": evidence,
        # where a missing summary comes from, for the text
        "hint": ("rebuild with `speedlab build DIR` (it writes _annotation.json beside the modules)"
                 if user_built else "rebuild speedlab to get it (speedlab/_native/_annotation.json)"),
    }

    n_small = spec.sizes.test
    args = spec.make_input(n_small)
    report["memory"] = {"n": n_small, "rungs": {}}
    for name, fn in loaded.items():
        say(f"memory: {name}")
        try:
            report["memory"]["rungs"][name] = memory(fn, args, {})
        except Exception as exc:  # reported, the report goes on
            failed.append(f"memory/{name}: {type(exc).__name__}: {exc}")

    report["latency"] = {"n": n_small, "rungs": {}}
    for name in ("python", "native"):
        if name in loaded:
            say(f"latency: {name}")
            try:
                report["latency"]["rungs"][name] = latency(loaded[name], args, {}, budget=1.0 * scale,
                                                           min_calls=100 if scale >= 1 else 10)
            except Exception as exc:
                failed.append(f"latency/{name}: {type(exc).__name__}: {exc}")

    say("concurrency")
    counts = sorted(set(threads)) if threads else thread_counts(usable_cores())
    try:
        report["concurrency"] = concurrency(spec, loaded, counts, budget=0.4 * scale)
    except Exception as exc:
        failed.append(f"concurrency: {type(exc).__name__}: {exc}")
        report["concurrency"] = {"threads": counts}

    report["failed"] = failed
    report["reading"] = reading(report)
    return report


# -- words ------------------------------------------------------------------------

def _x(value: float | None) -> str:
    return fmt_ratio(value) if value is not None else "?"


def _verb(phrase: str, count: int) -> str:
    """``holds ...`` for one subject, ``hold ...`` for several (the phrase's first word is the verb)."""
    if count == 1:
        return phrase
    verb, _, rest = phrase.partition(" ")
    plural = {"holds": "hold", "releases": "release", "does": "do"}.get(verb, verb)
    return f"{plural} {rest}"


def _lines(count: int) -> str:
    return f"{count} line" if count == 1 else f"{count} lines"


def reading(report: dict[str, Any]) -> str:
    """One paragraph, in plain language, generated from the numbers of ``report``.

    Parameters
    ----------
    report : dict
        What :func:`explain` measured (``reading`` itself not needed).

    Returns
    -------
    str
    """
    lad = report["ladder"]
    steps = {s["rung"]: s for s in lad["steps"]}
    ann = report["annotation"]["rungs"]
    mem = report["memory"]["rungs"]
    parts = []
    fastest, top = lad.get("fastest") or lad["top"], lad["top"]
    if lad["total"] and fastest == top:
        parts.append(f"On {report['kernel']}, `{top}` runs {_x(lad['total'])} faster than the "
                     f"pure-Python twin per {report['unit']}.")
    elif lad["total"] and lad.get("fastest_total"):
        # NOTE: phrased from the measured order: the top rung is not always the fastest
        # (threads on a small input, or a loaded machine, cost more than they save).
        parts.append(f"On {report['kernel']}, the fastest rung is `{fastest}`, {_x(lad['fastest_total'])} "
                     f"faster than the pure-Python twin per {report['unit']}; the top rung, `{top}`, is "
                     f"slower than it here ({_x(lad['total'])} over python).")

    def single(name):  # the step's factor, when it isolates this rung's idea alone
        step = steps.get(name, {})
        return step.get("factor") if step.get("previous") and len(step.get("isolates", "").split(" + ")) == 1 else None

    comp = single("compiled")
    if comp:
        parts.append(f"Compiling the unchanged Python source gives {_x(comp)}: the interpreter's dispatch "
                     "goes, but every value is still a Python object.")
    typed = single("typed")
    if typed:
        line = f"C types on the scalars give {_x(typed)}"
        ev = ann.get("typed")
        if ev:
            line += (f", yet {ev['py_lines']} of its {_lines(ev['lines'])} still call the Python C-API "
                     f"({ev['loop_py_lines']} inside loops)")
        parts.append(line + ".")
    native = single("native")
    if native:
        line = f"Memory discipline gives {_x(native)}"
        ev = ann.get("native")
        if ev:
            hot = [name for name, f in ev["functions"].items() if f["nogil"]]
            hot_py = sum(ev["functions"][name]["py_lines"] for name in hot)
            if hot:
                line += (f": the functions that do the work ({', '.join(hot)}) have {_lines(hot_py)} calling "
                         f"the C-API and run without the GIL; what remains ({_lines(ev['py_lines'])}) builds "
                         "the input and the result")
        parts.append(line + ".")
    vector = single("simd")
    simd = report.get("simd")
    if vector and simd:
        parts.append(f"Vector instructions give {_x(vector)}: the {simd['path']} path ({simd['vector_bits']}-bit "
                     f"vectors, chosen at run time from what this CPU runs: {', '.join(simd['cpu'])}); "
                     f"{simd['what']}.")
    for step in lad["steps"]:
        # a step over rungs that were not run (or failed): its factor is theirs together
        if step.get("factor") and step.get("previous") and " + " in (step.get("isolates") or ""):
            parts.append(f"From {step['previous']} to {step['rung']}, {step['isolates']} together "
                         f"give {_x(step['factor'])}.")
        if step["rung"] not in RUNGS and step["factor"]:
            parts.append(f"Changing the engine to {step['isolates'].removeprefix('the library: ')} "
                         f"(`{step['rung']}`) gives {_x(step['factor'])}.")
    py_gc, nat_gc = mem.get("python", {}).get("gc"), mem.get("native", {}).get("gc")
    py_tm, nat_tm = mem.get("python", {}).get("tracemalloc"), mem.get("native", {}).get("tracemalloc")
    if py_gc and nat_gc and py_tm and nat_tm:
        parts.append(
            f"One call at n={report['memory']['n']:,} makes the garbage collector run {py_gc['runs']} times in "
            f"python (longest pause {fmt_time(py_gc['longest_pause_seconds'])}) and {nat_gc['runs']} times in "
            f"native; Python's heap peaks {py_tm['peak_bytes']:,} bytes above its baseline in python and "
            f"{nat_tm['peak_bytes']:,} bytes in native, which holds {nat_tm['retained_blocks']} blocks "
            f"({nat_tm['retained_bytes']:,} bytes) after the call: its result.")
        # NOTE: a pure twin whose heap hardly grows recycles its temporaries through
        # CPython's free lists: it pays in allocation churn, which tracemalloc cannot see.
        if py_tm["peak_bytes"] < 2 * max(nat_tm["peak_bytes"], 1):
            parts.append("Pure Python's heap barely grows either: its temporary objects "
                         "are recycled through CPython's free lists, so it pays in allocation "
                         "churn, not memory.")
    lat = report["latency"]["rungs"]
    if "python" in lat and "native" in lat:
        p, q = lat["python"], lat["native"]
        line = (f"Latency over many small calls: python p99/p50 = {p['p99'] / p['p50']:.2g} "
                f"({p['gc_runs']} GC runs), native {q['p99'] / q['p50']:.2g} ({q['gc_runs']} GC runs)")
        # NOTE: a p99 three times the median with no collection behind it is the
        # machine (other processes, interrupts), not the kernel.
        if q["gc_runs"] == 0 and q["p99"] > 3 * q["p50"]:
            line += "; native's tail has no garbage collection behind it: it is the operating system running other work"
        parts.append(line + ".")
    conc = report.get("concurrency", {})
    top_t = str(max(conc.get("threads", [1])))
    if top_t != "1":
        bits = []
        for key, label in (("python_pool", "pure Python in a thread pool"),
                           ("native_pool", "native in the same pool (GIL released)"),
                           ("parallel_openmp", "the OpenMP parallel rung")):
            if key in conc:
                bits.append(f"{label} {_x(conc[key]['speedup'][top_t])}")
        if bits:
            parts.append(f"With {top_t} threads on the same total work: {'; '.join(bits)}.")
    share = conc.get("gil_share", {})
    ref = (conc.get("gil_reference") or {}).get("share")
    verdicts: dict[str, list[str]] = {}
    for name, g in share.items():
        relative, verdict = gil_verdict(g["share"], ref)
        verdicts.setdefault(g.get("verdict") or verdict, []).append(f"{name} ({relative:.2f})")
    if verdicts:
        bits = [f"{', '.join(names)} {_verb(VERDICT_WORDS[v], len(names))}"
                for v, names in sorted(verdicts.items(), key=lambda kv: list(VERDICT_WORDS).index(kv[0]))]
        parts.append("While a call runs, another Python thread keeps this share of its speed beside a call "
                     "that releases the GIL: " + "; ".join(bits) + ".")
    if report.get("no_parallel"):
        parts.append(f"There is no parallel rung: {report['no_parallel']}.")
    if lad.get("native_over_c"):
        parts.append(f"native takes {lad['native_over_c']:.2f}x the time of hand-written C.")
    if report.get("why_small"):
        parts.append(f"Why the gain is small: {report['why_small']}")
    return " ".join(parts)


def render(report: dict[str, Any]) -> str:
    """The report as text: the ladder with named steps, then the evidence, then the reading.

    Parameters
    ----------
    report : dict
        The result of :func:`explain`.

    Returns
    -------
    str
    """
    lad = report["ladder"]
    build = report.get("build") or {}
    flags = " ".join(build.get("cflags") or []) or "?"
    openmp = "OpenMP" if build.get("openmp") else "no OpenMP"
    lines = [f"{report['kernel']}: {report['summary']}",
             f"built with {build.get('compiler') or 'unknown compiler'}: {flags}, {openmp}, Cython {build.get('cython')}",
             "",
             f"the ladder (time per {report['unit']}; each factor is over the rung before)"]
    factors = []
    for s in lad["steps"]:
        mark = " *" if s["normalised"] else ""
        if not s["seconds_per_unit"]:
            lines.append(f"  {s['rung']:9} FAILED  {s['error'] or 'no measurement'}")
            continue
        if s["factor"] is None:
            lines.append(f"  {s['rung']:9} {fmt_time(s['seconds_per_unit']):>9}{mark}")
            continue
        factors.append(s["factor"])
        rf = s["round_factors"]
        rng = f"  rounds {rf['min']:.3g}-{rf['max']:.3g}" if rf else ""
        lines.append(f"  {s['rung']:9} {fmt_time(s['seconds_per_unit']):>9}{mark}  x{s['factor']:<8.3g} "
                     f"{s['isolates']}{rng}")
    if lad["total"]:
        product = " x ".join(f"{f:.3g}" for f in factors)
        lines.append(f"  total     {_x(lad['total'])} = {product}")
    if any(s["normalised"] for s in lad["steps"]):
        lines.append(f"  * run at a smaller n, compared per {report['unit']}")

    lines += ["", "Python C-API calls left (Cython annotation: lines / in loops / lines without the GIL)"]
    ann = report["annotation"]
    if not ann["available"]:
        lines.append(f"  no annotation summary for these modules: {ann.get('hint') or 'rebuild to get it'}")
    for name, ev in ann["rungs"].items():
        if ev is None:
            why = "interpreted, every line" if name == "python" else "not annotated in this build"
            lines.append(f"  {name:9} {why}")
            continue
        funcs = ", ".join(f"{fn} {f['py_lines']}/{f['lines']}" + (" nogil" if f["nogil"] else "")
                          for fn, f in ev["functions"].items())
        lines.append(f"  {name:9} {ev['py_lines']:>3} of {ev['lines']:>3} lines, {ev['loop_py_lines']:>3} in loops, "
                     f"{ev['nogil_lines']:>3} without the GIL  ({funcs})")

    mem = report["memory"]
    lines += ["", f"memory, one call at n={mem['n']:,} (tracemalloc: peak above baseline / still held; GC runs, total and longest pause; peak RSS)"]
    for name, m in mem["rungs"].items():
        tm, g, rss = m["tracemalloc"], m["gc"], m["rss"]
        lines.append(f"  {name:9} peak {tm['peak_bytes']:>11,} B  held {tm['retained_blocks']:>5,} blocks "
                     f"{tm['retained_bytes']:>8,} B  GC {g['runs']:>4} runs {fmt_time(g['total_pause_seconds']):>8} "
                     f"(longest {fmt_time(g['longest_pause_seconds'])})  RSS {rss['peak_bytes'] / 2**20:.1f} MiB")

    lat = report["latency"]
    if lat["rungs"]:
        lines += ["", f"latency, many calls at n={lat['n']:,}"]
        for name, q in lat["rungs"].items():
            lines.append(f"  {name:9} p50 {fmt_time(q['p50']):>9}  p99 {fmt_time(q['p99']):>9}  "
                         f"max {fmt_time(q['max']):>9}  ({q['calls']} calls, {q['gc_runs']} GC runs)")

    conc = report.get("concurrency", {})
    modes = [(k, label) for k, label in (("python_pool", "python, thread pool"),
                                         ("native_pool", "native, thread pool"),
                                         ("parallel_openmp", "parallel, OpenMP")) if k in conc]
    if modes:
        lines += ["", "concurrency: speedup of the same total work over 1 thread"]
        lines.append("  " + " " * 20 + "".join(f"{t:>7}" for t in conc["threads"]))
        for key, label in modes:
            lines.append(f"  {label:20}" + "".join(f"{conc[key]['speedup'][str(t)]:>6.2f}x" for t in conc["threads"]))

    if conc.get("gil_share"):
        ref = (conc.get("gil_reference") or {}).get("share")
        lines += ["",
                  ("the GIL: another Python thread's speed while the rung runs, relative to its speed beside a "
                   "call that releases the GIL"),
                  (f"(hashlib; {_fmt_share(ref)} of its speed alone here): <= {HELD_AT_MOST} held, "
                   f">= {RELEASED_AT_LEAST} released, between: held part of the time")]
        if ref is not None and ref < TWO_CORES:
            lines.append(f"(the reference is below {TWO_CORES}: fewer than two free cores, so a released GIL "
                         "reads like a shared one)")
        lines.append("  " + "  ".join(f"{name} {_fmt_share(g.get('relative', g['share']))} "
                                      f"({g.get('verdict') or gil_verdict(g['share'], ref)[1]})"
                                      for name, g in conc["gil_share"].items()))

    lines += ["", _wrap(report["reading"])]
    if report["failed"]:
        lines += ["", "FAILED: " + "; ".join(report["failed"])]
    return "\n".join(lines)


def _fmt_share(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f}"


def _wrap(text: str, width: int = 88) -> str:
    import textwrap

    return textwrap.fill(text, width)
