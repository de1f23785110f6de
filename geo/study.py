"""Study definitions: which cities, which agglomerations, which area and settings.

A study is a TOML file in ``data/studies/`` (or anywhere, given by path). Its fields are
documented in ``data/studies/urals.toml``, the default study. Loading checks every field,
names a typo with its closest valid spelling, and resolves every town through GeoNames.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from ._resources import bundled_data
from .errors import ParameterError, StudyError
from .places import Place, find_place, settlements_within

#: Folder of the bundled study files.
STUDIES_DIR = bundled_data("studies")

#: Road classes from the most to the least important; a study keeps classes down to one.
ROAD_CLASSES = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "living_street",
)


@dataclass(frozen=True)
class Agglomeration:
    """A second-tier agglomeration: a central town and the towns around it."""

    name: str
    center: Place
    members: tuple[Place, ...]
    """Member towns named by the source (the paper's membership)."""
    population_k: float | None = None
    """Population in thousands, as the source gives it."""
    net_revenue_mln_rub: float | None = None
    """Net revenue of the agglomeration's firms, mln RUB, as the source gives it."""


#: Distance-decay functions of drive time t for the consumer-overflow potential.
DECAY_FUNCTIONS = ("exponential", "gaussian")


@dataclass(frozen=True)
class DecaySettings:
    """Distance-decay of the consumer-overflow potential.

    ``exponential``: ``f(t) = 2 ** (-t / half_life)``; ``gaussian``:
    ``f(t) = 2 ** (-(t / half_life) ** 2)``. Both are 1 at t = 0 and 1/2 at the half-life.
    """

    function: str = "exponential"
    half_life_min: float = 60.0


@dataclass(frozen=True)
class Study:
    """Everything one study needs, with places resolved to coordinates."""

    key: str
    title: str
    country: str
    regions: tuple[tuple[str, str], ...]
    """(name, GeoNames admin1 code) of the regions that bound the study."""
    first_tier: tuple[Place, ...]
    agglomerations: tuple[Agglomeration, ...]
    radius_km: float = 50.0
    min_population: int = 5000
    area_buffer_km: float = 60.0
    bbox: tuple[float, float, float, float] | None = None
    road_classes: str = "tertiary"
    speed_factor: float = 1.0
    speed_model: str = "ru"
    snap_limit_km: float = 5.0
    bands_min: tuple[float, ...] = tuple(range(30, 361, 30))
    coverage_min: tuple[float, ...] = (60.0, 90.0, 120.0, 180.0)
    decay: DecaySettings = field(default_factory=DecaySettings)
    isochrone_buffer_m: float = 1000.0
    source_path: Path | None = None

    # ------------------------------------------------------------------ places
    def all_places(self) -> list[Place]:
        """First-tier cities, then every centre and named member, each once."""
        seen: dict[int, Place] = {}
        for p in self.first_tier:
            seen.setdefault(p.geonameid, p)
        for agg in self.agglomerations:
            for p in (agg.center, *agg.members):
                seen.setdefault(p.geonameid, p)
        return list(seen.values())

    def zone_settlements(self) -> pd.DataFrame:
        """Every settlement within ``radius_km`` of each central town.

        One row per (agglomeration, settlement), with ``named_member`` telling whether
        the source names it as a member (named members farther than the radius are
        kept too, so the paper's membership is never lost).
        """
        frames = []
        for agg in self.agglomerations:
            near = settlements_within(
                agg.center.lon, agg.center.lat, self.radius_km, self.min_population
            )
            named = {p.geonameid: p for p in (agg.center, *agg.members)}
            missing = [p for gid, p in named.items() if gid not in set(near["geonameid"])]
            if missing:
                from .distance import geodesic_m

                extra = pd.DataFrame(
                    {
                        "geonameid": [p.geonameid for p in missing],
                        "name": [p.geonames_name for p in missing],
                        "lon": [p.lon for p in missing],
                        "lat": [p.lat for p in missing],
                        "population": [p.population for p in missing],
                        "country": [p.country for p in missing],
                        "admin1": [p.admin1 for p in missing],
                        "distance_km": geodesic_m(
                            agg.center.lon,
                            agg.center.lat,
                            [p.lon for p in missing],
                            [p.lat for p in missing],
                        )
                        / 1000.0,
                    }
                )
                near = pd.concat([near, extra], ignore_index=True)
            display = [
                named[g].name if g in named else n
                for g, n in zip(near["geonameid"], near["name"], strict=True)
            ]
            near = near.assign(
                agglomeration=agg.name,
                display_name=display,
                is_center=near["geonameid"] == agg.center.geonameid,
                named_member=near["geonameid"].isin(list(named)),
                within_radius=near["distance_km"] <= self.radius_km,
            )
            frames.append(near)
        cols = [
            "agglomeration",
            "geonameid",
            "display_name",
            "name",
            "lon",
            "lat",
            "population",
            "country",
            "admin1",
            "distance_km",
            "is_center",
            "named_member",
            "within_radius",
        ]
        return pd.concat(frames, ignore_index=True)[cols]

    # ------------------------------------------------------------------ area
    def local_crs(self) -> CRS:
        """An azimuthal equidistant CRS centred on the study, in metres."""
        places = self.all_places()
        lon = float(np.mean([p.lon for p in places]))
        lat = float(np.mean([p.lat for p in places]))
        return CRS.from_proj4(f"+proj=aeqd +lat_0={lat:.4f} +lon_0={lon:.4f} +datum=WGS84 +units=m")

    def area(self) -> BaseGeometry:
        """The study area (lon/lat polygon) whose roads make the network.

        The explicit ``bbox`` if the study gives one; otherwise the convex hull of every
        study place, buffered by ``area_buffer_km`` (at least the radius plus 10 km, so
        that each agglomeration's whole zone and the roads around it are included).
        """
        if self.bbox is not None:
            return shapely.box(*self.bbox)
        crs = self.local_crs()
        fwd = Transformer.from_crs(4326, crs, always_xy=True)
        inv = Transformer.from_crs(crs, 4326, always_xy=True)
        pts = [p for p in self.all_places()]
        x, y = fwd.transform([p.lon for p in pts], [p.lat for p in pts])
        hull = shapely.convex_hull(shapely.multipoints(np.column_stack([x, y])))
        buffer_m = 1000.0 * max(self.area_buffer_km, self.radius_km + 10.0)
        poly = shapely.buffer(hull, buffer_m, quad_segs=8)
        return shapely.transform(poly, lambda c: np.column_stack(inv.transform(c[:, 0], c[:, 1])))

    def parameters(self) -> dict[str, Any]:
        """The study's settings as plain values, for provenance records."""
        return {
            "study": self.key,
            "radius_km": self.radius_km,
            "min_population": self.min_population,
            "road_classes": self.road_classes,
            "speed_model": self.speed_model,
            "speed_factor": self.speed_factor,
            "snap_limit_km": self.snap_limit_km,
            "bands_min": list(self.bands_min),
            "coverage_min": list(self.coverage_min),
            "decay_function": self.decay.function,
            "decay_half_life_min": self.decay.half_life_min,
            "isochrone_buffer_m": self.isochrone_buffer_m,
        }

    def with_overrides(self, **changes: Any) -> Study:
        """A copy with some settings changed (the command line's overrides), checked."""
        changes = {k: v for k, v in changes.items() if v is not None}
        if "bands_min" in changes:
            changes["bands_min"] = check_increasing("bands_min", changes["bands_min"])
        if "coverage_min" in changes:
            changes["coverage_min"] = check_increasing("coverage_min", changes["coverage_min"])
        if "road_classes" in changes and changes["road_classes"] not in ROAD_CLASSES:
            raise ParameterError(
                f"road class {changes['road_classes']!r} unknown; use one of {', '.join(ROAD_CLASSES)}"
            )
        decay = self.decay
        if "decay_function" in changes:
            func = changes.pop("decay_function")
            if func not in DECAY_FUNCTIONS:
                raise ParameterError(
                    f"decay function {func!r} unknown; use one of {', '.join(DECAY_FUNCTIONS)}"
                )
            decay = replace(decay, function=func)
        if "decay_half_life_min" in changes:
            half_life = float(changes.pop("decay_half_life_min"))
            if not half_life > 0:
                raise ParameterError(f"decay_half_life_min must be positive, got {half_life!r}")
            decay = replace(decay, half_life_min=half_life)
        changes["decay"] = decay
        for key in ("speed_factor", "snap_limit_km", "radius_km", "isochrone_buffer_m"):
            if key in changes and not float(changes[key]) > 0:
                raise ParameterError(f"{key} must be positive, got {changes[key]!r}")
        return replace(self, **changes)


def check_increasing(name: str, values: Any) -> tuple[float, ...]:
    """Check a list of minutes is non-empty, positive and strictly increasing."""
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{name} must be a list of numbers (minutes), got {values!r}") from exc
    if not out:
        raise ParameterError(f"{name} is empty; give at least one drive time in minutes")
    if out[0] <= 0 or any(b <= a for a, b in pairwise(out)):
        raise ParameterError(
            f"{name} must be positive and strictly increasing, got {list(values)!r}"
        )
    return out


# ---------------------------------------------------------------------- loading
_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "study": {
        "key": str,
        "title": str,
        "country": str,
        "radius_km": (int, float),
        "min_population": int,
        "area_buffer_km": (int, float),
        "bbox": list,
    },
    "region": {"name": str, "admin1": str},
    "network": {"road_classes": str},
    "speed": {"model": str, "factor": (int, float)},
    "routing": {
        "snap_limit_km": (int, float),
        "bands_min": list,
        "coverage_min": list,
        "decay_function": str,
        "decay_half_life_min": (int, float),
        "isochrone_buffer_m": (int, float),
    },
    "first_tier": {"name": str, "geonameid": int},
    "agglomeration": {
        "name": str,
        "center": str,
        "members": list,
        "population_k": (int, float),
        "net_revenue_mln_rub": (int, float),
        "geonameids": dict,
    },
}
_REQUIRED = {
    "study": ("key", "title", "country"),
    "region": ("name", "admin1"),
    "first_tier": ("name",),
    "agglomeration": ("name", "center"),
}


