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


def _spec(kernel):
    """``kernel`` itself when it is a KernelSpec, else the catalog's kernel of that name."""
    from speedlab import catalog
    from speedlab.spec import KernelSpec

    return kernel if isinstance(kernel, KernelSpec) else catalog.get(kernel)


def resolve(kernel, impl: str | None):
    """The :class:`~speedlab.spec.Variant` that ``impl`` selects for ``kernel``.

    ``kernel`` is a kernel name or a :class:`~speedlab.spec.KernelSpec` (a user's,
    registered or not).

    Raises
    ------
    TypeError
        ``impl`` is not a string or None.
    ValueError
        ``impl`` names no variant of the kernel.
    """
    spec = _spec(kernel)
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


def threaded(kernel):
    """The variant ``n_threads`` alone selects: ``parallel``, else the kernel's one threaded rung.

    Raises
    ------
    ValueError
        The kernel has no threaded variant (the message gives its ``no_parallel``
        reason), or ``SPEEDLAB_IMPL=pure`` asks for the single-threaded ``python``.
    """
    spec = _spec(kernel)
    if mode() == "pure":
        raise ValueError("n_threads selects the threaded variant 'parallel', but SPEEDLAB_IMPL=pure "
                         "selects 'python'; pass impl='parallel' or unset SPEEDLAB_IMPL")
    candidates = [v for v in spec.variants if v.threads and v.name == "parallel"]
    candidates += [v for v in spec.variants if v.threads and v.kind == "rung" and v not in candidates]
    if not candidates:
        why = f": {spec.no_parallel}" if spec.no_parallel else ""
        raise ValueError(f"n_threads does not apply to {spec.name}: it has no threaded variant{why}")
    return candidates[0]


def call(kernel, impl: str | None, *args: Any, n_threads: Any = None) -> Any:
    """Choose the variant and call it; ``n_threads`` goes only to a threaded variant.

    The one place the public functions dispatch (speedlab's, and a user's kernel
    through ``speedlab.call(SPEC, impl, *args, n_threads=n_threads)``), so every
    kernel treats ``n_threads`` alike: validated first; alone (``impl=None``) it
    selects the threaded variant (``parallel``, see :func:`threaded`); with a
    single-thread ``impl`` it is refused (ValueError) rather than silently ignored.

    Parameters
    ----------
    kernel : str or KernelSpec
    impl : str or None
    *args
        The kernel's arguments, validated by the caller.
    n_threads : int or None
    """
    from speedlab._validate import check_threads

    n_threads = check_threads(n_threads)
    if n_threads is not None and impl is None:
        return threaded(kernel).load()(*args, n_threads=n_threads)
    variant = resolve(kernel, impl)
    fn = variant.load()
    if n_threads is None:
        return fn(*args)
    if not variant.threads:
        raise ValueError(f"n_threads applies only to impl='parallel' (the threaded variant), "
                         f"not impl={variant.name!r}")
    return fn(*args, n_threads=n_threads)
