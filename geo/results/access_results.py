"""What :func:`geo.access.compute_access` gives: :class:`AccessResults`, and its files.

Inside, the tables are long (tidy) and keyed by ids: ``travel_times`` by (origin id,
place id), ``summary`` by (origin id, agglomeration), ``od`` by (from id, to id). The
CSVs people read are wide, one column per first-tier city (:mod:`geo.tables`).

A results folder (:meth:`AccessResults.to_folder`) holds:

- ``access.gpkg`` — layers ``places``, ``routes``, ``route_segments`` (routes cut every
  5 minutes), ``isochrones``, ``surface`` (the drive-time surface's classes), ``zones``
  (opens in QGIS);
- ``surface-<city>.asc`` and ``surface-nearest.asc`` (with a ``.prj`` each) — the
  drive-time surface in minutes as ESRI ASCII grids;
- ``places.csv``, ``od_matrix.csv``, ``agglomerations.csv``, ``zone_towns.csv``, and the
  same tables in ``results.xlsx`` for people (:mod:`geo.results.workbook`);
- the analytics (:mod:`geo.analysis.analytics`): ``zone_membership.csv``,
  ``zone_measures.csv``, ``zone_summary.csv``, ``huff.csv``, ``shadow.csv`` and the
  layers ``time_zones`` and ``shadow``;
- ``provenance.json``.

Each CSV starts with ``# key: value`` lines that record its provenance, one per key
whatever the text holds (:func:`geo.io.read_header`; the table with
:func:`geo.io.read_table`, never ``comment="#"``, which cuts names holding a ``#``). Numbers are rounded and rows sorted, so the same
inputs give byte-identical tables. The folder is replaced atomically.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from ..analysis.analytics import Analytics
from ..analysis.context import read_context, write_context
from ..analysis.surface import SurfaceRaster
from ..base.atomic import atomic_dir, write_layer
from ..errors import CacheError
from ..study.definition import Study
from ._ascii_grid import write_surface_grids
from .files import json_default, read_table, role_order, write_csv
from .tables import Cities, narrow, wide_summary, widen
from .workbook import WORKBOOK_FILE, write_workbook

__all__ = ["RESULT_FILES", "AccessResults", "empty_surface", "read_results", "write_results"]

RESULT_FILES = (
    "access.gpkg",
    "places.csv",
    "od_matrix.csv",
    "agglomerations.csv",
    "zone_towns.csv",
    "provenance.json",
)

_TIME_MEASURES = ("time_min", "dist_km", "estimated")


@dataclass(repr=False)
class AccessResults:
    """Everything computed for one study (tables in minutes and kilometres).

    ``places``, ``towns`` and ``agglomerations`` describe things (one row each);
    ``travel_times``, ``summary`` and ``od`` are long tables of measures keyed by ids.
    """

    study: Study
    places: pd.DataFrame
    """The study's places and every zone settlement: ``place_id`` (GeoNames id), name,
    role, coordinates, population, ``join_km`` (straight-line distance to the road it
    joins), ``access_km`` and ``access_min`` (its access leg, in every time and distance)."""
    travel_times: pd.DataFrame
    """Drive time and route distance from each first-tier city to each place:
    ``origin_id``, ``origin``, ``place_id``, ``time_min``, ``dist_km`` (NaN: no route)."""
    od: pd.DataFrame
    """Between the study's own places: ``origin_id``, ``origin``, ``place_id``, ``place``,
    ``time_min``, ``dist_km``."""
    towns: pd.DataFrame
    """Each zone's settlements: one row per (agglomeration, ``geonameid``)."""
    agglomerations: pd.DataFrame
    """One row per agglomeration: centre, members, the source's figures, zone towns and
    population, ``potential_total`` and ``rank_potential``."""
    summary: pd.DataFrame
    """Per (``origin_id``, agglomeration): time and distance to the centre, zone entry,
    weighted mean time, population shares, potential, ``rank_time``."""
    routes: gpd.GeoDataFrame
    route_segments: gpd.GeoDataFrame
    """Routes cut every 5 minutes, for colouring them by the drive time so far."""
    isochrones: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    provenance: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    network_provenance: dict[str, Any] = field(default_factory=dict)
    analytics: Analytics | None = None
    context: gpd.GeoDataFrame | None = None
    """What a map shows under the results: the network's roads, water, borders and named
    places of the road data (:func:`geo.analysis.context.study_context`); ``context.gpkg``."""
    """Zones by drive time, closed towns, the shadow and the Huff shares
    (:mod:`geo.analysis.analytics`); not read back by :func:`read_results`."""
    surface: gpd.GeoDataFrame = field(default_factory=lambda: empty_surface())
    """The drive-time surface's classes as polygons
    (:func:`~geo.analysis.surface_classes.surface_polygons`): per ``origin_key`` (each city's
    key, ``nearest`` for the nearer city) and ``band`` (0 for the first class), ``lower_min``, ``upper_min`` (NaN for
    the class above the last band) and ``label``; one row of ``kind`` ``beyond_limit``
    for the land farther than the access limit from every road. Empty when not computed."""
    surface_raster: SurfaceRaster | None = None
    """The surface's grids in minutes (``None`` when not computed, and when the results
    are read back from a folder: the grids are in its ``.asc`` files)."""

    def __repr__(self) -> str:
        return (
            f"<AccessResults {self.study.key!r}: {len(self.study.first_tier)} first-tier cities, "
            f"{len(self.agglomerations)} agglomerations, {len(self.places)} places, "
            f"{len(self.routes)} routes, {len(self.isochrones)} isochrone bands, "
            f"{len(self.warnings)} warnings; OSM {self.provenance.get('osm_timestamp')}>"
        )

    @property
    def cities(self) -> list[tuple[str, str]]:
        """(name, column key) of each first-tier city (distinct: :meth:`Study.city_keys`)."""
        return [(p.name, key) for p, key in self.study.city_keys()]

    def _city_keys(self) -> Cities:
        return [(p.geonameid, p.name, key) for p, key in self.study.city_keys()]

    # ------------------------------------------------------------------ wide views
    def wide_places(self) -> pd.DataFrame:
        """``places`` with ``time_min_from_<city>`` and ``dist_km_from_<city>`` columns."""
        return self._with_times(self.places, "place_id")

    def wide_towns(self) -> pd.DataFrame:
        """``towns`` with a time and a distance column per first-tier city."""
        return self._with_times(self.towns, "geonameid")

    def _with_times(self, frame: pd.DataFrame, on: str) -> pd.DataFrame:
        cities = self._city_keys()
        return widen(frame, self.travel_times, on, "place_id", _TIME_MEASURES, cities)

    def wide_summary(self) -> pd.DataFrame:
        """One row per agglomeration with each city's measures as columns (the CSV's shape)."""
        return wide_summary(self.agglomerations, self.summary, self._city_keys())

    # ------------------------------------------------------------------ files
    def to_folder(self, folder: str | Path, lang: str | None = None) -> Path:
        """Write every result file into ``folder`` (created or replaced atomically);
        ``lang`` (``en``/``ru``, default the study's) is the workbook's language."""
        return write_results(self, folder, lang=lang)

    @classmethod
    def from_folder(cls, folder: str | Path, study: Study) -> AccessResults:
        """Read a folder written by :meth:`to_folder` (see :func:`read_results`)."""
        return read_results(folder, study)


