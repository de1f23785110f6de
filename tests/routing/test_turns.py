"""Drive rules on real OSM ways: access, local-only roads, surface caps, profiles, and the
search over road-to-road movements, exact against networkx on the same expanded graph."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import shapely
from ural_access.geo.errors import RoutingError, UralAccessWarning
from ural_access.geo.network.profile import CLOSED, LOCAL_ONLY, OPEN, edge_access, load_profile
from ural_access.geo.network.road_network import RoadNetwork, build_network
from ural_access.geo.osm.roads import read_osm_file
from ural_access.geo.routing.router import Router

from ..conftest import extract
from ..helpers.movements import movement_digraph, networkx_node_times

#: "Im Rossfeld", Vaduz: a residential street tagged motor_vehicle=destination.
IM_ROSSFELD = 50062368

VADUZ_PLANKEN = pd.DataFrame(
    {"place_id": ["Vaduz", "Planken"], "lon": [9.5209, 9.5445], "lat": [47.1410, 47.1853]}
)


def _network(filename: str, profile: str, lowest: str = "living_street") -> RoadNetwork:
    roads = read_osm_file(extract(filename), lowest)
    area = shapely.box(
        roads.node_lon.min(), roads.node_lat.min(), roads.node_lon.max(), roads.node_lat.max()
    )
    return build_network(roads, area, road_classes=lowest, speed_model=profile)


@pytest.fixture(scope="module")
def liechtenstein() -> dict[str, RoadNetwork]:
    return {p: _network("liechtenstein-latest.osm.pbf", p) for p in ("ru", "osrm-car")}


def _route_ways(router: Router, origin: str, target: str) -> tuple[float, set[int]]:
    a, b = (int(n) for n in router.place_nodes([origin, target]))
    tree = router.tree(a)
    edges, _ = router.path_edges(tree, b)
    return float(tree.time_s[b]), set(router.network.osm_way_id[router.edge_base[edges]].tolist())


def test_destination_only_street_is_not_a_short_cut(liechtenstein: dict) -> None:
    net = liechtenstein["ru"]
    on_way = net.osm_way_id == IM_ROSSFELD
    assert on_way.sum() >= 2 and set(net.rules["access"][on_way]) == {"destination"}
    assert (edge_access(net.rules["access"][on_way], "ru") == LOCAL_ONLY).all()
    plain = Router(net, VADUZ_PLANKEN, snap_limit_km=2, turns=False)
    plain_time, plain_ways = _route_ways(plain, "Vaduz", "Planken")
    assert IM_ROSSFELD in plain_ways  # the short cut the plain graph takes
    router = Router(net, VADUZ_PLANKEN, snap_limit_km=2)
    time, ways = _route_ways(router, "Vaduz", "Planken")
    assert IM_ROSSFELD not in ways
    assert time > plain_time


def test_destination_only_street_is_reachable_at_the_ends(liechtenstein: dict) -> None:
    net = liechtenstein["ru"]
    edge = int(np.flatnonzero(net.osm_way_id == IM_ROSSFELD)[0])
    lon, lat = shapely.get_coordinates(shapely.line_interpolate_point(net.geometry[edge], 0.5))[0]
    places = pd.concat(
        [VADUZ_PLANKEN, pd.DataFrame({"place_id": ["Rossfeld"], "lon": [lon], "lat": [lat]})]
    )
    router = Router(net, places, snap_limit_km=2)
    to_street, ways = _route_ways(router, "Planken", "Rossfeld")
    assert np.isfinite(to_street) and IM_ROSSFELD in ways
    from_street, ways = _route_ways(router, "Rossfeld", "Planken")
    assert np.isfinite(from_street) and IM_ROSSFELD in ways


def test_access_values_by_profile() -> None:
    values = ["", "yes", "destination", "private", "no", "agricultural", "no;destination"]
    assert edge_access(values, "ru").tolist() == [
        OPEN,
        OPEN,
        LOCAL_ONLY,
        CLOSED,
        CLOSED,
        CLOSED,
        LOCAL_ONLY,
    ]
    # OSRM car.lua keeps private ways as restricted (local only), not closed.
    assert edge_access(["private"], "osrm-car").tolist() == [LOCAL_ONLY]


def test_private_ways_are_closed_under_ru(liechtenstein: dict) -> None:
    net = liechtenstein["ru"]
    private = np.flatnonzero(net.rules["access"] == "private")
    assert len(private) >= 5
    router = Router(net)
    tg = router.turn_graph
    assert tg is not None
    base_private = np.flatnonzero(np.isin(router.edge_base, private))

    def entered(tg) -> np.ndarray:  # type: ignore[no-untyped-def]
        """Edges with a movement onto them, or a trip starting on them."""
        onto = np.bincount(tg.matrix.indices, minlength=tg.n_states) > 0
        edges = np.zeros(tg.n_edges, dtype=bool)
        edges[tg.state_edge[onto]] = True
        edges[tg.out_states] = True
        return edges

    assert not entered(tg)[base_private].any()
    # ... while OSRM's profile keeps them for local traffic.
    osrm = Router(liechtenstein["osrm-car"])
    assert entered(osrm.turn_graph)[base_private].mean() > 0.9


def test_surface_caps_the_speed_on_real_djibouti_primary_roads() -> None:
    net = _network("djibouti-secondary.osm.pbf", "ru", "secondary")
    ground = (net.highway == "primary") & np.isin(net.rules["surface"], ["ground", "unpaved"])
    assert ground.sum() > 0
    km = net.length_m[ground].sum() / 2000
    assert km > 20  # tens of km of Djibouti's primary roads are unpaved
    assert (net.speed_kph[ground] <= 40 + 1e-9).all()
    bad = net.rules["smoothness"] == "bad"
    assert bad.any() and (net.speed_kph[bad] <= 40 + 1e-9).all()
    paved = (net.highway == "primary") & (net.rules["surface"] == "asphalt")
    assert (net.speed_kph[paved] > 40).any()


def test_osrm_profile_drives_tagged_limits_at_its_share(liechtenstein: dict) -> None:
    ru, osrm = liechtenstein["ru"], liechtenstein["osrm-car"]
    tagged = (ru.maxspeed == "50") & (ru.rules["surface"] == "asphalt")
    tagged &= np.isin(ru.rules["smoothness"], ["", "good", "excellent", "intermediate"])
    tagged &= ru.rules["tracktype"] == ""
    assert tagged.sum() > 100
    assert np.allclose(ru.speed_kph[tagged], 45.0) and np.allclose(osrm.speed_kph[tagged], 40.0)
    assert osrm.provenance["speed_model"]["name"] == "osrm-car"
    rules = osrm.provenance["speed_model"]["rules"]
    assert rules["turns"]["u_turn_penalty_s"] == 20.0 and rules["maxspeed_none"] == "140"


def test_turn_cost_shape() -> None:
    costs = load_profile("osrm-car").turns
    straight, right, left, back = costs.angle_cost_s(np.array([0.0, 90.0, -90.0, 180.0]))
    assert straight < 0.05 < right < left < back <= 7.5 + 2.0 + 1e-9
    assert right == pytest.approx(7.5 / (1 + np.exp(-(13 / 1.075 * 0.5 - 6.5 * 1.075))))


#: "Rond-Point" in Monaco: a junction=roundabout way (primary, 2 lanes) with side roads.
MONACO_ROUNDABOUT = 156571081


@pytest.fixture(scope="module")
def monaco() -> RoadNetwork:
    return _network("monaco.osm.pbf", "osrm-car", "service")


def _movement_costs(router: Router) -> pd.DataFrame:
    """Every movement of a router's turn graph: its edges, node, angle and cost (s)."""
    from ural_access.geo.routing.turns import _movement_bearings

    tg = router.turn_graph
    assert tg is not None
    coo = tg.matrix.tocoo()
    e, f = tg.state_edge[coo.row], tg.state_edge[coo.col]
    start, end = _movement_bearings(router.network, router.profile)
    be, bf = router.edge_base[e], router.edge_base[f]
    angle = (start[bf] - end[be] + 180.0) % 360.0 - 180.0
    uturn = router.edge_v[f] == router.edge_u[e]
    return pd.DataFrame(
        {"e": be, "f": bf, "x": router.edge_v[e], "angle": np.where(uturn, 180.0, angle)}
    ).assign(cost=coo.data - router.edge_weight[e], uturn=uturn)


