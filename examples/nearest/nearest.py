"""nearest: the distance from each point to its nearest neighbour, by brute force.

The all-pairs O(n^2) loop of every textbook (a k-d tree is the O(n log n) answer;
this example is about how fast the simple loop can go). This is the pure-Python
twin: the ``python`` rung and, compiled untyped by ``speedlab build``, the
``compiled`` rung. ``math.dist`` is what a Python programmer would reach for.
"""

import math


def nearest(points):
    """For each of ``points`` (3-tuples of floats), the distance to the nearest other point.

    A lone point has no neighbour: its distance is ``inf``.
    """
    return [
        min((math.dist(p, q) for j, q in enumerate(points) if j != i), default=math.inf)
        for i, p in enumerate(points)
    ]
