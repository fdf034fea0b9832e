"""Compiled kernels (``kernels/NAME.pyx`` built as ``speedlab._native.NAME``).

Nothing here is public API: call the kernels through ``speedlab.NAME``, which
validates its input first. ``_buildinfo.json`` beside the modules records how
they were built (compiler, flags, OpenMP); ``speedlab info`` prints it.
"""
