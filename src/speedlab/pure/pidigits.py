"""pidigits: the digits of pi from Gibbons' unbounded spigot.

The pure-Python twin of the Benchmarks Game ``pidigits`` program (the ``python``
rung; compiled untyped it is the ``compiled`` rung). The algorithm is Jeremy
Gibbons' streaming spigot ("Unbounded Spigot Algorithms for the Digits of Pi",
American Mathematical Monthly, 2006) in the form the Benchmarks Game prescribes:
a linear fractional transformation held in three big integers ``acc``, ``den``,
``num``; each term ``k`` folds in ``(k, 4k + 2, 0, 2k + 1)``; a digit is safe when
``floor((3 num + acc) / den)`` and ``floor((4 num + acc) / den)`` agree
("extract 3 and 4"), and is then removed from the state.

Its work is big-integer arithmetic, which CPython does in C: the ladder above
this twin can only remove the interpreter around those calls.
"""

from __future__ import annotations


def extract(nth, acc, den, num):
    """The digit the state would give at ``x = nth``: floor((nth * num + acc) / den)."""
    return (num * nth + acc) // den


def digits(n):
    """The first ``n`` decimal digits of pi, ``"314159..."``, as a str."""
    acc, den, num = 0, 1, 1
    out = []
    k = 0
    while len(out) < n:
        k += 1
        k2 = 2 * k + 1
        acc = (acc + 2 * num) * k2
        den *= k2
        num *= k
        if num > acc:
            continue
        digit = extract(3, acc, den, num)
        if digit != extract(4, acc, den, num):
            continue
        out.append(digit)
        acc = (acc - den * digit) * 10
        num *= 10
    return "".join(map(str, out))
