"""Stage 5, analysis: what the drive times mean for each agglomeration.

- :func:`agglomeration_measures` — zone entry, mean time, coverage shares, potential;
- :func:`isochrones` — drive-time bands;
- :func:`network_context` — what a map shows under the results (roads, water, borders);
- :func:`compute_analytics` — zones by drive time, visitors, shadow, competing destinations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base.lazy import lazy_objects

_OBJECTS = {
    "agglomeration_measures": ".agglomeration",
    "isochrones": ".isochrones",
    "network_context": ".context",
    "compute_analytics": ".analytics",
}
__all__ = [
    "agglomeration_measures",
    "compute_analytics",
    "isochrones",
    "network_context",
]
__getattr__, __dir__ = lazy_objects(__name__, _OBJECTS)

if TYPE_CHECKING:
    from .agglomeration import agglomeration_measures
    from .analytics import compute_analytics
    from .context import network_context
    from .isochrones import isochrones
