"""Regenerate every committed benchmark result and README figure with one command.

    python benchmarks/run.py            # full run: about 5-15 minutes on a 2-core VM
    python benchmarks/run.py --quick    # a smoke test of this script (~1 minute)
    python benchmarks/run.py --fastest DIR   # also the limit table (benchmarks/limit.py)

It runs, with the interpreter that runs it (so install speedlab into it first,
with the ``peers`` and ``plot`` extras for the numba rows and the figures):

0. ``speedlab verify``: every variant against the oracles and the twin; if any
   disagrees, nothing is timed and the script exits 1;
1. ``speedlab bench --full --json results/bench.json --plot figures/ladder.png``
   (every kernel in the catalog, every variant), then ``speedlab bench --headline
   --json results/bench-headline.json`` (each ``parallel`` rung and the rung it
   stands on, at the headline sizes; not with ``--quick``) and
   ``benchmarks/memory_control.py --json results/memory-control.json`` (what two
   threads give when they only move memory: the ceiling of the memory-bound rungs),
   and ``speedlab bench --full --simd-paths --variants native simd KERNEL...
   --json results/simd-paths.json`` for the kernels with a ``simd`` rung (each
   vector path this CPU runs, against native);
2. ``speedlab explain KERNEL --json results/explain-KERNEL.json --plot
   figures/explain-KERNEL.png`` for every kernel (``--skip-explain`` keeps the saved ones);
3. rewrites the table between ``<!-- speedlab-bench:start -->`` and
   ``<!-- speedlab-bench:end -->`` and the sentence between the
   ``speedlab-headline`` markers in the top-level README.md from
   ``results/bench.json``, and the table between the ``speedlab-simd-paths``
   markers from ``results/simd-paths.json``; in benchmarks/README.md, the table
   between the ``speedlab-memory`` markers from ``results/memory-control.json``;
   so the READMEs' tables are never typed by hand;
4. with ``--fastest DIR``, ``benchmarks/limit.py --fastest DIR``: the table between
   the ``speedlab-limit`` markers.

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
BENCH_README = HERE / "README.md"
START, END = "<!-- speedlab-bench:start -->", "<!-- speedlab-bench:end -->"
HEADLINE_START, HEADLINE_END = "<!-- speedlab-headline:start -->", "<!-- speedlab-headline:end -->"
SIMD_START, SIMD_END = "<!-- speedlab-simd-paths:start -->", "<!-- speedlab-simd-paths:end -->"
MEMORY_START, MEMORY_END = "<!-- speedlab-memory:start -->", "<!-- speedlab-memory:end -->"
#: memory_control.py's jobs, as benchmarks/README.md names them ({mib}: the run's size).
MEMORY_JOBS = {"hash": "SHA-256 of 64 MiB (arithmetic)", "read": "sum {mib} MiB the process keeps (read)",
               "copy": "copy {mib} MiB between kept buffers", "fresh": "fill {mib} MiB of new memory"}


def speedlab(*args: str) -> int:
    print("+ speedlab", " ".join(args), flush=True)
    return subprocess.run([sys.executable, "-m", "speedlab", *args]).returncode


def _median(record, key):
    value = record.get(key) or {}
    return value.get("median")


def _kernel_medians(doc: dict, kernel: str) -> tuple[dict, dict]:
    """``kernel``'s ok records in ``doc`` by label, and their median seconds per unit of work."""
    recs = {r["label"]: r for r in doc["results"] if r["kernel"] == kernel and r["status"] == "ok"}
    return recs, {label: _median(r, "seconds_per_unit") for label, r in recs.items()}


def _fmt(ratio):
    if ratio is None:
        return "-"
    return f"{ratio:.0f}x" if ratio >= 100 else f"{ratio:.3g}x"


def _parallel_ratio(per: dict, recs: dict, label: str, base: float | None) -> str:
    """parallel over the rung it stands on: the one bench compared it with (regexredux: pcre2)."""
    previous = recs[label].get("previous")
    base = per.get(previous) or base
    return _fmt(base / per[label]) if base and per.get(label) else "-"


def _headline_parallel(doc: dict | None, kernel: str) -> str:
    """parallel over its single-thread rung in ``bench --headline``'s document, with the size."""
    if doc is None:
        return "-"
    recs, per = _kernel_medians(doc, kernel)
    parallel = [label for label in per if recs[label]["variant"] == "parallel"]
    if not parallel:
        return "-"
    ratio = _parallel_ratio(per, recs, parallel[-1], None)
    return f"{ratio} (n = {recs[parallel[-1]]['n']:,})" if ratio != "-" else "-"


