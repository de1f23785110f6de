"""The analytical core: drive times, routes, OD table, agglomeration measures, isochrones.

:func:`compute_access` takes a study and its network and returns :class:`AccessResults`,
which :mod:`geo.io` writes to disk and :mod:`maps` draws.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import __version__
from .agglomeration import decay, rank, zone_entry, zone_measures
from .distance import geodesic_circle
from .errors import UralAccessWarning
from .network import RoadNetwork
from .places import GEONAMES_CITATION
from .progress import ProgressFn, iterate
from .routing import Router, ShortestPathTree
from .study import Study

#: Routes are cut into pieces of this many seconds (the maps colour each by time so far).
ROUTE_SEGMENT_S = 300.0


def slug(name: str) -> str:
    """An ASCII column-name fragment for a place name (``"Ekaterinburg"`` → ``ekaterinburg``)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "place"


@dataclass
class AccessResults:
    """Everything computed for one study (tables in minutes and kilometres)."""

    study: Study
    places: pd.DataFrame
    od: pd.DataFrame
    towns: pd.DataFrame
    summary: pd.DataFrame
    routes: gpd.GeoDataFrame
    route_segments: gpd.GeoDataFrame
    """Routes cut every 5 minutes, for colouring them by the drive time so far."""
    isochrones: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    provenance: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    network_provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def cities(self) -> list[tuple[str, str]]:
        """(name, column slug) of each first-tier city."""
        return [(p.name, slug(p.name)) for p in self.study.first_tier]


def _speed_label(info: dict[str, Any]) -> str:
    """One-line speed model label for table headers (the full record is in the network)."""
    return (
        f"{info.get('name')} (table {info.get('table')}, version {info.get('version')}, "
        f"sha256 {str(info.get('table_sha256', ''))[:12]}), factor {info.get('factor')}"
    )


def _places_table(study: Study) -> pd.DataFrame:
    """Study places and every zone settlement, one row each, keyed by GeoNames id."""
    rows: dict[int, dict[str, Any]] = {}

    def add(
        place_id: int, name: str, gname: str, lon: float, lat: float, pop: int, role: str
    ) -> None:
        if place_id not in rows:
            rows[place_id] = {
                "place_id": place_id,
                "name": name,
                "geonames_name": gname,
                "lon": lon,
                "lat": lat,
                "population": pop,
                "role": role,
                "agglomerations": [],
            }

    for p in study.first_tier:
        add(p.geonameid, p.name, p.geonames_name, p.lon, p.lat, p.population, "first_tier")
    for agg in study.agglomerations:
        add(
            agg.center.geonameid,
            agg.center.name,
            agg.center.geonames_name,
            agg.center.lon,
            agg.center.lat,
            agg.center.population,
            "center",
        )
        for m in agg.members:
            add(m.geonameid, m.name, m.geonames_name, m.lon, m.lat, m.population, "member")
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
        )
        rows[int(r.geonameid)]["agglomerations"].append(str(r.agglomeration))
    table = pd.DataFrame(list(rows.values()))
    table["agglomerations"] = table["agglomerations"].map(lambda a: "; ".join(sorted(set(a))))
    return table


