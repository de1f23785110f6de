"""The cited closed and single-industry towns, the town table's flag, the shadow classes."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ural_access.geo.analysis.designations import (
    closed_towns,
    designation_flags,
    single_industry_towns,
)
from ural_access.geo.analysis.shadow import shadow_class, shadow_table
from ural_access.geo.analysis.town_times import town_times
from ural_access.geo.errors import TownTableError, UralAccessWarning
from ural_access.geo.study.places import read_town_table


def test_tables_cite_their_acts_and_list_the_source_papers_closed_towns() -> None:
    closed = closed_towns()
    assert {"Ozyorsk", "Snezhinsk", "Lesnoy", "Novouralsk", "Trekhgorny"} <= set(closed["name"])
    mono = single_industry_towns()
    assert {"Serov", "Nizhny Tagil", "Kamensk-Uralsky", "Magnitogorsk", "Miass"} <= set(
        mono["name"]
    )
    from ural_access.geo.base.resources import bundled_data

    head = bundled_data("designations", "closed_towns.csv").read_text(encoding="utf-8")
    assert "№ 508" in head.splitlines()[0]
    head = bundled_data("designations", "single_industry_towns.csv").read_text(encoding="utf-8")
    assert "1398-р" in head.splitlines()[0]


def test_town_table_visitable_overrides_the_list(tmp_path: Path) -> None:
    path = tmp_path / "towns.csv"
    path.write_text(
        "name,lat,lon,population,region,visitable\n"
        "Ozyorsk,55.7556,60.7028,81023,13,\n"
        "Snezhinsk,56.0783,60.7479,50086,13,yes\n"
        "Kasli,56.8833,60.75,17911,13,false\n"
        "Miass,55.0455,60.1076,167500,13,\n",
        encoding="utf-8",
    )
    flags = designation_flags(read_town_table(path, "RU")).set_index("name")
    assert flags.loc["Ozyorsk", "closed_town"] and not flags.loc["Ozyorsk", "visitable"]
    assert flags.loc["Snezhinsk", "closed_town"] and flags.loc["Snezhinsk", "visitable"]
    assert not flags.loc["Kasli", "closed_town"] and not flags.loc["Kasli", "visitable"]
    assert flags.loc["Miass", "visitable"] and flags.loc["Miass", "single_industry"]
    # a town of the same name far away is not the listed one
    far = pd.DataFrame(
        {"geonameid": [-1], "name": ["Ozyorsk"], "lon": [40.0], "lat": [55.0], "admin1": ["13"]}
    )
    assert not designation_flags(far)["closed_town"].iloc[0]


def test_a_bad_visitable_value_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "towns.csv"
    path.write_text(
        "name,lat,lon,population,visitable\nKasli,56.88,60.75,17911,maybe\n", encoding="utf-8"
    )
    with pytest.raises(TownTableError, match=r"row 2 \('Kasli'\): visitable must be true or false"):
        read_town_table(path, "RU")


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0.0, "within_30"),
        (30.0, "within_30"),
        (30.01, "shadow"),
        (60.0, "shadow"),
        (60.5, "outer"),
        (120.0, "outer"),
        (120.01, "isolated"),
        (float("nan"), "unreachable"),
    ],
)
def test_shadow_class_limits(minutes: float, expected: str) -> None:
    assert shadow_class(minutes) == expected


def test_shadow_table_on_the_urals(built) -> None:  # type: ignore[no-untyped-def]
    study, network, _ = built["urals"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UralAccessWarning)
        table = shadow_table(study, town_times(study, network))
    cols = ["time_min_from_ekaterinburg", "time_min_from_chelyabinsk"]
    nearest = table[cols].min(axis=1, skipna=True)
    np.testing.assert_allclose(table["time_to_nearest_city_min"], nearest, equal_nan=True)
    assert set(table["shadow_class"]) >= {"within_30", "shadow", "outer", "isolated"}
    assert (table["population"] >= study.min_population).all()
    assert not table["name"].isin(["Ekaterinburg", "Chelyabinsk"]).any()
    lost = table[table["shadow_class"] == "unreachable"]
    assert lost["time_to_nearest_city_min"].isna().all()
    messages = " ".join(str(w.message) for w in caught)
    assert all(name in messages for name in lost["name"])  # each named by a warning
    serov = table.set_index("name").loc["Serov"]
    assert serov["single_industry"] and serov["shadow_class"] == "isolated"


def test_every_place_of_the_study_carries_the_flags(built) -> None:  # type: ignore[no-untyped-def]
    from ural_access.geo.pipeline.compute import places_table

    study, _, _ = built["urals"]
    places = places_table(study).set_index("name")
    assert not places.loc["Ozyorsk", "visitable"] and places.loc["Ozyorsk", "closed_town"]
    assert not places.loc["Snezhinsk", "visitable"]
    assert places.loc["Kyshtym", "visitable"] and not places.loc["Kyshtym", "closed_town"]
    assert places.loc["Magnitogorsk", "single_industry"]
    assert not places.loc["Ekaterinburg", "single_industry"]
