"""Scenario files: road upgrades, new roads and closures, read from TOML.

A scenario is a list of edits to the study's road network, in the spirit of r5r's
``new_carspeeds`` (new speeds by OSM way id or polygon) and Conveyal's ``AddStreets`` /
``ModifyStreets`` (a drawn road joined at its ends; new speeds inside polygons)::

    title = "Chelyabinsk - Miass at 110 km/h"
    title_ru = "Челябинск — Миасс: 110 км/ч"   # optional: Russian maps use it

    [[upgrade]]
    name = "M-5 Chelyabinsk - Miass"
    name_ru = "М-5 Челябинск — Миасс"    # optional, as title_ru
    between = ["Chelyabinsk", "Miass"]   # the current fastest route, both directions
    maxspeed = 110                       # a new limit; the speed model gives the speed

    [[new_road]]
    name = "Chelyabinsk - Kamensk-Uralsky direct"
    coordinates = [[61.45, 55.25], [61.93, 56.38]]   # or file = "road.geojson"
    maxspeed = 90
    class = "primary"
    join = "ends"      # or "crossings": also a level junction where it crosses a road

    [[close]]
    name = "A bridge under repair"
    way_ids = [123456]

Roads are selected (``upgrade``, ``close``) by exactly one of ``way_ids``, ``ref``,
``polygon`` / ``polygon_file`` (roads inside or crossing it), ``line`` / ``line_file`` (roads
that follow it within ``tolerance_m``) or ``between`` (the current fastest route between
two study places, both directions); ``classes`` keeps only roads of those OSM classes.
An upgrade sets one of ``maxspeed`` (a limit, turned into a speed by the study's speed
model as if OSM said so), ``speed_kph`` (the drive speed itself), ``factor`` (times the
current speed) or ``class`` (the road class, whose default speed then applies).

``title``, ``description`` and each edit's ``name`` may have a Russian twin
(``title_ru``, ``description_ru``, ``name_ru``): the maps drawn in Russian use it, and
the English text where it is missing.

A new road is joined to the network's nearest node at each end (``join = "ends"``, the
default: right for a bridge, a tunnel or an interchange, which pass over or under the
roads they cross); ``join = "crossings"`` also makes a level junction wherever it crosses
a road, optionally only roads of ``cross_classes`` (and their ``_link`` roads).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely

from ..errors import ScenarioError
from ..study.options import ROAD_CLASSES as _STUDY_ROAD_CLASSES

__all__ = [
    "FACTOR_RANGE",
    "JOINS",
    "ROAD_CLASSES",
    "SPEED_RANGE_KPH",
    "Close",
    "Edit",
    "NewRoad",
    "Scenario",
    "Selection",
    "Upgrade",
    "load_scenario",
    "scenario_from_dict",
]

#: Plausible limits and speeds (km/h), and the speed factors an upgrade may set (an
#: upgrade never slows a road).
SPEED_RANGE_KPH = (5.0, 150.0)
FACTOR_RANGE = (1.0, 3.0)
#: Road classes an edit may name: the study's, from motorway down to residential.
ROAD_CLASSES = _STUDY_ROAD_CLASSES[: _STUDY_ROAD_CLASSES.index("residential") + 1]
#: How a new road meets the network: at its ends only, or also where it crosses a road.
JOINS = ("ends", "crossings")
_SELECTORS = ("way_ids", "ref", "polygon", "polygon_file", "line", "line_file", "between")


@dataclass(frozen=True)
class Selection:
    """Which roads an edit applies to (exactly one selector, an optional class filter)."""

    way_ids: tuple[int, ...] = ()
    ref: str | None = None
    polygon: shapely.Polygon | None = None
    line: shapely.LineString | None = None
    tolerance_m: float = 50.0
    between: tuple[str, str] | None = None
    classes: tuple[str, ...] = ()
    edges: tuple[int, ...] = ()
    """Network edge indices (set in code, e.g. a ranking's candidate section; no file key)."""

    def describe(self) -> str:
        """A short phrase for messages: what the selection asks for."""
        if self.edges:
            return f"{len(self.edges)} network edges"
        if self.way_ids:
            return f"OSM ways {list(self.way_ids)[:5]}"
        if self.ref is not None:
            return f"ref {self.ref!r}"
        if self.polygon is not None:
            return "the roads inside the polygon"
        if self.line is not None:
            return f"the roads within {self.tolerance_m:g} m of the line"
        if self.between is not None:
            return f"the fastest route between {self.between[0]} and {self.between[1]}"
        return "no road"


@dataclass(frozen=True)
class Upgrade:
    """New speed, speed factor or class on selected roads."""

    name: str
    selection: Selection
    maxspeed_kph: float | None = None
    speed_kph: float | None = None
    factor: float | None = None
    road_class: str | None = None
    name_ru: str | None = None
    """The name on Russian maps (``name_ru`` in the file); ``None``: the name."""
    kind: str = field(default="upgrade", init=False)


@dataclass(frozen=True)
class Close:
    """Selected roads closed (no car may use them)."""

    name: str
    selection: Selection
    name_ru: str | None = None
    """The name on Russian maps (``name_ru`` in the file); ``None``: the name."""
    kind: str = field(default="close", init=False)


@dataclass(frozen=True)
class NewRoad:
    """A new road along a line, joined to the network's nearest node at each end.

    With ``join = "crossings"`` it also meets every road it crosses (of ``cross_classes``
    only, if given) at a level junction; ``"ends"`` (the default) suits a bridge or an
    interchange over the roads it crosses.
    """

    name: str
    line: shapely.LineString
    road_class: str = "primary"
    maxspeed_kph: float | None = None
    speed_kph: float | None = None
    oneway: bool = False
    join_limit_km: float = 3.0
    name_ru: str | None = None
    """The name on Russian maps (``name_ru`` in the file); ``None``: the name."""
    join: str = "ends"
    cross_classes: tuple[str, ...] = ()
    kind: str = field(default="new_road", init=False)


Edit = Upgrade | Close | NewRoad


@dataclass(frozen=True)
class Scenario:
    """A named list of edits (:func:`load_scenario` reads one from a TOML file)."""

    name: str
    title: str
    edits: tuple[Edit, ...]
    sha256: str = ""
    """Of the file read ("" if built in code)."""
    description: str = ""
    """What the scenario is and why ("" if none)."""
    title_ru: str | None = None
    """The title on Russian maps; ``None``: :attr:`title`."""
    description_ru: str | None = None
    """The description on Russian maps; ``None``: :attr:`description`."""

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read a scenario file (see the module doc); same as :func:`load_scenario`."""
        return load_scenario(path)

    def titled(self, lang: str) -> tuple[str, str]:
        """(title, description) in ``lang`` (``"ru"``: the Russian ones where given)."""
        if lang == "ru":
            return self.title_ru or self.title, self.description_ru or self.description
        return self.title, self.description

    def edit_names(self, lang: str) -> dict[str, str]:
        """Each edit's name in ``lang``, by its name (``"ru"``: ``name_ru`` where given)."""
        return {e.name: (e.name_ru or e.name) if lang == "ru" else e.name for e in self.edits}

    def kinds(self) -> list[str]:
        """The kinds of edit in the scenario, in order, once each."""
        return list(dict.fromkeys(e.kind for e in self.edits))


def load_scenario(path: str | Path, standard: dict[str, float | str] | None = None) -> Scenario:
    """Read and check a scenario TOML file.

    Relative ``polygon_file``, ``line_file`` and ``file`` paths are read beside it.
    ``standard`` (e.g. ``{"maxspeed": 110}``): what an ``[[upgrade]]`` that sets no speed,
    factor or class gets (a list of candidates to rank); without it such an upgrade is
    an error.

    Raises
    ------
    ScenarioError
        The file is missing or not TOML, has no edit, an unknown key, no or several
        selectors, an implausible speed or factor, an unknown class, or a bad geometry.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"no scenario file at {str(path)!r}")
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: not a readable TOML file: {exc}") from None
    return scenario_from_dict(
        data,
        name=path.stem,
        folder=path.parent,
        sha256=hashlib.sha256(raw).hexdigest(),
        standard=standard,
    )


def scenario_from_dict(
    data: dict[str, Any],
    *,
    name: str,
    folder: Path | None = None,
    sha256: str = "",
    standard: dict[str, float | str] | None = None,
) -> Scenario:
    """A scenario from the parsed TOML (``folder``: where relative files are;
    ``standard``: see :func:`load_scenario`)."""
    texts = ("title", "title_ru", "description", "description_ru")
    known = {*texts, "source", "upgrade", "new_road", "close"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ScenarioError(
            f"scenario {name!r}: unknown key(s) {unknown}; use [[upgrade]], [[new_road]], "
            "[[close]] and title/title_ru/description/description_ru/source"
        )
    text = {k: _text(data, k, f"scenario {name!r}") for k in texts}
    edits: list[Edit] = []
    for i, table in enumerate(_tables(data, "upgrade", name)):
        edits.append(_upgrade(table, _label(table, "upgrade", i), folder, standard))
    for i, table in enumerate(_tables(data, "new_road", name)):
        edits.append(_new_road(table, _label(table, "new_road", i), folder))
    for i, table in enumerate(_tables(data, "close", name)):
        label = _label(table, "close", i)
        _check_keys(table, {"name", "name_ru", "classes", "tolerance_m", *_SELECTORS}, label)
        edits.append(
            Close(
                label, _selection(table, label, folder), _text(table, "name_ru", f"edit {label!r}")
            )
        )
    if not edits:
        raise ScenarioError(f"scenario {name!r} has no edit ([[upgrade]], [[new_road]], [[close]])")
    names = [e.name for e in edits]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ScenarioError(f"scenario {name!r}: edit names repeat: {repeated}")
    return Scenario(
        name,
        text["title"] or name,
        tuple(edits),
        sha256,
        description=(text["description"] or "").strip(),
        title_ru=text["title_ru"],
        description_ru=text["description_ru"].strip() if text["description_ru"] else None,
    )


def _text(table: dict[str, Any], key: str, where: str) -> str | None:
    """An optional text key: a non-blank string, or ``None`` when absent."""
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(f"{where}: {key} must be a non-empty text, got {value!r}")
    return value


def _tables(data: dict[str, Any], key: str, name: str) -> list[dict[str, Any]]:
    tables = data.get(key, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ScenarioError(f"scenario {name!r}: {key} must be [[{key}]] tables")
    return tables


def _label(table: dict[str, Any], kind: str, i: int) -> str:
    return str(table.get("name", f"{kind} {i + 1}"))


def _check_keys(table: dict[str, Any], allowed: set[str], label: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ScenarioError(f"edit {label!r}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")


def _speed(table: dict[str, Any], key: str, label: str) -> float | None:
    if key not in table:
        return None
    value = table[key]
    low, high = SPEED_RANGE_KPH if key != "factor" else FACTOR_RANGE
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ScenarioError(
            f"edit {label!r}: {key} = {value!r} is implausible (allowed {low:g} to {high:g})"
        )
    return float(value)


def _road_class(value: Any, label: str) -> str:
    if value not in ROAD_CLASSES:
        raise ScenarioError(f"edit {label!r}: class {value!r} is not one of {list(ROAD_CLASSES)}")
    return str(value)


def _upgrade(
    table: dict[str, Any],
    label: str,
    folder: Path | None,
    standard: dict[str, float | str] | None = None,
) -> Upgrade:
    setters = ("maxspeed", "speed_kph", "factor", "class")
    _check_keys(table, {"name", "name_ru", "classes", "tolerance_m", *_SELECTORS, *setters}, label)
    if standard and not any(k in table for k in setters):
        table = {**table, **standard}
    given = [k for k in setters if k in table]
    if len(given) != 1:
        raise ScenarioError(
            f"edit {label!r}: an upgrade sets exactly one of {list(setters)}, got {given or 'none'}"
        )
    return Upgrade(
        label,
        _selection(table, label, folder),
        maxspeed_kph=_speed(table, "maxspeed", label),
        speed_kph=_speed(table, "speed_kph", label),
        factor=_speed(table, "factor", label),
        road_class=_road_class(table["class"], label) if "class" in table else None,
        name_ru=_text(table, "name_ru", f"edit {label!r}"),
    )


def _new_road(table: dict[str, Any], label: str, folder: Path | None) -> NewRoad:
    allowed = {"name", "name_ru", "coordinates", "file", "maxspeed", "speed_kph", "class", "oneway"}
    _check_keys(table, allowed | {"join_limit_km", "join", "cross_classes"}, label)
    if ("coordinates" in table) == ("file" in table):
        raise ScenarioError(f"edit {label!r}: a new road needs coordinates or file (one)")
    if "coordinates" in table:
        line = _line(table["coordinates"], label)
    else:
        line = _read_geometry(table["file"], folder, label, "LineString")
    if "maxspeed" in table and "speed_kph" in table:
        raise ScenarioError(f"edit {label!r}: give maxspeed or speed_kph, not both")
    limit = table.get("join_limit_km", 3.0)
    if not isinstance(limit, int | float) or not 0 < limit <= 50:
        raise ScenarioError(f"edit {label!r}: join_limit_km = {limit!r} is not in (0, 50]")
    road_class = _road_class(table.get("class", "primary"), label)
    join, cross_classes = _join(table, label)
    return NewRoad(
        label,
        line,
        road_class=road_class,
        maxspeed_kph=_speed(table, "maxspeed", label),
        speed_kph=_speed(table, "speed_kph", label),
        oneway=bool(table.get("oneway", False)),
        join_limit_km=float(limit),
        name_ru=_text(table, "name_ru", f"edit {label!r}"),
        join=join,
        cross_classes=cross_classes,
    )


def _join(table: dict[str, Any], label: str) -> tuple[str, tuple[str, ...]]:
    """A new road's ``join`` and ``cross_classes``, checked."""
    join = table.get("join", "ends")
    if join not in JOINS:
        raise ScenarioError(
            f"edit {label!r}: join = {join!r} is not one of {list(JOINS)} "
            '("ends": at its ends only; "crossings": also where it crosses a road)'
        )
    if "cross_classes" not in table:
        return str(join), ()
    value = table["cross_classes"]
    if join != "crossings":
        raise ScenarioError(
            f'edit {label!r}: cross_classes = {value!r} needs join = "crossings" '
            "(a road joined at its ends only meets no road it crosses)"
        )
    if not isinstance(value, list) or not value or any(c not in ROAD_CLASSES for c in value):
        raise ScenarioError(
            f"edit {label!r}: cross_classes = {value!r} is not a list of road classes "
            f"of {list(ROAD_CLASSES)}"
        )
    return str(join), tuple(dict.fromkeys(str(c) for c in value))


def _selection(table: dict[str, Any], label: str, folder: Path | None) -> Selection:
    given = [k for k in _SELECTORS if k in table]
    if len(given) != 1:
        raise ScenarioError(
            f"edit {label!r}: select roads with exactly one of {list(_SELECTORS)}, "
            f"got {given or 'none'}"
        )
    key, value = given[0], table[given[0]]
    classes = tuple(_road_class(c, label) for c in table.get("classes", []))
    tolerance = table.get("tolerance_m", 50.0)
    if not isinstance(tolerance, int | float) or not 0 < tolerance <= 5000:
        raise ScenarioError(f"edit {label!r}: tolerance_m = {tolerance!r} is not in (0, 5000]")
    sel: dict[str, Any] = {"classes": classes, "tolerance_m": float(tolerance)}
    if key == "way_ids":
        if not isinstance(value, list) or not value or not all(isinstance(w, int) for w in value):
            raise ScenarioError(f"edit {label!r}: way_ids must be a list of OSM way ids")
        sel["way_ids"] = tuple(value)
    elif key == "ref":
        sel["ref"] = str(value)
    elif key == "between":
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, str) for v in value)
        ):
            raise ScenarioError(f"edit {label!r}: between must name two study places")
        sel["between"] = (value[0], value[1])
    elif key == "polygon":
        try:
            poly = shapely.Polygon(value)
        except (TypeError, ValueError, shapely.errors.GEOSException):
            raise ScenarioError(f"edit {label!r}: polygon must be [[lon, lat], ...]") from None
        if not poly.is_valid or poly.is_empty:
            raise ScenarioError(f"edit {label!r}: the polygon is not a valid area")
        sel["polygon"] = poly
    elif key == "polygon_file":
        sel["polygon"] = _read_geometry(value, folder, label, "Polygon")
    elif key == "line":
        sel["line"] = _line(value, label)
    else:
        sel["line"] = _read_geometry(value, folder, label, "LineString")
    return Selection(**sel)


