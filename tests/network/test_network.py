"""Building the road network from real OSM extracts (PBF and XML)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from ural_access.geo.base.distance import great_circle_m
from ural_access.geo.errors import CacheError, EmptyNetworkError, OSMDataError
from ural_access.geo.network.pull import network_summary, pull_network
from ural_access.geo.network.road_network import RoadNetwork
from ural_access.geo.osm.roads import highway_classes, read_osm_file
from ural_access.geo.study.definition import load_study

from ..conftest import extract


@pytest.mark.parametrize("key", ["andorra", "djibouti", "malta"])
def test_network_is_strongly_connected_and_consistent(built: dict, key: str) -> None:
    study, net, _ = built[key]
    assert net.n_nodes > 300 and net.n_edges > net.n_nodes
    graph = coo_matrix((np.ones(net.n_edges), (net.u, net.v)), shape=(net.n_nodes,) * 2)
    n_comp, _ = connected_components(graph, directed=True, connection="strong")
    assert n_comp == 1
    assert set(net.highway) <= set(highway_classes(study.network.road_classes))
    assert np.all(net.travel_time_s > 0) and np.all(np.isfinite(net.travel_time_s))
    # Geometry runs from u to v, and its length is the edge length.
    start = shapely.get_coordinates(shapely.get_point(net.geometry, 0))
    end = shapely.get_coordinates(shapely.get_point(net.geometry, -1))
    np.testing.assert_allclose(start, np.column_stack([net.node_lon[net.u], net.node_lat[net.u]]))
    np.testing.assert_allclose(end, np.column_stack([net.node_lon[net.v], net.node_lat[net.v]]))
    coords, idx = shapely.get_coordinates(net.geometry, return_index=True)
    same = idx[1:] == idx[:-1]
    seg = great_circle_m(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    np.testing.assert_allclose(
        np.bincount(idx[1:][same], seg[same], minlength=net.n_edges), net.length_m, rtol=1e-9
    )
    # Every edge lies in the study area.
    assert shapely.contains(shapely.buffer(study.area(), 1e-9), net.geometry).all()


def test_provenance_records_source_timestamp_and_dropped_parts(built: dict) -> None:
    _, net, path = built["andorra"]
    prov = net.provenance
    assert prov["source"] == "file:andorra-latest.osm.pbf"
    assert prov["osm_timestamp"] == "2021-06-22T20:21:08Z"
    assert prov["road_classes"] == "tertiary"
    assert prov["speed_model"]["name"] == "ru"
    assert prov["largest_scc"]["dropped_edges"] >= 0
    text = network_summary(net, path)
    assert "2021-06-22T20:21:08Z" in text and "primary" in text and str(path) in text


def test_oneway_roads_have_no_reverse_edge(built: dict) -> None:
    _, net, _ = built["malta"]
    pairs = set(zip(net.u.tolist(), net.v.tolist(), strict=True))
    one = np.flatnonzero(net.oneway)
    two = np.flatnonzero(~net.oneway)
    assert len(one) > 50 and len(two) > 50
    assert sum((int(net.v[i]), int(net.u[i])) in pairs for i in two) == len(two)
    # Most one-way edges have no twin (a parallel carriageway could give one by chance).
    reversed_ones = sum((int(net.v[i]), int(net.u[i])) in pairs for i in one)
    assert reversed_ones < 0.1 * len(one)


def test_km_by_class_counts_each_road_once(built: dict) -> None:
    _, net, _ = built["djibouti"]
    km = net.km_by_class()
    total_directed = net.length_m.sum() / 1000
    assert total_directed / 2 <= km.sum() <= total_directed
    assert km.index[0] in {"primary", "trunk", "secondary"}


def test_cache_round_trip_and_geopackage_on_request(built: dict, tmp_path: Path) -> None:
    study, net, path = built["djibouti"]
    assert not (path / "network.gpkg").exists()  # the compact arrays are the cache
    _, path = pull_network(
        study, "pbf", extract("djibouti-secondary.osm.pbf"), tmp_path / "g", geopackage=True
    )
    loaded = RoadNetwork.load(path)
    for name in (
        "node_osmid",
        "u",
        "v",
        "length_m",
        "travel_time_s",
        "highway",
        "maxspeed",
        "name",
    ):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(net, name))
    assert shapely.equals_exact(loaded.geometry, net.geometry, tolerance=0).all()
    assert loaded.provenance == net.provenance
    import geopandas as gpd

    edges = gpd.read_file(path / "network.gpkg", layer="edges")
    assert len(edges) == net.n_edges and edges.crs.to_epsg() == 4326


def test_networkx_export_works_with_osmnx(built: dict) -> None:
    _, net, _ = built["andorra"]
    graph = net.to_networkx()
    assert graph.number_of_nodes() == net.n_nodes and graph.number_of_edges() == net.n_edges
    a, b = int(net.node_osmid[0]), int(net.node_osmid[-1])
    route = ox.shortest_path(graph, a, b, weight="travel_time")
    assert route[0] == a and route[-1] == b
    t = nx.path_weight(graph, route, "travel_time")
    assert t > 0


def test_xml_gives_the_same_network_as_pbf(tmp_path: Path) -> None:
    pbf = extract("monaco.osm.pbf")
    xml = tmp_path / "monaco.osm"
    with osmium.SimpleWriter(str(xml)) as writer:
        for obj in osmium.FileProcessor(str(pbf)):
            writer.add(obj)
    a = read_osm_file(pbf, "tertiary")
    b = read_osm_file(xml, "tertiary")
    np.testing.assert_array_equal(a.way_ids, b.way_ids)
    np.testing.assert_array_equal(a.refs, b.refs)
    np.testing.assert_allclose(a.node_lon, b.node_lon)


def test_bad_files_fail_clearly_and_leave_no_cache(tmp_path: Path) -> None:
    study = load_study("andorra")
    out = tmp_path / "net"
    with pytest.raises(OSMDataError, match="does not exist"):
        pull_network(study, "pbf", tmp_path / "missing.osm.pbf", out)
    corrupt = tmp_path / "corrupt.osm.pbf"
    corrupt.write_bytes(extract("andorra-latest.osm.pbf").read_bytes()[:50_000])
    with pytest.raises(OSMDataError, match=r"corrupt\.osm\.pbf"):
        pull_network(study, "pbf", corrupt, out)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(OSMDataError, match="unknown OSM file type"):
        pull_network(study, "pbf", text, out)
    with pytest.raises(OSMDataError, match="needs --osm-file"):
        pull_network(study, "pbf", None, out)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".net")]


def test_area_outside_the_extract_is_reported(tmp_path: Path) -> None:
    study = load_study("djibouti")  # its area is in East Africa
    with pytest.raises(OSMDataError, match="no roads in the study area"):
        pull_network(study, "pbf", extract("andorra-latest.osm.pbf"), tmp_path / "net")
    assert not (tmp_path / "net").exists()


def test_empty_area_inside_the_extract_raises(tmp_path: Path) -> None:
    from ural_access.geo.network.road_network import build_network

    roads = read_osm_file(extract("andorra-latest.osm.pbf"), "tertiary")
    far = shapely.box(1.0, 40.0, 1.1, 40.1)
    with pytest.raises(EmptyNetworkError, match="no road"):
        build_network(roads, far, road_classes="tertiary")


def test_missing_cache_is_a_cache_error(tmp_path: Path) -> None:
    with pytest.raises(CacheError, match="ural-access pull"):
        RoadNetwork.load(tmp_path / "nothing")
