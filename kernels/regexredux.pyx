"""regex-redux on the typed and native rungs.

Compiled to ``speedlab._native.regexredux``. Both functions return what the pure
twin (``speedlab/pure/regexredux.py``) returns, and both still call ``re`` for the
nine counts and the five replacements: the program *is* a regular-expression
benchmark, and CPython's ``re`` engine is already C. That is why this ladder is
flat (~1x), and the honest result:

* ``analyse_typed``  -- the ``typed`` rung: C integers for the counts and lengths,
  the same ``re`` calls. Static typing has nothing to unbox here: the work is
  inside ``re``.
* ``analyse_native`` -- the ``native`` rung: the first step (remove header lines
  and newlines) is a single pass of C over raw bytes with ``memchr``, without the
  GIL, instead of a regex substitution; the counts and replacements stay in
  ``re``, which holds the GIL and allocates its own objects. Memory discipline
  can only speed up the part it owns: a few per cent of the run.

There is no ``parallel`` rung: CPython's ``re`` holds the GIL while it matches,
so the nine counts cannot run on threads at once; that needs a GIL-free regex
engine (PCRE2), an optional library speedlab does not require. There is no ``c``
rung either: plain C has no regular expressions, so a C version would be a
different program (or PCRE2's).
"""

import re

cimport cython
from cpython.exc cimport PyErr_CheckSignals
from libc.stdlib cimport free, malloc
from libc.string cimport memchr, memcpy

from speedlab.pure.regexredux import SUBSTITUTIONS, VARIANTS

# Compiled once, at import: the pure twin relies on re's own cache instead.
_VARIANTS = tuple(re.compile(p) for p in VARIANTS)
_SUBSTITUTIONS = tuple((re.compile(p), r) for p, r in SUBSTITUTIONS)
_CLEAN = re.compile(rb">.*\n|\n")


# -- typed rung: C integers, the same re calls --------------------------------

@cython.boundscheck(True)
@cython.wraparound(True)
@cython.cdivision(False)
def analyse_typed(bytes fasta):
    """Counts and lengths for the FASTA text ``fasta``: the ``typed`` rung."""
    cdef Py_ssize_t input_length = len(fasta), clean_length, final_length
    cdef bytes sequence = _CLEAN.sub(b"", fasta)
    cdef bytes result
    clean_length = len(sequence)
    counts = tuple([len(pattern.findall(sequence)) for pattern in _VARIANTS])
    result = sequence
    for pattern, replacement in _SUBSTITUTIONS:
        result = pattern.sub(replacement, result)
    final_length = len(result)
    return counts, input_length, clean_length, final_length


# -- native rung: header and newline removal in C, without the GIL ------------

cdef Py_ssize_t strip_fasta(const unsigned char *src, Py_ssize_t n, unsigned char *dst) noexcept nogil:
    """Copy ``src`` to ``dst`` without ``>...\\n`` spans and newlines; return the length written.

    Exactly ``re.sub(rb">.*\\n|\\n", b"", src)``: a ``>`` starts a span that ends
    after the next newline; a ``>`` with no newline after it is kept, with the
    rest of the text.
    """
    cdef Py_ssize_t i = 0, out = 0, run
    cdef const unsigned char *hit
    while i < n:
        if src[i] == b">":
            hit = <const unsigned char *>memchr(src + i, b"\n", n - i)
            if hit == NULL:  # no newline: `>.*\n` cannot match, keep the rest
                memcpy(dst + out, src + i, n - i)
                return out + (n - i)
            i = hit - src + 1
            continue
        # copy a run of sequence bytes up to the next newline or '>'
        run = i
        while run < n and src[run] != b"\n" and src[run] != b">":
            run += 1
        memcpy(dst + out, src + i, run - i)
        out += run - i
        i = run
        if i < n and src[i] == b"\n":
            i += 1
    return out


def analyse_native(const unsigned char[::1] fasta):
    """Counts and lengths for the FASTA text ``fasta``: the ``native`` rung."""
    cdef Py_ssize_t n = fasta.shape[0], clean_length
    cdef unsigned char *buffer = <unsigned char *>malloc(n if n > 0 else 1)
    if buffer == NULL:
        raise MemoryError(f"cannot allocate {n:,} bytes for the cleaned sequence")
    try:
        with nogil:
            clean_length = strip_fasta(&fasta[0] if n > 0 else NULL, n, buffer)
        sequence = buffer[:clean_length]
    finally:
        free(buffer)
    PyErr_CheckSignals()
    counts = tuple([len(pattern.findall(sequence)) for pattern in _VARIANTS])
    result = sequence
    for pattern, replacement in _SUBSTITUTIONS:
        result = pattern.sub(replacement, result)
    return counts, n, clean_length, len(result)
