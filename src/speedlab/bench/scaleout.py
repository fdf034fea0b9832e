"""``speedlab bench-dask``: how kernels that split scale out over Dask workers.

For each kernel, one input, timed in interleaved rounds (the ladder's method:
the order rotates from round to round, so a neighbour's load hits every entry
alike; medians and spread are reported):

* ``native`` -- one call in this process, on one core;
* ``simd`` -- the same with the vector rung, where the kernel has one: the rung
  the parts run (see ``speedlab.parts.default_impl``), on one core;
* ``parallel`` -- one call of the OpenMP rung in this process, on every core
  (where the kernel has it): the in-process figure distribution must approach,
  and, over its one-core base, the control of how many cores the machine gave;
* ``dask@W`` -- the kernel split into the same ``P`` parts on a cluster of ``W``
  single-threaded worker processes, for every ``W`` asked (the clusters are
  started before the rounds, so start-up is not timed);
* ``control@W`` -- ``P`` parts of arithmetic alone (SHA-256 of a cached MiB,
  as many times as makes a part last as long as one of the kernel's parts on
  ``dask@1``) on the same cluster, in the same rounds: parts of the same number
  and length that only compute, so its speedup over ``control@1`` is what Dask
  and the machine allowed that kernel's shape of work in those rounds.

For ``dask@W``: speedup over ``dask@1`` (the same parts on one worker),
efficiency (speedup / W), the ratio to ``parallel``, and the bytes moved: sent
to the workers with the parts, returned as results (their pickled sizes), and
between workers (their transfer logs). Every run's result is checked against
one native call. The per-task overhead is measured with empty tasks, per ``W``.

``knucleotide-file`` is knucleotide of the FASTA file of ``fasta N`` with
:func:`speedlab.dask.knucleotide_file` (each part reads its own byte range of
the file; only the counts travel); ``native`` and ``parallel`` read the file
and count in this process.

``chacha20-file`` is chacha20 streamed from a file of N MiB to another with
:func:`speedlab.dask.encrypt_file` (the parts read and write the files
themselves, so no data travels through Dask); ``threads@T`` is the same
streaming on T threads of this process.

The document (``--json``) has the schema ``speedlab-bench-dask/1``, described in
docs/dask.md; the load average is recorded before and after, since scaling
figures on a shared machine mean little without it.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from typing import Any, Callable

from speedlab.bench.environment import environment
from speedlab.bench.report import fmt_ratio, fmt_time
from speedlab.bench.timing import summary

SCHEMA = "speedlab-bench-dask/1"
#: Empty tasks per overhead measurement: enough that the per-task figure is an
#: average over many scheduler round trips, few enough to take a second or two.
OVERHEAD_TASKS = 200
#: Parts per worker of the largest cluster when --parts is not given (see speedlab.dask).
PARTS_PER_WORKER = 4
#: The pseudo-kernel: chacha20 from file to file (N in MiB).
FILE_KERNEL = "chacha20-file"
#: The pseudo-kernel: knucleotide of a FASTA file (fasta N) whose parts read their own ranges.
FASTA_FILE_KERNEL = "knucleotide-file"
#: The pseudo-kernels and the kernel each streams.
FILE_KERNELS = {FILE_KERNEL: "chacha20", FASTA_FILE_KERNEL: "knucleotide"}


#: MiB each part of the control hashes when the kernel has no ``dask@1`` to
#: match, and in the run that measures how long a MiB takes on a worker: ~40 ms
#: of SHA-256 on one core of the development machine.
CONTROL_MIB = 64


def _noop():
    """An empty task: what a part costs when it does no work."""
    return None


def _control_part(mib: int) -> str:
    """A part of arithmetic alone: SHA-256 of one MiB, ``mib`` times (the MiB stays in cache)."""
    import hashlib

    block, digest = bytes(1 << 20), hashlib.sha256()
    for _ in range(mib):
        digest.update(block)
    return digest.hexdigest()


def _control_run(session, mib: int, parts: int) -> list:
    """One run of the control on ``session``: ``parts`` parts of ``mib`` MiB each."""
    return session.map(_control_part, [(mib,)] * parts, label="control")


def control_mib(session, parts: int, part_seconds: float) -> int:
    """MiB of :func:`_control_part` that make one of ``parts`` parts last ``part_seconds`` on ``session``.

    Timed there, on ``parts`` parts of :data:`CONTROL_MIB` each: the workers'
    own speed, with the per-task cost included as in the control's runs.
    """
    seconds, _ = _timed(lambda: _control_run(session, CONTROL_MIB, parts))
    return max(1, round(part_seconds / (seconds / (parts * CONTROL_MIB))))


def kernel_input(spec, n: int) -> tuple:
    """The kernel's arguments for ``n``; FASTA input made by the native ``fasta`` (same bytes, faster)."""
    if spec.reads_fasta:
        from speedlab.fasta import fasta

        return (fasta(n),)
    return spec.make_input(n)


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def overhead(session, tasks: int = OVERHEAD_TASKS, repeats: int = 3) -> dict[str, Any]:
    """Seconds per empty task (many at once: the throughput cost) and one task's round trip."""
    per_task = []
    for _ in range(repeats):
        seconds, _ = _timed(lambda: session.map(_noop, [()] * tasks, label="empty"))
        per_task.append(seconds / tasks)
    latency = [_timed(lambda: session.map(_noop, [()], label="empty"))[0] for _ in range(10)]
    return {"tasks": tasks, "seconds_per_task": summary(per_task),
            "round_trip_seconds": summary(latency)}


