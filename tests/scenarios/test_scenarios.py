"""Scenarios on the bundled Urals extract and a second real extract: the edits' effects."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from ural_access.geo.errors import ScenarioError, UralAccessWarning
from ural_access.geo.network.road_network import RoadNetwork
from ural_access.geo.pipeline.compute import compute_access, study_network
from ural_access.geo.routing.router import Router
from ural_access.geo.scenarios import ScenarioComparison, apply_scenario, load_scenario
from ural_access.geo.scenarios._select import reverse_twins, route_edges, select_edges
from ural_access.geo.scenarios.edits import Selection
from ural_access.geo.scenarios.scenario import scenario_from_dict
from ural_access.geo.study.definition import Study

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "scenarios"


@pytest.fixture(scope="module")
def urals(built: Mapping[str, tuple[Study, RoadNetwork, Path]]) -> tuple[Study, RoadNetwork]:
    study, network, _ = built["urals"]
    return study, study_network(study, network)


@pytest.fixture(scope="module")
def baseline(urals: tuple[Study, RoadNetwork]) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        return compute_access(*urals, with_isochrones=False)


def _node_times(network: RoadNetwork, sources: np.ndarray) -> np.ndarray:
    return Router(network).times(sources)


def _compare(urals: tuple[Study, RoadNetwork], baseline: object, name: str) -> ScenarioComparison:
    study, network = urals
    applied = apply_scenario(network, load_scenario(EXAMPLES / name), study)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        scenario = compute_access(study, applied.network, with_isochrones=False)
    return ScenarioComparison.of(baseline, scenario)  # type: ignore[arg-type]


def test_every_example_scenario_runs_on_the_bundled_extract(
    urals: tuple[Study, RoadNetwork], baseline: object
) -> None:
    files = sorted(EXAMPLES.glob("*.toml"))
    assert {f.name.split("-")[0] for f in files} >= {"upgrade", "new", "close"}
    for f in files:
        cmp = _compare(urals, baseline, f.name)
        assert cmp.by_city["time_to_center_min_change"].abs().max() > 1.0, f.name


def test_upgrade_never_lengthens_any_time(
    urals: tuple[Study, RoadNetwork], baseline: object
) -> None:
    study, network = urals
    cmp = _compare(urals, baseline, "upgrade-chelyabinsk-miass.toml")
    change = cmp.by_place["time_min_change"].dropna()
    assert (change <= 0).all() and change.min() < -20  # Chelyabinsk - Miass gains 20+ min
    miass = cmp.by_city.set_index(["origin", "agglomeration"]).loc[("Chelyabinsk", "Greater Miass")]
    assert miass["potential_change"] > 0 and miass["time_to_center_min_change"] < -20
    # Every node of the graph, from 40 spread sources: none is reached later.
    applied = apply_scenario(
        network, load_scenario(EXAMPLES / "upgrade-chelyabinsk-miass.toml"), study
    )
    sources = np.linspace(0, network.n_nodes - 1, 40).astype(np.int64)
    before, after = _node_times(network, sources), _node_times(applied.network, sources)
    assert np.all(after <= before) and np.any(after < before)


def test_closure_never_shortens_any_time(
    urals: tuple[Study, RoadNetwork], baseline: object
) -> None:
    study, network = urals
    name = "close-ekaterinburg-chelyabinsk-section.toml"
    cmp = _compare(urals, baseline, name)
    change = cmp.by_place["time_min_change"].dropna()
    assert (change >= 0).all() and change.max() > 60
    applied = apply_scenario(network, load_scenario(EXAMPLES / name), study)
    sources = np.linspace(0, network.n_nodes - 1, 40).astype(np.int64)
    before, after = _node_times(network, sources), _node_times(applied.network, sources)
    assert np.all(after >= before) and np.any(after > before)


def _new_road(speed: float) -> dict[str, object]:
    return {
        "new_road": [
            {
                "name": "direct",
                "coordinates": [[61.43, 55.27], [61.62, 55.75], [61.90, 56.37]],
                "speed_kph": speed,
            }
        ]
    }


def test_a_new_road_is_used_when_faster_and_ignored_when_slower(
    urals: tuple[Study, RoadNetwork], baseline: object
) -> None:
    study, network = urals
    fast = _compare(urals, baseline, "new-road-chelyabinsk-kamensk.toml")
    row = fast.by_city.set_index(["origin", "agglomeration"]).loc[
        ("Chelyabinsk", "Kamensk-Uralsky")
    ]
    assert row["time_to_center_min_change"] < -30
    route = fast.changed_routes.set_index(["origin", "agglomeration"]).loc[
        ("Chelyabinsk", "Kamensk-Uralsky")
    ]
    assert route.geometry.distance(shapely.Point(61.62, 55.75)) < 1e-6  # the new road's bend
    # The same line at 5 km/h: no route takes it, every time stays as it was, exactly.
    slow = apply_scenario(network, scenario_from_dict(_new_road(5.0), name="slow"), study)
    assert slow.network.n_edges == network.n_edges + 2
    sources = np.linspace(0, network.n_nodes - 1, 40).astype(np.int64)
    assert np.array_equal(_node_times(network, sources), _node_times(slow.network, sources))


def _error(study: Study, network: RoadNetwork, data: dict[str, object]) -> str:
    with pytest.raises(ScenarioError) as info:
        apply_scenario(network, scenario_from_dict(data, name="bad"), study)
    return str(info.value)


def test_bad_edits_say_what_is_wrong(urals: tuple[Study, RoadNetwork]) -> None:
    study, network = urals
    text = _error(study, network, {"close": [{"name": "nowhere", "way_ids": [1]}]})
    assert "'nowhere' selects no road" in text
    text = _error(
        study, network, {"upgrade": [{"between": ["Chelyabinsk", "Atlantis"], "factor": 1.2}]}
    )
    assert "unknown place 'Atlantis'" in text and "Magnitogorsk" in text
    far = {
        "new_road": [{"name": "far", "coordinates": [[61.43, 55.27], [75.0, 65.0]], "maxspeed": 90}]
    }
    assert "beyond join_limit_km" in _error(study, network, far)
    for key, value in (("maxspeed", 400), ("speed_kph", 0), ("factor", 0.5)):
        with pytest.raises(ScenarioError, match="implausible"):
            scenario_from_dict({"upgrade": [{"ref": "M-5", key: value}]}, name="bad")
    with pytest.raises(ScenarioError, match="exactly one of"):
        scenario_from_dict({"upgrade": [{"ref": "M-5", "way_ids": [1], "factor": 1.2}]}, name="x")
    with pytest.raises(ScenarioError, match="unknown key"):
        scenario_from_dict({"upgrades": []}, name="x")


def test_a_closure_cutting_a_town_off_gives_nan_and_names_it(
    urals: tuple[Study, RoadNetwork], baseline: object
) -> None:
    study, network = urals
    # Every road within about 25 km of the town: no open road is left within the 15 km
    # access limit (a smaller closure would only move the town's join to an open road).
    ring = [[58.6, 53.1], [59.4, 53.1], [59.4, 53.7], [58.6, 53.7], [58.6, 53.1]]
    data = {"close": [{"name": "Magnitogorsk shut", "polygon": ring}]}
    applied = apply_scenario(network, scenario_from_dict(data, name="cut"), study)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        scenario = compute_access(study, applied.network, with_isochrones=False)
    with pytest.warns(UralAccessWarning, match="cuts Magnitogorsk off"):
        cmp = ScenarioComparison.of(baseline, scenario)  # type: ignore[arg-type]
    row = cmp.by_city.set_index(["origin", "agglomeration"]).loc[("Ekaterinburg", "Magnitogorsk")]
    assert np.isnan(row["time_to_center_min_scenario"]) and row["potential_change"] < 0


def test_selection_by_ref_by_line_and_by_polygon_with_a_class_filter(
    built: Mapping[str, tuple[Study, RoadNetwork, Path]],
) -> None:
    """On Djibouti's extract, which has refs: RN-9 (also inside "RN-9;RN-11"), the roads
    along a drawn line, and a polygon's trunk roads only."""
    study, network, _ = built["djibouti"]
    network = study_network(study, network)
    by_ref = select_edges(network, Selection(ref="rn-9"), study, "ref")
    assert set(network.ref[by_ref]) == {"RN-9", "RN-9;RN-11"}
    route = route_edges(network, study, "Djibouti", "Arta")
    line = shapely.line_merge(shapely.union_all(network.geometry[route]))
    assert line.geom_type == "LineString"
    along = select_edges(network, Selection(line=line, tolerance_m=20.0), study, "line")
    assert set(route.tolist()) <= set(along.tolist())
    assert len(along) < 3 * len(reverse_twins(network, route))  # no wide swath
    box = shapely.box(42.6, 11.4, 43.3, 11.7)
    trunk = select_edges(network, Selection(polygon=box, classes=("trunk",)), study, "poly")
    assert set(network.highway[trunk]) == {"trunk"}
    with pytest.raises(ScenarioError, match="selects no road"):
        select_edges(network, Selection(polygon=box, classes=("motorway",)), study, "none")


