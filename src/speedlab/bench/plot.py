"""Figures for ``speedlab bench --plot`` and ``speedlab explain --plot`` (matplotlib, Agg).

matplotlib is an optional extra (``pip install 'speedlab[plot]'``) imported only
here, and only when a figure is asked for; the Agg backend needs no display.

* :func:`bench_figure` -- one panel per kernel: the median time per unit of work
  of every variant on a log scale (the ladder reads top to bottom), then one
  stacked bar per kernel splitting the total speedup (log scale, so the shares
  add up) into compilation, types, memory discipline and threads;
* :func:`explain_figure` -- thread scaling (speedup over one thread) and the
  latency distribution (python vs native) of one kernel.
"""

from __future__ import annotations

import math
from typing import Any

from speedlab.spec import RUNG_MEANING, RUNGS

#: One colour per rung, light to dark as the ladder climbs; references and peers apart.
COLOURS = {
    "python": "#c6dbef", "compiled": "#9ecae1", "typed": "#6baed6", "native": "#2171b5",
    "parallel": "#08306b", "numpy": "#bdbdbd", "c": "#636363",
}
PEER_COLOUR = "#fd8d3c"
#: python vs native in the explain figure: two hues, not two shades of one.
PYTHON_LINE = "#e6550d"
EXTRA_COLOUR = "#a1d99b"
STEP_COLOURS = {"compiled": "#9ecae1", "typed": "#6baed6", "native": "#2171b5", "parallel": "#08306b"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # NOTE: no display needed; must precede importing pyplot
    import matplotlib.pyplot as plt

    return plt


def _colour(record: dict[str, Any]) -> str:
    if record.get("kind") == "peer":
        return PEER_COLOUR
    return COLOURS.get(record["variant"], EXTRA_COLOUR)


def _ok(record: dict[str, Any]) -> bool:
    return record.get("status", "ok") == "ok" and not record.get("error") and bool(record.get("seconds_per_unit"))


def ladder_factors(records: list[dict[str, Any]]) -> dict[str, float]:
    """Each rung's factor over the rung before, from median times per unit (they multiply to the total).

    Several ``parallel@T`` records: the one with the most threads stands for the rung.
    """
    per_unit: dict[str, float] = {}
    threads: dict[str, int] = {}
    for r in records:
        if r["variant"] in RUNGS and _ok(r):
            t = r.get("threads") or 0
            if r["variant"] not in per_unit or t > threads[r["variant"]]:
                per_unit[r["variant"]] = r["seconds_per_unit"]["median"]
                threads[r["variant"]] = t
    factors, previous = {}, None
    for rung in RUNGS:
        if rung not in per_unit:
            continue
        if previous is not None:
            factors[rung] = per_unit[previous] / per_unit[rung]
        previous = rung
    return factors


def bench_figure(doc: dict[str, Any], path: str) -> None:
    """Write the ladders and the attribution chart of a ``speedlab-bench`` document to ``path``.

    Parameters
    ----------
    doc : dict
        A ``speedlab-bench/2`` document (``speedlab.bench.suite.run``).
    path : str
        Where to write; the format follows the suffix (.png, .svg, .pdf).

    Raises
    ------
    ImportError
        matplotlib is not installed (``pip install 'speedlab[plot]'``).
    """
    plt = _pyplot()
    kernels = list(dict.fromkeys(r["kernel"] for r in doc["results"]))
    ncols = min(3, max(1, len(kernels)))
    nrows = math.ceil(len(kernels) / ncols)
    # NOTE: at least 8 inches wide, so the attribution chart's title and legend fit one kernel too
    fig = plt.figure(figsize=(max(8.0, 4.6 * ncols), 2.6 * nrows + 0.45 * len(kernels) + 1.6),
                     layout="constrained")
    grid = fig.add_gridspec(nrows + 1, ncols, height_ratios=[2.6] * nrows + [0.45 * len(kernels) + 1.2])
    for i, kernel in enumerate(kernels):
        ax = fig.add_subplot(grid[i // ncols, i % ncols])
        records = [r for r in doc["results"] if r["kernel"] == kernel and _ok(r)]
        if not records:
            ax.set_title(f"{kernel}: no measurement")
            ax.axis("off")
            continue
        labels = [r.get("label", r["variant"]) + (" *" if r["normalised"] else "") for r in records]
        values = [r["seconds_per_unit"]["median"] for r in records]
        ys = list(range(len(records)))
        ax.barh(ys, values, color=[_colour(r) for r in records])
        ax.set_yticks(ys, labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_title(f"{kernel}: seconds per {records[0]['unit']}", fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        # The ratio of the medians drawn (as `speedlab bench` prints it), so label and bars agree.
        python = next((r["seconds_per_unit"]["median"] for r in records
                       if r["variant"] == "python" and r.get("label", "python") == "python"), None)
        for y, r, v in zip(ys, records, values):
            ratio = python / v if python and v else None
            if ratio:
                ax.text(v, y, f" {ratio:.3g}x", va="center", fontsize=7)
        ax.set_xlim(min(values) / 2, max(values) * 8)  # room for the ratio labels
    _attribution(fig.add_subplot(grid[nrows, :]), doc, kernels)
    fig.suptitle(f"speedlab bench ({doc.get('mode', '?')}): {doc.get('environment', {}).get('cpu', '')}; "
                 "* = smaller n, per unit of work", fontsize=9)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _attribution(ax, doc: dict[str, Any], kernels: list[str]) -> None:
    """Stacked bars of log10(step factor): the shares of the total speedup, per kernel."""
    drawn = set()
    for y, kernel in enumerate(kernels):
        factors = ladder_factors([r for r in doc["results"] if r["kernel"] == kernel])
        left = right = 0.0
        for rung, factor in factors.items():
            width = math.log10(factor)
            label = None if rung in drawn else RUNG_MEANING.get(rung, rung)
            drawn.add(rung)
            if width >= 0:
                ax.barh(y, width, left=right, color=STEP_COLOURS.get(rung, EXTRA_COLOUR), label=label)
                right += width
            else:  # a step that slows down is drawn left of 1x, hatched
                ax.barh(y, width, left=left, color=STEP_COLOURS.get(rung, EXTRA_COLOUR), hatch="//",
                        label=label)
                left += width
        if factors:
            total = math.prod(factors.values())
            ax.text(max(right, 0), y, f" {total:.3g}x", va="center", fontsize=8)
    ax.set_yticks(range(len(kernels)), kernels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    lo, hi = ax.get_xlim()
    ticks = range(math.floor(lo), math.ceil(hi) + 1)
    ax.set_xticks(list(ticks), [f"{10 ** t:g}x" for t in ticks], fontsize=8)
    ax.set_xlim(lo, hi + 0.5)
    ax.set_title("where the speedup over python comes from (log scale: the steps multiply)", fontsize=9)
    if drawn:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)


def explain_figure(report: dict[str, Any], path: str) -> None:
    """Write the thread-scaling and latency figure of a ``speedlab explain`` report to ``path``.

    Parameters
    ----------
    report : dict
        The result of ``speedlab.bench.explain.explain``.
    path : str
        Where to write; the format follows the suffix (.png, .svg, .pdf).

    Raises
    ------
    ImportError
        matplotlib is not installed (``pip install 'speedlab[plot]'``).
    """
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    conc = report.get("concurrency", {})
    counts = conc.get("threads", [1])
    left.plot(counts, counts, linestyle="--", color="grey", label="ideal")
    for key, label, colour in (("python_pool", "python, thread pool (GIL)", COLOURS["python"]),
                               ("native_pool", "native, thread pool (no GIL)", COLOURS["native"]),
                               ("parallel_openmp", "parallel, OpenMP", COLOURS["parallel"])):
        if key in conc:
            left.plot(counts, [conc[key]["speedup"][str(t)] for t in counts], marker="o", label=label,
                      color=PYTHON_LINE if key == "python_pool" else colour)
    left.set_xlabel("threads")
    left.set_ylabel("speedup over 1 thread (same total work)")
    left.set_xticks(counts)
    left.set_title(f"{report['kernel']}: thread scaling", fontsize=10)
    left.legend(fontsize=8)
    lat = report.get("latency", {}).get("rungs", {})
    for name, q in lat.items():
        quantiles = q["quantiles"]
        percent = [100 * i / (len(quantiles) - 1) for i in range(len(quantiles))]
        right.plot(quantiles, percent, label=f"{name} (p99 {q['p99'] * 1e3:.3g} ms)",
                   color=PYTHON_LINE if name == "python" else COLOURS.get(name, EXTRA_COLOUR))
    right.set_xscale("log")
    # Decades only: labelled minor ticks overlap when the range spans under a decade or two.
    right.xaxis.set_minor_formatter(plt.NullFormatter())
    right.set_xlabel("seconds per call")
    right.set_ylabel("percent of calls at most this long")
    right.set_title(f"latency at n={report.get('latency', {}).get('n', '?'):,}", fontsize=10)
    if lat:
        right.legend(fontsize=8)
    fig.savefig(path, dpi=110)
    plt.close(fig)