def readme_table(doc: dict, headline_doc: dict | None = None) -> str:
    """Markdown, one row per kernel, every column from the same per-unit medians.

    native over python; native's time over c's and rust's over c's (like for like:
    the same algorithm in C and in Rust); simd over native (vector instructions);
    parallel over the rung it is built on (simd where it exists, else native), at
    the full size and, from ``headline_doc`` (``bench --headline``), at the
    headline size; the fastest variant over python.
    """
    rows = ["| kernel | native over python | native time / c time | rust time / c time "
            "| simd over native | parallel over its single-thread rung | the same at the headline size "
            "| fastest variant over python |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    kernels = list(dict.fromkeys(r["kernel"] for r in doc["results"]))
    for kernel in kernels:
        recs, per = _kernel_medians(doc, kernel)
        native, simd, c, rust = per.get("native"), per.get("simd"), per.get("c"), per.get("rust")
        parallel = [label for label in per if recs[label]["variant"] == "parallel"]
        base = simd or native
        fastest = min(per, key=lambda label: per[label] or float("inf"), default=None)
        best = (f"{_fmt(per['python'] / per[fastest])} ({fastest})"
                if fastest and per.get("python") and per[fastest] else "-")
        rows.append("| {} | {} | {} | {} | {} | {} | {} | {} |".format(
            kernel,
            _fmt(per["python"] / native) if native and per.get("python") else "-",
            _fmt(native / c) if native and c else "-",
            _fmt(rust / c) if rust and c else "-",
            _fmt(native / simd) if native and simd else "-",
            _parallel_ratio(per, recs, parallel[-1], base) if parallel else "-",
            _headline_parallel(headline_doc, kernel),
            best,
        ))
    env = doc["environment"]
    rows.append("")
    rows.append(f"`speedlab bench --{doc['mode']}` on {env['cpu']} ({env['cores']} cores), Python "
                f"{env['python']}, {env['compiler']}, {env['timestamp']}; medians of "
                f"{doc['settings']['rounds']} interleaved rounds, per unit of work; every ratio is "
                "the ratio of two medians in `benchmarks/results/bench.json`. A time ratio above 1x: "
                "the second one is faster.")
    if headline_doc is not None:
        hs = headline_doc["settings"]
        rows[-1] += (f" The headline-size column: `speedlab bench --headline`, "
                     f"{headline_doc['environment']['timestamp']}, medians of {hs['rounds']} interleaved "
                     "rounds, in `benchmarks/results/bench-headline.json`.")
    return "\n".join(rows)


def simd_paths_table(doc: dict) -> str:
    """Markdown, one row per kernel: simd over native on each vector path (``bench --simd-paths``)."""
    paths = list(dict.fromkeys(r["simd_path"] for r in doc["results"] if r.get("simd_path")))
    rows = ["| kernel (n) | " + " | ".join(f"`{p}`" for p in paths) + " | unforced |",
            "| --- |" + " ---: |" * len(paths) + " --- |"]
    for kernel in dict.fromkeys(r["kernel"] for r in doc["results"]):
        recs, per = _kernel_medians(doc, kernel)
        native = per.get("native")
        default = [r["simd_path"] for r in recs.values() if r.get("simd_default")]
        cells = [_fmt(native / per[f"simd[{p}]"]) if native and per.get(f"simd[{p}]") else "-" for p in paths]
        n = next(r["n"] for r in doc["results"] if r["kernel"] == kernel)  # native's, failed or not
        rows.append(f"| {kernel} ({n:,}) | " + " | ".join(cells)
                    + f" | `{default[0] if default else '-'}` |")
    env = doc["environment"]
    rows.append("")
    rows.append(f"`simd` over `native` on each path: `speedlab bench --{doc['mode']} --simd-paths` on "
                f"{env['cpu']}, {env['timestamp']}; medians of {doc['settings']['rounds']} interleaved "
                "rounds, per unit of work, in `benchmarks/results/simd-paths.json`. `scalar` runs the "
                "native code through the simd entry point.")
    return "\n".join(rows)


def memory_table(doc: dict) -> str:
    """Markdown: memory_control.py's jobs on one and two threads, from its JSON."""
    from speedlab.bench.report import fmt_time

    rows = ["| job | 1 thread | 2 threads | two over one |", "| --- | ---: | ---: | ---: |"]
    for row in doc["rows"]:
        rows.append(f"| {MEMORY_JOBS.get(row['job'], row['job']).format(mib=doc['mib'])} | "
                    f"{fmt_time(row['one_thread_s'])} | {fmt_time(row['two_threads_s'])} | {_fmt(row['ratio'])} |")
    rows.append("")
    rows.append(f"`python benchmarks/memory_control.py`, {doc['timestamp']}, medians of {doc['rounds']} "
                f"interleaved rounds, load average {doc['load_average']['before']:.2f} before, in "
                "`benchmarks/results/memory-control.json`.")
    return "\n".join(rows)


def headline(doc: dict, kernel: str = "nbody") -> str:
    """One sentence for README's first screen: one kernel's python time, its fastest variant's, the ratio."""
    recs, per = _kernel_medians(doc, kernel)
    if "python" not in per:
        return ""
    fastest = min(per, key=lambda label: per[label] or float("inf"))
    env = doc["environment"]
    from speedlab.bench.report import fmt_time

    return (f"On {env['cpu']} ({env['cores']} cores), one {recs['python']['unit']} of `{kernel}` takes "
            f"{fmt_time(per['python'])} in the pure-Python twin and {fmt_time(per[fastest])} in its "
            f"`{fastest}` variant: {_fmt(per['python'] / per[fastest])} (`speedlab bench --full`, medians "
            "of interleaved rounds; every kernel below).")


def _replace_block(text: str, start: str, end: str, body: str) -> str:
    if start not in text or end not in text:
        print(f"no {start} ... {end} block; not written", file=sys.stderr)
        return text
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body}\n{end}{tail}"


