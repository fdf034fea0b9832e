"""Time to first result: import + first call, speedlab's native rung vs a JIT peer.

A JIT (Numba) pays for compilation on the first call of every new process;
speedlab compiled ahead of time. Each side is measured in a fresh interpreter
(so nothing is already imported or compiled) from the first line of the script
to the first result, split into import and first call. Interpreter start-up is
common to both and left out.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from speedlab.spec import KernelSpec

# Runs in a fresh interpreter; prints one JSON line. {kernel}, {variant}, {n} are filled in.
_SCRIPT = """
import json, time
t0 = time.perf_counter()
from speedlab import catalog
spec = catalog.get({kernel!r})
fn = spec.variant({variant!r}).load()
args = spec.make_input({n!r})
t1 = time.perf_counter()
fn(*args)
t2 = time.perf_counter()
print(json.dumps({{"import_seconds": t1 - t0, "first_call_seconds": t2 - t1, "total_seconds": t2 - t0}}))
"""

#: A fresh interpreter plus a JIT compile take seconds, never minutes.
TIMEOUT = 120


def time_to_first_result(spec: KernelSpec, variant: str, n: int) -> dict[str, Any]:
    """Import + first call of ``variant`` at size ``n`` in a fresh interpreter.

    Returns
    -------
    dict
        ``kernel``, ``variant``, ``n``, ``import_seconds``, ``first_call_seconds``,
        ``total_seconds``; or ``error`` when the child failed.
    """
    record: dict[str, Any] = {"kernel": spec.name, "variant": variant, "n": n}
    code = _SCRIPT.format(kernel=spec.name, variant=variant, n=n)
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        record["error"] = f"no result within {TIMEOUT} s"
        return record
    if out.returncode != 0:
        lines = out.stderr.strip().splitlines()
        record["error"] = lines[-1] if lines else f"exit {out.returncode}"
        return record
    record.update(json.loads(out.stdout.strip().splitlines()[-1]))
    return record


def peers_present(spec: KernelSpec, variants: list[str]) -> list[str]:
    """The peer variants among ``variants`` whose package is installed."""
    return [name for name in variants if spec.variant(name).peer and spec.variant(name).available()]


def render(records: list[dict[str, Any]]) -> str:
    """``time to first result`` lines, native first, then its peers."""
    from speedlab.bench.report import fmt_time

    lines = []
    for r in records:
        head = f"  {r['kernel']}/{r['variant']:8}"
        if "error" in r:
            lines.append(f"{head} FAILED: {r['error']}")
        else:
            lines.append(f"{head} {fmt_time(r['total_seconds']):>8}  (import {fmt_time(r['import_seconds'])}, "
                         f"first call {fmt_time(r['first_call_seconds'])}, n={r['n']:,})")
    return "time to first result (fresh interpreter: import, then the first call):\n" + "\n".join(lines)
