"""Peers: other projects' answers to the same kernels, detected at run time.

Each module here imports its peer package (Numba, cryptography...) at import
time, so an absent peer makes the catalog variant unavailable
(``speedlab.spec.VariantUnavailable``) instead of breaking anything. None of
them is a dependency of speedlab: ``pip install 'speedlab[peers]'`` adds them.
"""
