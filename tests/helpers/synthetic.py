"""Grown road networks: tiled copies of a real extract, for benchmarks at regional scale.

No OSM extract of the Urals can be read on the build machines, and the real extracts at
hand are small (Malta down to residential roads: about 15 k nodes and 34 k directed
edges). :func:`tile_network` grows a real network to the size of a region's main-road
network (a million directed edges) by laying copies of it side by side in a grid of
lon/lat offsets and joining neighbouring copies by two-way connector roads.

The result is a valid :class:`~geo.network.RoadNetwork` that the normal code (routing,
isochrones, the full analytics) runs on, but it is **grown from a real extract, not a real
region**: every tile holds the same roads, the connectors are straight synthetic lines,
and its node and way ids are synthetic (see :func:`tile_network`). Use it only to measure
speed and memory.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from ural_access.geo.base.distance import great_circle_m
from ural_access.geo.errors import ParameterError, UralAccessError
from ural_access.geo.network._speeds import edge_speeds_kph, speed_model_info, travel_times_s
from ural_access.geo.network.road_network import RoadNetwork, build_network
from ural_access.geo.osm.roads import read_osm_file
from ural_access.geo.study.definition import Agglomeration, Study
from ural_access.geo.study.places import Place

#: Tile ``t``'s node and way ids are the base ids plus ``t * ID_STRIDE`` (synthetic ids).
ID_STRIDE = 10**11


def tile_network(
    base: RoadNetwork,
    rows: int,
    cols: int,
    *,
    gap: float = 0.05,
    links: int = 2,
    connector_class: str = "primary",
) -> RoadNetwork:
    """Grow a network by tiling copies of ``base`` in a ``rows × cols`` lon/lat grid.

    Tile ``(r, c)`` is ``base`` shifted by ``c · dx`` degrees east and ``r · dy`` north,
    where ``dx``/``dy`` are the base's lon/lat extent times ``1 + gap`` (tile ``(0, 0)`` is
    ``base`` itself). Each pair of neighbouring tiles (east-west and north-south) is
    joined by ``links`` two-way connector roads of class ``connector_class``, each between
    the closest pair of nodes of the two tiles within one of ``links`` equal bands along
    their shared border; a connector is a straight line whose length is the great-circle
    distance between its ends. Since ``base`` is strongly connected (as
    :func:`~geo.network.build_network` makes it) and every connector is two-way, so is the
    result (checked).

    Parameters
    ----------
    base
        A strongly connected network, e.g. a real extract built by
        :func:`~geo.network.build_network`.
    rows, cols
        Grid shape; the result has ``rows · cols`` copies of the base.
    gap
        Empty space between tiles, as a share of the base's extent.
    links
        Connectors between each pair of neighbouring tiles.
    connector_class
        OSM ``highway`` class of the connectors (sets their speed).

    Returns
    -------
    RoadNetwork
        ``rows · cols · n_nodes`` nodes and ``rows · cols · n_edges`` edges plus two per
        connector. Node ``i`` of tile ``t`` is node ``t · base.n_nodes + i``; its
        ``node_osmid`` (and its edges' ``osm_way_id``) is the base's plus
        ``t · ID_STRIDE``; connectors have negative way ids. Edge lengths are recomputed
        from the shifted geometry (great circle, as the builder does), speeds and travel
        times by :func:`~geo.speeds.edge_speeds_kph` with the base's speed model. The
        provenance says it is synthetic (``provenance["synthetic"]``).

    Raises
    ------
    ParameterError
        ``rows``, ``cols`` or ``links`` is not a positive integer, ``gap`` is negative, or
        ``base`` has fewer than two nodes.
    UralAccessError
        The result is not strongly connected (``base`` was not).
    """
    if min(rows, cols, links) < 1 or gap < 0:
        raise ParameterError(
            f"rows, cols and links must be >= 1 and gap >= 0, got {rows}, {cols}, {links}, {gap}"
        )
    if base.n_nodes < 2:
        raise ParameterError("the base network needs at least two nodes")
    if int(base.node_osmid.max()) >= ID_STRIDE or int(base.osm_way_id.max()) >= ID_STRIDE:
        raise ParameterError(f"base ids must be below {ID_STRIDE} to make unique tile ids")
    n_tiles = rows * cols
    n, m = base.n_nodes, base.n_edges
    dx = float(np.ptp(base.node_lon)) * (1.0 + gap)
    dy = float(np.ptp(base.node_lat)) * (1.0 + gap)
    tile = np.arange(n_tiles)
    off_lon = (tile % cols) * dx
    off_lat = (tile // cols) * dy

    # Nodes and edges of every tile (vectorised over tiles).
    node_lon = (base.node_lon[None, :] + off_lon[:, None]).ravel()
    node_lat = (base.node_lat[None, :] + off_lat[:, None]).ravel()
    node_osmid = (base.node_osmid[None, :] + tile[:, None] * ID_STRIDE).ravel()
    u = (base.u[None, :] + tile[:, None] * n).ravel()
    v = (base.v[None, :] + tile[:, None] * n).ravel()
    way_id = (base.osm_way_id[None, :] + tile[:, None] * ID_STRIDE).ravel()

    coords, geom_of = shapely.get_coordinates(base.geometry, return_index=True)
    n_pts = len(coords)
    all_x = (coords[None, :, 0] + off_lon[:, None]).ravel()
    all_y = (coords[None, :, 1] + off_lat[:, None]).ravel()
    all_geom = (geom_of[None, :] + tile[:, None] * m).ravel()
    geometry = shapely.linestrings(np.column_stack([all_x, all_y]), indices=all_geom)
    # Lengths from the shifted geometry: the sum of great-circle segment lengths.
    seg = great_circle_m(all_x[:-1], all_y[:-1], all_x[1:], all_y[1:])
    seg[all_geom[1:] != all_geom[:-1]] = 0.0
    first_pt = np.r_[0, np.flatnonzero(np.diff(all_geom)) + 1]
    length = np.add.reduceat(np.r_[seg, 0.0], first_pt)
    del all_x, all_y, all_geom, seg

    # Connectors: the same node pairs (base indices) for every pair of neighbours.
    pairs_ew = _border_pairs(base.node_lon, base.node_lat, dx, 0.0, links)
    pairs_ns = _border_pairs(base.node_lon, base.node_lat, 0.0, dy, links)
    con_a, con_b = [], []
    for t in range(n_tiles):  # a few dozen tiles: a loop over tiles, not over data
        r, c = divmod(t, cols)
        if c + 1 < cols:
            con_a.append(pairs_ew[:, 0] + t * n)
            con_b.append(pairs_ew[:, 1] + (t + 1) * n)
        if r + 1 < rows:
            con_a.append(pairs_ns[:, 0] + t * n)
            con_b.append(pairs_ns[:, 1] + (t + cols) * n)
    a = np.concatenate(con_a) if con_a else np.zeros(0, dtype=np.int64)
    b = np.concatenate(con_b) if con_b else np.zeros(0, dtype=np.int64)
    cu, cv = np.r_[a, b], np.r_[b, a]  # both directions
    n_con = len(cu)
    con_len = great_circle_m(node_lon[cu], node_lat[cu], node_lon[cv], node_lat[cv])
    con_geom = shapely.linestrings(
        np.column_stack(
            [
                np.column_stack([node_lon[cu], node_lon[cv]]).ravel(),
                np.column_stack([node_lat[cu], node_lat[cv]]).ravel(),
            ]
        ),
        indices=np.repeat(np.arange(n_con), 2),
    )
    con_way = -(np.r_[np.arange(len(a)), np.arange(len(a))] + 1)

    def strings(values: npt.NDArray[np.str_], con_value: str) -> npt.NDArray[np.str_]:
        return np.concatenate([np.tile(values, n_tiles), np.full(n_con, con_value)])

    highway = strings(base.highway, connector_class)
    maxspeed = strings(base.maxspeed, "")
    speed_prov = base.provenance.get("speed_model", {})
    model = str(speed_prov.get("name", "ru"))
    factor = float(speed_prov.get("factor", 1.0))
    all_len = np.r_[length, con_len]
    speed = edge_speeds_kph(highway, maxspeed, factor=factor, model=model)
    u_all = np.r_[u, cu].astype(np.int64)
    v_all = np.r_[v, cv].astype(np.int64)

    n_all = n * n_tiles
    graph = coo_matrix((np.ones(len(u_all)), (u_all, v_all)), shape=(n_all, n_all)).tocsr()
    n_comp, _ = connected_components(graph, directed=True, connection="strong")
    if n_comp != 1:
        raise UralAccessError(
            f"the grown network has {n_comp} strongly connected components; "
            "the base network must be strongly connected"
        )
    bounds = [
        float(node_lon.min()),
        float(node_lat.min()),
        float(node_lon.max()),
        float(node_lat.max()),
    ]
    provenance: dict[str, Any] = {
        **base.provenance,
        "source": f"synthetic: {rows}x{cols} tiles of {base.provenance.get('source')}",
        "area_bounds": [round(x, 6) for x in bounds],
        "area_wkt": shapely.to_wkt(shapely.box(*bounds), rounding_precision=5),
        "largest_scc": {"components": 1, "dropped_nodes": 0, "dropped_edges": 0, "dropped_km": 0.0},
        "speed_model": speed_model_info(model, factor),
        "synthetic": {
            "note": "grown from a real OSM extract by tiling copies; not a real region",
            "method": "tests.helpers.synthetic.tile_network",
            "base_source": base.provenance.get("source"),
            "base_nodes": n,
            "base_edges": m,
            "base_points": n_pts,
            "rows": rows,
            "cols": cols,
            "tile_offset_deg": [round(dx, 6), round(dy, 6)],
            "connectors": n_con,
            "connector_class": connector_class,
            "base_largest_scc": base.provenance.get("largest_scc"),
        },
    }
    return RoadNetwork(
        node_osmid=node_osmid,
        node_lon=node_lon,
        node_lat=node_lat,
        u=u_all,
        v=v_all,
        length_m=all_len,
        highway=highway,
        maxspeed=maxspeed,
        name=strings(base.name, "synthetic connector"),
        ref=strings(base.ref, ""),
        oneway=np.r_[np.tile(base.oneway, n_tiles), np.zeros(n_con, dtype=bool)],
        osm_way_id=np.r_[way_id, con_way].astype(np.int64),
        geometry=np.concatenate([geometry, con_geom]),
        speed_kph=speed,
        travel_time_s=travel_times_s(all_len, speed),
        provenance=provenance,
    )


def _border_pairs(
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    dx: float,
    dy: float,
    links: int,
) -> npt.NDArray[np.int64]:
    """Node pairs ``(i in a tile, j in its neighbour shifted by (dx, dy))``, closest first.

    The border is cut into ``links`` equal bands across the shift direction; each band
    gives the pair closest over the neighbour's nodes in it. Distances are measured on
    a local equirectangular projection (fine for picking neighbours).
    """
    scale = np.cos(np.radians(float(np.mean(lat))))
    xy = np.column_stack([lon * scale, lat])
    shifted = np.column_stack([(lon + dx) * scale, lat + dy])
    dist, nearest = cKDTree(xy).query(shifted)
    across = lat if dx else lon  # coordinate along the shared border
    edges = np.linspace(float(across.min()), float(across.max()), links + 1)
    band = np.clip(np.searchsorted(edges, across, side="right") - 1, 0, links - 1)
    out = []
    for k in range(links):  # a couple of bands
        in_band = np.flatnonzero(band == k)
        if len(in_band):
            j = int(in_band[np.argmin(dist[in_band])])
            out.append((int(nearest[j]), j))
    return np.unique(np.array(out, dtype=np.int64), axis=0)


def spread_places(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], rng: np.random.Generator
) -> dict[str, list[int]]:
    """Nodes for 2 first-tier cities, 6 centres and 2 members per centre, spread out.

    Cities and centres by farthest-point sampling from the node nearest the graph's
    centre (so they cover the whole graph); members at random among the nodes 5-30 % of
    the graph's diagonal (at most 10-40 km) from their centre.
    """
    lat0 = float(np.mean(lat))
    x = (lon - float(np.mean(lon))) * 111.32 * math.cos(math.radians(lat0))
    y = (lat - lat0) * 110.57
    first = int(np.argmin(x**2 + y**2))
    chosen = [first]
    dist = np.hypot(x - x[first], y - y[first])
    for _ in range(7):  # 8 well-spread nodes: 2 cities, 6 centres
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.hypot(x - x[nxt], y - y[nxt]))
    diag = float(np.hypot(np.ptp(x), np.ptp(y)))
    near, far = min(0.05 * diag, 10.0), min(0.3 * diag, 40.0)
    members: list[int] = []
    for c in chosen[2:]:
        d = np.hypot(x - x[c], y - y[c])
        cand = np.flatnonzero((d >= near) & (d <= far))
        if len(cand) < 2:
            cand = np.argsort(d)[1:20]
        members += [int(i) for i in rng.choice(cand, size=2, replace=False)]
    return {"cities": chosen[:2], "centres": chosen[2:], "members": members}


def synthetic_study(network: RoadNetwork, nodes: dict[str, list[int]]) -> Study:
    """A :class:`~geo.study.Study` with places at the given nodes (no GeoNames lookups)."""

    def place(kind: str, i: int, node: int, pop: int) -> Place:
        return Place(
            name=f"{kind} {i + 1}",
            geonameid=900_000_000 + node,  # far above real GeoNames ids
            geonames_name=f"{kind} {i + 1}",
            lon=float(network.node_lon[node]),
            lat=float(network.node_lat[node]),
            population=pop,
            country="XX",
            admin1="",
        )

    cities = tuple(place("City", i, n, 1_000_000) for i, n in enumerate(nodes["cities"]))
    aggs = []
    for i, c in enumerate(nodes["centres"]):
        centre = place("Centre", i, c, 100_000)
        members = tuple(
            place(f"Member {i + 1}.", j, m, 20_000)
            for j, m in enumerate(nodes["members"][2 * i : 2 * i + 2])
        )
        aggs.append(Agglomeration(f"Agglomeration {i + 1}", centre, (centre, *members)))
    return Study(
        key="bench",
        title="Synthetic benchmark study (places at network nodes)",
        country="XX",
        regions=(),
        first_tier=cities,
        agglomerations=tuple(aggs),
        radius_km=50.0,
    )


def whole_extract(path: str | Path, lowest_class: str) -> RoadNetwork:
    """Read a real extract and build its network over the file's whole extent."""
    roads = read_osm_file(path, lowest_class)
    area = shapely.box(
        float(roads.node_lon.min()) - 0.01,
        float(roads.node_lat.min()) - 0.01,
        float(roads.node_lon.max()) + 0.01,
        float(roads.node_lat.max()) + 0.01,
    )
    return build_network(roads, area, road_classes=lowest_class)
