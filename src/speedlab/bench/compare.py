"""``speedlab bench --compare OLD.json``: what got faster or slower since an earlier run.

Records are matched by kernel and label (variant, or ``parallel@T``); the change
is the old median time per unit of work over the new one (above 1: faster now).
A change counts only when it exceeds both :data:`THRESHOLD` and the two runs'
own spread: noise is reported as ``same``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from speedlab.bench.report import fmt_ratio

SCHEMA_PREFIX = "speedlab-bench/"
#: Smallest change reported as faster/slower: below 5 %, a quiet 2-core VM's
#: run-to-run drift is as large as the change.
THRESHOLD = 0.05


class NotABenchFile(ValueError):
    """The file is not a ``speedlab bench --json`` result."""


def load(path: str | Path) -> dict[str, Any]:
    """Read a ``speedlab bench --json`` file.

    Raises
    ------
    NotABenchFile
        It cannot be read, is not JSON, or carries no ``speedlab-bench/N`` schema.
    """
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise NotABenchFile(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError):
        raise NotABenchFile(f"{str(path)!r} is not JSON, so not a speedlab bench result") from None
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_PREFIX) or not isinstance(doc.get("results"), list):
        raise NotABenchFile(f"{str(path)!r} is not a speedlab bench result (no \"schema\": \"{SCHEMA_PREFIX}N\")")
    return doc


def _key(record: dict[str, Any]) -> tuple[str, str]:
    # schema 1 records have no label: the variant is the label
    return record.get("kernel", "?"), record.get("label") or record.get("variant", "?")


def _per_unit(record: dict[str, Any]) -> tuple[float, float] | None:
    s = record.get("seconds_per_unit")
    if not s or not s.get("median") or record.get("error"):
        return None
    return s["median"], s.get("spread", 0.0)


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Match two ``speedlab-bench`` documents record by record.

    Parameters
    ----------
    old, new : dict
        Documents as returned by :func:`load` (or ``speedlab.bench.suite.run``).

    Returns
    -------
    list of dict
        One row per (kernel, label) present in either: ``kernel``, ``label``,
        ``change`` (old time per unit / new, or None) and ``verdict``
        (``faster``, ``slower``, ``same``, ``new``, ``gone``, ``failed now``,
        ``not comparable``).
    """
    before = {_key(r): r for r in old["results"]}
    after = {_key(r): r for r in new["results"]}
    rows = []
    for key in list(after) + [k for k in before if k not in after]:
        o, n = before.get(key), after.get(key)
        row = {"kernel": key[0], "label": key[1], "change": None}
        po, pn = (_per_unit(o) if o else None), (_per_unit(n) if n else None)
        if o is None:
            row["verdict"] = "new"
        elif n is None:
            row["verdict"] = "gone"
        elif po is None or pn is None:
            row["verdict"] = "failed now" if pn is None and po is not None else "not comparable"
        else:
            change = po[0] / pn[0]
            noise = max(THRESHOLD, (po[1] + pn[1]) / 2)
            row["change"] = change
            row["verdict"] = "faster" if change > 1 + noise else "slower" if change < 1 / (1 + noise) else "same"
        rows.append(row)
    return rows


def render(rows: list[dict[str, Any]], old_path: str) -> str:
    """The comparison as text: changes first, then a count of what stayed the same."""
    lines = [f"compared with {old_path} (old time / new time per unit of work):"]
    interesting = [r for r in rows if r["verdict"] != "same"]
    for r in interesting:
        change = f"{fmt_ratio(r['change'])}" if r["change"] else ""
        lines.append(f"  {r['kernel'] + '/' + r['label']:28} {r['verdict']:15} {change}")
    same = len(rows) - len(interesting)
    lines.append(f"  {same} unchanged within noise" if interesting else f"  all {same} unchanged within noise")
    return "\n".join(lines)
