"""The ``ural-access`` command line, above both ``geo`` (the analysis) and ``maps``.

:func:`main` runs a command (``pull``, ``route``, ``maps``, ``run`` and the others); the
commands live in :mod:`ural_access.cli.commands`, their options in ``_parser``.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ural-access`` with ``argv`` (default: the process's arguments); the exit code."""
    from .commands import main as run  # loaded on call: ``--help`` needs no package load

    return run(argv)
