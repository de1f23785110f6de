"""Hostile and unusual study inputs (issue 21): numbers read wrong, towns counted twice or
lost, figures unchecked, names too long for files, a study across 180° longitude.

Each test fails on the code before the fix and names what the README promises: a clear
message and exit code 2, or a warning naming the row, never a wrong number.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest
from ural_access.geo.errors import ParameterError, StudyError, TownTableError, UralAccessWarning
from ural_access.geo.study.definition import Agglomeration, load_study
from ural_access.geo.study.places import gazetteer, place_at, read_town_table

from ural_access.cli.commands import main

from .test_towns import KRASNOTURINSK, _kamensk_towns, _urals_with

# ---------------------------------------------------------------------- thousands separators


@pytest.mark.parametrize("value", ['"2,000"', "2.000", '"12,345,678"', "1.234.567"])
def test_a_comma_or_point_before_three_digits_is_refused(tmp_path: Path, value: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"name,lat,lon,population\nA,56,61,100\nB,56.1,61.1,{value}\n", "utf-8")
    with pytest.raises(TownTableError, match=r"row 3 \('B'\): population .*thousands separator"):
        read_town_table(path, "RU")


@pytest.mark.parametrize(
    ("value", "number"),
    [("12 345", 12345), ("12\u00a0345", 12345), ("1\u202f234\u202f567", 1234567), ("2000", 2000)],
)
def test_spaced_thousands_are_read_as_whole_numbers(
    tmp_path: Path, value: str, number: int
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"name,lat,lon,population\nA,56,61,{value}\n", "utf-8")
    assert read_town_table(path, "RU")["population"].tolist() == [number]


def test_a_russian_spreadsheet_export_is_read(tmp_path: Path) -> None:
    """Semicolons between cells, decimal commas, no-break spaces between thousands."""
    path = tmp_path / "t.csv"
    text = (
        "name;lat;lon;population\nСеров;59,6;60,58;97\u00a0891\nКраснотурьинск;59,76;60,19;56 000\n"
    )
    path.write_text(text, "utf-8")
    table = read_town_table(path, "RU").set_index("name")
    assert table.loc["Серов", "population"] == 97891 and table.loc["Серов", "lat"] == 59.6
    assert table.loc["Краснотурьинск", "population"] == 56000


@pytest.mark.parametrize("value", ["12 34", "1 2345", "12  345"])
def test_spaces_that_are_no_thousands_separator_are_refused(tmp_path: Path, value: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"name,lat,lon,population\nA,56,61,{value}\n", "utf-8")
    with pytest.raises(TownTableError, match=r"row 2 .*population must be a number"):
        read_town_table(path, "RU")


# ---------------------------------------------------------------------- rows far away


def test_town_table_rows_outside_the_area_are_named_with_the_likely_cause(tmp_path: Path) -> None:
    towns = _kamensk_towns(tmp_path)
    lines = towns.read_text(encoding="utf-8").splitlines()
    lines.append('Swapped Town,61.9,56.4,25000,"x"')  # lat and lon swapped: off in Kazakhstan
    lines.append('Far Town,10.0,10.0,25000,"x"')  # in Nigeria
    towns.write_text("\n".join(lines) + "\n", encoding="utf-8")
    study = load_study(_urals_with(tmp_path, study_lines=f'towns_file = "{towns.name}"\n'))
    with pytest.warns(UralAccessWarning) as caught:
        zone = study.zone_settlements()
    text = " ".join(str(w.message) for w in caught)
    n = len(lines)
    assert (
        f"row {n - 1} 'Swapped Town' (lat 61.9, lon 56.4: latitude and longitude swapped?)" in text
    )
    assert f"row {n} 'Far Town'" in text and "outside the study area" in text
    assert "towns.csv" in text
    assert not zone["name"].isin(["Swapped Town", "Far Town"]).any()


def test_a_table_inside_the_area_gives_no_warning(tmp_path: Path) -> None:
    towns = _kamensk_towns(tmp_path)
    study = load_study(_urals_with(tmp_path, study_lines=f'towns_file = "{towns.name}"\n'))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UralAccessWarning)
        study.zone_settlements()


# ---------------------------------------------------------------------- the same town twice


def test_a_place_by_coordinates_is_the_geonames_town_beside_it(tmp_path: Path) -> None:
    study = load_study(_urals_with(tmp_path, KRASNOTURINSK))
    zone = study.zone_settlements()
    serov = zone[zone["agglomeration"] == "Greater Serov"]
    twins = serov[serov["display_name"].str.startswith("Krasnotur")]
    assert len(twins) == 1, twins[["geonameid", "display_name", "population"]]
    assert twins["geonameid"].iloc[0] < 0 and twins["population"].iloc[0] == 59000
    # A town of another name nearby stays.
    plain = load_study("urals").zone_settlements()
    plain_serov = plain[plain["agglomeration"] == "Greater Serov"]
    assert len(serov) == len(plain_serov)


# ---------------------------------------------------------------------- one population bound


@pytest.mark.parametrize(
    ("extra", "study_lines"),
    [
        (KRASNOTURINSK.replace("59000", "9_000_000_000_000_000_000"), ""),
        (KRASNOTURINSK.replace("59000", "60_000_000"), ""),
        ("", "min_population = 60_000_000\n"),
    ],
)
def test_every_population_has_one_upper_bound(tmp_path: Path, extra: str, study_lines: str) -> None:
    with pytest.raises(StudyError, match=r"population must be .*(50,000,000|5e\+07)"):
        load_study(_urals_with(tmp_path, extra, study_lines))


def test_places_built_in_code_have_the_same_bound() -> None:
    with pytest.raises(ParameterError, match="population must be from 0 to 50,000,000"):
        place_at("T", 60.0, 56.0, 2**63 - 1, "RU")
    assert place_at("T", 60.0, 56.0, 50_000_000, "RU").population == 50_000_000


def test_town_table_populations_have_the_same_bound(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("name,lat,lon,population\nA,56,61,900000000\n", "utf-8")
    with pytest.raises(TownTableError, match=r"population must be a number from 0 to 5e\+07"):
        read_town_table(path, "RU")


# ---------------------------------------------------------------------- agglomeration figures


@pytest.mark.parametrize(
    "line",
    [
        "population_k = nan",
        "population_k = inf",
        "population_k = -3",
        "population_k = 1e12",
        "net_revenue_mln_rub = nan",
        "net_revenue_mln_rub = -inf",
        "net_revenue_mln_rub = 1e300",
    ],
)
def test_agglomeration_figures_are_checked(tmp_path: Path, line: str) -> None:
    text = _urals_with(tmp_path).read_text(encoding="utf-8")
    key = line.split(" =")[0]
    kept = [ln for ln in text.splitlines() if not ln.startswith(key)]
    text = "\n".join(kept).replace('name = "Greater Serov"', f'name = "Greater Serov"\n{line}', 1)
    path = tmp_path / "figures.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StudyError, match=f"'Greater Serov'.*{key} must be a finite number"):
        load_study(path)
    assert main(["route", "--study", str(path), "-q", "--output", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()


def test_agglomeration_figures_built_in_code_are_checked() -> None:
    town = place_at("T", 60.0, 56.0, 1000, "RU")
    with pytest.raises(ParameterError, match="population_k"):
        Agglomeration("A", town, (town,), population_k=math.nan)
    with pytest.raises(ParameterError, match="net_revenue_mln_rub"):
        Agglomeration("A", town, (town,), net_revenue_mln_rub=math.inf)
    assert Agglomeration("A", town, (town,), population_k=12.5).population_k == 12.5


# ---------------------------------------------------------------------- long names


def test_long_names_give_short_stable_distinct_keys(tmp_path: Path) -> None:
    text = _urals_with(tmp_path).read_text(encoding="utf-8")
    long_a, long_b = "Greater Serov " + "a" * 300, "Greater Serov " + "a" * 299 + "b"
    text = text.replace('name = "Greater Serov"', f'name = "{long_a}"', 1)
    text = text.replace('name = "Greater Tagil"', f'name = "{long_b}"', 1)
    path = tmp_path / "long.toml"
    path.write_text(text, encoding="utf-8")
    keys = load_study(path).agglomeration_keys()
    assert len(keys[long_a]) <= 64 and len(keys[long_b]) <= 64
    assert keys[long_a] != keys[long_b]
    assert keys == load_study(path).agglomeration_keys()  # stable
    assert len(f"agglomeration-{keys[long_a]}.html".encode()) < 255


# ---------------------------------------------------------------------- across 180°

CHUKOTKA = """
[study]
key = "chukotka"
title = "Across the antimeridian"
country = "RU"

