"""Turn angles and costs as OSRM computes them (profile ``osrm-car``): road bearings at real
Monaco junctions against the bearings OSRM itself reports there, and turn costs in OSRM's
whole deciseconds."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from ural_access.geo.network.profile import load_profile
from ural_access.geo.network.road_network import RoadNetwork, build_network
from ural_access.geo.osm.roads import read_osm_file
from ural_access.geo.routing.router import Router
from ural_access.geo.routing.turns import _bearings, _movement_bearings

from ..conftest import extract

#: Bearings of the roads at four junctions on Avenue Princesse Grace and the hairpins of
#: the Lacets Saint-Léon, as OSRM reports them (``intersections[].bearings``, in its
#: 15-degree steps) on the route between the network's nodes 588 and 1100: osrm-bindings
#: 26.10.0, car.lua, built from the shared monaco.osm.pbf.
OSRM_BEARINGS = {
    21930550: {75, 105, 240},
    1079750576: {45, 180, 210},
    1868736570: {15, 105, 210},
    1868736651: {75, 135, 285},
}


@pytest.fixture(scope="module")
def monaco() -> RoadNetwork:
    roads = read_osm_file(extract("monaco.osm.pbf"), "service")
    area = shapely.box(
        roads.node_lon.min(), roads.node_lat.min(), roads.node_lon.max(), roads.node_lat.max()
    )
    return build_network(roads, area, road_classes="service", speed_model="osrm-car")


def _steps(bearings: np.ndarray) -> set[int]:
    """OSRM's discrete bearing: the nearest multiple of 15 degrees."""
    return {int(b) for b in (np.round(bearings / 15.0) * 15.0) % 360}


def _at_node(net: RoadNetwork, start: np.ndarray, end: np.ndarray, osm_id: int) -> set[int]:
    """Bearings of the roads leaving an OSM node (arrivals turned round), in 15° steps."""
    x = int(np.flatnonzero(net.node_osmid == osm_id)[0])
    leaving = start[net.u == x]
    arriving_back = (end[net.v == x] + 180.0) % 360.0
    return _steps(np.concatenate([leaving, arriving_back]))


def test_junction_bearings_are_osrms(monaco: RoadNetwork) -> None:
    start, end = _movement_bearings(monaco, load_profile("osrm-car"))
    seg_start, seg_end = _bearings(monaco.geometry)
    first_segment_matches = 0
    for osm_id, osrm in OSRM_BEARINGS.items():
        assert _at_node(monaco, start, end, osm_id) == osrm, osm_id
        first_segment_matches += _at_node(monaco, seg_start, seg_end, osm_id) == osrm
    # The first segments miss OSRM's view at three of the four (the 34/14/49/97° angles).
    assert first_segment_matches == 1


def test_bearings_away_from_junctions_are_the_segments(monaco: RoadNetwork) -> None:
    start, end = _movement_bearings(monaco, load_profile("osrm-car"))
    seg_start, seg_end = _bearings(monaco.geometry)
    pairs = np.unique(np.sort(np.column_stack([monaco.u, monaco.v]), axis=1), axis=0)
    roads = np.bincount(pairs.ravel(), minlength=monaco.n_nodes)
    plain_u, plain_v = roads[monaco.u] <= 2, roads[monaco.v] <= 2
    assert plain_u.sum() > 100 and plain_v.sum() > 100
    np.testing.assert_allclose(start[plain_u], seg_start[plain_u] % 360.0, atol=1e-9)
    np.testing.assert_allclose(end[plain_v], seg_end[plain_v] % 360.0, atol=1e-9)
    assert np.isfinite(start).all() and np.isfinite(end).all()
    # At junctions the two differ often (curves, short first segments), not always.
    junction = roads[monaco.u] > 2
    off = np.abs((start - seg_start + 180.0) % 360.0 - 180.0)[junction]
    assert 0.1 < (off > 1.0).mean() < 0.9


def test_only_the_osrm_profile_uses_osrms_bearings() -> None:
    assert load_profile("osrm-car").turns.bearings == "osrm"
    assert load_profile("ru").turns.bearings == "segment"
    assert load_profile("osrm-car").info()["turns"]["bearings"] == "osrm"


def test_turn_costs_are_whole_deciseconds_under_osrm_car(monaco: RoadNetwork) -> None:
    """OSRM stores a turn's duration as a whole number of deciseconds, cut down
    (``boost::numeric_cast<TurnPenalty>(duration * 10.)``, edge_based_graph_factory.cpp)."""
    costs = load_profile("osrm-car").turns
    np.testing.assert_allclose(
        costs.stepped(np.array([0.09, 3.47, 0.3, 27.5])), [0, 3.4, 0.3, 27.5]
    )
    assert load_profile("ru").turns.stepped(np.array([0.09]))[0] == 0.09
    router = Router(monaco)
    tg = router.turn_graph
    assert tg is not None
    coo = tg.matrix.tocoo()
    cost = coo.data - router.edge_weight[tg.state_edge[coo.row]]  # arcs weigh the edge
    tenths = cost * 10
    assert (cost > 0.05).sum() > 1000  # real turn costs, not only zeros
    np.testing.assert_allclose(tenths, np.round(tenths), atol=1e-6)
