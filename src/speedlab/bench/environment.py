"""What a benchmark ran on: recorded with every result, printed by ``speedlab info``."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import datetime, timezone
from importlib import metadata
from typing import Any


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def build_info() -> dict[str, Any] | None:
    """How the compiled kernels were built (written by setup.py), or None when unbuilt."""
    from importlib.resources import files

    try:
        return json.loads(files("speedlab._native").joinpath("_buildinfo.json").read_text())
    except (OSError, ValueError):
        return None


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def environment() -> dict[str, Any]:
    """The machine, the interpreter, the build and the versions of everything that matters."""
    import speedlab

    build = build_info() or {}
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "speedlab": speedlab.__version__,
        "cython_build": build.get("cython"),
        "cython_installed": _version("Cython"),
        "numpy": _version("numpy"),
        "numba": _version("numba"),
        "compiler": build.get("compiler"),
        "cflags": build.get("cflags"),
        "openmp": build.get("openmp"),
        "debug_build": build.get("debug"),
        "native_arch": build.get("native_arch"),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        # 1-minute load average when the run started: how busy the machine was (POSIX only)
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
