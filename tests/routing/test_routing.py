"""Routing: exact against networkx Dijkstra on real extracts; NaN where no road goes."""

from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from ural_access.geo.errors import UralAccessWarning
from ural_access.geo.routing.router import Router
from ural_access.geo.routing.turns import closed_edges


def _nx_graph(router: Router) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(router.n))
    graph.add_weighted_edges_from(
        zip(router.edge_u.tolist(), router.edge_v.tolist(), router.edge_time.tolist(), strict=True)
    )
    return graph


def _places(study) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    places = study.all_places()
    return pd.DataFrame(
        {
            "place_id": [p.name for p in places],
            "lon": [p.lon for p in places],
            "lat": [p.lat for p in places],
        }
    )


@pytest.mark.parametrize("key", ["andorra", "djibouti", "malta"])
def test_times_equal_networkx_dijkstra_on_random_pairs(built: dict, key: str) -> None:
    study, net, _ = built[key]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        router = Router(net, _places(study), snap_limit_km=study.routing.snap_limit_km, turns=False)
    graph = _nx_graph(router)
    rng = np.random.default_rng(42)
    sources = rng.choice(router.n, size=6, replace=False)
    pairs = 0
    for s in sources.tolist():
        ref = nx.single_source_dijkstra_path_length(graph, s, weight="weight")
        ours = router.times([s])[0]
        targets = rng.choice(router.n, size=60, replace=False)
        for t in targets.tolist():
            if t in ref:
                assert abs(ours[t] - ref[t]) <= 1e-6
            else:
                assert np.isinf(ours[t])
            pairs += 1
        # and over all reached nodes at once
        idx = np.fromiter(ref.keys(), dtype=int)
        np.testing.assert_allclose(
            ours[idx], np.fromiter(ref.values(), dtype=float), atol=1e-6, rtol=0
        )
    assert pairs >= 300


def test_route_line_matches_tree_time_and_distance(built: dict) -> None:
    study, net, _ = built["djibouti"]
    router = Router(net, _places(study), snap_limit_km=study.routing.snap_limit_km, turns=False)
    origin = int(router.place_nodes(["Djibouti"])[0])
    tree = router.tree(origin)
    graph = _nx_graph(router)
    for name in ("Ali Sabieh", "Dikhil", "Tadjourah", "Obock", "Arta"):
        node = int(router.place_nodes([name])[0])
        route = router.route_line(tree, node)
        assert route is not None
        assert route.time_s == pytest.approx(tree.time_s[node], abs=1e-6)
        assert route.dist_m == pytest.approx(tree.dist_m[node], rel=1e-9)
        # The route's nodes are a shortest path in networkx too.
        path = router.path_nodes(tree, node)
        assert nx.path_weight(graph, path, "weight") == pytest.approx(
            nx.shortest_path_length(graph, origin, node, weight="weight"), abs=1e-6
        )
        # The line starts at the origin's snap point and ends at the town's.
        assert route.line.coords[0] != route.line.coords[-1]
    # Tadjourah lies across the gulf: the road detour is much longer than the crow flies.
    node = int(router.place_nodes(["Tadjourah"])[0])
    assert tree.dist_m[node] > 150_000


def test_route_distance_accumulation_equals_time_accumulation(built: dict) -> None:
    study, net, _ = built["andorra"]
    router = Router(net, _places(study), snap_limit_km=study.routing.snap_limit_km, turns=False)
    tree = router.tree(0)
    again = router.accumulate(0, tree.pred, router.edge_time)
    finite = np.isfinite(tree.time_s)
    np.testing.assert_allclose(again[finite], tree.time_s[finite], atol=1e-6)
    assert np.isnan(tree.dist_m[~finite]).all()
    assert tree.dist_m[0] == 0


