"""Download road ways from the Overpass API, with a response cache and patient retries.

osmnx's own downloader retries HTTP 429/504 forever and only logs Overpass "runtime
error" remarks (keeping the partial answer), so this module sends the same kind of query
itself: bounded retries with exponential back-off, a clear error at the end, and a cache
that stores only complete answers (written atomically), keyed by URL and query.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import requests
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from .. import settings
from ..base.atomic import write_text_atomic
from ..errors import EmptyNetworkError, OverpassError
from ._http import DeadlineExceeded, NameNotResolved, post_with_deadline
from ._overpass_roads import roads_from_overpass
from ._rules import BUILT_UP, MAX_ADMIN_LEVEL, PLACE_KINDS, WATER_TAGS

if TYPE_CHECKING:
    from typing_extensions import TypeIs  # typing.TypeIs from Python 3.13
from .roads import OSMRoads, highway_classes

__all__ = [
    "BadAnswer",
    "build_query",
    "cached_answers",
    "context_statements",
    "download_roads",
    "overpass_request",
    "split_area",
    "tile_queries",
    "validate_answer",
]

log = logging.getLogger(__name__)

_RETRY_STATUS = {429, 500, 502, 503, 504}


def build_query(polygon: BaseGeometry, classes: list[str], timeout_s: float) -> str:
    """Overpass QL for the road ways of ``classes`` in a polygon, with their nodes.

    The query also asks for what the ``.osm.pbf`` path reads beside the roads: turn
    restriction relations and the built-up areas (``landuse=residential`` and ``place``
    closed ways and multipolygons, :data:`geo._osm_rules.BUILT_UP`), then everything
    they are made of (``>``: member ways and nodes).
    """
    if polygon.geom_type != "Polygon":
        raise ValueError("build_query takes one Polygon; split MultiPolygons first")
    x, y = np.asarray(polygon.exterior.coords).T
    # Overpass wants "lat lon" pairs; 6 decimals (~0.1 m) keep the cache key stable.
    coords = " ".join(f"{lat:.6f} {lon:.6f}" for lon, lat in zip(x, y, strict=True))
    regex = "^(" + "|".join(classes) + ")$"
    places = "^(" + "|".join(v for k, v in BUILT_UP if k == "place") + ")$"
    area = f'(poly:"{coords}")'
    statements = [
        f'way["highway"~"{regex}"]{area};',
        f'rel["type"="restriction"]{area};',
        f'way["landuse"="residential"]{area};',
        f'way["place"~"{places}"]{area};',
        f'rel["landuse"="residential"]{area};',
        f'rel["place"~"{places}"]{area};',
        *context_statements(area),
    ]
    return (
        f"[out:json][timeout:{max(1, math.ceil(timeout_s))}];\n(\n  "
        + "\n  ".join(statements)
        + "\n);\n(._; >;);\nout body;"
    )


def context_statements(area: str) -> list[str]:
    """Overpass QL for the map context in ``area``, as :func:`geo.context.pbf_context`
    reads it from a file: region borders, coastlines, named water (ways and multipolygons;
    unnamed ponds would swell the answer) and the ``place=*`` nodes of settlements
    (:data:`geo._osm_rules.PLACE_KINDS`), whose Russian names the maps use."""
    levels = "^(" + "|".join(str(n) for n in range(2, MAX_ADMIN_LEVEL + 1)) + ")$"
    kinds = "^(" + "|".join(sorted(PLACE_KINDS)) + ")$"
    out = [
        f'way["boundary"="administrative"]["admin_level"~"{levels}"]{area};',
        f'way["natural"="coastline"]{area};',
        f'node["place"~"{kinds}"]{area};',
    ]
    for key, value in WATER_TAGS:
        out += [f'way["{key}"="{value}"]["name"]{area};', f'rel["{key}"="{value}"]["name"]{area};']
    return out


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


class BadAnswer(ValueError):
    """An Overpass answer that is not a complete, well-formed road download."""


def _is_number(value: object) -> TypeIs[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


#: OSM ids are 64-bit signed integers; JSON numbers have no limit, so an answer's ids are
#: checked against it before they are cached (and stored in int64 arrays).
_ID_MAX = 2**63 - 1


def _is_id(value: object) -> TypeIs[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _ID_MAX


def _text_tags(tags: object) -> bool:
    return isinstance(tags, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    )


def _check_relation(el: dict[str, Any]) -> None:
    """A relation needs a list of members (type, positive ref, text role) and text tags."""
    members = el.get("members", [])
    if not isinstance(members, list) or not all(
        isinstance(m, dict)
        and m.get("type") in ("node", "way", "relation")
        and _is_id(m.get("ref"))
        and isinstance(m.get("role", ""), str)
        for m in members
    ):
        raise BadAnswer(f"relation {el['id']} has a malformed member list")
    if not _text_tags(el.get("tags", {})):
        raise BadAnswer(f"relation {el['id']} has tags that are not text")


def _check_node(el: dict[str, Any]) -> None:
    """A node needs numeric, finite lat/lon on the globe."""
    lat, lon = el.get("lat"), el.get("lon")
    if not (_is_number(lat) and _is_number(lon)):
        raise BadAnswer(f"node {el['id']} has no numeric lat/lon: {lat!r}, {lon!r}")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise BadAnswer(f"node {el['id']} lies outside the globe: {lat!r}, {lon!r}")


def _check_way(el: dict[str, Any]) -> list[int]:
    """A way needs at least two positive node ids and text tags; its node ids."""
    way_nodes = el.get("nodes")
    if not isinstance(way_nodes, list) or len(way_nodes) < 2:
        raise BadAnswer(f"way {el['id']} has no list of at least two nodes")
    if not all(_is_id(n) for n in way_nodes):
        raise BadAnswer(f"way {el['id']} lists a node id that is not a positive 64-bit integer")
    if not _text_tags(el.get("tags", {})):
        raise BadAnswer(f"way {el['id']} has tags that are not text")
    return way_nodes


def _check_header(data: object) -> dict[str, Any]:
    """The answer's top level: an object, no error remark, a sane header, an element list."""
    if not isinstance(data, dict):
        raise BadAnswer(f"the answer is a JSON {type(data).__name__}, not an object")
    remark = data.get("remark")
    if remark is not None and not isinstance(remark, str):
        raise BadAnswer("the answer's 'remark' is not text")
    if remark and "error" in remark.lower():
        raise BadAnswer(f"Overpass remarked: {remark.strip()[:200]}")
    osm3s = data.get("osm3s", {})
    if not isinstance(osm3s, dict) or not isinstance(osm3s.get("timestamp_osm_base", ""), str):
        raise BadAnswer("the answer's 'osm3s' header is malformed")
    elements = data.get("elements")
    if not isinstance(elements, list):
        raise BadAnswer("the answer has no 'elements' list")
    return data


