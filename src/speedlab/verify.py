"""What ``speedlab verify`` checks, variant by variant -- and a user's scaffolded test with it.

Every variant of a kernel must reproduce the kernel's golden outputs (its
``oracles``) byte for byte once rendered, and agree with the ``python`` variant
(by the spec's ``compare``) at every one of its ``sample_sizes``. The arguments
come from ``make_input(n)``, a tuple of any length: a kernel may take one input
or several.

Golden files: a built-in kernel's live in ``speedlab/data/oracles``; a user's
kernel's beside the module of its ``api`` (the spec file), at the relative path
given in ``oracles`` (``speedlab new`` writes ``golden/NAME-1000.txt``), and
``speedlab build --wheel`` packs them with it.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from speedlab.spec import KernelSpec, Variant


def golden_path(spec: KernelSpec, filename: str):
    """The golden file ``filename`` of ``spec`` (see the module docstring)."""
    from speedlab import catalog

    if any(spec is builtin for builtin in catalog.builtin_kernels()):
        return catalog.oracle_path(filename)
    module = importlib.import_module(spec.api.partition(":")[0])
    return Path(module.__file__).resolve().parent / filename


def reference_results(spec: KernelSpec) -> dict[int, Any]:
    """``n -> python's result`` for every sample size (what the other variants must give)."""
    reference = spec.variant("python").load()
    return {n: reference(*spec.make_input(n)) for n in spec.sample_sizes}


def check_variant(spec: KernelSpec, variant: Variant, expected: dict[int, Any]) -> list[str]:
    """The problems of one variant: golden outputs it misses, sizes where it disagrees with python.

    Parameters
    ----------
    spec : KernelSpec
    variant : Variant
        Loaded here: a ``VariantUnavailable`` (an ImportError) propagates.
    expected : dict
        :func:`reference_results` of ``spec``.

    Returns
    -------
    list of str
        Empty when the variant passes; one line per problem otherwise (an exception
        the variant raises is a problem, not raised).
    """
    fn = variant.load()
    problems = []
    try:
        for n, filename in spec.oracles.items():
            try:
                golden = golden_path(spec, filename).read_bytes()
            except OSError as exc:
                problems.append(f"golden file {filename} for n={n} cannot be read ({exc.strerror or exc})")
                continue
            if spec.render(fn(*spec.make_input(n)), n) != golden:
                problems.append(f"output for n={n} differs from {filename}")
        for n, want in expected.items():
            got = fn(*spec.make_input(n))
            if not spec.compare(want, got):
                problems.append(f"n={n}: {variant.name} gave {got!r:.80}, python gave {want!r:.80}")
    except Exception as exc:  # a user's kernel may raise anything: report it, go on
        problems.append(f"raised {type(exc).__name__}: {exc}")
    return problems
