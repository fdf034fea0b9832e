"""The ``speedlab`` command line (also ``python -m speedlab``).

Every verb is a function of the catalog. Errors a user can cause (unknown kernel,
bad size, unbuilt variant, unreadable file) print one line on stderr and exit 2;
Ctrl-C exits 130. Nothing prints a traceback unless ``SPEEDLAB_TRACEBACK=1``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import stat
import sys
import time
from pathlib import Path

from speedlab import catalog
from speedlab._validate import C_INT_MAX
from speedlab.spec import REFERENCES, RUNGS, VariantUnavailable

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A mistake in what the user asked for: one line on stderr, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


# -- helpers -------------------------------------------------------------------

def _kernel(name: str, *, splits_too: bool = False):
    """The catalog's kernel ``name``; with ``splits_too``, also a split of no catalog
    kernel's own (``nbody-ensemble``: ``speedlab.parts.EXTRA_SPECS``)."""
    try:
        return catalog.get(name)
    except ValueError as exc:
        if splits_too:
            from speedlab import parts

            for spec in parts.extra_specs():
                if spec.name == name:
                    return spec
        raise UsageError(f"speedlab: {exc}{_own_kernel_hint(name)}") from None


def _own_kernel_hint(name) -> str:
    """How to point at a kernel of one's own: ``--from`` (naming the directory when one is here)."""
    if not isinstance(name, str):
        return ""
    from speedlab.byok import SPEC_PATTERN

    try:  # the working directory, or one directory below it
        here = [p.parent for p in (Path(f"{name}_spec.py"), *sorted(Path().glob(f"*/{name}_spec.py")))
                if p.is_file()]
    except OSError:
        here = []
    if here:
        return f"; if it is yours, add --from {here[0]}"
    return (f"; for a kernel of your own, add --from DIR (the directory of its {SPEC_PATTERN} file) "
            "or install its wheel (`speedlab build DIR --wheel`)")


def _kernels(names: list[str]):
    return [_kernel(name) for name in names] if names else list(catalog.kernels())


def _writable(path: str | None, what: str) -> None:
    """Fail before any long work when ``path`` cannot be written."""
    if path is None or path == "-":
        return
    parent = Path(path).resolve().parent
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise UsageError(f"{what} {path!r}: directory {str(parent)!r} does not exist or is not writable")
    if Path(path).is_dir():
        raise UsageError(f"{what} {path!r} is a directory")
    # NOTE: os.access says yes to root everywhere (even /proc); only creating the
    # file tells. A file that did not exist is removed again.
    existed = Path(path).exists()
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        raise UsageError(f"{what} {path!r}: cannot be written ({exc.strerror or exc})") from None
    if not existed:
        Path(path).unlink(missing_ok=True)


def _read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read --input {path!r}: {exc.strerror or exc}") from None


# -- verbs -----------------------------------------------------------------------

def cmd_list(args) -> int:
    specs = catalog.kernels()
    status = {spec.name: {v.name: v.available() for v in spec.variants} for spec in specs}
    broken = catalog.broken()
    for where, why in broken.items():
        print(f"speedlab: BROKEN entry point {where} (speedlab.kernels): {why}", file=sys.stderr)
    if args.json:
        print(json.dumps({k: [v for v, ok in vs.items() if ok] for k, vs in status.items()}, indent=2))
        return EXIT_USAGE if broken else 0
    present = {v.name for s in specs for v in s.variants}
    columns = [c for c in (*RUNGS, *REFERENCES) if c in present]
    columns += sorted(present - set(columns))
    width = max([len("kernel"), *(len(s.name) for s in specs)])
    rows = []
    for spec in specs:
        cells = []
        for col in columns:
            if col in status[spec.name]:
                absent = "absent" if spec.variant(col).optional else "MISSING"
                cells.append("yes" if status[spec.name][col] else absent)
            else:
                cells.append("-")
        rows.append(cells)
    # Each column as wide as its name or its widest cell (`cryptography`, `MISSING`).
    widths = [max([len(col), *(len(row[i]) for row in rows)]) for i, col in enumerate(columns)]
    print(" ".join(["kernel".ljust(width), *[c.ljust(w) for c, w in zip(columns, widths)]]).rstrip())
    for spec, cells in zip(specs, rows):
        print(" ".join([spec.name.ljust(width), *[c.ljust(w) for c, w in zip(cells, widths)]]).rstrip())
    print("\nyes: built and importable; MISSING: not built (rebuild with `pip install .`, "
          "or `speedlab build DIR` for your own kernels); absent: an optional peer that is not "
          "installed (`pip install 'speedlab[peers]'`); -: no such variant")
    for spec in specs:
        if spec.no_parallel:
            print(f"{spec.name}: no parallel rung: {spec.no_parallel}")
        if spec.no_split:
            print(f"{spec.name}: does not split: {spec.no_split}")
        for v in spec.variants:
            if v.kind == "extra" and v.note:
                print(f"{spec.name}/{v.name} (extra): {v.note}")
            if v.feature is not None and not status[spec.name][v.name]:
                print(f"{spec.name}/{v.name}: {v.missing_reason()}")
    splits = [spec.name for spec in specs if spec.split is not None]
    print(f"split into parts (speedlab verify checks them; speedlab.dask runs them): "
          f"{', '.join(splits) or 'none'}")
    _build_lines()
    # NOTE: everything that loads is listed and usable; the exit status still says
    # an installed package's kernels are missing.
    return EXIT_USAGE if broken else 0


