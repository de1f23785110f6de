"""osmnx interoperability: road networks to and from osmnx ``MultiDiGraph``s.

osmnx keeps a graph as a ``networkx.MultiDiGraph``: nodes keyed by OSM id with ``x``
and ``y`` (lon/lat when the graph's ``crs`` is geographic), edges ``(u, v, key)`` with
``osmid``, ``length`` (metres), ``highway``, ``maxspeed``, ``name``, ``ref``, ``oneway``
and, where the road bends, a ``geometry`` LineString from ``u`` to ``v``. A simplified
osmnx graph merges several ways into one edge, so its tags can be lists (and, after a
GraphML round trip, lists written out as text); they are flattened here, and only here:
the most important ``highway`` class counts, several ``maxspeed`` values become the OSM
list ``"60;90"`` that :func:`geo.speeds.parse_maxspeed` reads.

This module works on plain arrays; :class:`geo.network.RoadNetwork` wraps it.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Mapping
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .. import __version__
from ..errors import InputError
from ..osm.roads import FILTER_TAGS, TagTable, drivable_mask, highway_classes
from ..study.options import ROAD_CLASSES, NetworkOptions
from ._edge_tags import edge_speeds
from ._speeds import travel_times_s
from .profile import profile_info

#: Why an edge of an imported graph is left out, in the order the tests apply.
LEFT_OUT_REASONS = {
    "no_highway": "no highway tag (not a road)",
    "class": "a highway class the study does not keep (footway, path, steps, track, ...)",
    "closed": "closed to cars by its access or area tags",
    "island": "not strongly connected to the rest of the network",
}

#: Edge attributes of an osmnx graph (its names), the network's arrays and their types.
EDGE_ATTRIBUTES: tuple[tuple[str, str, type], ...] = (
    ("osmid", "osm_way_id", int),
    ("length", "length_m", float),
    ("travel_time", "travel_time_s", float),
    ("speed_kph", "speed_kph", float),
    ("highway", "highway", str),
    ("maxspeed", "maxspeed", str),
    ("name", "name", str),
    ("ref", "ref", str),
    ("oneway", "oneway", bool),
)

#: The speed profiles' per-edge tag columns (``RoadNetwork.rules``) as edge attributes:
#: their OSM keys, and ``built_up`` ("yes" inside a built-up area) for the urban flag.
RULE_ATTRIBUTES: dict[str, str] = {
    "access": "access",
    "maxspeed_advisory": "maxspeed:advisory",
    "surface": "surface",
    "tracktype": "tracktype",
    "smoothness": "smoothness",
    "urban": "built_up",
    "junction": "junction",
}


def _items(value: Any) -> list[Any]:
    """A tag value as a list of values (osmnx lists, their text form, or one value)."""
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return [value]
        return list(parsed) if isinstance(parsed, list | tuple) else [parsed]
    if isinstance(value, list | tuple | set):
        return list(value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [value]


def _rank(highway: str) -> int:
    base = highway.removesuffix("_link")
    return ROAD_CLASSES.index(base) if base in ROAD_CLASSES else len(ROAD_CLASSES)


def flat_highway(value: Any) -> str:
    """The most important ``highway`` class of a (possibly merged) edge."""
    items = sorted({str(v) for v in _items(value)}, key=lambda h: (_rank(h), h))
    return items[0] if items else ""


def flat_text(value: Any) -> str:
    """Several values of a tag as an OSM ``;`` list (``"60;90"``), in a stable order."""
    items = [str(v) for v in _items(value)]
    return ";".join(dict.fromkeys(items)) if len(items) > 1 else (items[0] if items else "")


def _first_int(value: Any) -> int:
    items = _items(value)
    try:
        return int(items[0]) if items else -1
    except (TypeError, ValueError):
        return -1


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "1"}
    return bool(_items(value)[0]) if _items(value) else False


def _check_graph(graph: Any) -> None:
    import networkx as nx

    if not isinstance(graph, nx.MultiDiGraph):
        raise InputError(f"expected an osmnx networkx.MultiDiGraph, got {type(graph).__name__}")
    if graph.number_of_edges() == 0:
        raise InputError("the graph has no edges")
    crs = str(graph.graph.get("crs", "EPSG:4326"))
    if crs.upper() in {"EPSG:4326", "WGS84"}:
        return
    from pyproj import CRS

    if not CRS.from_user_input(crs).is_geographic:
        raise InputError(
            f"the graph is projected ({crs}); unproject it first: "
            "osmnx.projection.project_graph(G, to_latlong=True)"
        )


def _node_arrays(graph: Any) -> dict[str, Any]:
    try:
        xy = np.array([(float(d["x"]), float(d["y"])) for _, d in graph.nodes(data=True)])
    except KeyError as exc:
        raise InputError(f"a graph node has no {exc.args[0]!r} coordinate") from exc
    ids = np.array(list(graph.nodes), dtype=np.int64)
    return {"node_osmid": ids, "node_lon": xy[:, 0], "node_lat": xy[:, 1]}


def _tag_variants(data: dict[str, Any]) -> list[dict[str, str]]:
    """An edge's filter tags as OSM tag dicts: one per combination of a merged edge's
    values (a simplified osmnx edge holds every way's value in a list)."""
    keys = [k for k in FILTER_TAGS if _items(data.get(k))]
    values = [[str(v) for v in dict.fromkeys(_items(data.get(k)))] for k in keys]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]