def compute_access(
    study: Study,
    network: RoadNetwork,
    progress: ProgressFn | None = None,
    with_isochrones: bool = True,
) -> AccessResults:
    """Compute every table and layer of the study on the network.

    Unreachable or unsnappable places get NaN and a :class:`UralAccessWarning`; the
    messages are also collected in ``AccessResults.warnings``.
    """
    say = progress or (lambda _msg: None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UralAccessWarning)
        results = _compute(study, network, say, progress, with_isochrones)
    messages = [str(w.message) for w in caught if issubclass(w.category, UralAccessWarning)]
    for w in caught:
        if not issubclass(w.category, UralAccessWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    # Re-issue ours so library users see them too, once each.
    for msg in dict.fromkeys(messages):
        warnings.warn(msg, UralAccessWarning, stacklevel=2)
    results.warnings = list(dict.fromkeys(messages))
    return results


def _compute(
    study: Study,
    network: RoadNetwork,
    say: ProgressFn,
    progress: ProgressFn | None,
    with_isochrones: bool,
) -> AccessResults:
    if (study.speed_model, study.speed_factor) != (
        network.provenance.get("speed_model", {}).get("name"),
        network.provenance.get("speed_model", {}).get("factor"),
    ):
        network = network.with_speeds(study.speed_model, study.speed_factor)
    places = _places_table(study)
    say(f"joining {len(places)} places to the network (limit {study.snap_limit_km:g} km)")
    router = Router(
        network, places[["place_id", "name", "lon", "lat"]], study.snap_limit_km * 1000.0
    )
    snap = router.snap.table.set_index("place_id")
    places["node"] = places["place_id"].map(snap["node"]).astype(int)
    places["snap_m"] = places["place_id"].map(snap["snap_m"])

    key_ids = [p.geonameid for p in study.all_places()]
    trees: dict[int, ShortestPathTree | None] = {}
    for pid in iterate(progress, key_ids, len(key_ids), "fastest-route trees"):
        node = int(places.loc[places["place_id"] == pid, "node"].iloc[0])
        trees[pid] = router.tree(node) if node >= 0 else None

    nodes = places["node"].to_numpy()
    ok = nodes >= 0
    # Drive time and route distance from each first-tier city to every place.
    cities = [(p, slug(p.name)) for p in study.first_tier]
    for city, key in cities:
        tree = trees[city.geonameid]
        t = np.full(len(places), np.nan)
        d = np.full(len(places), np.nan)
        if tree is None:
            warnings.warn(
                f"first-tier city {city.name!r} is not on the network: all its drive times are NaN",
                UralAccessWarning,
                stacklevel=2,
            )
        else:
            t[ok] = tree.time_s[nodes[ok]] / 60.0
            d[ok] = tree.dist_m[nodes[ok]] / 1000.0
            t[~np.isfinite(t)] = np.nan
            d[~np.isfinite(t)] = np.nan
            for name in places.loc[ok & np.isnan(t), "name"]:
                warnings.warn(
                    f"{name!r} cannot be reached from {city.name} by road: its time is NaN",
                    UralAccessWarning,
                    stacklevel=2,
                )
        places[f"time_min_from_{key}"] = t
        places[f"dist_km_from_{key}"] = d

    # OD table between the study's own places (cities, centres, named members).
    od_rows = []
    key_nodes = {pid: int(places.loc[places["place_id"] == pid, "node"].iloc[0]) for pid in key_ids}
    names = dict(zip(places["place_id"], places["name"], strict=True))
    for a in key_ids:
        tree = trees[a]
        for b in key_ids:
            nb = key_nodes[b]
            if tree is None or nb < 0 or not np.isfinite(tree.time_s[nb]):
                t_ab, d_ab = np.nan, np.nan
            else:
                t_ab, d_ab = tree.time_s[nb] / 60.0, tree.dist_m[nb] / 1000.0
            od_rows.append((a, names[a], b, names[b], t_ab, d_ab))
    od = pd.DataFrame(
        od_rows, columns=["from_id", "from_name", "to_id", "to_name", "time_min", "dist_km"]
    )

    # Towns of each zone, with times from each city.
    zone = study.zone_settlements()
    time_cols = [c for c in places.columns if c.startswith(("time_min_from_", "dist_km_from_"))]
    towns = zone.merge(
        places[["place_id", "snap_m", *time_cols]],
        left_on="geonameid",
        right_on="place_id",
        how="left",
    ).drop(columns="place_id")

    # Routes to the centres, zone entry, and the summary table.
    route_rows, summary_rows, segment_rows = [], [], []
    for agg in study.agglomerations:
        center_node = key_nodes[agg.center.geonameid]
        in_zone = towns[(towns["agglomeration"] == agg.name) & towns["within_radius"]]
        row: dict[str, Any] = {
            "agglomeration": agg.name,
            "center": agg.center.name,
            "members": "; ".join(m.name for m in agg.members),
            "population_k_source": agg.population_k,
            "net_revenue_mln_rub_source": agg.net_revenue_mln_rub,
            "zone_towns": len(in_zone),
            "zone_population": int(in_zone["population"].sum()),
        }
        potential_total = 0.0
        for city, key in cities:
            tree = trees[city.geonameid]
            route = (
                router.route_line(tree, center_node)
                if tree is not None and center_node >= 0
                else None
            )
            t_c = route.time_s / 60.0 if route else np.nan
            d_c = route.dist_m / 1000.0 if route else np.nan
            entry = zone_entry(route, agg.center.lon, agg.center.lat, study.radius_km) / 60.0
            row[f"time_to_center_min_from_{key}"] = t_c
            row[f"dist_to_center_km_from_{key}"] = d_c
            row[f"zone_entry_min_from_{key}"] = entry
            measures = zone_measures(in_zone, f"time_min_from_{key}", study.coverage_min)
            for m, value in measures.items():
                row[f"{m}_from_{key}"] = value
            potential = float(city.population * decay(t_c, study.decay))
            row[f"potential_from_{key}"] = potential
            potential_total += potential
            if route is not None:
                line = shapely.set_precision(route.line, 1e-6)
                route_rows.append((city.name, agg.name, agg.center.name, t_c, d_c, entry, line))
                for start, end, piece in route.split_by_time(ROUTE_SEGMENT_S):
                    segment_rows.append((city.name, agg.name, start / 60.0, end / 60.0, piece))
            elif tree is not None:
                warnings.warn(
                    f"no road route from {city.name} to {agg.center.name} ({agg.name})",
                    UralAccessWarning,
                    stacklevel=2,
                )
        row["potential_total"] = potential_total
        summary_rows.append(row)
    summary = pd.DataFrame(summary_rows)
    summary["rank_potential"] = rank(summary["potential_total"], ascending=False)
    for _city, key in cities:
        summary[f"rank_time_from_{key}"] = rank(
            summary[f"time_to_center_min_from_{key}"], ascending=True
        )
    routes = gpd.GeoDataFrame(
        pd.DataFrame(
            route_rows,
            columns=[
                "origin",
                "agglomeration",
                "center",
                "time_min",
                "dist_km",
                "zone_entry_min",
                "geometry",
            ],
        ),
        geometry="geometry",
        crs="EPSG:4326",
    )

    route_segments = gpd.GeoDataFrame(
        pd.DataFrame(
            segment_rows, columns=["origin", "agglomeration", "from_min", "to_min", "geometry"]
        ),
        geometry="geometry",
        crs="EPSG:4326",
    )
    zones = gpd.GeoDataFrame(
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

    iso_frames = []
    if with_isochrones:
        from .isochrones import isochrones

        for city, _key in cities:
            tree = trees[city.geonameid]
            if tree is None:
                continue
            say(f"isochrones from {city.name} ({len(study.bands_min)} bands)")
            iso = isochrones(
                network,
                tree.time_s[: network.n_nodes],
                study.bands_min,
                study.local_crs(),
                buffer_m=study.isochrone_buffer_m,
            )
            iso.insert(0, "origin", city.name)
            iso_frames.append(iso)
    isochrones_gdf = (
        gpd.GeoDataFrame(
            pd.concat(iso_frames, ignore_index=True), geometry="geometry", crs="EPSG:4326"
        )
        if iso_frames
        else gpd.GeoDataFrame({"origin": [], "band_min": []}, geometry=[], crs="EPSG:4326")
    )

    provenance = {
        "study": study.key,
        "title": study.title,
        "ural_access_version": __version__,
        "osm_source": network.provenance.get("source"),
        "osm_timestamp": network.provenance.get("osm_timestamp"),
        "osm_licence": "© OpenStreetMap contributors, ODbL 1.0",
        "places_source": GEONAMES_CITATION,
        "road_classes": network.provenance.get("road_classes"),
        "speed_model": _speed_label(network.provenance.get("speed_model", {})),
        "network_nodes": network.n_nodes,
        "network_edges": network.n_edges,
        "parameters": study.parameters(),
    }
    places = places.drop(columns=["node"])
    return AccessResults(
        study=study,
        places=places,
        od=od,
        towns=towns,
        summary=summary,
        routes=routes,
        route_segments=route_segments,
        isochrones=isochrones_gdf,
        zones=zones,
        provenance=provenance,
        network_provenance=dict(network.provenance),
    )
