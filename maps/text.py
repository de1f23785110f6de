"""Words and number formats of the maps, in English (the default) and Russian.

Every sentence a map, legend, key, popup, tooltip or the index page shows comes from
:data:`TEXTS` through :class:`Lang`, and every number through its ``minutes``, ``km``,
``people``, ``share`` and ``decimal`` methods: ``2 h 15 min`` / ``2 ч 15 мин``,
``1,495,066`` / ``1 495 066``, ``3.5 km`` / ``3,5 км``. Table column names stay English.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..geo.base.format import format_km, format_minutes, format_population, format_share
from ._words import TEXTS

if TYPE_CHECKING:
    from ..geo.study.definition import Study

__all__ = ["EN", "LANGUAGES", "NBSP", "TEXTS", "Lang"]

#: Languages the maps are written in.
LANGUAGES = ("en", "ru")

#: Non-breaking space: Russian groups thousands with a space that must not wrap.
NBSP = "\u00a0"


def _missing(value: Any) -> bool:
    return value is None or not isinstance(value, int | float) or not math.isfinite(value)


def _ru_minutes(minutes: float) -> str:
    hours, mins = divmod(round(minutes), 60)
    if hours == 0:
        return f"{mins} мин"
    return f"{hours} ч {mins:02d} мин" if mins else f"{hours} ч"


@dataclass(frozen=True)
class Lang:
    """The words and number formats of one language (``"en"`` or ``"ru"``)."""

    code: str = "en"
    names: dict[str, str] = field(default_factory=dict, compare=False)
    """Russian names of places by their Latin name (used only when ``code`` is ``ru``)."""

    agglomerations: dict[str, str] = field(default_factory=dict, compare=False)
    """Russian names of agglomerations by their study name."""

    shorts: dict[str, str] = field(default_factory=dict, compare=False)
    """Short names of first-tier cities in this language («Екб»), by their study name."""

    regions: dict[str, str] = field(default_factory=dict, compare=False)
    """Region names in this language, by the name or code the places table gives."""

    def region(self, value: object) -> str:
        """A region's name in this language (the value itself when unknown)."""
        text = "" if value is None else str(value)
        return self.regions.get(text, text)

    def short(self, city: object) -> str:
        """A first-tier city's short name for labels (its name when none is given)."""
        text = "" if city is None else str(city)
        return self.shorts.get(text) or self.place(text)

    def agglomeration(self, name: object) -> str:
        """An agglomeration's name in this language (the study's name when no other)."""
        text = "" if name is None else str(name)
        return self.agglomerations.get(text, text) if self.ru else text

    def place(self, name: object) -> str:
        """A place's name in this language (the Latin name when no other is known)."""
        text = "" if name is None else str(name)
        return self.names.get(text, text) if self.ru else text

    def title(self, study: Study) -> str:
        """The study's title in this language (``title_ru`` on Russian maps, if given)."""
        ru = getattr(study, "title_ru", None)
        return str(ru) if self.ru and ru else str(study.title)

    def __post_init__(self) -> None:
        if self.code not in LANGUAGES:
            raise ValueError(f"unknown map language {self.code!r}; use one of {LANGUAGES}")

    def __call__(self, key: str, **values: Any) -> str:
        """The sentence ``key``, with ``{name}`` fields filled in."""
        text = TEXTS[self.code].get(key, TEXTS["en"][key])
        return text.format(**values) if values else text

    @property
    def ru(self) -> bool:
        return self.code == "ru"

    def _number(
        self,
        value: float | None,
        english: Callable[[float | None], str],
        russian: Callable[[float], str],
        missing: str = "–",
    ) -> str:
        # English numbers have their own formatters (which handle NaN themselves); the
        # Russian ones all say ``missing`` for a value that is None, NaN or not a number.
        if not self.ru:
            return english(value)
        if _missing(value):
            return missing
        assert value is not None
        return russian(float(value))

    def minutes(self, minutes: float | None) -> str:
        """``2 h 15 min`` / ``2 ч 15 мин``; NaN is "no route"."""
        return self._number(minutes, format_minutes, _ru_minutes, self("no_route"))

    def km(self, km: float | None) -> str:
        """``232 km`` / ``232 км``, ``3.5 km`` / ``3,5 км``; NaN is a dash."""
        return self._number(
            km, format_km, lambda v: f"{self.decimal(v, 1) if v < 10 else self.people(v)} км"
        )

    def people(self, value: float | None) -> str:
        """A whole number with thousands grouped: ``1,495,066`` / ``1 495 066``."""
        return self._number(value, format_population, lambda v: f"{round(v):,}".replace(",", NBSP))

    def share(self, share: float | None) -> str:
        """``0.937`` → ``94 %``."""
        return format_share(share)

    def decimal(self, value: float, digits: int = 1) -> str:
        """A decimal number, with a decimal comma in Russian."""
        text = f"{value:,.{digits}f}"
        return text.replace(",", NBSP).replace(".", ",") if self.ru else text

    def towns(self, n: int) -> str:
        """``1 town``, ``2 towns`` / ``1 город``, ``3 города``, ``5 городов``."""
        if not self.ru:
            return f"{n} {self('town_1') if n == 1 else self('town_n')}"
        tail, tens = n % 10, n % 100
        if tail == 1 and tens != 11:
            word = self("town_1")
        elif 2 <= tail <= 4 and not 12 <= tens <= 14:
            word = self("town_2")
        else:
            word = self("town_n")
        return f"{n} {word}"

    def date(self, stamp: object) -> str:
        """The day of an ISO time stamp: ``2021-02-01`` / ``01.02.2021`` ('' if none)."""
        text = "" if stamp is None else str(stamp)
        day = text[:10]
        if len(day) != 10 or day[4] != "-" or day[7] != "-":
            return text
        return f"{day[8:10]}.{day[5:7]}.{day[:4]}" if self.ru else day

    def join(self, names: list[str]) -> str:
        """``A and B`` / ``A и B``."""
        return self("and").join(names)


#: English, the default language of the maps.
EN = Lang("en")