def _line(coords: Any, label: str) -> shapely.LineString:
    try:
        line = shapely.LineString(coords)
    except (TypeError, ValueError, shapely.errors.GEOSException):
        raise ScenarioError(
            f"edit {label!r}: a line must be [[lon, lat], [lon, lat], ...]"
        ) from None
    lon, lat = shapely.get_coordinates(line).T
    if line.is_empty or line.length == 0 or abs(lon).max() > 180 or abs(lat).max() > 90:
        raise ScenarioError(f"edit {label!r}: the line needs two distinct lon/lat points")
    return line


def _read_geometry(name: Any, folder: Path | None, label: str, kind: str) -> Any:
    """The first geometry of a GeoJSON/GeoPackage file (in EPSG:4326)."""
    import geopandas as gpd

    path = Path(str(name))
    if not path.is_absolute() and folder is not None:
        path = folder / path
    if not path.is_file():
        raise ScenarioError(f"edit {label!r}: no file at {str(path)!r}")
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several kinds for unreadable files
        raise ScenarioError(f"edit {label!r}: cannot read {str(path)!r}: {exc}") from None
    if frame.empty:
        raise ScenarioError(f"edit {label!r}: {str(path)!r} holds no geometry")
    if frame.crs is not None:
        frame = frame.to_crs(4326)
    geom = frame.geometry.iloc[0]
    if geom.geom_type == f"Multi{kind}" and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    if geom.geom_type != kind:
        raise ScenarioError(f"edit {label!r}: {str(path)!r} holds a {geom.geom_type}, not a {kind}")
    return geom
