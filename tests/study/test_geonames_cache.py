"""Every file of the GeoNames cache is treated alike: damaged or emptied, it is rebuilt.

The cache holds the world table, one table per country, the countries' bounds index
(``bounds.json``) and each country's folded names. An emptied ``bounds.json`` crashed
with a JSON error (exit 1) while the other files were rebuilt.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from ural_access.geo import settings
from ural_access.geo.study import _gazetteer, places
from ural_access.geo.study.places import find_place, settlements_within


def _clear() -> None:
    for fn in (
        _gazetteer.gazetteer,
        _gazetteer.country_gazetteer,
        _gazetteer._country_bounds,
        places._folded_names,
    ):
        fn.cache_clear()


def _use(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "geonames_cache_folder", folder)
    _clear()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int, pd.DataFrame]]:
    """One cache built from nothing, and its answers: the tests damage copies of it."""
    folder = tmp_path_factory.mktemp("pristine") / "geonames"
    with pytest.MonkeyPatch.context() as monkeypatch:
        _use(folder, monkeypatch)
        town, near = _lookups()
        _clear()
    yield folder, town, near


@pytest.fixture()
def own_cache(
    built: tuple[Path, int, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, int, pd.DataFrame]]:
    pristine, town, near = built
    shutil.copytree(pristine, tmp_path / "geonames")
    _use(tmp_path / "geonames", monkeypatch)
    yield tmp_path / "geonames", town, near
    _clear()


def _lookups() -> tuple[int, pd.DataFrame]:
    town = find_place("Andorra la Vella", "AD")
    near = settlements_within(1.52, 42.51, 30, 1000)
    assert len(_gazetteer.gazetteer()) > 100_000  # the world table, read or rebuilt
    return town.geonameid, near


def _files(folder: Path) -> dict[str, Path]:
    (countries,) = folder.glob("countries*")
    (folded,) = countries.glob("AD.folded-*.npz")
    (world,) = folder.glob("cities500-*.npz")
    return {
        "world table": world,
        "bounds index": countries / "bounds.json",
        "country table": countries / "AD.npz",
        "neighbour table": countries / "ES.npz",
        "folded names": folded,
    }


@pytest.mark.parametrize("damage", ["emptied", "wrong shape", "deleted"])
def test_every_geonames_cache_file_is_rebuilt_when_damaged(
    own_cache: tuple[Path, int, pd.DataFrame], damage: str
) -> None:
    folder, town, near = own_cache
    assert _lookups()[0] == town  # the copied cache answers as the one built from nothing
    for label, path in _files(folder).items():
        if damage == "emptied":
            path.write_bytes(b"")
        elif damage == "wrong shape":
            path.write_text('["AD", 1, 2]' if path.suffix == ".json" else "[]", encoding="utf-8")
        else:
            path.unlink(missing_ok=True)  # (a rebuild of the folder may have taken it)
        _clear()
        again_town, again_near = _lookups()
        assert again_town == town, label
        pd.testing.assert_frame_equal(again_near, near, obj=label)
        assert path.is_file() and path.stat().st_size > 10, label  # rebuilt