def _dask_line():
    """Whether ``speedlab.dask`` (run --dask) can work here: Dask's version, or what to install."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = f"dask {version('dask')}, distributed {version('distributed')}"
    except PackageNotFoundError as exc:
        print(f"Dask: not installed ({exc.name} missing): speedlab.dask and `run --dask` need "
              "pip install 'speedlab[dask]'")
        return
    print(f"Dask: {found} (speedlab.dask, `run --dask`)")


def _build_lines():
    """What `list` adds about the build: the vector path, and OpenMP when it is missing."""
    from speedlab._simd import summary
    from speedlab.bench.environment import build_info

    print(summary())

    info = build_info()
    if info is not None and not info.get("openmp"):
        why = info.get("openmp_missing_reason") or "no OpenMP"
        print(f"OpenMP: not available in this build ({why}); `parallel` variants run on one thread")


def cmd_run(args) -> int:
    spec = _kernel(args.kernel, splits_too=True)
    if args.input is not None and not spec.reads_fasta:
        raise UsageError(f"--input applies to kernels that read FASTA, not {spec.name}")
    kwargs = {"impl": args.impl}
    if args.threads is not None:
        if args.impl is not None and not spec.variant(args.impl).threads:
            raise UsageError(f"--threads applies to the threaded variant (parallel), not --impl {args.impl}")
        if args.impl is None and not any(v.threads for v in spec.variants):
            why = f": {spec.no_parallel}" if spec.no_parallel else ""
            raise UsageError(f"--threads does not apply to {spec.name}: it has no threaded variant{why}")
        kwargs["n_threads"] = args.threads  # alone, it selects the threaded variant
    if args.impl is not None:
        spec.variant(args.impl)  # unknown names fail here, before any work
    if args.n is None and args.input is None:
        raise UsageError("speedlab run: N is required (or --input PATH for kernels that read FASTA)")
    api = spec.public_function()
    if spec.name == "knucleotide" and args.dask is not None and args.input not in (None, "-"):
        return _knucleotide_file(spec, args)
    if args.dask is not None or args.parts is not None or args.workers is not None:
        api = _split_runner(spec, args)  # everything checked before the input is built
    if spec.name == "revcomp" and args.input is not None and api is spec.public_function():
        done = _revcomp_in_place(args, kwargs)
        if done is not None:
            sys.stdout.buffer.write(done)
            sys.stdout.flush()
            return 0
    # With --input, N (optional then) plays no part: the input is the file.
    inputs = (_read_input(args.input),) if args.input is not None else spec.make_input(args.n)
    from speedlab.bench.timing import freeze_startup

    freeze_startup()  # start-up's objects are not walked by every collection
    output = spec.render(api(*inputs, **kwargs), args.n if args.n is not None else 0)
    # Written only once complete: an error never leaves half an output on stdout.
    sys.stdout.buffer.write(output)
    sys.stdout.flush()
    return 0


def _read_into_buffer(path: str):
    """The input: a regular file (or one on stdin) read into fresh anonymous memory
    of its own, which nothing else can change, as a writable buffer; a pipe, or a
    file that grew while it was read, as ``bytes``."""
    import mmap

    try:
        f = sys.stdin.buffer if path == "-" else open(path, "rb")
    except OSError as exc:
        raise UsageError(f"cannot read --input {path!r}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(f.fileno())
        size = info.st_size - f.tell() if stat.S_ISREG(info.st_mode) else 0
        if size <= 0:
            return f.read()
        buf = memoryview(mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS))
        got = 0
        while got < size:
            part = f.readinto(buf[got:])
            if not part:
                return buf[:got]  # it shrank
            got += part
        rest = f.read()
        return buf if not rest else buf.tobytes() + rest
    except OSError as exc:
        raise UsageError(f"cannot read --input {path!r}: {exc.strerror or exc}") from None
    finally:
        if f is not sys.stdin.buffer:
            f.close()


def _revcomp_in_place(args, kwargs):
    """``run revcomp --input``: the file reversed in a buffer of its own, as the
    fastest C programs do, by the variants that can (``reverse_complement_inplace``);
    ``reverse_complement`` writes a new output from a pipe, or where a record's
    output would be longer than its input. None: the pure twin, which builds its
    output anew whatever it is given, or a variant that has no in-place form (the
    caller runs it as any other kernel)."""
    from speedlab import revcomp
    from speedlab._impl import resolve

    if kwargs.get("impl") is None and kwargs.get("n_threads") is None:
        kwargs["impl"] = resolve("revcomp", None).name  # so the caller need not resolve (nor warn) again
    if kwargs.get("impl") not in (None, *revcomp.INPLACE):
        return None
    buf = _read_into_buffer(args.input)
    if isinstance(buf, bytes):
        return revcomp.reverse_complement(buf, **kwargs)
    try:
        revcomp.reverse_complement_inplace(buf, **kwargs)
    except ValueError:
        # Checked before a byte changed: the buffer is the input still, and
        # reverse_complement either writes the output or raises the real error.
        return revcomp.reverse_complement(buf, **kwargs)
    return buf


def _knucleotide_file(spec, args) -> int:
    """``run knucleotide --input FILE --dask``: the parts read their own ranges of the file."""
    from speedlab import dask as sdask

    if args.threads is not None:
        raise UsageError("--threads does not apply with --dask: each part counts on one thread")
    sdask.check_scheduler(args.dask)
    try:
        result = sdask.knucleotide_file(args.input, parts=args.parts, scheduler=args.dask,
                                        workers=args.workers, impl=args.impl)
    except (OSError, ConnectionError) as exc:  # OSError: the file; the message names it
        raise UsageError(f"speedlab: {exc}") from None
    sys.stdout.buffer.write(spec.render(result, args.n if args.n is not None else 0))
    sys.stdout.flush()
    return 0


def _split_runner(spec, args):
    """``run --dask/--parts``: a function like the kernel's that runs it part by part.

    The kernel must split, and the scheduler, worker count and impl must be
    valid: checked here, before the input is built or any worker started.
    """
    from speedlab import parts

    parts.resolve(spec)  # ValueError when the kernel does not split
    if args.dask is None:
        if args.workers is not None:
            raise UsageError("--workers applies only with --dask")
        return lambda *inputs, impl=None, n_threads=None: parts.run(
            spec, inputs, args.parts, impl=impl, n_threads=n_threads)
    from speedlab import dask as sdask

    sdask.check_scheduler(args.dask)
    parts.part_call(spec, args.impl, args.threads)

    def on_dask(*inputs, impl=None, n_threads=None):
        try:
            return sdask.run(spec, *inputs, parts=args.parts, scheduler=args.dask, impl=impl,
                             n_threads=n_threads, workers=args.workers)
        except ConnectionError as exc:
            raise UsageError(f"speedlab: {exc}") from None

    return on_dask


def verify_kernel(spec, variants=None, emit=print) -> bool:
    """Check every variant against the canonical outputs and against ``python`` (:mod:`speedlab.verify`)."""
    from speedlab import verify

    ok = True
    try:
        expected = verify.reference_results(spec)
    except Exception as exc:  # a user's spec or twin may raise anything: say so, no traceback
        emit(f"{spec.name:14} {'python':10} FAILED    no reference results: {type(exc).__name__}: {exc}")
        return False
    for variant in spec.variants:
        if variants and variant.name not in variants:
            continue
        try:
            problems = verify.check_variant(spec, variant, expected)
        except VariantUnavailable as exc:
            if variant.optional:
                emit(f"{spec.name:14} {variant.name:10} skipped   {exc}")
                continue
            emit(f"{spec.name:14} {variant.name:10} FAILED    {exc}")
            ok = False
            continue
        checks = f"{len(spec.oracles)} golden, {len(expected)} sizes vs python"
        if problems:
            ok = False
            emit(f"{spec.name:14} {variant.name:10} FAILED    {'; '.join(problems)}")
        else:
            emit(f"{spec.name:14} {variant.name:10} ok        {checks}")
    if spec.split is not None and not variants:
        ok = verify_split(spec, emit) and ok
    return ok


def verify_split(spec, emit=print) -> bool:
    """Check the kernel's split: combine(map(part, split(x, P))) == kernel(x) for several P."""
    from speedlab import parts

    sizes = dict.fromkeys((spec.sizes.test, *spec.sample_sizes))
    problems = []
    for n in sizes:
        try:
            _, wrong = parts.verify(spec, spec.make_input(n))
        except Exception as exc:  # a user's split may raise anything: report it, go on
            wrong = [f"raised {type(exc).__name__}: {exc}"]
        problems += [f"n={n}: {line}" for line in wrong]
    if problems:
        emit(f"{spec.name:14} {'split':10} FAILED    {'; '.join(problems)}")
        return False
    tried = ", ".join(map(str, parts.VERIFY_PARTS))
    emit(f"{spec.name:14} {'split':10} ok        combine(map(part, split(x, P))) == one call for "
         f"P = {tried} (or the most the input allows), {len(sizes)} sizes")
    return True


