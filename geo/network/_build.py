"""Building a network from OSM roads: cut the ways into edges, clip them to the area,
keep the largest strongly connected component, tag and time the edges
(:func:`geo.network.road_network.build_network`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .. import __version__
from ..errors import EmptyNetworkError
from ..osm.roads import OSMRoads
from ._edge_tags import built_up_flags, edge_speeds, edge_tag, edge_tag_columns
from ._speeds import implausible_maxspeeds, travel_times_s
from .profile import load_profile, node_obstacle_codes, profile_info


def network_fields(
    roads: OSMRoads,
    area: Any,
    road_classes: str,
    speed_model: str,
    speed_factor: float,
    extra_provenance: dict[str, Any] | None,
) -> dict[str, Any]:
    """The fields of :func:`geo.network.road_network.build_network`'s ``RoadNetwork``."""
    from ._topology import build_edges

    # the osrm-car rules for every profile, as OSRM's car.lua process_node has them
    obstacle = node_obstacle_codes(len(roads.node_ids), roads.node_rule_tags)
    edges = build_edges(roads, area, obstacle > 0, load_profile(speed_model).way.length)
    if len(edges.u) == 0:
        raise EmptyNetworkError(
            f"no road of class {road_classes} or above lies in the study area "
            f"(bounds {tuple(round(b, 3) for b in shapely.bounds(area))}); "
            "is the OSM data for another region?"
        )
    n = len(edges.node_ids)
    graph = coo_matrix((np.ones(len(edges.u)), (edges.u, edges.v)), shape=(n, n)).tocsr()
    n_comp, label = connected_components(graph, directed=True, connection="strong")
    sizes = np.bincount(label)
    # Ties go to the component with the lowest label, so rebuilding is deterministic.
    main = int(np.argmax(sizes))
    keep_node = label == main
    keep_edge = keep_node[edges.u] & keep_node[edges.v]
    remap = np.cumsum(keep_node) - 1

    way = edges.way[keep_edge]
    forward = edges.forward[keep_edge]

    dropped_len = edges.length_m[~keep_edge]
    dropped_oneway = edges.oneway[~keep_edge]
    provenance: dict[str, Any] = {
        "source": roads.source,
        "osm_timestamp": roads.timestamp,
        "road_classes": road_classes,
        "area_bounds": [round(float(b), 6) for b in shapely.bounds(area)],
        "area_wkt": shapely.to_wkt(area, rounding_precision=5),
        "ural_access_version": __version__,
        # the file as read: its content names the cache folder (geo.sources), and nodes
        # without a location leave road segments out
        "osm_file": {
            k: roads.meta[k]
            for k in ("sha256", "file_size_bytes", "missing_nodes", "road_nodes")
            if k in roads.meta
        },
        "largest_scc": {
            "components": int(n_comp),
            "dropped_nodes": int((~keep_node).sum()),
            "dropped_edges": int((~keep_edge).sum()),
            "dropped_km": round(
                float((dropped_len * np.where(dropped_oneway, 1.0, 0.5)).sum() / 1000.0), 3
            ),
        },
        **(extra_provenance or {}),
    }
    highway, maxspeed, rules = edge_tag_columns(roads.tags, way, forward)
    rules["urban"], provenance["settlements"] = built_up_flags(
        roads.built_up, edges.geometry[keep_edge]
    )
    length = edges.length_m[keep_edge]
    speed = edge_speeds(highway, maxspeed, rules, speed_model, speed_factor)
    provenance["speed_model"] = profile_info(speed_model, speed_factor)
    # Limits such as 0.5 or 10000 km/h got the class default: say how many.
    provenance["maxspeed_implausible"] = implausible_maxspeeds(maxspeed)
    restrictions = roads.restrictions
    if restrictions is not None and len(restrictions):
        # Only restrictions whose via node is in the graph can apply (via ways: negative).
        via = restrictions[:, 3]
        restrictions = restrictions[(via < 0) | np.isin(via, edges.node_ids[keep_node])]
    return dict(
        node_osmid=edges.node_ids[keep_node],
        node_lon=edges.lon[keep_node],
        node_lat=edges.lat[keep_node],
        u=remap[edges.u[keep_edge]],
        v=remap[edges.v[keep_edge]],
        length_m=length,
        highway=highway,
        maxspeed=maxspeed,
        name=edge_tag(roads.tags, "name", way),
        ref=edge_tag(roads.tags, "ref", way),
        oneway=edges.oneway[keep_edge],
        osm_way_id=roads.way_ids[edges.way[keep_edge]],
        geometry=edges.geometry[keep_edge],
        speed_kph=speed,
        travel_time_s=travel_times_s(length, speed),
        provenance=provenance,
        dropped_geometry=edges.geometry[~keep_edge],
        rules=rules,
        node_obstacle=obstacle[np.searchsorted(roads.node_ids, edges.node_ids[keep_node])],
        restrictions=restrictions,
    )
