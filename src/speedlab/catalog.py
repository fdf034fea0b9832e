"""THE list of kernels: it collects their specs; everything else reads it.

The command line (``list``, ``run``, ``verify``, ``bench``, ``explain``), the test
suite and the benchmarks iterate over :func:`kernels`. Each built-in kernel
describes itself, exactly as a user's kernel does: its :class:`KernelSpec` is
``SPEC`` in its public module (``speedlab/nbody.py``), beside the functions it
documents. Adding a kernel means adding its files (``kernels/NAME.pyx``,
``src/speedlab/pure/NAME.py``, ``src/speedlab/NAME.py`` with its ``SPEC``) and its
name in ``speedlab.KERNEL_MODULES``.

Every kernel enters through :func:`register`: the built-in ones below, the ones
an installed package declares in the ``speedlab.kernels`` entry-point group
(loaded on the first call of :func:`kernels`), and a user's spec files
(``speedlab verify --from DIR``, see :mod:`speedlab.byok`).

Importing this module imports no implementation: variants are loaded on first use.
"""

from __future__ import annotations

import importlib

from speedlab import KERNEL_MODULES
from speedlab.spec import KernelSpec


#: The built-in kernels, in the order every report lists them. Each spec lives
#: beside its kernel's public API (``speedlab.nbody.SPEC`` ...): the catalog only
#: collects them, exactly as it collects a user's.
BUILTIN: tuple[KernelSpec, ...] = tuple(
    importlib.import_module(f"speedlab.{name}").SPEC for name in KERNEL_MODULES
)

#: The entry-point group through which an installed package adds kernels: each
#: entry point loads a KernelSpec, an iterable of them, or a callable returning either.
ENTRY_POINT_GROUP = "speedlab.kernels"

_registry: dict[str, KernelSpec] = {}
_origin: dict[str, str] = {}  # kernel name -> who registered it, for duplicate errors
_broken: dict[str, str] = {}  # entry point "dist:name" -> why it could not be loaded
_entry_points_loaded = False
_scope: tuple[str, ...] | None = None


def register(spec: KernelSpec, *, replace: bool = False, origin: str = "speedlab.register") -> KernelSpec:
    """Add ``spec`` to the catalog: the one way any kernel, built-in or not, gets in.

    Parameters
    ----------
    spec : KernelSpec
    replace : bool
        Overwrite a kernel of the same name instead of refusing it.
    origin : str
        Who registers it (a file, an entry point), named in the duplicate error.

    Returns
    -------
    KernelSpec
        ``spec``, so ``register`` also works as ``SPEC = register(KernelSpec(...))``.

    Raises
    ------
    TypeError
        ``spec`` is not a :class:`speedlab.KernelSpec`.
    ValueError
        A kernel of that name is registered already (and ``replace`` is false).
    """
    if not isinstance(spec, KernelSpec):
        raise TypeError(f"spec must be a speedlab.KernelSpec, not {type(spec).__name__}")
    if spec.name in _registry and not replace:
        raise ValueError(
            f"duplicate kernel name {spec.name!r}: already registered by {_origin[spec.name]}, "
            f"registered again by {origin}; rename one of them"
        )
    _registry[spec.name] = spec
    _origin[spec.name] = origin
    return spec


for _spec in BUILTIN:
    register(_spec, origin="speedlab (built-in)")


def _specs_of(obj: object, where: str) -> list[KernelSpec]:
    """The KernelSpecs ``obj`` stands for (a spec, an iterable, or a callable returning either)."""
    if callable(obj) and not isinstance(obj, KernelSpec):
        obj = obj()
    if isinstance(obj, KernelSpec):
        return [obj]
    try:
        specs = list(obj)
    except TypeError:
        raise TypeError(f"{where} gives a {type(obj).__name__}, not a KernelSpec or an iterable of them") from None
    for item in specs:
        if not isinstance(item, KernelSpec):
            raise TypeError(f"{where} gives a {type(item).__name__} among its specs, not a KernelSpec")
    return specs


def load_entry_points() -> None:
    """Register the kernels of installed packages (group ``speedlab.kernels``), once.

    An entry point that fails (import error, wrong type, duplicate name) is recorded
    in :func:`broken` and skipped: the other kernels still work.
    """
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep.dist, "name", None) or "?"
        where = f"entry point {ep.name!r} ({ep.value}) of {dist}"
        try:
            specs = _specs_of(ep.load(), where)
            for spec in specs:  # check all before registering any: all or nothing
                if spec.name in _registry:
                    raise ValueError(f"duplicate kernel name {spec.name!r}: already registered by "
                                     f"{_origin[spec.name]}")
            for spec in specs:
                register(spec, origin=where)
        except Exception as exc:  # anything the package does wrong is its own problem
            _broken[f"{dist}:{ep.name}"] = f"{type(exc).__name__}: {exc}".splitlines()[0]


def is_registered(spec: KernelSpec) -> bool:
    """True when this very spec object is in the catalog (a file loaded twice is not a duplicate)."""
    return _registry.get(spec.name) is spec


def broken() -> dict[str, str]:
    """Entry points that could not be loaded: ``"dist:name" -> reason``."""
    load_entry_points()
    return dict(_broken)


def restrict(names) -> None:
    """Make :func:`kernels`, :func:`names` and :func:`get` see only ``names`` (None: all).

    The command line's ``--from PATH`` uses it so a verb works on the user's kernels only.
    """
    global _scope
    if names is not None:
        missing = [n for n in names if n not in _registry]
        if missing:
            raise ValueError(f"cannot restrict the catalog to unregistered kernels: {', '.join(missing)}")
        names = tuple(names)
    _scope = names


def _visible() -> dict[str, KernelSpec]:
    load_entry_points()
    if _scope is None:
        return _registry
    return {name: _registry[name] for name in _scope}


def kernels() -> tuple[KernelSpec, ...]:
    """Every registered kernel: built-in ones first, then installed and user kernels."""
    return tuple(_visible().values())


def builtin_kernels() -> tuple[KernelSpec, ...]:
    return BUILTIN


def names() -> tuple[str, ...]:
    return tuple(_visible())


def get(name: str) -> KernelSpec:
    """The kernel called ``name``; ValueError listing the valid names otherwise."""
    if not isinstance(name, str):
        raise TypeError(f"kernel name must be a str, not {type(name).__name__}")
    if _scope is None and name in _registry:
        # NOTE: the fast path every public function takes (speedlab.nbody.energies
        # -> choose -> get): installed packages are not imported for a built-in kernel.
        return _registry[name]
    visible = _visible()
    try:
        return visible[name]
    except KeyError:
        raise ValueError(f"unknown kernel {name!r}; valid: {', '.join(visible)}") from None


def oracle_path(filename: str):
    """Path of a canonical output shipped in ``speedlab/data/oracles``."""
    from importlib.resources import files

    return files("speedlab.data").joinpath("oracles", filename)
