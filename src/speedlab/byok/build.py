"""``speedlab build``: compile a user's kernel directory ahead of time, as speedlab compiles its own.

Every variant of a spec with ``build="compiled"`` or ``build="native"`` names a
source beside the spec file (``NAME.py`` in Cython's pure-Python mode, or
``NAME.pyx``). Each (source, build) pair becomes one extension module, compiled
with the very flags, directives and OpenMP probe of speedlab's own ``setup.py``
(:mod:`speedlab._buildtools`):

* ``compiled`` -> ``_speedlab_compiled.NAME``: Cython's defaults, no OpenMP (the
  ``compiled`` rung: the pure twin, compiled untyped);
* ``native``   -> ``_speedlab_native.NAME``: the kernel directives (checks off
  globally, on per function in the typed rung) and OpenMP when the compiler has it.

The cache: each module's key is a SHA-256 of its source and of every ``.pxd``/``.h``
it may include, the module name, directives, compiler flags, OpenMP flags, the
compiler's identity, and the Cython, Python (ABI suffix) and speedlab versions.
Built modules live under ``DIR/.speedlab/cache/KEY``; the importable copy in
``DIR/.speedlab/lib`` carries its key, so a build where nothing changed does no
work, a changed source rebuilds, and changing it back is a cache hit. The
compiler runs in a child process (:mod:`speedlab.byok._worker`); on failure only
its ``file:line`` errors are shown (:func:`compiler_errors`).

The same switches as ``setup.py`` apply: ``SPEEDLAB_DEBUG_BUILD``,
``SPEEDLAB_NATIVE_ARCH``, ``SPEEDLAB_DISABLE_OPENMP``, ``SPEEDLAB_ANNOTATE``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from speedlab import _buildtools as bt
from speedlab.byok import BUILD_DIRNAME, SpecError, lib_dir, load, spec_files
from speedlab.spec import BUILD_PACKAGES, KernelSpec

#: Compiler errors shown per module; the rest are counted, not printed (the first
#: errors are the ones that matter, later ones are often consequences).
MAX_ERRORS = 8
#: Hex digits of the key naming a cache entry: 96 bits, no collision in any cache's lifetime.
KEY_DIGITS = 24
#: Builds kept in the cache per module: the current one and a few before it, so
#: undoing an edit is a cache hit while the cache stays a few modules' size.
KEEP_PER_MODULE = 4
#: Characters of a failing tool's own output quoted when no file:line error is found
#: (its last lines say what went wrong; the rest is noise).
TAIL_CHARS = 800


class BuildError(Exception):
    """A module failed to compile; ``str()`` is the concise, file:line report."""


@dataclass
class Target:
    """One extension module to build."""

    source: Path
    module: str  # full name: _speedlab_native.NAME
    build: str  # "compiled" or "native"
    used_by: list[str] = field(default_factory=list)  # "kernel/variant"
    key: str = ""
    status: str = ""  # "built", "cached", "up to date"
    seconds: float = 0.0

    @property
    def filename(self) -> str:
        return self.module.rpartition(".")[2] + sysconfig.get_config_var("EXT_SUFFIX")

    @property
    def relpath(self) -> Path:
        return Path(*self.module.split(".")[:-1], self.filename)


def targets(specs: list[KernelSpec], directory: Path) -> list[Target]:
    """The modules the ``build`` variants of ``specs`` need, found beside the spec files.

    Raises
    ------
    SpecError
        A variant names a source that is not there (or is there twice: .py and .pyx).
    """
    found: dict[str, Target] = {}
    for spec in specs:
        for v in spec.variants:
            if v.build is None:
                continue
            base = directory.joinpath(*v.source_module.split("."))
            candidates = [p for p in (base.with_suffix(".pyx"), base.with_suffix(".py")) if p.is_file()]
            if not candidates:
                raise SpecError(f"kernel {spec.name!r}, variant {v.name!r}: no source "
                                f"{base.name}.py or {base.name}.pyx in {directory}")
            if len(candidates) > 1:
                raise SpecError(f"kernel {spec.name!r}, variant {v.name!r}: both {base.name}.py and "
                                f"{base.name}.pyx exist in {directory}; keep one")
            target = found.setdefault(v.module, Target(candidates[0], v.module, v.build))
            target.used_by.append(f"{spec.name}/{v.name}")
    return list(found.values())


# -- toolchain ---------------------------------------------------------------------

def _settings() -> dict:
    return {
        "debug": bt.flag("SPEEDLAB_DEBUG_BUILD"),
        "native_arch": bt.flag("SPEEDLAB_NATIVE_ARCH"),
        "disable_openmp": bt.flag("SPEEDLAB_DISABLE_OPENMP"),
        "annotate": bt.flag("SPEEDLAB_ANNOTATE"),
    }


def _toolchain_identity() -> dict:
    """What decides the compiler, cheaply (no process started): a change means a new probe."""
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    exe = shutil.which(cc.split()[0]) if cc.split() else None
    stat = os.stat(exe) if exe else None
    return {
        "python": sys.executable,
        "cc": cc,
        "cc_exe": exe,
        "cc_stamp": [stat.st_size, stat.st_mtime_ns] if stat else None,
        "cflags": os.environ.get("CFLAGS", ""),
        "ldflags": os.environ.get("LDFLAGS", ""),
        "config_cflags": sysconfig.get_config_var("CFLAGS") or "",
    }


def _run_worker(job: dict, tmp: Path) -> subprocess.CompletedProcess:
    job_file = tmp / f"job-{job['kind']}-{os.getpid()}-{id(job)}.json"
    job_file.write_text(json.dumps(job))
    return subprocess.run([sys.executable, "-m", "speedlab.byok._worker", str(job_file)],
                          capture_output=True, text=True)


def toolchain(build_dir: Path) -> dict:
    """The compiler's identity, type and OpenMP flags: probed once, remembered in ``build_dir``."""
    identity = _toolchain_identity()
    record = build_dir / "toolchain.json"
    try:
        cached = json.loads(record.read_text())
        if cached["identity"] == identity:
            return cached["probe"]
    except (OSError, ValueError, KeyError):
        pass
    build_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=build_dir) as tmp:
        out = _run_worker({"kind": "probe"}, Path(tmp))
    if out.returncode != 0:
        raise BuildError(f"speedlab build: cannot set up the C compiler: {out.stderr.strip()[-TAIL_CHARS:]}")
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    if not probe["works"]:
        raise BuildError(bt.NO_COMPILER.format(detail=identity["cc"]).strip())
    record.write_text(json.dumps({"identity": identity, "probe": probe}, indent=2) + "\n")
    return probe