def test_service_roads_can_be_kept(monaco: RoadNetwork) -> None:
    # OSRM's car profile routes service roads; a junction with one is a junction.
    assert "service" in set(monaco.highway.tolist())


def test_roundabout_movements_pay_no_oncoming_wait(monaco: RoadNetwork) -> None:
    """OSRM car.lua charges the oncoming-traffic wait nowhere into or out of a roundabout."""
    costs = load_profile("osrm-car").turns
    ring = monaco.osm_way_id == MONACO_ROUNDABOUT
    assert set(monaco.rules["junction"][ring]) == {"roundabout"}
    moves = _movement_costs(Router(monaco))
    roads = np.bincount(np.unique(np.sort(np.c_[monaco.u, monaco.v], axis=1), axis=0).ravel())
    around = moves[ring[moves.e] & ring[moves.f] & (roads[moves.x] > 2)]
    assert len(around) >= 3 and (around.angle < 0).all()  # anticlockwise: left, every one
    no_wait = costs.angle_cost_s(around.angle.to_numpy(), False)
    # OSRM keeps a turn's cost in whole deciseconds, cut down (penalty_step_s).
    np.testing.assert_allclose(around.cost, costs.stepped(no_wait), atol=1e-9)
    assert (costs.angle_cost_s(around.angle.to_numpy(), True) > no_wait + 0.1).all()


