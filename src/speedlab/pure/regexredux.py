"""regex-redux: match and replace DNA 8-mers and IUB codes with regular expressions.

The pure-Python twin of the Benchmarks Game ``regexredux`` program (the ``python``
rung; compiled untyped it is the ``compiled`` rung). Its input is the output of
``fasta``:

1. remove the header lines and the newlines (``>.*\\n|\\n``);
2. count the matches of nine variant patterns of ``agggtaaa|tttaccct``;
3. apply five replacements in sequence (IUB codes to ``<n>`` groups, then those
   groups to ``|`` and ``-``);
4. report the input length, the cleaned length and the final length.

Almost all of the time is spent inside ``re``, which CPython implements in C:
this twin is already mostly native code, so the ladder above it gains little.
"""

from __future__ import annotations

import re

#: Header lines and newlines: removed before anything is counted.
CLEAN = rb">.*\n|\n"

#: The nine patterns, in the program's order; each line of output is "pattern count".
VARIANTS = (
    rb"agggtaaa|tttaccct",
    rb"[cgt]gggtaaa|tttaccc[acg]",
    rb"a[act]ggtaaa|tttacc[agt]t",
    rb"ag[act]gtaaa|tttac[agt]ct",
    rb"agg[act]taaa|ttta[agt]cct",
    rb"aggg[acg]aaa|ttt[cgt]ccct",
    rb"agggt[cgt]aa|tt[acg]accct",
    rb"agggta[cgt]a|t[acg]taccct",
    rb"agggtaa[cgt]|[acg]ttaccct",
)

#: The five replacements, applied one after the other.
SUBSTITUTIONS = (
    (rb"tHa[Nt]", b"<4>"),
    (rb"aND|caN|Ha[DS]|WaS", b"<3>"),
    (rb"a[NSt]|BY", b"<2>"),
    (rb"<[^>]*>", b"|"),
    (rb"\|[^|][^|]*\|", b"-"),
)


def analyse(fasta):
    """Counts of the nine patterns and the three lengths, for the FASTA text ``fasta`` (bytes).

    Returns ``(counts, input_length, clean_length, final_length)`` where
    ``counts`` is a tuple of nine ints in the order of :data:`VARIANTS`.
    """
    sequence = re.sub(CLEAN, b"", fasta)
    counts = tuple(len(re.findall(pattern, sequence)) for pattern in VARIANTS)
    result = sequence
    for pattern, replacement in SUBSTITUTIONS:
        result = re.sub(pattern, replacement, result)
    return counts, len(fasta), len(sequence), len(result)
