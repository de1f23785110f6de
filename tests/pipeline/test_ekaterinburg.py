"""The Ekaterinburg study end to end on the real extract of the city's streets.

The study is written in Russian (its places are named in Cyrillic, its maps are in Russian)
and the extract carries Russian urban tagging (``RU:urban``, numeric limits, Russian street
names): the names must come through every output unchanged and keep apart.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from ural_access.geo.base.distance import geodesic_m

import ural_access as ua
from ural_access.cli import commands as cli

from ..conftest import extract

STUDY = "ekaterinburg"
AGGLOMERATIONS = ["Верхняя Пышма", "Берёзовский", "Арамиль"]


def _unescape_js(text: str) -> str:
    """HTML with folium's ``\\uXXXX`` JSON escapes turned back into characters."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


@pytest.fixture(scope="module")
def ekaterinburg_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``ural-access run --study ekaterinburg --osm-file …`` in an empty folder."""
    folder = tmp_path_factory.mktemp("ekaterinburg")
    args = [
        "run", "--study", STUDY,
        "--osm-file", str(extract("ekaterinburg-z14-2023.osm.pbf")),
        "--cache-dir", str(folder / "cache"),
    ]  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        code = cli.main(args)
    assert code == 0
    return folder / "output" / STUDY


def test_study_is_bundled_and_names_places_in_cyrillic() -> None:
    study = ua.Study.load(STUDY)
    assert study.lang == "ru"
    assert [a.name for a in study.agglomerations] == AGGLOMERATIONS
    # The Cyrillic names found the right GeoNames towns.
    assert study.first_tier[0].geonameid == 1486209  # Yekaterinburg
    lat, lon = study.first_tier[0].lat, study.first_tier[0].lon
    assert 56.8 < lat < 56.9 and 60.5 < lon < 60.7
    centers = {a.name: a.center.geonameid for a in study.agglomerations}
    assert centers == {"Верхняя Пышма": 1487281, "Берёзовский": 1510203, "Арамиль": 1511466}


def test_every_satellite_gets_a_drive_time(ekaterinburg_run: Path) -> None:
    results = ua.read_results(ekaterinburg_run / "results", ua.Study.load(STUDY))
    summary = results.summary.set_index("agglomeration")
    assert sorted(summary.index) == sorted(AGGLOMERATIONS)
    assert (summary["origin"] == "Екатеринбург").all()
    times = summary["time_to_center_min"].to_numpy()
    dists = summary["dist_to_center_km"].to_numpy()
    # Satellites 13–22 km from the centre as the crow flies: a city drive, not a detour.
    assert np.isfinite(times).all() and ((times > 8) & (times < 60)).all()
    assert ((dists > 10) & (dists < 45)).all()
    # Routes are at least as long as the straight line to each centre.
    for agg in results.study.agglomerations:
        city = results.study.first_tier[0]
        crow_km = float(geodesic_m(city.lon, city.lat, agg.center.lon, agg.center.lat)) / 1000.0
        assert summary.loc[agg.name, "dist_to_center_km"] >= crow_km


def test_cyrillic_names_reach_every_output_apart(ekaterinburg_run: Path) -> None:
    tables = ekaterinburg_run / "results"
    csv = (tables / "agglomerations.csv").read_text(encoding="utf-8")
    for name in AGGLOMERATIONS:
        assert name in csv
    maps = sorted((ekaterinburg_run / "maps").glob("agglomeration-*.html"))
    # One map per agglomeration: Cyrillic names must not collapse into one file name.
    assert len(maps) == len(AGGLOMERATIONS)
    for name in AGGLOMERATIONS:
        holding = [m for m in maps if name in _unescape_js(m.read_text(encoding="utf-8"))]
        assert holding, f"no agglomeration map names {name}"
    overview = _unescape_js((ekaterinburg_run / "maps" / "overview.html").read_text("utf-8"))
    for text in [*AGGLOMERATIONS, "Екатеринбург", " мин"]:
        assert text in overview
    layers = ua.read_results(tables, ua.Study.load(STUDY)).routes
    assert sorted(layers["agglomeration"]) == sorted(AGGLOMERATIONS)


def test_russian_urban_tagging_is_read() -> None:
    study = ua.Study.load(STUDY)
    net = ua.RoadNetwork.from_osm(study, extract("ekaterinburg-z14-2023.osm.pbf"), cache=False)
    values = set(net.maxspeed.tolist())
    assert {"RU:urban", "RU:rural", "60", "40"} <= values
    # RU:urban is Russia's 60 km/h town limit; the ru profile drives a share of it.
    urban = net.maxspeed == "RU:urban"
    sixty = net.maxspeed == "60"
    assert np.median(net.speed_kph[urban]) == pytest.approx(np.median(net.speed_kph[sixty]))
    assert (net.speed_kph[urban] <= 60).all()
    # Street names come through in Russian.
    assert any(re.search("[А-Яа-яЁё]", name) for name in net.name.tolist())
