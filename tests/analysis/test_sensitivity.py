"""`ural-access sensitivity` on the bundled Urals: its table, its ranges and its chart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from ural_access.geo.results.files import read_header, read_table


def _sensitivity(folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """``ural-access sensitivity --study urals`` with ``options``, in its own process, writing
    into ``folder/out`` with its own cache."""
    command = [sys.executable, "-m", "ural_access.cli.commands", "sensitivity"]
    command += ["--study", "urals", *options, "--output", str(folder / "out")]
    command += ["--cache-dir", str(folder / "cache")]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, cwd=folder
    )


def test_sensitivity_writes_its_table_and_chart_on_the_bundled_urals(tmp_path: Path) -> None:
    proc = _sensitivity(tmp_path, "--quiet")
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "out" / "sensitivity"
    runs = read_table(folder / "sensitivity_runs.csv")
    summary = read_table(folder / "sensitivity.csv")
    aggs = [
        "Greater Serov",
        "Greater Tagil",
        "Kamensk-Uralsky",
        "Greater Miass",
        "Greater Kyshtym",
        "Magnitogorsk",
    ]
    assert list(summary["agglomeration"]) == aggs
    assert len(runs) == 2 * 3 * 6 * 2 * len(aggs)
    assert (summary["runs"] == 72).all()
    # each combination ranks the six agglomerations 1..6
    keys = ["speed_model", "speed_factor", "zone", "closed_towns"]
    for _, group in runs.groupby(keys):
        assert sorted(group["rank"]) == list(range(1, 7))
    # the ranges are the runs' own extremes
    for agg, group in runs.groupby("agglomeration"):
        row = summary.set_index("agglomeration").loc[agg]
        assert row["rank_min"] == group["rank"].min() and row["rank_max"] == group["rank"].max()
        assert np.isclose(row["potential_max"], group["potential"].max(), rtol=1e-6)
    # faster driving shortens every drive time (same model, same zone)
    t = runs.pivot_table(
        index=["speed_model", "agglomeration"],
        columns="speed_factor",
        values="time_min_from_ekaterinburg",
        aggfunc="first",
    )
    assert (t[1.15] < t[1.0]).all() and (t[1.0] < t[0.85]).all()
    # Kyshtym's zone holds Ozyorsk and Snezhinsk: leaving them out lowers its zone potential
    k = runs[runs["agglomeration"] == "Greater Kyshtym"].pivot_table(
        index=["speed_model", "speed_factor", "zone"],
        columns="closed_towns",
        values="zone_potential",
    )
    assert (k["out"] < k["in"]).all()
    assert read_header(folder / "sensitivity.csv")["grid"]["speed_models"] == ["ru", "osrm-car"]
    with Image.open(folder / "sensitivity_rank.png") as image:
        assert image.format == "PNG" and image.size[0] >= 1000
        colours = len(np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0))
    assert colours > 20  # drawn, not blank
    assert "Kamensk-Uralsky" in proc.stdout and "72 assumptions" in proc.stdout
    # The summary counts and spans the runs (not a re-read of the file itself).
    by_agg = runs.groupby("agglomeration", sort=False)
    table = summary.set_index("agglomeration")
    first = by_agg["rank"].apply(lambda r: int((r == 1).sum()))
    assert (table["runs_ranked_first"] == first.loc[aggs]).all() and first.sum() == 72
    times = by_agg["time_min_from_ekaterinburg"]
    assert np.allclose(table["time_min_from_ekaterinburg_min"], times.min().loc[aggs])
    assert np.allclose(table["time_min_from_ekaterinburg_max"], times.max().loc[aggs])


def test_sensitivity_refuses_an_unknown_speed_model(tmp_path: Path) -> None:
    proc = _sensitivity(tmp_path, "--speed-models", "ru,warp")
    assert proc.returncode == 2
    assert "warp" in proc.stderr and not (tmp_path / "out" / "sensitivity").exists()


def test_the_speed_factor_is_routed_again_not_scaled(built) -> None:  # type: ignore[no-untyped-def]
    """Why each factor gets its own trees: the turn and junction costs are fixed seconds,
    so the times at factor f are not the times at 1 divided by f (they are longer)."""
    import warnings

    from ural_access.geo.analysis.town_times import town_times
    from ural_access.geo.errors import UralAccessWarning

    study, network, _ = built["urals"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        base = town_times(study, network.with_speeds("ru", 1.0))
        fast = town_times(study.with_overrides(speed_factor=1.15), network.with_speeds("ru", 1.15))
    for city, t1 in base.from_city.items():
        t = fast.from_city[city]
        ok = np.isfinite(t1) & (t1 > 10)
        scaled = t1[ok] / 1.15
        assert np.all(t[ok] >= scaled - 1e-9)  # fixed costs do not shrink
        assert np.any(t[ok] > scaled + 1e-3)  # and there are some on these routes
