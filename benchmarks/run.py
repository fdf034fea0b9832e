"""Regenerate every committed benchmark result and README figure with one command.

    python benchmarks/run.py            # full run: about 5-15 minutes on a 2-core VM
    python benchmarks/run.py --quick    # a smoke test of this script (~1 minute)

It runs, with the interpreter that runs it (so install speedlab into it first,
with the ``peers`` and ``plot`` extras for the numba rows and the figures):

1. ``speedlab bench --full --json results/bench.json --plot figures/ladder.png``
   (every kernel in the catalog, every variant);
2. ``speedlab explain KERNEL --json results/explain-KERNEL.json --plot
   figures/explain-KERNEL.png`` for every kernel;
3. rewrites the table between ``<!-- speedlab-bench:start -->`` and
   ``<!-- speedlab-bench:end -->`` in the top-level README.md from
   ``results/bench.json``, so the README's numbers are never typed by hand.

Run it on a quiet machine: nothing else running, on AC power. A kernel that
fails is reported by speedlab and this script exits non-zero at the end.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
FIGURES = HERE / "figures"
README = HERE.parent / "README.md"
START, END = "<!-- speedlab-bench:start -->", "<!-- speedlab-bench:end -->"


def speedlab(*args: str) -> int:
    print("+ speedlab", " ".join(args), flush=True)
    return subprocess.run([sys.executable, "-m", "speedlab", *args]).returncode


def _median(record, key):
    value = record.get(key) or {}
    return value.get("median")


def _fmt(ratio):
    if ratio is None:
        return "-"
    return f"{ratio:.0f}x" if ratio >= 100 else f"{ratio:.3g}x"


def readme_table(doc: dict) -> str:
    """Markdown: per kernel, native over python, native vs c, parallel over native, fastest over python."""
    rows = ["| kernel | native speedup over python | native time / c time | parallel speedup over native "
            "| fastest variant over python |",
            "| --- | ---: | ---: | ---: | ---: |"]
    kernels = list(dict.fromkeys(r["kernel"] for r in doc["results"]))
    for kernel in kernels:
        recs = {r["label"]: r for r in doc["results"] if r["kernel"] == kernel and r["status"] == "ok"}
        per = {label: _median(r, "seconds_per_unit") for label, r in recs.items()}
        native = per.get("native")
        parallel = [label for label in per if recs[label]["variant"] == "parallel"]
        # Every column from the same per-unit medians, so they agree with each other.
        fastest = min(per, key=lambda label: per[label] or float("inf"), default=None)
        best = (f"{_fmt(per['python'] / per[fastest])} ({fastest})"
                if fastest and per.get("python") and per[fastest] else "-")
        rows.append("| {} | {} | {} | {} | {} |".format(
            kernel,
            _fmt(per["python"] / native) if native and per.get("python") else "-",
            _fmt(native / per["c"]) if native and per.get("c") else "-",
            _fmt(native / per[parallel[-1]]) if native and parallel else "-",
            best,
        ))
    env = doc["environment"]
    rows.append("")
    rows.append(f"`speedlab bench --{doc['mode']}` on {env['cpu']} ({env['cores']} cores), Python "
                f"{env['python']}, {env['compiler']}, {env['timestamp']}; medians of "
                f"{doc['settings']['rounds']} interleaved rounds, per unit of work. "
                "native time / c time above 1x: the hand-written C is faster.")
    return "\n".join(rows)


def update_readme(doc: dict) -> None:
    text = README.read_text()
    if START not in text or END not in text:
        print(f"README.md has no {START} ... {END} block; table not written", file=sys.stderr)
        return
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{readme_table(doc)}\n{END}{tail}")
    print(f"README.md table updated from {RESULTS / 'bench.json'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="quick sizes (a smoke test of this script)")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    FIGURES.mkdir(exist_ok=True)
    mode = "--quick" if args.quick else "--full"
    failed = speedlab("bench", mode, "--json", str(RESULTS / "bench.json"), "--plot", str(FIGURES / "ladder.png")) != 0
    doc = json.loads((RESULTS / "bench.json").read_text())
    for kernel in dict.fromkeys(r["kernel"] for r in doc["results"]):
        extra = [] if args.quick else ["--full"]
        failed |= speedlab("explain", kernel, *extra, "--json", str(RESULTS / f"explain-{kernel}.json"),
                           "--plot", str(FIGURES / f"explain-{kernel}.png")) != 0
    update_readme(doc)
    if failed:
        print("some measurements FAILED (see above)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
