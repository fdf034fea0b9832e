"""How far each kernel's best speedlab variant is from the fastest known C program.

    python benchmarks/limit.py --fastest DIR [--rounds 3] [--tasks nbody ...] [--json PATH --no-readme]

``DIR`` holds one executable per task, named after it (``DIR/nbody``,
``DIR/knucleotide`` ...): the fastest C program you want to compare with, built
the way its authors build it. speedlab ships none of them (see
benchmarks/README.md, "The limit"). Each takes ``N`` as its argument, or reads
FASTA on standard input for knucleotide, revcomp and regexredux; chacha20 is
compared with the ``cryptography`` peer (OpenSSL) instead.

At each task's headline size, every speedlab variant that can run it (the
``native``, ``simd`` and ``parallel`` rungs and the labelled extras, not the
slow rungs or the references) runs as ``speedlab run TASK N --impl V`` beside
the C program, interleaved, ``--rounds`` times; wall time of the whole process
(start-up included, as for the C program), the median kept. Timed runs write to
/dev/null: each program still makes and writes its whole output, but what a
file costs on top (the page cache taking hundreds of MB of fresh memory) is left
out, since on a virtual machine that cost swings by 0.5 s and more from run to
run with the host, whoever writes. One untimed run of each program beforehand
writes to a file, whose MD5 must match the C program's. Writes results/limit.json and the
table between ``<!-- speedlab-limit:start -->`` and ``<!-- speedlab-limit:end -->``
in the top-level README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
README = HERE.parent / "README.md"
START, END = "<!-- speedlab-limit:start -->", "<!-- speedlab-limit:end -->"

#: Variants that never run at a headline size: the slow rungs and the references.
SKIP = {"python", "compiled", "typed", "numpy", "c", "rust"}
#: What the fastest programs do that the others do not (facts about those
#: programs, the same on every machine; the figures come from the run).
TECHNIQUE = {
    "nbody": "bodies as AVX vectors of 4 doubles; 1/sqrt from a float estimate refined to double",
    "spectralnorm": "SSE2, 2 doubles at a time, and OpenMP",
    "mandelbrot": "8 pixels per step in SSE2 pairs, escape tested every 8 iterations, OpenMP",
    "fannkuchredux": "one permutation in a 16-byte register, flips by byte shuffle; threads over index blocks",
    "binarytrees": "a library memory pool (APR) per thread, OpenMP over depths",
    "fasta": "a table over all 139,968 generator states, large writes, one thread",
    "knucleotide": "2-bit packed keys in an open-addressing library table (khash), OpenMP over k",
    "revcomp": "in place through a lookup table, line feeds left where they are; a thread per sequence",
    "regexredux": "PCRE with its JIT, OpenMP over the patterns",
    "pidigits": "GMP",
    "chacha20": "OpenSSL's hand-written vector assembly (via cryptography)",
}


def official(variant) -> bool:
    """False for a labelled extra whose note says it is outside the task's official rules."""
    note = variant.note.lower()
    return not ("outside the official rules" in note or "breaks the official rule" in note)


def _run(cmd, stdin_path, out_path=None):
    """Run ``cmd`` once: (wall seconds, MD5 of its output), or (seconds, None) to /dev/null."""
    with open(out_path or "/dev/null", "wb") as out:
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            start = time.perf_counter()
            proc = subprocess.run(cmd, stdin=stdin, stdout=out, stderr=subprocess.PIPE)
            seconds = time.perf_counter() - start
        finally:
            if stdin_path:
                stdin.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed: {proc.stderr.decode()[-300:]}")
    return seconds, hashlib.md5(Path(out_path).read_bytes()).hexdigest() if out_path else None


