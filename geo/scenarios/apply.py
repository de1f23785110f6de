"""Applying a scenario to a road network: new speeds, closed roads, new roads.

Nothing is read from OSM again: the network's arrays are copied and edited (speeds and
travel times of upgraded roads, closed roads' car access, new roads' edges added),
and the result routes like any network (:class:`~geo.routing.Router`, turn graph
included), so every drive time of the study follows from the edited weights.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from ..base.arrays import FloatArray, IntArray
from ..base.distance import geodesic_m
from ..errors import ScenarioError, UralAccessWarning
from ..network.profile import travel_times_s
from ..network.road_network import RoadNetwork, edge_speeds
from ._crossings import NODE_FIELDS, join_crossings, piece_shares, split_line
from ._select import SWAPPED, select_edges
from .edits import Close, NewRoad, Upgrade
from .scenario import Scenario

if TYPE_CHECKING:
    from ..study.definition import Study

__all__ = ["EDGE_FIELDS", "AppliedScenario", "apply_scenario"]

log = logging.getLogger(__name__)

#: The per-edge arrays of a :class:`RoadNetwork` (the rule columns come on top).
EDGE_FIELDS = (
    "u",
    "v",
    "length_m",
    "highway",
    "maxspeed",
    "name",
    "ref",
    "oneway",
    "osm_way_id",
    "geometry",
    "speed_kph",
    "travel_time_s",
)


@dataclass
class AppliedScenario:
    """A network with a scenario applied, and what was changed."""

    scenario: Scenario
    network: RoadNetwork
    """The edited network (a copy; the baseline is not touched)."""
    edited: gpd.GeoDataFrame
    """One row per edited or added directed edge: ``edit``, ``kind``, ``osm_way_id``,
    ``highway_before``/``_after``, ``speed_kph_before``/``_after``, ``length_km`` (a new
    road met where it crosses roads is in pieces; the roads it cuts keep their attributes
    and are not listed)."""

    def summary(self) -> pd.DataFrame:
        """Kilometres of road per edit (each road counted once, not per direction)."""
        km = self.edited["length_km"] * np.where(self.edited["oneway"], 1.0, 0.5)
        return (
            self.edited.assign(road_km=km)
            .groupby(["edit", "kind"], sort=False)["road_km"]
            .sum()
            .reset_index()
        )


def _speed_model(network: RoadNetwork) -> tuple[str, float]:
    info = network.provenance.get("speed_model", {})
    return str(info.get("name", "ru")), float(info.get("factor", 1.0))


def _upgraded_speeds(
    network: RoadNetwork, edit: Upgrade, edges: IntArray, highway: npt.NDArray[np.str_]
) -> tuple[FloatArray, npt.NDArray[np.str_], npt.NDArray[np.str_]]:
    """(speed, highway, maxspeed) of ``edges`` after the upgrade (never slower)."""
    model, factor = _speed_model(network)
    old = network.speed_kph[edges]
    # As objects: a fixed-width text array would cut a longer class ("primary" is 7
    # characters, "motorway" 8) and the cut name would get the fallback speed.
    new_highway = highway[edges].astype(object)
    new_max = network.maxspeed[edges].astype(object)
    if edit.speed_kph is not None:
        speed = np.full(len(edges), edit.speed_kph)
    elif edit.factor is not None:
        speed = old * edit.factor
    else:
        if edit.road_class is not None:
            new_highway[:] = edit.road_class
            new_max[:] = ""  # the class's default speed applies
        else:
            new_max[:] = f"{edit.maxspeed_kph:g}"
        rules = {k: col[edges] for k, col in network.rules.items()}
        speed = edge_speeds(new_highway.astype(str), new_max.astype(str), rules, model, factor)
    return np.maximum(old, speed), new_highway.astype(str), new_max.astype(str)


def _join_ends(nodes: dict[str, Any], edit: NewRoad) -> tuple[int, int, FloatArray]:
    """The nodes a new road's ends join (the nearest) and its line from one to the other."""
    xy = shapely.get_coordinates(edit.line)
    ends = []
    for lon, lat in (xy[0], xy[-1]):
        dist = geodesic_m(nodes["node_lon"], nodes["node_lat"], lon, lat)
        node = int(np.argmin(dist))
        if dist[node] > edit.join_limit_km * 1000.0:
            mirror = geodesic_m(nodes["node_lon"], nodes["node_lat"], lat, lon).min()
            raise ScenarioError(
                f"edit {edit.name!r}: its end ({lat:.4f} N, {lon:.4f} E) is "
                f"{dist[node] / 1000:.1f} km from the nearest road of the network, beyond "
                f"join_limit_km = {edit.join_limit_km:g}"
                + (SWAPPED if mirror <= edit.join_limit_km * 1000.0 else "")
            )
        ends.append(node)
    a, b = ends
    if a == b:
        raise ScenarioError(f"edit {edit.name!r}: both ends join the same network node")
    lon, lat = nodes["node_lon"], nodes["node_lat"]
    coords = np.vstack([[lon[a], lat[a]], xy, [lon[b], lat[b]]])
    keep = np.r_[True, np.any(np.diff(coords, axis=0) != 0, axis=1)]
    return a, b, coords[keep]


