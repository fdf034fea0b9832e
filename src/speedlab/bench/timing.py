"""The timing harness: warm-up, calibration, interleaved rounds, medians, ratios.

One :func:`measure_kernel` call times several variants of one kernel:

1. each variant runs once (warm-up: imports, caches, page faults, a JIT's
   compilation -- recorded as ``first_call``) and that run calibrates how many
   calls one measurement needs to last ``min_time``; its result must agree, by
   the kernel's ``compare``, with that of the first variant run at the same
   size, or the variant is failed and not timed;
2. when a time ``budget`` is given (``speedlab bench --quick``), a variant is
   first probed at the test size, and one that would take more than a share of
   the budget per call runs at a smaller ``n`` (:func:`fitting_size`); then
   :func:`plan` shortens the measurements, then the rounds, so the kernel fits;
3. ``rounds`` rounds follow; every round times every variant once, in an order
   that rotates from round to round, so drift of the machine (frequency, a
   neighbour's load) hits all variants alike;
4. times are per unit of work (per step, per pixel...), so a slow rung run at a
   smaller ``n`` (its ``max_n``) is still comparable -- and marked ``normalised``;
5. ratios to ``python`` and to the rung before are computed round by round
   (only over rounds both variants completed) and then summarised, which
   cancels the drift shared within a round.

With ``simd_paths``, the ``simd`` rung is timed once per vector path this CPU
and build run (``simd[avx2]``, ``simd[avx512]`` ...: ``SPEEDLAB_SIMD`` forced
for its calls only), each compared with ``native``; the path the rung runs
unforced stands for ``simd`` in the ratios of the rungs above it.

A variant that raises is recorded as ``failed`` with the error and the others go
on; an optional peer that is not installed is ``unavailable`` (not a failure).
"""

from __future__ import annotations

import gc
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable

from speedlab.spec import RUNGS, KernelSpec, VariantUnavailable

#: Default shortest measurement: long enough that perf_counter's resolution
#: and call overhead are far below 1 % of it.
MIN_TIME = 0.05
#: The shortest measurement :func:`plan` goes down to under a budget: still
#: ~1000x perf_counter's resolution on Linux (sub-microsecond).
FLOOR_TIME = 0.005

#: Progress callback: ``progress(message, fraction_of_this_kernel_done)``.
Progress = Callable[[str, float], None]


@dataclass
class Result:
    """The timing of one variant (at one thread count) of one kernel."""

    kernel: str
    variant: str
    n: int
    unit: str
    work_units: float
    threads: int | None
    label: str = ""
    kind: str = "rung"
    loops: int = 0
    seconds: list[float] = field(default_factory=list)  # per call, one per completed round
    round_index: list[int] = field(default_factory=list)  # which round each entry came from
    first_call: float | None = None  # the warm-up call, compile time included for a JIT
    first_call_n: int | None = None  # the size of that first call
    call_estimate: float = 0.0  # the per-call time the loop count is calibrated on
    normalised: bool = False
    status: str = "ok"  # ok | failed | unavailable
    error: str | None = None
    ratio_to_python: list[float] = field(default_factory=list)
    ratio_to_previous: list[float] = field(default_factory=list)
    previous: str | None = None
    crossed: list[str] = field(default_factory=list)  # the rungs the step from `previous` climbs
    simd_path: str | None = None  # the vector path forced for this row (``simd[PATH]`` rows)
    simd_default: bool = False  # that path is the one the simd rung runs unforced

    def __post_init__(self):
        if not self.label:
            self.label = self.variant

    @property
    def per_unit(self) -> list[float]:
        return [s / self.work_units for s in self.seconds] if self.work_units else list(self.seconds)

    @property
    def ok(self) -> bool:
        return self.status == "ok" and bool(self.seconds)

    def fail(self, exc: BaseException) -> None:
        self.status = "failed"
        self.error = f"{type(exc).__name__}: {exc}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kernel": self.kernel,
            "variant": self.variant,
            "label": self.label,
            "kind": self.kind,
            "n": self.n,
            "unit": self.unit,
            "work_units": self.work_units,
            "threads": self.threads,
            "loops": self.loops,
            "rounds": len(self.seconds),
            "normalised": self.normalised,
            "status": self.status,
            "error": self.error,
            "first_call_seconds": self.first_call,
            "first_call_n": self.first_call_n,
            "seconds": summary(self.seconds),
            "seconds_per_unit": summary(self.per_unit),
            "ratio_to_python": summary(self.ratio_to_python),
            "previous": self.previous,
            "ratio_to_previous": summary(self.ratio_to_previous),
            "simd_path": self.simd_path,
            "simd_default": self.simd_default,
        }


