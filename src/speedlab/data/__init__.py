"""Data shipped with speedlab: the canonical outputs ``speedlab verify`` checks against."""
