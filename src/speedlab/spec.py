"""The kernel spec: what the catalog knows about one kernel.

A :class:`KernelSpec` names a computation, lists its implementations (the
:class:`Variant` objects, imported lazily so an unbuilt extension is reported
rather than raised at import time), says how to build deterministic inputs for a
size ``n``, how big ``n`` is for tests and benchmarks, what one unit of work is,
how to compare two results, how to print the program's output and which canonical
outputs it must reproduce. The command line, the tests, ``verify`` and ``bench``
are functions of these specs and nothing else.
"""

from __future__ import annotations

import importlib
import math
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

#: The rungs of the ladder, in order. Each isolates one idea (see README.md).
RUNGS = ("python", "compiled", "typed", "native", "parallel")
#: Side references: beside the ladder, never on it.
REFERENCES = ("numpy", "c")
#: What the step onto each rung isolates, for reports.
RUNG_MEANING = {
    "compiled": "native compilation",
    "typed": "static types",
    "native": "memory discipline",
    "parallel": "threads without the GIL",
}

REBUILD_HINT = (
    "rebuild speedlab with a C compiler available: `pip install .` "
    "(or `pip install -e .` in a development checkout)"
)


class VariantUnavailable(ImportError):
    """A variant's module is not built or not installed (for instance a missing extension)."""


@dataclass(frozen=True)
class Variant:
    """One implementation of a kernel.

    Parameters
    ----------
    name : str
        ``python``, ``compiled``, ``typed``, ``native``, ``parallel`` (the rungs),
        ``numpy`` or ``c`` (references), or any other name for a labelled extra.
    target : str
        ``"module:attribute"`` of the callable; imported on first use.
    note : str
        One line shown by ``speedlab list``; extras must say what they do differently.
    threads : bool
        The callable takes an ``n_threads`` keyword.
    max_n : int or None
        The largest ``n`` a benchmark gives this variant; larger runs are
        normalised by the unit of work (and marked so).
    optional : bool
        The variant may legitimately be absent (a peer package, an optional library).
    peer : bool
        Another project's implementation (Numba, cryptography...), detected at
        run time and never a dependency.
    """

    name: str
    target: str
    note: str = ""
    threads: bool = False
    max_n: int | None = None
    optional: bool = False
    peer: bool = False

    @property
    def kind(self) -> str:
        """``rung``, ``reference``, ``peer`` or ``extra``."""
        if self.peer:
            return "peer"
        if self.name in RUNGS:
            return "rung"
        if self.name in REFERENCES:
            return "reference"
        return "extra"

    @property
    def module(self) -> str:
        return self.target.partition(":")[0]

    @property
    def compiled(self) -> bool:
        """True when the variant runs code built by speedlab's compiler step."""
        return self.module.startswith(("speedlab._native.", "speedlab._compiled."))

    def load(self) -> Callable[..., Any]:
        """Import and return the callable.

        Raises
        ------
        VariantUnavailable
            The module cannot be imported; the message says how to rebuild.
        """
        module_name, _, attr = self.target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            hint = REBUILD_HINT if self.compiled else "install the package that provides it"
            raise VariantUnavailable(f"{module_name} is not available ({exc}); {hint}") from exc
        return getattr(module, attr)

    def available(self) -> bool:
        try:
            self.load()
        except VariantUnavailable:
            return False
        return True


@dataclass(frozen=True)
class Sizes:
    """Sizes ``n`` for one kernel: golden test, quick bench, full bench, headline."""

    test: int
    quick: int
    full: int
    headline: int | None = None


def exact(expected: Any, actual: Any) -> bool:
    """Results agree when they are equal (the rule for integers, bytes and text)."""
    return expected == actual


