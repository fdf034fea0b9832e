"""Plain-text tables for benchmark results (rendered from the same records as the JSON)."""

from __future__ import annotations

from speedlab.bench.timing import Result, median, plain_results, summary
from speedlab.spec import RUNG_MEANING


def fmt_time(seconds: float | None) -> str:
    """``seconds`` in the unit that keeps three significant digits readable."""
    if seconds is None:
        return "-"
    if seconds == 0:
        return "0"
    seconds = float(f"{seconds:.3g}")  # 999.7 ps is "1 ns", not "1e+03 ps"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us"), (1e-9, "ns")):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-12:.3g} ps"


def fmt_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "-"
    return f"{ratio:.0f}x" if ratio >= 100 else f"{ratio:.3g}x"


def step_label(res: Result) -> str:
    """What the step from ``res.previous`` to ``res`` isolates: the idea of every rung it climbs."""
    if res.kind == "peer":
        return "peer"
    if res.kind == "extra":
        return "extra"
    if res.simd_path == "scalar":
        return "scalar: the native code through simd's entry"
    if res.crossed:
        return " + ".join(RUNG_MEANING.get(r, r) for r in res.crossed)
    return RUNG_MEANING.get(res.variant, "reference")


def _median_per_unit(res: Result | None) -> float | None:
    return median(res.per_unit) if res is not None and res.ok else None


def _ratio(slow: float | None, fast: float | None) -> float | None:
    return slow / fast if slow and fast else None


#: Printed under every table: how the columns are made, so each can be recomputed.
RULE = ("ratios: of the medians printed (per {unit}); spread: ±(max - min) / 2 over the rounds, "
        "relative to the median (- for one round);\n1st call: the warm-up call, at the row's n unless stated")


def table(results: list[Result]) -> str:
    """One kernel's ladder: time per unit, spread, first call, ratio to python and to the rung before.

    Every ratio is the ratio of the medians printed beside it, so a reader can
    recompute it (:data:`RULE`, printed under the table); the round-by-round
    ratios, which cancel drift shared within a round, are in the JSON.
    """
    if not results:
        return ""
    first = results[0]
    sizes = sorted({r.n for r in results})
    plain = plain_results(results)
    python = _median_per_unit(plain.get("python"))
    header = f"{first.kernel}: n={', '.join(f'{s:,}' for s in sizes)}, time per {first.unit}"
    rows = [("variant", "n", f"per {first.unit}", "spread", "1st call", "vs python", "vs previous")]
    for r in results:
        if r.status == "unavailable":
            rows.append((r.label, "", "not installed", "", "", "", "optional peer, skipped"))
            continue
        if not r.ok:
            rows.append((r.label, f"{r.n:,}", "FAILED", "", "", "", r.error or "no measurement"))
            continue
        per = summary(r.per_unit)
        step = "-"
        if r.previous:
            ratio = _ratio(_median_per_unit(plain.get(r.previous)), per["median"])
            step = f"{fmt_ratio(ratio)} over {r.previous} ({step_label(r)})"
        first_call = fmt_time(r.first_call)
        if r.first_call is not None and r.first_call_n is not None and r.first_call_n != r.n:
            first_call += f" at n={r.first_call_n:,}"
        rows.append((
            r.label + (" *" if r.normalised else ""),
            f"{r.n:,}",
            fmt_time(per["median"]),
            f"±{per['spread'] / 2:.1%}" if len(r.per_unit) > 1 else "-",
            first_call,
            fmt_ratio(_ratio(python, per["median"])) if r.variant != "python" else "1x",
            step,
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [header]
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:-1], widths[1:-1])] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    default = [r.simd_path for r in results if r.simd_default]
    if any(r.simd_path for r in results):
        lines.append("simd[PATH]: the simd rung with SPEEDLAB_SIMD=PATH"
                     + (f"; unforced it runs {default[0]}" if default else ""))
    if any(r.normalised for r in results):
        lines.append(f"* run at a smaller n and normalised per {first.unit} (the rung is too slow for the full size)")
    lines.append(RULE.format(unit=first.unit))
    return "\n".join(lines)
