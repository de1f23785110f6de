"""Baseline against scenario: the change per agglomeration, per city and per place."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import UralAccessWarning
from ..results.files import write_csv

__all__ = ["LEG_MEASURES", "Results", "ScenarioComparison"]

#: Per (city, agglomeration): the measures compared (``<m>_baseline``, ``_scenario``, ``_change``).
LEG_MEASURES = (
    "time_to_center_min",
    "dist_to_center_km",
    "zone_entry_min",
    "mean_time_weighted_min",
    "reachable_population_share",
    "potential",
)


class Results(Protocol):
    """What the comparison reads of :class:`~geo.results.AccessResults`."""

    summary: pd.DataFrame
    agglomerations: pd.DataFrame
    travel_times: pd.DataFrame
    places: pd.DataFrame
    routes: gpd.GeoDataFrame


def _side_by_side(
    base: pd.DataFrame, scen: pd.DataFrame, keys: list[str], measures: list[str]
) -> pd.DataFrame:
    """``keys``, then for each measure its baseline, scenario and change columns."""
    both = base[keys + measures].merge(
        scen[keys + measures], on=keys, how="outer", suffixes=("_baseline", "_scenario")
    )
    out = both[keys].copy()
    for m in measures:
        b, s = both[f"{m}_baseline"], both[f"{m}_scenario"]
        out[f"{m}_baseline"] = b
        out[f"{m}_scenario"] = s
        out[f"{m}_change"] = s - b
    return out


@dataclass
class ScenarioComparison:
    """The changes a scenario makes, in tables whose change columns end in ``_change``.

    ``by_city`` has one row per (first-tier city, agglomeration) with time to the centre,
    route distance, zone entry, weighted mean time, coverage shares and potential;
    ``by_agglomeration`` the total potential; ``by_place`` the drive time from each city
    to each place. A change is scenario minus baseline (minutes saved are negative).
    """

    by_city: pd.DataFrame
    by_agglomeration: pd.DataFrame
    by_place: pd.DataFrame
    changed_routes: gpd.GeoDataFrame
    """The scenario's routes (city to centre) whose time changed, with the change."""
    cut_off: list[str]
    """"<place> off from <city>" for each place a city reached before and no longer does."""

    @classmethod
    def of(cls, baseline: Results, scenario: Results) -> ScenarioComparison:
        """Compare two results of one study (the baseline and a scenario's)."""
        shares = [c for c in baseline.summary.columns if c.startswith("share_within_")]
        measures = [*LEG_MEASURES[:4], *shares, *LEG_MEASURES[4:]]
        by_city = _side_by_side(
            baseline.summary, scenario.summary, ["origin_id", "origin", "agglomeration"], measures
        )
        by_agg = _side_by_side(
            baseline.agglomerations, scenario.agglomerations, ["agglomeration"], ["potential_total"]
        )
        names = baseline.places[["place_id", "name", "role"]]
        by_place = _side_by_side(
            baseline.travel_times,
            scenario.travel_times,
            ["origin_id", "origin", "place_id"],
            ["time_min", "dist_km"],
        ).merge(names, on="place_id", how="left")
        by_place = by_place[
            ["origin_id", "origin", "place_id", "name", "role", *by_place.columns[3:-2]]
        ]
        lost = by_place[
            by_place["time_min_baseline"].notna() & by_place["time_min_scenario"].isna()
        ]
        cut_off = sorted({f"{r.name} off from {r.origin}" for r in lost.itertuples()})
        for text in cut_off:
            warnings.warn(
                f"the scenario cuts {text}: its drive time is NaN", UralAccessWarning, stacklevel=2
            )
        routes = scenario.routes.merge(
            by_city[["origin", "agglomeration", "time_to_center_min_change"]],
            on=["origin", "agglomeration"],
        )
        changed = routes[routes["time_to_center_min_change"].fillna(0) != 0]
        return cls(by_city, by_agg, by_place, gpd.GeoDataFrame(changed, crs="EPSG:4326"), cut_off)

    def headline(self) -> pd.DataFrame:
        """Per agglomeration: minutes to the centre from each city (change) and the potential."""
        wide = self.by_city.pivot_table(  # dropna=False: a city cut off keeps its column
            index="agglomeration",
            columns="origin",
            values="time_to_center_min_change",
            sort=False,
            dropna=False,
        )
        wide.columns = [f"minutes_from_{c}_change" for c in wide.columns]
        agg = self.by_agglomeration.set_index("agglomeration")
        wide["potential_change"] = agg["potential_total_change"]
        base = agg["potential_total_baseline"].replace(0, np.nan)
        wide["potential_change_pct"] = 100.0 * agg["potential_total_change"] / base
        return wide.reset_index()

    def write(self, folder: str | Path, provenance: dict[str, Any]) -> list[Path]:
        """Write ``comparison_agglomerations.csv``, ``comparison_cities.csv`` and
        ``comparison_places.csv`` into ``folder`` (which must exist)."""
        folder = Path(folder)
        out = []
        for name, table, order in (
            ("comparison_agglomerations.csv", self.headline(), ["agglomeration"]),
            ("comparison_cities.csv", self.by_city, ["origin_id", "agglomeration"]),
            ("comparison_places.csv", self.by_place, ["origin_id", "place_id"]),
        ):
            path = folder / name
            write_csv(table.sort_values(order, kind="stable"), path, provenance)
            out.append(path)
        return out
