"""results.xlsx (geo.results.workbook), read back with openpyxl, on the real Urals results."""

from __future__ import annotations

import dataclasses
import json
import re
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openpyxl import load_workbook
from ural_access.geo.pipeline.compute import compute_access
from ural_access.geo.results.access_results import AccessResults, write_results
from ural_access.geo.results.files import read_table
from ural_access.geo.results.workbook import WORKBOOK_FILE

_CYRILLIC = re.compile("[А-Яа-яЁё]")


@pytest.fixture(scope="module")
def urals(built: Any) -> AccessResults:
    study, network, _ = built["urals"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compute_access(study, network, with_isochrones=False)


@pytest.fixture(scope="module")
def written(urals: AccessResults, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("workbooks")
    return {lang: write_results(urals, root / lang, lang=lang) for lang in ("en", "ru")}


def _rows(sheet: Any) -> list[list[Any]]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_russian_headers_typed_numbers_and_percentages(written: dict[str, Path]) -> None:
    book = load_workbook(written["ru"] / WORKBOOK_FILE)
    assert book.sheetnames[:4] == ["Агломерации", "Пункты", "Города зон", "Матрица времени"]
    # the analytics' tables (issue 20), then the provenance
    assert {"Доли поездок (Хафф)", "Тень крупных городов"} <= set(book.sheetnames)
    assert book.sheetnames[-1] == "Источники"
    for sheet in book.worksheets:
        headers = [c.value for c in sheet[1]]
        assert all(_CYRILLIC.search(h) for h in headers), [h for h in headers if "_" in h]
        assert not any(re.fullmatch(r"[a-z0-9_]+", h) for h in headers)
    aggs = book["Агломерации"]
    headers = [c.value for c in aggs[1]]
    csv = read_table(written["ru"] / "agglomerations.csv")
    assert len(headers) == len(csv.columns) and aggs.max_row == len(csv) + 1
    col = headers.index("Время до центра: Екатеринбург, мин")
    times = [r[col] for r in _rows(aggs)[1:]]
    assert all(isinstance(t, float) for t in times)
    np.testing.assert_allclose(times, csv["time_to_center_min_from_ekaterinburg"], atol=1e-9)
    share = headers.index("Доля населения зоны в пределах 120 мин: Челябинск")
    cells = [r[share] for r in aggs.iter_rows(min_row=2)]
    assert all(c.number_format == "0.0%" for c in cells)
    assert all(0.0 <= c.value <= 1.0 for c in cells) and any(0 < c.value < 1 for c in cells)
    huff = book["Доли поездок (Хафф)"]
    share_col = [c.value for c in huff[1]].index("Доля поездок")
    assert {r[share_col].number_format for r in huff.iter_rows(min_row=2)} == {"0.0%"}
    flag = headers.index("Время до центра: Екатеринбург — оценка")
    serov = next(r for r in _rows(aggs) if r[0] == "Greater Serov")
    assert serov[flag] is True  # Krasnoturinsk joins the roads by an 8.4 km leg


def test_missing_values_are_empty_and_reasons_in_words(written: dict[str, Path]) -> None:
    places = load_workbook(written["ru"] / WORKBOOK_FILE)["Пункты"]
    rows = _rows(places)
    headers = rows[0]
    magnitka = next(r for r in rows if r[headers.index("Название")] == "Magnitka")
    assert magnitka[headers.index("Время в пути: Екатеринбург, мин")] is None
    assert magnitka[headers.index("Почему нет времени")] == (
        "нет дороги ближе 15 км в этих данных (ближайшая в 19.4 км)"
    )
    assert magnitka[headers.index("Роль")] == "город зоны"
    ekb = next(r for r in rows if r[headers.index("Название")] == "Ekaterinburg")
    assert ekb[headers.index("Население")] == 1495066 and isinstance(ekb[0], int)
    english = _rows(load_workbook(written["en"] / WORKBOOK_FILE)["Places"])
    assert english[0][:3] == ["GeoNames id", "Name", "Name in GeoNames"]
    assert "no road within 15 km in this data (nearest 19.4 km)" in {
        r[english[0].index("Why no drive time")] for r in english
    }


def test_provenance_sheet_holds_the_provenance(written: dict[str, Path]) -> None:
    rows = _rows(load_workbook(written["en"] / WORKBOOK_FILE)["Provenance"])
    assert rows[0] == ["Key", "Value"]
    sheet = {k: v for k, v in rows[1:]}
    saved = json.loads((written["en"] / "provenance.json").read_text(encoding="utf-8"))
    assert set(sheet) == set(saved)
    assert sheet["osm_licence"] == "© OpenStreetMap contributors, ODbL 1.0"
    assert json.loads(sheet["road_classes_present"]) == ["trunk", "primary"]


def test_same_results_same_bytes(
    urals: AccessResults, written: dict[str, Path], tmp_path: Path
) -> None:
    time.sleep(1.1)  # a second later: a timestamp of writing would show
    again = write_results(urals, tmp_path / "again", lang="en")
    first = (written["en"] / WORKBOOK_FILE).read_bytes()
    assert (again / WORKBOOK_FILE).read_bytes() == first
    with zipfile.ZipFile(again / WORKBOOK_FILE) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2021-02-01T00:00:00Z" in core  # the OSM data date, not the time of writing
    # the CSVs beside it are unchanged for programs: snake_case, comma-separated
    header = read_table(again / "places.csv").columns
    assert "time_min_from_ekaterinburg" in header


def test_formula_like_text_stays_text(urals: AccessResults, tmp_path: Path) -> None:
    hostile = ['=HYPERLINK("http://x","a")', "+7 city", "-Town", "@SUM(A1)", "'=kept"]
    places = urals.places.copy()
    places.loc[places.index[-len(hostile) :], "name"] = hostile
    folder = write_results(dataclasses.replace(urals, places=places), tmp_path / "h", lang="en")
    with zipfile.ZipFile(folder / WORKBOOK_FILE) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not any("<f>" in z.read(n).decode() for n in sheets)  # no formula anywhere
    sheet = load_workbook(folder / WORKBOOK_FILE)["Places"]
    names = {c.value: c for c in sheet["B"][1:]}
    for text in hostile:
        cell = names[text]  # read back exactly as written
        assert cell.data_type == "s"
        assert cell.quotePrefix == (text[0] in "=+-@" or text.startswith("'="))
