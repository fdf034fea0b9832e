"""A progress bar on stderr for long runs: rich when it is installed and stderr is a terminal.

``rich`` is imported only when a bar is actually shown, so ``import speedlab``
(and any run whose stderr is a file or a pipe) never imports it.
"""

from __future__ import annotations

import sys


class Bar:
    """``total`` steps (kernels); ``update(message, done)`` moves to ``done`` steps.

    Use as a context manager. Without a terminal it does nothing.
    """

    def __init__(self, total: float, *, enabled: bool | None = None):
        self.total = total
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar = None
        self._task = None

    def __enter__(self) -> "Bar":
        if self.enabled:
            try:
                from rich.console import Console
                from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
            except ImportError:  # rich is a dependency, but a broken install should not stop a benchmark
                self.enabled = False
                return self
            # NOTE: transient: the bar disappears when done, so stderr keeps only
            # what matters; the tables go to stdout and are never interleaved with it.
            self._bar = Progress(TextColumn("{task.description:<32}"), BarColumn(),
                                 TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                                 console=Console(stderr=True), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task("starting", total=self.total)
        return self

    def update(self, message: str, done: float) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=message[:32], completed=done)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None
