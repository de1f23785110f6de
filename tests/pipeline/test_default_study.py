"""Plain ``ural-access run`` in an empty folder: the Urals default, offline, every output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from ural_access.geo.results.access_results import RESULT_FILES
from ural_access.geo.study.definition import load_study

from ..conftest import extract


def test_bundled_extract_is_the_shared_one_with_its_readme() -> None:
    path = load_study("urals").default_road_data()
    assert path is not None and path.name == "urals-omt-z7-2021-context.osm.pbf"
    assert path.read_bytes() == extract("urals-omt-z7-2021-context.osm.pbf").read_bytes()
    readme = (path.parent / "README.md").read_text(encoding="utf-8")
    for needed in ("ODbL", "OpenStreetMap contributors", "OpenMapTiles", "2021-02-01", "sha256"):
        assert needed in readme


def test_plain_run_in_an_empty_folder_works_offline(tmp_path: Path) -> None:
    env = dict(os.environ)
    env.pop("URAL_ACCESS_CACHE", None)
    # Any attempt to go online would fail: nothing listens on this port.
    env["URAL_ACCESS_OVERPASS_URL"] = "http://127.0.0.1:9/api"
    proc = subprocess.run(
        [sys.executable, "-m", "ural_access.cli.commands", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    # Only the cache and the outputs were written, both inside the folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "output"]
    results = tmp_path / "output" / "urals" / "results"
    for name in RESULT_FILES:
        assert (results / name).is_file(), name
    maps = tmp_path / "output" / "urals" / "maps"
    assert (maps / "index.html").is_file() and (maps / "overview.html").is_file()
    assert len(list(maps.glob("agglomeration-*.html"))) == 6
    # The run says which road data it used and how to get full detail.
    assert "Road data: file:urals-omt-z7-2021-context.osm.pbf" in proc.stdout
    assert "2021-02-01" in proc.stdout
    assert "--source overpass" in proc.stdout and "--osm-file" in proc.stdout
    assert "Access legs:" in proc.stdout
    # All six agglomerations get a time from both cities.
    table = pd.read_csv(results / "agglomerations.csv", comment="#")
    assert len(table) == 6
    for key in ("ekaterinburg", "chelyabinsk"):
        times = table[f"time_to_center_min_from_{key}"].to_numpy()
        assert np.isfinite(times).all() and (times > 30).all()
    prov = json.loads((results / "provenance.json").read_text(encoding="utf-8"))
    assert prov["osm_source"] == "file:urals-omt-z7-2021-context.osm.pbf"
    assert prov["parameters"]["default_osm_file"] == "urals-omt-z7-2021-context.osm.pbf"
    # Issue 18: the roads the data holds, not the classes asked for; the surface's share;
    # the workbook and the surface grids beside the CSVs; the map context of the file.
    assert "road classes in the data: trunk, primary" in proc.stdout
    assert "roads down to" not in proc.stdout
    assert "Drive-time surface: 55 % of the study area" in proc.stdout
    assert prov["surface"]["share_with_time"]["nearest"] > 0.5
    for name in ("results.xlsx", "surface-nearest.asc", "surface-ekaterinburg.prj"):
        assert (results / name).is_file(), name
    context = gpd.read_file(results / "context.gpkg")
    assert {"road", "water", "border", "place"} <= set(context["kind"])
    assert "Екатеринбург" in set(context["name_ru"].dropna())
