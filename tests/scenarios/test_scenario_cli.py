"""``ural-access scenario`` on the bundled Urals extract: files, headline, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from ural_access.geo.results.files import read_table

from ural_access.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "scenarios"


def test_scenario_command_writes_results_and_comparison(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "up"
    scenario = EXAMPLES / "upgrade-chelyabinsk-miass.toml"
    code = main(
        ["scenario", "--scenario", str(scenario), "--output", str(out), "--no-isochrones", "-q"]
    )
    assert code == 0
    assert (out / "results" / "agglomerations.csv").is_file()
    table = read_table(out / "comparison" / "comparison_cities.csv")
    row = table[(table["origin"] == "Chelyabinsk") & (table["agglomeration"] == "Greater Miass")]
    assert float(row["time_to_center_min_change"].iloc[0]) < -20
    assert {"potential_baseline", "potential_scenario", "potential_change"} <= set(table.columns)
    places = read_table(out / "comparison" / "comparison_places.csv")
    assert (places["time_min_change"].dropna() <= 0).all()
    assert "Greater Miass" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[close]]\nname = "x"\nway_ids = [1]\n', "selects no road"),
        ('[[upgrade]]\nbetween = ["Chelyabinsk", "Atlantis"]\nmaxspeed = 110\n', "unknown place"),
        ('[[upgrade]]\nref = "M-5"\nmaxspeed = 900\n', "implausible"),
        (
            '[[new_road]]\nname = "far"\ncoordinates = [[61.43, 55.27], [75.0, 65.0]]\n',
            "beyond join_limit_km",
        ),
        (
            '[[new_road]]\nname = "cut"\ncoordinates = [[61.43, 55.27], [61.62, 55.75]]\n'
            'join = "everywhere"\n',
            "edit 'cut': join = 'everywhere' is not one of",
        ),
    ],
)
def test_a_bad_scenario_stops_with_exit_10_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    scenario = tmp_path / "bad.toml"
    scenario.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["scenario", "--scenario", str(scenario), "--output", str(out), "-q"]) == 10
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_rank_upgrades_command_writes_the_ranking_and_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rank"
    args = ["rank-upgrades", "--output", str(out), "--workers", "1", "--budget-km", "60", "-q"]
    assert main(args) == 0
    ranking = read_table(out / "ranking.csv")
    assert len(ranking) >= 20 and ranking["rank"].tolist()[:3] == [1, 2, 3]
    package = read_table(out / "package.csv")
    assert package["cumulative_km"].max() <= 60
    assert (out / "candidates.gpkg").is_file()
    assert "1. S" in capsys.readouterr().out
    # The marginal-gain curve as a chart for a report: a PNG, the same bytes again.
    chart = (out / "package.png").read_bytes()
    assert chart[:8] == b"\x89PNG\r\n\x1a\n" and len(chart) > 10_000
    again = tmp_path / "again"
    assert main([*args[:2], str(again), *args[3:]]) == 0
    assert (again / "package.png").read_bytes() == chart
    assert (again / "ranking.csv").read_bytes() == (out / "ranking.csv").read_bytes()


def test_rank_upgrades_with_an_unreachable_scheduler_exits_11(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rank"
    args = ["rank-upgrades", "--output", str(out), "-q"]
    args += ["--dask-scheduler", "tcp://127.0.0.1:9", "--dask-timeout", "1"]
    assert main(args) == 11
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_rank_upgrades_closures_writes_the_redundancy_table(tmp_path: Path) -> None:
    out = tmp_path / "closures"
    assert main(["rank-upgrades", "--closures", "--output", str(out), "--workers", "1", "-q"]) == 0
    closures = read_table(out / "closures.csv")
    fixed = closures["moves_join_of"].isna()  # a closure moving a place's join may gain
    assert len(closures) >= 20 and (closures.loc[fixed, "gain"] <= 0).all() and fixed.any()
    redundancy = read_table(out / "redundancy.csv")
    assert {"origin", "town", "worst_closure", "no_alternative"} <= set(redundancy.columns)
    assert not (out / "ranking.csv").exists()


def test_rank_upgrades_ranks_the_users_candidates(tmp_path: Path) -> None:
    import geopandas as gpd

    listed = EXAMPLES.parent / "candidates" / "urals.toml"
    out = tmp_path / "mine"
    args = ["rank-upgrades", "--candidates", str(listed), "--output", str(out), "-q"]
    assert main(args) == 0
    ranking = read_table(out / "ranking.csv")
    assert sorted(ranking["candidate"]) == ["U01", "U02", "U03", "U04", "U05"]
    layer = gpd.read_file(out / "candidates.gpkg")
    drawn = layer[layer["candidate"] == "U04"].geometry.iloc[0]
    assert drawn.length > 1.0  # the drawn line (degrees), not an empty set of edges
    bad = tmp_path / "bad"
    assert main([*args[:-3], "--closures", "--output", str(bad), "-q"]) == 10
    assert not bad.exists()


def test_the_notebook_writes_what_the_command_writes(tmp_path: Path) -> None:
    """ua.run_scenario(...).write and ua.run_ranking(...).write give the command's files,
    byte for byte (the same functions compute them)."""
    import ural_access as ua

    scenario = EXAMPLES / "new-road-chelyabinsk-kamensk.toml"
    cli = tmp_path / "cli"
    args = ["scenario", "--scenario", str(scenario), "--output", str(cli), "--no-isochrones"]
    assert main([*args, "-q"]) == 0
    assert main(["rank-upgrades", "--output", str(cli / "rank"), "--budget-km", "40", "-q"]) == 0
    study = ua.load_study("urals")
    network = ua.RoadNetwork.from_osm(study)
    notebook = tmp_path / "notebook"
    ua.run_scenario(study, network, scenario, isochrones=False).write(notebook)
    ua.run_ranking(study, network, budget_km=40).write(notebook / "rank")
    names = [
        "comparison/comparison_cities.csv",
        "comparison/comparison_places.csv",
        "comparison/scenario.json",
        "results/agglomerations.csv",
        "rank/ranking.csv",
        "rank/package.csv",
    ]
    for name in names:
        assert (cli / name).read_bytes() == (notebook / name).read_bytes(), name