def update_readme(doc: dict, headline_doc: dict | None = None, paths_doc: dict | None = None) -> None:
    text = README.read_text()
    text = _replace_block(text, START, END, readme_table(doc, headline_doc))
    text = _replace_block(text, HEADLINE_START, HEADLINE_END, headline(doc))
    if paths_doc is not None:
        text = _replace_block(text, SIMD_START, SIMD_END, simd_paths_table(paths_doc))
    README.write_text(text)
    print(f"README.md table and headline updated from {RESULTS / 'bench.json'}")
    memory_json = RESULTS / "memory-control.json"
    if memory_json.exists():
        text = BENCH_README.read_text()
        BENCH_README.write_text(_replace_block(text, MEMORY_START, MEMORY_END,
                                               memory_table(json.loads(memory_json.read_text()))))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="quick sizes (a smoke test of this script)")
    parser.add_argument("--skip-explain", action="store_true",
                        help="keep the saved explain reports (results/explain-*.json) instead of rerunning them")
    parser.add_argument("--fastest", type=Path, metavar="DIR",
                        help="also run benchmarks/limit.py against the fastest programs in DIR")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    FIGURES.mkdir(exist_ok=True)
    mode = "--quick" if args.quick else "--full"
    # Nothing is timed unless every variant gives the oracles' and the twin's
    # results: bench times calls, it does not check what they return.
    if speedlab("verify") != 0:
        print("speedlab verify failed: a variant gives wrong results; nothing was timed", file=sys.stderr)
        return 1
    failed = speedlab("bench", mode, "--json", str(RESULTS / "bench.json"), "--plot", str(FIGURES / "ladder.png")) != 0
    doc = json.loads((RESULTS / "bench.json").read_text())
    headline_json = RESULTS / "bench-headline.json"
    if not args.quick:
        failed |= speedlab("bench", "--headline", "--json", str(headline_json)) != 0
        print("+ python benchmarks/memory_control.py", flush=True)
        failed |= subprocess.run([sys.executable, str(HERE / "memory_control.py"), "--json",
                                  str(RESULTS / "memory-control.json")]).returncode != 0
    from speedlab import catalog

    vector = [spec.name for spec in catalog.builtin_kernels() if "simd" in spec.variant_names]
    paths_json = RESULTS / "simd-paths.json"
    failed |= speedlab("bench", mode, "--simd-paths", "--variants", "native", "simd", "--kernels", *vector,
                       "--json", str(paths_json)) != 0
    headline_doc = json.loads(headline_json.read_text()) if headline_json.exists() else None
    paths_doc = json.loads(paths_json.read_text())
    for kernel in ([] if args.skip_explain else dict.fromkeys(r["kernel"] for r in doc["results"])):
        extra = [] if args.quick else ["--full"]
        failed |= speedlab("explain", kernel, *extra, "--json", str(RESULTS / f"explain-{kernel}.json"),
                           "--plot", str(FIGURES / f"explain-{kernel}.png")) != 0
    update_readme(doc, headline_doc, paths_doc)
    if args.fastest is not None:
        print("+ python benchmarks/limit.py --fastest", args.fastest, flush=True)
        failed |= subprocess.run([sys.executable, str(HERE / "limit.py"), "--fastest", str(args.fastest)]).returncode != 0
    if failed:
        print("some measurements FAILED (see above)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
