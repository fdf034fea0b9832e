"""Other projects' implementations, benchmarked beside the ladder as peers.

Each module imports its package at the top, so a missing package makes the
variant unavailable (reported, never raised at speedlab's import time). None of
these packages is a speedlab dependency.
"""
