"""Input validation shared by every public entry point.

Each check runs before any native code, and its message names the argument and
what was expected, so a wrong call fails in Python with a clear TypeError or
ValueError instead of reaching C.
"""

from __future__ import annotations

import operator

#: The largest count a C ``int`` holds; sizes beyond it would wrap in C.
C_INT_MAX = 2**31 - 1


def check_int(name: str, value, *, minimum: int = 0, maximum: int = C_INT_MAX) -> int:
    """Return ``value`` as an ``int`` in ``[minimum, maximum]``.

    Raises
    ------
    TypeError
        ``value`` is not an integer (``bool``, ``float`` and ``str`` are refused).
    ValueError
        ``value`` is outside ``[minimum, maximum]``.
    """
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, not bool")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}") from None
    if number < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {number}")
    if number > maximum:
        raise ValueError(f"{name} must be <= {maximum:,}, got {number:,}")
    return number


def check_threads(n_threads) -> int | None:
    """Validate ``n_threads``: None (all cores) or an integer >= 1."""
    if n_threads is None:
        return None
    # NOTE: 1024 threads is far beyond any machine speedlab targets; the bound
    # keeps a typo from asking OpenMP for millions of threads.
    return check_int("n_threads", n_threads, minimum=1, maximum=1024)