def _new_road_edges(
    network: RoadNetwork,
    edit: NewRoad,
    way_id: int,
    coords: FloatArray,
    joins: tuple[IntArray, list[FloatArray]],
) -> dict[str, Any]:
    """The directed edges of a new road along ``coords``, cut into pieces between a chain
    of nodes (``joins``: its end joins, and its crossings if it meets the roads it
    crosses): all forward pieces, then (two-way) the backward ones. The road's geodesic
    length is shared by the pieces in proportion to their own."""
    chain, pieces = joins
    length = float(geodesic_m(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1]).sum())
    piece_m = length * piece_shares(pieces)
    lines = [shapely.LineString(p) for p in pieces]
    u, v = chain[:-1], chain[1:]
    if not edit.oneway:
        lines += [shapely.LineString(p[::-1]) for p in pieces[::-1]]
        u, v = np.r_[u, chain[::-1][:-1]], np.r_[v, chain[::-1][1:]]
        piece_m = np.r_[piece_m, piece_m[::-1]]
    n = len(lines)
    model, factor = _speed_model(network)
    if edit.speed_kph is not None:
        speed = np.full(n, edit.speed_kph)
        maxspeed = np.full(n, "", dtype=object)
    else:
        maxspeed = np.full(n, f"{edit.maxspeed_kph:g}" if edit.maxspeed_kph else "", dtype=object)
        rules = {k: np.full(n, "", dtype=str) for k in network.rules}
        speed = edge_speeds(np.full(n, edit.road_class), maxspeed.astype(str), rules, model, factor)
    return {
        "u": np.asarray(u, dtype=np.int64),
        "v": np.asarray(v, dtype=np.int64),
        "length_m": piece_m,
        "highway": np.full(n, edit.road_class),
        "maxspeed": maxspeed.astype(str),
        "name": np.full(n, edit.name),
        "ref": np.full(n, ""),
        "oneway": np.full(n, edit.oneway),
        "osm_way_id": np.full(n, way_id, dtype=np.int64),
        "geometry": np.array(lines, dtype=object),
        "speed_kph": speed,
        "travel_time_s": travel_times_s(piece_m, speed),
    }