def test_russian_titles_and_names_are_read_and_checked() -> None:
    for path in sorted(EXAMPLES.glob("*.toml")):  # every example has its Russian texts
        scenario = load_scenario(path)
        title, description = scenario.titled("ru")
        assert scenario.title_ru and title == scenario.title_ru and "—" in title, path.name
        assert description and any("а" <= ch <= "я" for ch in description), path.name
        assert all(e.name_ru for e in scenario.edits), path.name
    data = {
        "title": "Miass at 110",
        "title_ru": "Миасс: 110 км/ч",
        "upgrade": [
            {"name": "a", "name_ru": "участок А", "ref": "M-5", "factor": 1.2},
            {"name": "b", "ref": "M-5", "factor": 1.2},  # no Russian name: the English one
        ],
    }
    scenario = scenario_from_dict(data, name="x")
    assert scenario.titled("ru") == ("Миасс: 110 км/ч", "")
    assert scenario.titled("en") == ("Miass at 110", "")
    assert scenario.edit_names("ru") == {"a": "участок А", "b": "b"}
    assert scenario.edit_names("en") == {"a": "a", "b": "b"}
    for bad in ({"title_ru": ""}, {"description_ru": 5}, {"title_ru": ["x"]}):
        with pytest.raises(ScenarioError, match="must be a non-empty text"):
            scenario_from_dict({**data, **bad}, name="x")
    for kind, edit in (
        ("close", {"name": "c", "ref": "M-5", "name_ru": "  "}),
        ("new_road", {"name": "n", "coordinates": [[61, 55], [62, 56]], "name_ru": 1}),
        ("upgrade", {"name": "u", "ref": "M-5", "factor": 1.2, "name_ru": None}),
    ):
        with pytest.raises(ScenarioError, match=r"edit '.': name_ru must be a non-empty text"):
            scenario_from_dict({kind: [edit]}, name="x")
    with pytest.raises(ScenarioError, match="unknown key"):
        scenario_from_dict({**data, "title_de": "x"}, name="x")


