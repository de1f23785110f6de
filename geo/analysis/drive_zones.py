"""Agglomeration zones by radius or by drive time, their towns and their measures.

An agglomeration's zone is its centre and the towns around it (the study's
``min_population`` and ``zone_regions`` rules; the source's named members are always
candidates). Two definitions (``[zones] zone``):

- ``radius``: towns within ``radius_km`` of the centre, geodesic (the source's 50 km);
- ``time``: towns whose drive time from the centre is at most ``zone_minutes``.

A town is in a time zone if and only if its drive time from the centre is within the
limit; a town with no route (NaN) is in no time zone. The reachable area of a time zone
(:func:`time_zone_polygons`) is drawn as an isochrone from the centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from ..base.arrays import BoolArray
from ..base.distance import geodesic_m
from ..study.definition import Agglomeration, Study
from .isochrones import isochrones
from .town_times import TownTimes
from .visitors import visitor_measures

__all__ = [
    "ZoneDefinition",
    "distance_km",
    "study_zones",
    "time_zone_polygons",
    "zone_mask",
    "zone_measures",
    "zone_membership",
]


@dataclass(frozen=True)
class ZoneDefinition:
    """One way of drawing the zones: ``radius`` (``limit`` in km) or ``time`` (minutes)."""

    kind: str
    limit: float

    @property
    def label(self) -> str:
        """``radius 50 km`` or ``time 45 min``."""
        unit = "km" if self.kind == "radius" else "min"
        return f"{self.kind} {self.limit:g} {unit}"


def study_zones(study: Study) -> list[ZoneDefinition]:
    """The zone definitions the study asks for (``[zones] zone``)."""
    limits = {"radius": float(study.radius_km), "time": study.zones.zone_minutes}
    return [ZoneDefinition(kind, limits[kind]) for kind in study.zones.kinds]


def _candidates(study: Study, times: TownTimes, agg: Agglomeration) -> BoolArray:
    towns = times.towns
    named = towns["geonameid"].isin([p.geonameid for p in (agg.center, *agg.members)])
    ok = (towns["population"] >= study.min_population) | named
    codes = {code for _, code in study.regions}
    if study.zone_regions == "study" and codes:
        ok &= towns["admin1"].astype(str).isin(codes) | named
    mask: BoolArray = ok.to_numpy(dtype=bool)
    return mask


def distance_km(times: TownTimes, agg: Agglomeration) -> npt.NDArray[np.float64]:
    """Geodesic distance of every town from the agglomeration's centre."""
    towns = times.towns
    metres = geodesic_m(
        agg.center.lon, agg.center.lat, towns["lon"].to_numpy(), towns["lat"].to_numpy()
    )
    return np.asarray(metres, dtype=float) / 1000.0


def zone_mask(
    study: Study, times: TownTimes, agg: Agglomeration, zone: ZoneDefinition
) -> BoolArray:
    """Which towns (rows of ``times.towns``) are in the agglomeration's zone."""
    if zone.kind == "radius":
        inside = distance_km(times, agg) <= zone.limit
    else:
        t = times.from_centre[agg.name]
        inside = np.isfinite(t) & (np.where(np.isfinite(t), t, np.inf) <= zone.limit)
    return _candidates(study, times, agg) & inside


def zone_membership(study: Study, times: TownTimes, zones: list[ZoneDefinition]) -> pd.DataFrame:
    """Which towns each zone definition includes: one row per (agglomeration, town in
    any of the zones), with ``in_<kind>_zone`` per definition, the distance and the drive
    time from the centre, and the closed-town and single-industry flags."""
    frames = []
    towns = times.towns
    for agg in study.agglomerations:
        masks = {f"in_{z.kind}_zone": zone_mask(study, times, agg, z) for z in zones}
        anywhere = np.logical_or.reduce(list(masks.values()))
        frame = towns.loc[
            anywhere,
            [
                "geonameid",
                "name",
                "region",
                "population",
                "closed_town",
                "visitable",
                "single_industry",
            ],
        ].assign(
            agglomeration=agg.name,
            distance_km=distance_km(times, agg)[anywhere],
            time_from_center_min=times.from_centre[agg.name][anywhere],
            is_center=towns["geonameid"][anywhere] == agg.center.geonameid,
            named_member=towns["geonameid"][anywhere].isin([m.geonameid for m in agg.members]),
            **{k: v[anywhere] for k, v in masks.items()},
        )
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    first = ["agglomeration", "geonameid", "name"]
    out = out[first + [c for c in out.columns if c not in first]]
    return out.sort_values(["agglomeration", "distance_km", "geonameid"]).reset_index(drop=True)


def zone_measures(study: Study, times: TownTimes, zones: list[ZoneDefinition]) -> pd.DataFrame:
    """One row per (zone definition, agglomeration, first-tier city): the zone's towns and
    people (all, visitable), the population-weighted mean drive time, and the visitor
    measures of :func:`geo.analysis.visitors.visitor_measures`, with and without the
    closed towns' people."""
    towns = times.towns
    pop = towns["population"].to_numpy(dtype=float)
    visitable = towns["visitable"].to_numpy(dtype=bool)
    rows = []
    for zone in zones:
        for agg in study.agglomerations:
            mask = zone_mask(study, times, agg, zone)
            for city in study.first_tier:
                t = times.from_city[city.geonameid][mask]
                ok = np.isfinite(t)
                p = pop[mask]
                row = {
                    "zone": zone.label,
                    "agglomeration": agg.name,
                    "origin": city.name,
                    "zone_towns": int(mask.sum()),
                    "zone_population": int(p.sum()),
                    "visitable_population": int(p[visitable[mask]].sum()),
                    "mean_time_weighted_min": float((p[ok] * t[ok]).sum() / p[ok].sum())
                    if p[ok].sum() > 0
                    else float("nan"),
                }
                row.update(
                    visitor_measures(
                        p,
                        t,
                        visitable[mask],
                        city.population,
                        study.routing.coverage_min,
                        study.routing.decay,
                    )
                )
                rows.append(row)
    return pd.DataFrame(rows)


def time_zone_polygons(study: Study, times: TownTimes, minutes: float) -> gpd.GeoDataFrame:
    """The area reachable from each centre within ``minutes``: an isochrone polygon,
    built like the study's bands (:func:`geo.analysis.isochrones.isochrones`)."""
    rows, geoms = [], []
    network = times.network
    for agg in study.agglomerations:
        tree = times.centre_trees.get(agg.name)
        if tree is None or network is None:
            continue
        iso = isochrones(
            network,
            tree.time_s[: network.n_nodes],
            (minutes,),
            study.local_crs(),
            buffer_m=study.routing.isochrone_buffer_m,
        )
        rows.append({"agglomeration": agg.name, "center": agg.center.name, "zone_minutes": minutes})
        geoms.append(iso.geometry.iloc[0])
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["agglomeration", "center", "zone_minutes"]),
        geometry=geoms,
        crs="EPSG:4326",
    )
