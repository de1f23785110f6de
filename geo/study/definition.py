"""Study definitions: which cities, which agglomerations, which area and settings.

A study is a TOML file in ``data/studies/`` (or anywhere, given by path), or built in
code. Its fields are documented in ``data/studies/urals.toml``, the default study. The
``[study]`` table is declared by :class:`Study`'s own fields, the settings sections by
:mod:`geo.parameters`; the file's checks derive from those declarations. Loading checks
every field, names a typo with its closest valid spelling, and resolves every town
through GeoNames. The file's other tables are read by :mod:`geo._study_file`, the zone
towns found by :mod:`geo._zones`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from ..base.keys import unique_keys
from ..errors import ParameterError, StudyError
from ._agglomeration import Agglomeration, read_agglomeration
from ._file import OSM_DIR as OSM_DIR
from ._file import STUDIES_DIR as STUDIES_DIR
from ._file import (
    check_place_tables,
    place_tables,
    read_first_tier,
    read_head,
    read_names_ru,
    read_regions,
    read_short_names,
    read_study_toml,
    read_towns,
    refuse_antimeridian,
    resolve_study_path,
    resolver,
    road_data_file,
)
from .options import (
    SECTIONS,
    HuffOptions,
    NetworkOptions,
    RoutingOptions,
    SpeedOptions,
    ZoneOptions,
    check_bbox,
    check_key,
    check_not_negative,
    check_positive,
    flat_parameters,
    parameter_fields,
    read_section,
)
from .places import GEONAMES_CITATION, Place
from .zones import ZONE_COLUMNS as ZONE_COLUMNS
from .zones import zone_settlements

__all__ = [
    "OSM_DIR",
    "STUDIES_DIR",
    "ZONE_COLUMNS",
    "ZONE_REGIONS",
    "Agglomeration",
    "Study",
    "load_study",
    "study_from_dict",
]

#: Where zone towns may lie: anywhere within the radius, or in the study's regions only.
ZONE_REGIONS = ("all", "study")

# Study fields that are not keys of the file's [study] table nor provenance parameters.
_NOT_IN_FILE: dict[str, Any] = {"table": False, "parameter": False}
# [study] keys that are not recorded as parameters (the network's provenance has the area).
_NOT_A_PARAMETER: dict[str, Any] = {"parameter": False}


@dataclass(frozen=True)
class Study:
    """Everything one study needs, with places resolved to coordinates.

    The fields up to ``bbox`` are the study file's ``[study]`` table (and its places);
    ``network``, ``speed``, ``routing``, ``zones`` and ``huff`` are its option sections
    (:mod:`geo.study.options`), read as ``study.speed.factor``; :meth:`parameters`,
    :meth:`with_overrides` and the command line name them flat (``speed_factor``).
    Building a study (also with ``dataclasses.replace``) checks every value.
    """

    key: str = field(metadata={"parameter": "study"})
    """Names caches and outputs."""
    title: str = field(metadata=_NOT_A_PARAMETER)
    country: str = field(metadata=_NOT_A_PARAMETER)
    """ISO 3166-1 alpha-2 code."""
    regions: tuple[tuple[str, str], ...] = field(metadata=_NOT_IN_FILE)
    """(name, GeoNames admin1 code) of the regions that bound the study."""
    first_tier: tuple[Place, ...] = field(metadata=_NOT_IN_FILE)
    agglomerations: tuple[Agglomeration, ...] = field(metadata=_NOT_IN_FILE)
    radius_km: float = 50.0
    """An agglomeration is its centre and every town within this geodesic radius."""
    min_population: int = 5000
    """Settlements listed in each zone (GeoNames population)."""
    area_buffer_km: float = field(default=60.0, metadata=_NOT_A_PARAMETER)
    """The network's area is the hull of all places, buffered by this."""
    bbox: tuple[float, float, float, float] | None = field(default=None, metadata=_NOT_A_PARAMETER)
    """An explicit network area ``(west, south, east, north)`` instead of the buffer."""
    zone_regions: str = "all"
    """Where zone towns may lie: ``"all"`` (anywhere within the radius) or ``"study"``
    (only in the study's regions; the source's named members are always kept)."""
    towns_file: str | None = None
    """The user's town table for zone settlements (CSV or GeoPackage: name, lat, lon,
    population, optional region), beside the study file; GeoNames without one."""
    towns: pd.DataFrame | None = field(
        default=None, compare=False, repr=False, metadata=_NOT_IN_FILE
    )
    """The town table read from ``towns_file`` (:func:`read_town_table`)."""
    title_ru: str | None = field(default=None, metadata=_NOT_A_PARAMETER)
    """The title on Russian maps (the English ``title`` when not given)."""
    lang: str = field(default="en", metadata=_NOT_A_PARAMETER)
    """Language of the maps and the index page: ``en`` or ``ru`` (``--lang`` overrides)."""
    network: NetworkOptions = field(default_factory=NetworkOptions, metadata=_NOT_IN_FILE)
    speed: SpeedOptions = field(default_factory=SpeedOptions, metadata=_NOT_IN_FILE)
    routing: RoutingOptions = field(default_factory=RoutingOptions, metadata=_NOT_IN_FILE)
    zones: ZoneOptions = field(default_factory=ZoneOptions, metadata=_NOT_IN_FILE)
    huff: HuffOptions = field(default_factory=HuffOptions, metadata=_NOT_IN_FILE)
    names_ru: tuple[tuple[str, str], ...] = field(default=(), metadata=_NOT_IN_FILE)
    """(town name, Russian name) pairs given by the file's ``name_ru`` and ``names_ru`` keys."""
    short_names: tuple[tuple[str, str, str], ...] = field(default=(), metadata=_NOT_IN_FILE)
    """(first-tier city, short name, Russian short name) from ``short`` and ``short_ru``:
    the maps' labels write «Екб 1 ч 16 мин» (the city's name where not given)."""
    source_path: Path | None = field(default=None, metadata=_NOT_IN_FILE)
    first_tier_keys: tuple[tuple[int, str], ...] = field(default=(), metadata=_NOT_IN_FILE)
    """(GeoNames id, key) of the first-tier cities whose key the study gives."""

    def __post_init__(self) -> None:
        check_key(self.key)
        check_positive("radius_km", self.radius_km)
        if isinstance(self.min_population, bool) or not isinstance(
            self.min_population, int | np.integer
        ):
            raise ParameterError(f"min_population must be an integer, got {self.min_population!r}")
        check_not_negative("min_population", self.min_population)
        check_not_negative("area_buffer_km", self.area_buffer_km)
        if self.zone_regions not in ZONE_REGIONS:
            raise ParameterError(
                f"zone_regions {self.zone_regions!r} unknown; use one of {', '.join(ZONE_REGIONS)}"
            )
        if self.lang not in ("en", "ru"):
            raise ParameterError(f"lang must be 'en' or 'ru', got {self.lang!r}")
        if self.bbox is not None:
            object.__setattr__(self, "bbox", check_bbox(self.bbox))
        for name, cls in SECTIONS.items():
            if not isinstance(getattr(self, name), cls):
                raise ParameterError(
                    f"{name} must be a {cls.__name__}, got {getattr(self, name)!r}"
                )

    @classmethod
    def load(cls, name_or_path: str | Path = "urals") -> Study:
        """A bundled study by key (``"urals"``) or a study file by path (:func:`load_study`)."""
        return load_study(name_or_path)

    # ------------------------------------------------------------------ keys
    def city_keys(self) -> list[tuple[Place, str]]:
        """Each first-tier city with its distinct column key (``time_min_from_<key>``).

        The study's own key, else the name transliterated to ASCII, with the GeoNames id
        appended when two names give the same key (:func:`geo._names.unique_keys`).
        """
        given = dict(self.first_tier_keys)
        keys = unique_keys(
            [p.name for p in self.first_tier],
            [p.geonameid for p in self.first_tier],
            [given.get(p.geonameid) for p in self.first_tier],
        )
        return list(zip(self.first_tier, keys, strict=True))

    def agglomeration_keys(self) -> dict[str, str]:
        """Distinct file-name key of each agglomeration, by name (as :meth:`city_keys`)."""
        aggs = self.agglomerations
        keys = unique_keys(
            [a.name for a in aggs],
            [a.center.geonameid for a in aggs],
            [a.key or None for a in aggs],
        )
        return {a.name: k for a, k in zip(aggs, keys, strict=True)}

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

    @property
    def towns_source(self) -> str:
        """Where the zone settlements come from, for provenance records."""
        if self.towns_file is None:
            return GEONAMES_CITATION
        return f"the study's town table {Path(self.towns_file).name}"

    def region_name(self, code: str) -> str:
        """The study's name of a region code (GeoNames admin1), else the code itself."""
        return {c: n for n, c in self.regions}.get(code, code)

    def zone_settlements(self) -> pd.DataFrame:
        """Every settlement within ``radius_km`` of each central town.

        One row per (agglomeration, settlement), with ``named_member`` telling whether
        the source names it as a member (named members farther than the radius are
        kept too, so the paper's membership is never lost). Settlements come from the
        study's town table if it has one, else GeoNames; with ``zone_regions = "study"``
        only from the study's regions. ``region`` names each one's region.
        """
        return zone_settlements(self)

    def default_road_data(self) -> Path | None:
        """The file of the study's default road data (``[network] osm_file``), or None.

        A relative name is looked up beside the study file, then in the bundled
        ``data/osm/``.

        Raises
        ------
        StudyError
            The study names a file that exists in neither place.
        """
        name = self.network.osm_file
        return None if name is None else road_data_file(self.key, name, self.source_path)

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
        refuse_antimeridian(self.key, self.all_places())
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
        area = shapely.transform(poly, lambda c: np.column_stack(inv.transform(c[:, 0], c[:, 1])))
        lon = shapely.get_coordinates(area)[:, 0]
        if len(lon) and float(np.abs(np.diff(lon)).max()) > 180.0:
            refuse_antimeridian(
                self.key,
                self.all_places(),
                f"its area (the places buffered by {buffer_m / 1000:g} km) crosses 180° longitude",
            )
        return area

    def parameters(self) -> dict[str, Any]:
        """The study's settings as plain values by flat name, for provenance records."""
        out = {name: getattr(self, f) for name, f in parameter_fields(Study).items()}
        for section, cls in SECTIONS.items():
            for name, f in parameter_fields(cls).items():
                out[name] = getattr(getattr(self, section), f)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    def with_overrides(self, **changes: Any) -> Study:
        """A copy with some settings changed, by flat name (``None`` keeps a setting).

        Raises
        ------
        ParameterError
            A name is unknown or a value impossible (every section checks itself).
        """
        own: dict[str, Any] = {}
        sections: dict[str, dict[str, Any]] = {}
        flat, names = flat_parameters(), {f.name for f in fields(Study)}
        for name, value in changes.items():
            if value is None:
                continue
            if name in flat:
                sections.setdefault(flat[name][0], {})[flat[name][1]] = value
            elif name in names:
                own[name] = value
            else:
                close = difflib.get_close_matches(name, [*flat, *names], n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ParameterError(f"unknown setting {name!r}{hint}")
        for section, values in sections.items():
            own[section] = replace(getattr(self, section), **values)
        return replace(self, **own)


# ---------------------------------------------------------------------- loading
def study_from_dict(raw: dict[str, Any], source_path: Path | None = None) -> Study:
    """Build a study from the tables of a study file (as :mod:`tomllib` reads them).

    Raises
    ------
    ParameterError
        A field is unknown, missing, of the wrong type or impossible.
    PlaceNotFoundError, AmbiguousPlaceError
        A town name matches no settlement, or several.
    """
    head = read_head(raw, Study)
    regions = read_regions(raw)
    codes = [code for _, code in regions]
    sections = {name: read_section(name, raw.get(name, {})) for name in SECTIONS}
    ft_tables, agg_tables = place_tables(raw, "first_tier"), place_tables(raw, "agglomeration")
    # Every value is checked before any town is looked up (that reads GeoNames): a study
    # without places runs every check of Study itself.
    Study(**head, regions=regions, first_tier=(), agglomerations=(), **sections)
    check_place_tables(ft_tables, agg_tables)
    resolve = resolver(raw, head["country"], codes)
    first_tier = tuple(read_first_tier(t, head["country"], resolve) for t in ft_tables)
    aggs = tuple(read_agglomeration(t, resolve) for t in agg_tables)
    study = Study(
        **head,
        towns=read_towns(head, source_path),
        regions=regions,
        first_tier=first_tier,
        agglomerations=aggs,
        names_ru=read_names_ru(raw),
        short_names=read_short_names(raw),
        source_path=source_path,
        first_tier_keys=tuple(
            (p.geonameid, t["key"])
            for p, t in zip(first_tier, ft_tables, strict=True)
            if "key" in t
        ),
        **sections,
    )
    study.default_road_data()  # a missing default file fails at load, not mid-run
    study.area()  # an area across 180° longitude is refused at load, not mid-run
    for kind, keys in (
        ("[[first_tier]]", study.city_keys),
        ("[[agglomeration]]", study.agglomeration_keys),
    ):
        try:
            keys()
        except ValueError as exc:
            raise ParameterError(f"{kind}: {exc}") from exc
    return study


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
    raw = read_study_toml(path)
    try:
        return study_from_dict(raw, path)
    except StudyError:
        raise
    except ParameterError as exc:
        raise StudyError(f"{path.name}: {exc}") from exc