def _check_table(where: str, kind: str, table: Any, path: Path) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise StudyError(f"{path.name}: {where} must be a table, got {type(table).__name__}")
    schema = _SCHEMA[kind]
    for key, value in table.items():
        if key not in schema:
            close = difflib.get_close_matches(key, list(schema), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; allowed: {', '.join(schema)}"
            raise StudyError(f"{path.name}: unknown field {key!r} in {where}{hint}")
        expected = schema[key]
        if isinstance(value, bool) or not isinstance(value, expected):
            want = (
                expected.__name__
                if isinstance(expected, type)
                else " or ".join(t.__name__ for t in expected)
            )
            raise StudyError(f"{path.name}: field {key!r} in {where} must be {want}, got {value!r}")
    for key in _REQUIRED.get(kind, ()):
        if key not in table:
            raise StudyError(f"{path.name}: {where} is missing the required field {key!r}")
    return table


def resolve_study_path(name_or_path: str | Path) -> Path:
    """A study key (``urals``) or a path to a TOML file, as an existing path."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise StudyError(f"study file {str(p)!r} does not exist")
        return p
    candidate = STUDIES_DIR / f"{p.name}.toml"
    if candidate.is_file():
        return candidate
    known = sorted(f.stem for f in STUDIES_DIR.glob("*.toml"))
    raise StudyError(f"no study named {str(name_or_path)!r}; known studies: {', '.join(known)}")


def load_study(name_or_path: str | Path = "urals") -> Study:
    """Load and check a study file, resolving every town through GeoNames.

    Raises
    ------
    StudyError
        The file is missing or not TOML, a field is unknown, missing or of the wrong
        type, or a town name is unknown or ambiguous (:class:`PlaceNotFoundError`,
        :class:`AmbiguousPlaceError`).
    """
    path = resolve_study_path(name_or_path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise StudyError(f"{path.name} is not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise StudyError(f"cannot read study file {str(path)!r}: {exc}") from exc

    top = {"study", "region", "network", "speed", "routing", "first_tier", "agglomeration"}
    for key in raw:
        if key not in top:
            close = difflib.get_close_matches(key, sorted(top), n=1)
            hint = f" (did you mean [{close[0]}]?)" if close else ""
            raise StudyError(f"{path.name}: unknown section [{key}]{hint}")
    for key in ("study", "first_tier", "agglomeration"):
        if key not in raw:
            raise StudyError(f"{path.name}: missing section [{key}]")

    head = _check_table("[study]", "study", raw["study"], path)
    country = head["country"].upper()
    regions_raw = raw.get("region", [])
    if not isinstance(regions_raw, list):
        raise StudyError(f"{path.name}: regions must be written as [[region]] tables")
    regions = tuple(
        (t["name"], t["admin1"])
        for i, t in enumerate(regions_raw)
        if _check_table(f"[[region]] #{i + 1}", "region", t, path)
    )
    codes = [code for _, code in regions]

    def lists_of_tables(key: str) -> list[dict[str, Any]]:
        value = raw[key]
        if not isinstance(value, list) or not value:
            raise StudyError(f"{path.name}: give at least one [[{key}]] table")
        return [_check_table(f"[[{key}]] #{i + 1}", key, t, path) for i, t in enumerate(value)]

    first_tier = tuple(
        find_place(t["name"], country, codes, t.get("geonameid"))
        for t in lists_of_tables("first_tier")
    )
    aggs = []
    for t in lists_of_tables("agglomeration"):
        ids = t.get("geonameids", {})
        members_raw = t.get("members", [])
        if not all(isinstance(m, str) for m in members_raw):
            raise StudyError(f"{path.name}: members of {t['name']!r} must be a list of town names")
        center = find_place(t["center"], country, codes, ids.get(t["center"]))
        members = tuple(find_place(m, country, codes, ids.get(m)) for m in members_raw)
        if center.geonameid not in {m.geonameid for m in members}:
            members = (center, *members)
        aggs.append(
            Agglomeration(
                name=t["name"],
                center=center,
                members=members,
                population_k=t.get("population_k"),
                net_revenue_mln_rub=t.get("net_revenue_mln_rub"),
            )
        )
    names = [a.name for a in aggs]
    if len(set(names)) != len(names):
        raise StudyError(f"{path.name}: agglomeration names must be unique, got {names}")

    net = _check_table("[network]", "network", raw.get("network", {}), path)
    speed = _check_table("[speed]", "speed", raw.get("speed", {}), path)
    routing = _check_table("[routing]", "routing", raw.get("routing", {}), path)
    bbox = head.get("bbox")
    if bbox is not None:
        if len(bbox) != 4 or not (bbox[0] < bbox[2] and bbox[1] < bbox[3]):
            raise StudyError(f"{path.name}: bbox must be [west, south, east, north], got {bbox!r}")
        bbox = tuple(float(v) for v in bbox)

    study = Study(
        key=head["key"],
        title=head["title"],
        country=country,
        regions=regions,
        first_tier=first_tier,
        agglomerations=tuple(aggs),
        bbox=bbox,
        source_path=path,
    )
    try:
        return study.with_overrides(
            radius_km=head.get("radius_km"),
            min_population=head.get("min_population"),
            area_buffer_km=head.get("area_buffer_km"),
            road_classes=net.get("road_classes"),
            speed_model=speed.get("model"),
            speed_factor=speed.get("factor"),
            snap_limit_km=routing.get("snap_limit_km"),
            bands_min=routing.get("bands_min"),
            coverage_min=routing.get("coverage_min"),
            decay_half_life_min=routing.get("decay_half_life_min"),
            isochrone_buffer_m=routing.get("isochrone_buffer_m"),
            decay_function=routing.get("decay_function"),
        )
    except ParameterError as exc:
        raise StudyError(f"{path.name}: {exc}") from exc