# -- keys and jobs ------------------------------------------------------------------

def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _job(target: Target, directory: Path, tc: dict, settings: dict) -> dict:
    import Cython

    import speedlab

    native = target.build == "native"
    cflags = bt.compile_flags(tc["compiler_type"], debug=settings["debug"], native_arch=settings["native_arch"])
    ldflags: list[str] = []
    openmp = tc["openmp"] if native and not settings["disable_openmp"] else None
    if openmp:
        cflags, ldflags = cflags + openmp[0], ldflags + openmp[1]
    directives = bt.directives(settings["debug"]) if native else dict(bt.COMPILED_DIRECTIVES)
    include_dirs = [str(directory), str(bt.INCLUDE_DIR)]
    deps = sorted(p for d in (directory, bt.INCLUDE_DIR) for p in Path(d).glob("*")
                  if p.suffix in {".pxd", ".pxi", ".h"})
    material = {
        "source": _digest(target.source),
        "source_name": target.source.name,
        "deps": {p.name: _digest(p) for p in deps},
        "module": target.module,
        "directives": directives,
        "cflags": cflags,
        "ldflags": ldflags,
        "compiler": tc["compiler"],
        "toolchain": _toolchain_identity(),
        "cython": Cython.__version__,
        "python": platform.python_version(),
        "abi": sysconfig.get_config_var("EXT_SUFFIX"),
        "speedlab": speedlab.__version__,
        "debug": settings["debug"],
    }
    key = hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()
    return {
        "kind": "compile",
        "key": key,
        "module": target.module,
        "source": str(target.source),
        "include_dirs": include_dirs,
        "cflags": cflags,
        "ldflags": ldflags,
        "directives": directives,
        "debug": settings["debug"],
        "annotate": settings["annotate"],
    }


# -- errors ---------------------------------------------------------------------------

_LOCATION = re.compile(r"^(?P<file>[^\s:]+?\.(?:pyx|pxd|pxi|py|c|h)):(?P<line>\d+):(?:(?P<col>\d+):)?\s*(?P<msg>.*)$")


