"""Reading one TOML table of a scenario file into an edit, with the checks that name the
edit and the bad value (:func:`.scenario.scenario_from_dict` calls these)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from ..errors import ScenarioError
from .edits import (
    FACTOR_RANGE,
    JOINS,
    ROAD_CLASSES,
    SPEED_RANGE_KPH,
    NewRoad,
    Selection,
    Upgrade,
)

#: The keys that select roads (exactly one per upgrade or closure).
SELECTORS = ("way_ids", "ref", "polygon", "polygon_file", "line", "line_file", "between")


def text_value(table: dict[str, Any], key: str, where: str) -> str | None:
    """An optional text key: a non-blank string, or ``None`` when absent."""
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(f"{where}: {key} must be a non-empty text, got {value!r}")
    return value


def edit_tables(data: dict[str, Any], key: str, name: str) -> list[dict[str, Any]]:
    tables = data.get(key, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ScenarioError(f"scenario {name!r}: {key} must be [[{key}]] tables")
    return tables


def edit_label(table: dict[str, Any], kind: str, i: int) -> str:
    return text_value(table, "name", f"{kind} {i + 1}") or f"{kind} {i + 1}"


def check_keys(table: dict[str, Any], allowed: set[str], label: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ScenarioError(f"edit {label!r}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")


def _speed(table: dict[str, Any], key: str, label: str) -> float | None:
    if key not in table:
        return None
    value = table[key]
    low, high = SPEED_RANGE_KPH if key != "factor" else FACTOR_RANGE
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"edit {label!r}: {key} = {value!r} is not a number")
    if not low <= value <= high:
        raise ScenarioError(
            f"edit {label!r}: {key} = {value!r} is implausible (allowed {low:g} to {high:g})"
        )
    return float(value)


def _road_class(value: Any, label: str) -> str:
    if value not in ROAD_CLASSES:
        raise ScenarioError(f"edit {label!r}: class {value!r} is not one of {list(ROAD_CLASSES)}")
    return str(value)


def upgrade_edit(
    table: dict[str, Any],
    label: str,
    folder: Path | None,
    standard: dict[str, float | str] | None = None,
) -> Upgrade:
    setters = ("maxspeed", "speed_kph", "factor", "class")
    check_keys(table, {"name", "name_ru", "classes", "tolerance_m", *SELECTORS, *setters}, label)
    if standard and not any(k in table for k in setters):
        table = {**table, **standard}
    given = [k for k in setters if k in table]
    if len(given) != 1:
        raise ScenarioError(
            f"edit {label!r}: an upgrade sets exactly one of {list(setters)}, got {given or 'none'}"
        )
    return Upgrade(
        label,
        road_selection(table, label, folder),
        maxspeed_kph=_speed(table, "maxspeed", label),
        speed_kph=_speed(table, "speed_kph", label),
        factor=_speed(table, "factor", label),
        road_class=_road_class(table["class"], label) if "class" in table else None,
        name_ru=text_value(table, "name_ru", f"edit {label!r}"),
    )


def new_road_edit(table: dict[str, Any], label: str, folder: Path | None) -> NewRoad:
    allowed = {"name", "name_ru", "coordinates", "file", "maxspeed", "speed_kph", "class", "oneway"}
    check_keys(table, allowed | {"join_limit_km", "join", "cross_classes"}, label)
    if ("coordinates" in table) == ("file" in table):
        raise ScenarioError(f"edit {label!r}: a new road needs coordinates or file (one)")
    if "coordinates" in table:
        line = _line(table["coordinates"], label)
    else:
        line = _read_geometry(table["file"], folder, label, "LineString")
    if "maxspeed" in table and "speed_kph" in table:
        raise ScenarioError(f"edit {label!r}: give maxspeed or speed_kph, not both")
    limit = table.get("join_limit_km", 3.0)
    if isinstance(limit, bool) or not isinstance(limit, int | float) or not 0 < limit <= 50:
        raise ScenarioError(f"edit {label!r}: join_limit_km = {limit!r} is not in (0, 50]")
    road_class = _road_class(table.get("class", "primary"), label)
    join, cross_classes = _join(table, label)
    return NewRoad(
        label,
        line,
        road_class=road_class,
        maxspeed_kph=_speed(table, "maxspeed", label),
        speed_kph=_speed(table, "speed_kph", label),
        oneway=_oneway(table.get("oneway", False), label),
        join_limit_km=float(limit),
        name_ru=text_value(table, "name_ru", f"edit {label!r}"),
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


def road_selection(table: dict[str, Any], label: str, folder: Path | None) -> Selection:
    given = [k for k in SELECTORS if k in table]
    if len(given) != 1:
        raise ScenarioError(
            f"edit {label!r}: select roads with exactly one of {list(SELECTORS)}, "
            f"got {given or 'none'}"
        )
    key, value = given[0], table[given[0]]
    listed = table.get("classes", [])
    if not isinstance(listed, list):
        raise ScenarioError(
            f"edit {label!r}: classes = {listed!r} is not a list of road classes "
            '(e.g. classes = ["trunk", "primary"])'
        )
    classes = tuple(_road_class(c, label) for c in listed)
    tolerance = table.get("tolerance_m", 50.0)
    number = not isinstance(tolerance, bool) and isinstance(tolerance, int | float)
    if not number or not 0 < tolerance <= 5000:  # true is not 1 m
        raise ScenarioError(f"edit {label!r}: tolerance_m = {tolerance!r} is not in (0, 5000]")
    sel: dict[str, Any] = {"classes": classes, "tolerance_m": float(tolerance)}
    if key == "way_ids":
        ids = isinstance(value, list) and all(type(w) is int and w > 0 for w in value)
        if not ids or not value:  # true is not way 1, nor -5 a way
            raise ScenarioError(
                f"edit {label!r}: way_ids must be a list of OSM way ids (positive whole "
                f"numbers), got {value!r}"
            )
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
        if value[0].strip().casefold() == value[1].strip().casefold():
            raise ScenarioError(
                f"edit {label!r}: between names {value[0]!r} twice: give two different places"
            )
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


def _oneway(value: Any, label: str) -> bool:
    """``oneway``: true or false (1 or 0, as a GeoPackage may store it); text such as
    ``"no"`` is refused, not read as true."""
    if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
        return bool(value)
    raise ScenarioError(f"edit {label!r}: oneway = {value!r} is not true or false")


def _line(coords: Any, label: str) -> shapely.LineString:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NaN: refused below
            line = shapely.LineString(coords)
    except (TypeError, ValueError, shapely.errors.GEOSException):
        raise ScenarioError(
            f"edit {label!r}: a line must be [[lon, lat], [lon, lat], ...]"
        ) from None
    lon, lat = shapely.get_coordinates(line).T
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise ScenarioError(f"edit {label!r}: a coordinate of the line is not finite (NaN, inf)")
    outside = (np.abs(lon) > 180) | (np.abs(lat) > 90)
    if outside.any():
        i = int(np.argmax(outside))
        raise ScenarioError(
            f"edit {label!r}: point {i + 1} of the line, longitude {lon[i]:g} or latitude "
            f"{lat[i]:g}, is off the globe (give [lon, lat] in degrees, WGS 84)"
        )
    if line.is_empty or line.length == 0:
        raise ScenarioError(f"edit {label!r}: the line needs two distinct lon/lat points")
    return line


def read_frame(path: Path, where: str) -> Any:
    """A GeoJSON/GeoPackage file as a GeoDataFrame in EPSG:4326 (as it is without a CRS).

    Raises
    ------
    ScenarioError
        No such file, or not one GeoPandas reads (``where`` starts the message).
    """
    import geopandas as gpd
    import pyogrio

    if not path.is_file():
        raise ScenarioError(f"{where}: no file at {str(path)!r}")
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
        if len(layers) > 1:  # not silently the first one
            raise ScenarioError(
                f"{where}: {str(path)!r} holds {len(layers)} layers ({', '.join(map(repr, layers))}); "
                "keep the lines or areas of the edit in one layer of a file of its own"
            )
        frame = gpd.read_file(path)
    except ScenarioError:
        raise
    except Exception as exc:  # pyogrio raises several kinds for unreadable files
        raise ScenarioError(f"{where}: cannot read {str(path)!r}: {exc}") from None
    return frame.to_crs(4326) if frame.crs is not None else frame


def single_part(geom: Any) -> Any:
    """``geom`` in one part if it can be: a multi-part geometry of one part, or lines whose
    parts join end to end in the drawn direction (as QGIS saves a line digitised in
    several parts), merged; otherwise ``geom`` as it is."""
    if geom is None or not geom.geom_type.startswith("Multi"):
        return geom
    if len(geom.geoms) == 1:
        return geom.geoms[0]
    if geom.geom_type == "MultiLineString":
        merged = shapely.line_merge(geom, directed=True)
        if merged.geom_type == "LineString":
            return merged
    return geom


def _read_geometry(name: Any, folder: Path | None, label: str, kind: str) -> Any:
    """The one geometry of a GeoJSON/GeoPackage file (in EPSG:4326)."""
    path = Path(str(name))
    if not path.is_absolute() and folder is not None:
        path = folder / path
    frame = read_frame(path, f"edit {label!r}")
    if frame.empty:
        raise ScenarioError(f"edit {label!r}: {str(path)!r} holds no geometry")
    if len(frame) > 1:  # not silently its first: one edit is one line or one area
        raise ScenarioError(
            f"edit {label!r}: {str(path)!r} holds {len(frame)} features; give one {kind} "
            "per edit (one edit per feature, or --candidates FILE to rank drawn lines)"
        )
    geom = frame.geometry.iloc[0]
    if geom is None or geom.is_empty:
        raise ScenarioError(f"edit {label!r}: {str(path)!r}: feature 1 has no geometry")
    geom = single_part(geom)
    if geom.geom_type != kind:
        raise ScenarioError(f"edit {label!r}: {str(path)!r} holds a {geom.geom_type}, not a {kind}")
    return geom
