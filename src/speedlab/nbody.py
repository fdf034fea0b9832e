"""N-body: energies of the Sun and four gas giants before and after a simulation.

The Computer Language Benchmarks Game ``nbody`` program: a symplectic Euler
integration with dt = 0.01 years. It is the ladder's clearest numeric case: the
pure twin spends its time boxing floats in lists; ``typed`` unboxes the
arithmetic; ``native`` keeps five bodies in a C struct array with no Python object
in the loop and matches hand-written C. There is no ``parallel`` rung (five
mutually dependent bodies do not divide across threads).

>>> from speedlab import nbody
>>> "%.9f %.9f" % nbody.energies(1000)
'-0.169075164 -0.169087605'
"""

from __future__ import annotations

from speedlab._impl import choose
from speedlab._validate import C_INT_MAX, check_int


def energies(steps, *, impl=None):
    """Energy of the system before and after ``steps`` steps.

    Parameters
    ----------
    steps : int
        Number of steps of 0.01 years, 0 <= steps <= 2**31 - 1.
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``, ``numpy``,
        ``c``); None follows ``SPEEDLAB_IMPL`` (native when built).

    Returns
    -------
    tuple of float
        ``(before, after)``; the program prints each with ``%.9f``.

    Raises
    ------
    TypeError
        ``steps`` is not an integer, or ``impl`` is not a string.
    ValueError
        ``steps`` is negative or larger than a C int, or ``impl`` is unknown.
    ImportError
        The requested compiled variant is not built.
    """
    steps = check_int("steps", steps, minimum=0, maximum=C_INT_MAX)
    return choose("nbody", impl)(steps)


def render(result, n):
    """The program's output for ``result = energies(n)``: two ``%.9f`` lines."""
    before, after = result
    return b"%.9f\n%.9f\n" % (before, after)
