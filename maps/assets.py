"""Self-contained folium maps: every script, style, font and icon inline, none from a CDN.

A folium map's HTML loads Leaflet, jQuery, Bootstrap, Font Awesome, awesome-markers,
each plugin's files and branca's d3 from CDNs. :func:`make_self_contained` replaces each
such ``<script src>`` and ``<link rel=stylesheet>`` by the same content, read from npm
packages installed beforehand, and turns the images and fonts that the stylesheets refer
to into ``data:`` URIs. The page then needs the network for base-map tiles only.

The npm packages are pinned in ``maps/package.json`` / ``maps/package-lock.json`` and
installed (never at run time, never committed) by :func:`install`, or from the shell::

    ural-access setup-assets

into :func:`vendor_folder`. Which CDN address maps to which package file is the explicit
table :data:`maps._asset_table.ASSETS`; an address that is missing from it or not installed
raises :class:`~maps.errors.MapAssetError` naming it.

Examples
--------
>>> import folium
>>> from ural_access.maps import assets
>>> m = folium.Map(location=[56.84, 60.61], zoom_start=8)
>>> assets.save_self_contained(m, "output/map.html")  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..geo import settings
from ..geo._progress import console_handler, remove_handler
from ..geo.atomic import replace_dir, write_text_atomic
from . import _inline
from ._asset_table import ASSETS, LEAFLET_ICON_FIX_FILES, Generated, NpmFile
from ._render import render_page
from .errors import MapAssetError

log = logging.getLogger(__name__)

#: Folder holding ``package.json`` and ``package-lock.json`` (this package's folder).
PACKAGE_FOLDER: Path = Path(__file__).resolve().parent

_STAMP_NAME = "ural-access-assets.json"
_INSTALL_HINT = "ural-access setup-assets"

# --------------------------------------------------------------------------- install


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


def _node_modules(root: Path | None = None) -> Path:
    return (vendor_folder() if root is None else root) / "node_modules"


def _table_files(root: Path | None = None) -> list[Path]:
    modules = _node_modules(root)
    files = [modules / a.package / a.path for a in ASSETS.values() if isinstance(a, NpmFile)]
    files += [modules / "leaflet" / p for p in LEAFLET_ICON_FIX_FILES.values()]
    return files


def _check_tree(root: Path) -> list[str]:
    """Problems of an installed tree: wrong versions, files the table needs but lacks."""
    problems = []
    for package, version in pinned_versions().items():
        meta = _node_modules(root) / package / "package.json"
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
    stamp = vendor_folder() / _STAMP_NAME
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8")).get("lock_sha256")
    except (OSError, ValueError):
        return False
    return recorded == _lock_digest() and all(f.is_file() for f in _table_files())


def install(*, force: bool = False) -> Path:
    """Install the pinned npm packages into :func:`vendor_folder` with ``npm ci``.

    The packages come from the npm registry, at the versions and checksums of
    ``maps/package-lock.json``; their install scripts are not run. The new tree is built
    beside the old one and swapped in only when complete and checked.

    Parameters
    ----------
    force
        Reinstall even if :func:`is_installed` says the install is current.

    Returns
    -------
    Path
        :func:`vendor_folder`.

    Raises
    ------
    MapAssetError
        If npm is missing, ``npm ci`` fails or times out, or the result lacks a file.
    """
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
        problems = _check_tree(tmp)
        if problems:
            raise MapAssetError("npm ci installed an incomplete tree: " + "; ".join(problems))
        stamp = {"lock_sha256": _lock_digest(), "packages": pinned_versions()}
        (tmp / _STAMP_NAME).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        replace_dir(tmp, target)
        log.info("map assets installed in %s (%.1f s)", target, time.perf_counter() - start)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _cached_text.cache_clear()
    return target


# --------------------------------------------------------------------------- lookup


def _problem(url: str) -> str | None:
    """Why ``url`` cannot be served locally, or ``None`` if it can."""
    asset = ASSETS.get(url)
    if asset is None:
        return "no local copy is known for it (not in maps/_asset_table.py)"
    if isinstance(asset, NpmFile) and not (_node_modules() / asset.package / asset.path).is_file():
        return f"npm package {asset.package} is not installed"
    return None


def _missing_error(problems: dict[str, str]) -> MapAssetError:
    lines = [f"  - {url}: {why}" for url, why in problems.items()]
    unknown = any("not in maps/_asset_table.py" in why for why in problems.values())
    hint = f"Run `{_INSTALL_HINT}` to install the pinned npm packages into {vendor_folder()}."
    if unknown:
        hint += (
            " An address unknown to the table needs an entry in maps/_asset_table.py and its"
            " npm package pinned in maps/package.json."
        )
    return MapAssetError(
        f"{len(problems)} script/style address(es) have no local file:\n"
        + "\n".join(lines)
        + "\n"
        + hint,
        tuple(problems),
    )


def local_file(url: str) -> Path:
    """The installed file that stands for CDN address ``url``.

    Raises
    ------
    MapAssetError
        If the address is not in the table, is generated rather than a file, or its
        package is not installed.
    """
    why = _problem(url)
    if why is not None:
        raise _missing_error({url: why})
    asset = ASSETS[url]
    if not isinstance(asset, NpmFile):
        raise MapAssetError(f"{url} is generated by ural-access, not read from a file")
    return _node_modules() / asset.package / asset.path


def missing_assets(page: str) -> dict[str, str]:
    """External scripts and stylesheets of ``page`` that cannot be inlined, with why."""
    problems = {url: _problem(url) for _, url in _inline.external_refs(page)}
    return {url: why for url, why in problems.items() if why is not None}


# --------------------------------------------------------------------------- inlining


def _install_key() -> str:
    """Changes whenever the install changes: invalidates the content cache."""
    folder = vendor_folder()
    try:
        return f"{folder}@{(folder / _STAMP_NAME).stat().st_mtime_ns}"
    except OSError:
        return f"{folder}@-"


@functools.lru_cache(maxsize=64)
def _cached_text(url: str, kind: str, woff2_only: bool, key: str) -> str:
    asset = ASSETS[url]
    if isinstance(asset, Generated):
        return asset.make()
    path = _node_modules() / asset.package / asset.path
    text = _inline.strip_source_maps(path.read_text(encoding="utf-8"))
    if kind == "css":
        if woff2_only:
            text = _inline.keep_woff2_only(text)
        text = _inline.rewrite_css_urls(text, functools.partial(_css_target, path))
    elif asset.package == "leaflet" and asset.path.endswith("leaflet.js"):
        text += _leaflet_icon_fix()
    return text


def _css_target(css_file: Path, target: str) -> str:
    """A ``data:`` URI for ``url(target)`` in stylesheet ``css_file``."""
    if _inline.is_external(target):
        file = local_file(target)
        return _inline.data_uri(file.read_bytes(), file.name)
    path_part, _, fragment = target.partition("#")
    path_part = path_part.split("?")[0]
    file = (css_file.parent / path_part).resolve()
    modules = _node_modules().resolve()
    if not file.is_relative_to(modules) or not file.is_file():
        raise MapAssetError(f"{css_file} refers to {target!r}, which is not installed ({file})")
    try:
        uri = _inline.data_uri(file.read_bytes(), file.name)
    except KeyError as exc:
        raise MapAssetError(f"{css_file} refers to {target!r}, of unknown type") from exc
    return f"{uri}#{fragment}" if fragment and file.suffix == ".svg" else uri


def _leaflet_icon_fix() -> str:
    """Script pointing ``L.Icon.Default`` at its images as ``data:`` URIs.

    Leaflet derives the default marker's image folder from leaflet.css's address, which an
    inlined stylesheet does not have.
    """
    root = _node_modules() / "leaflet"
    options = {
        key: _inline.data_uri((root / rel).read_bytes(), rel)
        for key, rel in LEAFLET_ICON_FIX_FILES.items()
    }
    return (
        "\n;(function () { var D = L.Icon.Default; D.imagePath = '';"
        f" D.mergeOptions({json.dumps(options)}); }})();\n"
    )


def make_self_contained(html: str, *, woff2_only: bool = True) -> str:
    """Inline every external script and stylesheet of a folium page.

    Parameters
    ----------
    html
        The page, e.g. ``m.get_root().render()`` of a ``folium.Map``.
    woff2_only
        Keep only the WOFF2 copy of each web font (every current browser reads it);
        ``False`` inlines every format the stylesheets list (about twice the size).

    Returns
    -------
    str
        The page with each ``<script src=…>`` replaced by ``<script>…</script>`` and each
        ``<link rel=stylesheet href=…>`` by ``<style>…</style>``, whose ``url(…)``
        references (icons, fonts, images) are ``data:`` URIs. Tile URL templates and
        hyperlinks inside the page are left as they are.

    Raises
    ------
    MapAssetError
        Naming every address that has no local file, if any; run
        ``ural-access setup-assets`` first.
    """
    problems = missing_assets(html)
    if problems:
        raise _missing_error(problems)
    key = _install_key()
    return _inline.replace_external_tags(
        html,
        script=lambda url: _cached_text(url, "js", woff2_only, key),
        style=lambda url: _cached_text(url, "css", woff2_only, key),
    )


def save_self_contained(m: Any, path: str | Path, *, woff2_only: bool = True) -> Path:
    """Render a folium map (or take an HTML string), inline it, write it atomically.

    Parameters
    ----------
    m
        A ``folium.Map`` (anything with ``get_root().render()``), or the HTML itself.
    path
        The ``.html`` file to write; its folder is created.
    woff2_only
        See :func:`make_self_contained`.

    Returns
    -------
    Path
        ``path``.
    """
    page = m if isinstance(m, str) else render_page(m)
    text = make_self_contained(page, woff2_only=woff2_only)
    return write_text_atomic(path, text)


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m maps.assets {install,status,inline}``; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m maps.assets",
        description="Offline assets (Leaflet, plugins, fonts) for self-contained folium maps.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_install = sub.add_parser("install", help="npm ci the pinned packages (idempotent)")
    p_install.add_argument("--force", action="store_true", help="reinstall even if current")
    sub.add_parser("status", help="say whether the assets are installed (exit 1 if not)")
    p_inline = sub.add_parser("inline", help="make an HTML file self-contained")
    p_inline.add_argument("html", type=Path, help="folium HTML file")
    p_inline.add_argument("-o", "--output", type=Path, help="output file (default: in place)")
    p_inline.add_argument(
        "--all-font-formats", action="store_true", help="inline every font format, not only WOFF2"
    )
    args = parser.parse_args(argv)

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    handler = console_handler(1, sys.stderr)
    try:
        if args.command == "install":
            install(force=args.force)
            return 0
        if args.command == "status":
            if is_installed():
                print(f"installed: {vendor_folder()}")
                return 0
            print(f"not installed (or out of date): {vendor_folder()}; run `{_INSTALL_HINT}`")
            if _node_modules().is_dir():
                for problem in _check_tree(vendor_folder()):
                    print(f"  - {problem}")
            return 1
        page = args.html.read_text(encoding="utf-8")
        out = save_self_contained(
            page, args.output or args.html, woff2_only=not args.all_font_formats
        )
        say(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")
        return 0
    except MapAssetError as exc:
        say(f"error: {exc}")
        return exc.exit_code
    finally:
        remove_handler(handler)


if __name__ == "__main__":
    sys.exit(main())
