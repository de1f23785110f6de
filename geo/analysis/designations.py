"""Closed towns (ЗАТО) and single-industry towns (моногорода): flags on a town table.

The two cited tables live in ``data/designations/`` (sources in its README): the closed
towns of the Government decree No. 508 of 05.07.2001 and the single-industry towns of the
Government order No. 1398-р of 29.07.2014, for the Urals regions the studies touch. A town
is a listed one if it has the listed GeoNames id, or (a town of the user's own table,
whose ids are not GeoNames') the same folded name in the same region, within
:data:`MATCH_KM` of the listed point. A ``visitable`` column in the user's town table
(true/false, empty for "as the table says") overrides the closed-town list.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..base.distance import geodesic_m
from ..base.resources import bundled_data
from ..study.places import fold_name

__all__ = [
    "CLOSED_TOWNS_FILE",
    "FLAG_COLUMNS",
    "MATCH_KM",
    "SINGLE_INDUSTRY_FILE",
    "closed_towns",
    "designation_flags",
    "listed",
    "place_flags",
    "single_industry_towns",
]

#: Largest distance between a town and the listed point of the same name (km).
MATCH_KM = 15.0

#: The cited tables, under the bundled ``data/`` folder.
CLOSED_TOWNS_FILE = ("designations", "closed_towns.csv")
SINGLE_INDUSTRY_FILE = ("designations", "single_industry_towns.csv")

#: The columns :func:`designation_flags` adds.
FLAG_COLUMNS = ("closed_town", "single_industry", "visitable")


def _read_listed(parts: tuple[str, ...]) -> pd.DataFrame:
    """A bundled designation table (its ``#`` lines are its source) with folded names."""
    path = bundled_data(*parts)
    with open(path, encoding="utf-8") as handle:
        skip = sum(1 for line in handle if line.startswith("#"))
    table = pd.read_csv(
        path, skiprows=skip, dtype={"admin1": str}, keep_default_na=False, na_values=[""]
    )
    return table.assign(folded=[fold_name(str(n)) for n in table["name"]])


@cache
def closed_towns() -> pd.DataFrame:
    """The cited closed towns (ЗАТО): name, name_ru, admin1, region, geonameid, lat, lon,
    agency (``data/designations/closed_towns.csv``)."""
    return _read_listed(CLOSED_TOWNS_FILE)


@cache
def single_industry_towns() -> pd.DataFrame:
    """The cited single-industry towns (моногорода): name, name_ru, admin1, region,
    geonameid, lat, lon (``data/designations/single_industry_towns.csv``)."""
    return _read_listed(SINGLE_INDUSTRY_FILE)


def listed(towns: pd.DataFrame, table: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Which rows of ``towns`` (geonameid, name, lon, lat, admin1) the table lists."""
    ids = {int(g) for g in table["geonameid"].dropna()}
    hit: npt.NDArray[np.bool_] = towns["geonameid"].isin(list(ids)).to_numpy(dtype=bool).copy()
    by_name: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for row in table.itertuples():
        by_name.setdefault((str(row.folded), str(row.admin1)), []).append(
            (float(row.lon), float(row.lat))
        )
    names = [fold_name(str(n)) for n in towns["name"]]
    for i, (name, admin1, lon, lat) in enumerate(
        zip(names, towns["admin1"].astype(str), towns["lon"], towns["lat"], strict=True)
    ):
        if hit[i]:
            continue
        for point in by_name.get((name, admin1), []):
            if np.isnan(point[0]) or geodesic_m(lon, lat, point[0], point[1]) <= MATCH_KM * 1e3:
                hit[i] = True
                break
    return hit


def designation_flags(towns: pd.DataFrame) -> pd.DataFrame:
    """``towns`` with ``closed_town``, ``single_industry`` and ``visitable`` columns.

    ``visitable`` is False for a closed town unless the town table's own ``visitable``
    column (where given and not empty) says otherwise, and the table can also close an
    open town.
    """
    closed = listed(towns, closed_towns())
    visitable = ~closed
    if "visitable" in towns.columns:
        own = towns["visitable"].astype("boolean")
        given = own.notna().to_numpy()
        visitable[given] = own[given].to_numpy(dtype=bool)
    return towns.assign(
        closed_town=closed,
        single_industry=listed(towns, single_industry_towns()),
        visitable=visitable,
    )


def place_flags(
    places: pd.DataFrame, admin1: dict[int, str], towns: pd.DataFrame | None
) -> pd.DataFrame:
    """The study's places table (``place_id``, ``geonames_name``, ``lon``, ``lat``) with
    :data:`FLAG_COLUMNS`; ``admin1`` gives each place's region code, ``towns`` is the
    study's own town table (its ``visitable`` column, where it gives one, decides)."""
    frame = pd.DataFrame(
        {
            "geonameid": places["place_id"],
            "name": places["geonames_name"],
            "lon": places["lon"],
            "lat": places["lat"],
            "admin1": places["place_id"].map(admin1).fillna(""),
        }
    )
    if towns is not None and "visitable" in towns.columns:
        own = towns.drop_duplicates("geonameid").set_index("geonameid")["visitable"]
        frame["visitable"] = places["place_id"].map(own).astype("boolean")
    flags = designation_flags(frame)
    return places.assign(**{col: flags[col].to_numpy() for col in FLAG_COLUMNS})
