"""``speedlab new NAME``: write a kernel directory that builds, verifies and benches as it is.

The files come from :mod:`speedlab.byok.templates` (a byte histogram on every
rung); the token ``mykernel`` in their names and text becomes NAME. The user then
replaces the computation, keeping the three files' functions in step.
"""

from __future__ import annotations

import keyword
import re
import sys
from importlib.resources import files
from pathlib import Path

from speedlab.byok import BUILD_DIRNAME, SpecError

TOKEN = "mykernel"
TEMPLATES = ("mykernel.py", "mykernel_typed.py", "mykernel_spec.py", "test_mykernel.py")
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
        The files written.

    Raises
    ------
    SpecError
        A bad name, or files of that name exist already (nothing is overwritten).
    """
    check_name(name)
    target = Path(directory if directory is not None else name)
    if target.exists() and not target.is_dir():
        raise SpecError(f"--dir {target}: exists and is not a directory")
    planned = {target / t.replace(TOKEN, name): t for t in TEMPLATES}
    clash = [str(p) for p in planned if p.exists()]
    if clash:
        raise SpecError(f"not overwriting {', '.join(clash)}; choose another --dir or name")
    target.mkdir(parents=True, exist_ok=True)
    source = files("speedlab.byok.templates")
    for path, template in planned.items():
        text = source.joinpath(template).read_text(encoding="utf-8")
        path.write_text(text.replace(TOKEN, name), encoding="utf-8")
    ignore = target / ".gitignore"
    if not ignore.exists():
        ignore.write_text(f"{BUILD_DIRNAME}/\n")
    return list(planned)
