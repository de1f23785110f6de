"""Reading a study file's tables: sections, regions, places and the town names in them.

Which sections a file may have; the ``[study]`` table, checked against the fields of
:class:`geo.study.Study` that declare it (the settings sections are declared and read
in :mod:`geo.parameters`); the keys and types of each place table; the resolution of
town names to places (the file's own ``[[place]]`` tables by coordinates first, else
GeoNames); and the files a study names beside it (town table, road data).
:mod:`geo.study` builds the study from them.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Callable
from dataclasses import MISSING, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..base.resources import bundled_data
from ..errors import ParameterError, StudyError
from .options import SECTIONS, check_key, check_table, table_schema
from .places import POPULATION_MAX, Place, find_place, fold_name, place_at, read_town_table

#: Folder of the bundled study files.
STUDIES_DIR = bundled_data("studies")

#: Folder of the bundled road extracts a study may name as its default road data.
OSM_DIR = bundled_data("osm")

#: Keys of a town given by coordinates (``[[place]]``, or a ``[[first_tier]]`` city).
_BY_COORDINATES: dict[str, tuple[type, ...]] = {
    "lat": (int, float),
    "lon": (int, float),
    "population": (int,),
    "region": (str,),
    "name_ru": (str,),
}

#: Tables of places (the settings tables are declared in :mod:`geo.parameters`).
_PLACE_TABLES: dict[str, dict[str, tuple[type, ...]]] = {
    "region": {"name": (str,), "admin1": (str,)},
    "place": {"name": (str,), **_BY_COORDINATES},
    "first_tier": {
        "name": (str,),
        "geonameid": (int,),
        "key": (str,),
        "short": (str,),
        "short_ru": (str,),
        **_BY_COORDINATES,
    },
    "agglomeration": {
        "name": (str,),
        "name_ru": (str,),
        "names_ru": (dict,),
        "center": (str,),
        "members": (list,),
        "population_k": (int, float),
        "net_revenue_mln_rub": (int, float),
        "geonameids": (dict,),
        "key": (str,),
    },
}

#: Keys each place table must have.
_REQUIRED = {
    "region": ("name", "admin1"),
    "place": ("name", "lat", "lon", "population"),
    "first_tier": ("name",),
    "agglomeration": ("name", "center"),
}

#: Every section a study file may have.
_SECTIONS = ("study", "region", "place", *SECTIONS, "first_tier", "agglomeration")

#: Resolves a study's town name (and optional GeoNames id) to a place.
Resolver = Callable[[str, "int | None"], Place]


def place_table(where: str, kind: str, table: Any) -> dict[str, Any]:
    """A place table, checked (keys, types, required keys)."""
    check_table(where, table, _PLACE_TABLES[kind])
    for key in _REQUIRED[kind]:
        if key not in table:
            raise ParameterError(f"{where} is missing the required field {key!r}")
    return dict(table)


def place_tables(raw: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """Every ``[[kind]]`` table of the file, checked; at least one."""
    value = raw[kind]
    if not isinstance(value, list) or not value:
        raise ParameterError(f"give at least one [[{kind}]] table")
    return [place_table(f"[[{kind}]] #{i + 1}", kind, t) for i, t in enumerate(value)]


def resolve_study_path(name_or_path: str | Path) -> Path:
    """A study key (``urals``) or a path to a TOML file, as an existing path."""
    p = Path(name_or_path)
    candidate = STUDIES_DIR / f"{p.name}.toml"
    if p.suffix == ".toml" or p.is_file():
        if not p.is_file():
            raise StudyError(f"study file {str(p)!r} does not exist")
        return p
    # a folder is never a study file: `urals` names the bundled study even where the
    # working folder holds an `urals/` (an output folder, say)
    if candidate.is_file():
        return candidate
    if p.is_dir():
        raise StudyError(f"{str(p)!r} is a folder, not a study file (a .toml) or study name")
    known = sorted(f.stem for f in STUDIES_DIR.glob("*.toml"))
    raise StudyError(f"no study named {str(name_or_path)!r}; known studies: {', '.join(known)}")


def read_study_toml(path: Path) -> dict[str, Any]:
    try:
        # utf-8-sig: a byte-order mark (Windows Notepad writes one) is not TOML
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise StudyError(f"{path.name} is not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise StudyError(f"cannot read study file {str(path)!r}: {exc}") from exc
    for key in raw:
        if key not in _SECTIONS:
            close = difflib.get_close_matches(key, sorted(_SECTIONS), n=1)
            hint = f" (did you mean [{close[0]}]?)" if close else ""
            raise StudyError(f"{path.name}: unknown section [{key}]{hint}")
    for key in ("study", "first_tier", "agglomeration"):
        if key not in raw:
            raise StudyError(f"{path.name}: missing section [{key}]")
    return raw


def read_regions(raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    regions_raw = raw.get("region", [])
    if not isinstance(regions_raw, list):
        raise ParameterError("regions must be written as [[region]] tables")
    return tuple(
        (t["name"], t["admin1"])
        for t in (
            place_table(f"[[region]] #{i + 1}", "region", t) for i, t in enumerate(regions_raw)
        )
    )


def _coordinate_place(t: dict[str, Any], country: str, where: str) -> Place:
    """A place given by lat/lon and population, checked."""
    missing = [k for k in ("lat", "lon", "population") if k not in t]
    if missing:
        raise ParameterError(f"{where} is given by coordinates but lacks {', '.join(missing)}")
    lat, lon, pop = float(t["lat"]), float(t["lon"]), t["population"]
    if not -90 <= lat <= 90:
        raise ParameterError(f"{where}: lat must be from -90 to 90, got {lat!r}")
    if not -180 <= lon <= 180:
        raise ParameterError(f"{where}: lon must be from -180 to 180, got {lon!r}")
    if not 0 <= pop <= POPULATION_MAX:
        raise ParameterError(
            f"{where}: population must be from 0 to {POPULATION_MAX:,} (a typo or unit?), "
            f"got {pop!r}"
        )
    return place_at(t["name"], lon, lat, pop, country, t.get("region", ""))


def resolver(raw: dict[str, Any], country: str, codes: list[str]) -> Resolver:
    """Town names resolve to the file's [[place]] tables (by coordinates), else GeoNames."""
    tables = raw.get("place", [])
    if not isinstance(tables, list):
        raise ParameterError("places by coordinates must be written as [[place]] tables")
    by_name: dict[str, Place] = {}
    for i, t in enumerate(tables):
        t = place_table(f"[[place]] #{i + 1}", "place", t)
        key = fold_name(t["name"])
        if key in by_name:
            raise ParameterError(f"[[place]] {t['name']!r} is given twice")
        by_name[key] = _coordinate_place(t, country, f"[[place]] {t['name']!r}")

    def resolve(name: str, geonameid: int | None = None) -> Place:
        found = by_name.get(fold_name(name)) if geonameid is None else None
        if found is not None:
            return replace(found, name=name)
        return find_place(name, country, codes, geonameid)

    return resolve


