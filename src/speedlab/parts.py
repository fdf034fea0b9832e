"""Splitting a kernel's input into independent parts, and combining the parts' results.

A kernel whose :class:`~speedlab.spec.KernelSpec` declares ``split`` and
``combine`` can run on several processes or machines: ``split(args, parts)``
cuts its arguments into part-args, the part function (``spec.part``, or the
kernel itself) runs on each -- anywhere, in any order -- and
``combine(results, args)`` rebuilds exactly the result one call returns. A split
may take several rounds (``combine`` returns :class:`~speedlab.spec.Round`).

This module is the Dask-free half: it drives a split with any ``map`` (one
thread here, Dask in :mod:`speedlab.dask`), and checks that a split is exact
(``speedlab verify``, the differential fuzzing). It imports no kernel.

>>> from speedlab import parts, catalog
>>> spec = catalog.get("mandelbrot")
>>> parts.run(spec, (64,), 3) == spec.public_function()(64)
True
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Iterable, Mapping, Sequence

from speedlab._validate import check_int
from speedlab.spec import KernelSpec, Round, Variant

#: The part counts ``speedlab verify`` tries: one part (the identity), a few
#: small ones (2 and 3 split unevenly; 7 rarely divides anything), and one far
#: beyond what any core count makes useful. A count the input cannot give is
#: refused (TooManyParts) and verify then checks the most it allows instead.
VERIFY_PARTS = (1, 2, 3, 7, 1000)

#: Splits that belong to no catalog kernel, as ``"module:attribute"`` of their
#: KernelSpec: nbody's one system does not split, its ensemble does. They are
#: verified with the kernel that names them and run by ``speedlab.dask``.
EXTRA_SPECS = {"nbody": ("speedlab.nbody:ENSEMBLE",)}

#: The most parts anyone may ask for: a C int, far beyond any cluster.
MAX_PARTS = 2**31 - 1


class TooManyParts(ValueError):
    """``parts`` is more than the input can be cut into; ``limit`` is the most it allows."""

    def __init__(self, message: str, limit: int):
        super().__init__(message)
        self.limit = limit


def check_parts(parts: Any, limit: int, why: str) -> int:
    """``parts`` as an int in ``1..limit``.

    Parameters
    ----------
    parts : int
        The part count asked for.
    limit : int
        The most parts this input can be cut into (at least 1 is always allowed).
    why : str
        What bounds it, for the message ("one row per part at most").

    Raises
    ------
    TypeError
        ``parts`` is not an integer.
    ValueError
        ``parts`` is below 1.
    TooManyParts
        ``parts`` exceeds ``limit``.
    """
    parts = check_int("parts", parts, minimum=1, maximum=MAX_PARTS)
    limit = max(1, int(limit))
    if parts > limit:
        raise TooManyParts(f"parts must be <= {limit:,} for this input ({why}), got {parts:,}", limit)
    return parts


def spans(total: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous ``(begin, end)`` ranges covering ``0..total`` as evenly as integers allow."""
    return [(i * total // parts, (i + 1) * total // parts) for i in range(parts)]


def choose(kernel: str, impl: Any, targets: Mapping[str, str]) -> Callable[..., Any]:
    """The callable a part function runs for ``impl``.

    Parameters
    ----------
    kernel : str
        The catalog kernel the part belongs to: ``impl=None`` follows its
        default (``SPEEDLAB_IMPL``: native when built, see ``speedlab._impl``).
    impl : str or None
    targets : mapping
        Variant name -> ``"module:function"`` of the implementations the part
        function offers (``python``, ``native``...).

    Raises
    ------
    TypeError
        ``impl`` is not a string or None.
    ValueError
        ``impl`` is not one of ``targets``.
    ImportError
        The chosen implementation is not built.
    """
    if impl is None:
        from speedlab._impl import resolve

        name = resolve(kernel, None).name
        name = name if name in targets else "native"
    elif not isinstance(impl, str):
        raise TypeError(f"impl must be a variant name (str) or None, not {type(impl).__name__}")
    elif impl not in targets:
        raise ValueError(f"impl must be one of {', '.join(targets)} for {kernel}'s parts, got {impl!r}")
    else:
        name = impl
    return Variant(name, targets[name]).load()


def get(name: str) -> KernelSpec:
    """The kernel called ``name``: a catalog kernel, or a split of :data:`EXTRA_SPECS`."""
    from speedlab import catalog

    for spec in extra_specs():
        if spec.name == name:
            return spec
    return catalog.get(name)


def extra_specs(kernel: str | None = None) -> list[KernelSpec]:
    """The specs of :data:`EXTRA_SPECS` (those named by ``kernel``, or all)."""
    found = []
    for owner, targets in EXTRA_SPECS.items():
        if kernel is not None and owner != kernel:
            continue
        for target in targets:
            module, _, attr = target.partition(":")
            found.append(getattr(importlib.import_module(module), attr))
    return found


def splittable() -> list[KernelSpec]:
    """Every kernel that splits: the catalog's (built-in, installed, a user's) and the extras."""
    from speedlab import catalog

    specs = [spec for spec in catalog.kernels() if spec.split is not None]
    return specs + [s for spec in catalog.kernels() for s in extra_specs(spec.name)]


def resolve(kernel: Any) -> KernelSpec:
    """A kernel given as a name, a KernelSpec or its public function, as its KernelSpec.

    Raises
    ------
    TypeError
        ``kernel`` is none of these.
    ValueError
        No kernel has that name or that public function, or the kernel does not split.
    """
    if isinstance(kernel, KernelSpec):
        spec = kernel
    elif isinstance(kernel, str):
        spec = get(kernel)
    elif callable(kernel):
        from speedlab import catalog

        candidates = list(catalog.kernels()) + extra_specs()
        matches = [s for s in candidates if _same_function(s, kernel)]
        if not matches:
            raise ValueError(f"{getattr(kernel, '__qualname__', kernel)!r} is the public function of "
                             "no kernel; pass a kernel name (see `speedlab list`)")
        spec = matches[0]
    else:
        raise TypeError(f"kernel must be a kernel name, a KernelSpec or a kernel's public function, "
                        f"not {type(kernel).__name__}")
    if spec.split is None:
        why = spec.no_split or "its spec declares no split"
        extras = [s.name for s in extra_specs(spec.name) if s.name not in why]
        more = f"; split instead: {', '.join(map(repr, extras))}" if extras else ""
        raise ValueError(f"kernel {spec.name!r} does not split: {why}{more}")
    return spec


def _same_function(spec: KernelSpec, fn: Callable) -> bool:
    module, _, attr = spec.api.partition(":")
    return getattr(fn, "__module__", None) == module and getattr(fn, "__qualname__", None) == attr


def default_impl(spec: KernelSpec) -> str | None:
    """The variant parts run when none is asked for: ``simd`` where the kernel has it, else None.

    A part is one thread's work, so it runs the single-threaded rung the
    ``parallel`` rung is built on -- ``simd`` when the kernel has one that this
    CPU and ``SPEEDLAB_SIMD`` allow (and the part function offers it), else the
    kernel's default (``native`` when built; ``python`` under ``SPEEDLAB_IMPL=pure``).
    """
    from speedlab._impl import mode

    if mode() == "pure" or "simd" not in spec.variant_names:
        return None
    offered = getattr(spec.part_function(), "impls", ()) if spec.part else spec.variant_names
    if "simd" not in offered or not spec.variant("simd").available():
        return None
    try:
        from speedlab import _simd

        _simd.path()  # a SPEEDLAB_SIMD this CPU cannot run: leave the choice to the kernel
    except ValueError:
        return None
    return "simd"


def part_call(spec: KernelSpec, impl: Any = None, n_threads: Any = None) -> tuple[Callable, dict]:
    """The part function of ``spec`` and the keywords every part gets, validated.

    ``impl`` must be a variant the part function offers (all of the kernel's
    when the part is the kernel itself, else its ``impls`` attribute); None
    runs :func:`default_impl`. ``n_threads`` only applies to a threaded variant
    of the kernel itself.

    Raises
    ------
    TypeError, ValueError
        As above; nothing has run yet.
    """
    from speedlab._validate import check_threads

    fn = spec.part_function()
    kwargs: dict[str, Any] = {}
    threaded = False
    if impl is None and n_threads is None:
        impl = default_impl(spec)
    if impl is not None:
        if not isinstance(impl, str):
            raise TypeError(f"impl must be a variant name (str) or None, not {type(impl).__name__}")
        if spec.part:
            offered = tuple(getattr(fn, "impls", ()))
            if impl not in offered:
                raise ValueError(f"{spec.name}'s parts run {', '.join(offered) or 'the default only'}, "
                                 f"not impl={impl!r}")
        else:
            threaded = spec.variant(impl).threads
        kwargs["impl"] = impl
    n_threads = check_threads(n_threads)
    if n_threads is not None:
        if not threaded:
            raise ValueError(f"n_threads applies only to a threaded variant (impl='parallel') of a "
                             f"kernel whose parts are the kernel itself, not {spec.name} with impl={impl!r}")
        kwargs["n_threads"] = n_threads
    return fn, kwargs


def threaded_part(spec: KernelSpec, impl: Any) -> bool:
    """True when the parts run a threaded variant (and so take ``n_threads``)."""
    return bool(impl) and not spec.part and spec.variant(impl).threads


def rounds(spec: KernelSpec, args: tuple, parts: int):
    """Drive a split: a generator that yields each round's part-args and is sent their results.

    The first ``next()`` runs ``split`` (and so validates ``args`` and ``parts``
    before anything is started); ``StopIteration.value`` is the combined result.
    """
    part_args = [tuple(a) for a in spec.split(tuple(args), parts)]
    state: Any = tuple(args)
    while True:
        results = yield part_args
        out = spec.combine(list(results), state)
        if not isinstance(out, Round):
            return out
        part_args, state = [tuple(a) for a in out.parts], out.args


def drive(spec: KernelSpec, args: tuple, parts: int,
          mapper: Callable[[list[tuple]], Sequence[Any]]) -> Any:
    """Run a split with ``mapper(list of part-args) -> list of results`` (one call per round)."""
    plan = rounds(spec, args, parts)
    part_args = next(plan)
    while True:
        try:
            part_args = plan.send(mapper(part_args))
        except StopIteration as stop:
            return stop.value


def run(spec: KernelSpec, args: Iterable, parts: int, *, impl: str | None = None,
        n_threads: int | None = None) -> Any:
    """The kernel's result computed part by part in this thread: the split's reference run.

    Parameters
    ----------
    spec : KernelSpec
        A kernel with ``split`` and ``combine``.
    args : iterable
        The kernel's positional arguments.
    parts : int
        How many parts to cut the input into.
    impl, n_threads
        Passed to every part (see :func:`part_call`).

    Returns
    -------
    object
        What ``spec``'s public function returns for ``args``, when the split is exact.
    """
    spec = resolve(spec)
    fn, kwargs = part_call(spec, impl, n_threads)
    return drive(spec, tuple(args), parts, lambda part_args: [fn(*a, **kwargs) for a in part_args])


def verify(spec: KernelSpec, args: tuple, counts: Iterable[int] = VERIFY_PARTS,
           *, impl: str | None = None) -> tuple[list[int], list[str]]:
    """Check ``combine(map(part, split(args, P))) == kernel(args)`` for each ``P`` in ``counts``.

    A ``P`` the input cannot give must be refused with :class:`TooManyParts`;
    the most it allows is then checked in its place.

    Returns
    -------
    (checked, problems)
        The part counts checked, and one line per disagreement (empty: exact).
    """
    want = spec.public_function()(*args, **({"impl": impl} if impl else {}))
    checked: list[int] = []
    problems: list[str] = []
    for count in counts:
        try:
            got = run(spec, args, count, impl=impl)
        except TooManyParts as exc:
            if count == 1:
                problems.append("P=1 was refused: one part must always be allowed")
                continue
            count = exc.limit
            if count in checked:
                continue
            got = run(spec, args, count, impl=impl)
        checked.append(count)
        if type(got) is not type(want):
            problems.append(f"P={count}: combine returned {type(got).__name__}, the kernel {type(want).__name__}")
        elif not spec.compare(want, got):
            problems.append(f"P={count}: combined {got!r:.60} != one call's {want!r:.60}")
    return checked, problems
