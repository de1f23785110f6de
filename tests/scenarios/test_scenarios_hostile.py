"""Hostile and unusual scenario and candidate inputs (issue 19's review): each one is a
clear error, or NaN and a warning, or escaped text; never a silently wrong result."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from ural_access.geo.errors import ClusterError, ScenarioError, UralAccessWarning
from ural_access.geo.network.road_network import RoadNetwork
from ural_access.geo.pipeline.compute import study_network
from ural_access.geo.scenarios.candidate_list import load_candidate_lines
from ural_access.geo.scenarios.closures import rank_closures
from ural_access.geo.scenarios.ranking import prepare_sweep, rank_upgrades
from ural_access.geo.scenarios.runs import run_ranking, run_scenario
from ural_access.geo.scenarios.scenario import scenario_from_dict
from ural_access.geo.study.definition import Study
from ural_access.maps.ranking import write_ranking_map

Built = Mapping[str, tuple[Study, RoadNetwork, Path]]
DIRECT = [[61.43, 55.27], [61.62, 55.75], [61.90, 56.37]]  # Chelyabinsk - Kamensk-Uralsky
EVERYTHING = [[50.0, 45.0], [75.0, 45.0], [75.0, 65.0], [50.0, 65.0], [50.0, 45.0]]
SECTION = [[60.96, 55.985], [61.03, 55.985], [61.03, 56.025], [60.96, 56.025], [60.96, 55.985]]


def _road(**keys: Any) -> dict[str, Any]:
    return {"new_road": [{"name": "r", "coordinates": DIRECT, "maxspeed": 90, **keys}]}


def test_drawn_lines_keep_their_class_and_a_oneway_cell_must_say_yes_or_no(
    tmp_path: Path,
) -> None:
    line = shapely.LineString(DIRECT)
    path = tmp_path / "drawn.gpkg"
    frame = gpd.GeoDataFrame(
        {"name": ["a", "b"], "class": ["motorway", "secondary"], "oneway": [1, 0]},
        geometry=[line, line],
        crs="EPSG:4326",
    )
    frame.to_file(path)
    roads = load_candidate_lines(path).edits
    assert [e.road_class for e in roads] == ["motorway", "secondary"]  # type: ignore[union-attr]
    assert [e.oneway for e in roads] == [True, False]  # type: ignore[union-attr]
    frame.assign(oneway=["no", "yes"]).to_file(path)
    with pytest.raises(ScenarioError, match=r"edit 'a': oneway = 'no' is not true or false"):
        load_candidate_lines(path)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"oneway": "no"}, "oneway = 'no' is not true or false"),
        ({"coordinates": [[float("nan"), 55.27], [61.62, 55.75]]}, "not finite"),
        ({"coordinates": [[61.43, 55.27], [float("inf"), 55.75]]}, "not finite"),
        ({"coordinates": [[400.0, 95.0], [61.62, 55.75]]}, "longitude 400 or latitude 95"),
        ({"name": 5}, "name must be a non-empty text, got 5"),
    ],
)
def test_a_bad_new_road_is_named_in_one_clear_error(keys: dict[str, Any], message: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no shapely RuntimeWarning on NaN either
        with pytest.raises(ScenarioError, match=message):
            scenario_from_dict(_road(**keys), name="bad")


def test_classes_given_as_one_text_is_a_clear_error() -> None:
    edit = {"name": "c", "polygon": EVERYTHING, "classes": "trunk", "maxspeed": 110}
    with pytest.raises(ScenarioError, match=r"classes = 'trunk' is not a list of road classes"):
        scenario_from_dict({"upgrade": [edit]}, name="bad")


def test_a_malformed_scheduler_address_is_a_cluster_error(built: Built) -> None:
    study, network, _ = built["urals"]
    for address in ("notaurl", "tcp://127.0.0.1:notaport"):
        with pytest.raises(ClusterError, match=f"{address!r} is not a Dask scheduler address"):
            run_ranking(study, network, scheduler=address, timeout_s=1.0)
    with pytest.raises(ClusterError, match="a Dask timeout of -1 s: give more than 0"):
        run_ranking(study, network, scheduler="tcp://127.0.0.1:9", timeout_s=-1.0)


def test_template_literal_characters_in_names_cannot_run_in_the_ranking_map(
    built: Built, tmp_path: Path
) -> None:
    """The numbered badges' tooltip and popup are JavaScript template literals in folium's
    page: a backtick or ``${`` in a user's candidate name must not reach them raw."""
    study, network, _ = built["urals"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        sweep = prepare_sweep(study, study_network(study, network))
    table = rank_upgrades(sweep, workers=1)
    table.loc[table["rank"] == 1, "section"] = "a ${alert(1)} `+alert(2)+` \\u0060 b"
    raw = write_ranking_map(sweep, table, tmp_path).read_text(encoding="utf-8")
    assert "alert(1)" in raw and "${alert" not in raw and "`+alert" not in raw
    assert "\\u0060 b" not in raw.replace("\\\\u0060 b", "")  # a backslash stays text too
    assert "a &#36;{alert(1)} &#96;+alert(2)+&#96; &#92;u0060 b" in raw


def test_a_city_cut_off_everywhere_keeps_its_columns_in_the_comparison(built: Built) -> None:
    study, network, _ = built["urals"]
    close = scenario_from_dict({"close": [{"name": "all", "polygon": EVERYTHING}]}, name="all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        done = run_scenario(study, network, close, isochrones=False)
    head = done.comparison.headline()
    cities = [f"minutes_from_{c}_change" for c in ("Ekaterinburg", "Chelyabinsk")]
    assert set(cities) <= set(head.columns), list(head.columns)
    assert head[cities].isna().all().all()
    assert any("Ekaterinburg" in w for w in done.results.warnings)


def test_a_closure_cutting_a_town_off_leaves_it_no_alternative(built: Built) -> None:
    study, network, _ = built["urals"]
    listed = scenario_from_dict({"close": [{"name": "all", "polygon": EVERYTHING}]}, name="c")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        sweep = prepare_sweep(
            study, study_network(study, network), candidates=listed, closures=True
        )
        _, redundancy = rank_closures(sweep, workers=1)
    today = redundancy["minutes_today"]
    assert (today > 180).any() and np.isfinite(today).any()
    # Reached today (within the largest band or beyond it), unreachable after: no alternative.
    assert redundancy.loc[np.isfinite(today), "no_alternative"].all()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"closures": True, "budget_km": 100.0}, "no package of closures"),
        ({"closures": True, "objective": "within:90"}, "--objective within:90 does not apply"),
        ({"budget_km": 0.0}, "a budget of 0 km chooses nothing"),
        ({"budget": 0.0, "cost_per_km": 5.0}, "a budget of 0 chooses nothing"),
        ({"budget": 100.0, "cost_per_km": 0.0}, "needs a cost per km above 0"),
        ({"maxspeed_kph": 90.0, "factor": 1.2}, "give one standard, not limit and factor"),
        ({"maxspeed_kph": 90.0, "road_class": "motorway"}, "not limit and class"),
    ],
)
def test_options_that_would_be_ignored_or_choose_nothing_are_refused_before_any_work(
    built: Built, options: dict[str, Any], message: str
) -> None:
    study, network, _ = built["urals"]
    with pytest.raises(ScenarioError, match=message):
        run_ranking(study, network, workers=1, **options)


