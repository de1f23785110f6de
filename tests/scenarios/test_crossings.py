"""A new road that meets the roads it crosses (``join = "crossings"``), on the bundled
Urals extract: level junctions, split roads, and ``"ends"`` unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from ural_access.geo.errors import ScenarioError
from ural_access.geo.network.road_network import RoadNetwork
from ural_access.geo.pipeline.compute import study_network
from ural_access.geo.results.files import read_table
from ural_access.geo.routing.router import Router
from ural_access.geo.scenarios import AppliedScenario, apply_scenario
from ural_access.geo.scenarios.apply import EDGE_FIELDS
from ural_access.geo.scenarios.scenario import scenario_from_dict
from ural_access.geo.study.definition import Study

from ural_access.cli import main

#: Around Chelyabinsk: from the trunk road west of the city (60.84 E, 54.95 N) to a primary
#: road north-east of it (61.33 E, 55.15 N), crossing one trunk road south of the city, 10.5
#: km from one junction and 3.5 km from the other, and no other road.
LINE = [[60.8389, 54.9477], [61.3312, 55.1471]]


@pytest.fixture(scope="module")
def urals(built: Mapping[str, tuple[Study, RoadNetwork, Path]]) -> tuple[Study, RoadNetwork]:
    study, network, _ = built["urals"]
    return study, study_network(study, network)


def _apply(urals: tuple[Study, RoadNetwork], **join: Any) -> AppliedScenario:
    study, network = urals
    road = {"name": "cut-through", "coordinates": LINE, "speed_kph": 90.0, **join}
    return apply_scenario(network, scenario_from_dict({"new_road": [road]}, name="x"), study)


def _same_network(a: RoadNetwork, b: RoadNetwork) -> None:
    for f in fields(RoadNetwork):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "rules":
            assert x.keys() == y.keys()
            assert all(np.array_equal(x[k], y[k]) for k in x), f.name
        elif f.name in ("geometry", "dropped_geometry"):
            assert np.array_equal(shapely.to_wkb(x), shapely.to_wkb(y)), f.name
        elif isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y), f.name
        elif f.compare:
            assert x == y, f.name


def test_ends_is_the_default_and_adds_two_edges_only(urals: tuple[Study, RoadNetwork]) -> None:
    _, network = urals
    default, ends = _apply(urals), _apply(urals, join="ends")
    _same_network(default.network, ends.network)
    edited = ends.network
    for name in ("node_osmid", "node_lon", "node_lat", "node_obstacle"):
        assert np.array_equal(getattr(edited, name), getattr(network, name))
    assert edited.n_edges == network.n_edges + 2
    for name in EDGE_FIELDS:
        before, after = getattr(network, name), getattr(edited, name)[: network.n_edges]
        if name == "geometry":
            before, after = shapely.to_wkb(before), shapely.to_wkb(after)
        assert np.array_equal(before, after), name


def test_a_crossing_gives_a_shortcut_and_splits_the_crossed_road(
    urals: tuple[Study, RoadNetwork],
) -> None:
    _, network = urals
    ends, crossings = _apply(urals), _apply(urals, join="crossings")
    edited = crossings.network
    n, m = network.n_nodes, network.n_edges
    # One level junction: one new node, the two-way trunk road split (two more edges),
    # the new road in two pieces each way.
    assert edited.n_nodes == n + 1 and edited.n_edges == m + 2 + 4
    assert edited.node_osmid[-1] > network.node_osmid.max() and edited.node_obstacle[-1] == 0
    assert np.all(np.diff(edited.node_osmid) > 0)  # still sorted: restrictions look it up
    split = np.flatnonzero((edited.v[:m] == n) | (edited.u[:m] == n))
    assert len(split) == 2 and set(network.highway[split]) == {"trunk"}
    for j in split:
        (rest,) = np.flatnonzero((edited.u == n) & (edited.v == network.v[j]))
        assert rest >= m and edited.u[j] == network.u[j] and edited.v[j] == n
        assert edited.length_m[j] + edited.length_m[rest] == pytest.approx(
            network.length_m[j], rel=1e-6
        )
        assert edited.travel_time_s[j] + edited.travel_time_s[rest] == pytest.approx(
            network.travel_time_s[j], rel=1e-6
        )
        assert min(edited.length_m[j], edited.length_m[rest]) > 3000  # in the road's middle
        # The two lines are the road's, cut at the new node (its only new vertex).
        head, tail = (shapely.get_coordinates(edited.geometry[k]) for k in (j, rest))
        node = [edited.node_lon[n], edited.node_lat[n]]
        assert np.array_equal(head[-1], node) and np.array_equal(tail[0], node)
        whole = np.vstack([head[:-1], tail[1:]])
        assert np.array_equal(whole, shapely.get_coordinates(network.geometry[j]))
        for name in ("highway", "maxspeed", "name", "ref", "oneway", "osm_way_id", "speed_kph"):
            assert getattr(edited, name)[rest] == getattr(network, name)[j], name
        assert all(edited.rules[k][rest] == network.rules[k][j] for k in network.rules)
    # Total road grows by the new road exactly; its pieces add up to the road "ends" adds.
    road_km = crossings.summary()["road_km"].iloc[0]
    assert road_km == pytest.approx(ends.summary()["road_km"].iloc[0], rel=1e-12)
    assert edited.km_by_class().sum() == pytest.approx(
        network.km_by_class().sum() + road_km, rel=1e-12
    )
    assert len(crossings.edited) == 4 and (crossings.edited["osm_way_id"] < 0).all()
    # From both ends of the new road: the crossed road is reached sooner (the M-5 from
    # the west end: 10+ minutes); a straight drive through the new junction costs at
    # most its junction delay (under 1 s).
    sources = np.array([int(edited.u[-4]), int(edited.u[-2])])  # its two ends
    before = Router(ends.network).times(sources)[:, :n]
    after = Router(edited).times(sources)[:, :n]
    assert (before - after).max() > 10 * 60 and (after - before).max() < 1.0


def test_a_road_through_a_junction_meets_the_network_there(
    urals: tuple[Study, RoadNetwork],
) -> None:
    """Drawn through the trunk road's junction south of Chelyabinsk (61.1403 E, 55.0312 N),
    or 3 m beside it: it meets the network at that node (no new node, no road split)."""
    study, network = urals
    junction = np.array([61.1402893, 55.0311705])
    node = int(np.argmin(np.hypot(network.node_lon - junction[0], network.node_lat - junction[1])))
    for shift in (0.0, 5e-5):  # 5e-5 degrees of longitude there: 3.2 m
        line = [LINE[0], [junction[0] + shift, junction[1]], LINE[1]]
        road = {"name": "through", "coordinates": line, "speed_kph": 90.0, "join": "crossings"}
        applied = apply_scenario(network, scenario_from_dict({"new_road": [road]}, name="x"), study)
        edited = applied.network
        assert edited.n_nodes == network.n_nodes and edited.n_edges == network.n_edges + 4
        assert edited.u[-3] == node and edited.v[-4] == node  # a -> node -> b
        assert edited.u[-1] == node and edited.v[-2] == node  # b -> node -> a


def test_a_second_new_road_meets_the_first_and_a_one_way_road_runs_one_way(
    urals: tuple[Study, RoadNetwork],
) -> None:
    """A one-way road drawn after the first, across it and the trunk road: it cuts both."""
    study, network = urals
    second = [[61.0703, 55.1326], [61.1252, 54.9949]]
    join = {"join": "crossings"}
    roads = [
        {"name": "first", "coordinates": LINE, "speed_kph": 90.0, **join},
        {"name": "second", "coordinates": second, "speed_kph": 60.0, "oneway": True, **join},
    ]
    applied = apply_scenario(network, scenario_from_dict({"new_road": roads}, name="x"), study)
    edited = applied.network
    new = np.arange(network.n_nodes, edited.n_nodes)
    ways = [set(edited.osm_way_id[(edited.u == x) | (edited.v == x)].tolist()) for x in new]
    assert len(new) == 3 and {-1, -2} in ways  # the second road meets the first
    second_edges = edited.osm_way_id == -2
    assert second_edges.sum() == 3 and edited.oneway[second_edges].all()
    assert np.array_equal(edited.v[second_edges][:-1], edited.u[second_edges][1:])  # a chain
    km = applied.summary().set_index("edit")["road_km"]
    first_m = edited.length_m[edited.osm_way_id == -1].sum() / 2
    assert first_m / 1000 == pytest.approx(km["first"], rel=1e-12)
    assert edited.km_by_class().sum() == pytest.approx(
        network.km_by_class().sum() + km.sum(), rel=1e-12
    )


def test_cross_classes_limits_the_roads_it_meets(urals: tuple[Study, RoadNetwork]) -> None:
    _, network = urals
    trunk = _apply(urals, join="crossings", cross_classes=["trunk"])
    assert trunk.network.n_nodes == network.n_nodes + 1
    # It crosses no primary road (nor any motorway: the extract has none): no crossing
    # found, and the road is joined at its ends exactly as with "ends".
    for classes in (["primary"], ["motorway", "secondary"]):
        none = _apply(urals, join="crossings", cross_classes=classes)
        _same_network(none.network, _apply(urals).network)


@pytest.mark.parametrize(
    ("join", "message"),
    [
        ({"join": "everywhere"}, "join = 'everywhere' is not one of ['ends', 'crossings']"),
        ({"join": 1}, "join = 1 is not one of"),
        ({"join": "crossings", "cross_classes": ["highway"]}, "cross_classes = ['highway']"),
        ({"join": "crossings", "cross_classes": "trunk"}, "cross_classes = 'trunk' is not a"),
        ({"join": "crossings", "cross_classes": []}, "cross_classes = [] is not a list"),
        ({"cross_classes": ["trunk"]}, 'needs join = "crossings"'),
    ],
)
def test_bad_join_values_name_the_edit_and_the_value(join: dict[str, Any], message: str) -> None:
    road = {"name": "cut-through", "coordinates": LINE, "speed_kph": 90.0, **join}
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"new_road": [road]}, name="bad")
    assert "edit 'cut-through'" in str(info.value) and message in str(info.value)


def test_scenario_command_with_crossings_writes_the_new_roads_pieces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``ural-access scenario`` end to end: the new road in two pieces each way in
    ``edited_roads``, and Chebarkul, which the road joined at its ends only does not bring
    nearer to Ekaterinburg, nearer through the junction on the trunk road."""
    scenario = tmp_path / "cut-through.toml"
    scenario.write_text(
        f'[[new_road]]\nname = "cut-through"\ncoordinates = {LINE}\nclass = "primary"\n'
        'maxspeed = 90\njoin = "crossings"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["scenario", "--scenario", str(scenario), "--output", str(out), "--no-isochrones"]
    assert main([*args, "-q"]) == 0
    roads = gpd.read_file(out / "comparison" / "scenario.gpkg", layer="edited_roads")
    assert len(roads) == 4 and set(roads["edit"]) == {"cut-through"}
    assert roads["length_km"].sum() / 2 == pytest.approx(38.516, abs=1e-3)
    places = read_table(out / "comparison" / "comparison_places.csv")
    row = places[(places["origin"] == "Ekaterinburg") & (places["name"] == "Chebarkul")]
    assert float(row["time_min_change"].iloc[0]) < -4.0
    assert (out / "comparison" / "scenario.html").is_file()
