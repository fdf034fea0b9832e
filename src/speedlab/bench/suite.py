"""``speedlab bench``: many kernels, one document.

:func:`settings` turns the command line's mode (``quick``, default, ``full``, ``headline``)
into sizes, rounds, measurement length and a time budget; :func:`run` measures
every selected kernel with :func:`speedlab.bench.timing.measure_kernel`, prints
its table as soon as it is done, and returns the ``speedlab-bench/2`` document
(documented in ``benchmarks/README.md``).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Callable

from speedlab import catalog
from speedlab.bench import peers
from speedlab.bench.environment import environment
from speedlab.bench.report import table
from speedlab.bench.timing import Result, measure_kernel, previous_rung, rung_bases
from speedlab.spec import KernelSpec

SCHEMA = "speedlab-bench/2"
#: Seconds ``--quick`` gives all kernels together: the acceptance bound is 60 s
#: on a 2-core VM; the rest is interpreter start-up, imports and what a budget
#: cannot bound (a JIT peer compiling on its first call). The time-to-first-result
#: children (a fresh interpreter each) are left out of --quick.
QUICK_BUDGET = 40.0
#: The least a kernel gets under a budget: one round of short measurements.
MIN_BUDGET = 0.5


@dataclass
class Settings:
    """How one ``speedlab bench`` run measures."""

    mode: str  # quick | default | full | headline: which catalog size (quick sizes for default)
    rounds: int
    min_time: float
    threads: list[int] | None = None
    budget_per_kernel: float | None = None
    variants: list[str] | None = None
    simd_paths: bool = False  # simd once per vector path (timing.measure_kernel)

    @property
    def size_attr(self) -> str:
        return self.mode if self.mode in ("full", "headline") else "quick"


def settings(mode: str, n_kernels: int, *, rounds: int | None = None, threads: list[int] | None = None,
             variants: list[str] | None = None, simd_paths: bool = False) -> Settings:
    """The measurement settings of a mode.

    ``quick``: the catalog's quick sizes, 3 rounds of >= 20 ms, and a budget of
    :data:`QUICK_BUDGET` shared by the kernels (so it scales with their number).
    ``default``: quick sizes, 5 rounds of >= 50 ms, no budget. ``full``: full
    sizes, 7 rounds of >= 100 ms (a slow rung's 1 s calls are timed once each).
    ``headline``: the headline sizes (the limit table's), 5 rounds of >= 100 ms
    (most calls there take 0.1-3 s and are timed once; the few shorter ones, which
    vary most from call to call, several times), and only ``parallel`` and the
    rung it stands on unless ``variants`` names others (:func:`variants_of`).
    """
    if mode == "quick":
        s = Settings("quick", 3, 0.02, budget_per_kernel=QUICK_BUDGET / max(1, n_kernels))
    elif mode == "full":
        s = Settings("full", 7, 0.1)
    elif mode == "headline":
        s = Settings("headline", 5, 0.1)
    else:
        s = Settings("default", 5, 0.05)
    if rounds is not None:
        s.rounds = rounds
    s.threads, s.variants, s.simd_paths = threads, variants, simd_paths
    return s


def variants_of(spec: KernelSpec, wanted: list[str] | None, mode: str = "default") -> list[str]:
    """The variants of ``spec`` to measure: all, or those of ``wanted`` it has.

    In the ``headline`` mode the default is ``parallel`` and the single-thread
    rung it stands on (none for a kernel without ``parallel``): the python
    twin alone would take minutes at those sizes.
    """
    if mode == "headline" and not wanted:
        names = spec.variant_names
        if "parallel" not in names:
            return []
        base = previous_rung("parallel", list(names), rung_bases(spec))
        return [base, "parallel"] if base else ["parallel"]
    return [v.name for v in spec.variants if not wanted or v.name in wanted]


def run(specs: list[KernelSpec], s: Settings, *, emit: Callable[[str], None] = print,
        bar=None) -> dict[str, Any]:
    """Measure ``specs`` and return the ``speedlab-bench/2`` document.

    Parameters
    ----------
    specs : list of KernelSpec
    s : Settings
    emit : callable
        Receives each kernel's table as it is done.
    bar : speedlab.bench.progress.Bar, optional

    Returns
    -------
    dict
        The document ``--json`` writes (see benchmarks/README.md). A variant that
        raised is in it as ``failed``; nothing is raised for it.
    """
    started = time.perf_counter()
    records, ttfr, failed = [], [], []
    for k, spec in enumerate(specs):
        names = variants_of(spec, s.variants, s.mode)
        if not names:
            continue
        n = getattr(spec.sizes, s.size_attr)

        def progress(message, fraction, k=k):
            if bar is not None:
                bar.update(message, k + fraction)

        budget = None
        if s.budget_per_kernel is not None:
            # What is left, shared by the kernels still to come: one that overran
            # (a slow warm-up, a JIT compiling) is paid for by the others.
            left = s.budget_per_kernel * len(specs) - (time.perf_counter() - started)
            budget = max(MIN_BUDGET, left / (len(specs) - k))
        try:
            results = measure_kernel(spec, names, n, rounds=s.rounds, min_time=s.min_time,
                                     threads=s.threads, budget=budget, progress=progress,
                                     simd_paths=s.simd_paths)
        except Exception as exc:  # a broken catalog entry: reported, the other kernels go on
            results = [Result(spec.name, "*", n, spec.unit, 0.0, None, label="*", status="failed",
                              error=f"{type(exc).__name__}: {exc}")]
        emit(table(results))
        found = peers.peers_present(spec, names)
        # NOTE: the fresh interpreter knows only the built-in catalog; a kernel
        # registered at run time cannot be looked up there.
        builtin = spec.name in {b.name for b in catalog.builtin_kernels()}
        if found and "native" in names and builtin and s.mode == "quick":
            emit(f"time to first result: not measured with --quick (a fresh interpreter per peer); "
                 f"run `speedlab bench {spec.name}` for it")
        elif found and "native" in names and builtin:
            progress(f"{spec.name}: time to first result", 1.0)
            first = [peers.time_to_first_result(spec, v, spec.sizes.test) for v in ["native"] + found]
            ttfr += first
            emit(peers.render(first))
            failed += [f"{r['kernel']}/{r['variant']} (time to first result)" for r in first if "error" in r]
        emit("")
        records += [r.to_json() for r in results]
        failed += [f"{r.kernel}/{r.label}" for r in results if r.status == "failed"]
    return {
        "schema": SCHEMA,
        "mode": s.mode,
        "settings": asdict(s),
        "environment": environment(),
        "wall_seconds": time.perf_counter() - started,
        "failed": failed,
        "results": records,
        "time_to_first_result": ttfr,
    }