def plain_results(results: list[Result]) -> dict[str, Result]:
    """Each variant's result as the rungs above it are compared with: the row labelled
    by its name (not ``parallel@2``), or for ``simd[PATH]`` rows the unforced path's."""
    plain = {r.variant: r for r in results if r.label == r.variant}
    for r in results:
        if r.simd_default:
            plain.setdefault(r.variant, r)
    return plain


def summary(values: list[float]) -> dict[str, float] | None:
    """Median, min, max and the relative spread ((max - min) / median) of ``values``."""
    if not values:
        return None
    med = median(values)
    return {
        "median": med,
        "min": min(values),
        "max": max(values),
        "spread": (max(values) - min(values)) / med if med else 0.0,
    }


def median(values: list[float]) -> float | None:
    import statistics  # here: `speedlab run` imports this module for freeze_startup alone

    return statistics.median(values) if values else None


def _time_calls(fn: Callable[..., Any], args: tuple, kwargs: dict, loops: int) -> float:
    """Seconds per call over ``loops`` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(loops):
        fn(*args, **kwargs)
    return (time.perf_counter() - start) / loops


def loops_for(call_seconds: float, min_time: float) -> int:
    """Calls per measurement so that one measurement lasts at least ``min_time``."""
    if call_seconds >= min_time:
        return 1
    return int(min_time / max(call_seconds, 1e-9)) + 1


def plan(call_seconds: list[float], budget: float, rounds: int, min_time: float,
         floor: float = FLOOR_TIME) -> tuple[int, float]:
    """Rounds and measurement length that fit ``budget`` seconds.

    One round costs ``sum(max(min_time, t))`` over the variants' call times
    ``t``. Measurements are shortened first (halved down to ``floor``), because
    rounds are what the spread and the round-by-round ratios are made of; then
    rounds are dropped, down to one.

    Parameters
    ----------
    call_seconds : list of float
        Estimated seconds of one call of each variant.
    budget : float
        Seconds the rounds may take.
    rounds : int
        Rounds wanted.
    min_time : float
        Shortest measurement wanted, in seconds.
    floor : float
        Shortest measurement accepted.

    Returns
    -------
    tuple of (int, float)
        ``(rounds, min_time)`` to use.
    """
    def cost(r: int, mt: float) -> float:
        return r * sum(max(mt, t) for t in call_seconds)

    mt = min_time
    while cost(rounds, mt) > budget and mt > floor:
        mt = max(floor, mt / 2)
    r = rounds
    while cost(r, mt) > budget and r > 1:
        r -= 1
    return r, mt


def fitting_size(spec: KernelSpec, small: int, n: int, small_seconds: float, cap: float) -> int:
    """The largest size in ``[small, n]`` whose call should last at most ``cap`` seconds.

    The prediction scales the time of one call at ``small`` by ``spec.work``
    (time per unit of work taken as constant, the premise of normalising).
    """
    per_unit = small_seconds / max(spec.work(small), 1e-300)
    if spec.work(n) * per_unit <= cap:
        return n
    lo, hi = small, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if spec.work(mid) * per_unit <= cap:
            lo = mid
        else:
            hi = mid - 1
    return lo


def rung_bases(spec: KernelSpec) -> dict[str, str]:
    """Rungs built on another variant than the rung before: rung -> that variant.

    A rung names it (``Variant.base``: binarytrees' ``parallel`` runs ``pool``'s
    trees on threads), or it needs an optional library (``Variant.feature``) and
    stands on the kernel's variant named after that library: regexredux's
    ``parallel`` runs ``pcre2`` on threads. Either way its step is measured from
    that variant, not from ``native``.
    """
    names = spec.variant_names
    bases = {}
    for v in spec.variants:
        base = v.base or (v.feature if v.feature != v.name else None)
        if v.name in RUNGS and base and base in names:
            bases[v.name] = base
    return bases


def previous_rung(name: str, present: list[str], bases: dict[str, str] | None = None) -> str | None:
    """The rung a variant is compared with: the rung before it (or its library
    variant: ``rung_bases``), or ``native`` for references and extras."""
    base = (bases or {}).get(name)
    if base in present:
        return base
    if name in RUNGS:
        idx = RUNGS.index(name)
        for earlier in reversed(RUNGS[:idx]):
            if earlier in present:
                return earlier
        return None
    if name == "python":
        return None
    return "native" if "native" in present and name != "native" else None


def crossed_rungs(previous: str | None, name: str, defined: list[str]) -> list[str]:
    """The rungs a step from ``previous`` to ``name`` climbs: every rung of the kernel after
    ``previous`` up to ``name`` (``python -> native`` climbs compiled, typed and native when
    the kernel has them, whether or not they were run). Empty for a reference or extra."""
    if previous is None or name not in RUNGS or previous not in RUNGS:
        return []
    ladder = [r for r in RUNGS if r in defined or r in (previous, name)]
    return ladder[ladder.index(previous) + 1:ladder.index(name) + 1]


def _entries(spec: KernelSpec, variants: list[str], threads: list[int] | None, simd_paths: bool = False):
    """``(label, variant, n_threads, simd_path)`` for every measurement: one per thread count
    for threaded variants, one per vector path for ``simd`` when ``simd_paths``."""
    out = []
    for name in variants:
        variant = spec.variant(name)
        if variant.threads and threads:
            if len(threads) == 1:
                out.append((name, variant, threads[0], None))
            else:
                out += [(f"{name}@{t}", variant, t, None) for t in threads]
        elif name == "simd" and simd_paths:
            from speedlab import _simd

            try:
                paths = _simd.supported()
            except ImportError:  # not built: the one row fails as it would unforced
                paths = ()
            out += [(f"simd[{p}]", variant, None, p) for p in paths] or [(name, variant, None, None)]
        else:
            out.append((name, variant, None, None))
    return out


def freeze_startup() -> None:
    """Move every object alive now out of the cyclic collector's sight.

    Start-up leaves ~11,000 objects (argparse, the catalog, dataclasses, NumPy)
    in the collector's oldest generation, and every full collection during a
    kernel walks them again: binarytrees 17's ~120 full passes made the python
    rung ~15% slower than the same code run as a bare script. Frozen, they are
    skipped, as in a program that imports only what it computes with. Reference
    counting still frees them; only cycles among them would stay.
    """
    gc.collect()
    gc.freeze()


def measure_kernel(
    spec: KernelSpec,
    variants: list[str],
    n: int,
    *,
    rounds: int = 5,
    min_time: float = MIN_TIME,
    threads: int | list[int] | None = None,
    budget: float | None = None,
    progress: Progress | None = None,
    simd_paths: bool = False,
) -> list[Result]:
    """Time ``variants`` of ``spec`` at size ``n`` (see the module docstring).

    Parameters
    ----------
    spec : KernelSpec
    variants : list of str
        Variant names, in the order of the report.
    n : int
        The size; a variant with a smaller ``max_n`` runs at that and is normalised.
    rounds : int
        Timed rounds (fewer when ``budget`` requires).
    min_time : float
        Shortest single measurement in seconds.
    threads : int or list of int, optional
        ``n_threads`` for threaded variants; several counts give one result each
        (labelled ``parallel@T``). None lets the variant use every core.
    budget : float, optional
        Seconds this kernel may take; see :func:`plan`.
    progress : callable, optional
        ``progress(message, fraction)``.
    simd_paths : bool
        Time ``simd`` on every vector path this CPU and build run, one result
        each (labelled ``simd[PATH]``), instead of on the path it picks.

    Returns
    -------
    list of Result
        One per measurement, in the order of ``variants``.
    """
    freeze_startup()  # as `speedlab run` does: the twins are timed as a script runs them
    if isinstance(threads, int):
        threads = [threads]
    started = time.perf_counter()
    results: dict[str, Result] = {}
    calls: dict[str, tuple[Callable[..., Any], tuple, dict]] = {}
    inputs: dict[int, tuple] = {}
    # NOTE: a wrong variant is never timed: each warm-up result is compared with
    # the first one at the same size (python's, in the catalog's order).
    expected: dict[int, tuple[str, Any]] = {}
    entries = _entries(spec, variants, threads, simd_paths)
    # NOTE: under a budget, no single call may take more than a share of it:
    # a slow rung is first probed at the test size and, if it would be too slow
    # at n, run at the largest n that fits and normalised per unit of work.
    cap = budget / (3 * len(entries)) if budget is not None and entries else None
    for i, (label, variant, n_threads, path) in enumerate(entries):
        size = min(n, variant.max_n) if variant.max_n else n
        res = Result(spec.name, variant.name, size, spec.unit, 0.0, n_threads,
                     label=label, kind=variant.kind, simd_path=path)
        results[label] = res
        if progress:
            progress(f"{spec.name}/{label}: warm-up", i / len(entries) * 0.3)
        try:
            fn = variant.load()
        except VariantUnavailable as exc:
            if variant.optional:
                res.status, res.error = "unavailable", str(exc)
            else:
                res.fail(exc)
            continue
        try:
            res.work_units = spec.work(size)
            if path is not None:
                from speedlab import _simd

                res.simd_default = path == _simd.path()
            kwargs = {"n_threads": n_threads} if variant.threads and n_threads else {}
            if cap is not None and size > spec.sizes.test:
                probe = spec.make_input(spec.sizes.test)
                with _forced(path):
                    t0 = time.perf_counter()
                    fn(*probe, **kwargs)
                    res.first_call, res.first_call_n = time.perf_counter() - t0, spec.sizes.test
                if variant.peer:  # the probe compiled it; time the steady state
                    res.call_estimate = _time_calls(fn, probe, kwargs, 1)
                else:
                    res.call_estimate = res.first_call
                size = fitting_size(spec, spec.sizes.test, size, res.call_estimate, cap)
                res.n, res.work_units = size, spec.work(size)
            res.normalised = size != n
            if size not in inputs:
                inputs[size] = spec.make_input(size)
            with _forced(path):
                t0 = time.perf_counter()
                out = fn(*inputs[size], **kwargs)
                elapsed = time.perf_counter() - t0
            if size in expected:
                first, want = expected[size]
                if not spec.compare(want, out):
                    raise ValueError(f"wrong result at n={size:,}: it differs from {first}'s "
                                     "(by the kernel's compare); not timed")
            else:
                expected[size] = (label, out)
            del out
            if res.first_call is None:
                res.first_call, res.first_call_n = elapsed, size
            calibration = elapsed
            if variant.peer and res.first_call_n == size:
                # NOTE: a JIT peer's first call is mostly compilation; calibrate on
                # the second, which is what the steady state looks like.
                calibration = _time_calls(fn, inputs[size], kwargs, 1)
            res.call_estimate = calibration
            res.loops = loops_for(calibration, min_time)
            calls[label] = (fn, inputs[size], kwargs)
        except Exception as exc:  # a failing variant is reported, the run goes on
            res.fail(exc)

    expected.clear()  # the rounds run without the reference results held in memory

    if budget is not None and calls:
        # NOTE: the rounds get at least half the budget even when warm-ups
        # overran (a JIT compiling): one round alone gives no spread at all.
        remaining = max(budget / 2, budget - (time.perf_counter() - started))
        per_call = [results[label].call_estimate for label in calls]
        rounds, short = plan(per_call, remaining, rounds, min_time)
        for label in calls:
            results[label].loops = loops_for(results[label].call_estimate, short)

    order = list(calls)
    for r in range(rounds):
        shift = r % len(order) if order else 0
        for j, label in enumerate(order[shift:] + order[:shift]):
            if progress:
                done = 0.3 + 0.7 * (r + j / max(1, len(order))) / rounds
                progress(f"{spec.name}/{label}: round {r + 1}/{rounds}", done)
            fn, args, kwargs = calls[label]
            res = results[label]
            try:
                with _forced(res.simd_path):
                    res.seconds.append(_time_calls(fn, args, kwargs, res.loops))
                res.round_index.append(r)
            except Exception as exc:
                res.fail(exc)
                calls.pop(label)
        order = [label for label in order if label in calls]

    attach_ratios(list(results.values()), defined=list(spec.variant_names), bases=rung_bases(spec))
    return list(results.values())


def _forced(path: str | None):
    """The context a call runs in: ``SPEEDLAB_SIMD`` forced to ``path``, or nothing."""
    if path is None:
        return nullcontext()
    from speedlab import _simd

    return _simd.forced(path)


def attach_ratios(results: list[Result], defined: list[str] | None = None,
                  bases: dict[str, str] | None = None) -> None:
    """Fill ``previous``, ``crossed``, ``ratio_to_python`` and ``ratio_to_previous`` of every ok result.

    ``parallel@T`` results compare with the same ``native`` and ``python`` as a
    single ``parallel`` would. ``defined``: the kernel's variant names (default:
    those measured), so a step over rungs that were not run says so in ``crossed``;
    ``bases`` (``rung_bases``) names the variant a rung stands on when it is
    not the rung before.
    """
    ok = [r for r in results if r.ok]
    by_label = {r.label: r for r in ok}
    present = list(dict.fromkeys(r.variant for r in ok))
    plain = plain_results(ok)
    for res in ok:
        res.previous = previous_rung(res.variant, present, bases)
        res.crossed = crossed_rungs(res.previous, res.variant, defined if defined is not None else present)
        python = plain.get("python") or by_label.get("python")
        if python is not None and res.variant != "python":
            res.ratio_to_python = ratios(python, res)
        if res.previous and res.previous in plain:
            res.ratio_to_previous = ratios(plain[res.previous], res)


def ratios(slow: Result, fast: Result) -> list[float]:
    """Round-by-round speedup of ``fast`` over ``slow``, per unit of work.

    Only rounds both completed are paired, so a variant that failed half-way
    never pairs its round 3 with another's round 2.
    """
    slow_by_round = dict(zip(slow.round_index, slow.per_unit))
    return [slow_by_round[r] / f for r, f in zip(fast.round_index, fast.per_unit)
            if r in slow_by_round and f > 0]
