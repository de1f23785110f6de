"""Drive times between the study's cities and centres and every town of the study area.

The analytics of issue 20 (zones by drive time, the big cities' shadow, competing
destinations, the sensitivity grid) all read one table: every settlement of the study
area with at least ``min_population`` people (and every study place), joined to the
network on its own :class:`~geo.routing.router.Router`, with the drive time from each first-tier
city and from each agglomeration's centre. :func:`town_times` builds it; the measures are
then pure functions of it, so runs that change only the zone or the closed towns share
one set of trees.

Times run from the city (or centre) to the town, on the same one-way roads and turn costs
as every other result; the way back may differ where one-way roads split the route.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from ..base.arrays import FloatArray
from ..network.road_network import RoadNetwork
from ..routing.router import Router, ShortestPathTree
from ..study.definition import Study
from ..study.places import settlements_near
from .designations import designation_flags

__all__ = ["TownTimes", "study_area_towns", "town_times"]

log = logging.getLogger(__name__)


@dataclass
class TownTimes:
    """Every town of the study area and the drive times to it (minutes, NaN: no route)."""

    towns: pd.DataFrame
    """One row per town: ``geonameid``, ``name``, ``lon``, ``lat``, ``population``,
    ``admin1``, ``region``, ``node`` (-1: not joined), ``join_km``, ``closed_town``,
    ``single_industry``, ``visitable``."""
    from_city: dict[int, FloatArray]
    """Drive time from each first-tier city (by GeoNames id) to each town, in row order."""
    from_centre: dict[str, FloatArray]
    """Drive time from each agglomeration's centre (by agglomeration name) to each town."""
    centre_trees: dict[str, ShortestPathTree | None] = field(default_factory=dict, repr=False)
    """The centres' trees, for the reachable-area polygons."""
    network: RoadNetwork | None = field(default=None, repr=False)


def study_area_towns(study: Study) -> pd.DataFrame:
    """Settlements of the study area with at least ``min_population`` people, and every
    study place (cities, centres, named members) whatever its size; one row each.

    From the study's town table if it has one, else GeoNames; flagged as closed or
    single-industry towns (:func:`geo.analysis.designations.designation_flags`).
    """
    area = study.area()
    west, south, east, north = area.bounds
    source = study.towns if study.towns is not None else settlements_near(west, south, east, north)
    big = source[source["population"] >= study.min_population]
    inside = shapely.contains_xy(area, big["lon"].to_numpy(), big["lat"].to_numpy())
    towns = big[inside].drop(columns=["alternatenames"], errors="ignore")
    own = pd.DataFrame(
        [
            {
                "geonameid": p.geonameid,
                "name": p.geonames_name,
                "lon": p.lon,
                "lat": p.lat,
                "population": p.population,
                "country": p.country,
                "admin1": p.admin1,
            }
            for p in study.all_places()
        ]
    )
    towns = pd.concat([own, towns], ignore_index=True).drop_duplicates("geonameid")
    names = {p.geonameid: p.name for p in study.all_places()}
    towns = towns.assign(
        name=[
            names.get(int(g), str(n))
            for g, n in zip(towns["geonameid"], towns["name"], strict=True)
        ],
        region=[study.region_name(str(c)) for c in towns["admin1"]],
    )
    towns = towns.sort_values("geonameid", kind="stable").reset_index(drop=True)
    return designation_flags(towns)


def town_times(study: Study, network: RoadNetwork) -> TownTimes:
    """Join the study area's towns to ``network`` and time them from each city and centre.

    ``network`` must already carry the study's speed model and factor (the access legs
    are driven at ``access_speed_kph`` times the factor, as in :func:`geo.pipeline.compute.snap_places`).
    """
    towns = study_area_towns(study)
    log.info("joining %d study-area towns to the network", len(towns))
    router = Router.for_study(
        network,
        towns.rename(columns={"geonameid": "place_id"})[["place_id", "name", "lon", "lat"]],
        study,
    )
    snap = router.snap.table.set_index("place_id")
    nodes = towns["geonameid"].map(snap["node"]).fillna(-1).astype(np.int64).to_numpy()
    towns = towns.assign(node=nodes, join_km=towns["geonameid"].map(snap["snap_m"]) / 1000.0)
    by_id = dict(zip(towns["geonameid"].tolist(), nodes.tolist(), strict=True))

    def tree_of(place_id: int) -> ShortestPathTree | None:
        node = by_id.get(place_id, -1)
        return router.tree(node) if node >= 0 else None

    def minutes(tree: ShortestPathTree | None) -> FloatArray:
        out = np.full(len(towns), np.nan)
        if tree is not None:
            ok = nodes >= 0
            t = tree.time_s[nodes[ok]] / 60.0
            out[ok] = np.where(np.isfinite(t), t, np.nan)
        return out

    from_city = {}
    for city in study.first_tier:
        from_city[city.geonameid] = minutes(tree_of(city.geonameid))
    from_centre, trees = {}, {}
    for agg in study.agglomerations:
        trees[agg.name] = tree_of(agg.center.geonameid)
        from_centre[agg.name] = minutes(trees[agg.name])
    return TownTimes(towns, from_city, from_centre, trees, network)