def test_a_users_file_in_the_comparison_folder_stops_the_scenario_before_any_file(
    built: Built, tmp_path: Path
) -> None:
    from ural_access.geo.errors import WriteError
    from ural_access.maps.scenario_files import write_scenario_files

    study, network, _ = built["urals"]
    edit = {"name": "u", "between": ["Chelyabinsk", "Miass"], "maxspeed": 110}
    scenario = scenario_from_dict({"upgrade": [edit]}, name="u")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        done = run_scenario(study, network, scenario, isochrones=False)
    notes = tmp_path / "out" / "comparison" / "my-notes.md"
    notes.parent.mkdir(parents=True)
    notes.write_text("mine", encoding="utf-8")
    with pytest.raises(WriteError, match=r"my-notes\.md"):
        write_scenario_files(done, tmp_path / "out", "en")
    # Nothing half-written: no results/ beside the refused comparison/, the notes kept.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["comparison"]
    assert notes.read_text(encoding="utf-8") == "mine"
    # A map language the maps do not speak is told before any file, too.
    with pytest.raises(ValueError, match="unknown map language 'de'"):
        write_scenario_files(done, tmp_path / "de", "de")
    assert not (tmp_path / "de").exists()


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["scenario", "--scenario", "{bad}"], "has no edit"),
        (["scenario", "--scenario", "{missing}"], "no scenario file at"),
        (["rank-upgrades", "--candidates", "{bad}"], "has no edit"),
        (["rank-upgrades", "--objective", "bogus"], "objective 'bogus'"),
        (["rank-upgrades", "--closures", "--budget-km", "50"], "no package of closures"),
    ],
)
def test_bad_scenario_input_stops_before_the_roads_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], message: str
) -> None:
    """A broken file or option is told at once (exit 10), not after the road network is
    read or pulled (minutes from Overpass): here the roads are a missing file (exit 3)."""
    from ural_access.cli import main

    bad = tmp_path / "bad.toml"
    bad.write_text('title = "nothing"\n', encoding="utf-8")
    paths = {"{bad}": str(bad), "{missing}": str(tmp_path / "missing.toml")}
    args = [paths.get(a, a) for a in command]
    out = tmp_path / "out"
    roads = ["--osm-file", str(tmp_path / "absent.osm.pbf"), "--output", str(out), "-q"]
    assert main([*args, *roads]) == 10
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("setting", [{"maxspeed": 5}, {"class": "residential"}, {"speed_kph": 20}])
def test_an_upgrade_that_makes_no_road_faster_is_named_in_a_warning(
    built: Built, setting: dict[str, Any]
) -> None:
    """An upgrade never slows a road: one whose speed is below today's changes nothing,
    which the user is told (it was a silent no-op, reported as km of road upgraded)."""
    study, network, _ = built["urals"]
    edit = {"name": "slower", "between": ["Chelyabinsk", "Miass"], **setting}
    scenario = scenario_from_dict({"upgrade": [edit]}, name="slower")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        done = run_scenario(study, network, scenario, isochrones=False)
    said = [w for w in done.results.warnings if "'slower'" in w]
    assert len(said) == 1 and "makes none of its" in said[0], done.results.warnings[:3]
    assert (done.comparison.by_city["time_to_center_min_change"].fillna(0) == 0).all()


