"""The kernel spec: what the catalog knows about one kernel -- speedlab's public kernel API.

:class:`KernelSpec`, :class:`Variant`, :class:`Sizes`, :func:`exact` and
:func:`floats` are public (re-exported as ``speedlab.KernelSpec`` ...): a user
describes a kernel of their own with them and adds it with ``speedlab.register``
or the ``speedlab.kernels`` entry-point group, exactly as speedlab's built-in
kernels are described and added (see :mod:`speedlab.catalog`, :mod:`speedlab.byok`).

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
RUNGS = ("python", "compiled", "typed", "native", "simd", "parallel")
#: Side references: beside the ladder, never on it.
REFERENCES = ("numpy", "c", "rust")
#: What the step onto each rung isolates, for reports.
RUNG_MEANING = {
    "compiled": "native compilation",
    "typed": "static types",
    "native": "memory discipline",
    "simd": "vector instructions",
    "parallel": "threads without the GIL",
}

REBUILD_HINT = (
    "rebuild speedlab with a C compiler available: `pip install .` "
    "(or `pip install -e .` in a development checkout)"
)

USER_BUILD_HINT = "compile it with `speedlab build DIR` (DIR: the directory of the kernel's spec file)"

#: Where ``speedlab build`` puts a user's extension modules, by ``Variant.build``:
#: ``NAME.py`` becomes ``_speedlab_compiled.NAME`` and ``_speedlab_native.NAME``.
#: NOTE: two namespace packages, mirroring speedlab._compiled/_native, so the
#: ``python`` rung (the source imported as ``NAME``) and its compiled build can be
#: loaded side by side in one process.
BUILD_PACKAGES = {"compiled": "_speedlab_compiled", "native": "_speedlab_native"}


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
    feature : str or None
        An optional part of the build the variant needs (``"pcre2"``, ``"gmp"``,
        ``"rust"``: see ``speedlab._buildtools.FEATURES``). Such a variant is
        optional: when it is not built, ``list``/``info`` give the reason from the
        build record and the package to install, and the tests skip it unless
        ``SPEEDLAB_REQUIRE_<FEATURE>=1`` makes it mandatory.
    base : str or None
        The variant this rung is built on when that is not simply the rung
        before it: binarytrees' ``parallel`` runs the ``pool`` extra's trees on
        threads, so its step is measured from ``pool``. A rung that needs a
        ``feature`` stands on the variant named after it without saying so
        (regexredux's ``parallel`` on ``pcre2``).
    build : str or None
        For kernels brought by a user (see ``speedlab.byok``): ``"compiled"`` or
        ``"native"`` means ``target`` names a module *source* (``NAME.py`` or
        ``NAME.pyx`` beside the spec file) that ``speedlab build`` compiles;
        ``"compiled"`` with Cython's defaults (the ``compiled`` rung),
        ``"native"`` with the kernel directives and OpenMP (``typed``, ``native``,
        ``parallel``). The variant then imports the built extension, never the source.
    """

    name: str
    target: str
    note: str = ""
    threads: bool = False
    max_n: int | None = None
    optional: bool = False
    peer: bool = False
    feature: str | None = None
    base: str | None = None
    build: str | None = None

    def __post_init__(self):
        if self.feature is not None:
            from speedlab._buildtools import FEATURES

            if self.feature not in FEATURES:
                raise ValueError(f"variant {self.name!r}: feature must be one of "
                                 f"{', '.join(FEATURES)}, got {self.feature!r}")
            object.__setattr__(self, "optional", True)  # frozen dataclass: set once, here
        if self.build is not None and self.build not in BUILD_PACKAGES:
            raise ValueError(
                f"variant {self.name!r}: build must be one of {', '.join(BUILD_PACKAGES)} or None, "
                f"got {self.build!r}"
            )

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
    def source_module(self) -> str:
        """The module named in ``target`` (for a ``build`` variant, the source it is built from)."""
        return self.target.partition(":")[0]

    @property
    def module(self) -> str:
        """The module imported by :meth:`load`.

        For a ``build`` variant, the built extension in the build package beside its
        source: ``NAME`` -> ``_speedlab_native.NAME`` (a kernel directory), and
        ``PKG.NAME`` -> ``PKG._speedlab_native.NAME`` (the same kernel installed from
        its wheel, inside the package ``PKG``).
        """
        if self.build is not None:
            package, _, name = self.source_module.rpartition(".")
            return ".".join(part for part in (package, BUILD_PACKAGES[self.build], name) if part)
        return self.source_module

    @property
    def compiled(self) -> bool:
        """True when the variant runs code built by speedlab's compiler step."""
        return self.build is not None or self.module.startswith(("speedlab._native.", "speedlab._compiled."))

    def load(self) -> Callable[..., Any]:
        """Import and return the callable.

        Raises
        ------
        VariantUnavailable
            The module cannot be imported; the message says how to rebuild.
        """
        module_name, colon, attr = self.module, *self.target.partition(":")[1:]
        if not colon or not attr or not self.source_module:
            raise VariantUnavailable(f"variant {self.name!r}: target {self.target!r} is not "
                                     "'module:function'; fix it in the spec")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            if self.build is not None:
                hint = USER_BUILD_HINT
            elif self.compiled:
                hint = REBUILD_HINT
            else:
                hint = "install the package that provides it"
            raise VariantUnavailable(f"{module_name} is not available ({exc}); {hint}") from exc
        try:
            return getattr(module, attr)
        except AttributeError as exc:
            if self.feature is not None:
                # A module built without an optional part leaves its entry point out.
                raise VariantUnavailable(f"{module_name} was built without {self.feature}") from exc
            # NOTE: an ImportError, as `from module import name` raises: a typo in a
            # spec's target is a variant that cannot be loaded, reported per variant.
            raise VariantUnavailable(f"{module_name} has no {attr!r}: check the target "
                                     f"{self.target!r} of variant {self.name!r} in the spec") from None

    def available(self) -> bool:
        try:
            self.load()
        except VariantUnavailable:
            return False
        return True

    def missing_reason(self) -> str | None:
        """Why the variant cannot be loaded (None when it can): the build's reason for a feature."""
        try:
            self.load()
        except VariantUnavailable as exc:
            if self.feature is None:
                return str(exc)
            from speedlab._buildtools import missing_feature_message
            from speedlab.bench.environment import build_info

            record = ((build_info() or {}).get("features") or {}).get(self.feature) or {}
            reason = record.get("reason") or "the build found no record of it"
            return missing_feature_message(self.feature, reason)
        return None


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
        ``n -> file name`` of golden outputs (``render(result, n)`` exactly):
        in ``speedlab/data/oracles`` for speedlab's kernels; for a user's kernel,
        a path relative to the module of ``api`` (``golden/NAME-1000.txt`` beside
        the spec file, see :mod:`speedlab.verify`).
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
    split : callable, optional
        ``split(args, parts) -> list`` of part-args: the kernel's arguments
        (as ``make_input`` builds them) cut into ``parts`` independent pieces.
        It validates ``args`` as the public function does, and refuses a
        ``parts`` the input cannot give with :class:`speedlab.parts.TooManyParts`
        (a ValueError); see :func:`speedlab.parts.check_parts`.
    combine : callable, optional
        ``combine(part_results, args) -> result``: the result one call of the
        kernel returns, from the parts' results (in split order). It may return
        :class:`Round` instead: another map over new part-args, for kernels whose
        split is a sequence of rounds (spectralnorm's power method).
    part : str
        ``"module:function"`` each part-args tuple is passed to (with ``impl=``);
        empty means ``api``, the kernel itself. A part function other than
        ``api`` lists the variants it offers in its ``impls`` attribute.
        ``speedlab verify`` checks that ``combine(map(part, split(x, P)))``
        equals the kernel's result by ``compare`` for several ``P``.
    no_split : str
        Why the kernel does not split (shown by ``speedlab list``).
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
    split: Callable[[tuple, int], list] | None = None
    combine: Callable[[list, Any], Any] | None = None
    part: str = ""
    no_split: str = ""

    def __post_init__(self):
        if (self.split is None) != (self.combine is None):
            raise ValueError(f"kernel {self.name!r}: split and combine go together (one is missing)")
        if self.split is None and self.part:
            raise ValueError(f"kernel {self.name!r}: part is given but there is no split")
        if self.split is not None and self.no_split:
            raise ValueError(f"kernel {self.name!r}: it has a split and a no_split reason; keep one")
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

    def part_function(self) -> Callable[..., Any]:
        """The function a part of a split runs: ``part``, or the kernel itself (``api``)."""
        module_name, _, attr = (self.part or self.api).partition(":")
        return getattr(importlib.import_module(module_name), attr)


@dataclass(frozen=True)
class Round:
    """Returned by a kernel's ``combine`` when its split takes another round.

    The runner maps the part function over ``parts`` (part-args, as ``split``
    returns them), then calls ``combine(their results, args)`` again, where
    ``args`` is whatever this round carries forward (the power method's vector,
    the round number...). A plain result ends the rounds.
    """

    parts: list
    args: Any


def size_input(n: int) -> tuple:
    """``make_input`` of a kernel whose only argument is the size ``n`` itself."""
    return (n,)


def bad_sizes(limit, *extra):
    """Calls a kernel whose argument is a size up to ``limit`` must refuse.

    Negative, one past the limit, far past any C integer, and the wrong types
    (a numeric string, a whole float, a bool, None); ``extra`` adds the kernel's own.
    """
    return extra + (
        ((-1,), ValueError),
        ((limit + 1,), ValueError),
        ((2**64,), ValueError),
        (("10",), TypeError),
        ((10.0,), TypeError),
        ((True,), TypeError),
        ((None,), TypeError),
    )
