"""Which settlements make up each agglomeration's zone: the towns within the radius.

The towns come from the study's town table if it has one, else GeoNames
(:func:`geo.places.settlements_within`); the source's named members are always kept,
even beyond the radius or below the population floor.
:meth:`geo.study.Study.zone_settlements` is the public way in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .distance import geodesic_m
from .places import TOWN_COLUMNS, Place, fold_name, fold_names, settlements_within

if TYPE_CHECKING:
    from .study import Agglomeration, Study


#: Columns of :meth:`Study.zone_settlements`, in order.
ZONE_COLUMNS = (
    "agglomeration",
    "geonameid",
    "display_name",
    *TOWN_COLUMNS,
    "region",
    "distance_km",
    "is_center",
    "named_member",
    "within_radius",
)


def zone_settlements(study: Study) -> pd.DataFrame:
    """Every settlement within ``radius_km`` of each central town, one row per
    (agglomeration, settlement), in :data:`ZONE_COLUMNS` (see
    :meth:`geo.study.Study.zone_settlements`)."""
    frames = [_zone_of(study, agg) for agg in study.agglomerations]
    return pd.concat(frames, ignore_index=True)[list(ZONE_COLUMNS)]


def _zone_of(study: Study, agg: Agglomeration) -> pd.DataFrame:
    """The settlements of one agglomeration's zone (see :func:`zone_settlements`)."""
    near = settlements_within(
        agg.center.lon, agg.center.lat, study.radius_km, study.min_population, study.towns
    )
    codes = {code for _, code in study.regions}
    if study.zone_regions == "study" and codes:
        near = near[near["admin1"].isin(codes)].reset_index(drop=True)
    named = {p.geonameid: p for p in (agg.center, *agg.members)}
    if study.towns is not None:
        near = _match_named(near, list(named.values()))
    found = set(near["geonameid"])
    missing = [p for gid, p in named.items() if gid not in found]
    if missing:  # named members beyond the radius or below the population floor
        near = pd.concat([near, _places_frame(agg.center, missing)], ignore_index=True)
    display = [
        named[g].name if g in named else n
        for g, n in zip(near["geonameid"], near["name"], strict=True)
    ]
    return near.assign(
        agglomeration=agg.name,
        display_name=display,
        is_center=near["geonameid"] == agg.center.geonameid,
        named_member=near["geonameid"].isin(list(named)),
        within_radius=near["distance_km"] <= study.radius_km,
        region=[study.region_name(str(c)) for c in near["admin1"]],
    )


def _match_named(near: pd.DataFrame, named: list[Place]) -> pd.DataFrame:
    """Give a town-table row the id of the study place it is (same folded name, within
    10 km), so a centre or member listed in the user's table is one town, not two."""
    ids = near["geonameid"].to_numpy().copy()
    folded = fold_names([str(n) for n in near["name"]])
    for p in named:
        keys = {fold_name(p.name), fold_name(p.geonames_name)} - {""}
        hits = [i for i, key in enumerate(folded) if key in keys]
        if hits:
            d = geodesic_m(p.lon, p.lat, near["lon"].iloc[hits], near["lat"].iloc[hits])
            for i, dist in zip(hits, np.atleast_1d(d), strict=True):
                if dist < 10_000:
                    ids[i] = p.geonameid
    return near.assign(geonameid=ids).drop_duplicates("geonameid").reset_index(drop=True)


def _places_frame(center: Place, places: list[Place]) -> pd.DataFrame:
    """Town rows of ``places`` with their geodesic distance from ``center``."""
    rows = pd.DataFrame(
        {
            "geonameid": [p.geonameid for p in places],
            "name": [p.geonames_name for p in places],
            "lon": [p.lon for p in places],
            "lat": [p.lat for p in places],
            "population": [p.population for p in places],
            "country": [p.country for p in places],
            "admin1": [p.admin1 for p in places],
        }
    )
    metres = geodesic_m(center.lon, center.lat, rows["lon"].tolist(), rows["lat"].tolist())
    return rows.assign(distance_km=np.asarray(metres) / 1000.0)
