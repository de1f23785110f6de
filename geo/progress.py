"""Progress output: log lines with elapsed time, or a bar on a terminal.

Library functions take ``progress``, any callable taking a message; the command line
passes a :class:`Reporter`. ``None`` means silence.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")
ProgressFn = Callable[[str], None]


class Reporter:
    """Prints progress to ``stream``: bars on a terminal, plain lines otherwise.

    Parameters
    ----------
    verbosity
        0 quiet (errors and the final summary only), 1 normal, 2 verbose.
    """

    def __init__(self, verbosity: int = 1, stream: TextIO | None = None) -> None:
        self.verbosity = verbosity
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.perf_counter()
        self.is_tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, message: str) -> None:
        if self.verbosity >= 1:
            elapsed = time.perf_counter() - self.start
            print(f"[{elapsed:7.1f}s] {message}", file=self.stream, flush=True)

    def debug(self, message: str) -> None:
        if self.verbosity >= 2:
            self(message)

    def iterate(self, items: Iterable[T], total: int, desc: str) -> Iterator[T]:
        """Yield ``items``, showing a bar on a terminal or a line every 10 %."""
        if self.verbosity < 1:
            yield from items
            return
        if self.is_tty:
            from tqdm import tqdm

            yield from tqdm(items, total=total, desc=desc, file=self.stream, leave=False)
            return
        step = max(1, total // 10)
        self(f"{desc}: 0/{total}")
        for i, item in enumerate(items, start=1):
            yield item
            if i % step == 0 or i == total:
                self(f"{desc}: {i}/{total}")


def iterate(progress: ProgressFn | None, items: Iterable[T], total: int, desc: str) -> Iterator[T]:
    """:meth:`Reporter.iterate` when ``progress`` is a Reporter, else plain iteration."""
    if isinstance(progress, Reporter):
        return progress.iterate(items, total, desc)
    return iter(items)
