"""Time every pure-Python twin against a plain-Python reference program for its task.

    python benchmarks/baselines.py                     # all kernels, 3 rounds, the sizes below
    python benchmarks/baselines.py nbody fasta         # some kernels
    python benchmarks/baselines.py --rounds 5 --n revcomp=2500000
    python benchmarks/baselines.py --quick             # small sizes: a smoke test of this script

For each kernel it runs, with the interpreter that runs this script (install
speedlab into it first), the twin as a user runs it,
``python -m speedlab run NAME N --impl python``, and the reference,
``python benchmarks/baselines/NAME.py N``: the same N, both timed from process
start to exit (start-up and I/O included). The three kernels that read FASTA
(knucleotide, revcomp, regexredux) read the same file on stdin
(``--input -`` for the twin), generated once with ``speedlab.fasta`` at the
kernel's fasta N. Rounds interleave the kernels and alternate which side of a
pair runs first, so drift on a shared machine hits both alike. Each run records
wall time and the child's CPU time (user + system, from
``resource.getrusage(RUSAGE_CHILDREN)`` deltas); every round checks that the two
outputs are byte-identical (SHA-256 of stdout).

It writes ``benchmarks/results/baselines.json`` (schema ``speedlab-baselines/1``,
with the environment of ``speedlab.bench.environment``) and rewrites the table
between ``<!-- speedlab-baselines:start -->`` and ``<!-- speedlab-baselines:end -->``
in ``benchmarks/README.md``. ``--quick`` writes neither unless ``--json`` is given.
Exit status 1 when any output differs or a program fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCES = HERE / "baselines"
RESULTS = HERE / "results"
README = HERE / "README.md"
START, END = "<!-- speedlab-baselines:start -->", "<!-- speedlab-baselines:end -->"
SCHEMA = "speedlab-baselines/1"

#: The sizes of issue 12's comparison (N, or the fasta N of the input for the
#: FASTA readers), each a few seconds of pure Python. revcomp reads fasta 25M
#: (254 MB, ~1.5 GB per process at its peak): at 2.5M its ~0.3 s of work would
#: be dominated by the twin's ~0.07 s of extra start-up (importing speedlab).
SIZES = {
    "nbody": 500_000,
    "spectralnorm": 1000,
    "mandelbrot": 1000,
    "fannkuchredux": 10,
    "binarytrees": 17,
    "fasta": 2_500_000,
    "knucleotide": 2_500_000,
    "revcomp": 25_000_000,
    "regexredux": 500_000,
    "pidigits": 10_000,
    "chacha20": 4,  # MiB
}

#: A smoke test of the script: every kernel in well under a second.
QUICK_SIZES = {
    "nbody": 20_000,
    "spectralnorm": 150,
    "mandelbrot": 200,
    "fannkuchredux": 8,
    "binarytrees": 12,
    "fasta": 100_000,
    "knucleotide": 50_000,
    "revcomp": 250_000,
    "regexredux": 50_000,
    "pidigits": 1000,
    "chacha20": 1,
}

#: The kernels whose N is the fasta N of the input they read on stdin.
FASTA_READERS = ("knucleotide", "revcomp", "regexredux")


def _summary(values: list[float]) -> dict:
    median = statistics.median(values)
    return {"median": median, "min": min(values), "max": max(values),
            "spread": (max(values) - min(values)) / median if median else None}


def commands(kernel: str, n: int) -> dict[str, list[str]]:
    """The twin's and the reference's command lines."""
    reference = [sys.executable, str(REFERENCES / f"{kernel}.py")]
    twin = [sys.executable, "-m", "speedlab", "run", kernel]
    if kernel in FASTA_READERS:
        twin += ["--input", "-"]
    else:
        twin.append(str(n))
        reference.append(str(n))
    return {"twin": twin + ["--impl", "python"], "reference": reference}


def timed_run(command: list[str], stdin_path: Path | None, out_dir: Path) -> dict:
    """Run ``command`` once: wall and CPU seconds, exit status, SHA-256 and size of stdout."""
    with tempfile.TemporaryFile(dir=out_dir) as out:
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            proc = subprocess.run(command, stdin=stdin, stdout=out, stderr=subprocess.PIPE)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        finally:
            if stdin_path:
                stdin.close()
        out.seek(0)
        digest = hashlib.sha256()
        size = 0
        while chunk := out.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "returncode": proc.returncode,
            "stderr": proc.stderr.decode(errors="replace")[-2000:],
            "sha256": digest.hexdigest(), "bytes": size}


def fasta_input(n: int, directory: Path) -> Path:
    """The output of ``fasta n`` in a file (the fastest built variant writes it)."""
    from speedlab.fasta import fasta

    path = directory / f"fasta-{n}.txt"
    if not path.exists():
        path.write_bytes(fasta(n))
    return path


def measure(kernels: list[str], sizes: dict[str, int], rounds: int, emit=print) -> dict:
    """Interleaved rounds over ``kernels``; returns the JSON document."""
    from speedlab.bench.environment import environment

    records = {k: {"kernel": k, "n": sizes[k], "fasta_input": k in FASTA_READERS,
                   "commands": {side: " ".join(Path(a).name if a == sys.executable else a
                                               for a in cmd)
                                for side, cmd in commands(k, sizes[k]).items()},
                   "rounds": [], "identical": True, "failed": None} for k in kernels}
    load_start = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="speedlab-baselines-") as tmp:
        tmpdir = Path(tmp)
        inputs = {k: fasta_input(sizes[k], tmpdir) if k in FASTA_READERS else None for k in kernels}
        for round_index in range(rounds):
            for kernel in kernels:
                record = records[kernel]
                if record["failed"]:
                    continue
                cmds = commands(kernel, sizes[kernel])
                # Alternate which side runs first, so neither always runs after the other.
                order = ("twin", "reference") if round_index % 2 == 0 else ("reference", "twin")
                runs = {side: timed_run(cmds[side], inputs[kernel], tmpdir) for side in order}
                for side, run in runs.items():
                    if run["returncode"] != 0:
                        record["failed"] = f"{side} exited {run['returncode']}: {run['stderr'].strip()}"
                same = runs["twin"]["sha256"] == runs["reference"]["sha256"]
                record["identical"] &= same
                record["output_bytes"] = runs["twin"]["bytes"]
                record["output_sha256"] = runs["twin"]["sha256"]
                record["rounds"].append({
                    "loadavg": os.getloadavg()[0],
                    **{f"{side}_{what}": runs[side][what] for side in runs for what in ("wall", "cpu")},
                    "identical": same,
                })
                last = record["rounds"][-1]
                emit(f"round {round_index + 1}/{rounds} {kernel:14} n={sizes[kernel]:<10,} "
                     f"twin {last['twin_cpu']:7.2f} s cpu {last['twin_wall']:7.2f} s wall | "
                     f"reference {last['reference_cpu']:7.2f} s cpu {last['reference_wall']:7.2f} s wall"
                     f"{'' if same else ' | OUTPUTS DIFFER'}"
                     f"{' | FAILED: ' + record['failed'] if record['failed'] else ''}")
    for record in records.values():
        done = record["rounds"]
        if not done:
            continue
        for what in ("wall", "cpu"):
            record[what] = {
                "twin": _summary([r[f"twin_{what}"] for r in done]),
                "reference": _summary([r[f"reference_{what}"] for r in done]),
                # paired round by round, so drift between rounds cancels
                "ratio": _summary([r[f"twin_{what}"] / r[f"reference_{what}"] for r in done]),
                # the fastest run of each: load on a shared machine only ever adds time
                "ratio_of_fastest": min(r[f"twin_{what}"] for r in done)
                / min(r[f"reference_{what}"] for r in done),
            }
    return {
        "schema": SCHEMA,
        "settings": {"rounds": rounds, "sizes": {k: sizes[k] for k in kernels},
                     "fasta_readers": [k for k in kernels if k in FASTA_READERS]},
        "environment": environment(),
        "loadavg": {"start": list(load_start), "end": list(os.getloadavg())},
        "wall_seconds": time.perf_counter() - started,
        "results": list(records.values()),
    }


def _n_text(record: dict) -> str:
    n = f"{record['n']:,}"
    if record["fasta_input"]:
        return f"fasta {n} on stdin"
    return f"{n} MiB" if record["kernel"] == "chacha20" else n


def readme_table(doc: dict) -> str:
    """Markdown: per kernel, N, median CPU and wall time of each side and the paired ratios."""
    rows = ["| kernel | N | twin CPU s | reference CPU s | twin / reference CPU | fastest / fastest CPU "
            "| twin / reference wall | outputs |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in doc["results"]:
        if "cpu" not in r:
            rows.append(f"| {r['kernel']} | {_n_text(r)} | - | - | - | - | - | failed |")
            continue
        cpu, wall = r["cpu"], r["wall"]
        rows.append("| {} | {} | {:.2f} | {:.2f} | **{:.2f}** ({:.2f}-{:.2f}) | {:.2f} | {:.2f} ({:.2f}-{:.2f}) "
                    "| {} |".format(
                        r["kernel"], _n_text(r), cpu["twin"]["median"], cpu["reference"]["median"],
                        cpu["ratio"]["median"], cpu["ratio"]["min"], cpu["ratio"]["max"],
                        cpu["ratio_of_fastest"],
                        wall["ratio"]["median"], wall["ratio"]["min"], wall["ratio"]["max"],
                        "identical" if r["identical"] else "DIFFER"))
    env = doc["environment"]
    load = doc["loadavg"]
    rows.append("")
    rows.append(f"`python benchmarks/baselines.py` on {env['cpu']} ({env['cores']} cores), Python "
                f"{env['python']}, {env['timestamp']}; medians of {doc['settings']['rounds']} "
                f"interleaved rounds; ratios paired round by round (min-max in brackets), "
                f"and of each program's fastest run; "
                f"load average {load['start'][0]:.1f} at the start, {load['end'][0]:.1f} at the end.")
    return "\n".join(rows)


def update_readme(doc: dict, readme: Path = README) -> bool:
    text = readme.read_text()
    if START not in text or END not in text:
        print(f"{readme} has no {START} ... {END} block; table not written", file=sys.stderr)
        return False
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{readme_table(doc)}\n{END}{tail}")
    return True


def _size_override(text: str) -> tuple[str, int]:
    kernel, sep, value = text.partition("=")
    if not sep or kernel not in SIZES:
        raise argparse.ArgumentTypeError(f"expected KERNEL=N with KERNEL one of {', '.join(SIZES)}")
    try:
        return kernel, int(value.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"N must be an integer, got {value!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kernels", nargs="*", metavar="KERNEL", help=f"default: all ({', '.join(SIZES)})")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--n", type=_size_override, action="append", default=[], metavar="KERNEL=N",
                        help="another N for one kernel (its fasta N for knucleotide, revcomp, regexredux)")
    parser.add_argument("--quick", action="store_true", help="small sizes; write no files unless --json")
    parser.add_argument("--json", help=f"where to write the results (default {RESULTS / 'baselines.json'})")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite benchmarks/README.md's table")
    args = parser.parse_args(argv)
    unknown = [k for k in args.kernels if k not in SIZES]
    if unknown:
        parser.error(f"unknown kernel {', '.join(unknown)}; valid: {', '.join(SIZES)}")
    if args.rounds < 1:
        parser.error("--rounds must be >= 1")
    sizes = dict(QUICK_SIZES if args.quick else SIZES)
    sizes.update(args.n)
    kernels = args.kernels or list(SIZES)
    doc = measure(kernels, sizes, args.rounds)
    doc["mode"] = "quick" if args.quick else "default"
    json_path = args.json or (None if args.quick else str(RESULTS / "baselines.json"))
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(doc, indent=2) + "\n")
        print(f"JSON written to {json_path}")
    print()
    print(readme_table(doc))
    if not (args.quick or args.no_readme) and update_readme(doc):
        print(f"{README} table updated")
    bad = [r["kernel"] for r in doc["results"] if r["failed"] or not r["identical"]]
    if bad:
        print(f"outputs differ or a program failed: {', '.join(bad)}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
