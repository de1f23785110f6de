"""The notebook API: ural_access's top-level names, travel_times, the results object."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from ural_access.geo.errors import DuplicateIdError, InputError, MissingColumnError, MissingCRSError

import ural_access as ua

from ..conftest import extract


def test_import_is_light_and_names_load_on_use() -> None:
    code = (
        "import sys, ural_access as ua\n"
        "heavy = [m for m in ('pandas', 'geopandas', 'shapely', 'scipy', 'osmnx') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert ua.Study.__name__ == 'Study' and callable(ua.compute_access)\n"
        "assert 'geopandas' in sys.modules or 'pandas' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert set(ua.__all__) <= set(dir(ua))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ua.nope  # noqa: B018


def _towns(crs: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": [10, 20, 30]},
        geometry=gpd.points_from_xy([43.145, 42.712, 42.36], [11.589, 11.156, 11.125]),
        crs=crs,
    )


def test_travel_times_is_a_long_table_matching_the_study_od(built: dict) -> None:
    study, net, _ = built["djibouti"]
    places = {p.name: p for p in study.all_places()}
    names = ["Djibouti", "Ali Sabieh", "Dikhil", "Obock"]
    points = gpd.GeoDataFrame(
        {"id": names},
        geometry=gpd.points_from_xy([places[n].lon for n in names], [places[n].lat for n in names]),
        crs="EPSG:4326",
    ).to_crs(32638)  # any CRS: the points are placed through it
    tt = ua.travel_times(net, points.iloc[:1], points)
    assert list(tt.columns) == ["origin_id", "place_id", "time_min", "dist_km"]
    assert tt.set_index(["origin_id", "place_id"]).index.is_unique and len(tt) == 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ua.compute_access(study, net, with_isochrones=False)
    od = res.od[res.od["origin"] == "Djibouti"].set_index("place")
    got = tt.set_index("place_id")
    for name in names:
        assert got.loc[name, "time_min"] == pytest.approx(od.loc[name, "time_min"], rel=1e-6)
        assert got.loc[name, "dist_km"] == pytest.approx(od.loc[name, "dist_km"], rel=1e-6)
    assert got.loc["Djibouti", "time_min"] == 0


def test_travel_times_refuses_unusable_tables(built: dict) -> None:
    _, net, _ = built["djibouti"]
    with pytest.raises(MissingCRSError, match="no CRS"):
        ua.travel_times(net, _towns(crs=None))
    with pytest.raises(MissingColumnError, match="no 'town_id' column"):
        ua.travel_times(net, _towns(), id_column="town_id")
    twice = pd.concat([_towns(), _towns()], ignore_index=True)
    with pytest.raises(DuplicateIdError, match=r"repeats ids in 'id': \[10, 20, 30\]"):
        ua.travel_times(net, twice)
    lines = _towns().assign(geometry=_towns().to_crs(32638).buffer(100).to_crs(4326))
    with pytest.raises(InputError, match="must be points; id=10 is a Polygon"):
        ua.travel_times(net, lines)
    with pytest.raises(InputError, match="GeoDataFrame"):
        ua.travel_times(net, pd.DataFrame({"id": [1]}))
    # Every input error is also a ValueError with the CLI's "bad input" exit code.
    assert issubclass(MissingCRSError, ValueError) and MissingCRSError.exit_code == 2


def test_far_points_are_nan_with_a_warning(built: dict) -> None:
    _, net, _ = built["djibouti"]
    far = _towns().assign(geometry=gpd.points_from_xy([43.145, 50.0, 42.36], [11.589, 0.0, 11.125]))
    with pytest.warns(
        ua.errors.UralAccessWarning, match="origin 20 .* beyond the 15 km access limit"
    ):
        tt = ua.travel_times(net, far)
    assert tt.loc[tt["place_id"] == 20, "time_min"].isna().all()
    assert tt.loc[tt["origin_id"] == 20, "time_min"].isna().all()
    assert tt.loc[(tt["origin_id"] == 10) & (tt["place_id"] == 30), "time_min"].notna().all()


def test_results_object_is_long_inside_and_wide_in_the_csvs(built: dict, tmp_path: Path) -> None:
    study, net, _ = built["djibouti"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ua.compute_access(study, net, with_isochrones=False)
    text = repr(res)
    assert text.startswith("<AccessResults 'djibouti'") and "5 agglomerations" in text
    assert len(text) < 200
    assert res.summary.set_index(["origin_id", "agglomeration"]).index.is_unique
    assert res.travel_times.set_index(["origin_id", "place_id"]).index.is_unique
    assert len(res.travel_times) == len(res.places) * len(study.first_tier)
    assert not any("_from_" in c for c in [*res.places.columns, *res.summary.columns])
    folder = res.to_folder(tmp_path / "results")
    wide = pd.read_csv(folder / "agglomerations.csv", comment="#")
    assert "time_to_center_min_from_djibouti" in wide.columns
    back = ua.AccessResults.from_folder(folder, study)
    pd.testing.assert_frame_equal(
        back.summary[["agglomeration", "time_to_center_min"]],
        res.summary[["agglomeration", "time_to_center_min"]].round(3),
    )
    keys = ["origin_id", "place_id"]
    pd.testing.assert_frame_equal(
        back.travel_times.sort_values(keys).reset_index(drop=True),
        res.travel_times.sort_values(keys).reset_index(drop=True).round(3),
    )


def test_road_network_from_osm_is_cached(tmp_path: Path) -> None:
    study = ua.Study.load("djibouti")
    path = extract("djibouti-secondary.osm.pbf")
    first = ua.RoadNetwork.from_osm(study, path, folder=tmp_path / "net")
    assert (tmp_path / "net" / "network.npz").is_file()
    (tmp_path / "net" / "provenance.json").write_text(
        (tmp_path / "net" / "provenance.json").read_text().replace('"study"', '"cached"', 1)
    )
    again = ua.RoadNetwork.from_osm(study, path, folder=tmp_path / "net")
    assert "cached" in again.provenance and again.n_edges == first.n_edges
    fresh = ua.RoadNetwork.from_osm(study, path, folder=tmp_path / "net", refresh=True)
    assert "cached" not in fresh.provenance
    np.testing.assert_array_equal(fresh.travel_time_s, first.travel_time_s)
    with pytest.raises(ua.errors.OSMDataError, match="source 'ftp' unknown"):
        ua.RoadNetwork.from_osm(study, source="ftp")
