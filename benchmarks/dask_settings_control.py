"""Control for the settings of speedlab's LocalCluster: what do Dask's background wakeups cost?

``speedlab.dask.Session("local")`` starts its LocalCluster with
``speedlab.dask.LOCAL_CLUSTER_CONFIG``: each process's event loop timed once a
second instead of every 20 ms, and no statistical profiler sampling the running
task's stack every 10 ms. This script times ``encrypt_file`` (chacha20, 1 GiB
by default, 8 parts, from a file to another in ``--dir``, default /dev/shm) on
clusters of 1 and 2 single-threaded worker processes, started with those
settings (``speedlab``) and with Dask's defaults (``dask defaults``).

Only one cluster is up at a time: every round starts each of the four clusters
in turn (the order rotating from round to round), runs the job once untimed
(imports, page cache) and then twice timed, keeps the faster, and stops it. So
no idle cluster's wakeups land on another's run. It prints, per setting, the
medians, their ratio and the two-over-one ratio of each round.

Usage: ``python benchmarks/dask_settings_control.py [--mib 1024] [--rounds 6] [--dir /dev/shm]``.
It prints the load average before and after; it removes its files.
"""

import argparse
import os
import statistics
import tempfile
import time

import speedlab.dask as sdask
from speedlab.chacha20 import RUN_COUNTER, RUN_KEY, RUN_NONCE

#: Parts per run: what bench-dask uses for 2 workers (4 per worker).
PARTS = 8
SETTINGS = {"speedlab": sdask.LOCAL_CLUSTER_CONFIG, "dask defaults": {}}


def timed_on(setting: str, workers: int, src: str, dst: str, part_bytes: int) -> float:
    """The faster of two timed runs on a cluster started for them with ``setting``."""
    saved = sdask.LOCAL_CLUSTER_CONFIG
    sdask.LOCAL_CLUSTER_CONFIG = SETTINGS[setting]  # what Session reads when it starts
    try:
        with sdask.Session("local", workers=workers) as session:
            times = []
            for i in range(3):
                start = time.perf_counter()
                sdask.encrypt_file(src, dst, RUN_KEY, RUN_NONCE, RUN_COUNTER, part_bytes=part_bytes,
                                   scheduler=session)
                if i:  # the first run warms up
                    times.append(time.perf_counter() - start)
            return min(times)
    finally:
        sdask.LOCAL_CLUSTER_CONFIG = saved


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--dir", default="/dev/shm")
    args = parser.parse_args()
    if args.mib < 1 or args.rounds < 1:
        parser.error("--mib and --rounds must be >= 1")
    size = args.mib << 20
    part_bytes = -(-size // PARTS) + 63 & ~63
    scratch = tempfile.mkdtemp(prefix="speedlab-settings-control-", dir=args.dir)
    src, dst = os.path.join(scratch, "plain"), os.path.join(scratch, "cipher")
    try:
        with open(src, "wb") as f:
            for _ in range(0, size, 1 << 24):
                f.write(os.urandom(min(1 << 24, size)))
            f.truncate(size)
        print(f"load average before: {open('/proc/loadavg').read().strip()}")
        entries = [(setting, w) for setting in SETTINGS for w in (1, 2)]
        times = {e: [] for e in entries}
        for r in range(args.rounds):
            shift = r % len(entries)
            for entry in entries[shift:] + entries[:shift]:
                times[entry].append(timed_on(*entry, src, dst, part_bytes))
        print(f"chacha20-file, {args.mib} MiB in {PARTS} parts, {args.rounds} rounds (the faster of two runs "
              f"per cluster), medians:")
        for setting in SETTINGS:
            one, two = times[(setting, 1)], times[(setting, 2)]
            paired = " ".join(f"{a / b:.2f}" for a, b in zip(one, two))
            print(f"  {setting:14} 1 worker {statistics.median(one):.3f} s   2 workers "
                  f"{statistics.median(two):.3f} s   {statistics.median(one) / statistics.median(two):.2f}x"
                  f"   (each round: {paired})")
        print(f"load average after: {open('/proc/loadavg').read().strip()}")
    finally:
        for path in (src, dst):
            if os.path.exists(path):
                os.unlink(path)
        os.rmdir(scratch)


if __name__ == "__main__":
    main()
