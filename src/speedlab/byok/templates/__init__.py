"""The files ``speedlab new NAME`` writes: every ``mykernel`` (in names and text) becomes NAME.

They are complete, working files (a byte histogram on every rung) so the scaffold
builds, verifies and benches before the user has changed a line; the tests run
them through ``speedlab new`` rather than importing them from here.
"""
