"""Bring your own kernel: a user's kernels through speedlab's compile, verify and measure pipeline.

A *kernel directory* holds, for each kernel, what speedlab holds for its own:

* ``NAME.py``        the idiomatic pure-Python twin (the ``python`` rung);
* ``NAME_typed.py``  the typed twin in Cython's pure-Python mode (``import cython``;
  it runs as ordinary Python and compiles to native) -- or ``NAME_typed.pyx``;
* ``NAME_spec.py``   the spec file: a :class:`speedlab.KernelSpec` bound to ``SPEC``
  (or several bound to ``SPECS``), whose variants with ``build="compiled"`` or
  ``build="native"`` name sources that ``speedlab build DIR`` compiles; its
  targets start with ``PACKAGE`` (``""`` here, ``"DIR."`` once installed from the
  wheel), and its public function dispatches with :func:`speedlab.call`;
* ``golden/``        golden outputs the spec's ``oracles`` name (``n -> file``, relative
  to the spec file), which ``verify`` checks byte for byte.

``speedlab new NAME --dir DIR`` writes such a directory (:mod:`speedlab.byok.scaffold`);
``speedlab build DIR`` compiles it (:mod:`speedlab.byok.build`), ``--wheel`` packs it
into one package named after DIR; ``--from DIR`` on
``verify``/``bench``/``list``/``run``/``explain`` loads it with :func:`load` -- which registers
every spec through :func:`speedlab.register`, the one way into the catalog.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from speedlab.spec import KernelSpec

#: Spec files are found by this pattern in a kernel directory.
SPEC_PATTERN = "*_spec.py"
#: ``speedlab build`` writes its cache and the importable extensions here, inside
#: the kernel directory (one place to delete; nothing outside the directory is touched).
BUILD_DIRNAME = ".speedlab"


class SpecError(ValueError):
    """A kernel directory or spec file speedlab cannot use; the message says why."""


def lib_dir(directory: Path) -> Path:
    """Where the built extensions of ``directory`` are imported from."""
    return Path(directory) / BUILD_DIRNAME / "lib"


def spec_files(path: str | Path) -> list[Path]:
    """The spec files at ``path``: the file itself, or every ``*_spec.py`` in a directory.

    Raises
    ------
    SpecError
        ``path`` does not exist, is not a Python file, or holds no spec file.
    """
    p = Path(path)
    if not p.exists():
        raise SpecError(f"{path}: no such file or directory")
    if p.is_file():
        if p.suffix != ".py":
            raise SpecError(f"{path}: a spec file is a .py file defining SPEC or SPECS")
        return [p.resolve()]
    found = sorted(p.resolve().glob(SPEC_PATTERN))
    if not found:
        raise SpecError(
            f"{path}: no kernel spec here (expected a file named {SPEC_PATTERN} defining SPEC "
            "or SPECS; `speedlab new NAME --dir DIR` writes one)"
        )
    return found


def _add_path(directory: Path) -> None:
    for entry in (lib_dir(directory), directory):  # directory ends up first
        text = str(entry)
        if text not in sys.path:
            sys.path.insert(0, text)
    importlib.invalidate_caches()


def import_spec_file(path: Path):
    """Import a spec file as the top-level module its name says (so ``api`` targets resolve to it)."""
    _add_path(path.parent)
    name = path.stem
    existing = sys.modules.get(name)
    if existing is not None:
        if Path(getattr(existing, "__file__", "") or "").resolve() != path:
            raise SpecError(f"{path}: a different module named {name!r} is imported already "
                            f"({getattr(existing, '__file__', 'built-in')}); rename the spec file")
        return existing
    try:
        return importlib.import_module(name)
    except Exception as exc:
        line = _user_line(exc, path)
        raise SpecError(f"{path}{line}: the spec file failed to import: {type(exc).__name__}: {exc}") from None


def _user_line(exc: BaseException, path: Path) -> str:
    """``:LINE`` of the innermost frame of ``exc`` in ``path`` (or its SyntaxError line)."""
    if isinstance(exc, SyntaxError) and exc.lineno and Path(exc.filename or "").resolve() == path:
        return f":{exc.lineno}"
    tb, line = exc.__traceback__, ""
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename).resolve() == path:
            line = f":{tb.tb_lineno}"
        tb = tb.tb_next
    return line


def specs_in(path: Path) -> list[KernelSpec]:
    """The KernelSpecs a spec file defines (``SPEC`` or ``SPECS``)."""
    module = import_spec_file(path)
    if hasattr(module, "SPEC"):
        found = [module.SPEC]
    elif hasattr(module, "SPECS"):
        try:
            found = list(module.SPECS)
        except TypeError:
            raise SpecError(f"{path}: SPECS must be an iterable of speedlab.KernelSpec") from None
    else:
        raise SpecError(f"{path}: defines neither SPEC (a speedlab.KernelSpec) nor SPECS (several)")
    for spec in found:
        if not isinstance(spec, KernelSpec):
            raise SpecError(f"{path}: SPEC/SPECS must hold speedlab.KernelSpec objects, "
                            f"not {type(spec).__name__}")
    return found


def load(path: str | Path, *, register: bool = True) -> list[KernelSpec]:
    """Import the spec file(s) at ``path`` and register their kernels in the catalog.

    Parameters
    ----------
    path : str or Path
        A spec file or a kernel directory.
    register : bool
        Register the specs (``speedlab.register``); ``speedlab build`` only reads them.

    Returns
    -------
    list of KernelSpec

    Raises
    ------
    SpecError
        No spec, a spec file that fails to import, or one that defines no spec.
    ValueError
        A kernel name that is registered already (a duplicate).
    """
    from speedlab import catalog

    if register:
        # Installed kernels first, so a clash with one is reported here, as an error.
        catalog.load_entry_points()
    specs = []
    for file in spec_files(path):
        for spec in specs_in(file):
            if register and not catalog.is_registered(spec):
                catalog.register(spec, origin=str(file))
            specs.append(spec)
    return specs