def cmd_verify(args) -> int:
    specs = _kernels(args.kernels)
    from speedlab.parts import extra_specs

    results = [verify_kernel(spec) for spec in specs]
    results += [verify_kernel(extra) for spec in specs for extra in extra_specs(spec.name)]
    if all(results):
        print(f"all variants of {len(specs)} kernel(s) agree")
        return 0
    print("verification FAILED", file=sys.stderr)
    return 1


def _check_variants(specs, wanted):
    """Every name in ``wanted`` must be a variant of at least one selected kernel."""
    if not wanted:
        return
    valid = list(dict.fromkeys(v.name for spec in specs for v in spec.variants))
    unknown = [name for name in wanted if name not in valid]
    if unknown:
        raise UsageError(f"speedlab: unknown variant {', '.join(map(repr, unknown))} for "
                         f"{', '.join(s.name for s in specs)}; valid: {', '.join(valid)}")


def _writable_plot(path: str | None) -> None:
    """``--plot`` needs a .png/.svg/.pdf path that can be written, and matplotlib."""
    if path is None:
        return
    if Path(path).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise UsageError(f"--plot {path!r}: the file name must end in .png, .svg or .pdf")
    _writable(path, "--plot")
    from importlib.util import find_spec

    if find_spec("matplotlib") is None:
        raise UsageError("--plot needs matplotlib: pip install 'speedlab[plot]'")


