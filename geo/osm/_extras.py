"""Everything an ``.osm.pbf`` holds beside the roads, in two passes of libosmium.

The roads themselves are read by :mod:`geo._pbf_roads`. What else the pipeline takes
from the file was one libosmium read each: the roads' tagged nodes and the turn
restrictions, the built-up areas, and for the maps the water, the borders, their
relations and the place nodes (eight passes over Brandenburg's 1.4 M nodes, 3.6 s).
Here it is two:

1. relations only: ``type=restriction`` rows and the member ways of administrative
   boundaries (:data:`geo._osm_rules.MAX_ADMIN_LEVEL` and below);
2. everything else at once, with a node-location index and libosmium's area assembly
   (water and built-up polygons): nodes with a :data:`~geo._osm_rules.NODE_KEYS` or
   ``place`` tag, border, coastline and river ways, and the areas.

libosmium's filters drop the rest before Python sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ._rules import (
    BUILT_UP,
    MAX_ADMIN_LEVEL,
    NODE_KEYS,
    PLACE_KINDS,
    RIVER_TAG,
    WATER_TAGS,
    NodeRuleTags,
    restriction_array,
    restriction_rows,
    tagged_node_rows,
)

_CYRILLIC = re.compile("[\u0400-\u04ff]")


@dataclass
class MapExtras:
    """Map context found in a file: water, borders and coastlines, named places.

    Attributes
    ----------
    water, water_class
        Water polygons (closed ways and multipolygons, any size; libosmium's hex WKB)
        and each one's tag.
    lines, line_kind, line_class
        Borders (kind ``border``, class ``admin_level=N``), coastlines and rivers (kind
        ``water``, class ``coastline`` or ``waterway=river``) as lines.
    places
        ``(kind, name, Russian name, lon, lat)`` of settlements' place nodes that have a
        Russian name (:func:`place_row`).
    """

    water: list[str] = field(default_factory=list)
    water_class: list[str] = field(default_factory=list)
    lines: list[Any] = field(default_factory=list)
    line_kind: list[str] = field(default_factory=list)
    line_class: list[str] = field(default_factory=list)
    places: list[tuple[str, str, str, float, float]] = field(default_factory=list)


@dataclass
class OSMExtras:
    """What :func:`read_osm_extras` found (``None`` for what was not asked)."""

    node_rule_tags: NodeRuleTags | None
    restrictions: npt.NDArray[np.int64] | None
    built_up: npt.NDArray[np.object_] | None
    context: MapExtras | None


def admin_level_drawn(value: str | None) -> bool:
    """Whether an ``admin_level`` value is a border the maps draw."""
    try:
        return value is not None and int(value) <= MAX_ADMIN_LEVEL
    except ValueError:
        return False


def water_class(tags: Any) -> str:
    """``key=value`` of the first water tag in ``tags`` (empty if none)."""
    return next((f"{k}={v}" for k, v in WATER_TAGS if tags.get(k) == v), "")


def is_drawn_border(tags: Any) -> bool:
    """Whether a way's own tags make it a border the maps draw."""
    return tags.get("boundary") == "administrative" and admin_level_drawn(tags.get("admin_level"))


def place_row(tags: Any, lon: float, lat: float) -> tuple[str, str, str, float, float] | None:
    """``(kind, name, Russian name, lon, lat)`` of a settlement's place node, or ``None``
    when it is no settlement of :data:`PLACE_KINDS` or has no Russian name."""
    kind = str(tags.get("place", ""))
    name = str(tags.get("name", ""))
    russian = str(tags.get("name:ru", "")) or (name if _CYRILLIC.search(name) else "")
    if kind not in PLACE_KINDS or not russian:
        return None
    return kind, name, russian, lon, lat


def read_osm_extras(
    path: Path, node_ids: npt.NDArray[np.int64] | None, *, built_up: bool, context: bool
) -> OSMExtras:
    """The roads' obstacle codes and turn restrictions, the built-up areas and the map
    context of an OSM file, read in two passes (see the module notes).

    Parameters
    ----------
    path
        An OSM file libosmium reads.
    node_ids
        Sorted ids of the roads' nodes: their obstacle codes and the turn restrictions
        are read. ``None``: neither.
    built_up, context
        Also read the built-up areas, and the map context.
    """
    import osmium

    rules = node_ids is not None
    restrictions: list[tuple[int, int, int, int, int]] = []
    border_ways: set[int] = set()
    if rules or context:
        restrictions, border_ways = _read_relations(osmium, path, rules, context)
    area_tags = [*(WATER_TAGS if context else ()), *(BUILT_UP if built_up else ())]
    node_keys = [*(NODE_KEYS if rules else ()), *(("place",) if context else ())]
    found = _Found(node_ids, MapExtras() if context else None)
    wkb = osmium.geom.WKBFactory()
    for obj in _main_pass(osmium, path, node_keys, area_tags, context, bool(border_ways)):
        if isinstance(obj, osmium.osm.Node):
            found.node(obj)
        elif isinstance(obj, osmium.osm.Area):
            _add_area(obj, wkb, found.context, found.built if built_up else None)
        elif found.context is not None and isinstance(obj, osmium.osm.Way):
            _add_line(osmium, obj, border_ways, found.context)
    return OSMExtras(
        node_rule_tags=tagged_node_rows(node_ids, found.ids, found.rows)
        if node_ids is not None
        else None,
        restrictions=restriction_array(restrictions) if rules else None,
        built_up=_polygons(found.built) if built_up else None,
        context=found.context,
    )


class _Found:
    """What the main pass keeps: the roads' tagged nodes, place rows, built-up shapes."""

    def __init__(
        self,
        node_ids: npt.NDArray[np.int64] | None,
        context: MapExtras | None,
    ) -> None:
        # Looked up in the sorted array, not a set of Python ints: for Brandenburg's 889 k
        # road nodes a set took 70 MB, beside the pass's node-location index.
        self.road_nodes = node_ids if node_ids is not None else np.zeros(0, dtype=np.int64)
        self.ids: list[int] = []
        self.rows: list[tuple[str | None, ...]] = []
        self.context = context
        self.built: list[str] = []

    def node(self, node: Any) -> None:
        tags = node.tags
        if _is_in(self.road_nodes, node.id):
            self.ids.append(node.id)
            self.rows.append(tuple(tags.get(k) for k in NODE_KEYS))
        if self.context is not None and "place" in tags and node.location.valid():
            row = place_row(tags, node.location.lon, node.location.lat)
            if row is not None:
                self.context.places.append(row)


def _is_in(sorted_ids: npt.NDArray[np.int64], value: int) -> bool:
    i = int(np.searchsorted(sorted_ids, value))
    return i < len(sorted_ids) and int(sorted_ids[i]) == value


def _main_pass(
    osmium: Any,
    path: Path,
    node_keys: list[str],
    area_tags: list[tuple[str, str]],
    lines: bool,
    border_relations: bool,
) -> Any:
    """The second pass: node locations, areas, and libosmium's filters for what Python
    sees (nodes with ``node_keys``, ``area_tags`` areas, border and coastline ways)."""
    processor = osmium.FileProcessor(str(path)).with_locations("sparse_mem_array")
    if area_tags:
        processor = processor.with_areas(osmium.filter.TagFilter(*area_tags))
    kinds = osmium.osm.NOTHING
    for wanted, kind in ((node_keys, osmium.osm.NODE), (lines, osmium.osm.WAY),
                         (area_tags, osmium.osm.AREA)):  # fmt: skip
        if wanted:
            kinds |= kind
    processor = processor.with_filter(osmium.filter.EntityFilter(kinds))
    if node_keys:
        processor = processor.with_filter(_enabled(osmium.filter.KeyFilter(*node_keys), "NODE"))
    if lines and not border_relations:
        # Without boundary relations only tagged ways can be lines: libosmium picks them.
        tagged = osmium.filter.TagFilter(
            ("boundary", "administrative"), ("natural", "coastline"), RIVER_TAG
        )
        processor = processor.with_filter(_enabled(tagged, "WAY"))
    if area_tags:
        processor = processor.with_filter(_enabled(osmium.filter.TagFilter(*area_tags), "AREA"))
    return processor


def _enabled(osm_filter: Any, kind: str) -> Any:
    """``osm_filter`` applied to objects of one kind only (others pass it)."""
    import osmium

    osm_filter.enable_for(getattr(osmium.osm, kind))
    return osm_filter


def _read_relations(
    osmium: Any, path: Path, rules: bool, context: bool
) -> tuple[list[tuple[int, int, int, int, int]], set[int]]:
    """Restriction rows and the member ways of the drawn administrative boundaries."""
    wanted = [*((("type", "restriction"),) if rules else ()),
              *((("boundary", "administrative"),) if context else ())]  # fmt: skip
    restrictions: list[tuple[int, int, int, int, int]] = []
    border_ways: set[int] = set()
    relations = osmium.FileProcessor(str(path), osmium.osm.RELATION)
    for rel in relations.with_filter(osmium.filter.TagFilter(*wanted)):
        if not isinstance(rel, osmium.osm.Relation):
            continue
        tags = rel.tags
        if rules and tags.get("type") == "restriction":
            members = [(m.type, m.ref, m.role) for m in rel.members]
            restrictions.extend(restriction_rows(rel.id, dict(tags), members))
        if context and is_drawn_border(tags):
            border_ways.update(m.ref for m in rel.members if m.type == "w")
    return restrictions, border_ways


def _add_area(area: Any, wkb: Any, extras: MapExtras | None, built: list[str] | None) -> None:
    """Keep an assembled area as water and/or built-up (a broken ring gives none)."""
    tags = area.tags
    water = water_class(tags)
    is_built = built is not None and any(tags.get(k) == v for k, v in BUILT_UP)
    if not ((water and extras is not None) or is_built):
        return
    try:
        shape = wkb.create_multipolygon(area)
    except RuntimeError:  # a broken ring: not an area
        return
    if water and extras is not None:
        extras.water.append(shape)
        extras.water_class.append(water)
    if is_built and built is not None:
        built.append(shape)


def _add_line(osmium: Any, way: Any, border_ways: set[int], extras: MapExtras) -> None:
    """Keep a way as a border, coastline or river line, if it is one."""
    import shapely

    tags = way.tags
    coast = tags.get("natural") == "coastline"
    river = tags.get(RIVER_TAG[0]) == RIVER_TAG[1]
    border = way.id in border_ways or is_drawn_border(tags)
    if not (coast or river or border):
        return
    try:
        coords = [(n.lon, n.lat) for n in way.nodes]
    except osmium.InvalidLocationError:
        return
    if len(coords) < 2:
        return
    line = shapely.LineString(coords)
    if coast:
        extras.lines.append(line)
        extras.line_kind.append("water")
        extras.line_class.append("coastline")
    if river:
        extras.lines.append(line)
        extras.line_kind.append("water")
        extras.line_class.append("=".join(RIVER_TAG))
    if border:
        extras.lines.append(line)
        extras.line_kind.append("border")
        extras.line_class.append(f"admin_level={tags.get('admin_level', '')}")


def _polygons(wkb: list[str]) -> npt.NDArray[np.object_]:
    """Shapes from libosmium's (hex) WKB; ``None`` where shapely finds one invalid."""
    import shapely

    shapes = np.asarray(shapely.from_wkb(wkb, on_invalid="ignore"), dtype=object)
    return shapes.reshape(-1)


# --------------------------------------------------------------------------------------
# The map context of a file, cached by the file's content
# --------------------------------------------------------------------------------------

_TEXT_FIELDS = ("water_class", "line_kind", "line_class")
_PLACE_FIELDS = ("place_kind", "place_name", "place_name_ru")


def map_extras_path(sha256: str) -> Path:
    """Where the map context of the file with this content is cached."""
    from .. import settings

    return Path(settings.cache_folder) / "context" / f"{sha256[:32]}.npz"


def _packed(blobs: list[bytes]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Variable-length byte strings as one byte array and the end offset of each.

    A numpy ``str`` array is as wide as its longest element for every row: the Urals'
    1,800 lakes, one of them (the Nizhnekamsk reservoir) 0.3 MB of WKB, took 1.2 GB so.
    """
    ends = np.cumsum([len(b) for b in blobs], dtype=np.int64)
    return np.frombuffer(b"".join(blobs), dtype=np.uint8), ends


def _unpacked(data: npt.NDArray[np.uint8], ends: npt.NDArray[np.int64]) -> list[bytes]:
    raw = data.tobytes()
    starts = np.r_[0, ends[:-1]].astype(np.int64)
    return [raw[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


def save_map_extras(extras: MapExtras, sha256: str) -> Path:
    """Cache ``extras`` under the file's content hash (atomically; plain arrays only)."""
    import shapely

    from ..base.atomic import atomic_file

    arrays: dict[str, Any] = {k: np.asarray(getattr(extras, k), dtype=str) for k in _TEXT_FIELDS}
    water = [bytes.fromhex(w) if isinstance(w, str) else bytes(w) for w in extras.water]
    lines = [bytes(b) for b in shapely.to_wkb(extras.lines)] if extras.lines else []
    arrays["water"], arrays["water_ends"] = _packed(water)
    arrays["lines"], arrays["lines_ends"] = _packed(lines)
    for i, name in enumerate(_PLACE_FIELDS):
        arrays[name] = np.asarray([p[i] for p in extras.places], dtype=str)
    arrays["place_xy"] = np.asarray([p[3:] for p in extras.places], dtype=np.float64).reshape(-1, 2)
    path = map_extras_path(sha256)
    with atomic_file(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **arrays)
    return path


def cached_map_extras(sha256: str) -> MapExtras | None:
    """The map context cached for the file with this content, or None (not cached, or
    damaged: it is read from the file again, never trusted)."""
    import shapely

    path = map_extras_path(sha256)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            text = {k: z[k].tolist() for k in _TEXT_FIELDS}
            water = [b.hex() for b in _unpacked(z["water"], z["water_ends"])]
            wkb = _unpacked(z["lines"], z["lines_ends"])
            lines = list(shapely.from_wkb(wkb)) if wkb else []
            places = [
                (str(k), str(n), str(r), float(x), float(y))
                for k, n, r, (x, y) in zip(
                    *(z[name].tolist() for name in _PLACE_FIELDS), z["place_xy"], strict=True
                )
            ]
    except Exception:
        return None
    if len(water) != len(text["water_class"]) or len(lines) != len(text["line_kind"]):
        return None
    return MapExtras(water=water, lines=lines, places=places, **text)
