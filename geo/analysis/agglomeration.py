"""Agglomeration measures: how well each first-tier city reaches each agglomeration.

For every agglomeration and first-tier city (definitions in ``docs/method.md``):

- drive time and route distance to the central town and to every town of the zone;
- ``zone_entry_min``: the moment the fastest route to the centre first enters the
  zone circle (``radius_km`` around the centre, geodesic);
- ``mean_time_weighted_min``: the population-weighted mean drive time to the zone's towns;
- ``share_within_<T>``: the share of the zone's population reached within T minutes;
- ``potential``: a Hansen-type accessibility, the city's population weighted by a
  distance-decay function of the drive time to the centre: ``P_c · f(t)``, with
  ``f(t) = 2^(-t / half_life)`` (exponential) or ``2^(-(t / half_life)²)`` (gaussian).
  Summed over the first-tier cities it is the agglomeration's consumer-overflow potential
  (Hansen, W. G. 1959, "How accessibility shapes land use", JAIP 25(2): 73–76).

The stages of :func:`geo.access.compute_access` that make these tables are here too:
:func:`agglomeration_measures`, :func:`rank_agglomerations` and :func:`zone_circles`.
"""

from __future__ import annotations

import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from ..base.distance import geodesic_circle, geodesic_m
from ..errors import UralAccessWarning
from ..routing.router import Route, Router, ShortestPathTree
from ..study.definition import Agglomeration, Study
from ..study.options import DecayOptions
from ..study.places import Place

__all__ = [
    "ROUTE_SEGMENT_S",
    "Trees",
    "agglomeration_measures",
    "decay",
    "place_nodes",
    "rank",
    "rank_agglomerations",
    "zone_circles",
    "zone_entry",
    "zone_measures",
]

#: Routes are cut into pieces of this many seconds (the maps colour each by time so far).
ROUTE_SEGMENT_S = 300.0

#: Fastest-route trees by GeoNames id; ``None`` for a place not joined to the network.
Trees = dict[int, ShortestPathTree | None]


def decay(time_min: npt.ArrayLike, settings: DecayOptions) -> npt.NDArray[np.float64]:
    """Distance-decay weight of drive times (1 at 0 min, 1/2 at the half-life, NaN → 0)."""
    t = np.asarray(time_min, dtype=float) / settings.half_life_min
    if settings.function == "gaussian":
        w = np.exp2(-(t**2))
    else:
        w = np.exp2(-t)
    return np.where(np.isfinite(w), w, 0.0)


def zone_entry(
    route: Route | None, center_lon: float, center_lat: float, radius_km: float
) -> float:
    """Drive time (s) at which a route first comes within ``radius_km`` of the centre.

    The crossing is interpolated between the last vertex outside and the first inside;
    a route that starts inside gives 0, no route gives NaN.
    """
    if route is None:
        return float("nan")
    xy = np.asarray(route.line.coords)
    dist = geodesic_m(xy[:, 0], xy[:, 1], center_lon, center_lat) / 1000.0
    inside = np.flatnonzero(dist <= radius_km)
    if len(inside) == 0:
        return float("nan")
    k = int(inside[0])
    if k == 0:
        return 0.0
    # Linear in distance to the centre between the two vertices.
    share = (dist[k - 1] - radius_km) / (dist[k - 1] - dist[k])
    t = route.cum_time_s
    return float(t[k - 1] + share * (t[k] - t[k - 1]))


def zone_measures(
    towns: pd.DataFrame, time_col: str, coverage_min: tuple[float, ...]
) -> dict[str, float]:
    """Population-weighted mean time and coverage shares for one zone and one city.

    ``towns`` holds the zone's settlements within the radius, with ``population`` and the
    drive time in minutes in ``time_col`` (NaN where unreachable).
    """
    pop = towns["population"].to_numpy(dtype=float)
    t = towns[time_col].to_numpy(dtype=float)
    total = pop.sum()
    ok = np.isfinite(t)
    out: dict[str, float] = {
        "mean_time_weighted_min": float((pop[ok] * t[ok]).sum() / pop[ok].sum())
        if pop[ok].sum() > 0
        else float("nan"),
        "reachable_population_share": float(pop[ok].sum() / total) if total > 0 else float("nan"),
    }
    for limit in coverage_min:
        within = ok & (np.where(ok, t, np.inf) <= limit)
        out[f"share_within_{limit:g}_min"] = (
            float(pop[within].sum() / total) if total > 0 else float("nan")
        )
    return out


def rank(values: pd.Series, ascending: bool) -> pd.Series:
    """Dense-free ordinal rank (1 = best), NaN last and unranked, ties by order."""
    order = values.rank(method="first", ascending=ascending, na_option="keep")
    return order.astype("Int64")


# ---------------------------------------------------------------------- stages of compute_access
def place_nodes(places: pd.DataFrame) -> dict[int, int]:
    """Graph node of each place id (-1 where it is not on the network)."""
    return dict(zip(places["place_id"].tolist(), places["node"].tolist(), strict=True))


def _agglomeration_facts(agg: Agglomeration, in_zone: pd.DataFrame) -> dict[str, Any]:
    return {
        "agglomeration": agg.name,
        "center": agg.center.name,
        "members": "; ".join(m.name for m in agg.members),
        "population_k_source": agg.population_k,
        "net_revenue_mln_rub_source": agg.net_revenue_mln_rub,
        "zone_towns": len(in_zone),
        "zone_population": int(in_zone["population"].sum()),
    }