def test_left_hand_traffic_mirrors_the_turn_costs() -> None:
    """Malta keeps left (OSRM knows it): there a left turn is the cheap one."""
    net = _network("malta-latest.osm.pbf", "osrm-car")
    right = _movement_costs(Router(net))
    left = _movement_costs(Router(net, driving_side="left"))
    assert right[["e", "f"]].equals(left[["e", "f"]])
    plain = net.rules["junction"] == ""
    roads = np.bincount(np.unique(np.sort(np.c_[net.u, net.v], axis=1), axis=0).ravel())
    turn = (roads[right.x] > 2) & plain[right.e] & plain[right.f] & ~right.uturn
    lefts, rights = turn & (right.angle < -45), turn & (right.angle > 45)
    assert lefts.sum() > 100 and rights.sum() > 100
    assert (left.cost[lefts] < right.cost[lefts]).all()
    assert (left.cost[rights] > right.cost[rights]).all()
    # A U-turn pays its penalty on either side (the mirrored bias moves it by < 0.1 s).
    u = right.uturn & plain[right.e]
    assert u.sum() > 10
    np.testing.assert_allclose(left.cost[u], right.cost[u], atol=0.1)
    with pytest.raises(RoutingError, match="driving_side"):
        Router(net, driving_side="middle")


