"""osmnx interoperability, through osmnx itself: graphs osmnx builds from a real extract,
and GraphML files osmnx writes and reads."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import osmnx as ox
import pytest
import shapely
from ural_access.geo.errors import InputError
from ural_access.geo.network._osmnx import flat_highway, flat_text
from ural_access.geo.network._speeds import parse_maxspeed
from ural_access.geo.network.road_network import RoadNetwork
from ural_access.geo.pipeline.compute import compute_access
from ural_access.geo.routing.router import Router

from ..conftest import extract

MAIN_ROADS = ("motorway", "trunk", "primary", "secondary", "tertiary")


@pytest.fixture(scope="module")
def osmnx_graph(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """osmnx's own graph of Andorra's main roads, from an .osm file written by pyosmium."""
    path = tmp_path_factory.mktemp("osmnx") / "andorra-main.osm"
    src = extract("andorra-latest.osm.pbf")
    wanted = [("highway", c) for c in MAIN_ROADS] + [("highway", f"{c}_link") for c in MAIN_ROADS]
    with osmium.BackReferenceWriter(str(path), ref_src=str(src), overwrite=True) as writer:
        for way in osmium.FileProcessor(str(src), osmium.osm.WAY).with_filter(
            osmium.filter.TagFilter(*wanted)
        ):
            writer.add(way)
    return ox.graph_from_xml(path, simplify=False)  # one edge per stretch of one OSM way


def _quiet_access(study: Any, net: RoadNetwork) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compute_access(study, net, with_isochrones=False)


def test_an_osmnx_graph_routes_like_the_network_read_from_the_same_extract(
    osmnx_graph: Any, built: dict
) -> None:
    net = RoadNetwork.from_networkx(osmnx_graph)
    # As from the .osm.pbf file: the roads closed to cars and the pieces not strongly
    # connected to the rest are left out, and counted.
    left_out = net.provenance["left_out_edges"]
    assert net.n_edges == osmnx_graph.number_of_edges() - sum(left_out.values())
    assert 0 < sum(left_out.values()) < net.n_edges / 20
    assert net.n_nodes < osmnx_graph.number_of_nodes()
    assert set(np.char.replace(net.highway, "_link", "")) <= set(MAIN_ROADS)
    assert (net.speed_kph > 0).all() and np.isfinite(net.travel_time_s).all()
    # The same roads and speed model as our own reader: the same drive times. osmnx keeps
    # no node tags (signals, barriers), no relations (turn restrictions), no surface tags
    # and no built-up areas, so ours is compared without them: its graph with those tags
    # dropped, read back.
    study, ours, _ = built["andorra"]
    ours_graph = ours.to_networkx()
    for _, _, data in ours_graph.edges(data=True):
        for key in ("surface", "tracktype", "smoothness", "built_up"):
            data.pop(key, None)
    ours = RoadNetwork.from_networkx(ours_graph)
    theirs = _quiet_access(study, net).summary.set_index("agglomeration")
    mine = _quiet_access(study, ours).summary.set_index("agglomeration")
    np.testing.assert_allclose(theirs["time_to_center_min"], mine["time_to_center_min"], rtol=1e-3)
    np.testing.assert_allclose(theirs["dist_to_center_km"], mine["dist_to_center_km"], rtol=1e-4)
    # osmnx's simplification merges ways into one edge and their maxspeeds into a list
    # ("40;60"), of which the speed model takes the lowest: the same routes, never faster.
    simple = RoadNetwork.from_networkx(ox.simplify_graph(osmnx_graph))
    assert simple.n_edges < net.n_edges / 3
    assert any(";" in m for m in simple.maxspeed)
    merged = _quiet_access(study, simple).summary.set_index("agglomeration")
    np.testing.assert_allclose(merged["dist_to_center_km"], mine["dist_to_center_km"], rtol=1e-4)
    assert (merged["time_to_center_min"] >= theirs["time_to_center_min"] - 1e-9).all()


def test_graphml_round_trip_through_osmnx(built: dict, tmp_path: Path) -> None:
    _, net, _ = built["andorra"]
    path = net.to_graphml(tmp_path / "andorra.graphml")
    graph = ox.load_graphml(path)  # osmnx reads what we wrote
    assert graph.number_of_edges() == net.n_edges
    # osmnx's shortest path on it takes as long as our router's.
    index = {osmid: i for i, osmid in enumerate(net.node_osmid.tolist())}
    a, b = int(net.node_osmid[0]), int(net.node_osmid[net.n_nodes // 2])
    route = ox.shortest_path(graph, a, b, weight="travel_time")
    seconds = sum(min(d["travel_time"] for d in graph[x][y].values()) for x, y in pairwise(route))
    # osmnx routes on the plain node graph (no turn costs): so does our router here.
    plain = Router(net, turns=False)
    assert seconds == pytest.approx(plain.times([index[a]])[0][index[b]], rel=1e-9)
    back = RoadNetwork.from_graphml(path)
    assert sorted(back.node_osmid.tolist()) == sorted(net.node_osmid.tolist())

    def edges(n: RoadNetwork) -> list[tuple[Any, ...]]:  # networkx orders edges by node
        return sorted(
            zip(
                n.node_osmid[n.u].tolist(),
                n.node_osmid[n.v].tolist(),
                n.osm_way_id.tolist(),
                np.round(n.length_m, 6).tolist(),
                np.round(n.travel_time_s, 6).tolist(),
                n.highway.tolist(),
                n.maxspeed.tolist(),
                n.oneway.tolist(),
                [g.wkt for g in shapely.set_precision(n.geometry, 1e-7)],
                strict=True,
            )
        )

    assert edges(back) == edges(net)


def test_graphs_osmnx_cannot_route_are_refused(osmnx_graph: Any) -> None:
    with pytest.raises(InputError, match="unproject"):
        RoadNetwork.from_networkx(ox.projection.project_graph(osmnx_graph))
    with pytest.raises(InputError, match="MultiDiGraph"):
        RoadNetwork.from_networkx(
            osmnx_graph.to_undirected().to_directed().copy().__class__.__base__()
        )
    with pytest.raises(InputError, match="no GraphML"):
        RoadNetwork.from_graphml("missing.graphml")


@pytest.mark.parametrize(
    ("value", "highway"),
    [
        (["secondary", "primary"], "primary"),
        ("['tertiary', 'trunk_link']", "trunk_link"),
        ("residential", "residential"),
        (None, ""),
    ],
)
def test_merged_osmnx_tags_keep_the_most_important_class(value: object, highway: str) -> None:
    assert flat_highway(value) == highway


def test_merged_osmnx_maxspeeds_become_an_osm_list_the_speed_model_reads() -> None:
    assert flat_text(["70", "50"]) == "70;50"
    assert flat_text("['70', '50']") == "70;50"
    assert parse_maxspeed(flat_text(["70", "50"])) == 50


@pytest.fixture(scope="module")
def every_way_graph(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """osmnx's graph of every way of central Andorra, as ``ox.graph_from_xml`` builds it
    from an ``.osm`` file osmium-tool wrote (no network type: footways, paths, steps,
    tracks and ways with no ``highway`` tag at all are edges too)."""
    assert shutil.which("osmium"), "osmium-tool is needed (apt install osmium-tool)"
    path = tmp_path_factory.mktemp("osmnx-all") / "andorra-centre.osm"
    src = str(extract("andorra-latest.osm.pbf"))
    subprocess.run(
        ["osmium", "extract", "-b", "1.49,42.49,1.58,42.54", src, "-o", str(path), "--overwrite"],
        check=True,
        capture_output=True,
    )
    return ox.graph_from_xml(path)


NOT_FOR_CARS = {"", "footway", "path", "steps", "track", "pedestrian", "cycleway", "service"}


def test_an_imported_graph_keeps_the_studys_roads_for_cars(every_way_graph: Any) -> None:
    """Cars were routed over footways, paths and steps at 10 km/h, tracks, and ways that
    are no road at all (no highway tag), without a word."""
    from ural_access.geo.network.pull import network_summary
    from ural_access.geo.osm.sources import data_warnings

    graph = every_way_graph
    net = RoadNetwork.from_networkx(graph)  # the studies' default classes: down to tertiary
    assert not set(net.highway.tolist()) & NOT_FOR_CARS
    kept = {h.removesuffix("_link") for h in net.highway.tolist()}
    assert kept <= set(MAIN_ROADS) and {"primary", "secondary"} <= kept
    left_out = net.provenance["left_out_edges"]
    assert net.n_edges + sum(left_out.values()) == graph.number_of_edges()
    no_tag = sum(1 for _, _, d in graph.edges(data=True) if "highway" not in d)
    assert left_out["no highway tag (not a road)"] == no_tag > 1000
    assert left_out[next(k for k in left_out if k.startswith("a highway class"))] > 1000
    assert net.provenance["road_classes"] == "tertiary"
    (warning,) = [w for w in data_warnings(net.provenance) if "imported graph" in w]
    assert f"{no_tag:,} no highway tag" in warning
    assert "left out" in network_summary(net)
    # Down to residential: the streets come in, footways and paths still do not.
    streets = RoadNetwork.from_networkx(graph, road_classes="residential")
    assert "residential" in set(streets.highway.tolist())
    assert not set(streets.highway.tolist()) & NOT_FOR_CARS
    # A road closed to cars (access=no) is left out like a footway.
    closed = graph.copy()
    u, v, k = next(
        (u, v, k)
        for u, v, k, d in closed.edges(keys=True, data=True)
        if d.get("highway") == "primary"
    )
    closed[u][v][k]["access"] = "no"
    fewer = RoadNetwork.from_networkx(closed, road_classes="tertiary")
    assert fewer.provenance["left_out_edges"]["closed to cars by its access or area tags"] >= 1
    assert fewer.n_edges < net.n_edges
