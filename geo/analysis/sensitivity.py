"""How robust is the ranking: the agglomerations' measures over a grid of assumptions.

The grid (:class:`Grid`, defaults :data:`DEFAULT_GRID`) crosses the speed model, the
global speed factor, the zone definition (radius or drive time) and whether the closed
towns' people count (``in``) or not (``out``). For each combination and agglomeration
:func:`sensitivity_runs` gives the drive time from each first-tier city to the centre,
the Hansen potential at the centre (``potential``, as ``agglomerations.csv``), the zone
potential (:mod:`geo.analysis.visitors`; with ``closed = "out"`` its visitable version)
the agglomeration's rank by zone potential (``rank``, 1 = best) and by the potential at
the centre (``rank_potential``, which the zone and closed towns cannot move). :func:`sensitivity_summary`
gives each agglomeration's range over the grid.

Trees are shared between runs that change only what follows them: one set of trees
(:func:`geo.analysis.town_times.town_times`) per speed model and factor serves every zone
definition and both closed-town choices. The factor cannot be applied by scaling the
times of one set: it scales the roads' speeds and the access legs, but the turn and
junction costs of the profile (:mod:`geo.routing.turns`) are fixed seconds, so a route's time is
not its time at factor 1 divided by the factor (and the fastest route may change). Each
factor therefore gets its own trees.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..network.road_network import RoadNetwork
from ..study.definition import Study
from .agglomeration import decay, rank
from .analytics import centre_times
from .drive_zones import ZoneDefinition, zone_measures
from .town_times import town_times

__all__ = ["CLOSED_CHOICES", "DEFAULT_GRID", "Grid", "sensitivity_runs", "sensitivity_summary"]

log = logging.getLogger(__name__)

#: Whether the closed towns' people count in the zone potential.
CLOSED_CHOICES = ("in", "out")


@dataclass(frozen=True)
class Grid:
    """The assumptions to cross: speed models, speed factors, zones, closed towns."""

    speed_models: tuple[str, ...] = ("ru", "osrm-car")
    speed_factors: tuple[float, ...] = (0.85, 1.0, 1.15)
    zones: tuple[ZoneDefinition, ...] = (
        ZoneDefinition("radius", 40.0),
        ZoneDefinition("radius", 50.0),
        ZoneDefinition("radius", 60.0),
        ZoneDefinition("time", 30.0),
        ZoneDefinition("time", 45.0),
        ZoneDefinition("time", 60.0),
    )
    closed: tuple[str, ...] = CLOSED_CHOICES

    def __post_init__(self) -> None:
        for name in ("speed_models", "speed_factors", "zones", "closed"):
            if not getattr(self, name):
                raise ValueError(f"the sensitivity grid needs at least one of {name}")
        bad = [c for c in self.closed if c not in CLOSED_CHOICES]
        if bad:
            raise ValueError(f"closed must be 'in' or 'out', got {bad[0]!r}")

    @property
    def size(self) -> int:
        """Number of combinations."""
        return len(self.speed_models) * len(self.speed_factors) * len(self.zones) * len(self.closed)


DEFAULT_GRID = Grid()


def sensitivity_runs(study: Study, network: RoadNetwork, grid: Grid = DEFAULT_GRID) -> pd.DataFrame:
    """One row per (speed model, factor, zone, closed, agglomeration): drive times to the
    centre from each first-tier city, potential, zone potential and rank.

    ``network`` is the study's network with any speed model; each combination's speeds
    are set here (:meth:`geo.network.road_network.RoadNetwork.with_speeds`).
    """
    keys = [key for _, key in study.city_keys()]
    rows = []
    for model in grid.speed_models:
        for factor in grid.speed_factors:
            log.info("sensitivity: speed model %s, factor %g", model, factor)
            varied = study.with_overrides(speed_model=model, speed_factor=factor)
            times = town_times(varied, network.with_speeds(model, factor))
            t = centre_times(varied, times)
            potential = np.sum(
                [
                    c.population * decay(t[i], varied.routing.decay)
                    for i, c in enumerate(varied.first_tier)
                ],
                axis=0,
            )
            by_potential = rank(pd.Series(potential), ascending=False)
            for zone in grid.zones:
                measures = zone_measures(varied, times, [zone])
                for closed in grid.closed:
                    col = "zone_potential" if closed == "in" else "zone_potential_visitable"
                    zp = measures.groupby("agglomeration", sort=False)[col].sum()
                    zp = zp.reindex([a.name for a in varied.agglomerations])
                    ranks = rank(zp.reset_index(drop=True), ascending=False)
                    for k, agg in enumerate(varied.agglomerations):
                        row = {
                            "speed_model": model,
                            "speed_factor": factor,
                            "zone": zone.label,
                            "closed_towns": closed,
                            "agglomeration": agg.name,
                        }
                        for i, key in enumerate(keys):
                            row[f"time_min_from_{key}"] = t[i, k]
                        row["potential"] = float(potential[k])
                        row["zone_potential"] = float(zp.iloc[k])
                        row["rank"] = ranks.iloc[k]
                        row["rank_potential"] = by_potential.iloc[k]
                        rows.append(row)
    return pd.DataFrame(rows)


def sensitivity_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Per agglomeration: the minimum and maximum over the grid of each drive time, the
    potential, the zone potential and the rank, and how often it ranks first."""
    measures = [c for c in runs.columns if c.startswith("time_min_from_")]
    measures += ["potential", "zone_potential", "rank", "rank_potential"]
    grouped = runs.groupby("agglomeration", sort=False)
    out = pd.DataFrame(index=grouped.size().index)
    for col in measures:
        values = runs[col].astype(float)
        out[f"{col}_min"] = values.groupby(runs["agglomeration"], sort=False).min()
        out[f"{col}_max"] = values.groupby(runs["agglomeration"], sort=False).max()
    for col in ("rank_min", "rank_max", "rank_potential_min", "rank_potential_max"):
        out[col] = out[col].astype("Int64")
    out["runs"] = grouped.size()
    out["runs_ranked_first"] = grouped["rank"].apply(lambda r: int((r == 1).sum()))
    return out.reset_index()