def measure(fastest: Path, tasks, rounds: int, work: Path) -> list[dict]:
    from speedlab import catalog

    records = []
    for name in tasks:
        spec = catalog.get(name)
        n = spec.sizes.headline
        stdin = None
        if spec.reads_fasta:
            stdin = work / f"fasta-{n}.fa"
            if not stdin.exists():
                with open(stdin, "wb") as f:
                    subprocess.run([sys.executable, "-m", "speedlab", "run", "fasta", str(n)], stdout=f, check=True)
        speedlab = [sys.executable, "-m", "speedlab", "run", name]
        size = [] if spec.reads_fasta else [str(n)]
        if spec.reads_fasta:
            size = ["--input", "-"]
        if name == "chacha20":
            ref_cmd, ref_label = speedlab + [str(n), "--impl", "cryptography"], "cryptography (OpenSSL)"
        else:
            exe = fastest / name
            if not exe.exists():
                print(f"limit: no {exe}; {name} skipped", file=sys.stderr)
                continue
            ref_cmd, ref_label = [str(exe)] + ([] if spec.reads_fasta else [str(n)]), "fastest C"
        candidates = [v for v in spec.variants if v.name not in SKIP and not v.peer and v.available()]
        commands = {v.name: speedlab + size + ["--impl", v.name] for v in candidates}
        times = {variant: [] for variant in commands}
        # The outputs, once each, untimed; then the timed rounds, to /dev/null.
        _, ref_digest = _run(ref_cmd, stdin, work / "out")
        digests = {variant: _run(cmd, stdin, work / "out")[1] for variant, cmd in commands.items()}
        ref_times = []
        for _ in range(rounds):
            ref_times.append(_run(ref_cmd, stdin)[0])
            for variant, cmd in commands.items():
                times[variant].append(_run(cmd, stdin)[0])
        ref = statistics.median(ref_times)
        rows = [{"variant": v.name, "official": official(v), "seconds": statistics.median(times[v.name]),
                 "same_output": digests[v.name] == ref_digest} for v in candidates]
        for row in rows:
            row["over_fastest"] = row["seconds"] / ref
        records.append({"kernel": name, "n": n, "reference": ref_label, "reference_seconds": ref,
                        "technique": TECHNIQUE.get(name, ""), "variants": rows})
        best = min(rows, key=lambda r: r["seconds"])
        print(f"{name}: {ref_label} {ref:.3g} s; best {best['variant']} {best['seconds']:.3g} s "
              f"({best['over_fastest']:.2f}x)", flush=True)
    return records


def table(doc: dict) -> str:
    lines = ["| task (N) | fastest program | its time | best speedlab variant | time | over the fastest "
             "| best within the rules | over the fastest |",
             "| --- | --- | ---: | --- | ---: | ---: | --- | ---: |"]
    best_ratios = []
    for rec in doc["results"]:
        ok = [r for r in rec["variants"] if r["same_output"]]
        if not ok:
            continue
        best = min(ok, key=lambda r: r["seconds"])
        rule = min((r for r in ok if r["official"]), key=lambda r: r["seconds"], default=None)
        best_ratios.append(best["over_fastest"])
        label = best["variant"] + ("" if best["official"] else " (outside the rules)")
        rule_name = rule["variant"] if rule else "-"
        rule_ratio = "%.2fx" % rule["over_fastest"] if rule else "-"
        lines.append(
            f"| {rec['kernel']} ({rec['n']:,}) | {rec['reference']}: {rec['technique']} | "
            f"{rec['reference_seconds']:.3g} s | {label} | {best['seconds']:.3g} s | "
            f"{best['over_fastest']:.2f}x | {rule_name} | {rule_ratio} |")
    env = doc["environment"]
    geomean = math.exp(sum(map(math.log, best_ratios)) / len(best_ratios)) if best_ratios else float("nan")
    lines.append("")
    lines.append(
        f"Geometric mean of the best column: {geomean:.2f}x. `python benchmarks/limit.py --fastest DIR` on "
        f"{env['cpu']} ({env['cores']} cores), Python {env['python']}, {env['compiler']}, "
        f"{env['timestamp']}; wall time of the whole process (start-up included, output written to /dev/null), median of "
        f"{doc['rounds']} interleaved rounds; every output, written once to a file, identical to the fastest "
        f"program's (MD5).")
    return "\n".join(lines)


def update_readme(doc: dict) -> None:
    text = README.read_text()
    if START not in text or END not in text:
        print(f"README.md has no {START} ... {END} block; table not written", file=sys.stderr)
        return
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{table(doc)}\n{END}{tail}")
    print("README.md limit table updated from results/limit.json")


def main(argv=None) -> int:
    from speedlab import catalog
    from speedlab.bench.environment import environment

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fastest", type=Path, required=True, help="directory of the fastest programs, one per task")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tasks", nargs="+", default=[s.name for s in catalog.builtin_kernels()])
    parser.add_argument("--json", type=Path, default=RESULTS / "limit.json")
    parser.add_argument("--no-readme", action="store_true",
                        help="leave README.md alone (a control run, e.g. the programs built another way)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        records = measure(args.fastest.resolve(), args.tasks, args.rounds, Path(tmp))
    doc = {"schema": "speedlab-limit/1", "rounds": args.rounds, "environment": environment(), "results": records}
    args.json.parent.mkdir(exist_ok=True)
    args.json.write_text(json.dumps(doc, indent=2) + "\n")
    if not args.no_readme:
        update_readme(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