def _plot(draw, doc, path: str) -> None:
    try:
        draw(doc, path)
    except OSError as exc:  # checked before the run, but the disk may have filled since
        raise UsageError(f"speedlab: cannot write --plot {path!r}: {exc.strerror or exc}") from None


def _write_json(doc, path: str, emit) -> None:
    text = json.dumps(doc, indent=2) + "\n"
    if path == "-":
        sys.stdout.write(text)
    else:
        Path(path).write_text(text)
        emit(f"JSON written to {path}")


def cmd_bench(args) -> int:
    from speedlab.bench import suite
    from speedlab.bench.progress import Bar

    # Everything the user can get wrong fails here, before any measurement.
    _writable(args.json, "--json")
    _writable_plot(args.plot)
    old = None
    if args.compare:
        from speedlab.bench.compare import NotABenchFile, load

        try:
            old = load(args.compare)
        except NotABenchFile as exc:
            raise UsageError(f"speedlab: --compare: {exc}") from None
    specs = _kernels(list(dict.fromkeys((args.kernels or []) + (args.kernel_list or []))))
    _check_variants(specs, args.variants)
    mode = ("quick" if args.quick else "full" if args.full else "headline" if args.headline
            else "default")
    settings = suite.settings(mode, len(specs), rounds=args.rounds, threads=args.threads,
                              variants=args.variants, simd_paths=args.simd_paths)
    # The tables go to stdout, unless stdout carries the JSON.
    out = sys.stderr if args.json == "-" else sys.stdout

    def emit(text):
        print(text, file=out, flush=True)

    with Bar(len(specs)) as bar:
        doc = suite.run(specs, settings, emit=emit, bar=bar)
    if args.json:
        _write_json(doc, args.json, emit)
    if args.plot:
        from speedlab.bench.plot import bench_figure

        _plot(bench_figure, doc, args.plot)
        emit(f"figure written to {args.plot}")
    if old is not None:
        from speedlab.bench.compare import compare, render

        emit(render(compare(old, doc), args.compare))
    if doc["failed"]:
        print(f"speedlab: FAILED: {', '.join(doc['failed'])}", file=sys.stderr)
        return 1
    return 0


def cmd_bench_dask(args) -> int:
    from speedlab import dask as sdask
    from speedlab import parts
    from speedlab.bench import scaleout

    # Everything the user can get wrong fails here, before a cluster starts.
    _writable(args.json, "--json")
    _writable_plot(args.plot)
    names = []
    for item in args.targets or ["mandelbrot", scaleout.FILE_KERNEL, "knucleotide"]:
        name, _, size = item.partition("=")  # KERNEL=N: this kernel's own size
        try:
            n = _size(size) if size else args.n
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"speedlab bench-dask: {item!r}: {exc}") from None
        if name not in scaleout.FILE_KERNELS:
            parts.resolve(name)  # unknown or not splitting: ValueError, one line
        names.append((name, n))
    sdask.check_scheduler(args.dask)
    if args.dask not in ("local", "processes", "threads") and args.workers:
        raise UsageError("--workers applies to --dask local/processes/threads; a cluster has its own")
    sdask.require(distributed=args.dask not in ("processes", "threads"))
    workers = args.workers or sorted({1, sdask.usable_cores()})
    out = sys.stderr if args.json == "-" else sys.stdout

    def emit(text):
        print(text, file=out, flush=True)

    try:
        doc = scaleout.run(names, scheduler=args.dask, workers=workers, parts=args.parts,
                           rounds=args.rounds, emit=emit)
    except ConnectionError as exc:
        raise UsageError(f"speedlab: {exc}") from None
    if args.json:
        _write_json(doc, args.json, emit)
    if args.plot:
        _plot(scaleout.figure, doc, args.plot)
        emit(f"figure written to {args.plot}")
    if doc["failed"]:
        print(f"speedlab: FAILED: {', '.join(doc['failed'])}", file=sys.stderr)
        return 1
    return 0


