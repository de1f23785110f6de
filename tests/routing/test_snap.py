"""The nearest-road search cannot miss: against a brute-force search on every shared extract."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from ural_access.geo.network.road_network import RoadNetwork, build_network
from ural_access.geo.osm.roads import read_osm_file
from ural_access.geo.routing._snap import join_places, nearest_distances_brute_force
from ural_access.geo.study.definition import load_study
from ural_access.geo.study.places import gazetteer

from ..conftest import extract


def _study_places(study) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Every place a study routes: cities, centres, members and every zone settlement."""
    places = study.all_places()
    zone = study.zone_settlements()
    lon = np.r_[[p.lon for p in places], zone["lon"].to_numpy()]
    lat = np.r_[[p.lat for p in places], zone["lat"].to_numpy()]
    return lon, lat


def _assert_matches_brute_force(edges: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> None:
    limit = 5000.0
    joins = join_places(edges, lon, lat, limit)
    truth = nearest_distances_brute_force(edges, lon, lat)
    np.testing.assert_allclose(joins.nearest_m, truth, rtol=0, atol=1e-6)
    near = truth <= limit
    np.testing.assert_allclose(joins.snap_m[near], truth[near], rtol=0, atol=1e-6)
    assert np.isnan(joins.snap_m[~near]).all()
    # Every place within the limit is joined, to an edge at the true nearest distance.
    assert set(joins.place.tolist()) == set(np.flatnonzero(near).tolist())


@pytest.mark.parametrize("key", ["andorra", "djibouti", "malta", "urals"])
def test_every_study_place_joins_its_true_nearest_edge(built: dict, key: str) -> None:
    study, net, _ = built[key]
    lon, lat = _study_places(study)
    _assert_matches_brute_force(net.geometry, lon, lat)


@pytest.mark.parametrize("filename", ["monaco.osm.pbf", "liechtenstein-latest.osm.pbf"])
def test_every_town_of_an_extract_without_a_study_joins_its_true_nearest_edge(
    filename: str,
) -> None:
    path = extract(filename)
    roads = read_osm_file(path, "tertiary")
    net = build_network(roads, shapely.box(-180, -90, 180, 90), road_classes="tertiary")
    west, south, east, north = shapely.total_bounds(net.geometry)
    gaz = gazetteer()
    inside = gaz[gaz["lon"].between(west, east) & gaz["lat"].between(south, north)]
    assert len(inside) >= 3
    _assert_matches_brute_force(net.geometry, inside["lon"].to_numpy(), inside["lat"].to_numpy())


def test_magnitogorsk_joins_the_road_a_metre_away(built: dict) -> None:
    """The regression: the candidate box was built a few centimetres too small."""
    study, net, _ = built["urals"]
    magnitogorsk = next(a.center for a in study.agglomerations if a.name == "Magnitogorsk")
    joins = join_places(
        net.geometry, np.array([magnitogorsk.lon]), np.array([magnitogorsk.lat]), 5000
    )
    assert joins.snap_m[0] < 5.0
    assert len(joins.edge) >= 1


@pytest.mark.parametrize(
    ("key", "filename"),
    [
        ("ekaterinburg", "ekaterinburg-z14-2023.osm.pbf"),
        ("brandenburg", "brandenburg-omt-z14-2021.osm.pbf"),
    ],
)
def test_every_place_of_a_city_or_state_study_joins_its_true_nearest_edge(
    key: str, filename: str
) -> None:
    """The two dense networks (every street) with studies of their own.

    Brandenburg's 395 k edges make the brute force 0.4 s a place: its zone settlements
    (46 more) are left to the other extracts' tests, its 15 named places are all checked.
    """
    study = load_study(key)
    net = RoadNetwork.from_osm(study, extract(filename), cache=False)
    if key == "brandenburg":
        named = study.all_places()
        lon, lat = np.array([p.lon for p in named]), np.array([p.lat for p in named])
    else:
        lon, lat = _study_places(study)
    assert len(lon) >= 5
    _assert_matches_brute_force(net.geometry, lon, lat)
