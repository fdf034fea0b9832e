"""Pure-Python twins of every kernel: the ``python`` rung, the baseline of every ratio.

Plain, idiomatic Python with no NumPy and no Cython. Each module is also compiled
by Cython, untouched and untyped, into ``speedlab._compiled.NAME`` (the ``compiled`` rung).
"""
