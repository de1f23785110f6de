"""Places by coordinates, a user's town table, and the zone's region scope."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from ural_access.geo.errors import StudyError, TownTableError, UralAccessWarning
from ural_access.geo.pipeline.compute import compute_access
from ural_access.geo.study.definition import load_study
from ural_access.geo.study.places import gazetteer, read_town_table
from ural_access.maps.popups import agglomeration_popup, town_popup, town_sources

URALS = Path(__file__).resolve().parents[2] / "data" / "studies" / "urals.toml"

#: Krasnoturinsk's GeoNames point and population, given as a planner would by coordinates.
KRASNOTURINSK = (
    '[[place]]\nname = "Krasnoturinsk"\nlat = 59.7630\nlon = 60.1934\npopulation = 59000\n'
)


def _urals_with(tmp_path: Path, extra: str = "", study_lines: str = "") -> Path:
    text = URALS.read_text(encoding="utf-8")
    if study_lines:
        # A key the bundled file sets already is replaced, not given twice (TOML refuses that).
        keys = {line.split("=")[0].strip() for line in study_lines.splitlines()}
        kept = [ln for ln in text.splitlines(keepends=True) if ln.split("=")[0].strip() not in keys]
        text = "".join(kept).replace("[study]\n", "[study]\n" + study_lines, 1)
    path = tmp_path / "mine.toml"
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return path


def _kamensk_towns(tmp_path: Path, suffix: str = ".csv") -> Path:
    """Real GeoNames rows around Kamensk-Uralsky, written as a user's table."""
    gaz = gazetteer(5000)
    near = gaz[gaz["lat"].between(55.9, 56.9) & gaz["lon"].between(61.2, 62.8)]
    table = pd.DataFrame(
        {
            "name": near["name"],
            "lat": near["lat"],
            "lon": near["lon"],
            "population": near["population"],
            "region": "Sverdlovsk (census 2021)",
        }
    )
    path = tmp_path / f"towns{suffix}"
    if suffix == ".csv":
        table.to_csv(path, index=False)
    else:
        gdf = gpd.GeoDataFrame(
            table.drop(columns=["lat", "lon"]),
            geometry=gpd.points_from_xy(table["lon"], table["lat"]),
            crs="EPSG:4326",
        )
        gdf.to_file(path, driver="GPKG")
    return path


def test_a_place_given_by_coordinates(tmp_path: Path) -> None:
    study = load_study(_urals_with(tmp_path, KRASNOTURINSK))
    serov = next(a for a in study.agglomerations if a.name == "Greater Serov")
    assert serov.center.geonameid < 0  # not a GeoNames id
    assert (serov.center.lat, serov.center.lon, serov.center.population) == (
        59.7630,
        60.1934,
        59000,
    )
    # First-tier cities may be given by coordinates inline.
    text = (
        _urals_with(tmp_path)
        .read_text(encoding="utf-8")
        .replace(
            '[[first_tier]]\nname = "Chelyabinsk"',
            '[[first_tier]]\nname = "Chelyabinsk"\nlat = 55.154\nlon = 61.4291\npopulation = 1130132',
        )
    )
    (tmp_path / "ft.toml").write_text(text, encoding="utf-8")
    chel = load_study(tmp_path / "ft.toml").first_tier[1]
    assert chel.geonameid < 0 and chel.population == 1130132


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[[place]]\nname = "X"\nlat = 95\nlon = 60\npopulation = 1\n', "lat must be"),
        ('[[place]]\nname = "X"\nlat = 55\nlon = 60\n', "population"),
        ('[[place]]\nname = "X"\nlat = 55\nlon = 60\npopulation = -3\n', "population"),
        ('[[place]]\nname = "X"\nlat = 55\nlon = 60\npopulaton = 3\n', "did you mean 'population'"),
        (KRASNOTURINSK + KRASNOTURINSK, "given twice"),
    ],
)
def test_coordinate_places_are_checked(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(StudyError, match=message):
        load_study(_urals_with(tmp_path, extra))


@pytest.mark.parametrize("suffix", [".csv", ".gpkg"])
def test_zone_towns_from_the_users_table(tmp_path: Path, suffix: str) -> None:
    towns = _kamensk_towns(tmp_path, suffix)
    study = load_study(_urals_with(tmp_path, study_lines=f'towns_file = "{towns.name}"\n'))
    zone = study.zone_settlements()
    kamensk = zone[zone["agglomeration"] == "Kamensk-Uralsky"]
    # The centre is one town (the study's), not a second copy from the table.
    assert (kamensk["display_name"] == "Kamensk-Uralsky").sum() == 1
    assert kamensk.loc[kamensk["is_center"], "geonameid"].iloc[0] > 0
    others = kamensk[~kamensk["named_member"]]
    assert len(others) >= 2 and (others["geonameid"] < 0).all()
    assert set(others["region"]) == {"Sverdlovsk (census 2021)"}
    assert "town table" in study.towns_source


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,lat,lon\nA,56,61\n", "lacks the column.*population"),
        ("name,lat,lon,population\nA,56,61,100\nB,north,61,100\n", "row 3 .*lat must be"),
        ("name,lat,lon,population\nA,56,61,1.5\n", "whole number"),
        ("name,lat,lon,population\n,56,61,100\n", "row 2: the name is empty"),
        ("name,lat,lon,population\n", "no rows"),
    ],
)
def test_town_table_errors_name_row_and_column(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TownTableError, match=message):
        read_town_table(path, "RU")
    study_file = _urals_with(tmp_path, study_lines='towns_file = "t.csv"\n')
    with pytest.raises(StudyError, match=message):
        load_study(study_file)


