"""What a closure costs: each candidate section closed on its own, and per town its
redundancy (the worst single closure, and whether it leaves the town without an
alternative within the access limit)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..base.arrays import FloatArray
from ..errors import UralAccessWarning
from ._objective import Objective, Sweep
from .ranking import candidate_jobs, evaluate_candidates, ranked_table

__all__ = ["rank_closures"]


def _cut_off(sweep: Sweep, results: list[FloatArray]) -> list[str]:
    """Per closure: the centres it cuts off from a city (reached today, not after)."""
    cols = sweep.centres["target"].to_numpy()
    return [
        "; ".join(
            f"{sweep.centres['agglomeration'].iloc[j]} from {sweep.cities['name'].iloc[i]}"
            for i in range(len(sweep.cities))
            for j in range(len(cols))
            if cols[j] >= 0
            and np.isfinite(sweep.today[i, cols[j]])
            and not np.isfinite(r[i, cols[j]])
        )
        for r in results
    ]


def rank_closures(
    sweep: Sweep, *, limit_min: float | None = None, **run: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What closing each candidate on its own costs, and per town its redundancy.

    A closed section's roads are closed as :func:`.apply.apply_scenario` closes them: the
    junctions keep their turn costs, and a place joined to a closed road joins the
    nearest open one (a first-tier city is not cut off because the road it joins is; its
    minutes may then change either way: ``moves_join_of`` names such places, and a warning
    too). A closure that still cuts a centre off from a city gives NaN minutes and a
    warning naming both.

    Returns the closures ranked by the loss of total potential (``gain`` is negative;
    ``minutes_lost_<agglomeration>_from_<city>``, NaN where the closure cuts the centre
    off, listed in ``cuts_off``) and the redundancy table: one row per first-tier city and
    zone town, with today's minutes, the worst closure, its minutes lost, how many
    closures push the town beyond ``limit_min`` (default: the study's largest coverage
    band), and ``no_alternative``: some single closure leaves it beyond the limit or
    unreachable.
    """
    limit = limit_min or max(sweep.study.routing.coverage_min)
    jobs = candidate_jobs(sweep, sweep.candidates, closures=True)
    results = evaluate_candidates(sweep, jobs, increase=True, **run)
    table = ranked_table(sweep, results, Objective(), None, saved=False)
    cut = _cut_off(sweep, results)
    for c, who in zip(sweep.candidates, cut, strict=True):
        if who:
            warnings.warn(
                f"closing {c.key} ({c.label}) cuts off {who}: those minutes are NaN",
                UralAccessWarning,
                stacklevel=2,
            )
    moved = [
        "; ".join(sorted({n for e in c.edges.tolist() for n in sweep.place_roads.get(e, ())}))
        for c in sweep.candidates
    ]
    for c, who in zip(sweep.candidates, moved, strict=True):
        if who:
            warnings.warn(
                f"closing {c.key} ({c.label}) closes the road {who} is joined to: it joins "
                "the nearest open road instead, so its minutes may change either way",
                UralAccessWarning,
                stacklevel=2,
            )
    position = {c.key: i for i, c in enumerate(sweep.candidates)}
    table["cuts_off"] = [cut[position[k]] for k in table["candidate"]]
    table["moves_join_of"] = [moved[position[k]] for k in table["candidate"]]
    return table, _redundancy(sweep, results, limit)


def _no_alternative(today: float, worst: float, limit: float) -> bool:
    """Reached today, and the worst single closure cuts it off, or pushes it from within
    ``limit`` minutes to beyond (a town beyond the limit today counts once cut off)."""
    if not np.isfinite(today):
        return False
    return bool(not np.isfinite(worst) or (today <= limit < worst))


def _redundancy(sweep: Sweep, results: list[FloatArray], limit: float) -> pd.DataFrame:
    keys = [c.key for c in sweep.candidates]
    stack = np.stack(results) if results else np.zeros((0, *sweep.today.shape))
    rows = []
    for i, city in enumerate(sweep.cities["name"]):
        for town in sweep.towns.itertuples():
            today = sweep.today[i, town.target] / 60.0
            after = stack[:, i, town.target] / 60.0 if len(stack) else np.zeros(0)
            lost = after - today
            worst = int(np.argmax(lost)) if len(lost) else -1
            beyond = int(((after > limit) & (today <= limit)).sum())
            rows.append(
                (
                    city,
                    town.agglomeration,
                    town.name,
                    town.population,
                    today if np.isfinite(today) else np.nan,
                    keys[worst] if worst >= 0 and lost[worst] > 0 else "",
                    float(lost[worst]) if worst >= 0 and np.isfinite(lost[worst]) else np.nan,
                    beyond,
                    _no_alternative(today, after[worst] if worst >= 0 else today, limit),
                )
            )
    return pd.DataFrame(
        rows,
        columns=[
            "origin",
            "agglomeration",
            "town",
            "population",
            "minutes_today",
            "worst_closure",
            "worst_minutes_lost",
            f"closures_beyond_{limit:g}_min",
            "no_alternative",
        ],
    )