def read_first_tier(t: dict[str, Any], country: str, resolve: Resolver) -> Place:
    if "lat" in t or "lon" in t:
        return _coordinate_place(t, country, f"[[first_tier]] {t['name']!r}")
    return resolve(t["name"], t.get("geonameid"))


def read_towns(head: dict[str, Any], source_path: Path | None) -> pd.DataFrame | None:
    """The user's town table named by ``[study] towns_file`` (beside the study file)."""
    name = head.get("towns_file")
    if name is None:
        return None
    path = Path(name)
    if not path.is_absolute() and source_path is not None:
        path = source_path.parent / path
    return read_town_table(path, head["country"])


def read_names_ru(raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """(town name, Russian name) from ``name_ru`` of ``[[place]]``/``[[first_tier]]`` and ``names_ru``."""
    pairs: dict[str, str] = {}
    for t in (*raw.get("place", []), *raw.get("first_tier", [])):
        if "name_ru" in t:
            pairs[t["name"]] = t["name_ru"]
    for t in (*raw.get("first_tier", []), *raw.get("agglomeration", [])):
        for name, ru in t.get("names_ru", {}).items():
            if not isinstance(ru, str):
                raise ParameterError(f"names_ru of {t['name']!r} must map town names to text")
            pairs[name] = ru
    return tuple(sorted(pairs.items()))


#: Upper bounds of an agglomeration's source figures: ``population_k`` as every
#: population (:data:`geo.places.POPULATION_MAX`, in thousands), and a net revenue of a
#: billion mln RUB, about five times Russia's GDP.
FIGURE_BOUNDS = {"population_k": POPULATION_MAX / 1000, "net_revenue_mln_rub": 1e9}


def check_figures(where: str, figures: dict[str, Any]) -> None:
    """Refuse an agglomeration figure that is NaN, infinite, negative or implausible.

    Parameters
    ----------
    where
        What the figures belong to, for the message (``[[agglomeration]] 'Tagil'``).
    figures
        ``population_k`` and ``net_revenue_mln_rub`` (absent or None: not given).

    Raises
    ------
    ParameterError
        A figure is not a finite number from 0 to its bound in :data:`FIGURE_BOUNDS`.
    """
    for key, high in FIGURE_BOUNDS.items():
        value = figures.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise ParameterError(f"{where}: {key} must be a number, got {value!r}")
        if not (math.isfinite(float(value)) and 0 <= float(value) <= high):
            raise ParameterError(
                f"{where}: {key} must be a finite number from 0 to {high:g} "
                f"(a typo or unit?), got {value!r}"
            )


def read_short_names(raw: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """(city name, short name, Russian short name) of the ``[[first_tier]]`` cities that give
    ``short`` or ``short_ru`` (the maps' labels: «Екб 1 ч 16 мин»); '' where not given."""
    return tuple(
        (t["name"], t.get("short", ""), t.get("short_ru", ""))
        for t in raw.get("first_tier", [])
        if "short" in t or "short_ru" in t
    )


def check_place_tables(ft_tables: list[dict[str, Any]], agg_tables: list[dict[str, Any]]) -> None:
    """Refuse repeated cities or agglomerations, bad keys, member lists and figures (no
    lookups)."""
    for kind, tables in (("first_tier", ft_tables), ("agglomeration", agg_tables)):
        names = [t["name"] for t in tables]
        if len(set(names)) != len(names):
            raise ParameterError(f"each [[{kind}]] must be listed once; names given: {names}")
        for t in tables:
            if "key" in t:
                check_key(t["key"], f"[[{kind}]] {t['name']!r}: key")
    for t in agg_tables:
        check_figures(f"[[agglomeration]] {t['name']!r}", t)
        if not all(isinstance(m, str) for m in t.get("members", [])):
            raise ParameterError(f"members of {t['name']!r} must be a list of town names")


def read_head(raw: dict[str, Any], study: type) -> dict[str, Any]:
    """The ``[study]`` table as keyword arguments of ``study`` (:class:`geo.study.Study`),
    whose own fields declare the table's keys."""
    head = dict(check_table("[study]", raw["study"], table_schema(study)))
    for f in fields(study):
        if f.metadata.get("table", True) and not _has_default(f) and f.name not in head:
            raise ParameterError(f"[study] is missing the required field {f.name!r}")
    head["country"] = head["country"].upper()
    return head


def _has_default(f: Any) -> bool:
    return f.default is not MISSING or f.default_factory is not MISSING


def road_data_file(key: str, name: str, source_path: Path | None) -> Path:
    """The file a study's ``[network] osm_file`` names (see ``Study.default_road_data``).

    A relative name is looked up beside the study file, then in the bundled ``data/osm/``.

    Raises
    ------
    StudyError
        The file exists in neither place.
    """
    given = Path(name)
    if given.is_absolute():
        candidates = [given]
    else:
        here = [source_path.parent / given] if source_path is not None else []
        candidates = [*here, OSM_DIR / given]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise StudyError(
        f"study {key!r}: its road data [network] osm_file = {name!r} does not exist "
        f"(looked for {', '.join(str(c) for c in candidates)})"
    )


def refuse_antimeridian(key: str, places: list[Place], why: str = "") -> None:
    """Refuse a study whose places or area reach across 180° longitude (unsupported).

    Raises
    ------
    StudyError
        The places lie on both sides of 180° (the shorter way round crosses it), or
        ``why`` says how the area does.
    """
    lons = sorted(p.lon for p in places)
    if not why and lons and lons[-1] - lons[0] > 180.0:
        west = min(places, key=lambda p: p.lon)
        east = max(places, key=lambda p: p.lon)
        why = (
            f"its places lie on both sides of it ({west.name} at {west.lon:g}°, "
            f"{east.name} at {east.lon:g}°)"
        )
    if why:
        raise StudyError(
            f"study {key!r} crosses 180° longitude, which ural-access does not support: "
            f"{why}. Split it into a study east and a study west of 180°"
        )