def _concat(arrays: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, values in arrays.items():
        add = extra[key]
        if values.dtype.kind == "U" or np.asarray(add).dtype.kind == "U":
            out[key] = np.concatenate([values.astype(object), add.astype(object)]).astype(str)
        else:
            out[key] = np.concatenate([values, add])
    return out


def _warn_no_faster(edit: Upgrade, km: float) -> None:
    """Tell that ``edit`` changes nothing: its speed is not above today's on any road."""
    warnings.warn(
        f"upgrade {edit.name!r} makes none of its {km:.1f} km of road faster: they are "
        "already as fast or faster (an upgrade never slows a road; to close roads use "
        "[[close]])",
        UralAccessWarning,
        stacklevel=3,
    )


def apply_scenario(network: RoadNetwork, scenario: Scenario, study: Study) -> AppliedScenario:
    """The network with the scenario's edits applied (the baseline is left as it is).

    Every selection is made on the baseline network first (so ``between`` follows the
    current fastest route); then upgrades (in file order; a road is never made slower),
    closures (their edges' car access set to ``no``: the turn graph leaves them out, while
    every junction keeps its roads and turn costs) and new roads (joined to the nearest
    node at each end; with ``join = "crossings"`` also at a new level junction on every
    road they cross, which is cut there: :mod:`._crossings`) are applied, in file order.

    Raises
    ------
    ScenarioError
        An edit selects no road, names an unknown place, or a new road's end is farther
        than its ``join_limit_km`` from the network.
    """
    picks = {
        e.name: select_edges(network, e.selection, study, e.name)
        for e in scenario.edits
        if isinstance(e, Upgrade | Close)
    }
    arrays: dict[str, Any] = {k: np.array(getattr(network, k), copy=True) for k in EDGE_FIELDS}
    rules = {k: np.array(v, copy=True) for k, v in network.rules.items()}
    rows: list[pd.DataFrame] = []

    def record(name: str, kind: str, edges: IntArray, before: dict[str, Any]) -> None:
        rows.append(
            pd.DataFrame(
                {
                    "edit": name,
                    "kind": kind,
                    "osm_way_id": arrays["osm_way_id"][edges],
                    "highway_before": before["highway"],
                    "highway_after": arrays["highway"][edges],
                    "speed_kph_before": before["speed_kph"],
                    "speed_kph_after": arrays["speed_kph"][edges],
                    "length_km": arrays["length_m"][edges] / 1000.0,
                    "oneway": arrays["oneway"][edges],
                    "geometry": arrays["geometry"][edges],
                }
            )
        )

    for edit in scenario.edits:
        if isinstance(edit, Upgrade):
            edges = picks[edit.name]
            before = {k: arrays[k][edges].copy() for k in ("highway", "speed_kph")}
            speed, highway, maxspeed = _upgraded_speeds(network, edit, edges, arrays["highway"])
            arrays["speed_kph"][edges] = np.maximum(arrays["speed_kph"][edges], speed)
            arrays["highway"] = arrays["highway"].astype(object)
            arrays["highway"][edges] = highway
            arrays["highway"] = arrays["highway"].astype(str)
            arrays["maxspeed"] = arrays["maxspeed"].astype(object)
            arrays["maxspeed"][edges] = maxspeed
            arrays["maxspeed"] = arrays["maxspeed"].astype(str)
            arrays["travel_time_s"][edges] = travel_times_s(
                arrays["length_m"][edges], arrays["speed_kph"][edges]
            )
            record(edit.name, edit.kind, edges, before)
            if not (arrays["speed_kph"][edges] > before["speed_kph"]).any():
                _warn_no_faster(edit, float(arrays["length_m"][edges].sum()) / 1000.0)
    for edit in scenario.edits:
        if isinstance(edit, Close):
            edges = picks[edit.name]
            record(
                edit.name, edit.kind, edges, {k: arrays[k][edges] for k in ("highway", "speed_kph")}
            )
            rows[-1]["highway_after"] = ""
            rows[-1]["speed_kph_after"] = 0.0
            # Closed, not removed: junctions keep their roads (and their turn costs), so
            # a closure can only lengthen a route, never shorten one.
            access = rules["access"].astype(object)
            access[edges] = "no"
            rules["access"] = access.astype(str)
    nodes: dict[str, Any] = {k: getattr(network, k) for k in NODE_FIELDS}
    new_roads = [e for e in scenario.edits if isinstance(e, NewRoad)]
    for i, edit in enumerate(new_roads):
        a, b, coords = _join_ends(nodes, edit)
        chain, pieces = np.array([a, b], dtype=np.int64), [coords]
        if edit.join == "crossings":
            arrays, rules, nodes, meets = join_crossings(
                arrays, rules, nodes, edit.line, edit.cross_classes
            )
            inner = (meets.nodes != a) & (meets.nodes != b)  # at an end: its join
            chain = np.r_[a, meets.nodes[inner], b].astype(np.int64)
            pieces = split_line(coords, meets.points[inner])
        extra = _new_road_edges(network, edit, -(i + 1), coords, (chain, pieces))
        start = len(arrays["u"])
        arrays = _concat(arrays, extra)
        rules = {
            k: np.concatenate([v, np.full(len(extra["u"]), "", dtype=v.dtype)])
            for k, v in rules.items()
        }
        added = np.arange(start, len(arrays["u"]))
        none = {"highway": "", "speed_kph": 0.0}
        record(edit.name, edit.kind, added, {k: np.full(len(added), v) for k, v in none.items()})
    provenance = dict(
        network.provenance,
        scenario={"name": scenario.name, "title": scenario.title, "sha256": scenario.sha256},
    )
    edited = replace(network, **nodes, **arrays, rules=rules, provenance=provenance)
    table = gpd.GeoDataFrame(
        pd.concat(rows, ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
    log.info(
        "scenario %r: %d edits, %d directed edges changed",
        scenario.name,
        len(scenario.edits),
        len(table),
    )
    return AppliedScenario(scenario, edited, table)
