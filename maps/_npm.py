"""The pinned npm packages behind the self-contained maps: where they live, installing them.

``maps/package.json`` and ``maps/package-lock.json`` pin the packages; :func:`install`
runs ``npm ci`` (no install scripts) into :func:`vendor_folder`, a per-user cache folder
per lock file, building the tree beside the old one and swapping it in once checked.
:mod:`maps.assets` reads the files from there.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ..geo import settings
from ..geo.base.atomic import replace_dir
from ._asset_table import ASSETS, LEAFLET_ICON_FIX_FILES, NpmFile
from .errors import MapAssetError

log = logging.getLogger(__name__)


#: Folder holding ``package.json`` and ``package-lock.json`` (this package's folder).
PACKAGE_FOLDER: Path = Path(__file__).resolve().parent

#: The file in the vendor folder that records what was installed (the lock digest).
STAMP_NAME = "ural-access-assets.json"


@functools.cache
def _lock_digest() -> str:
    """SHA-256 of ``package.json`` and ``package-lock.json``: what an install is of."""
    h = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        h.update((PACKAGE_FOLDER / name).read_bytes())
    return h.hexdigest()


def vendor_folder() -> Path:
    """Where :func:`install` puts the npm packages (``node_modules/`` inside it).

    ``settings.map_assets_folder`` if set (or ``URAL_ACCESS_MAP_ASSETS``), else
    ``<user cache>/ural-access/map-assets/<lock digest>``: a per-user cache folder, one
    per pinned lock file, so that an upgrade never breaks another checkout's maps.
    """
    if settings.map_assets_folder is not None:
        return Path(settings.map_assets_folder)
    from platformdirs import user_cache_path

    return user_cache_path("ural-access") / "map-assets" / _lock_digest()[:16]


def pinned_versions() -> dict[str, str]:
    """The npm packages and exact versions pinned in ``maps/package.json``."""
    data = json.loads((PACKAGE_FOLDER / "package.json").read_text(encoding="utf-8"))
    return dict(data["dependencies"])


def node_modules(root: Path | None = None) -> Path:
    return (vendor_folder() if root is None else root) / "node_modules"


def _table_files(root: Path | None = None) -> list[Path]:
    modules = node_modules(root)
    files = [modules / a.package / a.path for a in ASSETS.values() if isinstance(a, NpmFile)]
    files += [modules / "leaflet" / p for p in LEAFLET_ICON_FIX_FILES.values()]
    return files


def check_tree(root: Path) -> list[str]:
    """Problems of an installed tree: wrong versions, files the table needs but lacks."""
    problems = []
    for package, version in pinned_versions().items():
        meta = node_modules(root) / package / "package.json"
        if not meta.is_file():
            problems.append(f"package {package} is not installed")
            continue
        found = json.loads(meta.read_text(encoding="utf-8")).get("version")
        if found != version:
            problems.append(f"package {package} is {found}, pinned {version}")
    problems += [f"file {f} is missing" for f in _table_files(root) if not f.is_file()]
    return problems


def is_installed() -> bool:
    """Whether the pinned npm packages are installed in :func:`vendor_folder`.

    True only if the install was made from the current ``package.json`` and
    ``package-lock.json`` and every file that the asset table names is there.
    """
    stamp = vendor_folder() / STAMP_NAME
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8")).get("lock_sha256")
    except (OSError, ValueError):
        return False
    return recorded == _lock_digest() and all(f.is_file() for f in _table_files())


def install(*, force: bool = False) -> Path:
    """``npm ci`` into :func:`vendor_folder` (see :func:`maps.assets.install`)."""
    target = vendor_folder()
    if not force and is_installed():
        log.info("map assets already installed in %s", target)
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise MapAssetError(
            "npm is not installed, so the map assets cannot be installed: "
            "install Node.js and npm (Debian: apt-get install -y nodejs npm)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    tmp.chmod(0o755)
    try:
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(PACKAGE_FOLDER / name, tmp / name)
        cmd = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
        log.info("running %s in %s …", " ".join(cmd[1:]), target)
        start = time.perf_counter()
        env = {**os.environ, "npm_config_update_notifier": "false"}
        try:
            done = subprocess.run(
                cmd,
                cwd=tmp,
                env=env,
                capture_output=True,
                text=True,
                timeout=settings.npm_timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise MapAssetError(
                f"npm ci took more than {settings.npm_timeout_s:.0f} s; gave up"
            ) from exc
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise MapAssetError(f"npm ci failed (exit code {done.returncode}):\n{tail}")
        problems = check_tree(tmp)
        if problems:
            raise MapAssetError("npm ci installed an incomplete tree: " + "; ".join(problems))
        stamp = {"lock_sha256": _lock_digest(), "packages": pinned_versions()}
        (tmp / STAMP_NAME).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        replace_dir(tmp, target)
        log.info("map assets installed in %s (%.1f s)", target, time.perf_counter() - start)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target
