"""Stage 6, results: what a run gives, as tables and files.

- :class:`AccessResults` — the tables, layers and map context of one run;
- :func:`write_results` / :func:`read_results` — its folder of CSVs and GeoPackages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base.lazy import lazy_objects

_OBJECTS = {
    "AccessResults": ".access_results",
    "write_results": ".access_results",
    "read_results": ".access_results",
}
__all__ = [
    "AccessResults",
    "read_results",
    "write_results",
]
__getattr__, __dir__ = lazy_objects(__name__, _OBJECTS)

if TYPE_CHECKING:
    from .access_results import AccessResults, read_results, write_results