[[place]]
name = "Provideniya"
lat = 64.4235
lon = {lon}
population = 2000

[[first_tier]]
name = "Anadyr"
lat = 64.7347
lon = 177.5147
population = 13000

[[agglomeration]]
name = "Provideniya"
center = "Provideniya"
"""


@pytest.mark.parametrize(
    ("lon", "bbox"),
    [("-173.2258", ""), ("179.95", ""), ("-173.2258", "bbox = [-180, 60, 180, 70]\n")],
)
def test_a_study_across_180_degrees_is_refused_at_load(tmp_path: Path, lon: str, bbox: str) -> None:
    path = tmp_path / "chukotka.toml"
    text = CHUKOTKA.format(lon=lon).replace('country = "RU"\n', f'country = "RU"\n{bbox}')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StudyError, match="crosses 180° longitude"):
        load_study(path)
    assert main(["pull", "--study", str(path), "-q", "--source", "overpass"]) == 2


def test_gazetteer_fixture_is_loaded() -> None:
    assert len(gazetteer(5000)) > 1000


def test_a_long_agglomeration_name_gets_its_maps(built: dict, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A name of a few hundred characters failed only at the maps step, after routing,
    with exit 9 blaming a read-only folder or a full disk (the file name was too long)."""
    from ural_access.geo.pipeline.compute import compute_access
    from ural_access.geo.study.definition import STUDIES_DIR
    from ural_access.maps import build_maps

    long_name = "Encamp " + "and the valley of the river Valira d'Orient " * 8
    text = (STUDIES_DIR / "andorra.toml").read_text(encoding="utf-8")
    path = tmp_path / "long.toml"
    path.write_text(text.replace('name = "Encamp"', f'name = "{long_name}"', 1), "utf-8")
    study = load_study(path)
    _, net, _ = built["andorra"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = compute_access(study, net, with_isochrones=False)
    written = build_maps(results, tmp_path / "maps")
    key = study.agglomeration_keys()[long_name]
    assert tmp_path / "maps" / f"agglomeration-{key}.html" in written
    assert all(len(p.name.encode()) < 255 for p in written)


def test_rows_far_away_reach_the_results_warnings(built: dict, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ural_access.geo.pipeline.compute import compute_access

    towns = _kamensk_towns(tmp_path)
    lines = towns.read_text(encoding="utf-8").splitlines()
    lines.append('Swapped Town,61.9,56.4,25000,"x"')
    towns.write_text("\n".join(lines) + "\n", encoding="utf-8")
    study = load_study(_urals_with(tmp_path, study_lines=f'towns_file = "{towns.name}"\n'))
    _, net, _ = built["urals"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = compute_access(study, net, with_isochrones=False)
    (far,) = [w for w in results.warnings if "outside the study area" in w]
    assert f"row {len(lines)} 'Swapped Town'" in far and "swapped" in far


def test_a_study_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """Windows Notepad saves UTF-8 with a BOM; TOML itself refuses it ('Invalid statement')."""
    bundled = Path(__file__).resolve().parents[2] / "data" / "studies" / "urals.toml"
    path = tmp_path / "urals-bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + bundled.read_bytes())
    assert load_study(path).title == load_study("urals").title
