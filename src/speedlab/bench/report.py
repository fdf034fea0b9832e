"""Plain-text tables for benchmark results (rendered from the same records as the JSON)."""

from __future__ import annotations

from speedlab.bench.timing import Result, summary
from speedlab.spec import RUNG_MEANING


def fmt_time(seconds: float) -> str:
    """``seconds`` in the unit that keeps three significant digits readable."""
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us"), (1e-9, "ns")):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-12:.3g} ps"


def fmt_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "-"
    return f"{ratio:.0f}x" if ratio >= 100 else f"{ratio:.3g}x"


def _median(values: list[float]) -> float | None:
    s = summary(values)
    return s["median"] if s else None


def table(results: list[Result]) -> str:
    """One kernel's ladder: time per unit, spread, ratio to python and to the rung before."""
    if not results:
        return ""
    first = results[0]
    sizes = sorted({r.n for r in results})
    header = f"{first.kernel}: n={', '.join(f'{s:,}' for s in sizes)}, time per {first.unit}"
    rows = [("variant", "n", f"per {first.unit}", "spread", "vs python", "vs previous")]
    for r in results:
        if r.error or not r.seconds:
            rows.append((r.variant, f"{r.n:,}", "FAILED", "", "", r.error or "no measurement"))
            continue
        per = summary(r.per_unit)
        step = "-"
        if r.previous:
            label = RUNG_MEANING.get(r.variant, "reference")
            step = f"{fmt_ratio(_median(r.ratio_to_previous))} over {r.previous} ({label})"
        rows.append((
            r.variant + (" *" if r.normalised else ""),
            f"{r.n:,}",
            fmt_time(per["median"]),
            f"±{per['spread'] / 2:.1%}",
            fmt_ratio(_median(r.ratio_to_python)) if r.variant != "python" else "1x",
            step,
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [header]
    for row in rows:
        cells = [row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].rjust(widths[2]),
                 row[3].rjust(widths[3]), row[4].rjust(widths[4]), row[5]]
        lines.append("  ".join(cells).rstrip())
    if any(r.normalised for r in results):
        lines.append(f"* run at a smaller n and normalised per {first.unit} (the rung is too slow for the full size)")
    return "\n".join(lines)
