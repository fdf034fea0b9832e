"""The ``speedlab`` command line (also ``python -m speedlab``).

Every verb is a function of the catalog. Errors a user can cause (unknown kernel,
bad size, unbuilt variant, unreadable file) print one line on stderr and exit 2;
Ctrl-C exits 130. Nothing prints a traceback unless ``SPEEDLAB_TRACEBACK=1``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
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

def _kernel(name: str):
    try:
        return catalog.get(name)
    except ValueError as exc:
        raise UsageError(f"speedlab: {exc}") from None


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
    width = max(len(s.name) for s in specs)
    print("kernel".ljust(width), *[c.ljust(9) for c in columns])
    for spec in specs:
        cells = []
        for col in columns:
            if col in status[spec.name]:
                absent = "absent" if spec.variant(col).optional else "MISSING"
                cells.append(("yes" if status[spec.name][col] else absent).ljust(9))
            else:
                cells.append("-".ljust(9))
        print(spec.name.ljust(width), *cells)
    print("\nyes: built and importable; MISSING: not built (rebuild with `pip install .`, "
          "or `speedlab build DIR` for your own kernels); absent: an optional peer that is not "
          "installed (`pip install 'speedlab[peers]'`); -: no such variant")
    for spec in specs:
        if spec.no_parallel:
            print(f"{spec.name}: no parallel rung: {spec.no_parallel}")
        for v in spec.variants:
            if v.kind == "extra" and v.note:
                print(f"{spec.name}/{v.name} (extra): {v.note}")
            if v.feature is not None and not status[spec.name][v.name]:
                print(f"{spec.name}/{v.name}: {v.missing_reason()}")
    _openmp_line()
    # NOTE: everything that loads is listed and usable; the exit status still says
    # an installed package's kernels are missing.
    return EXIT_USAGE if broken else 0


def _openmp_line():
    from speedlab.bench.environment import build_info

    info = build_info()
    if info is not None and not info.get("openmp"):
        why = info.get("openmp_missing_reason") or "no OpenMP"
        print(f"OpenMP: not available in this build ({why}); `parallel` variants run on one thread")


def cmd_run(args) -> int:
    spec = _kernel(args.kernel)
    if args.input is not None and not spec.reads_fasta:
        raise UsageError(f"--input applies to kernels that read FASTA, not {spec.name}")
    kwargs = {"impl": args.impl}
    if args.threads is not None:
        if args.impl is None or not spec.variant(args.impl).threads:
            raise UsageError("--threads applies only with --impl set to a threaded variant (parallel)")
        kwargs["n_threads"] = args.threads
    if args.impl is not None:
        spec.variant(args.impl)  # unknown names fail here, before any work
    if args.n is None and args.input is None:
        raise UsageError("speedlab run: N is required (or --input PATH for kernels that read FASTA)")
    api = spec.public_function()
    # With --input, N (optional then) plays no part: the input is the file.
    inputs = (_read_input(args.input),) if args.input is not None else spec.make_input(args.n)
    # NOTE: start-up leaves ~11,000 objects (argparse, the catalog, dataclasses...)
    # in the collector's oldest generation, and every full collection during the
    # kernel would walk them again: binarytrees 17's ~120 full passes made the
    # python rung ~15% slower than the same code run as a bare script. Frozen,
    # they are skipped, as in a program that imports only what it computes with.
    gc.freeze()
    output = spec.render(api(*inputs, **kwargs), args.n if args.n is not None else 0)
    # Written only once complete: an error never leaves half an output on stdout.
    sys.stdout.buffer.write(output)
    sys.stdout.flush()
    return 0


def verify_kernel(spec, variants=None, emit=print) -> bool:
    """Check every variant against the canonical outputs and against ``python``."""
    ok = True
    try:
        reference = spec.variant("python").load()
        expected = {n: reference(*spec.make_input(n)) for n in spec.sample_sizes}
    except Exception as exc:  # a user's spec or twin may raise anything: say so, no traceback
        emit(f"{spec.name:14} {'python':10} FAILED    no reference results: {type(exc).__name__}: {exc}")
        return False
    for variant in spec.variants:
        if variants and variant.name not in variants:
            continue
        try:
            fn = variant.load()
        except VariantUnavailable as exc:
            if variant.optional:
                emit(f"{spec.name:14} {variant.name:10} skipped   {exc}")
                continue
            emit(f"{spec.name:14} {variant.name:10} FAILED    {exc}")
            ok = False
            continue
        problems = []
        try:
            for n, filename in spec.oracles.items():
                golden = catalog.oracle_path(filename).read_bytes()
                if spec.render(fn(*spec.make_input(n)), n) != golden:
                    problems.append(f"output for n={n} differs from {filename}")
            for n, want in expected.items():
                got = fn(*spec.make_input(n))
                if not spec.compare(want, got):
                    problems.append(f"n={n}: {variant.name} gave {got!r:.80}, python gave {want!r:.80}")
        except Exception as exc:  # a user's kernel may raise anything: report it, go on
            problems.append(f"raised {type(exc).__name__}: {exc}")
        checks = f"{len(spec.oracles)} golden, {len(expected)} sizes vs python"
        if problems:
            ok = False
            emit(f"{spec.name:14} {variant.name:10} FAILED    {'; '.join(problems)}")
        else:
            emit(f"{spec.name:14} {variant.name:10} ok        {checks}")
    return ok


def cmd_verify(args) -> int:
    specs = _kernels(args.kernels)
    results = [verify_kernel(spec) for spec in specs]
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
    mode = "quick" if args.quick else "full" if args.full else "default"
    settings = suite.settings(mode, len(specs), rounds=args.rounds, threads=args.threads,
                              variants=args.variants)
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


def cmd_explain(args) -> int:
    from speedlab.bench import explain

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
    where = written[0].parent
    for path in written:
        print(f"wrote {path}")
    print(f"next: speedlab build {where} && speedlab verify --from {where} && "
          f"speedlab bench --from {where} --quick")
    return 0


def cmd_build(args) -> int:
    from speedlab.byok.build import BuildError, build, build_wheel

    try:
        start = time.perf_counter()
        done = build(args.path, force=args.force)
        if done:
            print(f"{len(done)} module(s) ready in {time.perf_counter() - start:.2f} s")
        if args.wheel:
            from speedlab.byok import spec_files

            out = args.wheel_dir or spec_files(args.path)[0].parent / "dist"
            build_wheel(args.path, out)
    except BuildError as exc:  # several lines: each error with its file:line
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    return 0


def cmd_info(args) -> int:
    import speedlab
    from speedlab._impl import mode
    from speedlab.bench.environment import build_info, environment

    env = environment()
    build = build_info()
    print(f"speedlab {speedlab.__version__} on Python {env['python']} ({env['os']})")
    print(f"CPU: {env['cpu']}, {env['cores']} cores")
    print(f"NumPy {env['numpy'] or 'not installed'}; Numba {env['numba'] or 'not installed'}")
    missing, optional = [], []
    if build is None:
        print("BUILD: no build record found: the compiled kernels are NOT BUILT")
    else:
        print(f"built with Cython {build['cython']}, {build['compiler']}")
        print(f"flags: {' '.join(build['cflags'])}")
        why = build.get("openmp_missing_reason") or "not found"
        openmp = f"yes ({' '.join(build['openmp_flags'])})" if build["openmp"] else f"NO ({why}): parallel variants run serially"
        print(f"OpenMP: {openmp}")
        native_arch = "yes (local build only: never publish it)" if build["native_arch"] else "no"
        print(f"debug build: {'yes' if build['debug'] else 'no'}; -march=native: {native_arch}")
    print(f"SPEEDLAB_IMPL={mode()} -> default implementation: {speedlab.IMPLEMENTATION}")
    print("compiled variants:")
    for spec in catalog.kernels():
        cells = []
        for v in spec.variants:
            if not v.compiled:
                continue
            ok = v.available()
            cells.append(f"{v.name}={'built' if ok else 'NOT BUILT'}")
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
    p.add_argument("--threads", type=_positive, metavar="T", help="threads for the parallel variant")
    p.add_argument("--input", metavar="PATH", help="FASTA input for knucleotide/revcomp/regexredux ('-' = stdin)")
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
    p.add_argument("--variants", nargs="+", metavar="V", help="only these variants")
    p.add_argument("--threads", type=_positive, nargs="+", metavar="T",
                   help="n_threads for parallel variants; several values give one row each")
    p.add_argument("--rounds", "--repeat", dest="rounds", type=_positive, metavar="R",
                   help="timed rounds (default 5; 3 with --quick, 7 with --full)")
    p.add_argument("--json", metavar="PATH", help="write the speedlab-bench/2 document ('-' = stdout)")
    p.add_argument("--plot", metavar="FILE", help="figure of the ladders (.png/.svg/.pdf; needs matplotlib)")
    p.add_argument("--compare", metavar="OLD.json", help="say what got faster/slower since an earlier --json")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("new", help="write a kernel of your own to start from (pure, typed, spec, test)",
                       description="Write NAME.py (pure twin), NAME_typed.py (typed twin in Cython's "
                       "pure-Python mode), NAME_spec.py (the KernelSpec) and test_NAME.py: a byte "
                       "histogram that builds, verifies and benches as it is; then make it yours.")
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
    p.add_argument("kernel", metavar="KERNEL")
    p.add_argument("--full", action="store_true", help="longer, steadier measurements")
    p.add_argument("--threads", type=_positive, nargs="+", metavar="T",
                   help="thread counts for the concurrency test (default 1..cores)")
    p.add_argument("--json", metavar="PATH", help="write the report as JSON ('-' = stdout)")
    p.add_argument("--plot", metavar="FILE", help="thread scaling and latency figure (.png/.svg/.pdf)")
    p.set_defaults(func=cmd_explain)

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


if __name__ == "__main__":
    sys.exit(main())
