"""Control for the ``parallel`` rungs: what do two threads of this machine give when they only move memory?

A ``parallel`` rung that computes scales with the cores; one that mostly moves
memory scales with the memory system, which two cores of a virtual machine may
share with each other and with the host. This script times the same work on 1
and on 2 threads of this process (NumPy and hashlib release the GIL), each
thread taking half, in interleaved rounds, and prints medians and the ratio:

* ``hash`` -- SHA-256 of 64 MiB: arithmetic only, the canary (without ~2x here,
  the machine did not give this run two cores and the other rows say nothing);
* ``read`` -- sum 256 MiB of 64-bit words the process keeps: read bandwidth;
* ``copy`` -- copy 256 MiB between two kept buffers: read and write bandwidth;
* ``fresh`` -- fill 256 MiB of new memory (``np.empty``, which NumPy hints for
  huge pages as speedlab's outputs are): the kernel faults in and zeroes every
  page before the write, as a rung's fresh output costs.

``--after-idle S`` times ``fresh`` alone, each call after S seconds of doing
nothing: long enough for a virtual machine that reports the memory it frees to
its host (virtio-balloon free page reporting waits 2 s) to have handed it back,
so the new memory is backed by the host again on first write. Compare its
figures with ``fresh`` in the default run to see what that costs one and two
threads here.

Usage: ``python benchmarks/memory_control.py [--mib 256] [--rounds 7] [--json PATH] [--after-idle S]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def _halves(n: int, threads: int) -> list[slice]:
    step = -(-n // threads)
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


def make_work(mib: int) -> dict:
    """name -> work(threads, pool): each runs its part of the job on ``threads`` threads."""
    src = np.frombuffer(os.urandom(mib << 20), dtype=np.uint64)
    dst = np.empty_like(src)
    dst[:] = 0  # faulted in once: "copy" measures bandwidth, not page faults
    text = os.urandom(64 << 20)

    def run(pool, threads, n, fn):
        list(pool.map(fn, _halves(n, threads)))

    def hash_(pool, threads):
        view = memoryview(text)
        run(pool, threads, len(text), lambda s: hashlib.sha256(view[s]).digest())

    def read(pool, threads):
        run(pool, threads, len(src), lambda s: np.add.reduce(src[s]))

    def copy(pool, threads):
        run(pool, threads, len(src), lambda s: np.copyto(dst[s], src[s]))

    def fresh(pool, threads):
        def part(s):
            out = np.empty(s.stop - s.start, dtype=np.uint64)
            out.fill(1)
        run(pool, threads, len(src), part)

    return {"hash": hash_, "read": read, "copy": copy, "fresh": fresh}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=256, help="MiB per job (default 256)")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--json", metavar="PATH", help="also write the medians as JSON")
    parser.add_argument("--after-idle", type=float, metavar="S", default=0.0,
                        help="time only 'fresh', each call after S seconds idle (default: off)")
    args = parser.parse_args()
    if args.mib < 8 or args.rounds < 1 or not 0 <= args.after_idle <= 60:
        parser.error("--mib must be >= 8, --rounds >= 1 and --after-idle in 0..60")
    work = make_work(args.mib)
    if args.after_idle:
        work = {"fresh": work["fresh"]}
    load_before = os.getloadavg()
    times: dict[tuple[str, int], list[float]] = {}
    with ThreadPoolExecutor(2) as pool:
        for name, fn in work.items():  # warm-up: threads started, pages touched
            fn(pool, 1), fn(pool, 2)
        for r in range(args.rounds):
            for name, fn in work.items():
                for threads in ((1, 2) if r % 2 == 0 else (2, 1)):
                    time.sleep(args.after_idle)
                    t0 = time.perf_counter()
                    fn(pool, threads)
                    times.setdefault((name, threads), []).append(time.perf_counter() - t0)
    load_after = os.getloadavg()
    idle = f", each call after {args.after_idle:g} s idle" if args.after_idle else ""
    print(f"load average before: {load_before[0]:.2f}, after: {load_after[0]:.2f}; "
          f"{args.rounds} interleaved rounds, medians; {args.mib} MiB per job (hash: 64 MiB){idle}")
    rows = []
    for name in work:
        one, two = (statistics.median(times[(name, t)]) for t in (1, 2))
        rows.append({"job": name, "one_thread_s": one, "two_threads_s": two, "ratio": one / two})
        print(f"  {name:6s} 1 thread {one * 1e3:8.1f} ms   2 threads {two * 1e3:8.1f} ms   {one / two:.2f}x")
    if args.json:
        doc = {"schema": "speedlab-memory-control/1", "mib": args.mib, "rounds": args.rounds,
               "after_idle_s": args.after_idle,
               "load_average": {"before": load_before[0], "after": load_after[0]},
               "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "rows": rows}
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
