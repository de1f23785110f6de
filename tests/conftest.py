"""Shared fixtures: the real OSM extracts beside the repo, and networks built from them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ural_access.geo import settings
from ural_access.geo.network import RoadNetwork
from ural_access.geo.pull import pull_network
from ural_access.geo.study import Study, load_study

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


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own cache folder and fast Overpass back-off."""
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    monkeypatch.setattr(settings, "overpass_backoff_s", 0.01)
    yield


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Study, RoadNetwork, Path]]:
    """Networks of the stand-in studies, built once per session from the real extracts."""
    out: dict[str, tuple[Study, RoadNetwork, Path]] = {}
    root = tmp_path_factory.mktemp("networks")
    for key, filename in EXTRACTS.items():
        study = load_study(key)
        network, path = pull_network(study, "pbf", extract(filename), root / key)
        out[key] = (study, network, path)
    return out
