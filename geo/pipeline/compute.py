"""The analytical core: drive times, routes, OD table, agglomeration measures, isochrones.

:func:`compute_access` takes a study and its network and returns :class:`AccessResults`,
which :mod:`geo.io` writes to disk and :mod:`maps` draws. It runs these stages, in this
order; each is a public function, so a notebook can run (or replace) one at a time:

1. :func:`study_network` — the network with the study's speed model;
2. :func:`places_table` — the study's places and every zone settlement;
3. :func:`snap_places` — each place joined to its nearest road (the :class:`Router`);
4. :func:`place_trees` — a fastest-route tree from each city, centre and named member;
5. :func:`city_travel_times` — drive time and distance from each first-tier city to
   each place, one row per (origin id, place id);
6. :func:`od_matrix` — times and distances between the study's own places;
7. :func:`zone_towns` — each zone's settlements with their times;
8. :func:`agglomeration_measures` — routes to the centres, zone entry, coverage and
   potential, one row per (origin id, agglomeration), the routes and their segments;
9. :func:`rank_agglomerations` — ranks by potential and, per city, by time;
10. :func:`zone_circles` — the zones' circles;
11. :func:`isochrone_layer` — drive-time bands from each first-tier city, and the
    drive-time surface (:func:`geo.analysis.surface.study_surface`);
12. :func:`results_provenance` — data date and source, speed model, parameters, version;
13. :func:`geo.analysis.analytics.compute_analytics` — zones by drive time, closed towns,
    the big cities' shadow and the competing-destination (Huff) shares.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import __version__
from ..analysis.agglomeration import (
    Trees,
    agglomeration_measures,
    place_nodes,
    rank_agglomerations,
    zone_circles,
)
from ..analysis.analytics import compute_analytics
from ..analysis.context import study_context
from ..analysis.designations import place_flags
from ..analysis.estimates import (
    ACCESS_COLUMNS,
    FLAG_KM,
    flag_summary,
    flag_travel_times,
    leg_summary,
    mark_unreachable,
    place_reasons,
    road_classes_present,
)
from ..analysis.surface import study_surface, surface_record
from ..analysis.surface_classes import surface_polygons
from ..base.progress import iterate
from ..errors import UralAccessWarning
from ..network.road_network import RoadNetwork
from ..osm.sources import data_warnings
from ..results.access_results import AccessResults, empty_surface
from ..routing.router import Router
from ..routing.travel_times import tree_table
from ..study.definition import Study
from ..study.places import GEONAMES_CITATION, Place

__all__ = [
    "city_travel_times",
    "compute_access",
    "isochrone_layer",
    "od_matrix",
    "place_trees",
    "places_table",
    "results_provenance",
    "snap_places",
    "study_network",
    "zone_towns",
]

log = logging.getLogger(__name__)


def _settlements_label(info: dict[str, Any]) -> str:
    """Which urban-limit rule applied (docs/speed_model.md, Profiles)."""
    if not info.get("areas"):
        return str(info.get("note", "built-up areas not read: rule off"))
    return (
        f"urban limit on untagged roads inside {info['areas']} built-up areas "
        f"({info.get('edges_inside', 0)} edges), where the profile has one"
    )


def _speed_label(info: dict[str, Any]) -> str:
    """One-line speed model label for table headers (the full record is in the network)."""
    return (
        f"{info.get('name')} (table {info.get('table')}, version {info.get('version')}, "
        f"sha256 {str(info.get('table_sha256', ''))[:12]}), factor {info.get('factor')}"
    )


def places_table(study: Study) -> pd.DataFrame:
    """Study places and every zone settlement, one row each, keyed by GeoNames id."""
    rows: dict[int, dict[str, Any]] = {}

    def add(
        place_id: int,
        name: str,
        gname: str,
        lon: float,
        lat: float,
        pop: int,
        role: str,
        region: str,
    ) -> None:
        if place_id not in rows:
            rows[place_id] = {
                "place_id": place_id,
                "name": name,
                "geonames_name": gname,
                "lon": lon,
                "lat": lat,
                "population": pop,
                "region": region,
                "role": role,
                "agglomerations": [],
            }

    def add_place(p: Place, role: str) -> None:
        region = study.region_name(p.admin1)
        add(p.geonameid, p.name, p.geonames_name, p.lon, p.lat, p.population, role, region)

    for p in study.first_tier:
        add_place(p, "first_tier")
    for agg in study.agglomerations:
        add_place(agg.center, "center")
        for m in agg.members:
            add_place(m, "member")
    zone = study.zone_settlements()
    for r in zone.itertuples():
        add(
            int(r.geonameid),
            str(r.display_name),
            str(r.name),
            float(r.lon),
            float(r.lat),
            int(r.population),
            "settlement",
            str(r.region),
        )
        rows[int(r.geonameid)]["agglomerations"].append(str(r.agglomeration))
    table = pd.DataFrame(list(rows.values()))
    table["agglomerations"] = table["agglomerations"].map(lambda a: "; ".join(sorted(set(a))))
    admin1 = {p.geonameid: p.admin1 for p in study.all_places()}
    admin1.update(zip(zone["geonameid"].tolist(), zone["admin1"].astype(str).tolist(), strict=True))
    return place_flags(table, admin1, study.towns)


def compute_access(
    study: Study,
    network: RoadNetwork,
    with_isochrones: bool = True,
    with_context: bool = True,
) -> AccessResults:
    """Compute every table and layer of the study on the network (``with_isochrones``:
    also the isochrones and the drive-time surface).

    Unreachable or unsnappable places get NaN and a :class:`UralAccessWarning`; the
    messages are also collected in ``AccessResults.warnings``. ``with_context`` adds the
    map context of the network's road data (roads, water, borders, place names).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UralAccessWarning)
        results = _compute(study, network, with_isochrones)
        if with_context:
            log.info("reading the map context (roads, water, borders)")
            results.context = study_context(study, network)
    messages = [str(w.message) for w in caught if issubclass(w.category, UralAccessWarning)]
    for w in caught:
        if not issubclass(w.category, UralAccessWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    # Re-issue ours so library users see them too, once each.
    for msg in dict.fromkeys(messages):
        warnings.warn(msg, UralAccessWarning, stacklevel=2)
    results.warnings = list(dict.fromkeys(messages))
    return results


def _compute(study: Study, network: RoadNetwork, with_isochrones: bool) -> AccessResults:
    network = study_network(study, network)
    for text in data_warnings(network.provenance):
        warnings.warn(text, UralAccessWarning, stacklevel=2)
    router, places = snap_places(study, network, places_table(study))
    trees = place_trees(router, places, study)
    times = city_travel_times(study, places, trees)
    places["no_time_reason"] = mark_unreachable(places, times)
    towns = zone_towns(study, places)
    aggs, summary, routes, segments = agglomeration_measures(
        study, router, places, trees, towns, times
    )
    aggs, summary = rank_agglomerations(aggs, summary)
    summary = flag_summary(summary, places, study)
    raster = study_surface(study, network, trees) if with_isochrones else None
    prov = results_provenance(study, network, places)
    if raster is not None:
        prov["surface"] = surface_record(raster)
    return AccessResults(
        study=study,
        places=places.drop(columns=["node"]),
        travel_times=flag_travel_times(times, places),
        od=flag_travel_times(od_matrix(study, places, trees), places),
        towns=towns,
        agglomerations=aggs,
        summary=summary,
        routes=routes,
        route_segments=segments,
        isochrones=isochrone_layer(study, network, trees) if with_isochrones else _no_isochrones(),
        zones=zone_circles(study),
        provenance=prov,
        network_provenance=dict(network.provenance),
        analytics=compute_analytics(study, network, with_polygons=with_isochrones),
        surface=surface_polygons(raster, study.routing.bands_min) if raster else empty_surface(),
        surface_raster=raster,
    )


# ---------------------------------------------------------------------- stages
def study_network(study: Study, network: RoadNetwork) -> RoadNetwork:
    """The network with the study's speed model and factor (itself if it has them)."""
    info = network.provenance.get("speed_model", {})
    if (study.speed.model, study.speed.factor) != (info.get("name"), info.get("factor")):
        return network.with_speeds(study.speed.model, study.speed.factor)
    return network


def snap_places(
    study: Study,
    network: RoadNetwork,
    places: pd.DataFrame,
) -> tuple[Router, pd.DataFrame]:
    """Join each place to its nearest road, with an access leg (:mod:`geo.access_leg`).

    Returns the router (the network with the places inserted as nodes) and the places
    with more columns: ``node`` (-1 where no road is near enough), ``join_km`` (the
    straight-line distance to the network), ``access_km`` and ``access_min`` (the leg's
    length and time, which every drive time and route distance below includes),
    ``nearest_road_km`` (joined or not), ``leg_over_1km`` and ``no_time_reason``
    (:mod:`geo.analysis.estimates`).
    """
    routing = study.routing
    # The study's speed factor scales the leg like every road.
    leg_speed = routing.access_speed_kph * study.speed.factor
    log.info(
        "joining %d places to the network (access legs up to %g km, x%g at %g km/h)",
        len(places),
        routing.snap_limit_km,
        routing.access_detour_factor,
        leg_speed,
    )
    router = Router.for_study(network, places[["place_id", "name", "lon", "lat"]], study)
    snap = router.snap.table.set_index("place_id")
    places = places.copy()
    places["node"] = places["place_id"].map(snap["node"]).astype(int)
    places["join_km"] = places["place_id"].map(snap["snap_m"]) / 1000.0
    places["access_km"] = places["place_id"].map(snap["access_m"]) / 1000.0
    places["access_min"] = places["place_id"].map(snap["access_s"]) / 60.0
    places["nearest_road_km"], places["no_time_reason"] = place_reasons(
        router.snap.table, places["place_id"]
    )
    places["leg_over_1km"] = places["join_km"] > FLAG_KM
    # Where the leg meets the road (the maps draw the leg); GeoPackage only, not the CSV.
    places["join_lon"] = places["place_id"].map(snap["join_lon"]).round(6)
    places["join_lat"] = places["place_id"].map(snap["join_lat"]).round(6)
    return router, places


def place_trees(router: Router, places: pd.DataFrame, study: Study) -> Trees:
    """A fastest-route tree from each first-tier city, centre and named member."""
    key_ids = [p.geonameid for p in study.all_places()]
    nodes = place_nodes(places)
    trees: Trees = {}
    for pid in iterate(key_ids, len(key_ids), "fastest-route trees", log):
        trees[pid] = router.tree(nodes[pid]) if nodes[pid] >= 0 else None
    return trees


def city_travel_times(study: Study, places: pd.DataFrame, trees: Trees) -> pd.DataFrame:
    """Drive time and route distance from each first-tier city to each place (long).

    One row per (``origin_id``, ``place_id``) with the city's name in ``origin``
    (:func:`~geo.routing.travel_times.tree_table`); a place the city's roads do not reach
    gets NaN and a warning naming it.
    """
    nodes = places["node"].to_numpy()
    cities = {city.geonameid: trees[city.geonameid] for city in study.first_tier}
    table = tree_table(cities, nodes, places["place_id"].to_numpy())
    names = {city.geonameid: city.name for city in study.first_tier}
    table.insert(1, "origin", table["origin_id"].map(names))
    place_name = dict(zip(places["place_id"], places["name"], strict=True))
    # a city off the network has had its one warning from the join
    has_tree = np.array([tree is not None for tree in cities.values()], dtype=bool)
    lost = table["time_min"].isna().to_numpy() & np.tile(nodes >= 0, len(cities))
    lost &= np.repeat(has_tree, len(nodes))  # the table's rows: each city's places in turn
    for origin, place in zip(table.loc[lost, "origin"], table.loc[lost, "place_id"], strict=True):
        warnings.warn(
            f"{place_name[place]!r} cannot be reached from {origin} by road: its time is NaN",
            UralAccessWarning,
            stacklevel=2,
        )
    return table


def od_matrix(study: Study, places: pd.DataFrame, trees: Trees) -> pd.DataFrame:
    """Drive time and distance between the study's own places (cities, centres, members),
    in the shape of every drive-time table: (``origin_id``, ``place_id``) with names."""
    key_ids = [p.geonameid for p in study.all_places()]
    nodes = place_nodes(places)
    names = dict(zip(places["place_id"], places["name"], strict=True))
    to_nodes = np.array([nodes[b] for b in key_ids], dtype=np.int64)
    table = tree_table({a: trees[a] for a in key_ids}, to_nodes, np.asarray(key_ids))
    table.insert(1, "origin", table["origin_id"].map(names))
    table.insert(3, "place", table["place_id"].map(names))
    return table


def zone_towns(study: Study, places: pd.DataFrame) -> pd.DataFrame:
    """Each zone's settlements (:meth:`Study.zone_settlements`) with their access legs."""
    zone = study.zone_settlements()
    by_id = places.set_index("place_id")
    for col in ACCESS_COLUMNS:
        zone[col] = zone["geonameid"].map(by_id[col])
    return zone


def _no_isochrones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"origin": [], "band_min": []}, geometry=[], crs="EPSG:4326")