def floats(abs_tol: float) -> Callable[[Any, Any], bool]:
    """Results agree when every float is within ``abs_tol`` of its twin (tuples compared item by item)."""

    def compare(expected: Any, actual: Any) -> bool:
        if isinstance(expected, (tuple, list)):
            return (
                isinstance(actual, (tuple, list))
                and len(expected) == len(actual)
                and all(compare(e, a) for e, a in zip(expected, actual))
            )
        return math.isclose(float(expected), float(actual), rel_tol=0.0, abs_tol=abs_tol)

    compare.__doc__ = f"floats within {abs_tol:g}"
    return compare


@dataclass(frozen=True)
class KernelSpec:
    """Everything speedlab knows about one kernel. See the module docstring.

    Parameters
    ----------
    name, summary : str
        The kernel's one name (module, catalog key, CLI) and a one-line summary.
    api : str
        ``"module:function"`` of the public, validating function; it takes the
        arguments built by ``make_input`` plus ``impl=`` (and ``n_threads=``).
    variants : tuple of Variant
    make_input : callable
        ``make_input(n) -> tuple`` of positional arguments, deterministic in ``n``.
    sizes : Sizes
    unit : str
        The unit of work (``step``, ``pixel``...); ``work(n)`` counts them.
    work : callable
    render : callable
        ``render(result, n) -> bytes``: exactly what the program prints.
    compare : callable
        ``compare(expected, actual) -> bool``; :func:`exact` or :func:`floats`.
    oracles : mapping
        ``n -> file name`` of canonical outputs in ``speedlab/data/oracles``.
    sample_sizes : tuple of int
        Extra sizes the differential tests run every variant at.
    reads_fasta : bool
        ``n`` means "the output of fasta n"; the CLI accepts ``--input``.
    random_input : callable, optional
        ``random_input(rng) -> tuple`` of random *valid* arguments drawn from a
        ``random.Random`` (the property-based tests drive it); by default
        ``make_input`` of a random size up to ``sizes.test``.
    bad_inputs : tuple
        ``(args, exception type)`` pairs: calls of ``api`` that must be refused
        before any native code runs (the tests try each with every variant).
    no_parallel : str
        Why the kernel has no ``parallel`` rung (shown by ``speedlab list``).
    why_small : str
        Why the ladder gains little, for kernels whose Python already runs in C.
    """

    name: str
    summary: str
    api: str
    variants: tuple[Variant, ...]
    make_input: Callable[[int], tuple]
    sizes: Sizes
    unit: str
    work: Callable[[int], float]
    render: Callable[[Any, int], bytes]
    compare: Callable[[Any, Any], bool] = exact
    oracles: Mapping[int, str] = field(default_factory=dict)
    sample_sizes: tuple[int, ...] = ()
    reads_fasta: bool = False
    random_input: Callable[[random.Random], tuple] | None = None
    bad_inputs: tuple[tuple[tuple, type[Exception]], ...] = ()
    no_parallel: str = ""
    why_small: str = ""

    def __post_init__(self):
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"kernel {self.name!r}: duplicate variant names in {names}")
        if "python" not in names:
            raise ValueError(f"kernel {self.name!r}: every kernel needs a 'python' variant")
        if "parallel" not in names and not self.no_parallel:
            raise ValueError(f"kernel {self.name!r}: no 'parallel' variant and no no_parallel reason")

    def variant(self, name: str) -> Variant:
        """The variant called ``name``; ValueError listing the valid names otherwise."""
        for v in self.variants:
            if v.name == name:
                return v
        valid = ", ".join(v.name for v in self.variants)
        raise ValueError(f"kernel {self.name!r} has no variant {name!r}; valid: {valid}")

    def random_args(self, rng: random.Random) -> tuple:
        """Random valid arguments for the variants (see ``random_input``)."""
        if self.random_input is not None:
            return self.random_input(rng)
        return self.make_input(rng.randint(0, self.sizes.test))

    @property
    def variant_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variants)

    def public_function(self) -> Callable[..., Any]:
        module_name, _, attr = self.api.partition(":")
        return getattr(importlib.import_module(module_name), attr)