def cmd_explain(args) -> int:
    from speedlab.bench import explain

    if args.kernel is None:
        if not getattr(args, "from_paths", None) or len(catalog.names()) != 1:
            held = f" (--from holds {', '.join(catalog.names())})" if getattr(args, "from_paths", None) else ""
            raise UsageError(f"speedlab explain: name the KERNEL{held}")
        args.kernel = catalog.names()[0]
    spec = _kernel(args.kernel)
    _writable(args.json, "--json")
    _writable_plot(args.plot)
    out = sys.stderr if args.json == "-" else sys.stdout

    def emit(text):
        print(text, file=out, flush=True)

    from speedlab.bench.progress import Bar

    with Bar(len(explain.PARTS)) as bar:
        def progress(part):
            name = part.split(":")[0]
            bar.update(f"{spec.name}: {part}", explain.PARTS.index(name) if name in explain.PARTS else 0)

        report = explain.explain(spec, threads=args.threads, full=args.full, progress=progress)
    emit(explain.render(report))
    if args.json:
        _write_json(report, args.json, emit)
    if args.plot:
        from speedlab.bench.plot import explain_figure

        _plot(explain_figure, report, args.plot)
        emit(f"figure written to {args.plot}")
    if report["failed"]:
        print(f"speedlab: FAILED: {', '.join(report['failed'])}", file=sys.stderr)
        return 1
    return 0


def cmd_new(args) -> int:
    from speedlab.byok.scaffold import new

    written = new(args.name, args.dir)
    where = Path(args.dir if args.dir is not None else args.name)
    print(f"wrote {len(written)} files in {where}:")
    for path in written:
        print(f"  {path.relative_to(where).as_posix()}")
    print(f"next: speedlab build {where} && speedlab verify --from {where} && "
          f"speedlab bench --from {where} --quick")
    return 0


def cmd_build(args) -> int:
    from speedlab.byok.build import BuildError, build, build_wheel, check_out_dir

    try:
        start = time.perf_counter()
        if args.wheel and args.wheel_dir:
            check_out_dir(args.wheel_dir)  # before any compiling
        done = build(args.path, force=args.force)
        if done:
            print(f"{len(done)} module(s) ready in {time.perf_counter() - start:.2f} s")
        if args.wheel:
            from speedlab.byok import spec_files

            out = args.wheel_dir or spec_files(args.path)[0].parent / "dist"
            build_wheel(args.path, out)
    except BuildError as exc:  # several lines only for compile errors: each with its file:line
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    return 0


def _rust_line(build: dict) -> str:
    """The Rust build beside the C flags: toolchain, profile settings, target CPU (or why not built)."""
    rust = build.get("rust")
    if not rust:
        why = ((build.get("features") or {}).get("rust") or {}).get("reason") or "no record"
        return f"Rust: NOT BUILT ({why}): rust variants unavailable"
    settings = " ".join(f"{k}={v}" for k, v in rust["settings"].items())
    return f"Rust: {rust['rustc']}; {rust['profile']} profile: {settings}; target-cpu: {rust['target_cpu']}"


def _huge_page_line() -> str:
    """The huge-page hint on large outputs, the system's THP setting, and faulting ahead."""
    try:
        from speedlab._native import _cpu

        hint = "on" if _cpu.huge_page_hint() else "off"
        ahead, cpus = "off", _cpu.cpus()
        if _cpu.fault_ahead():  # switched on; then sl_mem.h's own rule for a call on every CPU
            ahead = (f"on for calls on up to {cpus} threads, the CPUs this process may run on"
                     if _cpu.fault_ahead(cpus) else "off: this process may run on one CPU")
    except ImportError:
        hint = ahead = "unknown (not built)"
    try:
        thp = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text().split("[")[1].split("]")[0]
    except (OSError, IndexError):
        thp = "not available"
    return (f"huge-page hint for outputs of 4 MiB or more: {hint} (SPEEDLAB_MADVISE_HUGEPAGE=0 "
            f"turns it off); transparent huge pages: {thp}\n"
            f"chacha20's parallel output faulted in ahead of its writers: {ahead} "
            f"(SPEEDLAB_FAULT_AHEAD=0 turns it off)")


