"""The analytics of a study beyond the radius zones (issue 20), in one object.

:func:`compute_analytics` takes a study and its network (with the study's speeds) and
gives :class:`Analytics`: the towns of each zone definition, the zones' measures with and
without the closed towns' people, the competing-destination (Huff) shares, the big
cities' shadow and the drive-time zones' reachable areas. Its tables and layers are
written beside the other results (:mod:`geo.results.access_results`).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ..network.road_network import RoadNetwork
from ..study.definition import Study
from .agglomeration import rank
from .drive_zones import (
    ZoneDefinition,
    study_zones,
    time_zone_polygons,
    zone_mask,
    zone_measures,
    zone_membership,
)
from .huff import huff_probabilities, huff_utilities
from .shadow import shadow_layer, shadow_table
from .town_times import TownTimes, town_times

__all__ = [
    "PEOPLE",
    "Analytics",
    "attractiveness",
    "centre_times",
    "compute_analytics",
    "huff_table",
    "zone_summary",
]

#: Who the visitor measures count: everybody, or the people of visitable towns only.
PEOPLE = ("all", "visitable")


@dataclass(repr=False)
class Analytics:
    """Tables and layers of the drive-time zones, closed towns, shadow and Huff model."""

    zone_towns: pd.DataFrame
    """One row per (agglomeration, town in a zone of any definition)."""
    zone_measures: pd.DataFrame
    """One row per (zone definition, agglomeration, first-tier city)."""
    zone_summary: pd.DataFrame
    """One row per (zone definition, agglomeration): totals over the cities and ranks."""
    huff: pd.DataFrame
    """One row per (zone definition, people, first-tier city, agglomeration)."""
    shadow: pd.DataFrame
    """One row per study-area town: nearest first-tier city, time and class."""
    time_zones: gpd.GeoDataFrame
    """The drive-time zones' reachable areas, one polygon per agglomeration."""

    def __repr__(self) -> str:
        return (
            f"<Analytics: {self.zone_summary['zone'].nunique()} zone definitions, "
            f"{len(self.zone_towns)} zone towns, {len(self.shadow)} shadow towns>"
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        """The CSV tables by file name, rows in a stable order."""
        return {
            "zone_membership.csv": self.zone_towns,
            "zone_measures.csv": self.zone_measures,
            "zone_summary.csv": self.zone_summary,
            "huff.csv": self.huff,
            "shadow.csv": self.shadow,
        }

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The GeoPackage layers by name."""
        return {"time_zones": self.time_zones, "shadow": shadow_layer(self.shadow)}


def attractiveness(study: Study, times: TownTimes, zone: ZoneDefinition, people: str) -> np.ndarray:
    """Each agglomeration's Huff attractiveness: its zone's (visitable) population, or
    the source's net revenue (``[huff] attractiveness``)."""
    if study.huff.attractiveness == "revenue":
        return np.array(
            [
                np.nan if a.net_revenue_mln_rub is None else a.net_revenue_mln_rub
                for a in study.agglomerations
            ],
            dtype=float,
        )
    pop = times.towns["population"].to_numpy(dtype=float)
    keep = times.towns["visitable"].to_numpy(dtype=bool) if people == "visitable" else True
    return np.array(
        [pop[zone_mask(study, times, a, zone) & keep].sum() for a in study.agglomerations]
    )


def centre_times(study: Study, times: TownTimes) -> np.ndarray:
    """Drive time from each first-tier city (rows) to each centre (columns), minutes."""
    ids = times.towns["geonameid"].tolist()
    cols = [ids.index(a.center.geonameid) for a in study.agglomerations]
    return np.array([times.from_city[c.geonameid][cols] for c in study.first_tier])


def huff_table(study: Study, times: TownTimes, zones: list[ZoneDefinition]) -> pd.DataFrame:
    """Huff shares and expected visitors (:mod:`geo.analysis.huff`) for each zone
    definition and each count of people (all, visitable)."""
    t = centre_times(study, times)
    cities = [c.name for c in study.first_tier]
    rows = []
    for zone in zones:
        for people in PEOPLE:
            a = attractiveness(study, times, zone, people)
            u = huff_utilities(a, t, study.huff, study.routing.decay)
            p = huff_probabilities(u, cities)
            for i, city in enumerate(study.first_tier):
                trips = city.population * study.huff.trips_per_person
                for k, agg in enumerate(study.agglomerations):
                    rows.append(
                        {
                            "zone": zone.label,
                            "people": people,
                            "origin": city.name,
                            "agglomeration": agg.name,
                            "attractiveness": a[k],
                            "time_to_center_min": t[i, k],
                            "utility": u[i, k],
                            "probability": p[i, k],
                            "expected_visitors": p[i, k] * trips,
                        }
                    )
    return pd.DataFrame(rows)


def zone_summary(measures: pd.DataFrame, huff: pd.DataFrame) -> pd.DataFrame:
    """Per (zone definition, agglomeration): towns, people, the zone potential summed over
    the cities with and without the closed towns, its ranks, and the Huff visitors."""
    keys = ["zone", "agglomeration"]
    out = measures.groupby(keys, sort=False).agg(
        zone_towns=("zone_towns", "first"),
        zone_population=("zone_population", "first"),
        visitable_population=("visitable_population", "first"),
        zone_potential_total=("zone_potential", "sum"),
        zone_potential_visitable_total=("zone_potential_visitable", "sum"),
    )
    out = out.reset_index()
    for col in ("zone_potential_total", "zone_potential_visitable_total"):
        out[f"rank_{col.removesuffix('_total')}"] = pd.concat(
            [rank(g[col], ascending=False) for _, g in out.groupby("zone", sort=False)]
        )
    visitors = huff.pivot_table(
        index=keys, columns="people", values="expected_visitors", aggfunc="sum", sort=False
    )
    for people in PEOPLE:
        out[f"huff_visitors_{people}"] = out.set_index(keys).index.map(visitors[people]).to_numpy()
    return out


def compute_analytics(study: Study, network: RoadNetwork, with_polygons: bool = True) -> Analytics:
    """Every table and layer of :class:`Analytics` for the study's zone definitions.

    ``network`` must carry the study's speed model and factor
    (:func:`geo.pipeline.compute.study_network`).
    """
    times = town_times(study, network)
    zones = study_zones(study)
    measures = zone_measures(study, times, zones)
    huff = huff_table(study, times, zones)
    polygons = (
        time_zone_polygons(study, times, study.zones.zone_minutes)
        if with_polygons and "time" in study.zones.kinds
        else gpd.GeoDataFrame({"agglomeration": []}, geometry=[], crs="EPSG:4326")
    )
    return Analytics(
        zone_towns=zone_membership(study, times, zones),
        zone_measures=measures,
        zone_summary=zone_summary(measures, huff),
        huff=huff,
        shadow=shadow_table(study, times),
        time_zones=polygons,
    )
