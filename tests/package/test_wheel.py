"""The package as users get it: build the wheel, install it into a fresh venv, run it there.

The fresh venv holds only the ural-access wheel (installed with ``--no-deps --no-index``);
its dependencies come from the test environment through a ``.pth`` line, as
``--system-site-packages`` would give them, so the test needs no download and takes
seconds. The wheel is built from a copy of the working tree (``git ls-files``) with the
test environment's setuptools (``--no-isolation``), so nothing is written into the
repository. Everything then runs in an empty folder, away from the repository, and must
find its study files, speed table and map-asset pins inside the installed package, and
write nothing into it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _source_copy(dest: Path) -> Path:
    """The tracked (and new, not ignored) files of the working tree, copied to ``dest``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the venv, the wheel file): ural-access built and installed as a user would."""
    root = tmp_path_factory.mktemp("wheel")
    src = _source_copy(root / "src")
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    _run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(root / "dist"), str(src)],
        cwd=root,
        env=env,
    )  # fmt: skip
    (wheel,) = (root / "dist").glob("ural_access-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=root, env=env)
    python = venv / "bin" / "python"
    purelib = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], root, env).strip()
    )  # fmt: skip
    # The dependencies: the test environment's site-packages, after the venv's own.
    (purelib / "_test_env_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
        cwd=root,
        env=env,
    )
    return venv, wheel


def test_wheel_ships_the_data_and_no_test_code(wheel_venv: tuple[Path, Path]) -> None:
    _, wheel = wheel_venv
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "ural_access/__init__.py",
        "ural_access/py.typed",  # PEP 561: type checkers read the package's hints
        "ural_access/api.py",
        "ural_access/cli/commands.py",
        "ural_access/maps/build.py",
        "ural_access/maps/package.json",
        "ural_access/maps/package-lock.json",
        "ural_access/data/speed_model_ru.toml",
        "ural_access/data/implicit_maxspeeds.toml",
        "ural_access/data/studies/urals.toml",
        "ural_access/data/studies/djibouti.toml",
        "ural_access/data/studies/ekaterinburg.toml",
        "ural_access/data/osm/urals-omt-z7-2021-context.osm.pbf",
        "ural_access/data/osm/README.md",
        "ural_access/data/designations/closed_towns.csv",
        "ural_access/data/designations/single_industry_towns.csv",
    ):
        assert needed in names, needed
    # one Urals extract: the roads-only file it replaced is not shipped beside it
    assert [n for n in names if n.endswith(".osm.pbf")] == [
        "ural_access/data/osm/urals-omt-z7-2021-context.osm.pbf"
    ]
    assert not [n for n in names if n.startswith("tests/") or "/_vendor/" in n]
    assert not [n for n in names if n.endswith(("_synthetic.py", "_png.py", "overpass_server.py"))]


def test_the_installed_package_runs_from_an_empty_folder(
    wheel_venv: tuple[Path, Path], tmp_path: Path
) -> None:
    venv, _ = wheel_venv
    python, exe = venv / "bin" / "python", venv / "bin" / "ural-access"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # compare files, not bytecode
    env.pop("URAL_ACCESS_MAP_ASSETS", None)
    work = tmp_path / "empty"
    work.mkdir()
    before = _tree(venv)

    probe = _run(
        [str(python), "-c", (
            "import ural_access, ural_access.geo.network._speeds as s\n"
            "from ural_access.geo.study.definition import load_study\n"
            "from ural_access.maps import assets\n"
            "study = load_study('urals')\n"
            "print(ural_access.__file__)\n"
            "print(ural_access.__version__)\n"
            "print(study.key, len(study.agglomerations))\n"
            "print(s.default_speed_kph('primary'))\n"
            "print(assets.vendor_folder())\n"
        )],
        cwd=work,
        env=env,
    ).splitlines()  # fmt: skip
    where, version, urals, primary, vendor = probe[-5:]
    assert Path(where).is_relative_to(venv), where  # the wheel's copy, not the repository's
    assert version == "0.1.0"
    assert urals == "urals 6"
    assert float(primary) > 0
    assert not Path(vendor).is_relative_to(venv)  # map assets live in a per-user cache
    assert _run([str(exe), "--version"], work, env).strip() == "ural-access 0.1.0"

    # The Urals default as a new user types it: the road data bundled in the wheel, offline.
    env["URAL_ACCESS_OVERPASS_URL"] = "http://127.0.0.1:9/api"  # nothing listens there
    out = _run([str(exe), "run", "--self-contained"], cwd=work, env=env)
    assert "Done: " in out and "Magnitogorsk" in out
    assert "Road data: file:urals-omt-z7-2021-context.osm.pbf" in out
    results, maps = work / "output" / "urals" / "results", work / "output" / "urals" / "maps"
    assert (results / "agglomerations.csv").is_file() and (maps / "index.html").is_file()
    assert len(list(maps.glob("agglomeration-*.html"))) == 6
    assert '<script src="http' not in (maps / "overview.html").read_text(encoding="utf-8")
    assert (work / "data" / "cache" / "networks").is_dir()  # the cache is under the folder
    assert _tree(venv) == before, "something was written into the venv"
