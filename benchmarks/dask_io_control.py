"""Control for ``speedlab bench-dask chacha20-file``: can two processes move file data faster than one?

The file I/O of :func:`speedlab.dask.encrypt_file`, without the cipher, timed on
a pool of 1 and of 2 worker processes (spawned, started before the rounds),
interleaved rounds, medians: the same 1 GiB in 8 parts of 128 MiB, from a file
in ``--dir`` (default /dev/shm, a tmpfs) to another there. Each way is timed
with ``dst`` freshly truncated (its pages freed, so every write faults in and
zeroes a new page) and with ``dst`` kept from the previous run:

* ``spin`` -- CPU only (a Python loop per part): how many cores the machine gave
  this run; without ~2x here, the other rows say nothing about scaling.
* ``memcpy`` -- copy 128 MiB between two buffers the process keeps: memory bandwidth.
* ``whole-part`` -- main's old shape: map the source range, one fresh ``bytes``
  of the whole part (as the cipher's output), one write.
* ``chunks`` -- encrypt_file's shape: map the source range, 96 KiB at a time
  into a fresh (malloc-reused) ``bytes``, ``os.pwrite``.
* ``pread`` / ``pwrite`` -- only reading (into a kept 96 KiB buffer), only writing.
* ``pwrite-own`` -- ``pwrite``, each part into a file of its own: Linux holds a
  file's inode lock through each buffered write, so writes into one file from
  two processes take turns; into two files they need not.

Usage: ``python benchmarks/dask_io_control.py [--mib 1024] [--rounds 5] [--dir /dev/shm]``.
It prints the load average before and after; it removes its files.
"""

import argparse
import mmap
import multiprocessing
import os
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

#: Parts per run: what bench-dask uses for 2 workers (4 per worker).
PARTS = 8
#: The chunk of speedlab.dask.CHUNK_BYTES.
CHUNK = 96 << 10
#: Loop iterations per part of ``spin``: ~0.2 s of Python per part, far above a task's cost.
SPIN = 6_000_000

_kept: dict = {}


def part(mode, src, dst, offset, length):
    """One part's I/O in ``mode`` (module-level: the pool pickles it by name)."""
    if mode == "spin":
        x = 0
        for i in range(SPIN):
            x += i
    elif mode == "memcpy":
        if "a" not in _kept:
            _kept["a"], _kept["b"] = bytearray(os.urandom(1 << 20)) * (length >> 20), bytearray(length)
        memoryview(_kept["b"])[:] = _kept["a"]
    elif mode in ("whole-part", "chunks"):
        fd = os.open(dst, os.O_WRONLY)
        with open(src, "rb") as f, mmap.mmap(f.fileno(), length, offset=offset, access=mmap.ACCESS_READ) as m:
            view = memoryview(m)
            step = length if mode == "whole-part" else CHUNK
            for i in range(0, length, step):
                out = bytes(view[i:i + step])
                os.pwrite(fd, out, offset + i)
                del out
            view.release()
        os.close(fd)
    elif mode in ("pread", "pwrite", "pwrite-own"):
        buf = _kept.setdefault("chunk", bytearray(CHUNK))
        own = mode == "pwrite-own"  # a file per part, written from its start
        path = src if mode == "pread" else f"{dst}.{offset}" if own else dst
        fd = os.open(path, os.O_RDONLY if mode == "pread" else os.O_WRONLY | os.O_CREAT, 0o600)
        for i in range(0, length, CHUNK):
            if mode == "pread":
                os.preadv(fd, [buf], offset + i)
            else:
                os.pwrite(fd, buf, i if own else offset + i)
        os.close(fd)
    return length


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", default="/dev/shm")
    args = parser.parse_args()
    size = args.mib << 20
    length = size // PARTS
    scratch = tempfile.mkdtemp(prefix="speedlab-io-control-", dir=args.dir)
    src, dst = os.path.join(scratch, "plain"), os.path.join(scratch, "cipher")
    pools = {}
    try:
        with open(src, "wb") as f:
            for _ in range(PARTS):
                f.write(os.urandom(length))
        with open(dst, "wb") as f:
            f.truncate(size)
        pools = {w: ProcessPoolExecutor(w, mp_context=multiprocessing.get_context("spawn")) for w in (1, 2)}
        ways = [("spin", False), ("memcpy", False), ("pread", False)] + [
            (m, fresh) for m in ("whole-part", "chunks", "pwrite", "pwrite-own") for fresh in (True, False)]
        entries = [(m, fresh, w) for m, fresh in ways for w in (1, 2)]

        def run(entry):
            mode, fresh, workers = entry
            if fresh:
                with open(dst, "wb") as f:
                    f.truncate(size)
                for offset in range(0, size, length):  # pwrite-own's files, emptied
                    if os.path.exists(f"{dst}.{offset}"):
                        os.truncate(f"{dst}.{offset}", 0)
            start = time.perf_counter()
            list(pools[workers].map(part, [mode] * PARTS, [src] * PARTS, [dst] * PARTS,
                                    range(0, size, length), [length] * PARTS))
            return time.perf_counter() - start

        print(f"load average before: {open('/proc/loadavg').read().strip()}")
        for entry in entries:
            run(entry)  # warm-up: imports, page cache, the kept buffers
        times = {e: [] for e in entries}
        for r in range(args.rounds):
            shift = r % len(entries)
            for entry in entries[shift:] + entries[:shift]:
                times[entry].append(run(entry))
        print(f"{args.mib} MiB in {PARTS} parts, {args.rounds} interleaved rounds, medians:")
        for mode, fresh in ways:
            one, two = (statistics.median(times[(mode, fresh, w)]) for w in (1, 2))
            dst_note = "" if mode in ("spin", "memcpy", "pread") else (" (dst fresh)" if fresh else " (dst kept)")
            print(f"  {mode + dst_note:24} 1 process {one:.3f} s   2 processes {two:.3f} s   {one / two:.2f}x")
        print(f"load average after: {open('/proc/loadavg').read().strip()}")
    finally:
        for pool in pools.values():
            pool.shutdown()
        for path in [src, dst] + [f"{dst}.{offset}" for offset in range(0, size, length)]:
            if os.path.exists(path):
                os.unlink(path)
        os.rmdir(scratch)


if __name__ == "__main__":
    main()
