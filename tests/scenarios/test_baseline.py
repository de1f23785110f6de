"""A scenario's baseline is computed once per study and network, then read from the cache."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pandas as pd
from ural_access.geo import settings
from ural_access.geo.network.road_network import RoadNetwork
from ural_access.geo.pipeline.compute import study_network
from ural_access.geo.scenarios.baseline import baseline_results
from ural_access.geo.study.definition import load_study

from ural_access.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "scenarios"


def test_the_cached_baseline_is_the_computed_one_and_follows_the_study() -> None:
    study = load_study("urals")
    network = study_network(study, RoadNetwork.from_osm(study))
    first, messages, cached = baseline_results(study, network, isochrones=False)
    assert not cached
    again, messages_again, cached = baseline_results(study, network, isochrones=False)
    assert cached and messages_again == messages
    for name in ("travel_times", "summary", "agglomerations", "od", "places"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(first, name), check_exact=True)
    # another speed factor is another baseline
    slower = study.with_overrides(speed_factor=0.9)
    _, _, cached = baseline_results(slower, study_network(slower, network), isochrones=False)
    assert not cached
    # a damaged entry is computed again
    for path in (Path(settings.cache_folder) / "baselines").glob("urals-*.pickle"):
        path.write_bytes(b"not a pickle")
    _, _, cached = baseline_results(study, network, isochrones=False)
    assert not cached


def test_a_second_scenario_run_reuses_the_baseline_and_writes_the_same_files(
    tmp_path: Path,
) -> None:
    scenario = EXAMPLES / "upgrade-chelyabinsk-miass.toml"
    runs = []
    for name in ("first", "second"):
        out = tmp_path / name
        args = ["scenario", "--scenario", str(scenario), "--output", str(out), "--no-isochrones"]
        assert main([*args, "-q"]) == 0
        runs.append(out / "comparison")
    assert len(list((Path(settings.cache_folder) / "baselines").glob("urals-*.pickle"))) == 1
    for table in (
        "comparison_agglomerations.csv",
        "comparison_cities.csv",
        "comparison_places.csv",
    ):
        assert filecmp.cmp(runs[0] / table, runs[1] / table, shallow=False), table