def isochrone_layer(study: Study, network: RoadNetwork, trees: Trees) -> gpd.GeoDataFrame:
    """Drive-time bands (``study.routing.bands_min``) from each first-tier city."""
    from ..analysis.isochrones import isochrones

    bands = study.routing.bands_min
    frames = []
    for city in study.first_tier:
        tree = trees[city.geonameid]
        if tree is None:
            continue
        log.info("isochrones from %s (%d bands)", city.name, len(bands))
        iso = isochrones(
            network,
            tree.time_s[: network.n_nodes],
            bands,
            study.local_crs(),
            buffer_m=study.routing.isochrone_buffer_m,
        )
        iso.insert(0, "origin", city.name)
        frames.append(iso)
    if not frames:
        return _no_isochrones()
    return gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )


def results_provenance(
    study: Study, network: RoadNetwork, places: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Where the results come from: OSM data date and source, speed model, parameters,
    and (given the joined places) how many needed an access leg."""
    prov = network.provenance
    extra = {"access_legs": leg_summary(places)} if places is not None else {}
    return {
        "study": study.key,
        "title": study.title,
        "ural_access_version": __version__,
        "osm_source": prov.get("source"),
        "osm_timestamp": prov.get("osm_timestamp"),
        "osm_licence": "© OpenStreetMap contributors, ODbL 1.0",
        "places_source": GEONAMES_CITATION,
        "zone_towns_source": study.towns_source,
        "road_classes": prov.get("road_classes"),
        "road_classes_present": road_classes_present(network.km_by_class()),
        "speed_model": _speed_label(prov.get("speed_model", {})),
        "settlements": _settlements_label(prov.get("settlements", {})),
        "turns": "turn restrictions, barriers, local-only roads and the profile's turn and "
        "junction costs (geo/turns.py; every parameter in the network's provenance)",
        "maxspeed_implausible_edges": int(prov.get("maxspeed_implausible", {}).get("edges", 0)),
        "osm_missing_node_locations": int(prov.get("osm_file", {}).get("missing_nodes", 0)),
        "network_nodes": network.n_nodes,
        "network_edges": network.n_edges,
        "parameters": study.parameters(),
        **extra,
    }