#: Columns of the places' join points (where the access leg meets the road): in the
#: GeoPackage's ``places`` layer for the maps' dotted legs, not in ``places.csv``.
JOIN_POINT = ("join_lon", "join_lat")


def _with_join_points(places: pd.DataFrame, layer: gpd.GeoDataFrame) -> pd.DataFrame:
    """``places`` with the join points of the GeoPackage's places layer, when it has them."""
    if not set(JOIN_POINT) <= set(layer.columns) or "place_id" not in layer:
        return places
    points = layer.set_index("place_id")
    out = places.copy()
    for column in JOIN_POINT:
        out[column] = out["place_id"].map(points[column])
    return out


def write_results(
    results: AccessResults,
    folder: str | Path,
    extra: Callable[[Path], object] | None = None,
    *,
    lang: str | None = None,
) -> Path:
    """Write every result file into ``folder`` (created or replaced atomically).

    ``extra``, if given, writes more files into the new folder before it replaces the
    old one, so they appear with the results or not at all. ``lang`` is the language of
    the workbook ``results.xlsx`` (default: the study's).
    """
    folder = Path(folder)
    prov = results.provenance
    with atomic_dir(folder) as tmp:
        places = (
            results.wide_places()
            .sort_values(["role", "place_id"], key=role_order)
            .reset_index(drop=True)
        )
        od = results.od.sort_values(["origin_id", "place_id"])
        summary = results.wide_summary()
        towns = results.wide_towns().sort_values(["agglomeration", "distance_km", "geonameid"])
        listed = places.drop(columns=list(JOIN_POINT), errors="ignore")  # the CSV as before
        tables = {"agglomerations": summary, "places": listed, "zone_towns": towns, "od_matrix": od}
        for name, table in tables.items():
            write_csv(table, tmp / f"{name}.csv", prov)
        gpkg = tmp / "access.gpkg"
        points = gpd.GeoDataFrame(
            places, geometry=gpd.points_from_xy(places["lon"], places["lat"]), crs="EPSG:4326"
        )
        write_layer(points, gpkg, "places")
        layers = (
            ("routes", results.routes),
            ("route_segments", results.route_segments),
            ("isochrones", results.isochrones),
            ("surface", results.surface),
            ("zones", results.zones),
        )
        for layer, gdf in layers:
            if len(gdf):
                write_layer(gdf, gpkg, layer)
        if results.analytics is not None:
            _write_analytics(results.analytics, tmp, prov)
        meta = dict(
            prov,
            warnings=results.warnings,
            study_file=str(results.study.source_path or ""),
            speed_model_details=results.network_provenance.get("speed_model"),
        )
        (tmp / "provenance.json").write_text(
            json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False, default=json_default)
            + "\n",
            encoding="utf-8",
        )
        _workbook(results, tables, meta, tmp / WORKBOOK_FILE, lang or results.study.lang)
        if results.surface_raster is not None:
            write_surface_grids(results.surface_raster, tmp)
        if results.context is not None:
            write_context(results.context, tmp)
        if extra is not None:
            extra(tmp)
    return folder


