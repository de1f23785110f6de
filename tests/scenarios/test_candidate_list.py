"""Ranking the user's own candidates (drawn new roads included), rebuilt candidates, and
closures of the roads places are joined to."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from ural_access.geo.errors import ScenarioError, UralAccessWarning
from ural_access.geo.network.road_network import RoadNetwork
from ural_access.geo.pipeline.compute import study_network
from ural_access.geo.routing.router import Router
from ural_access.geo.scenarios._rebuild import RebuildJob
from ural_access.geo.scenarios.apply import apply_scenario
from ural_access.geo.scenarios.closures import rank_closures
from ural_access.geo.scenarios.package import choose_package
from ural_access.geo.scenarios.ranking import (
    evaluate_candidates,
    prepare_sweep,
    rank_upgrades,
    upgrade_jobs,
)
from ural_access.geo.scenarios.scenario import Scenario, load_scenario
from ural_access.geo.study.definition import Study

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "scenarios"
CANDIDATES = Path(__file__).resolve().parents[2] / "data" / "candidates" / "urals.toml"
Built = Mapping[str, tuple[Study, RoadNetwork, Path]]


def _quiet_sweep(study: Study, network: RoadNetwork, **kw: object):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        return prepare_sweep(study, study_network(study, network), **kw)  # type: ignore[arg-type]


def test_the_users_list_is_ranked_and_a_drawn_road_equals_the_scenario(built: Built) -> None:
    study, network, _ = built["urals"]
    listed = load_scenario(CANDIDATES, standard={"maxspeed": 110.0})
    sweep = _quiet_sweep(study, network, candidates=listed)
    assert [c.key for c in sweep.candidates] == ["U01", "U02", "U03", "U04", "U05"]
    table = rank_upgrades(sweep).set_index("candidate")
    fast, slow = table.loc["U04"], table.loc["U05"]
    # The drawn road at 90 km/h is used (Kamensk-Uralsky from Chelyabinsk gains), the
    # same line at 20 km/h is slower than today's route and changes nothing.
    saved = "minutes_saved_Kamensk-Uralsky_from_chelyabinsk"
    assert fast[saved] > 30 and fast["gain"] > 0
    assert slow["gain"] == 0 and (table.filter(like="minutes_saved").loc["U05"] == 0).all()
    # The standard reached the upgrades without a speed; U03 kept its own 100 km/h.
    assert table.loc["U01", saved] > 0 and table.loc["U03", "gain"] >= 0
    assert table.loc["U04", "km"] == pytest.approx(131, abs=2)
    # The ranking's time equals a router built on the network with the scenario applied.
    road = next(e for e in listed.edits if e.name.startswith("Chelyabinsk - Kamensk-Uralsky d"))
    applied = apply_scenario(sweep.network, Scenario("one", "one", (road,)), study)
    places = sweep.rebuild.places
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        router = Router.for_study(applied.network, places, study)
    ids = places["place_id"].tolist()
    chel = router.place_nodes([study.first_tier[1].geonameid])[0]
    kamensk = next(a for a in study.agglomerations if a.name == "Kamensk-Uralsky")
    node = router.place_nodes([kamensk.center.geonameid])[0]
    after_min = router.times([chel])[0, node] / 60.0
    column = sweep.rebuild.target_ids.index(kamensk.center.geonameid)
    today_min = sweep.today[1, column] / 60.0
    assert fast[saved] == today_min - after_min and len(ids) > 10


def test_a_rebuilt_evaluation_equals_the_incremental_one(built: Built) -> None:
    study, network, _ = built["urals"]
    sweep = _quiet_sweep(study, network)
    assert np.array_equal(sweep.rebuild.times(sweep.network), sweep.today)
    jobs = upgrade_jobs(sweep)[::10]
    closed = [(c.edges, np.full(len(c.edges), np.inf)) for c in sweep.candidates[::10]]
    closed = [
        j
        for j, c in zip(closed, sweep.candidates[::10], strict=True)
        if sweep.place_roads.keys().isdisjoint(c.edges.tolist())
    ]
    for batch, increase in ((jobs, False), (closed, True)):
        fast = evaluate_candidates(sweep, batch, increase=increase)
        slow = evaluate_candidates(sweep, [RebuildJob(edges=(j,)) for j in batch], increase)
        assert all(np.array_equal(a, b) for a, b in zip(fast, slow, strict=True))


def test_closing_the_road_a_city_joins_moves_its_join_instead_of_cutting_it_off(
    built: Built,
) -> None:
    study, network, _ = built["urals"]
    sweep = _quiet_sweep(study, network)
    with pytest.warns(UralAccessWarning, match="closes the road Ekaterinburg is joined to"):
        closures, _ = rank_closures(sweep)
    assert len(closures) == len(sweep.candidates)  # no section is left out
    moved = closures[closures["moves_join_of"].str.contains("Ekaterinburg")]
    assert len(moved) >= 1
    # Ekaterinburg is still reached: it joins the nearest open road.
    assert not moved["cuts_off"].str.contains("from Ekaterinburg").any()
    fixed = closures[closures["moves_join_of"] == ""]
    lost = [c for c in closures.columns if c.startswith("minutes_lost_")]
    assert (fixed[lost].fillna(0) >= 0).all().all() and (fixed["gain"] <= 0).all()


@pytest.mark.parametrize("key", ["andorra", "djibouti"])
def test_a_profile_weighing_roads_is_ranked_by_rebuilding(built: Built, key: str) -> None:
    study, network, _ = built[key]
    weighted = replace(study, speed=replace(study.speed, model="osrm-car"))
    sweep = _quiet_sweep(weighted, network)
    assert sweep.graph is None and len(sweep.candidates) >= 20  # every candidate rebuilt
    table = rank_upgrades(sweep)
    saved = table.filter(like="minutes_saved").fillna(0).to_numpy()
    assert (saved >= 0).all() and (table["gain"] >= 0).all() and table["gain"].iloc[0] > 0
    # The first candidate by hand: its edges' new times on a router rebuilt from them.
    best = next(c for c in sweep.candidates if c.key == table["candidate"].iloc[0])
    job = upgrade_jobs(sweep)[sweep.candidates.index(best)]
    assert isinstance(job, RebuildJob)
    ((edges, times),) = job.edges
    travel = sweep.network.travel_time_s.copy()
    travel[edges] = times
    expect = sweep.rebuild.times(replace(sweep.network, travel_time_s=travel))
    assert np.array_equal(evaluate_candidates(sweep, [job], increase=False)[0], expect)
    # (A package of rebuilt rounds: test_a_package_with_a_drawn_road_is_rebuilt_after_it.)


def test_a_package_with_a_drawn_road_is_rebuilt_after_it(built: Built) -> None:
    study, network, _ = built["urals"]
    listed = load_scenario(CANDIDATES, standard={"maxspeed": 110.0})
    sweep = _quiet_sweep(study, network, candidates=listed)
    curve = choose_package(sweep, budget_km=1000.0)
    assert "U04" in set(curve["candidate"]) and "U05" not in set(curve["candidate"])
    assert (curve["marginal_gain"] > 0).all() and curve["cumulative_gain"].is_monotonic_increasing


def test_a_list_of_the_wrong_kind_is_a_clear_error(built: Built, tmp_path: Path) -> None:
    study, network, _ = built["urals"]
    listed = load_scenario(CANDIDATES, standard={"maxspeed": 110.0})
    with pytest.raises(
        ScenarioError, match="closures are ranked from \\[\\[close\\]\\] edits only"
    ):
        _quiet_sweep(study, network, candidates=listed, closures=True)
    with pytest.raises(ScenarioError, match="sets exactly one of"):
        load_scenario(CANDIDATES)  # without a standard, an upgrade needs its own speed


def test_drawn_lines_in_a_geopackage_are_new_road_candidates(built: Built, tmp_path: Path) -> None:
    import geopandas as gpd
    import shapely
    from ural_access.geo.scenarios.candidate_list import load_candidate_lines

    study, network, _ = built["urals"]
    lines = [
        [[61.43, 55.27], [61.62, 55.75], [61.90, 56.37]],  # Chelyabinsk - Kamensk-Uralsky
        [[61.43, 55.27], [60.10, 55.05]],  # Chelyabinsk - Miass, straight
    ]
    frame = gpd.GeoDataFrame(
        {"name": ["<b>direct</b>", None], "maxspeed": [90.0, None], "class": ["primary", None]},
        geometry=[shapely.LineString(c) for c in lines],
        crs="EPSG:4326",
    ).to_crs(32641)  # drawn in a metric CRS: read back in lon/lat
    path = tmp_path / "drawn.gpkg"
    frame.to_file(path)
    listed = load_candidate_lines(path)
    assert [e.name for e in listed.edits] == ["<b>direct</b>", "road 2"]
    sweep = _quiet_sweep(study, network, candidates=listed)
    table = rank_upgrades(sweep).set_index("candidate")
    assert table.loc["U01", "minutes_saved_Kamensk-Uralsky_from_chelyabinsk"] > 30
    bad = tmp_path / "points.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(61, 55)], crs="EPSG:4326").to_file(bad)
    with pytest.raises(ScenarioError, match=r"feature 1 .* has a Point, not a line"):
        load_candidate_lines(bad)


def test_rebuilt_candidates_on_processes_and_dask_equal_the_serial_ranking(
    built: Built,
) -> None:
    from distributed import LocalCluster

    study, network, _ = built["urals"]
    listed = load_scenario(CANDIDATES, standard={"maxspeed": 110.0})
    sweep = _quiet_sweep(study, network, candidates=listed)
    serial = rank_upgrades(sweep)
    # More processes asked than cores: as many as the cores start, the same ranking.
    assert serial.equals(rank_upgrades(sweep, workers=512))
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        assert serial.equals(rank_upgrades(sweep, scheduler=cluster.scheduler_address))


def test_a_class_standard_equals_the_class_upgrade_applied_and_rebuilt(built: Built) -> None:
    """ru reads no class at junctions: the class's speed reaches the incremental update;
    the same upgrade applied as a scenario edit and routed from scratch gives the same."""
    from ural_access.geo.scenarios.ranking import standard_upgrade

    study, network, _ = built["urals"]
    sweep = _quiet_sweep(study, network)
    motorway = standard_upgrade(road_class="motorway")
    jobs = upgrade_jobs(sweep, motorway)
    assert all(isinstance(j, tuple) for j in jobs)  # incremental
    picks = list(range(0, len(jobs), 12))
    fast = evaluate_candidates(sweep, [jobs[i] for i in picks], increase=False)
    for i, got in zip(picks, fast, strict=True):
        section = sweep.candidates[i]
        edit = replace(motorway, name=section.key)
        edit = replace(edit, selection=replace(edit.selection, edges=tuple(section.edges.tolist())))
        rebuilt = sweep.rebuild.evaluate(RebuildJob(scenarios=(Scenario("c", "c", (edit,)),)))
        assert np.array_equal(got, rebuilt)
    table = rank_upgrades(sweep, standard=motorway)
    assert table["gain"].iloc[0] > 0 and (table["gain"] >= 0).all()


def test_a_standard_is_one_plausible_setting() -> None:
    from ural_access.geo.scenarios.ranking import standard_upgrade

    assert standard_upgrade().maxspeed_kph == 110.0
    assert standard_upgrade(speed_kph=90.0).speed_kph == 90.0
    for bad, message in (
        ({"factor": 1.2, "road_class": "trunk"}, "give one standard, not factor and class"),
        ({"maxspeed_kph": 100.0, "factor": 1.2}, "give one standard, not limit and factor"),
        ({"road_class": "autobahn"}, "standard class 'autobahn' is not one of"),
        ({"speed_kph": 400.0}, "standard drive speed 400 is implausible"),
        ({"factor": 9.0}, "standard speed factor 9 is implausible"),
    ):
        with pytest.raises(ScenarioError, match=message):
            standard_upgrade(**bad)  # type: ignore[arg-type]
