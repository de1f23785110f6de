"""Turn OSM ways into graph edges, vectorised (no Python loop over ways or nodes).

A way is cut into edges at every node where the road network branches: a node used by
more than one way, used twice by the same way, or where a way ends. The nodes between
become the edge's geometry, as osmnx's simplified graphs do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from ..base.distance import great_circle_m
from ..osm.roads import OSMRoads
from ._way_rules import osrm_distance_m

_YES = {"yes", "true", "1"}
_REVERSE = {"-1", "reverse"}
_NO = {"no", "false", "0"}
#: Ways one-way by OSM convention even without ``oneway=yes`` (OSM wiki, Key:oneway).
_IMPLIED_ONEWAY_HIGHWAY = {"motorway", "motorway_link"}
_IMPLIED_ONEWAY_JUNCTION = {"roundabout", "circular"}


@dataclass
class Edges:
    """Directed edges between graph nodes (indices into ``node_ids``)."""

    node_ids: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    way: npt.NDArray[np.int64]
    """Index of the OSM way each edge comes from (into the ``OSMRoads`` arrays)."""
    length_m: npt.NDArray[np.float64]
    geometry: npt.NDArray[np.object_]
    oneway: npt.NDArray[np.bool_]
    forward: npt.NDArray[np.bool_]
    """Whether the edge runs along its way's node order (else against it)."""


def way_directions(roads: OSMRoads) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Whether each way can be driven forwards and backwards (along its node order)."""
    oneway = np.array(
        [str(v).strip().lower() if v is not None else "" for v in roads.tags["oneway"]]
    )
    junction = roads.tags["junction"]
    highway = roads.tags["highway"]
    implied = np.array(
        [
            h in _IMPLIED_ONEWAY_HIGHWAY or j in _IMPLIED_ONEWAY_JUNCTION
            for h, j in zip(highway, junction, strict=True)
        ],
        dtype=bool,
    )
    is_yes = np.isin(oneway, list(_YES))
    is_rev = np.isin(oneway, list(_REVERSE))
    is_no = np.isin(oneway, list(_NO))
    one = is_yes | is_rev | (implied & ~is_no)
    forward = ~is_rev
    backward = ~one | is_rev
    return forward, backward


def build_edges(
    roads: OSMRoads,
    area: BaseGeometry | None,
    split_at: npt.NDArray[np.bool_] | None = None,
    measure: str = "sphere",
) -> Edges:
    """Cut ways into directed edges, keeping only the parts inside ``area`` (lon/lat).

    ``split_at`` (one flag per node of ``roads``) also cuts the ways at those nodes, so
    that they become graph nodes: barriers and junction controls, whose cost or block
    applies at the node. ``measure``: segment lengths on the ``"sphere"`` (haversine) or as
    ``"osrm"`` measures them (:func:`geo._way_rules.osrm_distance_m`).
    """
    n_refs = len(roads.refs)
    pos = np.searchsorted(roads.node_ids, roads.refs)
    pos_c = pos.clip(0, max(len(roads.node_ids) - 1, 0))
    located = (pos < len(roads.node_ids)) & (roads.node_ids[pos_c] == roads.refs)
    ref_node = np.where(located, pos_c, -1)
    ok = located.copy()
    if area is not None:
        shapely.prepare(area)
        inside = shapely.contains_xy(area, roads.node_lon, roads.node_lat)
        ok &= inside[pos_c]

    way_of_ref = np.repeat(np.arange(roads.n_ways), np.diff(roads.offsets))
    # Segment k joins ref k and ref k + 1 of the same way.
    same_way = np.zeros(n_refs, dtype=bool)
    same_way[:-1] = way_of_ref[:-1] == way_of_ref[1:]
    seg = np.flatnonzero(same_way & ok & np.roll(ok, -1))
    a = ref_node[seg]
    b = ref_node[seg + 1]
    seg = seg[a != b]
    a = ref_node[seg]
    b = ref_node[seg + 1]
    seg_way = way_of_ref[seg]

    # How many segment ends touch each node: 2 means "the road just goes on".
    incidence = np.bincount(np.concatenate([a, b]), minlength=len(roads.node_ids))
    start = np.ones(len(seg), dtype=bool)
    start[1:] = (seg[1:] != seg[:-1] + 1) | (incidence[a[1:]] != 2)
    if split_at is not None and len(seg):
        start[1:] |= split_at[a[1:]]
    edge_of_seg = np.cumsum(start) - 1
    n_edges = int(edge_of_seg[-1] + 1) if len(seg) else 0
    first = np.flatnonzero(start)
    last = np.r_[first[1:] - 1, len(seg) - 1] if n_edges else first

    ends = (roads.node_lon[a], roads.node_lat[a], roads.node_lon[b], roads.node_lat[b])
    seg_len = osrm_distance_m(*ends) if measure == "osrm" else great_circle_m(*ends)
    length = np.add.reduceat(seg_len, first) if n_edges else np.zeros(0)

    # Points of edge e: the start node of each of its segments, then the last end node.
    pt_node = np.empty(len(seg) + n_edges, dtype=np.int64)
    pt_edge = np.empty(len(seg) + n_edges, dtype=np.int64)
    seg_slot = np.arange(len(seg)) + edge_of_seg
    pt_node[seg_slot] = a
    pt_edge[seg_slot] = edge_of_seg
    end_slot = last + np.arange(n_edges) + 1
    pt_node[end_slot] = b[last]
    pt_edge[end_slot] = np.arange(n_edges)
    coords = np.column_stack([roads.node_lon[pt_node], roads.node_lat[pt_node]])
    geoms = shapely.linestrings(coords, indices=pt_edge) if n_edges else np.empty(0, dtype=object)

    u = a[first]
    v = b[last]
    way = seg_way[first]
    # A closed way with no junction on it is a loop edge u == v: useless for routing.
    keep = u != v
    u, v, way, length, geoms = u[keep], v[keep], way[keep], length[keep], geoms[keep]

    fwd, bwd = way_directions(roads)
    f = fwd[way]
    r = bwd[way]
    oneway = ~(fwd & bwd)
    uu = np.concatenate([u[f], v[r]])
    vv = np.concatenate([v[f], u[r]])
    ww = np.concatenate([way[f], way[r]])
    ll = np.concatenate([length[f], length[r]])
    gg = np.concatenate([geoms[f], shapely.reverse(geoms[r])])
    oo = np.concatenate([oneway[way[f]], oneway[way[r]]])
    forward = np.r_[np.ones(int(f.sum()), dtype=bool), np.zeros(int(r.sum()), dtype=bool)]

    # Graph nodes are the edge ends only; renumber them compactly, in OSM-id order.
    used, inverse = np.unique(np.concatenate([uu, vv]), return_inverse=True)
    return Edges(
        node_ids=roads.node_ids[used],
        lon=roads.node_lon[used],
        lat=roads.node_lat[used],
        u=inverse[: len(uu)].astype(np.int64),
        v=inverse[len(uu) :].astype(np.int64),
        way=ww,
        length_m=ll,
        geometry=gg,
        oneway=oo,
        forward=forward,
    )
