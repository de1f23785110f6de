"""A stage package's objects, imported from their modules when first asked for.

A stage's ``__init__`` names its few objects; importing them on first use keeps
``import ural_access.geo.routing.router`` from loading the whole stage first, and keeps the
package free of load-time cycles with its own modules (a submodule's parent loads first).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_objects"]


def lazy_objects(
    package: str, objects: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose ``objects`` map a name to the
    module (relative to ``package``, e.g. ``".router"``) that defines it."""

    def getattr_(name: str) -> Any:
        if name not in objects:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(objects[name], package), name)

    def dir_() -> list[str]:
        return sorted(objects)

    return getattr_, dir_