def validate_answer(data: object) -> dict[str, Any]:
    """Check an Overpass JSON answer completely; return it, or raise :class:`BadAnswer`.

    The answer must be an object with an ``elements`` list and no runtime-error remark;
    every node needs a positive integer ``id`` and numeric, finite, in-range ``lat`` and
    ``lon``; every way a positive integer ``id``, a list of at least two node ids and
    string tags; every relation a list of well-formed members and string tags; and every
    node a way refers to must be in the answer (``>;`` returns them all, so a missing one
    means a cut answer). Nothing else is cached.
    """
    answer = _check_header(data)
    nodes: set[int] = set()
    refs: set[int] = set()
    for i, el in enumerate(answer["elements"]):
        where = f"element {i}"
        if not isinstance(el, dict):
            raise BadAnswer(f"{where} is a JSON {type(el).__name__}, not an object")
        kind, el_id = el.get("type"), el.get("id")
        if not _is_id(el_id):
            raise BadAnswer(
                f"{where} ({kind!r}) has no valid id (a positive 64-bit integer): {el_id!r}"
            )
        if kind == "node":
            _check_node(el)
            nodes.add(el_id)
        elif kind == "way":
            refs.update(_check_way(el))
        elif kind == "relation":
            _check_relation(el)
        else:
            raise BadAnswer(f"{where} has an unknown type {kind!r}")
    missing = refs - nodes
    if missing:
        raise BadAnswer(
            f"{len(missing):,} node(s) used by ways are missing from the answer "
            f"(e.g. {min(missing)}): the answer is incomplete"
        )
    return answer


