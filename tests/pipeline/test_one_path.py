"""One path from study to results: the command line and the notebook API agree.

The same study, one that names its road file (``[network] osm_file``), run by
``ural-access run`` and by the notebook API (:class:`RoadNetwork.from_osm`,
:func:`compute_access`, ``res.to_folder``, ``res.maps``) gives byte-identical result tables
below their provenance headers, the same map context and the same maps, with no network.
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import pytest
from ural_access.geo import settings
from ural_access.geo.base.resources import bundled_data
from ural_access.geo.results.files import read_header

import ural_access as ua

from ..conftest import extract


def _study_naming_its_file(folder: Path) -> Path:
    """The bundled Djibouti study, with its road file named in ``[network]``."""
    shutil.copy(extract("djibouti-secondary.osm.pbf"), folder / "dj.osm.pbf")
    text = (bundled_data("studies") / "djibouti.toml").read_text(encoding="utf-8")
    text = text.replace("[network]\n", '[network]\nosm_file = "dj.osm.pbf"\n', 1)
    path = folder / "dj.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _body(path: Path) -> bytes:
    """A CSV's bytes below its ``#`` provenance header."""
    lines = path.read_bytes().splitlines(keepends=True)
    return b"".join(line for line in lines if not line.startswith(b"#"))


def test_the_command_line_and_the_notebook_give_the_same_results_and_maps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ural_access.cli import main

    study_file = _study_naming_its_file(tmp_path)
    # no Overpass to fall back on: the study's own file must be what both read
    monkeypatch.setattr(settings, "overpass_url", "http://127.0.0.1:9/api/interpreter")
    cli_out, api_out = tmp_path / "cli", tmp_path / "api"
    assert main(["run", "--study", str(study_file), "--output", str(cli_out), "--quiet"]) == 0

    study = ua.Study.load(study_file)
    net = ua.RoadNetwork.from_osm(study)
    assert net.road_source is not None and net.road_source.origin == "study"
    res = ua.compute_access(study, net)
    assert res.context is not None and len(res.context)
    res.to_folder(api_out / "results")
    res.maps(api_out / "maps", data_dir=api_out / "results")

    tables = sorted(p.name for p in (cli_out / "results").glob("*.csv"))
    assert "agglomerations.csv" in tables and "places.csv" in tables
    assert tables == sorted(p.name for p in (api_out / "results").glob("*.csv"))
    for name in tables:
        a, b = cli_out / "results" / name, api_out / "results" / name
        assert _body(a) == _body(b), name
        assert read_header(a).get("road_data") == read_header(b).get("road_data"), name
    for name in ("access.gpkg", "context.gpkg"):
        assert filecmp.cmp(cli_out / "results" / name, api_out / "results" / name, shallow=False)
    maps = sorted(p.relative_to(cli_out / "maps") for p in (cli_out / "maps").rglob("*.html"))
    assert Path("overview.html") in maps
    assert maps == sorted(
        p.relative_to(api_out / "maps") for p in (api_out / "maps").rglob("*.html")
    )
    for page in maps:
        assert (cli_out / "maps" / page).read_bytes() == (api_out / "maps" / page).read_bytes(), (
            page
        )
