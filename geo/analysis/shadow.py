"""The big cities' shadow: how far each town of the study area is from a first-tier city.

For every town of the study area with at least the study's ``min_population`` people
(not only the zones' towns), the drive time to the nearest first-tier city and a class:

- ``within_30``: within 30 minutes, in the city's daily reach;
- ``shadow``: 30–60 minutes, the shadow, where the city satisfies the demand for consumer
  and business services and the local market stays small;
- ``outer``: 60–120 minutes;
- ``isolated``: over 120 minutes, where isolation can drive a local market;
- ``unreachable``: no road route, or too far from every road (NaN time; a warning names
  the town).

A limit belongs to the nearer class (30 min is ``within_30``, 60 is ``shadow``). The
single-industry (моногород) and closed-town flags come from
:mod:`geo.analysis.designations`. Times run from the city to the town
(:mod:`geo.analysis.town_times`).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import UralAccessWarning
from ..study.definition import Study
from .town_times import TownTimes

__all__ = [
    "ISOLATED",
    "SHADOW_CLASSES",
    "UNREACHABLE",
    "shadow_class",
    "shadow_layer",
    "shadow_table",
]

#: Upper limits (minutes) of the classes and their names; beyond the last: isolated.
SHADOW_CLASSES = ((30.0, "within_30"), (60.0, "shadow"), (120.0, "outer"))
ISOLATED = "isolated"
UNREACHABLE = "unreachable"


def shadow_class(time_min: float) -> str:
    """The class of a drive time to the nearest first-tier city (see the module)."""
    if not np.isfinite(time_min):
        return UNREACHABLE
    for limit, name in SHADOW_CLASSES:
        if time_min <= limit:
            return name
    return ISOLATED


def shadow_table(study: Study, times: TownTimes) -> pd.DataFrame:
    """One row per study-area town (first-tier cities left out): the nearest city, the
    drive time to it, the class, and the single-industry and closed-town flags."""
    towns = times.towns
    cities = list(study.first_tier)
    matrix = np.column_stack([times.from_city[c.geonameid] for c in cities])
    keep = (towns["population"] >= study.min_population).to_numpy() & ~towns["geonameid"].isin(
        [c.geonameid for c in cities]
    ).to_numpy()
    best = np.where(np.isfinite(matrix), matrix, np.inf)
    nearest = best.argmin(axis=1)
    time = best[np.arange(len(towns)), nearest]
    time = np.where(np.isfinite(time), time, np.nan)
    table = towns.loc[
        keep,
        [
            "geonameid",
            "name",
            "region",
            "lon",
            "lat",
            "population",
            "single_industry",
            "closed_town",
            "visitable",
        ],
    ].assign(
        nearest_city=[cities[int(i)].name for i in nearest[keep]],
        time_to_nearest_city_min=time[keep],
    )
    for (_, key), col in zip(study.city_keys(), matrix.T, strict=True):
        table[f"time_min_from_{key}"] = col[keep]
    table["shadow_class"] = [shadow_class(float(t)) for t in table["time_to_nearest_city_min"]]
    table.loc[table["shadow_class"] == UNREACHABLE, "nearest_city"] = ""
    joined = towns.loc[keep, "node"].to_numpy() >= 0  # the others had the join's warning
    lost = table["shadow_class"].eq(UNREACHABLE).to_numpy() & joined
    for name in table.loc[lost, "name"]:
        warnings.warn(
            f"{name!r}: no road route from any first-tier city, its shadow class is "
            f"{UNREACHABLE!r} and its time NaN",
            UralAccessWarning,
            stacklevel=2,
        )
    return table.sort_values(["time_to_nearest_city_min", "geonameid"]).reset_index(drop=True)


def shadow_layer(table: pd.DataFrame) -> gpd.GeoDataFrame:
    """The shadow table as points (a GeoPackage layer)."""
    return gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326"
    )
