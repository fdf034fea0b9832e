"""Fannkuch-redux: pancake flips over every permutation of 1..n, in a fixed order.

The pure-Python twin: the ``python`` rung of the ladder, and, compiled by Cython
with no type declarations, the ``compiled`` rung (``speedlab._compiled.fannkuchredux``).

Algorithm from the Computer Language Benchmarks Game ``fannkuch-redux`` task
(Anderson and Rettig's FANNKUCH): for each permutation, flip (reverse) the first
``k`` elements, where ``k`` is the first element, until the first element is 1;
count the flips. The result is the checksum -- flips added for permutations of
even index and subtracted for odd ones -- and the largest flip count.

The order of the permutations is part of the task (it fixes the checksum's signs):
permutation ``i + 1`` comes from permutation ``i`` by rotating the first two
elements left; whenever a counter says the first ``r`` elements have been through
all their rotations, the first ``r + 1`` rotate left too (an odometer with digits
``count[r]`` in ``0..r``). The same order is reached directly from an index by
reading the index in factorial base (:func:`nth_permutation`), which is how the
``parallel`` rung splits the work.

Permutations here hold 0..n-1; the task's 1..n is the same with every value
shifted by one (the first element is 1 exactly when it is 0 here).
"""

from __future__ import annotations

from math import factorial


def permutations(n):
    """Yield every permutation of ``range(n)`` in the task's order.

    The same list is yielded each time, rearranged in place: copy it to keep it.
    """
    perm = list(range(n))
    count = [0] * n  # count[r]: how many times the first r + 1 have rotated
    yield perm
    r = 1
    while r < n:
        # Rotate the first r + 1 elements left by one, in place.
        perm.insert(r, perm.pop(0))
        count[r] += 1
        if count[r] <= r:
            yield perm
            r = 1
        else:
            # This digit has been through all r + 1 rotations (which restored
            # the prefix); reset it and carry into the next one.
            count[r] = 0
            r += 1


def nth_permutation(index, n):
    """The permutation at position ``index`` (0-based) of :func:`permutations`.

    The index, read in factorial base, gives the odometer's digits: digit ``r``
    (weight ``r!``) is how many times the first ``r + 1`` elements have rotated.
    """
    perm = list(range(n))
    for r in range(n - 1, 0, -1):
        turns, index = divmod(index, factorial(r))
        perm[: r + 1] = perm[turns : r + 1] + perm[:turns]
    return perm


def checksum_maxflips(n):
    """Checksum and maximum flip count over all permutations of 1..``n``, as ``(checksum, max_flips)``.

    One loop does it all: count the flips of the current permutation (each flip
    reverses the prefix of a copy in place, one slice assignment), then step
    the odometer of :func:`permutations` to the next one. The rotation is one
    ``pop(0)`` and one ``insert``: rebuilding the prefix from slices,
    ``perm[:r + 1] = perm[1:r + 1] + perm[:1]``, makes three lists per
    permutation, and took, with a generator and a flip-counting function
    called per permutation, 1.3x the CPU time of the plain-Python reference at
    n = 10 (``python benchmarks/baselines.py fannkuchredux``); the generator
    and the call alone cost about 8% (the natural ``for perm in
    permutations(n): flips = count_flips(perm)``).
    """
    perm = list(range(n))
    count = [0] * n  # the odometer of permutations()
    checksum = max_flips = 0
    sign = 1  # + for permutations of even index, - for odd ones
    while True:
        first = perm[0]
        if first:
            flipped = perm[:]
            flips = 0
            while first:
                flipped[: first + 1] = flipped[first::-1]
                flips += 1
                first = flipped[0]
            checksum += sign * flips
            if flips > max_flips:
                max_flips = flips
        sign = -sign
        # The next permutation, as permutations() steps to it.
        r = 1
        while r < n:
            perm.insert(r, perm.pop(0))
            count[r] += 1
            if count[r] <= r:
                break
            count[r] = 0
            r += 1
        else:
            return checksum, max_flips


def count_flips(perm):
    """Number of prefix reversals until the first element is 0 (``perm`` is not changed)."""
    first = perm[0]
    if first == 0:
        return 0
    perm = perm[:]
    flips = 0
    while first:
        perm[: first + 1] = perm[first::-1]
        flips += 1
        first = perm[0]
    return flips


def block(n, first, last):
    """Checksum and maximum flips over the permutations at positions ``first..last - 1`` only.

    The block starts from :func:`nth_permutation` of ``first`` with the odometer's
    digits read from the same index, then steps as :func:`permutations` does; each
    permutation is signed by its own index, so blocks add up to the whole checksum.
    """
    perm = nth_permutation(first, n)
    count = [0] * n
    for r in range(1, n):
        count[r] = first // factorial(r) % (r + 1)
    checksum = max_flips = 0
    for index in range(first, last):
        flips = count_flips(perm)
        checksum += -flips if index & 1 else flips
        max_flips = max(max_flips, flips)
        r = 1
        while r < n:
            perm.insert(r, perm.pop(0))
            count[r] += 1
            if count[r] <= r:
                break
            count[r] = 0
            r += 1
    return checksum, max_flips
