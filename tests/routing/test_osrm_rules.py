"""car.lua's way rules in the ``osrm-car`` profile, against OSRM itself on SYNTHETIC networks.

Every network here is made up in the test (a few nodes and ways with the tag under test,
written as ``.osm`` XML; ids from 1, no real OSM data), routed by OSRM (``osrm-bindings``
with its ``car.lua``, run in the Python >= 3.12 venv that ``URAL_ACCESS_OSRM_PYTHON``
names; ``.ci/run`` makes it) and by this project, and the two compared: same route (the
OSM nodes passed) and the same drive time and distance. All cases sit in one file, far
apart, so OSRM builds its data once; the project builds one network per case from the
box around it.

A *ladder* case is two roads from junction A to junction B: ``P`` straight (1.11 km, two
ways meeting at P1), and ``Q`` a bend 6 % longer; a stub leads to each junction, and the trips run from one stub's
end to the other's. Tagging ``P`` with a rule's tag makes OSRM take ``Q`` (or, for
closures, the only way left); the same ladder untagged takes ``P``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import shapely
from ural_access.geo.network._driving_side import country_driving_side
from ural_access.geo.network.road_network import RoadNetwork, build_network
from ural_access.geo.osm.roads import read_osm_file
from ural_access.geo.routing.router import Router

from ..helpers.osrm import Node, Way, osrm_python, osrm_routes, write_osm

#: Degrees between neighbouring cases (each fits in 0.02 degrees).
SPACING = 0.05


@dataclass
class Case:
    """One synthetic network and the trips to compare on it."""

    name: str
    lon: float
    lat: float
    nodes: dict[int, Node] = field(default_factory=dict)
    ways: dict[int, Way] = field(default_factory=dict)
    trips: list[tuple[int, int]] = field(default_factory=list)
    driving_side: str = "right"

    def node(self, i: int, dx: float, dy: float, tags: Mapping[str, str] | None = None) -> int:
        self.nodes[i] = (self.lon + dx, self.lat + dy, dict(tags or {}))
        return i

    def box(self) -> Any:
        lons = [n[0] for n in self.nodes.values()]
        lats = [n[1] for n in self.nodes.values()]
        return shapely.box(
            min(lons) - 0.001, min(lats) - 0.001, max(lons) + 0.001, max(lats) + 0.001
        )


def ladder(name: str, k: int, p_tags: Mapping[str, str]) -> Case:
    """Stub S-A, way P straight A-B (north), way Q bending east A-Q1-Q2-B, stub B-T; all
    of P's class (residential unless ``p_tags`` say otherwise)."""
    case = Case(name, 37.0 + k * SPACING, 55.0)
    base = 1000 * (k + 1)
    s, a, p1, b, t = (
        case.node(base + i, 0.0, dy) for i, dy in enumerate((-0.003, 0, 0.005, 0.01, 0.013))
    )
    q1 = case.node(base + 5, 0.0015, 0.001)
    q2 = case.node(base + 6, 0.0015, 0.009)
    road = {"highway": p_tags.get("highway", "residential")}
    case.ways[base + 1] = ([s, a], road)
    # P in two ways, so that P1 is a junction of the project's graph too (two edges from A
    # to B would be parallel, and a router keeps one of them).
    case.ways[base + 2] = ([a, p1], {**road, **p_tags})
    case.ways[base + 5] = ([p1, b], {**road, **p_tags})
    case.ways[base + 3] = ([a, q1, q2, b], road)
    case.ways[base + 4] = ([b, t], road)
    case.trips = [(s, t), (t, s)]
    return case


#: Tags on P that car.lua weighs (route weight = duration / factor), with their factor.
WEIGHTED = {
    "lanes_1": ({"lanes": "1"}, 0.5),
    "width_2_5": ({"width": "2.5"}, 0.5),
    "width_3_5": ({"width": "3.5"}, 0.6),
    "width_4_5": ({"width": "4.5 m"}, 0.75),
    "width_5_5": ({"width": "5.5"}, 0.8),
    "lane_markings_no": ({"lane_markings": "no"}, 0.75),
    "service_driveway": ({"highway": "service", "service": "driveway"}, 0.5),
    "alternating": ({"oneway": "alternating"}, 0.4),
    "side_road": ({"side_road": "yes"}, 0.8),
}