def compiler_errors(stderr: str, cwd: Path | None = None) -> list[str]:
    """The ``file:line: message`` errors in a Cython/C compiler's output, deduplicated.

    Cython reports ``file:line:col: message``; gcc and clang ``file:line:col: error: message``
    (their warnings and notes are dropped). Paths are shown relative to ``cwd``.
    """
    cwd = cwd or Path.cwd()
    seen, errors = set(), []
    for raw in stderr.splitlines():
        m = _LOCATION.match(raw.strip())
        if not m:
            continue
        msg = m["msg"].strip()
        if m["file"].endswith((".c", ".h")) and not msg.startswith(("error", "fatal error")):
            continue
        path = Path(m["file"])
        try:
            shown = path.resolve().relative_to(cwd.resolve())
        except ValueError:
            shown = path
        line = f"{shown}:{m['line']}: {msg}"
        if line not in seen:
            seen.add(line)
            errors.append(line)
    return errors


def _failure(target: Target, out: subprocess.CompletedProcess) -> str:
    errors = compiler_errors(out.stderr + "\n" + out.stdout)
    if not errors:  # a linker error or something unexpected: its last lines
        tail = [ln for ln in (out.stderr or out.stdout)[-TAIL_CHARS:].strip().splitlines() if ln.strip()]
        errors = tail[-3:]  # a linker's last lines name the missing symbol or library
    more = f"\n  ... and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
    shown = "\n".join(f"  {e}" for e in errors[:MAX_ERRORS])
    return f"speedlab build: {target.source.name} ({target.build}) does not compile:\n{shown}{more}"


# -- build ----------------------------------------------------------------------------

def _install(cache_file: Path, lib_file: Path, key: str) -> None:
    """Copy a cached module into lib atomically (a running process may have the old one open)."""
    lib_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = lib_file.with_name(lib_file.name + ".tmp")
    shutil.copy2(cache_file, tmp)
    os.replace(tmp, lib_file)
    lib_file.with_name(lib_file.name + ".key").write_text(key + "\n")


def _compile(target: Target, job: dict, build_dir: Path) -> subprocess.CompletedProcess:
    entry = build_dir / "cache" / job["key"][:KEY_DIGITS]
    with tempfile.TemporaryDirectory(dir=build_dir) as tmp:
        # Generated C goes with the temporary files, unless annotated: then it and
        # Cython's HTML stay in DIR/.speedlab/annotate for the user to read.
        c_dir = build_dir / "annotate" if job["annotate"] else Path(tmp, "c")
        job = dict(job, out=str(Path(tmp, "out")), tmp=str(Path(tmp, "obj")), c_dir=str(c_dir))
        out = _run_worker(job, Path(tmp))
        built = Path(tmp, "out", target.relpath)
        if out.returncode == 0 and built.is_file():
            entry.mkdir(parents=True, exist_ok=True)
            shutil.copy2(built, entry / target.filename)
    return out


def _prune(build_dir: Path, target: Target) -> None:
    """Drop all but the newest ``KEEP_PER_MODULE`` cache entries of ``target``'s module."""
    entries = sorted((f.parent for f in (build_dir / "cache").glob(f"*/{target.filename}")),
                     key=lambda d: d.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP_PER_MODULE:]:
        shutil.rmtree(old, ignore_errors=True)


def build(path: str | Path, *, force: bool = False, emit=print) -> list[Target]:
    """Compile every ``build`` variant of the kernels at ``path`` (see the module docstring).

    Parameters
    ----------
    path : str or Path
        A kernel directory (or one spec file in it).
    force : bool
        Compile even what the cache holds.
    emit : callable
        Receives one line per module.

    Returns
    -------
    list of Target
        With ``status`` ``built``, ``cached`` or ``up to date``.

    Raises
    ------
    SpecError
        No spec at ``path``, or a spec naming a missing source.
    BuildError
        A module does not compile (the message lists its errors) or no compiler works.
    """
    try:
        import Cython  # noqa: F401
    except ImportError:
        raise BuildError("speedlab build needs Cython: pip install 'Cython>=3.1'") from None
    files = spec_files(path)
    directory = files[0].parent
    specs = [s for f in files for s in load(f, register=False)]
    todo = targets(specs, directory)
    if not todo:
        emit(f"speedlab build: no variant of {', '.join(s.name for s in specs)} has build= set; nothing to compile")
        return []
    build_dir = directory / BUILD_DIRNAME
    build_dir.mkdir(parents=True, exist_ok=True)
    (build_dir / ".gitignore").write_text("*\n")  # never commit build products
    tc = toolchain(build_dir)
    settings = _settings()
    jobs = {t.module: _job(t, directory, tc, settings) for t in todo}
    stale = []
    for t in todo:
        t.key = jobs[t.module]["key"]
        lib_file = lib_dir(directory) / t.relpath
        stamp = lib_file.with_name(lib_file.name + ".key")
        cached = build_dir / "cache" / t.key[:KEY_DIGITS] / t.filename
        if force:
            stale.append(t)
        elif lib_file.is_file() and stamp.is_file() and stamp.read_text().strip() == t.key:
            t.status = "up to date"
        elif cached.is_file():
            _install(cached, lib_file, t.key)
            t.status = "cached"
        else:
            stale.append(t)

    def run(t: Target):
        start = time.perf_counter()
        out = _compile(t, jobs[t.module], build_dir)
        t.seconds = time.perf_counter() - start
        return t, out

    failures = []
    # NOTE: one compiler process per core, like setup.py's build_ext --parallel.
    with ThreadPoolExecutor(max_workers=max(1, min(len(stale), os.cpu_count() or 1))) as pool:
        for t, out in pool.map(run, stale):
            cached = build_dir / "cache" / t.key[:KEY_DIGITS] / t.filename
            if out.returncode != 0 or not cached.is_file():
                failures.append(_failure(t, out))
                continue
            _install(cached, lib_dir(directory) / t.relpath, t.key)
            t.status = "built"
            _prune(build_dir, t)
    for t in todo:
        if t.status:
            took = f" in {t.seconds:.1f} s" if t.status == "built" else ""
            emit(f"{t.status:10} {t.module:40} from {t.source.name} ({t.build}){took}")
    if failures:
        raise BuildError("\n".join(failures))
    return todo


