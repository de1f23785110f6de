"""A scenario's comparison folder (the change tables and a GeoPackage of what changed),
and a ranking's folder (its tables and a GeoPackage of the candidates)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from ..base.atomic import atomic_dir, write_layer
from ..results.files import write_csv
from .apply import AppliedScenario
from .candidates import candidate_lines
from .compare import ScenarioComparison
from .runs import Ranking

__all__ = ["COMPARISON_FILES", "write_comparison", "write_ranking"]

#: The files :func:`write_comparison` writes.
COMPARISON_FILES = (
    "comparison_agglomerations.csv",
    "comparison_cities.csv",
    "comparison_places.csv",
    "scenario.gpkg",
    "scenario.json",
)


def write_comparison(
    comparison: ScenarioComparison,
    applied: AppliedScenario,
    folder: str | Path,
    provenance: dict[str, Any],
    also: Callable[[Path], object] | None = None,
) -> Path:
    """Write the comparison tables, ``scenario.gpkg`` (layers ``edited_roads``, one row per
    edited directed edge, and ``changed_routes``, the scenario's routes whose time changed)
    and ``scenario.json`` (the edits and who is cut off) into ``folder``, atomically.

    ``also`` is called with the folder being written (a temporary one) to add more files
    (the command line's comparison map) within the same atomic write."""
    scenario = applied.scenario
    header = dict(
        provenance,
        scenario=scenario.name,
        scenario_title=scenario.title,
        scenario_sha256=scenario.sha256,
        change="scenario minus baseline (minutes saved are negative)",
    )
    with atomic_dir(folder) as tmp:
        comparison.write(tmp, header)
        roads = applied.edited.copy()
        roads["geometry"] = shapely.set_precision(roads.geometry.to_numpy(), 1e-6)
        write_layer(roads, tmp / "scenario.gpkg", "edited_roads")
        routes = comparison.changed_routes.sort_values(["origin", "agglomeration"])
        write_layer(routes, tmp / "scenario.gpkg", "changed_routes")
        summary = applied.summary()
        info = {
            "scenario": scenario.name,
            "title": scenario.title,
            "sha256": scenario.sha256,
            "edits": [
                {"name": str(r.edit), "kind": str(r.kind), "road_km": round(float(r.road_km), 3)}
                for r in summary.itertuples()
            ],
            "cut_off": comparison.cut_off,
            "potential_change_total": float(
                np.nansum(comparison.by_agglomeration["potential_total_change"])
            ),
        }
        (tmp / "scenario.json").write_text(
            json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        if also is not None:
            also(tmp)
    return Path(folder)


def write_ranking(
    ranking: Ranking, folder: str | Path, also: Callable[[Path], object] | None = None
) -> Path:
    """Write the ranking's tables (``ranking.csv``, or ``closures.csv`` and
    ``redundancy.csv``; ``package.csv`` with a budget), each with its provenance header,
    and ``candidates.gpkg`` (every candidate's line with its rank and gain) into
    ``folder``, atomically; ``also`` as for :func:`write_comparison` (the map)."""
    sweep = ranking.sweep
    layer = gpd.GeoDataFrame(
        {
            "candidate": [c.key for c in sweep.candidates],
            "section": [c.label for c in sweep.candidates],
        },
        geometry=candidate_lines(sweep.network, sweep.candidates),
        crs="EPSG:4326",
    ).merge(ranking.table[["candidate", "rank", "gain"]], on="candidate", how="left")
    with atomic_dir(folder) as tmp:
        for name, table in ranking.tables.items():
            write_csv(table, tmp / name, ranking.provenance)
        write_layer(layer.sort_values("candidate"), tmp / "candidates.gpkg", "candidates")
        if also is not None:
            also(tmp)
    return Path(folder)