#: Tags on P that close it to cars in car.lua (vehicle 2.0 m high, 1.9 m wide, 4.8 m long,
#: 2000 kg; ways it does not route at all), and three that do not.
CLOSING = {
    "maxheight_1_9": ({"maxheight": "1.9"}, True),
    "maxheight_6_feet": ({"maxheight": "6'2\""}, True),
    "maxheight_default": ({"maxheight": "default"}, False),
    "maxwidth_1_9": ({"maxwidth": "1.9"}, True),
    "width_1_5": ({"width": "1.5"}, True),
    "maxlength_4": ({"maxlength": "4"}, True),
    "maxweight_1_5": ({"maxweight": "1.5"}, True),
    "maxweight_2500_kg": ({"maxweight": "2500 kg"}, False),
    # car.lua's blocked ways
    "oneway_reversible": ({"oneway": "reversible"}, True),
    "impassable": ({"impassable": "yes"}, True),
    "construction_yes": ({"construction": "yes"}, True),
    "construction_minor": ({"construction": "minor"}, False),
    "service_emergency_access": ({"highway": "service", "service": "emergency_access"}, True),
}


def _cases() -> list[Case]:
    cases: list[Case] = []

    def add(case: Case) -> None:
        cases.append(case)

    add(ladder("plain", 0, {}))
    for name, (tags, _) in WEIGHTED.items():
        add(ladder(name, len(cases), tags))
    for name, (tags, _) in CLOSING.items():
        add(ladder(name, len(cases), tags))
    add(ladder("priority_forward", len(cases), {"priority": "forward"}))
    add(ladder("maxspeed_3", len(cases), {"maxspeed": "3"}))
    # A signal for the way's direction only, on a straight road S-X-T (way runs S to T).
    k = len(cases)
    signal = Case("signal_forward", 37.0 + k * SPACING, 55.0)
    base = 1000 * (k + 1)
    s = signal.node(base, 0, 0)
    x = signal.node(
        base + 1, 0, 0.004, {"highway": "traffic_signals", "traffic_signals:direction": "forward"}
    )
    t = signal.node(base + 2, 0, 0.008)
    signal.ways[base + 1] = ([s, x, t], {"highway": "secondary"})
    signal.trips = [(s, t), (t, s)]
    add(signal)
    # A give-way sign and a stop sign for one direction (direction=forward / backward).
    for sign, direction in (("give_way", "forward"), ("stop", "backward")):
        k = len(cases)
        case = Case(f"{sign}_{direction}", 37.0 + k * SPACING, 55.0)
        base = 1000 * (k + 1)
        s = case.node(base, 0, 0)
        x = case.node(base + 1, 0, 0.004, {"highway": sign, "direction": direction})
        t = case.node(base + 2, 0, 0.008)
        case.ways[base + 1] = ([s, x, t], {"highway": "secondary"})
        case.trips = [(s, t), (t, s)]
        add(case)
    # Lengths far north (60.5 N) and east-west, where the sphere is 0.27 % short.
    k = len(cases)
    north = Case("length_north", 37.0 + k * SPACING, 60.5)
    base = 1000 * (k + 1)
    ids = [north.node(base + i, 0.003 * i, 0.0007 * (i % 2)) for i in range(6)]
    north.ways[base + 1] = (ids, {"highway": "primary"})
    north.trips = [(ids[0], ids[-1])]
    add(north)
    return cases


def _left_hand_junctions(start: int) -> list[Case]:
    """A four-way junction in Great Britain (left-hand traffic by country, OSRM's index)
    and one in Russia whose ways carry ``driving_side=left``: left and right turns."""
    out = []
    for k, (name, lon, lat, tags, country) in enumerate(
        (
            ("country_gb", -1.5, 52.5, {}, "GB"),
            ("tag_left", 37.0 + (start + 1) * SPACING, 55.0, {"driving_side": "left"}, "RU"),
        )
    ):
        case = Case(name, lon, lat, driving_side=country_driving_side(country))
        base = 1000 * (start + k + 1)
        c = case.node(base, 0, 0)
        arms = {
            d: case.node(base + i + 1, dx, dy)
            for i, (d, dx, dy) in enumerate(
                (("s", 0, -0.004), ("n", 0, 0.004), ("w", -0.006, 0), ("e", 0.006, 0))
            )
        }
        for i, d in enumerate("snwe"):
            case.ways[base + i + 1] = ([arms[d], c], {"highway": "tertiary", **tags})
        # From the south: left turn (west), right turn (east), straight on (north).
        case.trips = [(arms["s"], arms["w"]), (arms["s"], arms["e"]), (arms["s"], arms["n"])]
        out.append(case)
    return out


