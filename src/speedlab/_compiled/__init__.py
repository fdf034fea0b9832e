"""The pure twins compiled by Cython with no type declarations: the ``compiled`` rung.

``speedlab._compiled.NAME`` is ``speedlab/pure/NAME.py`` run through Cython as it is.
"""
