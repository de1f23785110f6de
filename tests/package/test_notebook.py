"""docs/notebook.md runs: every python block, in order, in one namespace (as in Jupyter)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ..conftest import extract

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "notebook.md"


def code_cells(text: str) -> list[str]:
    """The ```python blocks of a Markdown page."""
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.DOTALL | re.MULTILINE)


def test_notebook_walkthrough_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cells = code_cells(NOTEBOOK.read_text(encoding="utf-8"))
    assert len(cells) >= 10
    (tmp_path / "andorra-latest.osm.pbf").symlink_to(extract("andorra-latest.osm.pbf"))
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__notebook__"}
    for i, cell in enumerate(cells, start=1):
        try:
            exec(compile(cell, f"{NOTEBOOK.name} cell {i}", "exec"), namespace)
        except Exception as exc:  # name the cell that broke
            raise AssertionError(f"cell {i} of {NOTEBOOK.name} failed: {exc!r}\n{cell}") from exc
    res = namespace["res"]
    # The walkthrough's results are real: every agglomeration reached, files and maps written.
    assert res.summary["time_to_center_min"].notna().all()  # type: ignore[attr-defined]
    assert {p.name for p in (tmp_path / "output/andorra/results").iterdir()} >= {
        "places.csv",
        "agglomerations.csv",
        "access.gpkg",
    }
    assert (tmp_path / "output/andorra/maps/index.html").is_file()
    assert (tmp_path / "andorra.graphml").stat().st_size > 10_000
