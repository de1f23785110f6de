"""The ``ural-access`` command, end to end on a real extract, and its error exits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from .conftest import extract

REPO = Path(__file__).resolve().parents[1]


def _cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ural_access.geo.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _djibouti(tmp_path: Path) -> list[str]:
    """Study, extract and cache arguments shared by the pipeline commands."""
    return [
        "--study", "djibouti", "--source", "pbf",
        "--osm-file", str(extract("djibouti-secondary.osm.pbf")),
        "--cache-dir", str(tmp_path / "cache"),
    ]  # fmt: skip


def test_run_pipeline_end_to_end(tmp_path: Path) -> None:
    """network → results → maps in one command, as the README shows it."""
    out = tmp_path / "output"
    proc = _cli(
        "run",
        *_djibouti(tmp_path),
        "--output",
        str(out),
        "--self-contained",
        "--png",
    )
    assert proc.returncode == 0, proc.stderr
    # Progress goes to stderr as plain lines (not a terminal), the summary to stdout.
    assert "building the graph" in proc.stderr and "isochrones from Djibouti" in proc.stderr
    assert "Road network:" in proc.stderr
    for name in ("Ali Sabieh", "Dikhil", "Tadjourah", "Obock", "Arta"):
        assert name in proc.stdout
    assert "wrote" in proc.stdout and "h " in proc.stdout
    for f in (
        "places.csv",
        "od_matrix.csv",
        "agglomerations.csv",
        "zone_towns.csv",
        "access.gpkg",
        "provenance.json",
    ):
        assert (out / "results" / f).is_file(), f
    for f in ("index.html", "overview.html", "overview.png", "agglomeration-obock.html"):
        assert (out / "maps" / f).is_file(), f
    table = pd.read_csv(out / "results" / "agglomerations.csv", comment="#")
    assert table["time_to_center_min_from_djibouti"].notna().all()

    # `maps` alone rereads the results from disk; `route` reuses the cached network.
    again = _cli("maps", "--study", "djibouti", "--output", str(out), "-q")
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""
    route = _cli(
        "route",
        *_djibouti(tmp_path),
        "--output",
        str(tmp_path / "faster"),
        "--speed-factor",
        "1.2",
        "--no-isochrones",
    )
    assert route.returncode == 0, route.stderr
    assert "using the cached network" in route.stderr
    faster = pd.read_csv(tmp_path / "faster" / "results" / "agglomerations.csv", comment="#")
    ratio = table["time_to_center_min_from_djibouti"] / faster["time_to_center_min_from_djibouti"]
    # Same routes, every edge 1.2× faster (tables keep 3 decimals of a minute).
    assert ((ratio - 1.2).abs() < 1e-4).all()


def test_network_geopackage_only_on_request(tmp_path: Path) -> None:
    """`pull` caches the compact arrays; `--network-gpkg` adds the GeoPackage for GIS."""
    plain = _cli("pull", *_djibouti(tmp_path), "-q")
    assert plain.returncode == 0, plain.stderr
    (cache,) = (tmp_path / "cache" / "networks").iterdir()
    assert (cache / "network.npz").is_file() and not (cache / "network.gpkg").exists()
    # `route` with the flag rebuilds a cache that lacks the GeoPackage.
    asked = _cli("route", *_djibouti(tmp_path), "--no-isochrones", "--network-gpkg",
                 "--output", str(tmp_path / "out"), "-q")  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    assert (cache / "network.gpkg").is_file()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["route", "--study", "atlantis"], 2, "no study named 'atlantis'"),
        (
            ["pull", "--study", "djibouti", "--source", "pbf", "--osm-file", "missing.osm.pbf"],
            3,
            "does not exist",
        ),
        (["route", "--study", "djibouti", "--bands", "60,30"], 2, "strictly increasing"),
        (["route", "--study", "djibouti", "--bands", "abc"], 2, "--bands must be minutes"),
        (
            ["route", "--study", "djibouti", "--speed-factor", "-1"],
            2,
            "speed_factor must be positive",
        ),
        (["maps", "--study", "djibouti", "--output", "/nonexistent/out"], 5, "ural-access route"),
    ],
)
def test_errors_are_one_line_with_a_documented_exit_code(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    proc = _cli(*args, "--cache-dir", str(tmp_path / "cache"))
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 2


def test_corrupt_extract_leaves_no_cache(tmp_path: Path) -> None:
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all")
    proc = _cli(
        "pull",
        "--study",
        "djibouti",
        "--osm-file",
        str(bad),
        "--cache-dir",
        str(tmp_path / "cache"),
    )
    assert proc.returncode == 3 and "bad.osm.pbf" in proc.stderr and "Traceback" not in proc.stderr
    assert not list((tmp_path / "cache").rglob("network.npz"))


@pytest.mark.parametrize("command", ["pull", "route", "maps", "run"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    proc = _cli(command, "--help")
    assert proc.returncode == 0
    assert "Example:" in proc.stdout and f"ural-access {command}" in proc.stdout