def cmd_info(args) -> int:
    import speedlab
    from speedlab._impl import mode
    from speedlab.bench.environment import build_info, environment

    env = environment()
    build = build_info()
    print(f"speedlab {speedlab.__version__} on Python {env['python']} ({env['os']})")
    print(f"CPU: {env['cpu']}, {env['cores']} cores")
    print(f"NumPy {env['numpy'] or 'not installed'}; Numba {env['numba'] or 'not installed'}")
    _dask_line()
    missing, optional = [], []
    if build is None:
        print("BUILD: no build record found: the compiled kernels are NOT BUILT")
    else:
        print(f"built with Cython {build['cython']}, {build['compiler']}")
        print(f"flags: {' '.join(build['cflags'])}")
        why = build.get("openmp_missing_reason") or "not found"
        openmp = f"yes ({' '.join(build['openmp_flags'])})" if build["openmp"] else f"NO ({why}): parallel variants run serially"
        print(f"OpenMP: {openmp}")
        print(_rust_line(build))
        native_arch = "yes (local build only: never publish it)" if build["native_arch"] else "no"
        print(f"debug build: {'yes' if build['debug'] else 'no'}; -march=native: {native_arch}")
        for name, record in sorted((build.get("features") or {}).items()):
            if record.get("built"):
                print(f"optional part {name}: {record.get('reason') or 'built'}")
    print(f"SPEEDLAB_IMPL={mode()} -> default implementation: {speedlab.IMPLEMENTATION}")
    from speedlab._simd import summary

    print(summary())
    print(_huge_page_line())
    print("compiled variants:")
    for spec in catalog.kernels():
        cells = []
        for v in spec.variants:
            if not v.compiled:
                continue
            ok = v.available()
            # an optional library's variant is absent, not broken: its reason follows
            cells.append(f"{v.name}={'built' if ok else 'absent' if v.feature else 'NOT BUILT'}")
            if not ok and v.feature is not None:
                optional.append(f"{spec.name}/{v.name}: {v.missing_reason()}")
            elif not ok:
                missing.append(f"{spec.name}/{v.name}")
        print(f"  {spec.name:14} {' '.join(cells)}")
    for line in optional:
        print(f"optional part missing: {line}")
    from speedlab._buildtools import stale_extensions

    for module, source in stale_extensions(build):
        print(f"WARNING: stale build: {module} is older than {source}; rebuild with "
              "`pip install -e .` or `python setup.py build_ext --inplace`", file=sys.stderr)
    if missing:
        print(f"WARNING: not built: {', '.join(missing)}; rebuild with `pip install .`", file=sys.stderr)
        return 1
    return 0


# -- parser ----------------------------------------------------------------------

def _size(text: str) -> int:
    """a whole number from 0 to 2**31 - 1 (underscores allowed: 50_000_000)"""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"N must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"N must be >= 0, got {value}")
    # NOTE: checked here, before make_input(N) runs: for kernels whose input is
    # data of size N built in Python, an absurd N would otherwise be allocated
    # before the kernel's own validation could refuse it.
    if value > C_INT_MAX:
        raise argparse.ArgumentTypeError(f"N must be <= {C_INT_MAX:,}, got {value:,}")
    return value


def _positive(text: str) -> int:
    """a whole number >= 1"""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def from_parent() -> argparse.ArgumentParser:
    """The ``--from PATH`` option, shared by every verb that works on kernels.

    A verb gets it by adding ``parents=[from_parent()]`` to its ``add_parser`` call;
    :func:`load_from` (called once in :func:`main`, before any verb runs) then
    registers the spec(s) at PATH and restricts the catalog to them.
    """
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--from", dest="from_paths", action="append", metavar="PATH",
                        help="your kernels: a directory of *_spec.py files (or one spec file); "
                        "the command then works on those kernels only")
    return parent