def road_edges(data: list[dict[str, Any]], road_classes: str) -> npt.NDArray[np.str_]:
    """Why each edge is left out (a key of :data:`LEFT_OUT_REASONS`), ``""`` if kept.

    An edge is kept as the ``.osm.pbf`` reader keeps a way
    (:func:`geo.osm.roads.drivable_mask`): a ``highway`` of the kept classes, open to
    cars. A merged edge is kept only if every way in it is.
    """
    variants = [_tag_variants(d) for d in data]
    owner = np.repeat(np.arange(len(data)), [len(v) for v in variants])
    flat: list[Mapping[str, str]] = [t for v in variants for t in v]
    table = TagTable.from_dicts(flat, FILTER_TAGS)
    classes = highway_classes(road_classes)
    present = table.codes["highway"] >= 0
    in_class = table.is_in("highway", classes)
    drivable = drivable_mask(table, classes)

    def every(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        bad = np.zeros(len(data), dtype=bool)
        np.logical_or.at(bad, owner, ~mask)
        return ~bad

    reason = np.full(len(data), "", dtype=object)
    reason[~every(drivable)] = "closed"
    reason[~every(in_class)] = "class"
    reason[~every(present)] = "no_highway"
    return reason.astype(str)


def _largest_component(n: int, u: npt.NDArray[np.int64], v: npt.NDArray[np.int64]) -> Any:
    """Which nodes are in the largest strongly connected component (ties: lowest label)."""
    graph = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n)).tocsr()
    _, label = connected_components(graph, directed=True, connection="strong")
    return label == int(np.argmax(np.bincount(label)))


def arrays_from_graph(graph: Any, road_classes: str = "tertiary") -> dict[str, Any]:
    """The node and edge arrays of an osmnx ``MultiDiGraph`` (lon/lat, metres).

    Only roads for cars are kept, as from an ``.osm.pbf`` file: edges of the ``highway``
    classes down to ``road_classes`` that no access tag closes to cars, in the largest
    strongly connected component. ``left_out`` counts the others by reason (the texts
    of :data:`LEFT_OUT_REASONS`).

    Raises
    ------
    InputError
        The graph is not a directed multigraph, is empty, is projected, has no road for
        cars, or a node has no ``x``/``y`` or an edge no ``length``.
    """
    _check_graph(graph)
    nodes = _node_arrays(graph)
    index = {int(n): i for i, n in enumerate(nodes["node_osmid"].tolist())}
    edges = list(graph.edges(keys=True, data=True))
    reason = road_edges([e[3] for e in edges], road_classes)
    u_all = np.array([index[int(e[0])] for e in edges], dtype=np.int64)
    v_all = np.array([index[int(e[1])] for e in edges], dtype=np.int64)
    road = reason == ""
    if road.any():
        in_main = _largest_component(len(index), u_all[road], v_all[road])
        reason[road & ~(in_main[u_all] & in_main[v_all])] = "island"
    kept = reason == ""
    if not kept.any():
        raise InputError(
            f"the graph has no road for cars of class {road_classes} or above "
            f"({len(edges):,} edges, none a road the study keeps)"
        )
    used = np.zeros(len(index), dtype=bool)
    used[u_all[kept]] = used[v_all[kept]] = True
    nodes = {k: a[used] for k, a in nodes.items()}
    lon, lat = nodes["node_lon"], nodes["node_lat"]
    edges = [e for e, k in zip(edges, kept.tolist(), strict=True) if k]
    index = {int(n): i for i, n in enumerate(nodes["node_osmid"].tolist())}
    u = np.array([index[int(e[0])] for e in edges], dtype=np.int64)
    v = np.array([index[int(e[1])] for e in edges], dtype=np.int64)
    data = [e[3] for e in edges]
    if any("length" not in d for d in data):
        raise InputError("a graph edge has no 'length' (metres); osmnx graphs always have one")
    straight = shapely.linestrings(
        np.stack([np.column_stack([lon[u], lat[u]]), np.column_stack([lon[v], lat[v]])], axis=1)
    )
    geometry = np.array(
        [_geometry(d.get("geometry"), straight[i]) for i, d in enumerate(data)], dtype=object
    )

    def tag(key: str, flat: Any) -> npt.NDArray[np.str_]:
        return np.array([flat(d.get(key)) for d in data], dtype=str)

    return {
        **nodes,
        "u": u,
        "v": v,
        "length_m": np.array([float(d["length"]) for d in data]),
        "highway": tag("highway", flat_highway),
        "maxspeed": tag("maxspeed", flat_text),
        "name": tag("name", flat_text),
        "ref": tag("ref", flat_text),
        "oneway": np.array([_as_bool(d.get("oneway", False)) for d in data], dtype=bool),
        "osm_way_id": np.array([_first_int(d.get("osmid")) for d in data], dtype=np.int64),
        "geometry": geometry,
        "rules": {col: tag(key, flat_text) for col, key in RULE_ATTRIBUTES.items()},
        "left_out": {text: int((reason == k).sum()) for k, text in LEFT_OUT_REASONS.items()},
    }


