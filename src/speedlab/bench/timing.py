"""The timing harness: warm-up, calibration, interleaved rounds, medians, ratios.

One :func:`measure_kernel` call times several variants of one kernel:

1. each variant runs once (warm-up: imports, caches, page faults) and that run
   calibrates how many calls one measurement needs to last ``min_time``;
2. ``rounds`` rounds follow; every round times every variant once, in an order
   that rotates from round to round, so drift of the machine (frequency, a
   neighbour's load) hits all variants alike;
3. times are per unit of work (per step, per pixel...), so a slow rung run at a
   smaller ``n`` (its ``max_n``) is still comparable -- and marked ``normalised``;
4. ratios to ``python`` and to the rung before are computed round by round and
   then summarised, which cancels the drift shared within a round.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from speedlab.spec import RUNGS, KernelSpec

#: Default shortest measurement: long enough that perf_counter's resolution
#: and call overhead are far below 1 % of it.
MIN_TIME = 0.05


@dataclass
class Result:
    """The timing of one variant of one kernel."""

    kernel: str
    variant: str
    n: int
    unit: str
    work_units: float
    threads: int | None
    loops: int = 0
    seconds: list[float] = field(default_factory=list)  # per call, one per round
    normalised: bool = False
    error: str | None = None
    ratio_to_python: list[float] = field(default_factory=list)
    ratio_to_previous: list[float] = field(default_factory=list)
    previous: str | None = None

    @property
    def per_unit(self) -> list[float]:
        return [s / self.work_units for s in self.seconds] if self.work_units else list(self.seconds)

    def to_json(self) -> dict[str, Any]:
        return {
            "kernel": self.kernel,
            "variant": self.variant,
            "n": self.n,
            "unit": self.unit,
            "work_units": self.work_units,
            "threads": self.threads,
            "loops": self.loops,
            "rounds": len(self.seconds),
            "normalised": self.normalised,
            "error": self.error,
            "seconds": summary(self.seconds),
            "seconds_per_unit": summary(self.per_unit),
            "ratio_to_python": summary(self.ratio_to_python),
            "previous": self.previous,
            "ratio_to_previous": summary(self.ratio_to_previous),
        }


def summary(values: list[float]) -> dict[str, float] | None:
    """Median, min, max and the relative spread ((max - min) / median) of ``values``."""
    if not values:
        return None
    med = statistics.median(values)
    return {
        "median": med,
        "min": min(values),
        "max": max(values),
        "spread": (max(values) - min(values)) / med if med else 0.0,
    }


def _time_calls(fn: Callable[..., Any], args: tuple, kwargs: dict, loops: int) -> float:
    """Seconds per call over ``loops`` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(loops):
        fn(*args, **kwargs)
    return (time.perf_counter() - start) / loops


def previous_rung(name: str, present: list[str]) -> str | None:
    """The rung a variant is compared with: the rung before it, or ``native`` for references."""
    if name in RUNGS:
        idx = RUNGS.index(name)
        for earlier in reversed(RUNGS[:idx]):
            if earlier in present:
                return earlier
        return None
    if name == "python":
        return None
    return "native" if "native" in present and name != "native" else None


def measure_kernel(
    spec: KernelSpec,
    variants: list[str],
    n: int,
    *,
    rounds: int = 5,
    min_time: float = MIN_TIME,
    threads: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Result]:
    """Time ``variants`` of ``spec`` at size ``n`` (see the module docstring)."""
    results: dict[str, Result] = {}
    calls: dict[str, tuple[Callable[..., Any], tuple, dict]] = {}
    inputs: dict[int, tuple] = {}
    for name in variants:
        variant = spec.variant(name)
        size = min(n, variant.max_n) if variant.max_n else n
        res = Result(spec.name, name, size, spec.unit, spec.work(size),
                     threads if variant.threads else None, normalised=size != n)
        results[name] = res
        try:
            fn = variant.load()
            if size not in inputs:
                inputs[size] = spec.make_input(size)
            kwargs = {"n_threads": threads} if variant.threads and threads else {}
            if progress:
                progress(f"{spec.name}/{name}: warm-up")
            t0 = time.perf_counter()
            fn(*inputs[size], **kwargs)
            first = time.perf_counter() - t0
            res.loops = max(1, int(min_time / max(first, 1e-9)) + 1) if first < min_time else 1
            calls[name] = (fn, inputs[size], kwargs)
        except Exception as exc:  # a failing variant is reported, the run goes on
            res.error = f"{type(exc).__name__}: {exc}"

    order = [name for name in variants if name in calls]
    for r in range(rounds):
        shift = r % len(order) if order else 0
        for name in order[shift:] + order[:shift]:
            if progress:
                progress(f"{spec.name}/{name}: round {r + 1}/{rounds}")
            fn, args, kwargs = calls[name]
            try:
                results[name].seconds.append(_time_calls(fn, args, kwargs, results[name].loops))
            except Exception as exc:
                results[name].error = f"{type(exc).__name__}: {exc}"
                calls.pop(name)
        order = [name for name in order if name in calls]

    present = [name for name in variants if results[name].seconds]
    for name in present:
        res = results[name]
        res.previous = previous_rung(name, present)
        if "python" in present and name != "python":
            res.ratio_to_python = _ratios(results["python"], res)
        if res.previous:
            res.ratio_to_previous = _ratios(results[res.previous], res)
    return [results[name] for name in variants]


def _ratios(slow: Result, fast: Result) -> list[float]:
    """Round-by-round speedup of ``fast`` over ``slow``, per unit of work."""
    return [s / f for s, f in zip(slow.per_unit, fast.per_unit) if f > 0]
