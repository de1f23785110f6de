"""Progress through logging: bars on a terminal, lines in logs and pipes, nothing unasked."""

from __future__ import annotations

import io
import logging

import pytest
from ural_access.geo import settings
from ural_access.geo.base.progress import console_handler, iterate, remove_handler

log = logging.getLogger("ural_access.tests")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("verbosity", [0, 1, 2])
def test_console_handler_levels(verbosity: int) -> None:
    stream = io.StringIO()
    handler = console_handler(verbosity, stream)
    try:
        log.debug("a detail")
        log.info("a step")
        log.warning("a warning")
    finally:
        remove_handler(handler)
    log.info("after the command")  # the handler is gone
    text = stream.getvalue()
    assert ("a detail" in text) == (verbosity >= 2)
    assert ("a step" in text) == (verbosity >= 1)
    assert "a warning" in text and "after the command" not in text
    assert text.startswith("[") and "s] " in text.splitlines()[0]  # elapsed time
    assert handler not in logging.getLogger("ural_access").handlers


def test_iterate_logs_lines_in_a_pipe() -> None:
    stream = io.StringIO()
    handler = console_handler(1, stream)
    try:
        assert list(iterate(range(20), 20, "trees", log)) == list(range(20))
    finally:
        remove_handler(handler)
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith("trees: 0/20") and lines[-1].endswith("trees: 20/20")
    assert len(lines) == 11  # 0 and every 10 %
    assert "\r" not in stream.getvalue()


def test_iterate_draws_a_bar_on_a_terminal() -> None:
    stream = _Terminal()
    handler = console_handler(1, stream)
    try:
        assert list(iterate(range(5), 5, "trees", log)) == list(range(5))
    finally:
        remove_handler(handler)
    text = stream.getvalue()
    assert "trees:" in text and "%|" in text and "\r" in text  # tqdm's bar
    assert "trees: 0/5" not in text


def test_iterate_is_silent_when_quiet_or_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    for verbosity, show in ((0, True), (1, False)):
        monkeypatch.setattr(settings, "show_progress", show)
        stream = _Terminal()
        handler = console_handler(verbosity, stream)
        try:
            assert list(iterate(range(5), 5, "trees", log)) == list(range(5))
        finally:
            remove_handler(handler)
        assert stream.getvalue() == ""
