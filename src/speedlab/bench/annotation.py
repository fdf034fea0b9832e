"""How much of each compiled function still calls the Python C-API, from Cython's annotation.

Cython's annotation (``cython -a``) gives every source line a score: a weighted
count of the Python C-API calls its generated C makes (Cython's own weights:
5 per ``Py*`` call, 2 per ``__Pyx_*`` helper, 1 per macro). A score of 0 means
the line compiled to plain C. This module turns the HTML into numbers:

* at build time, :func:`summarise_extensions` (called by ``setup.py``) reads the
  HTML written beside each generated ``.c`` file and writes a small JSON,
  ``speedlab/_native/_annotation.json``, shipped beside the modules: per module,
  per top-level function, its line range, code lines, lines with a C-API call
  (``py_lines``), those inside a loop (``loop_py_lines``), the summed score and
  the module-level functions it calls;
* ``speedlab build DIR`` writes the same summary for a user's kernel, beside its
  built modules (``DIR/.speedlab/lib/_speedlab_native/_annotation.json``; in the
  kernel's wheel, ``PKG/_speedlab_native/_annotation.json``);
* at run time, :func:`rung_evidence` follows a variant's entry point
  (``module:function``) through that call graph and totals the functions it
  reaches: the evidence ``speedlab explain`` prints per rung.

Only the standard library is used: ``setup.py`` imports this module from the
source tree.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any, Iterable

SCHEMA = "speedlab-annotation/1"
FILENAME = "_annotation.json"

_LINE = re.compile(r'<pre class="cython line score-(\d+)"[^>]*>(.*?)</pre>', re.S)
_NUMBERED = re.compile(r"^\D*?(\d+): ?(.*)$", re.S)
_TAG = re.compile(r"<[^>]+>")
_DEF = re.compile(r"^(?:async\s+)?(?:def|cpdef|cdef)\b(?!\s+(?:extern|class|enum|struct|union)\b)[^(=]*?\b(\w+)\s*\(")
_LOOP = re.compile(r"^(for|while)\b")
# `with nogil:` in .pyx, `with cython.nogil:` in Cython's pure-Python mode
_NOGIL = re.compile(r"^with\s+(?:cython\.)?nogil\b|^for\b.*\bprange\(.*nogil\s*=\s*True")
# pure-Python mode's `@cython.nogil` (or `@nogil`) decorator on the def that follows
_NOGIL_DECORATOR = re.compile(r"^@(?:cython\.)?nogil\b")


def parse_html(text: str) -> list[tuple[int, int, str]]:
    """``(line number, score, source line)`` for every source line of an annotation page."""
    out = []
    for score, body in _LINE.findall(text):
        plain = html.unescape(_TAG.sub("", body)).replace("\xa0", " ")
        if plain.startswith("+"):
            plain = plain[1:]
        m = _NUMBERED.match(plain)
        if m:
            out.append((int(m.group(1)), int(score), m.group(2).rstrip("\n")))
    return out


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def functions(lines: list[tuple[int, int, str]]) -> dict[str, dict[str, Any]]:
    """Top-level functions of an annotated module, with their C-API counts and callees."""
    found: dict[str, dict[str, Any]] = {}
    current = None
    signature = ":"
    loops: list[int] = []  # indents of the enclosing for/while lines
    nogil: list[int] = []  # indents of the enclosing `with nogil` lines
    decorated_nogil = False  # an `@cython.nogil` line since the last def
    for number, score, text in lines:
        stripped = text.strip()
        if not stripped:
            continue
        indent = _indent(text)
        if indent == 0:
            m = _DEF.match(stripped)
            current = None
            loops, nogil = [], []
            if stripped.startswith("@"):
                decorated_nogil = decorated_nogil or bool(_NOGIL_DECORATOR.match(stripped))
                continue
            if m:
                current = found.setdefault(m.group(1), {
                    "start": number, "end": number, "lines": 0, "py_lines": 0,
                    "loop_py_lines": 0, "nogil_lines": 0, "score": 0, "nogil": False, "body": [],
                })
                signature = stripped
                current["nogil"] = decorated_nogil or " nogil" in signature.split(")")[-1]
                current["decorated_nogil"] = decorated_nogil
                current["score"] += score
                if score:
                    current["py_lines"] += 1
                current["lines"] += 1
            decorated_nogil = False
            continue
        if current is None or stripped.startswith("#"):
            continue
        if not signature.rstrip().endswith(":"):
            # a signature continued over several lines: nogil is at its end
            signature += " " + stripped
            current["nogil"] = current["decorated_nogil"] or " nogil" in signature.split(")")[-1]
        current["end"] = number
        current["lines"] += 1
        current["body"].append(stripped)
        while loops and indent <= loops[-1]:
            loops.pop()
        while nogil and indent <= nogil[-1]:
            nogil.pop()
        in_loop = bool(loops)
        if current["nogil"] or nogil:
            current["nogil_lines"] += 1
        if _LOOP.match(stripped):
            loops.append(indent)
        if _NOGIL.match(stripped):
            nogil.append(indent)
        if score:
            current["score"] += score
            current["py_lines"] += 1
            if in_loop:
                current["loop_py_lines"] += 1
    names = set(found)
    for name, info in found.items():
        info.pop("decorated_nogil", None)
        words = set(re.findall(r"\b\w+\b", " ".join(info.pop("body"))))
        info["calls"] = sorted((words & names) - {name})
    return found


def summarise_html(path: Path) -> dict[str, Any]:
    """The per-function summary of one annotation page."""
    lines = parse_html(Path(path).read_text(encoding="utf-8", errors="replace"))
    return {
        "lines": sum(1 for _, _, t in lines if t.strip() and not t.strip().startswith("#")),
        "py_lines": sum(1 for _, s, _ in lines if s),
        "functions": functions(lines),
    }


def summarise_extensions(extensions: Iterable[Any]) -> dict[str, Any]:
    """``{"schema", "modules": {module: summary}}`` for setuptools Extensions after cythonize.

    Each extension's sources are the generated ``.c`` files; the annotation page
    is the ``.html`` beside one. A module with no page (an old build directory
    whose C was not regenerated) is listed under ``missing``.
    """
    modules, missing = {}, []
    for ext in extensions:
        pages = [Path(src).with_suffix(".html") for src in ext.sources]
        pages = [p for p in pages if p.exists()]
        if pages:
            modules[ext.name] = summarise_html(pages[0])
        else:
            missing.append(ext.name)
    return {"schema": SCHEMA, "modules": modules, "missing": sorted(missing)}


def write(extensions: Iterable[Any], out_dirs: Iterable[Path]) -> None:
    """Write :data:`FILENAME` into every directory of ``out_dirs`` (used by setup.py)."""
    text = json.dumps(summarise_extensions(extensions), indent=1, sort_keys=True) + "\n"
    for out_dir in out_dirs:
        Path(out_dir, FILENAME).write_text(text)


def load() -> dict[str, Any] | None:
    """The summary shipped beside the compiled modules, or None when the build wrote none."""
    from importlib.resources import files

    try:
        return json.loads(files("speedlab._native").joinpath(FILENAME).read_text())
    except (OSError, ValueError, ModuleNotFoundError):
        return None


def reachable(funcs: dict[str, dict[str, Any]], entry: str) -> list[str]:
    """``entry`` and every module function it calls, directly or not, in call order."""
    seen: list[str] = []
    todo = [entry]
    while todo:
        name = todo.pop(0)
        if name in seen or name not in funcs:
            continue
        seen.append(name)
        todo += funcs[name]["calls"]
    return seen


def rung_evidence(target: str, summary: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """C-API lines in the code a variant runs (``target`` = ``module:function``).

    Returns
    -------
    dict or None
        ``functions`` (per reached function: lines, py_lines, loop_py_lines,
        nogil_lines, nogil), totals ``lines``, ``py_lines``, ``loop_py_lines``
        and ``nogil_lines`` (lines that run without the GIL); None when
        the module was not annotated (a pure-Python or peer variant, or no
        summary in this build).
    """
    summary = load() if summary is None else summary
    module, _, entry = target.partition(":")
    if not summary or module not in summary.get("modules", {}):
        return None
    funcs = summary["modules"][module]["functions"]
    names = reachable(funcs, entry)
    keys = ("lines", "py_lines", "loop_py_lines", "nogil_lines", "nogil", "start", "end")
    picked = {name: {k: funcs[name].get(k, 0) for k in keys} for name in names}
    return {
        "module": module,
        "entry": entry,
        "functions": picked,
        "lines": sum(f["lines"] for f in picked.values()),
        "py_lines": sum(f["py_lines"] for f in picked.values()),
        "loop_py_lines": sum(f["loop_py_lines"] for f in picked.values()),
        "nogil_lines": sum(f["nogil_lines"] for f in picked.values()),
    }


def variant_evidence(variant) -> dict[str, Any] | None:
    """:func:`rung_evidence` for a :class:`~speedlab.spec.Variant`, wherever its summary lives.

    The summary beside the variant's module (``_annotation.json`` in the same
    directory: a user's kernel built by ``speedlab build``, or installed from its
    wheel) is looked at first, then speedlab's own. A summary's module names are
    those the module was built as (``_speedlab_native.NAME``); installed inside a
    package (``PKG._speedlab_native.NAME``) the module is matched by that suffix.
    """
    import importlib.util

    module, entry = variant.module, variant.target.partition(":")[2]
    summaries = []
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        found = None
    if found is not None and found.origin:
        try:
            summaries.append(json.loads((Path(found.origin).parent / FILENAME).read_text()))
        except (OSError, ValueError):
            pass
    own = load()
    if own:
        summaries.append(own)
    for summary in summaries:
        for key in summary.get("modules", {}):
            if module == key or module.endswith("." + key):
                return rung_evidence(f"{key}:{entry}", summary)
    return None
