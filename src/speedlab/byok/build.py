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

Every module is annotated, as ``setup.py`` annotates speedlab's own: Cython's HTML
page goes to ``DIR/.speedlab/annotate/BUILD/NAME.html`` and its per-function
summary (C-API lines, see :mod:`speedlab.bench.annotation`) into
``_annotation.json`` beside the built modules, where ``speedlab explain`` reads it.

The same switches as ``setup.py`` apply: ``SPEEDLAB_DEBUG_BUILD``,
``SPEEDLAB_NATIVE_ARCH``, ``SPEEDLAB_DISABLE_OPENMP``; ``SPEEDLAB_ANNOTATE=1``
prints where each annotation page is (rebuilding a module whose page is missing).

``--wheel`` (:func:`build_wheel`) packs the kernels into one package named after
the directory, written directly (no setuptools, pip or ``wheel`` needed).
"""

from __future__ import annotations

import hashlib
import json
import keyword
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
from speedlab.bench import annotation
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


#: Bumped when what a cache entry holds changes (2: the annotation page and its
#: summary beside the module), so older entries are never taken for complete ones.
CACHE_LAYOUT = 2
#: Where every module's annotation page goes, inside the build directory.
ANNOTATE_DIRNAME = "annotate"


class BuildError(Exception):
    """A module failed to compile; ``str()`` is the concise, file:line report."""


def _requirement(package: str, fallback: str) -> str:
    """speedlab's own requirement on ``package`` in its ``build`` extra (e.g. ``Cython>=3.3``).

    Read from the installed metadata, so pyproject.toml stays the one place that
    says which version speedlab needs; ``fallback`` only when no metadata is found.
    """
    from importlib.metadata import PackageNotFoundError, requires

    try:
        reqs = requires("speedlab") or []
    except PackageNotFoundError:
        return fallback
    for req in reqs:
        spec, _, marker = req.partition(";")
        name = re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0]
        if name.lower() == package.lower() and "build" in marker:
            return spec.strip().replace(" ", "")
    return fallback


def _version_tuple(text: str) -> tuple[int, ...]:
    """``(3, 3, 0)`` from ``3.3.0``, ``3.3.0b2`` or ``3.3`` (the release part only)."""
    match = re.match(r"\d+(?:\.\d+)*", text.strip())
    return tuple(int(part) for part in match.group(0).split(".")) if match else ()


def check_build_packages() -> None:
    """Refuse in one line, naming the install, when Cython (at speedlab's version) or setuptools is missing.

    Raises
    ------
    BuildError
    """
    need = _requirement("Cython", "Cython")
    hint = "pip install 'speedlab[build]'"
    try:
        import Cython
    except ImportError:
        raise BuildError(f"speedlab build needs {need} (not installed): {hint}") from None
    minimum = need.partition(">=")[2]
    if minimum and _version_tuple(Cython.__version__) < _version_tuple(minimum):
        raise BuildError(f"speedlab build needs {need}, found Cython {Cython.__version__}: {hint}")
    try:
        import setuptools  # noqa: F401  (the compiler driver, and distutils on Python >= 3.12)
    except ImportError:
        raise BuildError(f"speedlab build needs setuptools (not installed): {hint}") from None


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

#: One line: the compiler that failed and what to install (setup.py's message, shortened).
NO_COMPILER = ("speedlab build: no working C compiler (tried {cc!r}); install one: "
               "apt-get install build-essential python3-dev (Debian/Ubuntu), dnf install gcc "
               "python3-devel (Fedora), xcode-select --install (macOS), Build Tools for Visual "
               "Studio (Windows), or point CC at one")

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
        raise BuildError(NO_COMPILER.format(cc=identity["cc"]))
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
        "layout": CACHE_LAYOUT,
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
        # NOTE: always annotated, as setup.py does: `speedlab explain` reads the summary.
        "annotate": True,
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

def annotation_page(directory: Path, target: Target) -> Path:
    """Where the Cython annotation page of ``target`` is kept: ``DIR/.speedlab/annotate/BUILD/NAME.html``."""
    return Path(directory) / BUILD_DIRNAME / ANNOTATE_DIRNAME / target.build / (target.source.stem + ".html")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _install(entry: Path, target: Target, directory: Path) -> None:
    """Copy a cached module into lib atomically (a running process may have the old one open),
    with its annotation: the page under ``annotate/``, the summary merged into ``_annotation.json``."""
    lib_file = lib_dir(directory) / target.relpath
    lib_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = lib_file.with_name(lib_file.name + ".tmp")
    shutil.copy2(entry / target.filename, tmp)
    os.replace(tmp, lib_file)
    page = entry / "annotation.html"
    if page.is_file():
        out = annotation_page(directory, target)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(page, out)
    summary_file = lib_file.parent / annotation.FILENAME
    try:
        summary = json.loads(summary_file.read_text())
        modules = dict(summary["modules"])
    except (OSError, ValueError, KeyError, TypeError):
        modules = {}
    try:
        modules[target.module] = json.loads((entry / "annotation.json").read_text())
    except (OSError, ValueError):
        modules.pop(target.module, None)
    _atomic_write(summary_file, json.dumps({"schema": annotation.SCHEMA, "modules": modules,
                                            "missing": []}, indent=1, sort_keys=True) + "\n")
    lib_file.with_name(lib_file.name + ".key").write_text(target.key + "\n")


def _compile(target: Target, job: dict, build_dir: Path) -> subprocess.CompletedProcess:
    entry = build_dir / "cache" / job["key"][:KEY_DIGITS]
    with tempfile.TemporaryDirectory(dir=build_dir) as tmp:
        # Generated C and Cython's page go with the temporary files; the page and
        # its summary are kept in the cache entry, beside the module.
        c_dir = Path(tmp, "c")
        job = dict(job, out=str(Path(tmp, "out")), tmp=str(Path(tmp, "obj")), c_dir=str(c_dir))
        out = _run_worker(job, Path(tmp))
        built = Path(tmp, "out", target.relpath)
        if out.returncode == 0 and built.is_file():
            entry.mkdir(parents=True, exist_ok=True)
            pages = sorted(c_dir.rglob(target.source.stem + ".html"))
            if pages:
                shutil.copy2(pages[0], entry / "annotation.html")
                summary = annotation.summarise_html(pages[0])
                (entry / "annotation.json").write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
            shutil.copy2(built, entry / target.filename)  # last: its presence marks a complete entry
    return out


def _prune(build_dir: Path, target: Target) -> None:
    """Drop all but the newest ``KEEP_PER_MODULE`` cache entries of ``target``'s module."""
    entries = sorted((f.parent for f in (build_dir / "cache").glob(f"*/{target.filename}")),
                     key=lambda d: d.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP_PER_MODULE:]:
        shutil.rmtree(old, ignore_errors=True)


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (what a user types)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


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
    check_build_packages()
    files = spec_files(path)
    directory = files[0].parent
    specs = [s for f in files for s in load(f, register=False)]
    todo = targets(specs, directory)
    if not todo:
        emit(f"speedlab build: no variant of {', '.join(s.name for s in specs)} has build= set; nothing to compile")
        return []
    build_dir = directory / BUILD_DIRNAME
    try:
        build_dir.mkdir(parents=True, exist_ok=True)
        (build_dir / ".gitignore").write_text("*\n")  # never commit build products
    except OSError as exc:
        raise BuildError(f"speedlab build: cannot write {_shown(build_dir)} ({exc.strerror or exc}); "
                         "make the kernel directory writable, or copy it somewhere that is") from None
    try:
        return _build(todo, directory, build_dir, force=force, emit=emit)
    except OSError as exc:  # the disk filled, a permission changed half-way
        raise BuildError(f"speedlab build: cannot write {exc.filename or _shown(build_dir)} "
                         f"({exc.strerror or exc}); free space or fix permissions, then build again") from None


def _build(todo: list[Target], directory: Path, build_dir: Path, *, force: bool, emit) -> list[Target]:
    tc = toolchain(build_dir)
    settings = _settings()
    jobs = {t.module: _job(t, directory, tc, settings) for t in todo}
    stale = []
    for t in todo:
        t.key = jobs[t.module]["key"]
        lib_file = lib_dir(directory) / t.relpath
        stamp = lib_file.with_name(lib_file.name + ".key")
        entry = build_dir / "cache" / t.key[:KEY_DIGITS]
        page_missing = settings["annotate"] and not annotation_page(directory, t).is_file()
        if force or page_missing:
            stale.append(t)
        elif lib_file.is_file() and stamp.is_file() and stamp.read_text().strip() == t.key:
            t.status = "up to date"
        elif (entry / t.filename).is_file():
            _install(entry, t, directory)
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
            entry = build_dir / "cache" / t.key[:KEY_DIGITS]
            if out.returncode != 0 or not (entry / t.filename).is_file():
                failures.append(_failure(t, out))
                continue
            _install(entry, t, directory)
            t.status = "built"
            _prune(build_dir, t)
    for t in todo:
        if t.status:
            took = f" in {t.seconds:.1f} s" if t.status == "built" else ""
            emit(f"{t.status:10} {t.module:40} from {t.source.name} ({t.build}){took}")
    if failures:
        raise BuildError("\n".join(failures))
    if settings["annotate"]:
        for t in todo:
            page = annotation_page(directory, t)
            where = _shown(page) if page.is_file() else "no page (Cython wrote none)"
            emit(f"annotated  {t.module:40} {where}")
    return todo


# -- wheel --------------------------------------------------------------------------------

#: Python files of a kernel directory that stay out of its wheel: tests and tooling.
NOT_IN_WHEEL = ("test_*.py", "*_test.py", "conftest.py", "setup.py", "noxfile.py")

#: Run in a fresh interpreter (-I: neither the working directory nor PYTHONPATH, so
#: the kernel directory itself cannot be imported) with only the staged wheel tree
#: and speedlab on sys.path: every spec must load, and every variant import, from
#: inside the package. Prints one JSON list of problems.
_CHECK = r"""
import importlib, json, sys
sys.dont_write_bytecode = True  # nothing may land in the staged tree
stage, speedlab_root, pkg, local, entries = sys.argv[1:6]
sys.path[:0] = [stage]
sys.path.append(speedlab_root)
local, entries = set(json.loads(local)), json.loads(entries)
problems = []


def top_level(kernel, what, target, module):
    head = module.split(".")[0]
    if head in local and not module.startswith(pkg + "."):
        problems.append(f"kernel {kernel!r}, {what}: target {target!r} names the top-level module "
                        f"{head!r}, which the wheel puts in package {pkg!r}; start every target of "
                        f"the spec with PACKAGE = f\"{{__package__}}.\" if __package__ else \"\" "
                        f"(as `speedlab new` writes it)")
        return True
    return False


for entry in entries:
    module_name, _, attr = entry.partition(":")
    try:
        obj = getattr(importlib.import_module(module_name), attr)
    except Exception as exc:
        problems.append(f"{module_name} does not import from inside the wheel: {type(exc).__name__}: {exc}")
        continue
    for spec in ([obj] if hasattr(obj, "variants") else list(obj)):
        if not top_level(spec.name, "api", spec.api, spec.api.partition(":")[0]):
            try:
                spec.public_function()
            except Exception as exc:
                problems.append(f"kernel {spec.name!r}: api {spec.api!r}: {type(exc).__name__}: {exc}")
        for v in spec.variants:
            if top_level(spec.name, f"variant {v.name!r}", v.target, v.source_module) or v.optional:
                continue
            try:
                v.load()
            except Exception as exc:
                problems.append(f"kernel {spec.name!r}, variant {v.name!r}: {exc}")
print(json.dumps(problems))
"""


def package_name(directory: Path) -> str:
    """The wheel's one package (and distribution) name: the kernel directory's name.

    Raises
    ------
    BuildError
        The name cannot be a Python package (or would shadow one of Python's own).
    """
    name = re.sub(r"[^0-9A-Za-z_]+", "_", directory.name).strip("_").lower()
    why = None
    if not name.isidentifier() or keyword.iskeyword(name):
        why = "not a Python identifier"
    elif name in sys.stdlib_module_names or name in {"speedlab", "cython", "test", "tests"}:
        why = "it would shadow a module of that name"
    elif name.startswith("_speedlab"):
        why = "reserved for speedlab's build packages"
    if why:
        raise BuildError(f"speedlab build --wheel: the directory name {directory.name!r} names the wheel's "
                         f"package, and {name!r} cannot be one ({why}); rename the directory")
    return name


def wheel_tag() -> str:
    """``cp311-cp311-linux_x86_64``: the tag of a wheel whose extensions this interpreter built."""
    if sys.implementation.name != "cpython":
        raise BuildError(f"speedlab build --wheel: CPython only, not {sys.implementation.name}")
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    m = re.match(r"cpython-(\d+[a-z]*)", sysconfig.get_config_var("SOABI") or "")
    m = m or re.match(r"\.cp(\d+[a-z]*)", sysconfig.get_config_var("EXT_SUFFIX") or "")  # Windows
    abi = f"cp{m.group(1) if m else version}"
    return f"cp{version}-{abi}-{re.sub(r'[^0-9A-Za-z]+', '_', sysconfig.get_platform())}"


def _record_line(arcname: str, data: bytes) -> str:
    import base64

    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def _golden_files(specs: list[KernelSpec], directory: Path) -> list[Path]:
    """The golden outputs (``oracles``) of ``specs``, which live beside the spec file."""
    found = []
    for spec in specs:
        for n, name in spec.oracles.items():
            path = (directory / name).resolve()
            if directory.resolve() not in path.parents:
                raise BuildError(f"speedlab build --wheel: kernel {spec.name!r}: golden file {name!r} "
                                 f"(oracles[{n}]) is outside {_shown(directory)}; keep it beside the spec")
            if not path.is_file():
                raise BuildError(f"speedlab build --wheel: kernel {spec.name!r}: golden file {name!r} "
                                 f"(oracles[{n}]) does not exist; write it (see `speedlab verify --from`)")
            found.append(path)
    return found


def check_out_dir(path: str | Path) -> None:
    """Refuse, in one line, an output directory that cannot be created or written (nothing is created).

    Raises
    ------
    BuildError
    """
    target = Path(path).resolve()
    existing = next(p for p in (target, *target.parents) if p.exists())
    if not existing.is_dir():
        raise BuildError(f"speedlab build --wheel: --wheel-dir {path}: {_shown(existing)} is not a directory")
    # NOTE: os.access says yes to root everywhere; only creating a file tells.
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise BuildError(f"speedlab build --wheel: --wheel-dir {path}: cannot write in {_shown(existing)} "
                         f"({exc.strerror or exc}); choose a writable --wheel-dir") from None


def build_wheel(path: str | Path, out_dir: str | Path, *, version: str = "0.1.0", emit=print) -> Path:
    """Pack the kernels at ``path`` into a wheel: one package named after the directory.

    The package ``PKG`` (the directory's name) holds the directory's Python modules
    (tests stay out), the built extensions in ``PKG._speedlab_compiled`` and
    ``PKG._speedlab_native`` with their annotation summary, and the golden
    outputs the specs name. Each spec file is declared in the ``speedlab.kernels``
    entry-point group, so once installed its kernels appear in ``speedlab list``
    with no ``--from``. The wheel requires ``speedlab>=`` the running version.
    Before anything is written, a fresh interpreter imports every spec and variant
    from the staged package alone (see :data:`_CHECK`). Call :func:`build` first.

    Returns
    -------
    Path
        The wheel file.

    Raises
    ------
    BuildError
        A module is not built, a spec names top-level modules (not ``PACKAGE``-relative
        ones), a golden file is missing, or ``out_dir`` cannot be written. Nothing is
        left behind then.
    """
    import speedlab

    files = spec_files(path)
    directory = files[0].parent
    pkg = package_name(directory)
    specs_by_file = {f: load(f, register=False) for f in files}
    specs = [s for found in specs_by_file.values() for s in found]
    todo = targets(specs, directory)
    unbuilt = [t.module for t in todo if not (lib_dir(directory) / t.relpath).is_file()]
    if unbuilt:
        raise BuildError(f"speedlab build --wheel: {', '.join(unbuilt)} not built: "
                         f"run `speedlab build {_shown(directory)}` first")
    modules = sorted(p for p in directory.glob("*.py")
                     if not any(p.match(pattern) for pattern in NOT_IN_WHEEL))
    golden = _golden_files(specs, directory)
    entry_points = []
    for f, found in specs_by_file.items():
        attr = "SPEC" if len(found) == 1 and hasattr(sys.modules[f.stem], "SPEC") else "SPECS"
        entry_points.append((f.stem, f"{pkg}.{f.stem}:{attr}"))

    # The tree of the wheel: arcname -> bytes.
    tree: dict[str, bytes] = {f"{pkg}/__init__.py": (
        f'"""speedlab kernels: {", ".join(s.name for s in specs)} (packed by `speedlab build --wheel`).\n\n'
        f"Installed, they appear in `speedlab list`; call them through their spec modules, e.g.\n"
        f"``from {pkg}.{files[0].stem} import ...``.\n" + '"""\n').encode()}
    for p in modules:
        tree[f"{pkg}/{p.name}"] = p.read_bytes()
    for g in golden:
        tree[f"{pkg}/{g.relative_to(directory.resolve()).as_posix()}"] = g.read_bytes()
    by_package: dict[str, dict] = {}
    for t in todo:
        build_pkg = t.module.rpartition(".")[0]
        tree[f"{pkg}/{build_pkg}/__init__.py"] = b""
        tree[f"{pkg}/{build_pkg}/{t.filename}"] = (lib_dir(directory) / t.relpath).read_bytes()
        try:
            summary = json.loads((lib_dir(directory) / build_pkg / annotation.FILENAME).read_text())
            by_package.setdefault(build_pkg, {})[t.module] = summary["modules"][t.module]
        except (OSError, ValueError, KeyError):
            pass  # built before annotation was kept: explain says so
    for build_pkg, mods in by_package.items():
        tree[f"{pkg}/{build_pkg}/{annotation.FILENAME}"] = json.dumps(
            {"schema": annotation.SCHEMA, "modules": mods, "missing": []}, indent=1, sort_keys=True).encode()

    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        for arcname, data in tree.items():
            Path(stage, arcname).parent.mkdir(parents=True, exist_ok=True)
            Path(stage, arcname).write_bytes(data)
        local = sorted({p.stem for p in modules} | set(BUILD_PACKAGES.values()))
        check = subprocess.run(
            [sys.executable, "-I", "-c", _CHECK, str(stage), str(Path(speedlab.__file__).parent.parent), pkg,
             json.dumps(local), json.dumps([value for _, value in entry_points])],
            capture_output=True, text=True)
        try:
            problems = json.loads(check.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            tail = (check.stderr.strip().splitlines() or ["no output"])[-1]
            problems = [f"the check of the packed kernels failed: {tail}"]
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise BuildError(f"speedlab build --wheel: {problems[0]}{more}")

    dist = f"{pkg}-{version}.dist-info"
    names = ", ".join(s.name for s in specs)
    tree[f"{dist}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {pkg}\nVersion: {version}\n"
        f"Summary: speedlab kernels: {names}\nRequires-Dist: speedlab>={speedlab.__version__}\n").encode()
    tree[f"{dist}/WHEEL"] = (f"Wheel-Version: 1.0\nGenerator: speedlab {speedlab.__version__}\n"
                             f"Root-Is-Purelib: false\nTag: {wheel_tag()}\n").encode()
    tree[f"{dist}/entry_points.txt"] = ("[speedlab.kernels]\n" + "".join(
        f"{name} = {value}\n" for name, value in entry_points)).encode()
    tree[f"{dist}/top_level.txt"] = f"{pkg}\n".encode()
    record = [_record_line(arcname, data) for arcname, data in tree.items()] + [f"{dist}/RECORD,,"]
    tree[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()

    import zipfile

    out_dir = Path(out_dir)
    wheel = out_dir / f"{pkg}-{version}-{wheel_tag()}.whl"
    partial = wheel.with_name(f".{wheel.name}.{os.getpid()}.part")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            for arcname, data in tree.items():
                zf.writestr(arcname, data)
        os.replace(partial, wheel)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BuildError(f"speedlab build --wheel: cannot write {_shown(wheel)} ({exc.strerror or exc}); "
                         "choose a writable --wheel-dir") from None
    emit(f"wheel      {_shown(wheel)}  (package {pkg}: {names}; requires speedlab>={speedlab.__version__})")
    emit(f"install:   pip install {_shown(wheel)}   -- where speedlab is not installed, name its wheel "
         "or source too: pip install WHEEL SPEEDLAB_WHEEL_OR_DIR")
    return wheel
