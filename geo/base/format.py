"""Numbers and names formatted for people and files: "2 h 15 min", "232 km", ``ekaterinburg``."""

from __future__ import annotations

import math

from .keys import slug as _slug

__all__ = ["format_km", "format_minutes", "format_population", "format_share", "slug"]


def slug(name: str) -> str:
    """An ASCII fragment for a place name (``"Екатеринбург"`` → ``ekaterinburg``).

    Not unique (``"Ali Sabieh"`` and ``"Ali-Sabieh"`` share one): columns and file names
    use :meth:`geo.study.Study.city_keys` and :meth:`~geo.study.Study.agglomeration_keys`,
    which tell equal slugs apart by GeoNames id.
    """
    return _slug(name) or "place"


def _missing(value: float | None) -> bool:
    return value is None or not isinstance(value, int | float) or not math.isfinite(value)


def format_minutes(minutes: float | None) -> str:
    """``135.4`` → ``"2 h 15 min"``; ``42`` → ``"42 min"``; NaN → ``"no route"``."""
    if _missing(minutes):
        return "no route"
    assert minutes is not None
    total = round(float(minutes))
    hours, mins = divmod(total, 60)
    if hours == 0:
        return f"{mins} min"
    return f"{hours} h {mins:02d} min" if mins else f"{hours} h"


def format_km(km: float | None) -> str:
    """``232.4`` → ``"232 km"``; ``3.46`` → ``"3.5 km"``; NaN → ``"–"``."""
    if _missing(km):
        return "–"
    assert km is not None
    return f"{km:,.1f} km" if km < 10 else f"{round(km):,} km"


def format_population(people: float | None) -> str:
    """``1495066`` → ``"1,495,066"``; NaN → ``"–"``."""
    if _missing(people):
        return "–"
    assert people is not None
    return f"{round(people):,}"


def format_share(share: float | None) -> str:
    """``0.937`` → ``"94 %"``; NaN → ``"–"``."""
    if _missing(share):
        return "–"
    assert share is not None
    return f"{100 * share:.0f} %"
