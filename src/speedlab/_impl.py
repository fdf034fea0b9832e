"""Choosing an implementation: the one selector every public function uses.

``impl=None`` follows ``SPEEDLAB_IMPL``:

* ``auto`` (default) -- ``native`` when it is built, else ``python`` with a
  RuntimeWarning (never silently: ``speedlab info`` says so too);
* ``native``         -- ``native``, and an ImportError naming the missing module and
  the rebuild command when it is not built;
* ``pure``           -- ``python``.

Any variant name in the catalog (``python``, ``compiled``, ``typed``, ``native``,
``parallel``, ``numpy``, ``c`` or an extra) may be passed as ``impl=`` directly.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Callable

MODES = ("auto", "native", "pure")


def mode() -> str:
    """The value of ``SPEEDLAB_IMPL`` (``auto`` when unset)."""
    value = os.environ.get("SPEEDLAB_IMPL", "auto").strip().lower() or "auto"
    if value not in MODES:
        raise ValueError(f"SPEEDLAB_IMPL must be one of {', '.join(MODES)}, got {value!r}")
    return value


def native_available() -> bool:
    """True when every built-in kernel's ``native`` variant imports."""
    from speedlab import catalog

    return all(spec.variant("native").available() for spec in catalog.builtin_kernels())


def active() -> str:
    """``native`` or ``pure``: what ``impl=None`` runs, given ``SPEEDLAB_IMPL`` and the build."""
    current = mode()
    if current == "pure":
        return "pure"
    if current == "native" or native_available():
        return "native"
    return "pure"


def resolve(kernel: str, impl: str | None):
    """The :class:`~speedlab.spec.Variant` that ``impl`` selects for ``kernel``.

    Raises
    ------
    TypeError
        ``impl`` is not a string or None.
    ValueError
        ``impl`` names no variant of the kernel.
    """
    from speedlab import catalog

    spec = catalog.get(kernel)
    if impl is None:
        current = mode()
        if current == "pure":
            return spec.variant("python")
        native = spec.variant("native")
        if current == "native" or native.available():
            return native
        warnings.warn(
            f"speedlab: {native.module} is not built; running the pure-Python "
            "twin (set SPEEDLAB_IMPL=native to make this an error)",
            RuntimeWarning,
            stacklevel=4,
        )
        return spec.variant("python")
    if not isinstance(impl, str):
        raise TypeError(f"impl must be a variant name (str) or None, not {type(impl).__name__}")
    return spec.variant(impl)


def choose(kernel: str, impl: str | None) -> Callable[..., Any]:
    """Return the callable for ``impl`` of ``kernel`` (see :func:`resolve`).

    Raises
    ------
    ImportError
        The variant is not built (``speedlab.spec.VariantUnavailable``).
    """
    return resolve(kernel, impl).load()


def call(kernel: str, impl: str | None, *args: Any, n_threads: Any = None) -> Any:
    """Choose the variant and call it; ``n_threads`` goes only to a threaded variant.

    The one place the public functions dispatch, so every kernel treats
    ``n_threads`` alike: validated first, and refused (ValueError) for a variant
    that runs on one thread rather than silently ignored.
    """
    from speedlab._validate import check_threads

    n_threads = check_threads(n_threads)
    variant = resolve(kernel, impl)
    fn = variant.load()
    if n_threads is None:
        return fn(*args)
    if not variant.threads:
        raise ValueError(f"n_threads applies only to impl='parallel' (the threaded variant), "
                         f"not impl={variant.name!r}")
    return fn(*args, n_threads=n_threads)