def _leg_measures(
    study: Study,
    agg: Agglomeration,
    city: Place,
    route: Route | None,
    in_zone: pd.DataFrame,
    same_node: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """The measures of one first-tier city for one agglomeration (a row of the summary).

    ``same_node`` is (time in min, distance in km) from the travel-time table when the
    city and the centre join the network at one node (the centre is the city itself):
    there is no road to drive, the centre is reached at once, and its zone entered at 0.
    """
    if route is None and same_node is not None:
        t_c, d_c, entry = same_node[0], same_node[1], 0.0
    else:
        t_c = route.time_s / 60.0 if route else np.nan
        d_c = route.dist_m / 1000.0 if route else np.nan
        entry = zone_entry(route, agg.center.lon, agg.center.lat, study.radius_km) / 60.0
    row: dict[str, Any] = {
        "origin_id": city.geonameid,
        "origin": city.name,
        "agglomeration": agg.name,
        "time_to_center_min": t_c,
        "dist_to_center_km": d_c,
        "zone_entry_min": entry,
    }
    row.update(zone_measures(in_zone, "time_min", study.routing.coverage_min))
    row["potential"] = float(city.population * decay(t_c, study.routing.decay))
    return row


def agglomeration_measures(
    study: Study,
    router: Router,
    places: pd.DataFrame,
    trees: Trees,
    towns: pd.DataFrame,
    travel_times: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Routes from each first-tier city to each centre, and the measures of each zone.

    Returns the agglomerations (one row each, with ``potential_total``), the summary
    (one row per first-tier city and agglomeration), the routes and the routes cut every
    :data:`ROUTE_SEGMENT_S` seconds.
    """
    nodes = place_nodes(places)
    times = {
        oid: rows.set_index("place_id")["time_min"]
        for oid, rows in travel_times.groupby("origin_id")
    }
    dists = {
        oid: rows.set_index("place_id")["dist_km"]
        for oid, rows in travel_times.groupby("origin_id")
    }
    agg_rows, summary_rows, route_rows, segment_rows = [], [], [], []
    for agg in study.agglomerations:
        center_node = nodes[agg.center.geonameid]
        in_zone = towns[(towns["agglomeration"] == agg.name) & towns["within_radius"]]
        row = _agglomeration_facts(agg, in_zone)
        center = places.loc[places["place_id"] == agg.center.geonameid].iloc[0]
        row["center_access_km"] = float(center["access_km"])
        row["center_access_min"] = float(center["access_min"])
        potential_total = 0.0
        for city in study.first_tier:
            tree = trees[city.geonameid]
            route = (
                router.route_line(tree, center_node)
                if tree is not None and center_node >= 0
                else None
            )
            city_zone = in_zone.assign(time_min=in_zone["geonameid"].map(times[city.geonameid]))
            same_node = None
            if route is None and tree is not None and center_node == nodes[city.geonameid]:
                # the centre is the city (or joins the road where it does): no route to draw
                key = agg.center.geonameid
                same_node = (
                    float(times[city.geonameid].get(key, np.nan)),
                    float(dists[city.geonameid].get(key, np.nan)),
                )
            leg = _leg_measures(study, agg, city, route, city_zone, same_node)
            summary_rows.append(leg)
            potential_total += leg["potential"]
            if route is not None:
                line = shapely.set_precision(route.line, 1e-6)
                t_c, d_c, entry = (
                    leg["time_to_center_min"],
                    leg["dist_to_center_km"],
                    leg["zone_entry_min"],
                )
                route_rows.append((city.name, agg.name, agg.center.name, t_c, d_c, entry, line))
                for start, end, piece in route.split_by_time(ROUTE_SEGMENT_S):
                    segment_rows.append((city.name, agg.name, start / 60.0, end / 60.0, piece))
            elif tree is not None and center_node >= 0 and same_node is None:
                warnings.warn(
                    f"no road route from {city.name} to {agg.center.name} ({agg.name})",
                    UralAccessWarning,
                    stacklevel=2,
                )
        row["potential_total"] = potential_total
        agg_rows.append(row)
    return (
        pd.DataFrame(agg_rows),
        pd.DataFrame(summary_rows),
        _lines(
            route_rows,
            ["origin", "agglomeration", "center", "time_min", "dist_km", "zone_entry_min"],
        ),
        _lines(segment_rows, ["origin", "agglomeration", "from_min", "to_min"]),
    )


def _lines(rows: list[tuple[Any, ...]], columns: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=[*columns, "geometry"]), geometry="geometry", crs="EPSG:4326"
    )


def rank_agglomerations(
    agglomerations: pd.DataFrame, summary: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank by potential (``rank_potential``) and, per city, by time (``rank_time``); 1 = best."""
    agglomerations = agglomerations.assign(
        rank_potential=rank(agglomerations["potential_total"], ascending=False)
    )
    ranks = [
        rank(rows["time_to_center_min"], ascending=True)
        for _, rows in summary.groupby("origin_id", sort=False)
    ]
    summary = summary.assign(rank_time=pd.concat(ranks) if ranks else pd.Series(dtype="Int64"))
    return agglomerations, summary


def zone_circles(study: Study) -> gpd.GeoDataFrame:
    """Each agglomeration's zone: the geodesic circle of ``radius_km`` around its centre."""
    return gpd.GeoDataFrame(
        {
            "agglomeration": [a.name for a in study.agglomerations],
            "center": [a.center.name for a in study.agglomerations],
            "radius_km": study.radius_km,
        },
        geometry=[
            shapely.Polygon(geodesic_circle(a.center.lon, a.center.lat, study.radius_km * 1000.0))
            for a in study.agglomerations
        ],
        crs="EPSG:4326",
    )
