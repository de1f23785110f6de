"""Which network edges a scenario's selection picks (way ids, ref, polygon, line, route)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from ..base.arrays import IntArray
from ..errors import ScenarioError
from ..network.road_network import RoadNetwork
from ..routing.router import Router
from .edits import Selection

if TYPE_CHECKING:
    from ..study.definition import Study


def reverse_twins(network: RoadNetwork, edges: IntArray) -> IntArray:
    """``edges`` and the edges running the other way along the same OSM way, sorted."""
    frame = pd.DataFrame(
        {"u": network.v[edges], "v": network.u[edges], "way": network.osm_way_id[edges]}
    )
    every = pd.DataFrame(
        {
            "u": network.u,
            "v": network.v,
            "way": network.osm_way_id,
            "edge": np.arange(network.n_edges),
        }
    )
    twins = frame.merge(every, on=["u", "v", "way"])["edge"].to_numpy()
    return np.unique(np.concatenate([edges, twins])).astype(np.int64)


def find_place(study: Study, name: str) -> tuple[int, str, float, float]:
    """(GeoNames id, name, lon, lat) of a study place named ``name`` (any case).

    Raises
    ------
    ScenarioError
        No first-tier city, centre or named member of the study has that name.
    """
    places = study.all_places()
    for p in places:
        if name.casefold() in (p.name.casefold(), p.geonames_name.casefold()):
            return p.geonameid, p.name, p.lon, p.lat
    known = ", ".join(p.name for p in places)
    raise ScenarioError(f"unknown place {name!r} in between: the study's places are {known}")


def route_edges(network: RoadNetwork, study: Study, a: str, b: str) -> IntArray:
    """Network edges of the current fastest route from place ``a`` to ``b`` (turns included)."""
    ends = [find_place(study, a), find_place(study, b)]
    table = pd.DataFrame(ends, columns=["place_id", "name", "lon", "lat"])
    router = Router.for_study(network, table, study)
    nodes = router.place_nodes(table["place_id"])
    if (nodes < 0).any():
        raise ScenarioError(f"{a} or {b} is not joined to the road network: no route to select")
    tree = router.tree(int(nodes[0]))
    edges, _ = router.path_edges(tree, int(nodes[1]))
    base = router.edge_base[edges]
    if len(base) == 0:
        raise ScenarioError(f"there is no road route from {a} to {b} to select")
    return np.unique(base[base >= 0]).astype(np.int64)


def _metric(network: RoadNetwork) -> Transformer:
    lon, lat = float(np.mean(network.node_lon)), float(np.mean(network.node_lat))
    crs = CRS.from_proj4(f"+proj=aeqd +lat_0={lat:.4f} +lon_0={lon:.4f} +datum=WGS84 +units=m")
    return Transformer.from_crs(4326, crs, always_xy=True)


def _project(geoms: np.ndarray, to_m: Transformer) -> np.ndarray:
    return np.asarray(shapely.transform(geoms, lambda xy: np.column_stack(to_m.transform(*xy.T))))


def select_edges(network: RoadNetwork, selection: Selection, study: Study, label: str) -> IntArray:
    """Indices of the network edges ``selection`` picks (sorted, both directions of a road).

    Raises
    ------
    ScenarioError
        The selection picks no road, or names an unknown place.
    """
    if selection.edges:
        picked = np.unique(np.asarray(selection.edges, dtype=np.int64))
    elif selection.way_ids:
        picked = np.flatnonzero(np.isin(network.osm_way_id, np.asarray(selection.way_ids)))
    elif selection.ref is not None:
        wanted = selection.ref.casefold()
        refs = np.char.lower(network.ref.astype(str))
        picked = np.flatnonzero([wanted in r.split(";") for r in refs.tolist()])
    elif selection.between is not None:
        picked = reverse_twins(network, route_edges(network, study, *selection.between))
    else:
        to_m = _metric(network)
        edges = _project(network.geometry, to_m)
        if selection.polygon is not None:
            area = _project(np.array([selection.polygon]), to_m)[0]
            tree = shapely.STRtree(edges)
            picked = np.sort(tree.query(area, predicate="intersects"))
        else:
            assert selection.line is not None
            line = _project(np.array([selection.line]), to_m)[0]
            band = shapely.buffer(line, selection.tolerance_m)
            picked = np.sort(shapely.STRtree(edges).query(band, predicate="contains"))
    picked = np.asarray(picked, dtype=np.int64)
    if selection.classes:
        picked = picked[np.isin(network.highway[picked], np.asarray(selection.classes))]
    if len(picked) == 0:
        what = selection.describe()
        classes = f" of class {', '.join(selection.classes)}" if selection.classes else ""
        hint = swapped_hint(network, selection.polygon or selection.line)
        raise ScenarioError(
            f"edit {label!r} selects no road: {what}{classes} matches nothing{hint}"
        )
    return picked


#: Said when a geometry lies off the network but would lie on it with lon and lat swapped.
SWAPPED = " (longitude and latitude swapped? give [lon, lat])"


def swapped_hint(network: RoadNetwork, geom: shapely.Geometry | None) -> str:
    """:data:`SWAPPED` if ``geom`` misses the network's extent and its mirror (latitude
    for longitude) meets it; else ``""``."""
    if geom is None:
        return ""
    lon, lat = network.node_lon, network.node_lat
    extent = shapely.box(float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    mirror = shapely.transform(geom, lambda xy: xy[:, ::-1])
    return SWAPPED if not geom.intersects(extent) and mirror.intersects(extent) else ""