CASES = _cases()
CASES += _left_hand_junctions(len(CASES))
BY_NAME = {c.name: c for c in CASES}


@dataclass
class Trip:
    """One trip in both engines."""

    osrm_s: float
    osrm_m: float
    osrm_nodes: list[int]
    time_s: float
    dist_m: float
    nodes: list[int]


@pytest.fixture(scope="module")
def trips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Trip]]:
    osrm_python()  # skips the module's tests where OSRM is not installed
    folder = tmp_path_factory.mktemp("osrm-rules")
    nodes = {i: n for c in CASES for i, n in c.nodes.items()}
    ways = {i: w for c in CASES for i, w in c.ways.items()}
    path = write_osm(folder, nodes, ways)
    pairs = [(c.nodes[a][:2], c.nodes[b][:2]) for c in CASES for a, b in c.trips]
    answers = iter(osrm_routes(path, pairs))
    roads = read_osm_file(path, "service")
    out: dict[str, list[Trip]] = {}
    for case in CASES:
        net = build_network(
            roads,
            case.box(),
            road_classes="service",
            speed_model="osrm-car",
            extra_provenance={"driving_side": case.driving_side},
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            router = Router(net)
        out[case.name] = [_trip(router, net, next(answers), a, b) for a, b in case.trips]
    return out


def _trip(router: Router, net: RoadNetwork, osrm: dict[str, Any], a: int, b: int) -> Trip:
    assert "error" not in osrm, osrm
    ia, ib = (int(np.flatnonzero(net.node_osmid == n)[0]) for n in (a, b))
    tree = router.tree(ia)
    return Trip(
        osrm_s=osrm["duration"],
        osrm_m=osrm["distance"],
        osrm_nodes=osrm["nodes"],
        time_s=float(tree.time_s[ib]),
        dist_m=float(tree.dist_to([ib])[0]),
        nodes=[int(net.node_osmid[n]) for n in router.path_nodes(tree, ib)],
    )


def _same(trip: Trip) -> None:
    """Same junctions, time within 0.3 s, distance within 0.15 m of OSRM's (0.1 m steps)."""
    assert set(trip.nodes) <= set(trip.osrm_nodes), (trip.nodes, trip.osrm_nodes)
    assert trip.time_s == pytest.approx(trip.osrm_s, abs=0.3)
    assert trip.dist_m == pytest.approx(trip.osrm_m, abs=0.15)


def _takes_p(case: Case, trip: Trip) -> bool:
    """Whether both engines drive way P (through node P1); fails where they disagree."""
    p1 = min(case.nodes) + 2
    assert (p1 in trip.osrm_nodes) == (p1 in trip.nodes), (trip.osrm_nodes, trip.nodes)
    return p1 in trip.osrm_nodes


def test_plain_ladder_takes_the_short_way(trips: dict[str, list[Trip]]) -> None:
    for trip in trips["plain"]:
        _same(trip)
        assert _takes_p(BY_NAME["plain"], trip)


@pytest.mark.parametrize("name", list(WEIGHTED))
def test_weighted_way_is_avoided_and_time_is_the_duration(
    trips: dict[str, list[Trip]], name: str
) -> None:
    """The tagged way is faster but weighs more: both engines take the bend, and report
    its duration (not its weight)."""
    plain = trips["plain"][0]
    for trip in trips[name]:
        _same(trip)
        assert not _takes_p(BY_NAME[name], trip)
        assert trip.time_s > plain.time_s + 5  # the longer way's time, not a weight


def test_priority_weighs_the_direction_against_it(trips: dict[str, list[Trip]]) -> None:
    case = BY_NAME["priority_forward"]
    north, south = trips["priority_forward"]  # P runs north: priority to that direction
    _same(north)
    _same(south)
    assert _takes_p(case, north) and not _takes_p(case, south)


@pytest.mark.parametrize("name", list(CLOSING))
def test_size_limits_close_the_way(trips: dict[str, list[Trip]], name: str) -> None:
    closes = CLOSING[name][1]
    for trip in trips[name]:
        _same(trip)
        assert _takes_p(BY_NAME[name], trip) is not closes


def test_limit_below_five_kph_is_kept(trips: dict[str, list[Trip]]) -> None:
    """maxspeed=3: car.lua drives it at 0.8 x 3 km/h, so the bend is faster."""
    for trip in trips["maxspeed_3"]:
        _same(trip)
        assert not _takes_p(BY_NAME["maxspeed_3"], trip)


def test_signal_for_one_direction_delays_that_direction_only(
    trips: dict[str, list[Trip]],
) -> None:
    forward, backward = trips["signal_forward"]
    _same(forward)
    _same(backward)
    # The same road both ways; only the forward trip waits at the signal (2 s).
    assert forward.time_s - backward.time_s == pytest.approx(2.0, abs=0.15)


@pytest.mark.parametrize(("name", "delay"), [("give_way_forward", 1.0), ("stop_backward", -2.0)])
def test_signs_for_one_direction_delay_that_direction_only(
    trips: dict[str, list[Trip]], name: str, delay: float
) -> None:
    forward, backward = trips[name]
    _same(forward)
    _same(backward)
    assert forward.time_s - backward.time_s == pytest.approx(delay, abs=0.15)


def test_lengths_are_osrms_measure(trips: dict[str, list[Trip]]) -> None:
    (trip,) = trips["length_north"]
    _same(trip)
    lon = np.array([BY_NAME["length_north"].nodes[n][0] for n in trip.nodes])
    lat = np.array([BY_NAME["length_north"].nodes[n][1] for n in trip.nodes])
    from ural_access.geo.base.distance import great_circle_m

    sphere = float(great_circle_m(lon[:-1], lat[:-1], lon[1:], lat[1:]).sum())
    assert sphere < trip.osrm_m * 0.998  # the sphere would be > 0.2 % short here


@pytest.mark.parametrize("name", ["country_gb", "tag_left"])
def test_left_hand_traffic_mirrors_turn_costs(trips: dict[str, list[Trip]], name: str) -> None:
    left, right, straight = trips[name]
    for trip in (left, right, straight):
        _same(trip)
    # Keeping left, the left turn is the cheap one: it crosses no oncoming traffic.
    assert left.time_s < right.time_s
    assert math.isclose(left.osrm_m, right.osrm_m, rel_tol=0.01)


# ---------------------------------------------------------------- without OSRM


def test_driving_side_table() -> None:
    """The cited table: the UK, Ireland, Japan, India, Australia, Malta keep left."""
    for country in ("GB", "ie", "JP", "IN", "AU", "MT", "HK"):
        assert country_driving_side(country) == "left", country
    for country in ("RU", "DE", "US", "FR", "AD"):
        assert country_driving_side(country) == "right", country


@pytest.fixture(scope="module")
def synthetic_roads(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("synthetic-roads")
    nodes = {i: n for c in CASES for i, n in c.nodes.items()}
    ways = {i: w for c in CASES for i, w in c.ways.items()}
    return read_osm_file(write_osm(folder, nodes, ways), "service")


def _route_nodes(roads: Any, case: Case, profile: str) -> list[list[int]]:
    net = build_network(roads, case.box(), road_classes="service", speed_model=profile)
    router = Router(net)
    out = []
    for a, b in case.trips:
        ia, ib = (int(np.flatnonzero(net.node_osmid == n)[0]) for n in (a, b))
        tree = router.tree(ia)
        out.append([int(net.node_osmid[n]) for n in router.path_nodes(tree, ib)])
    return out


@pytest.mark.parametrize("name", ["lanes_1", "width_2_5", "service_driveway", "maxspeed_3"])
def test_ru_takes_the_fastest_route(synthetic_roads: Any, name: str) -> None:
    """``ru`` follows neither the route weights nor the limits below 5 km/h: it drives P."""
    case = BY_NAME[name]
    p1 = min(case.nodes) + 2
    assert all(p1 in nodes for nodes in _route_nodes(synthetic_roads, case, "ru"))
    assert not any(p1 in nodes for nodes in _route_nodes(synthetic_roads, case, "osrm-car"))


@pytest.mark.parametrize("name", ["maxheight_1_9", "maxweight_1_5"])
def test_ru_obeys_size_limits(synthetic_roads: Any, name: str) -> None:
    case = BY_NAME[name]
    p1 = min(case.nodes) + 2
    assert not any(p1 in nodes for nodes in _route_nodes(synthetic_roads, case, "ru"))
