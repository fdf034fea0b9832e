"""speedlab: typed Cython kernels compiled ahead of time, each beside its pure-Python twin.

Every kernel is a public module (``speedlab.nbody`` ...) whose functions validate
their input and take ``impl=`` to pick a variant of the ladder::

    python -> compiled -> typed -> native -> parallel   (+ numpy, c beside it)

``SPEEDLAB_IMPL=auto|native|pure`` sets the default; ``speedlab.IMPLEMENTATION``
tells which one is active. Importing speedlab imports no kernel: each is loaded
on first use.
"""

__version__ = "0.1.0"

__all__ = ["IMPLEMENTATION", "__version__", "catalog", "fasta", "get_include", "knucleotide", "nbody",
           "revcomp"]


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
    if name in {"catalog", "fasta", "knucleotide", "nbody", "revcomp"}:
        import importlib

        return importlib.import_module(f"speedlab.{name}")
    raise AttributeError(f"module 'speedlab' has no attribute {name!r}")
