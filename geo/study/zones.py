"""Which settlements make up each agglomeration's zone: the towns within the radius.

The towns come from the study's town table if it has one, else GeoNames
(:func:`geo.places.settlements_within`); the source's named members are always kept,
even beyond the radius or below the population floor.
:meth:`geo.study.Study.zone_settlements` is the public way in.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from ..base.distance import geodesic_m
from ..errors import UralAccessWarning
from .places import TOWN_COLUMNS, Place, fold_name, fold_names, settlements_within

if TYPE_CHECKING:
    from .definition import Agglomeration, Study

__all__ = ["ZONE_COLUMNS", "zone_settlements"]


#: A town table's or GeoNames' row within this distance of a study place of the same
#: (folded) name is that place: one town, counted once.
_TWIN_M = 10_000.0

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
    if study.towns is not None:
        _warn_far_rows(study)
    frames = [_zone_of(study, agg) for agg in study.agglomerations]
    return pd.concat(frames, ignore_index=True)[list(ZONE_COLUMNS)]


#: Rows of a town table named in one warning about rows outside the study area.
_ROWS_NAMED = 5


def _warn_far_rows(study: Study) -> None:
    """Warn about town-table rows outside the study area: they count in no zone.

    Each row is named by its line in the file and its coordinates, with the likely
    cause: latitude and longitude swapped when the swapped point lies in the area.
    """
    towns = study.towns
    assert towns is not None
    area = study.area()
    lon, lat = towns["lon"].to_numpy(), towns["lat"].to_numpy()
    outside = np.flatnonzero(~shapely.contains_xy(area, lon, lat))
    if not len(outside):
        return
    lines = towns.attrs.get("rows") or list(range(2, len(towns) + 2))
    swapped = shapely.contains_xy(area, lat[outside], lon[outside])
    order = sorted(range(len(outside)), key=lambda k: lines[outside[k]])
    named = []
    for k in order[:_ROWS_NAMED]:
        i = outside[k]
        cause = "latitude and longitude swapped?" if swapped[k] else "wrong coordinates?"
        named.append(
            f"row {lines[i]} {towns['name'].iloc[i]!r} (lat {lat[i]:g}, lon {lon[i]:g}: {cause})"
        )
    more = f" and {len(outside) - _ROWS_NAMED} more" if len(outside) > _ROWS_NAMED else ""
    hint = " (swapped, they would lie inside)" if swapped.all() else ""
    warnings.warn(
        f"town table {Path(study.towns_file or '').name}: {len(outside)} row(s) lie outside "
        f"the study area and count in no zone{hint}: {'; '.join(named)}{more}",
        UralAccessWarning,
        stacklevel=3,
    )


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
    else:
        near = _drop_twins(near, [p for p in named.values() if p.geonameid < 0])
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
                if dist < _TWIN_M:
                    ids[i] = p.geonameid
    return near.assign(geonameid=ids).drop_duplicates("geonameid").reset_index(drop=True)


def _drop_twins(near: pd.DataFrame, places: list[Place]) -> pd.DataFrame:
    """GeoNames rows without the towns the study gives by coordinates (same folded name,
    within 10 km): the study's place stands for that town, so it counts once, with the
    study's own coordinates and population."""
    if not places or near.empty:
        return near
    folded = fold_names([str(n) for n in near["name"]])
    drop = np.zeros(len(near), dtype=bool)
    for p in places:
        hits = [i for i, key in enumerate(folded) if key == fold_name(p.name)]
        if hits:
            d = geodesic_m(p.lon, p.lat, near["lon"].iloc[hits], near["lat"].iloc[hits])
            for i, dist in zip(hits, np.atleast_1d(d), strict=True):
                drop[i] |= bool(dist < _TWIN_M)
    return near[~drop].reset_index(drop=True)


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
