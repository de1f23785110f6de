"""Progress through :mod:`logging` (the osmnx way), and the console handler of the CLI.

Every module logs to its own ``logging.getLogger(__name__)``, all below the
``ural_access`` logger. The library installs no handler (only a ``NullHandler``), so a
notebook or a program decides what it sees, e.g. ``logging.basicConfig(level="INFO")``.
The ``ural-access`` command installs :func:`console_handler`: lines with the elapsed time
on stderr, at INFO (normal), WARNING (``--quiet``) or DEBUG (``--verbose``).

:func:`iterate` shows a bar while a loop runs when a handler of the logger writes to a
terminal, and plain log lines (every 10 %) otherwise, so logs and pipes stay readable.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

from .. import settings

__all__ = ["ROOT_LOGGER", "console_handler", "iterate", "remove_handler"]

T = TypeVar("T")

#: The parent of every module logger of the package.
ROOT_LOGGER = "ural_access"


def _terminal_stream(logger: logging.Logger) -> TextIO | None:
    """The stream of the first handler (up the logger tree) that writes to a terminal."""
    current: logging.Logger | None = logger
    while current is not None:
        for handler in current.handlers:
            stream = getattr(handler, "stream", None)
            if stream is not None and getattr(stream, "isatty", lambda: False)():
                terminal: TextIO = stream
                return terminal
        current = current.parent if current.propagate else None
    return None


def iterate(items: Iterable[T], total: int, desc: str, logger: logging.Logger) -> Iterator[T]:
    """Yield ``items`` with progress shown through ``logger`` at INFO level.

    A bar (tqdm) when a handler writes to a terminal, else a log line every 10 %;
    nothing when INFO is not enabled or :data:`settings.show_progress` is ``False``.
    """
    if not settings.show_progress or not logger.isEnabledFor(logging.INFO):
        yield from items
        return
    stream = _terminal_stream(logger)
    if stream is not None:
        from tqdm import tqdm

        yield from tqdm(items, total=total, desc=desc, file=stream, leave=False)
        return
    step = max(1, total // 10)
    logger.info("%s: 0/%d", desc, total)
    for i, item in enumerate(items, start=1):
        yield item
        if i % step == 0 or i == total:
            logger.info("%s: %d/%d", desc, i, total)


class _ElapsedFormatter(logging.Formatter):
    """``[   12.3s] message``: seconds since the command started."""

    def __init__(self) -> None:
        super().__init__()
        self.start = time.time()

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return f"[{record.created - self.start:7.1f}s] {text}"


def console_handler(verbosity: int, stream: TextIO) -> logging.Handler:
    """Attach a handler for the command line to the ``ural_access`` logger.

    Parameters
    ----------
    verbosity
        0 quiet (warnings and errors only), 1 normal (progress), 2 verbose (debug).
    stream
        Where the lines go (the CLI passes ``sys.stderr``).

    Returns
    -------
    logging.Handler
        The handler; pass it to :func:`remove_handler` when the command ends.
    """
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_ElapsedFormatter())
    handler.setLevel(level)
    logger = logging.getLogger(ROOT_LOGGER)
    logger.addHandler(handler)
    logger.setLevel(level)
    return handler


def remove_handler(handler: logging.Handler) -> None:
    """Detach a handler from :func:`console_handler` and restore the default level."""
    logger = logging.getLogger(ROOT_LOGGER)
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)
