"""A package of upgrades within a budget: chosen greedily, re-evaluated after each choice.

Gains interact (two upgrades on one route do not add up), so each round evaluates the
remaining candidates on the network with the earlier choices made, and picks the best
gain per km (per money with a budget in money) that still fits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ._objective import Objective, Sweep, objective_value, today_times
from ._parallel import AnyJob
from ._rebuild import RebuildJob
from ._sweep_graph import with_edit
from .edits import Upgrade
from .ranking import evaluate_candidates, upgrade_jobs

__all__ = ["choose_package"]


def _as_rebuild(job: AnyJob) -> RebuildJob:
    return job if isinstance(job, RebuildJob) else RebuildJob(edges=(job,))


def choose_package(
    sweep: Sweep,
    *,
    budget_km: float | None = None,
    budget: float | None = None,
    cost_per_km: float | None = None,
    standard: Upgrade | None = None,
    objective: Objective | None = None,
    **run: Any,
) -> pd.DataFrame:
    """Greedy package (every candidate upgraded to ``standard``,
    :func:`~.ranking.standard_upgrade`): repeatedly the candidate with the best gain per km (per cost with
    ``budget``) that still fits, each round evaluated on the network with the earlier
    choices made (once a rebuilt candidate, e.g. a new road, is chosen, every later round
    is rebuilt too). Returns the marginal-gain curve: ``step``, ``candidate``, ``section``,
    ``km``, ``cumulative_km``, ``marginal_gain``, ``cumulative_gain`` (and costs).

    Raises
    ------
    ScenarioError
        No budget, both budgets, or a budget in money without a cost per km.
    """
    if budget_km is not None and budget is None:
        limit = budget_km
    elif budget is not None and budget_km is None:
        if not cost_per_km:
            raise ScenarioError("a budget in money needs a cost per km")
        limit = budget / cost_per_km
    else:
        raise ScenarioError("give a budget in km or in money (with a cost per km), one of them")
    objective = objective or Objective()
    jobs = upgrade_jobs(sweep, standard)
    left = list(range(len(sweep.candidates)))
    spent_km, total = 0.0, 0.0
    rows: list[tuple[int, str, str, float, float, float, float]] = []
    current = sweep
    picked = RebuildJob()
    rebuilt = sweep.graph is None
    while left:
        fits = [i for i in left if spent_km + sweep.candidates[i].km <= limit + 1e-9]
        if not fits:
            break
        # On the graph with the choices made, or rebuilt with them.
        round_jobs = [
            picked.then(_as_rebuild(jobs[i]))
            if rebuilt or isinstance(jobs[i], RebuildJob)
            else jobs[i]
            for i in fits
        ]
        results = evaluate_candidates(current, round_jobs, increase=False, **run)
        base = objective_value(current, current.today, objective)
        gains = np.array([objective_value(current, r, objective) - base for r in results])
        km = np.array([sweep.candidates[i].km for i in fits])
        ratio = gains / np.where(km > 0, km, 1.0)
        best = int(np.argmax(ratio))
        if gains[best] <= 0:
            break
        pick = fits[best]
        picked = picked.then(_as_rebuild(jobs[pick]))
        job = jobs[pick]
        if rebuilt or isinstance(job, RebuildJob) or current.graph is None:
            rebuilt = True
            current = Sweep(**{**current.__dict__, "today": results[best]})
        else:
            edges, times = current.graph.edit(*job)
            graph = with_edit(current.graph, edges, times)
            current = Sweep(**{**current.__dict__, "graph": graph, "today": today_times(graph)})
        spent_km += sweep.candidates[pick].km
        total += float(gains[best])
        c = sweep.candidates[pick]
        rows.append((len(rows) + 1, c.key, c.label, c.km, spent_km, float(gains[best]), total))
        left.remove(pick)
    curve = pd.DataFrame(
        rows,
        columns=[
            "step",
            "candidate",
            "section",
            "km",
            "cumulative_km",
            "marginal_gain",
            "cumulative_gain",
        ],
    )
    if cost_per_km is not None:
        curve["cost"] = curve["km"] * cost_per_km
        curve["cumulative_cost"] = curve["cumulative_km"] * cost_per_km
    return curve
