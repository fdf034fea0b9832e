"""``speedlab new NAME``: write a kernel directory that builds, verifies and benches as it is.

The files come from :mod:`speedlab.byok.templates` (a histogram of ``a XOR b`` on
every rung: a kernel with two inputs); the token ``mykernel`` in their names and
text becomes NAME. :data:`TEMPLATES` is the list of what is written -- the pure
twin, the typed twin, the spec, the test, one golden output -- plus a
``.gitignore`` for the build directory. The user then replaces the computation,
keeping the pure twin, the typed twin and the spec in step.
"""

from __future__ import annotations

import keyword
import re
import sys
from pathlib import Path

from speedlab.byok import BUILD_DIRNAME, SpecError

TOKEN = "mykernel"
#: What ``new`` writes (besides ``.gitignore``), in this order, with what each is for.
TEMPLATES = {
    "mykernel.py": "the pure twin (python and compiled rungs)",
    "mykernel_typed.py": "the typed twin (typed, native, parallel rungs)",
    "mykernel_spec.py": "the KernelSpec and the public function",
    "test_mykernel.py": "pytest: the checks of `speedlab verify`, and bad input",
    "golden/mykernel-1000.txt": "a golden output (render(result, 1000))",
}
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def check_name(name: str) -> str:
    """Return ``name`` when it can be a kernel and module name; SpecError saying why not otherwise."""
    from speedlab import catalog

    if not _NAME.match(name or ""):
        raise SpecError(f"kernel name {name!r}: use lower-case letters, digits and _, not starting "
                        "with a digit (it names Python modules)")
    if keyword.iskeyword(name) or name in sys.stdlib_module_names or name in sys.builtin_module_names:
        raise SpecError(f"kernel name {name!r} would shadow Python's own module or keyword; choose another")
    if name in {"speedlab", "cython", TOKEN} or name.startswith("test_"):
        raise SpecError(f"kernel name {name!r} is reserved; choose another")
    if name in catalog.names():
        raise SpecError(f"duplicate kernel name {name!r}: speedlab already has a kernel of that name")
    return name


def new(name: str, directory: str | Path | None = None) -> list[Path]:
    """Write the kernel files for ``name`` into ``directory`` (default ``./NAME``).

    Returns
    -------
    list of Path
        The files written: :data:`TEMPLATES` with NAME in place of ``mykernel``,
        then ``.gitignore`` (unless one exists).

    Raises
    ------
    SpecError
        A bad name, files of that name exist already (nothing is overwritten), or
        the directory cannot be written (nothing is left half-written).
    """
    from importlib.resources import files  # here: the command line reads TEMPLATES at every start

    check_name(name)
    target = Path(directory if directory is not None else name)
    if target.exists() and not target.is_dir():
        raise SpecError(f"--dir {target}: exists and is not a directory")
    planned = {target / t.replace(TOKEN, name): t for t in TEMPLATES}
    clash = [str(p) for p in planned if p.exists()]
    if clash:
        raise SpecError(f"not overwriting {', '.join(clash)}; choose another --dir or name")
    ignore = target / ".gitignore"
    created = [d for d in (target, *{p.parent for p in planned}) if not d.exists()]
    written: list[Path] = []
    source = files("speedlab.byok.templates")
    try:
        for path, template in planned.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            text = source.joinpath(template).read_text(encoding="utf-8")
            path.write_text(text.replace(TOKEN, name), encoding="utf-8")
            written.append(path)
        if not ignore.exists():
            ignore.write_text(f"{BUILD_DIRNAME}/\n")
            written.append(ignore)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        for d in sorted(created, key=lambda d: len(d.parts), reverse=True):
            try:
                d.rmdir()
            except OSError:
                pass
        raise SpecError(f"speedlab new: cannot write {exc.filename or target} ({exc.strerror or exc}); "
                        "choose a writable --dir") from None
    return written