def test_town_table_must_exist_and_be_csv_or_gpkg(tmp_path: Path) -> None:
    with pytest.raises(TownTableError, match="does not exist"):
        read_town_table(tmp_path / "none.csv", "RU")
    (tmp_path / "t.xlsx").write_text("x", encoding="utf-8")
    with pytest.raises(TownTableError, match=r"\.csv or \.gpkg"):
        read_town_table(tmp_path / "t.xlsx", "RU")


def test_zone_region_scope(tmp_path: Path) -> None:
    """Magnitogorsk's 50 km reach into Bashkortostan (GeoNames admin1 08)."""
    everywhere = load_study("urals").zone_settlements()
    magn = everywhere[everywhere["agglomeration"] == "Magnitogorsk"]
    outside = magn[magn["admin1"] != "13"]
    assert len(outside) >= 1 and set(outside["region"]) == set(outside["admin1"])
    assert (magn.loc[magn["admin1"] == "13", "region"] == "Chelyabinsk oblast").all()
    study = load_study(_urals_with(tmp_path, study_lines='zone_regions = "study"\n'))
    inside = study.zone_settlements()
    assert set(inside["admin1"]) <= {"71", "13"}
    assert len(inside) == len(everywhere) - int((~everywhere["admin1"].isin(["71", "13"])).sum())
    with pytest.raises(StudyError, match="zone_regions"):
        load_study(_urals_with(tmp_path, study_lines='zone_regions = "mine"\n'))


def test_user_towns_and_regions_reach_tables_and_popups(built: dict, tmp_path: Path) -> None:
    _, net, _ = built["urals"]
    towns = _kamensk_towns(tmp_path)
    study = load_study(
        _urals_with(tmp_path, KRASNOTURINSK, study_lines=f'towns_file = "{towns.name}"\n')
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        res = compute_access(study, net, with_isochrones=False)
    s = res.wide_summary().set_index("agglomeration")
    assert np.isfinite(s.loc["Greater Serov", "time_to_center_min_from_ekaterinburg"])
    towns = res.wide_towns()
    zone = towns[towns["agglomeration"] == "Kamensk-Uralsky"]
    assert zone["time_min_from_ekaterinburg"].notna().sum() >= 3
    assert "region" in res.places.columns and "region" in res.towns.columns
    assert "town table" in res.provenance["zone_towns_source"]
    row = res.wide_places().set_index("name").loc["Ekaterinburg"].to_dict()
    row["name"] = "Ekaterinburg"
    assert "Region: <b>Sverdlovsk oblast</b>" in town_popup(row, [("Ekaterinburg", "ekaterinburg")])
    # The population's source is the real one: GeoNames, the study file, or the user's table.
    sources = town_sources(res)
    places = res.wide_places().set_index("name")
    assert sources[int(places.loc["Ekaterinburg", "place_id"])] == "GeoNames"
    assert sources[int(places.loc["Krasnoturinsk", "place_id"])] == "study file"
    table_town = zone[zone["geonameid"] < 0]["geonameid"].iloc[0]
    assert sources[int(table_town)] == "towns.csv"
    summary = res.wide_summary().set_index("agglomeration").loc["Kamensk-Uralsky"].to_dict()
    summary["agglomeration"] = "Kamensk-Uralsky"
    assert "people (towns.csv)" in agglomeration_popup(summary, res)
