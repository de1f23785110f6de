"""What a ranking measures and works on: the :class:`Objective` a candidate gains, the
:class:`Sweep` built once for a study, and the objective's value for a matrix of times;
public through :mod:`geo.scenarios.ranking`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..analysis.agglomeration import decay
from ..base.arrays import FloatArray
from ..errors import ScenarioError
from ..network.road_network import RoadNetwork
from ..study.definition import Study
from ._rebuild import Rebuild
from ._sweep_graph import SweepGraph
from .candidates import Candidate


@dataclass(frozen=True)
class Objective:
    """What a candidate gains: ``potential`` (all agglomerations), one agglomeration's
    potential, or the zone population newly within ``minutes`` of a first-tier city."""

    kind: str = "potential"
    agglomeration: str | None = None
    minutes: float | None = None

    @classmethod
    def parse(cls, text: str, study: Study) -> Objective:
        """``potential``, ``agglomeration:NAME`` or ``within:MINUTES``.

        Raises
        ------
        ScenarioError
            Another text, an unknown agglomeration or implausible minutes.
        """
        kind, _, value = text.partition(":")
        if kind == "potential" and not value:
            return cls()
        if kind == "agglomeration":
            names = [a.name for a in study.agglomerations]
            match = [n for n in names if n.casefold() == value.strip().casefold()]
            if not match:
                raise ScenarioError(f"no agglomeration {value!r} in the study: {', '.join(names)}")
            return cls("agglomeration", agglomeration=match[0])
        if kind == "within":
            try:
                minutes = float(value)
            except ValueError:
                minutes = float("nan")
            if not 1 <= minutes <= 600:
                raise ScenarioError(f"within:{value} needs minutes between 1 and 600")
            return cls("within", minutes=minutes)
        raise ScenarioError(
            f"objective {text!r}: use potential, agglomeration:NAME or within:MINUTES"
        )

    def describe(self) -> str:
        if self.kind == "agglomeration":
            return f"consumer-overflow potential of {self.agglomeration}"
        if self.kind == "within":
            return f"zone population newly within {self.minutes:g} min of a first-tier city"
        return "total consumer-overflow potential of all agglomerations"


@dataclass
class Sweep:
    """Everything a ranking needs, built once: the graph, the places, the candidates."""

    study: Study
    network: RoadNetwork
    graph: SweepGraph | None
    """Today's turn graph and trees for the incremental update (``None`` where the
    profile weighs roads beyond their time: every candidate is then rebuilt)."""
    rebuild: Rebuild
    """Routes an edited network from scratch (new roads, closures at places, classes)."""
    candidates: list[Candidate]
    cities: pd.DataFrame
    """First-tier cities: ``name``, ``key`` (for column names), ``population``."""
    centres: pd.DataFrame
    """Agglomerations: ``agglomeration``, ``target`` (column of the times)."""
    towns: pd.DataFrame
    """Zone towns within the radius: ``agglomeration``, ``name``, ``population``, ``target``."""
    today: FloatArray
    """Times (s) today from each city (rows) to each target (columns)."""
    place_roads: dict[int, tuple[str, ...]]
    """Network edges a place is joined to, and the places (closing one joins the place to
    another road: such a closure is rebuilt)."""


def today_times(graph: SweepGraph) -> FloatArray:
    """Today's times (s) from the graph's trees, cities × targets."""
    none = (np.zeros(0, np.int64), np.zeros(0))
    return np.vstack(
        [graph.arrivals(i, graph.base_time[i], *none) for i in range(len(graph.sources))]
    )


def centre_minutes(sweep: Sweep, times: FloatArray) -> FloatArray:
    """Minutes from each city (rows) to each centre (columns); NaN off the network."""
    cols = sweep.centres["target"].to_numpy()
    out = np.where(cols >= 0, times[:, cols.clip(0)], np.inf) / 60.0
    out[~np.isfinite(out)] = np.nan
    return np.asarray(out)


def objective_value(sweep: Sweep, times: FloatArray, objective: Objective) -> float:
    """The objective's value for a matrix of times (cities × targets, seconds)."""
    if objective.kind == "within":
        assert objective.minutes is not None
        t = times[:, sweep.towns["target"].to_numpy()] / 60.0
        pop = sweep.towns["population"].to_numpy()
        return float((np.where(t <= objective.minutes, 1.0, 0.0) * pop).sum())
    weights = decay(centre_minutes(sweep, times), sweep.study.routing.decay)
    pot = sweep.cities["population"].to_numpy()[:, None] * weights
    if objective.kind == "agglomeration":
        pot = pot[:, (sweep.centres["agglomeration"] == objective.agglomeration).to_numpy()]
    return float(pot.sum())