# ------------------------------------------------------------------ exact search
@pytest.mark.parametrize("key", ["andorra", "malta"])
@pytest.mark.parametrize("profile", ["ru", "osrm-car"])
def test_movement_times_equal_networkx_on_the_expanded_graph(
    built: dict, key: str, profile: str
) -> None:
    study, net, _ = built[key]
    places = pd.DataFrame(
        {"place_id": [p.name for p in study.all_places()]}
        | {"lon": [p.lon for p in study.all_places()], "lat": [p.lat for p in study.all_places()]}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        router = Router(net.with_speeds(profile), places, snap_limit_km=study.routing.snap_limit_km)
    graph = movement_digraph(router)
    rng = np.random.default_rng(11)
    sources = rng.choice(router.n, size=3, replace=False).tolist()
    sources += [int(n) for n in router.place_nodes([study.first_tier[0].name])]
    reached = 0
    for s in sources:
        ours = router.times([s])[0]
        ref = networkx_node_times(router, graph, s)
        assert np.array_equal(np.isinf(ours), np.isinf(ref))
        finite = np.isfinite(ref)
        np.testing.assert_allclose(ours[finite], ref[finite], atol=1e-6, rtol=0)
        reached += int(finite.sum())
        tree = router.tree(s)
        np.testing.assert_allclose(tree.time_s[finite], ref[finite], atol=1e-6, rtol=0)
    assert reached > 1000


def test_route_line_follows_the_movement_tree(built: dict) -> None:
    study, net, _ = built["djibouti"]
    places = pd.DataFrame(
        {"place_id": [p.name for p in study.all_places()]}
        | {"lon": [p.lon for p in study.all_places()], "lat": [p.lat for p in study.all_places()]}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        router = Router(net, places, snap_limit_km=study.routing.snap_limit_km)
        plain = Router(net, places, snap_limit_km=study.routing.snap_limit_km, turns=False)
    origin = int(router.place_nodes([study.first_tier[0].name])[0])
    tree = router.tree(origin)
    plain_tree = plain.tree(origin)
    targets = [int(n) for n in router.place_nodes([p.name for p in study.all_places()])]
    checked = 0
    for node in targets:
        if node < 0 or node == origin or not np.isfinite(tree.time_s[node]):
            continue
        route = router.route_line(tree, node)
        assert route is not None
        assert route.time_s == pytest.approx(tree.time_s[node], abs=1e-6)
        assert route.dist_m == pytest.approx(tree.dist_m[node], rel=1e-9)
        # Turn costs and junction delays only ever add time.
        assert tree.time_s[node] >= plain_tree.time_s[node] - 1e-6
        checked += 1
    assert checked >= 5


# ------------------------------------------------------------------ turn restrictions
#: OSM relations in the Liechtenstein extract: (relation id, from way, via node, to way).
#: 7301249 is restriction=no_* and 7624198 restriction=only_* (a movement *off* its
#: ``to`` way is what is forbidden there).
NO_TURN = (7301249, 273593707, 2784299247, 273593709)
ONLY_TURN = (7624198, 164371363, 268233711, 366844341)


@pytest.mark.parametrize("relation", [NO_TURN, ONLY_TURN], ids=["no_", "only_"])
def test_real_turn_restriction_is_obeyed(liechtenstein: dict, relation: tuple) -> None:
    rel, from_way, via, to_way = relation
    net = liechtenstein["ru"]
    row = net.restrictions[net.restrictions[:, 0] == rel]
    assert row.tolist() == [[rel, int(relation is ONLY_TURN), from_way, via, to_way]]
    x = int(np.searchsorted(net.node_osmid, via))
    assert net.node_osmid[x] == via
    into = np.flatnonzero((net.osm_way_id == from_way) & (net.v == x))
    if relation is NO_TURN:
        onto = np.flatnonzero((net.osm_way_id == to_way) & (net.u == x))
    else:  # any way on but the one it must take
        onto = np.flatnonzero(~np.isin(net.osm_way_id, [to_way, from_way]) & (net.u == x))
    a = shapely.line_interpolate_point(net.geometry[into[0]], 0.7, normalized=True)
    b = shapely.line_interpolate_point(net.geometry[onto[0]], 0.3, normalized=True)
    places = pd.DataFrame({"place_id": ["a", "b"], "lon": [a.x, b.x], "lat": [a.y, b.y]})

    def movement_used(router: Router) -> tuple[float, bool]:
        na, nb = (int(n) for n in router.place_nodes(["a", "b"]))
        tree = router.tree(na)
        base = router.edge_base[router.path_edges(tree, nb)[0]]
        used = bool(np.any(np.isin(base[:-1], into) & np.isin(base[1:], onto)))
        return float(tree.time_s[nb]), used

    plain_time, plain_used = movement_used(Router(net, places, snap_limit_km=0.03, turns=False))
    time, used = movement_used(Router(net, places, snap_limit_km=0.03))
    assert plain_used and not used  # the plain graph turns there; the movement search not
    assert np.isfinite(time) and time > plain_time + 10


#: Restrictions via ways in the Liechtenstein extract: (relation, from way, via ways, to
#: way). 9402492 is no_right_turn via one way; 9402486 no_right_turn via three.
VIA_ONE = (9402492, 677324024, (677324025,), 300819032)
VIA_THREE = (9402486, 677324025, (677324029, 677324030, 677324033), 677324032)


def _way_sequence(router: Router, na: int, nb: int, relation: tuple) -> tuple[float, str]:
    """Route time and its ways as letters: F(rom), V(ia), T(o), '.' any other, one letter
    per run of edges on one way."""
    _, from_way, vias, to_way = relation
    tree = router.tree(na)
    ways = router.network.osm_way_id[router.edge_base[router.path_edges(tree, nb)[0]]]
    ways = ways[np.r_[True, ways[1:] != ways[:-1]]]
    letter = {from_way: "F", to_way: "T", **dict.fromkeys(vias, "V")}
    return float(tree.time_s[nb]), "".join(letter.get(int(w), ".") for w in ways)


@pytest.mark.parametrize("relation", [VIA_ONE, VIA_THREE], ids=["one_via_way", "three_via_ways"])
def test_real_restriction_via_ways_is_obeyed(liechtenstein: dict, relation: tuple) -> None:
    rel, from_way, vias, to_way = relation
    net = liechtenstein["ru"]
    rows = net.restrictions[net.restrictions[:, 0] == rel]
    assert sorted(rows.tolist()) == sorted([rel, 0, from_way, -v, to_way] for v in vias)
    start = np.flatnonzero(net.osm_way_id == from_way)[0]
    end = np.flatnonzero(net.osm_way_id == to_way)[0]
    a = shapely.line_interpolate_point(net.geometry[start], 0.5, normalized=True)
    b = shapely.line_interpolate_point(net.geometry[end], 0.5, normalized=True)
    places = pd.DataFrame({"place_id": ["a", "b"], "lon": [a.x, b.x], "lat": [a.y, b.y]})
    forbidden = "F" + "V" * len(vias) + "T"
    plain = Router(net, places, snap_limit_km=0.03, turns=False)
    plain_time, plain_ways = _way_sequence(plain, *plain.place_nodes(["a", "b"]), relation)
    assert forbidden in plain_ways  # the plain graph drives the forbidden sequence
    router = Router(net, places, snap_limit_km=0.03)
    assert router.turn_graph is not None and router.turn_graph.n_via_way_rules == 6
    time, ways = _way_sequence(router, *router.place_nodes(["a", "b"]), relation)
    assert forbidden not in ways and ways.startswith(".F") and ways.endswith("T.")
    assert np.isfinite(time) and time > plain_time + 10
    # Exact against networkx on the expanded graph, the via ways' copied states included.
    graph = movement_digraph(router)
    for s in (int(net.u[start]), *router.place_nodes(["a"])):
        ref = networkx_node_times(router, graph, int(s))
        finite = np.isfinite(ref)
        assert finite.sum() > 1000
        np.testing.assert_allclose(router.tree(int(s)).time_s[finite], ref[finite], atol=1e-6)


# ------------------------------------------------------------------ barriers, settlements
#: OSM node 392700757 (barrier=bollard) on way 30488158, a residential street in the
#: Liechtenstein extract: cars cannot pass it (OSRM car.lua blocks bollards).
BOLLARD, BOLLARD_WAY = 392700757, 30488158


def test_bollard_blocks_the_street(liechtenstein: dict) -> None:
    from ural_access.geo.network.profile import OBSTACLE_BARRIER

    net = liechtenstein["ru"]
    x = int(np.searchsorted(net.node_osmid, BOLLARD))
    assert net.node_osmid[x] == BOLLARD and net.node_obstacle[x] == OBSTACLE_BARRIER
    into = np.flatnonzero((net.v == x) & (net.osm_way_id == BOLLARD_WAY))[0]
    onto = np.flatnonzero((net.u == x) & (net.v != net.u[into]))[0]
    a = shapely.line_interpolate_point(net.geometry[into], 0.5, normalized=True)
    b = shapely.line_interpolate_point(net.geometry[onto], 0.5, normalized=True)
    places = pd.DataFrame({"place_id": ["a", "b"], "lon": [a.x, b.x], "lat": [a.y, b.y]})
    plain, router = (
        Router(net, places, snap_limit_km=0.02, turns=False),
        Router(net, places, snap_limit_km=0.02),
    )
    for r, passes in ((plain, True), (router, False)):
        na, nb = (int(n) for n in r.place_nodes(["a", "b"]))
        tree = r.tree(na)
        assert (x in r.path_nodes(tree, nb)) is passes
    # At the bollard a car can only turn back.
    tg = router.turn_graph
    assert tg is not None
    coo = tg.matrix.tocoo()
    e, f = tg.state_edge[coo.row], tg.state_edge[coo.col]
    at = router.edge_v[e] == x
    assert at.any() and (router.edge_v[f[at]] == router.edge_u[e[at]]).all()


def test_untagged_roads_in_built_up_areas_take_the_urban_limit() -> None:
    nets = {p: _network("andorra-latest.osm.pbf", p) for p in ("ru", "osrm-car")}
    ru = nets["ru"]
    assert ru.provenance["settlements"]["areas"] > 50  # landuse=residential, place polygons
    inside = (ru.rules["urban"] == "yes") & (ru.maxspeed == "")
    main = inside & np.isin(ru.highway, ["primary", "secondary"])
    assert main.sum() > 100
    # ПДД п. 10.2: 60 km/h in a settlement, driven at the profile's share (0.9).
    assert (ru.speed_kph[inside] <= 54 + 1e-9).all()
    assert np.isclose(ru.speed_kph[main & (ru.highway == "primary")], 54).all()
    outside = (ru.rules["urban"] == "") & (ru.maxspeed == "") & (ru.highway == "primary")
    assert outside.any() and (ru.speed_kph[outside] > 54).any()
    # OSRM's car profile has no such rule.
    assert (nets["osrm-car"].speed_kph[main & (ru.highway == "primary")] == 65).all()


def test_sources_without_areas_say_the_rule_is_off() -> None:
    net = _network("djibouti-secondary.osm.pbf", "ru", "secondary")
    assert net.provenance["settlements"]["areas"] == 0
    assert "off" in net.provenance["settlements"]["note"]
    assert (net.rules["urban"] == "").all()