def load_from(args) -> None:
    """Register the kernels of every ``--from PATH`` and restrict the catalog to them."""
    paths = getattr(args, "from_paths", None)
    if not paths:
        return
    from speedlab import byok

    names = []
    for path in paths:
        names += [spec.name for spec in byok.load(path) if spec.name not in names]
    catalog.restrict(names)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="speedlab",
        description="Compiled kernels beside their pure-Python twins, and the benchmarks "
        "that take the speedup apart: python -> compiled -> typed -> native -> parallel.",
        epilog="Run `speedlab list` to see the kernels and which variants are built.",
    )
    from speedlab import __version__

    parser.add_argument("--version", action="version", version=f"speedlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    with_from = [from_parent()]
    p = sub.add_parser("list", help="kernels x variants, built or not", parents=with_from)
    p.add_argument("--json", action="store_true", help="print {kernel: [built variants]} as JSON")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("run", help="print a program's exact output for size N", parents=with_from,
                       description="Print exactly what the Benchmarks Game program prints for N.")
    p.add_argument("kernel", metavar="KERNEL")
    p.add_argument("n", metavar="N", type=_size, nargs="?",
                   help="the program's size argument (optional with --input)")
    p.add_argument("--impl", metavar="VARIANT", help="variant to run (default: SPEEDLAB_IMPL, native when built)")
    p.add_argument("--threads", type=_positive, metavar="T",
                   help="threads for the parallel variant (without --impl, selects it)")
    p.add_argument("--input", metavar="PATH",
                   help="FASTA input for knucleotide/revcomp/regexredux ('-' = stdin); "
                   "revcomp reverses a file in place, in memory of its own")
    p.add_argument("--dask", metavar="SCHEDULER", help="run the kernel split into parts on Dask: local (a "
                   "cluster of worker processes on this machine), threads, processes or tcp://HOST:PORT; "
                   "the output is the same bytes (needs pip install 'speedlab[dask]')")
    p.add_argument("--parts", type=_positive, metavar="P", help="parts to split the input into "
                   "(default with --dask: 4 per worker; without --dask: run the parts one after another)")
    p.add_argument("--workers", type=_positive, metavar="W", help="worker processes or threads for "
                   "--dask local/processes/threads (default: one per core)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("verify", help="check every variant against canonical outputs and python",
                       parents=with_from)
    p.add_argument("kernels", nargs="*", metavar="KERNEL")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("bench", help="time the ladder of each kernel", parents=with_from,
                       description="Warm up, then time the variants in interleaved rounds; "
                       "print medians per unit of work and the ratio of each rung to python "
                       "and to the rung before. Exit 1 when a variant failed.")
    p.add_argument("kernels", nargs="*", metavar="KERNEL", help="kernels to time (default: all)")
    p.add_argument("--kernels", dest="kernel_list", nargs="+", metavar="K", help="the same, as an option")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true",
                      help="every kernel in well under a minute: quick sizes, 3 short rounds, a shared time budget")
    size.add_argument("--full", action="store_true", help="the catalog's full sizes, 7 rounds")
    size.add_argument("--headline", action="store_true",
                      help="the headline sizes (the limit table's), 5 rounds; parallel and "
                      "the rung it stands on unless --variants says otherwise")
    p.add_argument("--variants", nargs="+", metavar="V", help="only these variants")
    p.add_argument("--threads", type=_positive, nargs="+", metavar="T",
                   help="n_threads for parallel variants; several values give one row each")
    p.add_argument("--rounds", "--repeat", dest="rounds", type=_positive, metavar="R",
                   help="timed rounds (default 5; 3 with --quick, 7 with --full)")
    p.add_argument("--simd-paths", action="store_true",
                   help="time simd on every vector path this CPU runs (rows simd[PATH], "
                   "SPEEDLAB_SIMD forced for each), each against native")
    p.add_argument("--json", metavar="PATH", help="write the speedlab-bench/2 document ('-' = stdout)")
    p.add_argument("--plot", metavar="FILE", help="figure of the ladders (.png/.svg/.pdf; needs matplotlib)")
    p.add_argument("--compare", metavar="OLD.json", help="say what got faster/slower since an earlier --json")
    p.set_defaults(func=cmd_bench)

    from speedlab.byok.scaffold import TEMPLATES

    p = sub.add_parser("new", help="write a kernel of your own to start from (pure, typed, spec, test, golden)",
                       description=f"Write {len(TEMPLATES) + 1} files: "
                       + "; ".join(f"{t.replace('mykernel', 'NAME')} ({why})" for t, why in TEMPLATES.items())
                       + "; and .gitignore. A histogram of a XOR b (two inputs) that builds, verifies "
                       "and benches as it is; then make it yours.")
    p.add_argument("name", metavar="NAME", help="the kernel's name (a Python module name)")
    p.add_argument("--dir", metavar="D", help="directory to write into (default: ./NAME)")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("build", help="compile your kernels ahead of time with speedlab's flags",
                       description="Compile every variant with build= set in the *_spec.py files at "
                       "PATH, with speedlab's compiler flags, directives and OpenMP; cached by "
                       "source, compiler, flags, Cython and Python version.")
    p.add_argument("path", metavar="PATH", help="a kernel directory (or one spec file)")
    p.add_argument("--force", action="store_true", help="compile even what the cache holds")
    p.add_argument("--wheel", action="store_true", help="also build a wheel of the kernels (entry points "
                   "included: installed, they appear in `speedlab list`)")
    p.add_argument("--wheel-dir", metavar="D", help="where the wheel goes (default: PATH/dist)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("explain", parents=with_from, help="where one kernel's speedup comes from, with evidence",
                       description="The ladder of one kernel, each step named and multiplying to "
                       "the total, with the evidence: Python C-API lines left per rung (Cython "
                       "annotation), allocations and GC per call, latency tails, thread scaling.")
    p.add_argument("kernel", metavar="KERNEL", nargs="?",
                   help="the kernel (optional with --from when PATH holds one kernel)")
    p.add_argument("--full", action="store_true", help="longer, steadier measurements")
    p.add_argument("--threads", type=_positive, nargs="+", metavar="T",
                   help="thread counts for the concurrency test (default 1..cores)")
    p.add_argument("--json", metavar="PATH", help="write the report as JSON ('-' = stdout)")
    p.add_argument("--plot", metavar="FILE", help="thread scaling and latency figure (.png/.svg/.pdf)")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("bench-dask", parents=with_from, help="scale-out of kernels that split, on Dask workers",
                       description="Time kernels that split on a Dask cluster of 1..W single-threaded "
                       "worker processes, beside one native call and the OpenMP parallel rung in this "
                       "process: speedup, efficiency, bytes moved, and the per-task cost of empty tasks. "
                       "chacha20-file streams N MiB from file to file; knucleotide-file counts the FASTA "
                       "file of fasta N, its parts reading their own ranges. Needs pip install 'speedlab[dask]'.")
    p.add_argument("targets", nargs="*", metavar="KERNEL[=N]",
                   help="kernels that split (nbody-ensemble too), chacha20-file or knucleotide-file, each with its own "
                   "size if given (default: mandelbrot chacha20-file knucleotide)")
    p.add_argument("--n", type=_size, metavar="N", help="the size for every kernel (default: each one's quick size; "
                   "MiB for chacha20-file, 256 by default)")
    p.add_argument("--dask", default="local", metavar="SCHEDULER",
                   help="local (default: a LocalCluster per worker count), processes, threads or tcp://HOST:PORT")
    p.add_argument("--workers", type=_positive, nargs="+", metavar="W",
                   help="worker counts to compare (default: 1 and every core)")
    p.add_argument("--parts", type=_positive, metavar="P", help="parts per run (default: 4 per worker of the "
                   "largest count, the same for every count)")
    p.add_argument("--rounds", type=_positive, default=3, metavar="R", help="timed rounds (default 3)")
    p.add_argument("--json", metavar="PATH", help="write the speedlab-bench-dask/1 document ('-' = stdout)")
    p.add_argument("--plot", metavar="FILE", help="scaling figure (.png/.svg/.pdf; needs matplotlib)")
    p.set_defaults(func=cmd_bench_dask)

    p = sub.add_parser("info", help="versions, compiler, flags, OpenMP, what is built")
    p.set_defaults(func=cmd_info)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        # Inside the try: Ctrl-C while argparse loads (gettext, locale) is still exit 130.
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_USAGE
        load_from(args)
        try:
            return args.func(args)
        except (UsageError, ValueError, TypeError, OverflowError, ImportError, MemoryError,
                KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception as exc:
            if not getattr(args, "from_paths", None) or os.environ.get("SPEEDLAB_TRACEBACK"):
                raise
            # --from runs the user's code: its bugs are reported in one line, like ours.
            raise UsageError(f"speedlab: your kernel code raised {type(exc).__name__}: {exc} "
                             "(SPEEDLAB_TRACEBACK=1 shows where)") from None
    except KeyboardInterrupt:
        print("speedlab: interrupted", file=sys.stderr)
        # NOTE: a Ctrl-C that lands while a module defines a namedtuple or a
        # dataclass (code run by exec of a string: Dask imports many) is marked
        # "unhandled" by CPython even though it is caught here, and `python -m
        # speedlab` would then exit by SIGINT instead of with this status. Every
        # exec of a string clears that mark first.
        exec("pass")
        return EXIT_INTERRUPTED
    except (UsageError, ValueError, TypeError, OverflowError, ImportError, MemoryError) as exc:
        if os.environ.get("SPEEDLAB_TRACEBACK"):
            raise
        message = str(exc) if isinstance(exc, UsageError) else f"speedlab: {exc}"
        print(message.splitlines()[0] if message else "speedlab: error", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # `speedlab run ... | head`: the reader went away; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def console() -> int:
    """The ``speedlab`` script and ``python -m speedlab``: :func:`main`, then Ctrl-C back to the default.

    Once the command has done its work and printed its output, a Ctrl-C while the
    interpreter shuts down (joining threads in ``threading._shutdown``) would print
    "Exception ignored ... KeyboardInterrupt" and exit 0; with SIGINT's default
    action restored it ends the process by SIGINT, silently, as it ends a C
    program. Only the entry points do this: a caller of ``main()`` keeps its handler.
    """
    code = main()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    return code


if __name__ == "__main__":
    sys.exit(console())
