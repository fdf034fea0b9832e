"""speedlab: typed Cython kernels compiled ahead of time, each beside its pure-Python twin.

Every kernel is a public module (``speedlab.nbody`` ...) whose functions validate
their input and take ``impl=`` to pick a variant of the ladder::

    python -> compiled -> typed -> native -> parallel   (+ numpy, c beside it)

``SPEEDLAB_IMPL=auto|native|pure`` sets the default; ``speedlab.IMPLEMENTATION``
tells which one is active. Importing speedlab imports no kernel: each is loaded
on first use.

Bring your own kernel: describe it with :class:`KernelSpec` and :class:`Variant`
(with :class:`Sizes`, :func:`exact`, :func:`floats`) and add it with
:func:`register`, or declare it in the ``speedlab.kernels`` entry-point group of
your package; its public function dispatches with :func:`call` as speedlab's own do;
``speedlab new``/``build``/``verify --from`` do the rest (README.md).
"""

__version__ = "0.1.0"

#: The public modules of the built-in kernels (one per catalog entry), imported on
#: first attribute access so `import speedlab` stays light.
KERNEL_MODULES = (
    "nbody", "spectralnorm", "mandelbrot", "fannkuchredux", "binarytrees",
    "fasta", "knucleotide", "revcomp", "regexredux", "pidigits", "chacha20",
)

__all__ = [
    "IMPLEMENTATION", "KernelSpec", "Sizes", "Variant", "__version__", "call", "catalog", "exact",
    "floats", "get_include", "register", *KERNEL_MODULES,
]

# The public kernel-spec API, re-exported on first access (PEP 562) so that
# `import speedlab` stays as light as before.
_LAZY = {
    "KernelSpec": "speedlab.spec",
    "Variant": "speedlab.spec",
    "Sizes": "speedlab.spec",
    "exact": "speedlab.spec",
    "floats": "speedlab.spec",
    "register": "speedlab.catalog",
    "call": "speedlab._impl",
}


def get_include() -> str:
    """Directory of speedlab's C headers and ``.pxd`` files (``omp_shim``), for building kernels."""
    from speedlab._buildtools import INCLUDE_DIR

    return str(INCLUDE_DIR)


def __getattr__(name):
    # IMPLEMENTATION is computed on first access: it has to look for the
    # compiled modules, which `import speedlab` alone must not do.
    if name == "IMPLEMENTATION":
        from speedlab._impl import active

        return active()
    if name == "catalog" or name in KERNEL_MODULES:
        import importlib

        return importlib.import_module(f"speedlab.{name}")
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'speedlab' has no attribute {name!r}")
