"""Download road ways from the Overpass API, with a response cache and patient retries.

osmnx's own downloader retries HTTP 429/504 forever and only logs Overpass "runtime
error" remarks (keeping the partial answer), so this module sends the same kind of query
itself: bounded retries with exponential back-off, a clear error at the end, and a cache
that stores only complete answers (written atomically), keyed by URL and query.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import requests
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from . import settings
from ._atomic import write_text_atomic
from .errors import OverpassError
from .osm import OSMRoads, highway_classes, roads_from_overpass

_RETRY_STATUS = {429, 500, 502, 503, 504}


def build_query(polygon: BaseGeometry, classes: list[str], timeout_s: float) -> str:
    """Overpass QL for the road ways of ``classes`` in a polygon, with their nodes."""
    if polygon.geom_type != "Polygon":
        raise ValueError("build_query takes one Polygon; split MultiPolygons first")
    x, y = np.asarray(polygon.exterior.coords).T
    # Overpass wants "lat lon" pairs; 6 decimals (~0.1 m) keep the cache key stable.
    coords = " ".join(f"{lat:.6f} {lon:.6f}" for lon, lat in zip(x, y, strict=True))
    regex = "^(" + "|".join(classes) + ")$"
    return (
        f"[out:json][timeout:{max(1, math.ceil(timeout_s))}];\n"
        f'(\n  way["highway"~"{regex}"](poly:"{coords}");\n  >;\n);\nout body;'
    )


def split_area(area: BaseGeometry, max_km2: float) -> list[BaseGeometry]:
    """Cut the study area into tiles of at most about ``max_km2`` each (lon/lat grid)."""
    area_km2 = abs(Geod(ellps="WGS84").geometry_area_perimeter(area)[0]) / 1e6
    n = max(1, math.ceil(area_km2 / max_km2))
    side = math.ceil(math.sqrt(n))
    west, south, east, north = shapely.bounds(area)
    xs = np.linspace(west, east, side + 1)
    ys = np.linspace(south, north, side + 1)
    cells = shapely.box(*np.meshgrid(xs[:-1], ys[:-1]), *np.meshgrid(xs[1:], ys[1:])).ravel()
    pieces = shapely.intersection(cells, area)
    tiles: list[BaseGeometry] = []
    for piece in pieces:
        if piece.is_empty:
            continue
        parts = piece.geoms if hasattr(piece, "geoms") else [piece]
        tiles.extend(p for p in parts if p.geom_type == "Polygon" and p.area > 0)
    return tiles


def _cache_path(url: str, query: str) -> Path:
    key = hashlib.sha256(f"{url}\n{query}".encode()).hexdigest()
    return Path(settings.cache_folder) / "overpass" / f"{key}.json"


def overpass_request(query: str, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Send one query (or read its cached answer) and return the parsed JSON.

    Retries HTTP 429/5xx, time-outs, broken connections, invalid JSON and Overpass
    "runtime error" remarks, pausing ``overpass_backoff_s`` and doubling the pause each
    time, up to ``overpass_max_attempts`` attempts.

    Raises
    ------
    OverpassError
        The server refused the query (HTTP 400) or every attempt failed.
    """
    say = progress or (lambda _msg: None)
    url = settings.overpass_url.rstrip("/") + "/interpreter"
    cache = _cache_path(url, query)
    if settings.use_cache and cache.is_file():
        try:
            return dict(json.loads(cache.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            cache.unlink(missing_ok=True)

    pause = settings.overpass_backoff_s
    last_error = "no attempt made"
    for attempt in range(1, settings.overpass_max_attempts + 1):
        try:
            resp = requests.post(
                url,
                data={"data": query},
                timeout=settings.requests_timeout,
                headers={"User-Agent": settings.user_agent},
            )
        except requests.Timeout:
            last_error = f"no answer within {settings.requests_timeout:g} s"
        except requests.ConnectionError as exc:
            last_error = f"cannot connect ({type(exc).__name__})"
        else:
            if resp.status_code == 200:
                try:
                    data = resp.json()
                except ValueError:
                    last_error = "the answer is not valid JSON (cut off?)"
                else:
                    remark = str(data.get("remark", ""))
                    if "error" in remark.lower():
                        last_error = f"Overpass remarked: {remark.strip()[:200]}"
                    elif not isinstance(data.get("elements"), list):
                        last_error = "the answer has no 'elements' list"
                    else:
                        if settings.use_cache:
                            write_text_atomic(cache, json.dumps(data, separators=(",", ":")))
                        return dict(data)
            elif resp.status_code in _RETRY_STATUS:
                last_error = f"HTTP {resp.status_code} {resp.reason}"
            else:
                first = resp.text.strip().splitlines()[0][:200] if resp.text.strip() else ""
                raise OverpassError(
                    f"Overpass API at {url} refused the query: HTTP {resp.status_code} {first}"
                )
        if attempt < settings.overpass_max_attempts:
            say(f"Overpass attempt {attempt} failed ({last_error}); retrying in {pause:g} s")
            time.sleep(pause)
            pause = min(pause * 2, settings.overpass_backoff_max_s)
    raise OverpassError(
        f"Overpass API at {url} failed {settings.overpass_max_attempts} times; last: "
        f"{last_error}. Try again later, set another server with --overpass-url, or use a "
        "downloaded extract with --source pbf --osm-file FILE"
    )


def download_roads(
    area: BaseGeometry,
    lowest_class: str = "tertiary",
    progress: Callable[[str], None] | None = None,
) -> OSMRoads:
    """Download the drivable roads of a study area from the Overpass API.

    The area is split into tiles of at most ``settings.overpass_max_query_area_km2``;
    each tile is one query, cached by :func:`overpass_request`.
    """
    say = progress or (lambda _msg: None)
    classes = highway_classes(lowest_class)
    tiles = split_area(area, settings.overpass_max_query_area_km2)
    responses = []
    for i, tile in enumerate(tiles, start=1):
        say(f"Overpass tile {i}/{len(tiles)}")
        tile = shapely.simplify(tile, 0.001)
        responses.append(
            overpass_request(build_query(tile, classes, settings.requests_timeout), say)
        )
    roads = roads_from_overpass(responses, lowest_class, source=f"overpass:{settings.overpass_url}")
    roads.meta["overpass_tiles"] = len(tiles)
    return roads
