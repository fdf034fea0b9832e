"""Measure what the Ctrl-C checks cost a native kernel.

Native loops leave the GIL-free region every ``CHECK_EVERY`` iterations to call
``PyErr_CheckSignals()`` (and re-acquire the GIL). To price that, this script
copies ``kernels/KERNEL.pyx`` (and its ``kernels/c`` sources) into a scratch
directory, rewrites ``CHECK_EVERY = ...`` to ``1 << 30`` (no check in any run
measured here), builds it with speedlab's own flags and directives
(``speedlab._buildtools``), and times the ``native`` entry point of both builds
in interleaved rounds on the same input.

Usage::

    python tools/signal_cost.py [KERNEL ...] [--n N] [--rounds R]

Kernels without a ``CHECK_EVERY`` constant in their .pyx are reported and skipped.
Times are process CPU time (``time.process_time``), which a busy machine's
preemption does not inflate the way it does wall time; the figure is still
indicative: the median of per-round ratios, with their range, and the ratio of
the fastest runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from speedlab import _buildtools as bt  # noqa: E402
from speedlab import catalog  # noqa: E402

CHECK = re.compile(r"^(\s*CHECK_EVERY\s*=\s*)(.+?)(\s*#.*)?$", re.M)
#: 2**30 iterations between checks: more than any run this script times.
NO_CHECKS = "1 << 30"


def build_without_checks(kernel: str, scratch: Path):
    """Build kernels/KERNEL.pyx with CHECK_EVERY raised; return the module, or None."""
    source = (ROOT / "kernels" / f"{kernel}.pyx").read_text()
    if not CHECK.search(source):
        return None
    shutil.copytree(ROOT / "kernels" / "c", scratch / "c")
    for pxd in (ROOT / "kernels").glob("*.pxd"):
        shutil.copy(pxd, scratch)
    name = f"{kernel}_nochecks"
    pyx = scratch / f"{name}.pyx"
    pyx.write_text(CHECK.sub(lambda m: m.group(1) + NO_CHECKS + (m.group(3) or ""), source, count=1))

    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    sources = [str(pyx)]
    c_ref = scratch / "c" / f"{kernel}.c"
    if c_ref.exists():
        sources.append(str(c_ref))
    # NOTE: the kernels directory too, for the headers a .pyx includes beside c/:
    # simd/ and rust/ (without SPEEDLAB_RUST defined, the rust calls are stubs).
    ext = Extension(name, sources, include_dirs=[str(scratch), str(ROOT / "kernels"), str(bt.INCLUDE_DIR)])
    dist = Distribution({"ext_modules": cythonize([ext], compiler_directives=bt.directives(False),
                                                  build_dir=str(scratch / "gen"), quiet=True)})
    cmd = dist.get_command_obj("build_ext")
    cmd.build_lib = str(scratch)
    cmd.build_temp = str(scratch / "tmp")
    cmd.ensure_finalized()
    flags = bt.compile_flags(cmd.compiler or "unix", debug=False, native_arch=False)
    openmp = ["-fopenmp"] if "omp" in source else []
    for e in cmd.extensions:
        e.extra_compile_args = flags + openmp
        e.extra_link_args = openmp
    cmd.run()
    spec = importlib.util.spec_from_file_location(name, cmd.get_ext_fullpath(name))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(kernel: str, n: int | None, rounds: int) -> str:
    spec = catalog.get(kernel)
    native = spec.variant("native")
    attr = native.target.partition(":")[2]
    with tempfile.TemporaryDirectory() as tmp:
        module = build_without_checks(kernel, Path(tmp))
        if module is None:
            return f"{kernel}: no CHECK_EVERY constant in kernels/{kernel}.pyx; skipped"
        with_checks, without = native.load(), getattr(module, attr)
        n = n or spec.sizes.quick
        args = spec.make_input(n)
        assert spec.compare(with_checks(*args), without(*args)), "the two builds disagree"
        ratios, times = [], []
        for _ in range(rounds):
            pair = []
            for fn in (with_checks, without):
                start = time.process_time()
                fn(*args)
                pair.append(time.process_time() - start)
            times.append(pair)
            ratios.append(pair[0] / pair[1])
    cost = (statistics.median(ratios) - 1) * 100
    spread = (max(ratios) - min(ratios)) * 100
    # NOTE: on a busy machine the fastest round is the least disturbed one, so
    # the ratio of minima is quoted beside the median of per-round ratios.
    t_with = min(t[0] for t in times)
    t_without = min(t[1] for t in times)
    return (f"{kernel}: n={n:,}, fastest native run {t_with * 1e3:.1f} ms with checks, "
            f"{t_without * 1e3:.1f} ms without ({(t_with / t_without - 1) * 100:+.2f} %); "
            f"median of {rounds} round ratios {cost:+.2f} % (range {spread:.2f} points)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kernels", nargs="*", help="default: every kernel in the catalog")
    parser.add_argument("--n", type=int, help="input size (default: the catalog's quick size)")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    for kernel in args.kernels or catalog.names():
        print(measure(kernel, args.n, args.rounds), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
