"""NumPy versions of the kernels: what a Python user would write instead of compiling.

A side reference, not a rung of the ladder. Imported only when asked for.
"""
