"""The ``speedlab`` command line (also ``python -m speedlab``).

Every verb is a function of the catalog. Errors a user can cause (unknown kernel,
bad size, unbuilt variant, unreadable file) print one line on stderr and exit 2;
Ctrl-C exits 130. Nothing prints a traceback unless ``SPEEDLAB_TRACEBACK=1``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from speedlab import catalog
from speedlab._validate import C_INT_MAX
from speedlab.spec import VariantUnavailable

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
    if args.json:
        print(json.dumps({k: [v for v, ok in vs.items() if ok] for k, vs in status.items()}, indent=2))
        return 0
    columns = ["python", "compiled", "typed", "native", "parallel", "numpy", "c"]
    extras = sorted({v.name for s in specs for v in s.variants} - set(columns))
    columns += extras
    width = max(len(s.name) for s in specs)
    print("kernel".ljust(width), *[c.ljust(9) for c in columns])
    for spec in specs:
        cells = []
        for col in columns:
            if col in status[spec.name]:
                cells.append(("yes" if status[spec.name][col] else "MISSING").ljust(9))
            else:
                cells.append("-".ljust(9))
        print(spec.name.ljust(width), *cells)
    print("\nyes: built and importable; MISSING: not built (rebuild with `pip install .`); -: no such variant")
    for spec in specs:
        if spec.no_parallel:
            print(f"{spec.name}: no parallel rung: {spec.no_parallel}")
        for v in spec.variants:
            if v.kind == "extra" and v.note:
                print(f"{spec.name}/{v.name} (extra): {v.note}")
    _openmp_line()
    return 0


def _openmp_line():
    from speedlab.bench.environment import build_info

    info = build_info()
    if info is not None and not info.get("openmp"):
        print("OpenMP: not available in this build; `parallel` variants run on one thread")


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
    api = spec.public_function()
    inputs = (_read_input(args.input),) if args.input is not None else spec.make_input(args.n)
    output = spec.render(api(*inputs, **kwargs), args.n)
    # Written only once complete: an error never leaves half an output on stdout.
    sys.stdout.buffer.write(output)
    sys.stdout.flush()
    return 0


def verify_kernel(spec, variants=None, emit=print) -> bool:
    """Check every variant against the canonical outputs and against ``python``."""
    ok = True
    reference = spec.variant("python").load()
    expected = {n: reference(*spec.make_input(n)) for n in spec.sample_sizes}
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
        for n, filename in spec.oracles.items():
            golden = catalog.oracle_path(filename).read_bytes()
            if spec.render(fn(*spec.make_input(n)), n) != golden:
                problems.append(f"output for n={n} differs from {filename}")
        for n, want in expected.items():
            got = fn(*spec.make_input(n))
            if not spec.compare(want, got):
                problems.append(f"n={n}: {got!r:.80} != python's {want!r:.80}")
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


def cmd_bench(args) -> int:
    from speedlab.bench.environment import environment
    from speedlab.bench.report import table
    from speedlab.bench.timing import measure_kernel

    _writable(args.json, "--json")
    specs = _kernels(args.kernels)
    if args.variants:
        known = {v.name for spec in specs for v in spec.variants}
        unknown = [name for name in args.variants if name not in known]
        if unknown:
            raise UsageError(f"speedlab bench: no variant {', '.join(map(repr, unknown))} in "
                             f"{', '.join(s.name for s in specs)}; valid: {', '.join(sorted(known))}")
    mode = "full" if args.full else "quick"
    rounds = args.rounds if args.rounds is not None else (3 if args.quick else 5)
    min_time = 0.02 if args.quick else 0.05
    progress = _progress() if sys.stderr.isatty() else None
    records, failed = [], False
    for spec in specs:
        names = [v.name for v in spec.variants if not args.variants or v.name in args.variants]
        n = getattr(spec.sizes, mode)
        results = measure_kernel(spec, names, n, rounds=rounds, min_time=min_time,
                                 threads=args.threads, progress=progress)
        if progress:
            progress(None)
        print(table(results))
        print()
        records += [r.to_json() for r in results]
        failed |= any(r.error for r in results)
    if args.json:
        doc = {"schema": "speedlab-bench/1", "mode": mode, "environment": environment(),
               "results": records}
        text = json.dumps(doc, indent=2) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            Path(args.json).write_text(text)
            print(f"results written to {args.json}")
    return 1 if failed else 0


def _progress():
    def show(message):
        if message is None:
            sys.stderr.write("\r\033[K")
        else:
            sys.stderr.write(f"\r\033[K{message}")
        sys.stderr.flush()

    return show


def cmd_info(args) -> int:
    import speedlab
    from speedlab._impl import mode
    from speedlab.bench.environment import build_info, environment

    env = environment()
    build = build_info()
    print(f"speedlab {speedlab.__version__} on Python {env['python']} ({env['os']})")
    print(f"CPU: {env['cpu']}, {env['cores']} cores")
    print(f"NumPy {env['numpy'] or 'not installed'}; Numba {env['numba'] or 'not installed'}")
    missing = []
    if build is None:
        print("BUILD: no build record found: the compiled kernels are NOT BUILT")
    else:
        print(f"built with Cython {build['cython']}, {build['compiler']}")
        print(f"flags: {' '.join(build['cflags'])}")
        openmp = f"yes ({' '.join(build['openmp_flags'])})" if build["openmp"] else "NO: parallel variants run serially"
        print(f"OpenMP: {openmp}")
        print(f"debug build: {'yes' if build['debug'] else 'no'}; -march=native: {'yes' if build['native_arch'] else 'no'}")
    print(f"SPEEDLAB_IMPL={mode()} -> default implementation: {speedlab.IMPLEMENTATION}")
    print("compiled variants:")
    for spec in catalog.kernels():
        cells = []
        for v in spec.variants:
            if not v.compiled:
                continue
            ok = v.available()
            cells.append(f"{v.name}={'built' if ok else 'NOT BUILT'}")
            if not ok:
                missing.append(f"{spec.name}/{v.name}")
        print(f"  {spec.name:14} {' '.join(cells)}")
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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="speedlab",
        description="Compiled kernels beside their pure-Python twins, and the benchmarks "
        "that take the speedup apart: python -> compiled -> typed -> native -> parallel.",
        epilog="Run `speedlab list` to see the kernels and which variants are built.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("list", help="kernels x variants, built or not")
    p.add_argument("--json", action="store_true", help="print {kernel: [built variants]} as JSON")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("run", help="print a program's exact output for size N",
                       description="Print exactly what the Benchmarks Game program prints for N.")
    p.add_argument("kernel", metavar="KERNEL")
    p.add_argument("n", metavar="N", type=_size, help="the program's size argument")
    p.add_argument("--impl", metavar="VARIANT", help="variant to run (default: SPEEDLAB_IMPL, native when built)")
    p.add_argument("--threads", type=_positive, metavar="T", help="threads for the parallel variant")
    p.add_argument("--input", metavar="PATH", help="FASTA input for knucleotide/revcomp/regexredux ('-' = stdin)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("verify", help="check every variant against canonical outputs and python")
    p.add_argument("kernels", nargs="*", metavar="KERNEL")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("bench", help="time the ladder of each kernel",
                       description="Warm up, then time the variants in interleaved rounds; "
                       "print medians per unit of work and the ratio of each rung to python "
                       "and to the rung before.")
    p.add_argument("kernels", nargs="*", metavar="KERNEL")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes, 3 rounds (the default sizes)")
    size.add_argument("--full", action="store_true", help="the catalog's full sizes")
    p.add_argument("--variants", nargs="+", metavar="V", help="only these variants")
    p.add_argument("--threads", type=_positive, metavar="T", help="threads for parallel variants")
    p.add_argument("--rounds", type=_positive, metavar="R", help="timed rounds (default 5; 3 with --quick)")
    p.add_argument("--json", metavar="PATH", help="write results and environment as JSON ('-' = stdout)")
    p.set_defaults(func=cmd_bench)

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
        return args.func(args)
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
