"""Write and read the result files of :func:`geo.access.compute_access`.

A results folder holds:

- ``access.gpkg`` — layers ``places``, ``routes``, ``route_segments`` (routes cut every
  5 minutes), ``isochrones``, ``zones`` (opens in QGIS);
- ``places.csv``, ``od_matrix.csv``, ``agglomerations.csv``, ``zone_towns.csv``;
- ``provenance.json``.

Each CSV starts with ``# key: value`` lines that record its provenance (read it with
``pandas.read_csv(path, comment="#")``). Numbers are rounded and rows sorted, so the same
inputs give byte-identical tables. The folder is replaced atomically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .access import AccessResults
from .atomic import atomic_dir
from .errors import CacheError
from .study import Study

RESULT_FILES = (
    "access.gpkg",
    "places.csv",
    "od_matrix.csv",
    "agglomerations.csv",
    "zone_towns.csv",
    "provenance.json",
)

_COORD_COLS = {"lon", "lat"}


def _round(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(6 if col in _COORD_COLS else 3)
    return out


def provenance_header(provenance: dict[str, Any]) -> str:
    """``# key: value`` lines (values as JSON when structured)."""
    lines = []
    for key in sorted(provenance):
        value = provenance[key]
        text = (
            value
            if isinstance(value, str)
            else json.dumps(value, sort_keys=True, ensure_ascii=False)
        )
        lines.append(f"# {key}: {text}")
    return "\n".join(lines) + "\n"


def write_csv(df: pd.DataFrame, path: Path, provenance: dict[str, Any]) -> None:
    """Write a table with its provenance header, rounded, with ``\\n`` line ends."""
    body = _round(df).to_csv(index=False, lineterminator="\n")
    path.write_text(provenance_header(provenance) + body, encoding="utf-8")


def write_results(results: AccessResults, folder: str | Path) -> Path:
    """Write every result file into ``folder`` (created or replaced atomically)."""
    folder = Path(folder)
    prov = results.provenance
    with atomic_dir(folder) as tmp:
        places = results.places.sort_values(["role", "place_id"], key=_role_order).reset_index(
            drop=True
        )
        write_csv(places, tmp / "places.csv", prov)
        write_csv(results.od.sort_values(["from_id", "to_id"]), tmp / "od_matrix.csv", prov)
        write_csv(results.summary, tmp / "agglomerations.csv", prov)
        towns = results.towns.sort_values(["agglomeration", "distance_km", "geonameid"])
        write_csv(towns, tmp / "zone_towns.csv", prov)
        gpkg = tmp / "access.gpkg"
        points = gpd.GeoDataFrame(
            places, geometry=gpd.points_from_xy(places["lon"], places["lat"]), crs="EPSG:4326"
        )
        points.to_file(gpkg, layer="places", driver="GPKG")
        layers = (
            ("routes", results.routes),
            ("route_segments", results.route_segments),
            ("isochrones", results.isochrones),
            ("zones", results.zones),
        )
        for layer, gdf in layers:
            if len(gdf):
                gdf.to_file(gpkg, layer=layer, driver="GPKG")
        meta = dict(
            prov,
            warnings=results.warnings,
            study_file=str(results.study.source_path or ""),
            speed_model_details=results.network_provenance.get("speed_model"),
        )
        (tmp / "provenance.json").write_text(
            json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False, default=_json_default)
            + "\n",
            encoding="utf-8",
        )
    return folder


def _role_order(col: pd.Series) -> pd.Series:
    if col.name == "role":
        return col.map({"first_tier": 0, "center": 1, "member": 2, "settlement": 3}).fillna(9)
    return col


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return str(value)


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
    try:
        prov = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
        read = {
            name: pd.read_csv(folder / f"{name}.csv", comment="#")
            for name in ("places", "od_matrix", "agglomerations", "zone_towns")
        }
        layers = {name for name, _ in pyogrio.list_layers(folder / "access.gpkg")}

        def layer(name: str) -> gpd.GeoDataFrame:
            if name in layers:
                return gpd.read_file(folder / "access.gpkg", layer=name)
            return gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")

        return AccessResults(
            study=study,
            places=read["places"],
            od=read["od_matrix"],
            towns=read["zone_towns"],
            summary=read["agglomerations"],
            routes=layer("routes"),
            route_segments=layer("route_segments"),
            isochrones=layer("isochrones"),
            zones=layer("zones"),
            provenance=prov,
            warnings=list(prov.get("warnings", [])),
        )
    except (OSError, ValueError, json.JSONDecodeError) as exc:
        raise CacheError(f"results in {str(folder)!r} are unreadable: {exc}") from exc
