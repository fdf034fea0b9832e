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


def check_bytes(name: str, data, *, writable: bool = False) -> memoryview:
    """Return ``data`` as a flat, C-contiguous memoryview of unsigned bytes.

    Accepts ``bytes``, ``bytearray``, ``memoryview``, ``array('B')``, a NumPy
    ``uint8``/``int8`` array -- anything exposing a C-contiguous buffer of
    one-byte items.

    Raises
    ------
    TypeError
        ``data`` is a ``str`` (encode it first) or exposes no buffer.
    ValueError
        The buffer is not C-contiguous, its items are not single bytes, or
        ``writable`` is asked for and the buffer is read-only.
    """
    if isinstance(data, str):
        raise TypeError(f"{name} must be bytes or a bytes-like buffer, not str (encode it first)")
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(f"{name} must be bytes or a bytes-like buffer, not {type(data).__name__}") from None
    if not view.c_contiguous:
        raise ValueError(f"{name} must be a C-contiguous buffer (got a strided view); copy it first")
    if view.itemsize != 1:
        raise ValueError(f"{name} must be a buffer of single bytes, got items of {view.itemsize} bytes "
                         f"(format {view.format!r})")
    if writable and view.readonly:
        raise ValueError(f"{name} must be a writable buffer (bytearray, writable memoryview or "
                         f"array), got a read-only {type(data).__name__}")
    return view.cast("B") if view.format != "B" or view.ndim != 1 else view


def check_fasta(name: str, data, *, writable: bool = False) -> memoryview:
    """:func:`check_bytes`, then check that the text is FASTA: it starts with a ``>`` header.

    Raises
    ------
    TypeError, ValueError
        As :func:`check_bytes`; ValueError also for empty input or text that
        does not start with a ``>`` header line.
    """
    view = check_bytes(name, data, writable=writable)
    if len(view) == 0:
        raise ValueError(f"{name} is empty: expected FASTA text (records starting with a '>' header line)")
    if view[0] != ord(">"):
        start = bytes(view[:20])
        raise ValueError(f"{name} is not FASTA: it must start with a '>' header line, got {start!r}")
    return view