@pytest.mark.parametrize("key", ["andorra", "malta"])
@pytest.mark.parametrize("turns", [False, True], ids=["node-graph", "movement-graph"])
def test_route_lengths_of_some_destinations_equal_the_whole_tree_sums(
    built: dict, key: str, turns: bool
) -> None:
    """`dist_to` walks only the asked routes; it must give what the whole-tree sum gives
    (pointer jumping over the nodes, or over the movement graph's states)."""
    study, net, _ = built[key]
    router = Router(net, _places(study), snap_limit_km=study.routing.snap_limit_km, turns=turns)
    source = int(np.argmax(np.bincount(router.edge_u)))  # a busy junction
    rng = np.random.default_rng(3)
    targets = np.r_[rng.integers(0, router.n, 300), source, source]
    unreached = []
    for limit_s in (np.inf, 300.0):  # a search cut at 5 min leaves targets unreached
        walked = router.tree(source, limit_s).dist_to(targets)  # no whole-tree sum yet
        whole = router.tree(source, limit_s).dist_m[targets]
        np.testing.assert_allclose(walked, whole, rtol=1e-12, atol=1e-9)
        assert np.array_equal(np.isnan(walked), np.isnan(whole))
        assert walked[-1] == 0 and np.isfinite(walked).sum() > 20
        tree = router.tree(source, limit_s)
        assert np.array_equal(np.isnan(walked), ~np.isfinite(tree.time_s[targets]))
        unreached.append(int(np.isnan(walked).sum()))
    # The node graph is strongly connected; on the movement graph a node only reached by
    # a forbidden turn is unreachable too. The 5-minute cut leaves many more.
    assert unreached[0] < unreached[1] and (turns or unreached[0] == 0)


def test_unreachable_island_gives_infinite_time(built: dict) -> None:
    study, net, _ = built["malta"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UralAccessWarning)
        router = Router(net, _places(study), snap_limit_km=study.routing.snap_limit_km)
    # Gozo's towns are farther than the snap limit from Malta's (main-island) network.
    gozo = router.place_nodes(["Victoria", "Nadur", "Xaghra"])
    assert (gozo == -1).all()
    messages = " ".join(str(w.message) for w in caught)
    assert "Victoria" in messages and "NaN" in messages


def test_place_far_from_roads_is_not_snapped(built: dict) -> None:
    _, net, _ = built["andorra"]
    sea = pd.DataFrame({"place_id": ["nowhere"], "lon": [1.0], "lat": [40.0]})
    with pytest.warns(UralAccessWarning, match="nowhere"):
        router = Router(net, sea, snap_limit_km=5)
    assert router.place_nodes(["nowhere"])[0] == -1
    assert np.isnan(router.snap.table["snap_m"].iloc[0])


@pytest.mark.parametrize("key", ["andorra", "malta"])
def test_places_join_the_nearest_road_point(built: dict, key: str) -> None:
    """Against brute force: every edge measured in each place's own azimuthal projection."""
    import shapely
    from pyproj import Transformer

    _, net, _ = built[key]
    rng = np.random.default_rng(7)
    west, south, east, north = shapely.total_bounds(net.geometry)
    n = 25
    places = pd.DataFrame(
        {
            "place_id": np.arange(n),
            "lon": rng.uniform(west - 0.02, east + 0.02, n),
            "lat": rng.uniform(south - 0.02, north + 0.02, n),
        }
    )
    limit = 1500.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        router = Router(net, places, snap_limit_km=limit / 1000)
    table = router.snap.table
    closed = closed_edges(net, router.profile)
    origin = shapely.Point(0.0, 0.0)
    for row in places.itertuples():
        aeqd = Transformer.from_crs(
            "EPSG:4326",
            f"+proj=aeqd +lat_0={row.lat} +lon_0={row.lon} +datum=WGS84 +units=m",
            always_xy=True,
        )
        local = shapely.transform(
            net.geometry, lambda c, t=aeqd: np.column_stack(t.transform(c[:, 0], c[:, 1]))
        )
        # Roads no car may drive (access=no, too narrow) are no place's join.
        dist = np.where(closed, np.inf, shapely.distance(local, origin))
        best = float(dist.min())
        got = table.iloc[row.Index]
        if best > limit:
            assert got["node"] == -1 and np.isnan(got["snap_m"])
            continue
        assert got["node"] >= 0
        assert got["snap_m"] == pytest.approx(best, abs=1e-3)
        edge = int(got["edge"])
        assert dist[edge] == pytest.approx(best, abs=1e-3)
        # The join point is where that edge comes nearest.
        f = shapely.line_locate_point(local[edge], origin, normalized=True)
        assert got["fraction"] == pytest.approx(f, abs=1e-4)
    assert (table["node"] >= 0).sum() >= 5  # the test measured real joins
