"""Benchmarks: timing (``timing``), the machine's description (``environment``), tables (``report``)."""