# -- wheel --------------------------------------------------------------------------------

_SETUP = '''\
# Generated by `speedlab build --wheel`: packages kernels built by `speedlab build`.
from setuptools import setup
from setuptools.dist import Distribution


class BinaryDistribution(Distribution):
    """The extension modules are built already; this makes the wheel platform-specific."""

    def has_ext_modules(self):
        return True


setup(
    name={name!r},
    version={version!r},
    description="speedlab kernels: " + {kernels!r},
    py_modules={py_modules!r},
    packages={packages!r},
    package_data={package_data!r},
    entry_points={{"speedlab.kernels": {entry_points!r}}},
    install_requires=["speedlab"],
    distclass=BinaryDistribution,
    zip_safe=False,
)
'''


def _dist_name(directory: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9.]+", "-", directory.name).strip("-.") or "kernels"
    return f"{name}-speedlab-kernels"


def build_wheel(path: str | Path, out_dir: str | Path, *, version: str = "0.1.0", emit=print) -> Path:
    """Build a wheel of the kernels at ``path``: their Python modules, built extensions, entry points.

    The wheel declares each spec file in the ``speedlab.kernels`` entry-point group,
    so once it is installed its kernels appear in ``speedlab list`` with no ``--from``.
    Test files (``test_*.py``) stay out. Call :func:`build` first.

    Returns
    -------
    Path
        The wheel file.
    """
    files = spec_files(path)
    directory = files[0].parent
    py_modules = sorted(p.stem for p in directory.glob("*.py") if not p.name.startswith("test_"))
    entry_points = []
    for f in files:
        specs = load(f, register=False)
        attr = "SPEC" if len(specs) == 1 and hasattr(sys.modules[f.stem], "SPEC") else "SPECS"
        entry_points.append(f"{f.stem} = {f.stem}:{attr}")
    lib = lib_dir(directory)
    packages = sorted(p for p in BUILD_PACKAGES.values() if (lib / p).is_dir())
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in py_modules:
            shutil.copy2(directory / f"{name}.py", Path(tmp, f"{name}.py"))
        for pkg in packages:
            shutil.copytree(lib / pkg, Path(tmp, pkg), ignore=shutil.ignore_patterns("*.key", "*.tmp"))
        setup_py = _SETUP.format(
            name=_dist_name(directory), version=version,
            kernels=", ".join(s.name for f in files for s in load(f, register=False)),
            py_modules=py_modules, packages=packages,
            package_data={pkg: ["*" + sysconfig.get_config_var("EXT_SUFFIX")] for pkg in packages},
            entry_points=entry_points,
        )
        Path(tmp, "setup.py").write_text(setup_py)
        before = set(out_dir.glob("*.whl"))
        out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                              "--no-index", "-q", "-w", str(out_dir), tmp],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise BuildError(f"speedlab build --wheel: pip wheel failed: {out.stderr.strip()[-TAIL_CHARS:]}")
    made = sorted(set(out_dir.glob("*.whl")) - before) or sorted(
        out_dir.glob(_dist_name(directory).replace("-", "_") + "-*.whl"))
    wheel = made[-1]
    emit(f"wheel      {wheel}")
    return wheel
