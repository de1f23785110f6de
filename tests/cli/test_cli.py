"""The ``ural-access`` command, end to end on a real extract, and its error exits.

The commands run in this process (``cli.main`` with an argument list, output captured),
which saves an interpreter start, the imports and the study's town lookup per command;
one smoke test starts the installed console script as a user would.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from ural_access.geo.errors import WriteError, exit_codes
from ural_access.maps.errors import BrowserError, MapAssetError

from ural_access.cli import commands as cli

from ..conftest import extract


@dataclass
class Ran:
    """What a command returned and printed."""

    returncode: int
    stdout: str
    stderr: str


RunCli = Callable[..., Ran]


@pytest.fixture
def run_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> RunCli:
    """``run_cli(*args)``: ``ural-access ARGS`` in this process, in an empty folder."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Ran:
        capsys.readouterr()  # drop what came before
        try:
            code = cli.main(list(args))
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


def _djibouti(tmp_path: Path) -> list[str]:
    """Study, extract and cache arguments shared by the pipeline commands."""
    return [
        "--study", "djibouti", "--source", "pbf",
        "--osm-file", str(extract("djibouti-secondary.osm.pbf")),
        "--cache-dir", str(tmp_path / "cache"),
    ]  # fmt: skip


def test_run_pipeline_end_to_end(tmp_path: Path, run_cli: RunCli) -> None:
    """network → results → maps in one command, as the README shows it."""
    out = tmp_path / "output"
    proc = run_cli(
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
    again = run_cli("maps", "--study", "djibouti", "--output", str(out), "-q")
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""
    route = run_cli(
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
    # Every edge 1.2× faster; junction delays and turn costs are seconds that the
    # factor does not scale, so each trip is a little less than 1.2× faster.
    assert ((ratio < 1.2 + 1e-4) & (ratio > 1.15)).all()


def test_network_geopackage_only_on_request(tmp_path: Path, run_cli: RunCli) -> None:
    """`pull` caches the compact arrays; `--network-gpkg` adds the GeoPackage for GIS."""
    plain = run_cli("pull", *_djibouti(tmp_path), "-q")
    assert plain.returncode == 0, plain.stderr
    (cache,) = (tmp_path / "cache" / "networks").iterdir()
    assert (cache / "network.npz").is_file() and not (cache / "network.gpkg").exists()
    # `route` with the flag rebuilds a cache that lacks the GeoPackage.
    asked = run_cli("route", *_djibouti(tmp_path), "--no-isochrones", "--network-gpkg",
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
            "argument --speed-factor: '-1' is outside 0.001..1.5",
        ),
        (["maps", "--study", "djibouti", "--output", "/nonexistent/out"], 5, "ural-access route"),
    ],
)
def test_errors_are_one_line_with_a_documented_exit_code(
    tmp_path: Path, args: list[str], code: int, message: str, run_cli: RunCli
) -> None:
    proc = run_cli(*args, "--cache-dir", str(tmp_path / "cache"))
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 2


def test_corrupt_extract_leaves_no_cache(tmp_path: Path, run_cli: RunCli) -> None:
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all")
    proc = run_cli(
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
def test_every_command_has_help_with_an_example(command: str, run_cli: RunCli) -> None:
    proc = run_cli(command, "--help")
    assert proc.returncode == 0
    assert "Example:" in proc.stdout and f"ural-access {command}" in proc.stdout


def test_png_without_playwright_is_a_clear_error_before_any_work(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--png`` without the png extra: exit 8 at once, naming the extra; nothing written."""
    monkeypatch.setitem(sys.modules, "playwright", None)  # ``import playwright`` now fails
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    proc = run_cli("run", *_djibouti(tmp_path), "--output", str(tmp_path / "out"), "--png")
    assert proc.returncode == 8, proc.stderr
    assert "ural-access[png]" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 2
    assert not (tmp_path / "out").exists() and not (tmp_path / "cache").exists()


def test_console_script_smoke(tmp_path: Path) -> None:
    """The installed ``ural-access`` command starts, reports its version and fails cleanly."""
    exe = shutil.which("ural-access", path=str(Path(sys.executable).parent))
    assert exe is not None, "the ural-access console script is not installed beside python"
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("ural-access ")
    proc = subprocess.run(
        [exe, "route", "--study", "atlantis", "--cache-dir", str(tmp_path / "cache")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 2 and "no study named 'atlantis'" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_readme_documents_every_exit_code() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Errors and exit codes", 1)[1].split("\n## ", 1)[0]
    documented = [int(code) for code in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)]
    codes = exit_codes()  # the map errors are in it: this module imports them
    assert documented == list(codes)
    for error in (MapAssetError, BrowserError, WriteError):
        assert codes[error.exit_code] == error.meaning