def test_between_one_place_and_itself_is_named_in_the_error() -> None:
    edit = {"name": "same", "between": ["Miass", "miass "], "maxspeed": 110}
    with pytest.raises(ScenarioError, match=r"edit 'same': between names 'Miass' twice"):
        scenario_from_dict({"upgrade": [edit]}, name="bad")


@pytest.mark.parametrize(
    ("geometries", "key", "message"),
    [
        ([None], "file", "feature 1 has no geometry"),
        ([shapely.LineString(DIRECT)] * 2, "file", "holds 2 features; give one LineString"),
        ([None], "polygon_file", "feature 1 has no geometry"),
        ([shapely.Polygon(EVERYTHING)] * 3, "polygon_file", "holds 3 features; give one Polygon"),
    ],
)
def test_an_edits_file_must_hold_exactly_one_geometry(
    tmp_path: Path, geometries: list[Any], key: str, message: str
) -> None:
    """A file of several lines or areas is not silently cut to its first one, and a
    feature without geometry is an error, not a crash."""
    path = tmp_path / "drawn.geojson"
    gpd.GeoDataFrame({"n": range(len(geometries))}, geometry=geometries, crs=4326).to_file(path)
    if key == "file":
        table = {"new_road": [{"name": "e", "file": path.name, "maxspeed": 90}]}
    else:
        table = {"close": [{"name": "e", key: path.name}]}
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict(table, name="bad", folder=tmp_path)


def test_a_geopackage_of_several_layers_is_refused_not_cut_to_its_first(tmp_path: Path) -> None:
    path = tmp_path / "drawn.gpkg"
    for layer in ("roads", "more roads"):
        frame = gpd.GeoDataFrame({"name": [layer]}, geometry=[shapely.LineString(DIRECT)], crs=4326)
        frame.to_file(path, layer=layer)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pyogrio's "more than one layer" is not the answer
        with pytest.raises(ScenarioError, match=r"holds 2 layers \('roads', 'more roads'\)"):
            load_candidate_lines(path)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"way_ids": [True]}, r"way_ids must be a list of OSM way ids \(positive"),
        ({"way_ids": [-5, 0]}, "got \\[-5, 0\\]"),
        ({"way_ids": ["123"]}, "way_ids must be a list of OSM way ids"),
        ({"line": DIRECT, "tolerance_m": True}, "tolerance_m = True is not in"),
    ],
)
def test_true_or_a_negative_number_is_no_way_id_nor_a_tolerance(
    keys: dict[str, Any], message: str
) -> None:
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict({"close": [{"name": "c", **keys}]}, name="bad")
    with pytest.raises(ScenarioError, match=r"join_limit_km = True is not in"):
        scenario_from_dict(_road(join_limit_km=True), name="bad")