class Entry:
    """One timed way of computing a kernel's result."""

    def __init__(self, label: str, kind: str, call: Callable[[], Any], workers: int | None = None,
                 session=None, result: Callable[[Any], Any] | None = None):
        self.label, self.kind, self.call, self.workers, self.session = label, kind, call, workers, session
        #: What the call computed, from what it returned (a file's entries read their output back).
        self.result = result or (lambda returned: returned)
        self.seconds: list[float] = []
        self.warmup: float | None = None  # the first call's seconds (imports and page faults included)
        self.moved: dict[str, int] = {}
        self.error: str | None = None
        self.exact: bool | None = None


def _moved(session, before: dict, transfers_before: dict) -> dict[str, int]:
    after, transfers = dict(session.stats), session.transfers()
    return {
        "tasks": after["tasks"] - before["tasks"],
        "rounds": after["rounds"] - before["rounds"],
        "bytes_to_workers": after["bytes_to_workers"] - before["bytes_to_workers"],
        "bytes_from_workers": after["bytes_from_workers"] - before["bytes_from_workers"],
        "worker_to_worker_bytes": transfers["worker_to_worker_bytes"] - transfers_before["worker_to_worker_bytes"],
    }


def measure(name: str, n: int, sessions: dict[int, Any], *, parts: int | None, rounds: int,
            tmpdir: str | None = None, emit: Callable[[str], None] = print) -> dict[str, Any]:
    """Time one kernel every way (see the module docstring); the kernel's part of the document."""
    from speedlab import parts as split_parts
    from speedlab.dask import encrypt_file

    most = max(sessions)
    wanted = parts or PARTS_PER_WORKER * most
    scratch = None
    if name == FILE_KERNEL:
        from speedlab.chacha20 import RUN_COUNTER, RUN_KEY, RUN_NONCE, encrypt, run_input

        spec = split_parts.resolve("chacha20")
        key, nonce, data, counter = run_input(n)
        scratch = tempfile.mkdtemp(prefix="speedlab-bench-dask-", dir=tmpdir)
        src, dst = os.path.join(scratch, "plain"), os.path.join(scratch, "cipher")
        with open(src, "wb") as f:
            f.write(data)
        want = encrypt(key, nonce, data, counter)
        del data
        part_bytes = max(64, -(-(n << 20) // wanted) + 63 & ~63)
        unit, work = "byte", float(n << 20)

        def from_file(**how):
            return lambda: encrypt_file(src, dst, RUN_KEY, RUN_NONCE, RUN_COUNTER, part_bytes=part_bytes, **how)

        def output(_):
            with open(dst, "rb") as f:
                return f.read()

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        entries = [Entry(f"threads@{t}", "in-process", from_file(scheduler="threads", workers=t), t,
                         result=output) for t in sorted({1, cores})]
        for w, session in sorted(sessions.items()):
            entries.append(Entry(f"dask@{w}", "dask", from_file(scheduler=session), w, session,
                                 result=output))
        compare = spec.compare
        used_parts = -(-(n << 20) // part_bytes)
    elif name == FASTA_FILE_KERNEL:
        from speedlab.dask import knucleotide_file

        spec = split_parts.resolve("knucleotide")
        data = kernel_input(spec, n)[0]
        scratch = tempfile.mkdtemp(prefix="speedlab-bench-dask-", dir=tmpdir)
        path = os.path.join(scratch, "input.fasta")
        with open(path, "wb") as f:
            f.write(data)
        api = spec.public_function()
        want = api(data, impl="native")
        del data

        def read_then(impl):  # the whole program in this process: read the file, count
            def call():
                with open(path, "rb") as f:
                    return api(f.read(), impl=impl)
            return call

        entries = [Entry("native", "in-process", read_then("native"), 1)]
        if "parallel" in spec.variant_names:
            entries.append(Entry("parallel", "in-process", read_then("parallel"), None))
        for w, session in sorted(sessions.items()):
            entries.append(Entry(f"dask@{w}", "dask",
                                 (lambda s=session: knucleotide_file(path, parts=wanted, scheduler=s)),
                                 w, session))
        compare = spec.compare
        used_parts = wanted
        unit, work = spec.unit, spec.work(n)
    else:
        spec = split_parts.resolve(name)
        args = kernel_input(spec, n)
        api = spec.public_function()
        want = api(*args, impl="native")
        try:
            spec.split(args, wanted)
            used_parts = wanted
        except split_parts.TooManyParts as exc:
            used_parts = exc.limit
        entries = [Entry("native", "in-process", lambda: api(*args, impl="native"), 1)]
        if split_parts.default_impl(spec) == "simd":  # the parts' own rung, on one core
            entries.append(Entry("simd", "in-process", lambda: api(*args, impl="simd"), 1))
        if "parallel" in spec.variant_names:
            entries.append(Entry("parallel", "in-process", lambda: api(*args, impl="parallel"), None))
        for w, session in sorted(sessions.items()):
            entries.append(Entry(f"dask@{w}", "dask",
                                 (lambda s=session: s.run(spec, *args, parts=used_parts)), w, session))
        compare = spec.compare
        unit, work = spec.unit, spec.work(n)
    control = {"mib": CONTROL_MIB}  # sized after the warm-up of dask@1 (below)
    for w, session in sorted(sessions.items()):
        entries.append(Entry(f"control@{w}", "control",
                             (lambda s=session: _control_run(s, control["mib"], used_parts)),
                             w, session))
    try:
        # Warm-up (imports, page faults, the workers' first import of the kernel),
        # the exactness check, and the bytes each dask run moves.
        for entry in entries:
            try:
                if entry.kind == "control" and entry.workers == min(sessions):
                    one = next((e for e in entries if e.kind == "dask" and e.workers == 1 and e.error is None), None)
                    if one is not None and one.warmup is not None:
                        control["mib"] = control_mib(entry.session, used_parts, one.warmup / used_parts)
                if entry.session is not None:
                    before, transfers = dict(entry.session.stats), entry.session.transfers()
                    entry.warmup, returned = _timed(entry.call)
                    entry.moved = _moved(entry.session, before, transfers)
                else:
                    entry.warmup, returned = _timed(entry.call)
                if entry.kind == "control":
                    continue  # nothing to compare: its parts compute no result of the kernel
                result = entry.result(returned)
                entry.exact = bool(compare(want, result)) and type(result) is type(want)
                if not entry.exact:
                    entry.error = "the result differs from one native call"
            except Exception as exc:  # recorded, the others go on
                entry.error = f"{type(exc).__name__}: {exc}"
        for r in range(rounds):
            live = [e for e in entries if e.error is None]
            shift = r % max(1, len(live))
            for entry in live[shift:] + live[:shift]:
                seconds, _ = _timed(entry.call)
                entry.seconds.append(seconds)
    finally:
        if scratch is not None:
            for file in os.listdir(scratch):
                os.unlink(os.path.join(scratch, file))
            os.rmdir(scratch)
    return _records(name, n, unit, work, used_parts, entries, emit, control["mib"])


def _records(name, n, unit, work, used_parts, entries, emit, control_mib_per_part) -> dict[str, Any]:
    med = {e.label: statistics.median(e.seconds) for e in entries if e.seconds}
    ones = {kind: next((e for e in entries if e.kind == kind and e.workers == 1 and e.seconds), None)
            for kind in ("dask", "control")}
    parallel = med.get("parallel") or next((med[e.label] for e in entries if e.kind == "in-process"
                                            and e.label.startswith("threads@") and e.workers
                                            and e.workers > 1 and e.label in med), None)
    records = []
    for e in entries:
        record = {"label": e.label, "kind": e.kind, "workers": e.workers, "exact": e.exact,
                  "error": e.error, "seconds": summary(e.seconds),
                  "seconds_per_unit": summary([s / work for s in e.seconds]) if work else None}
        if e.kind in ones and e.seconds:
            one = ones[e.kind]
            if one is not None:
                speedups = [a / b for a, b in zip(one.seconds, e.seconds)]  # paired round by round
                record["speedup_over_one_worker"] = summary(speedups)
                record["efficiency"] = statistics.median(speedups) / e.workers
        if e.kind == "dask" and e.seconds:
            if parallel:
                record["ratio_to_parallel"] = parallel / med[e.label]
            record["moved"] = e.moved
        records.append(record)
    doc = {"kernel": name, "n": n, "unit": unit, "work_units": work, "parts": used_parts,
           "control_mib_per_part": control_mib_per_part, "results": records}
    emit(render_kernel(doc))
    return doc


def render_kernel(doc: dict[str, Any]) -> str:
    """The table of one kernel, from its records."""
    lines = [f"{doc['kernel']}  n={doc['n']:,}  ({doc['work_units']:,.0f} {doc['unit']}s), "
             f"{doc['parts']} parts; control: {doc['parts']} parts of SHA-256 over "
             f"{doc['control_mib_per_part']:,} MiB each",
             f"  {'':11} {'median':>9} {'spread':>7} {'speedup/1w':>10} {'effic.':>7} "
             f"{'vs parallel':>11} {'to workers':>11} {'from wkrs':>10} {'w2w':>6}"]
    for r in doc["results"]:
        if r["error"]:
            lines.append(f"  {r['label']:11} FAILED: {r['error']}")
            continue
        s = r["seconds"]
        speedup = r.get("speedup_over_one_worker")
        moved = r.get("moved") or {}
        lines.append(
            f"  {r['label']:11} {fmt_time(s['median']):>9} {s['spread']:>6.0%} "
            f"{fmt_ratio(speedup['median']) if speedup else '':>10} "
            f"{format(r['efficiency'], '.0%') if 'efficiency' in r else '':>7} "
            f"{fmt_ratio(r.get('ratio_to_parallel')) if 'ratio_to_parallel' in r else '':>11} "
            f"{_mib(moved.get('bytes_to_workers')):>11} {_mib(moved.get('bytes_from_workers')):>10} "
            f"{_mib(moved.get('worker_to_worker_bytes')):>6}")
    return "\n".join(lines)


def _mib(value) -> str:
    if value is None:
        return ""
    return f"{value / 2**20:.1f} MiB" if value >= 2**20 / 10 else f"{value / 1024:.0f} KiB"


def run(kernels: list[tuple[str, int | None]], *, scheduler: str, workers: list[int], parts: int | None,
        rounds: int, tmpdir: str | None = None, emit: Callable[[str], None] = print) -> dict[str, Any]:
    """Measure ``kernels`` (``(name, n)``; n None: the kernel's quick size) and return the document."""
    from speedlab import parts as split_parts
    from speedlab.dask import Session

    started = time.perf_counter()
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    remote = scheduler.startswith("tcp://")
    sessions: dict[int, Any] = {}
    docs, failed, costs = [], [], []
    try:
        if remote:
            session = Session(scheduler).start()
            sessions[session.workers] = session
        else:
            for w in sorted(set(workers)):
                sessions[w] = Session(scheduler, workers=w).start()
        for w, session in sorted(sessions.items()):
            cost = {"scheduler": session.kind, "workers": w, **overhead(session)}
            costs.append(cost)
        with Session("threads") as threads:
            costs.append({"scheduler": "threads", "workers": threads.workers, **overhead(threads)})
        emit(render_overhead(costs))
        for name, spec_n in kernels:
            if spec_n is None:
                spec_n = 256 if name == FILE_KERNEL else split_parts.resolve(FILE_KERNELS.get(name, name)).sizes.quick
            doc = measure(name, spec_n, sessions, parts=parts, rounds=rounds, tmpdir=tmpdir, emit=emit)
            docs.append(doc)
            failed += [f"{name}/{r['label']}" for r in doc["results"] if r["error"]]
            emit("")
    finally:
        # NOTE: last started, first closed: each LocalCluster restores, when it
        # closes, the log level it found, so closing in start order would let the
        # later ones log their shutdown at INFO.
        for session in reversed(list(sessions.values())):
            session.close()
    load_after = os.getloadavg() if hasattr(os, "getloadavg") else None
    emit(f"load average (1, 5, 15 min): before {_load(load_before)}, after {_load(load_after)} "
         f"on {os.cpu_count()} cores")
    return {
        "schema": SCHEMA,
        "settings": {"scheduler": scheduler, "workers": sorted(sessions), "parts": parts, "rounds": rounds,
                     "threads_per_worker": 1, "omp_num_threads_per_worker": 1},
        "environment": environment(),
        "load_average": {"before": load_before, "after": load_after},
        "wall_seconds": time.perf_counter() - started,
        "failed": failed,
        "overhead": costs,
        "kernels": docs,
    }


def _load(values) -> str:
    return "n/a" if values is None else " ".join(f"{v:.2f}" for v in values)


def render_overhead(costs: list[dict[str, Any]]) -> str:
    lines = ["per-task cost, measured with empty tasks:"]
    for c in costs:
        lines.append(f"  {c['scheduler']:8} {c['workers']:>3} worker(s): "
                     f"{fmt_time(c['seconds_per_task']['median'])} per task with {c['tasks']} at once, "
                     f"{fmt_time(c['round_trip_seconds']['median'])} for one task's round trip")
    return "\n".join(lines) + "\n"


def figure(doc: dict[str, Any], path: str) -> None:
    """Speed over the one-core rung the parts run (simd, else native), per kernel: dask@W against W, and parallel."""
    from speedlab.bench.plot import _pyplot

    plt = _pyplot()
    kernels = doc["kernels"]
    cols = min(3, max(1, len(kernels)))
    rows = -(-max(1, len(kernels)) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 3.6 * rows), squeeze=False)
    for ax in axes.flat[len(kernels):]:
        ax.set_visible(False)
    for ax, k in zip(axes.flat, kernels):
        med = {r["label"]: r["seconds"]["median"] for r in k["results"] if r["seconds"]}
        base = med.get("simd") or med.get("native") or med.get("threads@1")
        dask = sorted((r["workers"], base / r["seconds"]["median"]) for r in k["results"]
                      if r["kind"] == "dask" and r["seconds"] and base)
        if dask:
            xs = [w for w, _ in dask]
            ax.plot(xs, [s for _, s in dask], "o-", color="#08306b", label="dask@W (worker processes)")
            ax.plot([0, max(xs)], [0, max(xs)], ":", color="#999999", label="ideal (W x one core)")
            # dask@1 times the control's speedup: how far Dask and the machine let parts this long go.
            one = dict(dask).get(1)
            control = sorted((r["workers"], r["speedup_over_one_worker"]["median"]) for r in k["results"]
                             if r["kind"] == "control" and r.get("speedup_over_one_worker"))
            if one and control:
                ax.plot([w for w, _ in control], [one * c for _, c in control], "s--", color="#74a9cf",
                        label="dask@1 x arithmetic control's speedup")
        for r in k["results"]:
            if r["kind"] == "in-process" and r["seconds"] and base and \
                    r["label"] not in ("native", "simd", "threads@1"):
                ax.axhline(base / r["seconds"]["median"], ls="--", color="#e6550d",
                           label=f"{r['label']} (this process)")
        ax.set_title(f"{k['kernel']} n={k['n']:,}, {k['parts']} parts", fontsize=9)
        ax.set_xlabel("workers")
        ax.set_ylabel("speed over its one-core rung in process")
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7, loc="upper left")
    load = doc.get("load_average", {}).get("before")
    fig.suptitle(f"scale-out on Dask ({doc['environment']['cores']} cores, load {_load(load)})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