def test_closing_the_road_a_city_joins_moves_its_join_with_a_warning(
    urals: tuple[Study, RoadNetwork],
) -> None:
    """The town's streets still reach another road: it joins the nearest open one."""
    study, network = urals
    city = study.first_tier[0]
    places = pd.DataFrame(
        {"place_id": [city.geonameid], "name": [city.name], "lon": [city.lon], "lat": [city.lat]}
    )
    joined = Router.for_study(network, places, study).snap.table["edge"].iloc[0]
    data = {"close": [{"name": "the city's road", "way_ids": [int(network.osm_way_id[joined])]}]}
    applied = apply_scenario(network, scenario_from_dict(data, name="join"), study)
    with pytest.warns(UralAccessWarning, match=f"{city.name}: its nearest road .* is closed"):
        moved = Router.for_study(applied.network, places, study).snap.table.iloc[0]
    assert moved["edge"] >= 0 and moved["edge"] != joined and moved["snap_m"] > 0


def test_a_class_upgrade_to_a_longer_class_name_gets_that_class_speed(
    urals: tuple[Study, RoadNetwork],
) -> None:
    """ "primary" to "motorway": the new class is not cut to the old name's width
    ("motorwa", an unknown class at the fallback speed, so no change at all)."""
    study, network = urals
    data = {"upgrade": [{"name": "m", "between": ["Chelyabinsk", "Miass"], "class": "motorway"}]}
    applied = apply_scenario(network, scenario_from_dict(data, name="m"), study)
    rows = applied.edited[applied.edited["highway_before"] == "primary"]
    assert len(rows) > 0 and set(rows["highway_after"]) == {"motorway"}
    assert (rows["speed_kph_after"] > rows["speed_kph_before"]).any()