@pytest.mark.parametrize("command", [["rank-upgrades"], ["scenario", "--scenario", "{good}"]])
def test_an_output_that_cannot_be_written_is_told_before_the_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """A file where the output folder should be, or a folder of the user's files, is
    refused (exit 9) before the roads are read and the candidates ranked (hours, on a
    big sweep), not after: here the roads are a missing file (exit 3)."""
    from ural_access.cli import main

    good = tmp_path / "good.toml"
    good.write_text(
        '[[upgrade]]\nname = "u"\nbetween = ["Chelyabinsk", "Miass"]\nmaxspeed = 110\n',
        encoding="utf-8",
    )
    notes = tmp_path / "out" / "notes.txt"
    if command[0] == "scenario":
        notes = tmp_path / "out" / "results" / "notes.txt"
    notes.parent.mkdir(parents=True)
    notes.write_text("mine", encoding="utf-8")
    args = [str(good) if a == "{good}" else a for a in command]
    roads = ["--osm-file", str(tmp_path / "absent.osm.pbf"), "-q"]
    assert main([*args, "--output", str(tmp_path / "out"), *roads]) == 9
    assert "notes.txt" in capsys.readouterr().err
    assert notes.read_text(encoding="utf-8") == "mine"
    # The output is a file of the user's (DIR/results/ would be inside it): 9 at once.
    mine = tmp_path / "report.txt"
    mine.write_text("mine", encoding="utf-8")
    assert main([*args, "--output", str(mine), *roads]) == 9
    assert "report.txt" in capsys.readouterr().err
    assert mine.read_text(encoding="utf-8") == "mine"


def test_a_scenario_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """Windows Notepad saves UTF-8 with a BOM: TOML itself said 'Invalid statement'."""
    from ural_access.geo.scenarios.scenario import load_scenario

    path = tmp_path / "bom.toml"
    text = 'title = "Челябинск"\n[[close]]\nname = "c"\nway_ids = [1]\n'
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_scenario(path).title == "Челябинск"


def test_a_speed_written_as_text_in_a_drawn_roads_file(tmp_path: Path) -> None:
    """A QGIS text field: "90" is 90 km/h; "fast" is named as not a number, not as an
    implausible speed."""
    path = tmp_path / "drawn.geojson"
    line = shapely.LineString(DIRECT)
    frame = gpd.GeoDataFrame({"name": ["a"], "maxspeed": [" 90 "]}, geometry=[line], crs=4326)
    frame.to_file(path)
    assert load_candidate_lines(path).edits[0].maxspeed_kph == 90.0  # type: ignore[union-attr]
    frame.assign(maxspeed=["fast"]).to_file(path)
    with pytest.raises(ScenarioError, match=r"edit 'a': maxspeed = 'fast' is not a number"):
        load_candidate_lines(path)


def test_a_line_drawn_in_parts_that_join_is_one_road_and_parts_apart_are_refused(
    tmp_path: Path,
) -> None:
    """QGIS saves lines as MultiLineString: parts joining end to end are the one road
    drawn; parts apart (or drawn against each other) are not silently joined."""
    joined = shapely.MultiLineString([DIRECT[:2], DIRECT[1:]])
    apart = shapely.MultiLineString([DIRECT[:2], [[61.0, 55.0], [61.1, 55.1]]])
    path = tmp_path / "drawn.gpkg"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[joined], crs=4326).to_file(path)
    road = load_candidate_lines(path).edits[0]
    assert shapely.get_coordinates(road.line).tolist() == DIRECT  # type: ignore[union-attr]
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[apart], crs=4326).to_file(path)
    with pytest.raises(ScenarioError, match="has a MultiLineString, not a line"):
        load_candidate_lines(path)
    table = {"new_road": [{"name": "e", "file": path.name, "maxspeed": 90}]}
    with pytest.raises(ScenarioError, match="holds a MultiLineString, not a LineString"):
        scenario_from_dict(table, name="bad", folder=tmp_path)


@pytest.mark.parametrize(
    "table",
    [
        {"close": [{"name": "s", "polygon": [[y, x] for x, y in SECTION]}]},
        {"upgrade": [{"name": "s", "line": [[55.27, 61.43], [55.75, 61.62]], "maxspeed": 110}]},
        {"new_road": [{"name": "s", "coordinates": [[55.27, 61.43], [56.37, 61.90]]}]},
    ],
)
def test_latitude_and_longitude_swapped_are_suspected_in_the_error(
    built: Built, table: dict[str, Any]
) -> None:
    study, network, _ = built["urals"]
    scenario = scenario_from_dict(table, name="swapped")
    with pytest.raises(ScenarioError, match=r"longitude and latitude swapped\? give \[lon, lat\]"):
        run_scenario(study, network, scenario, isochrones=False)


def test_the_closures_that_cut_a_centre_off_are_warned_by_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The warnings of a ranking (a closure cutting a centre off) reached no one: the
    command ignores Python warnings, and the ranking did not gather them."""
    from ural_access.cli import main

    listed = tmp_path / "closures.toml"
    listed.write_text(f'[[close]]\nname = "all"\npolygon = {EVERYTHING}\n', encoding="utf-8")
    out = tmp_path / "out"
    args = ["rank-upgrades", "--closures", "--candidates", str(listed), "--output", str(out)]
    assert main([*args, "--workers", "1", "-q"]) == 0
    said = capsys.readouterr().out
    assert "warning(s):" in said
    assert "closing U01 (all) cuts off Greater Serov from Ekaterinburg" in said
