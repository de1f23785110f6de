"""Agglomeration measures and result files, on real extracts."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from ural_access.geo.analysis.agglomeration import decay
from ural_access.geo.errors import CacheError
from ural_access.geo.pipeline.compute import compute_access
from ural_access.geo.results.access_results import RESULT_FILES, read_results, write_results
from ural_access.geo.study.options import DecayOptions


@pytest.fixture(scope="module")
def djibouti(built: dict):  # type: ignore[no-untyped-def]
    study, net, _ = built["djibouti"]
    return compute_access(study, net, with_isochrones=False)


def test_summary_measures_are_consistent(djibouti) -> None:  # type: ignore[no-untyped-def]
    s = djibouti.wide_summary().set_index("agglomeration")
    t = s["time_to_center_min_from_djibouti"]
    entry = s["zone_entry_min_from_djibouti"]
    assert (entry <= t + 1e-9).all() and (entry >= 0).all()
    # Entering a 25 km zone takes at least the time to drive the last ~25 km at ≤ 110 km/h.
    assert ((t - entry) >= 25 / 110 * 60 * 0.5).all()
    shares = s[[f"share_within_{m}_min_from_djibouti" for m in (60, 90, 120, 180)]].to_numpy()
    assert (np.diff(shares, axis=1) >= 0).all() and ((shares >= 0) & (shares <= 1)).all()
    expected = 626_512 * np.exp2(-t / 60.0)
    np.testing.assert_allclose(s["potential_from_djibouti"], expected, rtol=1e-9)
    assert list(s.sort_values("potential_total", ascending=False).index) == list(
        s.sort_values("rank_potential").index
    )
    # Obock is the farthest regional town by road (about 240 km), Arta the nearest.
    assert t.idxmax() == "Obock" and t.idxmin() == "Arta"
    assert 200 < s.loc["Obock", "dist_to_center_km_from_djibouti"] < 280


def test_places_and_od_tables_agree(djibouti) -> None:  # type: ignore[no-untyped-def]
    places = djibouti.wide_places().set_index("name")
    od = djibouti.od
    from_city = od[od["origin"] == "Djibouti"].set_index("place")
    for name in ("Ali Sabieh", "Dikhil", "Obock"):
        assert from_city.loc[name, "time_min"] == pytest.approx(
            places.loc[name, "time_min_from_djibouti"]
        )
        assert from_city.loc[name, "dist_km"] == pytest.approx(
            places.loc[name, "dist_km_from_djibouti"]
        )
    diag = od[od["origin_id"] == od["place_id"]]
    assert (diag["time_min"] == 0).all()
    assert set(djibouti.routes["center"]) == {a.center.name for a in djibouti.study.agglomerations}


def test_results_are_byte_identical_across_runs(built: dict, djibouti, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    study, net, _ = built["djibouti"]
    again = compute_access(study, net, with_isochrones=False)
    write_results(djibouti, tmp_path / "a")
    write_results(again, tmp_path / "b")
    for name in ("places.csv", "od_matrix.csv", "agglomerations.csv", "zone_towns.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    text = (tmp_path / "a" / "agglomerations.csv").read_text(encoding="utf-8")
    assert "# osm_timestamp: 2022-08-01T20:21:29Z" in text and "# speed_model: ru" in text
    table = pd.read_csv(tmp_path / "a" / "agglomerations.csv", comment="#")
    assert len(table) == 5
    layers = gpd.list_layers(tmp_path / "a" / "access.gpkg")["name"].tolist()
    assert {"places", "routes", "zones"} <= set(layers)
    back = read_results(tmp_path / "a", study)
    assert back.agglomerations["agglomeration"].tolist() == table["agglomeration"].tolist()


def test_unreachable_agglomeration_gives_nan_and_warnings(built: dict, tmp_path: Path) -> None:
    study, net, _ = built["malta"]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        res = compute_access(study, net, with_isochrones=False)
    gozo = res.wide_summary().set_index("agglomeration").loc["Gozo"]
    assert np.isnan(gozo["time_to_center_min_from_valletta"])
    assert np.isnan(gozo["zone_entry_min_from_birkirkara"])
    assert gozo["share_within_30_min_from_valletta"] == 0
    assert gozo["potential_total"] == 0
    assert any("Victoria" in w for w in res.warnings)
    mellieha = res.wide_summary().set_index("agglomeration").loc["Mellieha"]
    assert 10 < mellieha["time_to_center_min_from_valletta"] < 60
    write_results(res, tmp_path / "out")
    assert all((tmp_path / "out" / f).is_file() for f in RESULT_FILES)


def test_decay_functions() -> None:
    exp = DecayOptions("exponential", 60)
    gauss = DecayOptions("gaussian", 60)
    np.testing.assert_allclose(decay([0, 60, 120, np.nan], exp), [1, 0.5, 0.25, 0])
    np.testing.assert_allclose(decay([0, 60, 120], gauss), [1, 0.5, 2.0**-4])


def test_incomplete_results_folder_is_a_cache_error(tmp_path: Path, built: dict) -> None:
    study = built["djibouti"][0]
    with pytest.raises(CacheError, match="ural-access route"):
        read_results(tmp_path, study)


def test_first_tier_city_off_the_network_gives_nan_not_a_crash(built: dict) -> None:
    study, net, _ = built["andorra"]
    from dataclasses import replace

    from ural_access.geo.study.places import Place

    lost = Place("Lost City", 1, "Lost City", 1.0, 40.0, 1000, "AD", "07")
    odd = replace(study, first_tier=(lost, *study.first_tier))
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        res = compute_access(odd, net, with_isochrones=False)
    assert res.wide_summary()["time_to_center_min_from_lost_city"].isna().all()
    assert res.wide_summary()["time_to_center_min_from_andorra_la_vella"].notna().all()
    assert any("Lost City" in w for w in res.warnings)


def test_results_can_be_read_by_others(djibouti, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Atomic writes go through private temp files; the results get normal permissions."""
    import os

    mask = os.umask(0o022)
    try:
        out = write_results(djibouti, tmp_path / "out")
    finally:
        os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o755
    for path in out.iterdir():
        assert path.stat().st_mode & 0o777 == 0o644, path
