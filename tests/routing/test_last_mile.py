"""The access leg: towns off a coarse network get an honest, marked drive time."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from ural_access.geo.errors import UralAccessWarning
from ural_access.geo.pipeline.compute import compute_access
from ural_access.geo.results.access_results import write_results
from ural_access.geo.routing.last_mile import AccessLeg
from ural_access.geo.routing.router import Router
from ural_access.maps.popups import town_popup


@pytest.fixture(scope="module")
def urals(built: dict):  # type: ignore[no-untyped-def]
    study, net, _ = built["urals"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        return compute_access(study, net, with_isochrones=False)


def test_every_agglomeration_gets_times_from_both_cities(urals) -> None:  # type: ignore[no-untyped-def]
    s = urals.wide_summary().set_index("agglomeration")
    assert len(s) == 6
    for key in ("ekaterinburg", "chelyabinsk"):
        assert s[f"time_to_center_min_from_{key}"].notna().all()
        assert (s[f"dist_to_center_km_from_{key}"] > 30).all()
    # Krasnoturinsk, the centre of Greater Serov, lies kilometres off the main roads.
    assert s.loc["Greater Serov", "center_access_km"] > 5


def test_leg_is_distance_times_detour_at_the_leg_speed(urals) -> None:  # type: ignore[no-untyped-def]
    study = urals.study
    p = urals.places.set_index("name")
    k = p.loc["Krasnoturinsk"]
    assert 7 < k["join_km"] < 12
    assert k["access_km"] == pytest.approx(k["join_km"] * study.routing.access_detour_factor)
    speed = study.routing.access_speed_kph * study.speed.factor
    assert k["access_min"] == pytest.approx(k["access_km"] / speed * 60)
    # Tables carry the leg for every joined place.
    joined = p["join_km"].notna()
    np.testing.assert_allclose(
        p.loc[joined, "access_km"], p.loc[joined, "join_km"] * study.routing.access_detour_factor
    )


def test_route_time_and_distance_include_both_legs(built: dict) -> None:
    study, net, _ = built["urals"]
    ekb = next(c for c in study.first_tier if c.name == "Ekaterinburg")
    kr = next(a.center for a in study.agglomerations if a.name == "Greater Serov")
    places = pd.DataFrame(
        {
            "place_id": [1, 2],
            "name": [ekb.name, kr.name],
            "lon": [ekb.lon, kr.lon],
            "lat": [ekb.lat, kr.lat],
        }
    )
    router = Router(net, places, snap_limit_km=15, detour_factor=1.3, access_speed_kph=40)
    snap = router.snap.table
    town = snap["node"].to_numpy()
    join = router.n_base + len(places) + np.arange(len(places))
    tree = router.tree(int(town[0]))
    leg_s = snap["access_s"].to_numpy()
    leg_m = snap["access_m"].to_numpy()
    # Town to town = leg out + network from join to join + leg in.
    assert tree.time_s[join[0]] == pytest.approx(leg_s[0])
    assert tree.time_s[town[1]] == pytest.approx(tree.time_s[join[1]] + leg_s[1])
    assert tree.dist_m[town[1]] == pytest.approx(tree.dist_m[join[1]] + leg_m[1])
    route = router.route_line(tree, int(town[1]))
    assert route is not None
    assert route.time_s == pytest.approx(tree.time_s[town[1]])
    # The drawn route starts at the city's point and ends at the town's point.
    xy = np.asarray(route.line.coords)
    np.testing.assert_allclose(xy[0], [ekb.lon, ekb.lat])
    np.testing.assert_allclose(xy[-1], [kr.lon, kr.lat])


def test_beyond_the_limit_one_warning_with_the_distance(built: dict) -> None:
    study, net, _ = built["urals"]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        res = compute_access(study, net, with_isochrones=False)
    towns = res.wide_towns().set_index("display_name")
    # Magnitka (Chelyabinsk oblast) is about 19 km from the nearest main road.
    assert np.isnan(towns.loc["Magnitka", "time_min_from_ekaterinburg"]).all()
    about = [w for w in res.warnings if "Magnitka" in w]
    assert len(about) == 1
    assert "19.4 km" in about[0] and "15 km access limit" in about[0]
    # With a longer limit it gets a time, and its leg says how long.
    wider = compute_access(study.with_overrides(snap_limit_km=25), net, with_isochrones=False)
    m = wider.wide_places().set_index("name").loc["Magnitka"]
    assert m["join_km"] == pytest.approx(19.4, abs=0.05) and m["time_min_from_chelyabinsk"] > 0
    assert not any("Magnitka" in w for w in wider.warnings)


def test_island_is_cut_off_not_far_from_roads(built: dict) -> None:
    study, net, _ = built["malta"]
    wide = study.with_overrides(snap_limit_km=30)  # Gozo is within reach of Malta's roads
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        res = compute_access(wide, net, with_isochrones=False)
    victoria = [w for w in res.warnings if "Victoria" in w]
    assert len(victoria) == 1
    assert "cut off" in victoria[0] and "from the nearest road" not in victoria[0]
    gozo = res.wide_summary().set_index("agglomeration").loc["Gozo"]
    assert np.isnan(gozo["time_to_center_min_from_valletta"])


def test_summary_counts_places_with_a_leg(urals) -> None:  # type: ignore[no-untyped-def]
    n = int((urals.places["join_km"] > 1).sum())
    assert n > 0
    assert urals.provenance["access_legs"].startswith(f"{n} of ")
    assert "Krasnoturinsk" in urals.provenance["access_legs"] or n > 5


def test_leg_in_every_table_the_geopackage_and_the_popup(urals, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = write_results(urals, tmp_path / "out")
    for name in ("places.csv", "zone_towns.csv"):
        table = pd.read_csv(out / name, comment="#")
        assert {"join_km", "access_km", "access_min"} <= set(table.columns)
    summary = pd.read_csv(out / "agglomerations.csv", comment="#")
    assert {"center_access_km", "center_access_min"} <= set(summary.columns)
    layer = gpd.read_file(out / "access.gpkg", layer="places")
    assert {"join_km", "access_km", "access_min"} <= set(layer.columns)
    row = urals.wide_places().set_index("name").loc["Krasnoturinsk"].to_dict()
    row["name"] = "Krasnoturinsk"
    html = town_popup(row, [("Ekaterinburg", "ekaterinburg")])
    assert "access leg" in html and "Off the road network" in html


def test_leg_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="detour"):
        AccessLeg(detour_factor=0.8)
    with pytest.raises(ValueError, match="speed"):
        AccessLeg(speed_kph=0)