def _read_cached(cache: Path) -> dict[str, Any] | None:
    """A cached answer if it is still a valid, non-empty one; a bad file is removed."""
    try:
        data = validate_answer(json.loads(cache.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, ValueError):
        cache.unlink(missing_ok=True)
        return None
    if not data["elements"]:
        cache.unlink(missing_ok=True)
        return None
    return data


def overpass_request(
    query: str,
    *,
    refresh: bool = False,
) -> dict[str, Any]:
    """Send one query (or read its cached answer) and return the parsed, checked JSON.

    Each attempt has a wall-clock deadline of ``settings.requests_timeout`` seconds for
    the whole answer. Retries HTTP 429/5xx, time-outs, broken connections, invalid JSON,
    Overpass "runtime error" remarks and malformed answers (:func:`validate_answer`),
    pausing ``overpass_backoff_s`` and doubling the pause each time, up to
    ``overpass_max_attempts`` attempts. Only a valid answer with elements is cached;
    ``refresh`` skips the cached one and asks again.

    Raises
    ------
    OverpassError
        The host name cannot be resolved, the server refused the query (HTTP 4xx
        other than 429), or every attempt failed.
    """
    url = settings.overpass_url.rstrip("/") + "/interpreter"
    cache = _cache_path(url, query)
    if settings.use_cache and not refresh and cache.is_file():
        cached = _read_cached(cache)
        if cached is not None:
            return cached

    attempts = max(1, int(settings.overpass_max_attempts))
    deadline = float(settings.requests_timeout)
    pause = settings.overpass_backoff_s
    last_error = "no attempt made"
    for attempt in range(1, attempts + 1):
        try:
            resp = post_with_deadline(
                url, {"data": query}, deadline, {"User-Agent": settings.user_agent}
            )
        except DeadlineExceeded:
            last_error = f"no complete answer within {deadline:g} s"
        except NameNotResolved as exc:
            raise OverpassError(
                f"cannot resolve the host name of the Overpass API at {url} ({exc}); check "
                "the address (--overpass-url) and the internet connection, or use a "
                "downloaded extract with --source pbf --osm-file FILE"
            ) from exc
        except requests.RequestException as exc:
            last_error = f"cannot connect ({type(exc).__name__})"
        else:
            if resp.status == 200:
                try:
                    data = validate_answer(json.loads(resp.body.decode("utf-8")))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    last_error = "the answer is not valid JSON (cut off?)"
                except BadAnswer as exc:
                    last_error = f"malformed answer: {exc}"
                else:
                    if settings.use_cache and data["elements"]:
                        write_text_atomic(cache, json.dumps(data, separators=(",", ":")))
                    elif settings.use_cache:
                        cache.unlink(missing_ok=True)
                    return data
            elif resp.status in _RETRY_STATUS:
                last_error = f"HTTP {resp.status} {resp.reason}"
            else:
                text = resp.body.decode("utf-8", "replace").strip()
                first = text.splitlines()[0][:200] if text else ""
                raise OverpassError(
                    f"Overpass API at {url} refused the query: HTTP {resp.status} {first}"
                )
        if attempt < attempts:
            log.info(
                "Overpass attempt %d failed (%s); retrying in %g s", attempt, last_error, pause
            )
            time.sleep(pause)
            pause = min(pause * 2, settings.overpass_backoff_max_s)
    raise OverpassError(
        f"Overpass API at {url} failed {attempts} times; last: "
        f"{last_error}. Try again later, set another server with --overpass-url, allow "
        "more time with --overpass-timeout, or use a downloaded extract with "
        "--source pbf --osm-file FILE"
    )


def tile_queries(area: BaseGeometry, lowest_class: str = "tertiary") -> list[str]:
    """The queries :func:`download_roads` sends for ``area``, one per tile."""
    classes = highway_classes(lowest_class)
    tiles = split_area(area, settings.overpass_max_query_area_km2)
    return [
        build_query(shapely.simplify(tile, 0.001), classes, settings.requests_timeout)
        for tile in tiles
    ]


def cached_answers(area: BaseGeometry, lowest_class: str = "tertiary") -> list[dict[str, Any]]:
    """The cached answers of :func:`download_roads` for ``area`` (no download; missing
    tiles are left out)."""
    url = settings.overpass_url.rstrip("/") + "/interpreter"
    out = []
    for query in tile_queries(area, lowest_class):
        cache = _cache_path(url, query)
        answer = _read_cached(cache) if cache.is_file() else None
        if answer is not None:
            out.append(answer)
    return out


def download_roads(
    area: BaseGeometry,
    lowest_class: str = "tertiary",
    *,
    refresh: bool = False,
) -> OSMRoads:
    """Download the drivable roads of a study area from the Overpass API.

    The area is split into tiles of at most ``settings.overpass_max_query_area_km2``;
    each tile is one query, cached by :func:`overpass_request` (``refresh`` asks again).

    Raises
    ------
    EmptyNetworkError
        The server has no road of the classes anywhere in the area (nothing is cached).
    OverpassError
        A tile could not be downloaded.
    """
    queries = tile_queries(area, lowest_class)
    responses = []
    for i, query in enumerate(queries, start=1):
        log.info("Overpass tile %d/%d", i, len(queries))
        responses.append(overpass_request(query, refresh=refresh))
    if not any(el.get("type") == "way" for r in responses for el in r["elements"]):
        raise EmptyNetworkError(
            f"the Overpass API at {settings.overpass_url} has no road of class {lowest_class} "
            f"or above in the study area (bounds "
            f"{tuple(round(b, 3) for b in shapely.bounds(area))}); check the study's places "
            "and bbox, or the server's data"
        )
    roads = roads_from_overpass(responses, lowest_class, source=f"overpass:{settings.overpass_url}")
    roads.meta["overpass_tiles"] = len(queries)
    return roads
