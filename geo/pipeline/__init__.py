"""Stage 7, the pipeline: the one path from a study to its results.

- :func:`compute_access` — every stage in order, each also callable on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base.lazy import lazy_objects

_OBJECTS = {
    "compute_access": ".compute",
}
__all__ = [
    "compute_access",
]
__getattr__, __dir__ = lazy_objects(__name__, _OBJECTS)

if TYPE_CHECKING:
    from .compute import compute_access