def _geometry(value: Any, straight: Any) -> Any:
    if value is None:
        return straight
    if isinstance(value, str):  # GraphML keeps geometries as WKT
        return shapely.from_wkt(value)
    return value


def graph_from_arrays(arrays: dict[str, npt.NDArray[Any]], graph_attributes: dict[str, Any]) -> Any:
    """An osmnx-compatible ``MultiDiGraph`` (node keys are OSM ids, lon/lat, EPSG:4326).

    Edges carry ``length``, ``travel_time`` (seconds, the name osmnx uses), ``speed_kph``
    and the OSM tags, so ``osmnx.shortest_path(G, a, b, weight="travel_time")`` works.
    """
    import networkx as nx

    graph = nx.MultiDiGraph(crs="EPSG:4326", **graph_attributes)
    ids = arrays["node_osmid"]
    graph.add_nodes_from(
        (int(i), {"x": float(x), "y": float(y)})
        for i, x, y in zip(ids, arrays["node_lon"], arrays["node_lat"], strict=True)
    )
    columns = [arrays[column] for _, column, _ in EDGE_ATTRIBUTES]
    rules = cast("dict[str, npt.NDArray[np.str_]]", arrays.get("rules", {}))
    rule_keys = [(key, rules[col]) for col, key in RULE_ATTRIBUTES.items() if col in rules]
    for i, (a, b, g, *values) in enumerate(
        zip(arrays["u"], arrays["v"], arrays["geometry"], *columns, strict=True)
    ):
        attrs = {k: t(x) for (k, _, t), x in zip(EDGE_ATTRIBUTES, values, strict=True)}
        # Tags only where set, as osmnx does: an untagged edge has no such attribute.
        attrs.update({key: str(col[i]) for key, col in rule_keys if col[i]})
        graph.add_edge(int(ids[a]), int(ids[b]), geometry=g, **attrs)
    return graph


def network_fields_from_graph(
    graph: Any, speed_model: str, speed_factor: float, road_classes: str | None
) -> dict[str, Any]:
    """The fields of the network :meth:`~geo.network.road_network.RoadNetwork.from_networkx`
    makes of an osmnx graph."""
    if road_classes is None:
        own = graph.graph.get("road_classes") if hasattr(graph, "graph") else None
        road_classes = own if own in ROAD_CLASSES else NetworkOptions().road_classes
    road_classes = NetworkOptions(road_classes=str(road_classes)).road_classes
    arrays = arrays_from_graph(graph, road_classes)
    left_out = arrays.pop("left_out")
    speed = edge_speeds(
        arrays["highway"], arrays["maxspeed"], arrays["rules"], speed_model, speed_factor
    )
    provenance: dict[str, Any] = {
        "source": str(graph.graph.get("source", "osmnx graph")),
        "osm_timestamp": graph.graph.get("osm_timestamp"),
        "road_classes": road_classes,
        "left_out_edges": left_out,
        "ural_access_version": __version__,
        "speed_model": profile_info(speed_model, speed_factor),
        "from_osmnx": {k: str(v) for k, v in graph.graph.items()},
    }
    return dict(
        **arrays,
        speed_kph=speed,
        travel_time_s=travel_times_s(arrays["length_m"], speed),
        provenance=provenance,
    )