def _workbook(
    results: AccessResults,
    tables: dict[str, pd.DataFrame],
    meta: dict[str, Any],
    path: Path,
    lang: str,
) -> None:
    """``results.xlsx``: the tables with headers in ``lang``, the provenance."""
    names = dict(results.study.names_ru) if lang == "ru" else {}
    cities = {key: names.get(name, name) for name, key in results.cities}
    limit = results.study.routing.snap_limit_km
    sheets = dict(tables)
    if results.analytics is not None:
        sheets.update({Path(n).stem: t for n, t in results.analytics.tables().items()})
    write_workbook(sheets, meta, path, cities=cities, lang=lang, limit_km=limit)


def _write_analytics(analytics: Analytics, folder: Path, prov: dict[str, Any]) -> None:
    """The analytics' tables (CSV) and layers (in ``access.gpkg``)."""
    for name, table in analytics.tables().items():
        write_csv(table, folder / name, prov)
    for layer, gdf in analytics.layers().items():
        if len(gdf):
            write_layer(gdf, folder / "access.gpkg", layer)


def _read_analytics(folder: Path, layer: Callable[[str], gpd.GeoDataFrame]) -> Analytics | None:
    """The analytics' tables and reachable areas, if the folder has them (else None)."""
    names = ("zone_membership", "zone_measures", "zone_summary", "huff", "shadow")
    if not all((folder / f"{name}.csv").is_file() for name in names):
        return None
    tables = {name: read_table(folder / f"{name}.csv") for name in names}
    return Analytics(
        zone_towns=tables["zone_membership"],
        zone_measures=tables["zone_measures"],
        zone_summary=tables["zone_summary"],
        huff=tables["huff"],
        shadow=tables["shadow"],
        time_zones=layer("time_zones"),
    )


def read_results(folder: str | Path, study: Study) -> AccessResults:
    """Read a results folder written by :func:`write_results` (for the maps step).

    Raises
    ------
    CacheError
        A file is missing or unreadable (compute the results first).
    """
    import pyogrio

    folder = Path(folder)
    missing = [f for f in RESULT_FILES if not (folder / f).is_file()]
    if missing:
        raise CacheError(
            f"results in {str(folder)!r} are incomplete (missing {', '.join(missing)}); "
            "run `ural-access route` first"
        )
    rerun = f"run `ural-access route --study {study.key}` again (it rewrites the folder)"
    try:
        prov = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
        if not isinstance(prov, dict):
            raise ValueError(f"provenance.json holds a JSON {type(prov).__name__}")
    except Exception as exc:
        raise CacheError(
            f"results in {str(folder)!r} are damaged ({type(exc).__name__}: {exc}); {rerun}"
        ) from exc
    if prov.get("study") != study.key:
        raise CacheError(
            f"results in {str(folder)!r} do not fit: they are of the study "
            f"{prov.get('study')!r}, not {study.key!r}; {rerun}"
        )
    try:
        read = {
            name: read_table(folder / f"{name}.csv")
            for name in ("places", "od_matrix", "agglomerations", "zone_towns")
        }
        layers = {name for name, _ in pyogrio.list_layers(folder / "access.gpkg")}

        def layer(name: str) -> gpd.GeoDataFrame:
            if name in layers:
                return gpd.read_file(folder / "access.gpkg", layer=name)
            return gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")

        cities = [(p.geonameid, p.name, key) for p, key in study.city_keys()]
        places, times = narrow(read["places"], "place_id", "place_id", cities)
        places = _with_join_points(places, layer("places"))
        towns, _ = narrow(read["zone_towns"], "geonameid", "place_id", cities)
        aggs, summary = narrow(read["agglomerations"], "agglomeration", "agglomeration", cities)
        results = AccessResults(
            study=study,
            places=places,
            travel_times=times,
            od=read["od_matrix"],
            towns=towns,
            agglomerations=aggs,
            summary=summary,
            routes=layer("routes"),
            route_segments=layer("route_segments"),
            isochrones=layer("isochrones"),
            zones=layer("zones"),
            surface=layer("surface") if "surface" in layers else empty_surface(),
            provenance=prov,
            warnings=[str(w) for w in prov.get("warnings", [])],
            analytics=_read_analytics(folder, layer),
            context=read_context(folder),
        )
    except Exception as exc:  # a damaged file: CSV, GeoPackage (pyogrio) or table errors
        raise CacheError(
            f"results in {str(folder)!r} are damaged or from another version of the study "
            f"({type(exc).__name__}: {exc}); {rerun}"
        ) from exc
    return results


def empty_surface() -> gpd.GeoDataFrame:
    """An empty surface layer with its columns."""
    columns = ("origin", "origin_key", "kind", "band", "lower_min", "upper_min", "label")
    return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs="EPSG:4326")
