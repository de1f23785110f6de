"""Which road first: every candidate section upgraded (or closed) on its own, ranked.

:func:`prepare_sweep` joins the study's places to the network, finds the candidate
sections (:mod:`.candidates`) and grows today's trees from the first-tier cities once.
:func:`rank_upgrades` then evaluates each candidate under a standard (a new limit or a
speed factor) exactly and without rebuilding anything (:mod:`._sweep_graph`), in
parallel (:mod:`._parallel`), and ranks them by an :class:`Objective`;
:func:`choose_package` picks greedily within a budget, re-evaluating after each choice;
:func:`rank_closures` gives what closing each section costs and a redundancy table per
town.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..base.arrays import FloatArray
from ..errors import ScenarioError
from ..network.profile import travel_times_s
from ..network.road_network import RoadNetwork
from ..routing.router import Router
from ..study.definition import Study
from ._objective import Objective, Sweep, centre_minutes, objective_value, today_times
from ._parallel import Job, evaluate_all
from ._parallel import default_workers as default_workers
from ._select import reverse_twins
from ._sweep_graph import SweepGraph, with_edit
from .apply import _upgraded_speeds
from .candidates import corridor_candidates
from .scenario import Selection, Upgrade

__all__ = [
    "Objective",
    "Sweep",
    "choose_package",
    "default_workers",
    "objective_value",
    "prepare_sweep",
    "rank_closures",
    "rank_upgrades",
    "upgrade_jobs",
]


def _places(study: Study) -> pd.DataFrame:
    rows = {p.geonameid: (p.geonameid, p.name, p.lon, p.lat) for p in study.all_places()}
    zone = study.zone_settlements()
    zone = zone[zone["within_radius"]]
    for r in zone.itertuples():
        rows.setdefault(int(r.geonameid), (int(r.geonameid), str(r.display_name), r.lon, r.lat))
    return pd.DataFrame(list(rows.values()), columns=["place_id", "name", "lon", "lat"])


def prepare_sweep(study: Study, network: RoadNetwork, min_km: float = 5.0) -> Sweep:
    """Join the places, find the candidates and grow today's trees (``network`` with the
    study's speed model already, e.g. from :func:`geo.pipeline.compute.study_network`)."""
    places = _places(study)
    router = Router.for_study(network, places, study)
    node = dict(zip(places["place_id"], router.place_nodes(places["place_id"]), strict=True))
    zone = study.zone_settlements()
    zone = zone[zone["within_radius"] & zone["geonameid"].map(lambda g: node.get(g, -1) >= 0)]
    target_nodes = sorted(
        {node[a.center.geonameid] for a in study.agglomerations} | set(zone["geonameid"].map(node))
    )
    target_nodes = [t for t in target_nodes if t >= 0]
    column = {t: i for i, t in enumerate(target_nodes)}
    city_nodes = np.array([node[p.geonameid] for p in study.first_tier], dtype=np.int64)
    graph = SweepGraph.from_router(
        router, city_nodes.clip(0), np.asarray(target_nodes, dtype=np.int64)
    )
    cities = pd.DataFrame(
        {
            "name": [p.name for p, _ in study.city_keys()],
            "key": [k for _, k in study.city_keys()],
            "population": [float(p.population) for p, _ in study.city_keys()],
            "node": city_nodes,
        }
    )
    centres = pd.DataFrame(
        {
            "agglomeration": [a.name for a in study.agglomerations],
            "target": [column.get(node[a.center.geonameid], -1) for a in study.agglomerations],
        }
    )
    towns = pd.DataFrame(
        {
            "agglomeration": zone["agglomeration"].to_numpy(),
            "name": zone["display_name"].to_numpy(),
            "population": zone["population"].to_numpy(dtype=float),
            "target": zone["geonameid"].map(node).map(column).to_numpy(dtype=np.int64),
        }
    )
    candidates = corridor_candidates(
        network,
        router,
        list(zip(cities["name"], cities["node"], strict=True)),
        [(a.center.name, node[a.center.geonameid]) for a in study.agglomerations],
        min_km=min_km,
    )
    snap = router.snap.table
    joined = snap.loc[snap["place_id"].isin([p.geonameid for p in study.first_tier]), "edge"]
    city_roads = reverse_twins(network, joined[joined >= 0].to_numpy(dtype=np.int64))
    return Sweep(
        study,
        network,
        graph,
        candidates,
        cities,
        centres,
        towns,
        today_times(graph),
        frozenset(city_roads.tolist()),
    )


def upgrade_jobs(
    sweep: Sweep, maxspeed_kph: float | None = 110.0, factor: float | None = None
) -> list[Job]:
    """Each candidate's edges and their times under the standard (never slower)."""
    net = sweep.network
    edit = Upgrade(
        "standard", Selection(), maxspeed_kph=None if factor else maxspeed_kph, factor=factor
    )
    jobs = []
    for c in sweep.candidates:
        speed, _, _ = _upgraded_speeds(net, edit, c.edges, net.highway)
        jobs.append((c.edges, travel_times_s(net.length_m[c.edges], speed)))
    return jobs


def _minutes_columns(sweep: Sweep, minutes: FloatArray, prefix: str) -> dict[str, FloatArray]:
    cols = {}
    for j, agg in enumerate(sweep.centres["agglomeration"]):
        for i, key in enumerate(sweep.cities["key"]):
            cols[f"{prefix}_{agg}_from_{key}"] = minutes[:, i, j]
    return cols


def rank_upgrades(
    sweep: Sweep,
    *,
    maxspeed_kph: float | None = 110.0,
    factor: float | None = None,
    objective: Objective | None = None,
    cost_per_km: float | None = None,
    **run: Any,
) -> pd.DataFrame:
    """Every candidate upgraded on its own to the standard, ranked by the objective.

    ``run`` goes to :func:`._parallel.evaluate_all` (``workers``, ``scheduler``,
    ``timeout_s``, ``incremental``). Columns: ``rank``, ``candidate``, ``section``,
    ``km``, ``minutes_saved_<agglomeration>_from_<city>``, ``gain``, ``gain_per_km``
    and, with ``cost_per_km``, ``cost``. Ties keep the candidates' order.
    """
    objective = objective or Objective()
    results = evaluate_all(
        sweep.graph, upgrade_jobs(sweep, maxspeed_kph, factor), increase=False, **run
    )
    return _table(sweep, results, objective, cost_per_km, saved=True)


def _table(
    sweep: Sweep,
    results: list[FloatArray],
    objective: Objective,
    cost_per_km: float | None,
    saved: bool,
) -> pd.DataFrame:
    base_value = objective_value(sweep, sweep.today, objective)
    base_min = centre_minutes(sweep, sweep.today)
    new_min = (
        np.stack([centre_minutes(sweep, r) for r in results])
        if results
        else np.zeros((0, *base_min.shape))
    )
    km = np.array([c.km for c in sweep.candidates])
    diff = (base_min[None] - new_min) if saved else (new_min - base_min[None])
    gain = np.array([objective_value(sweep, r, objective) - base_value for r in results])
    table = pd.DataFrame(
        {
            "candidate": [c.key for c in sweep.candidates],
            "section": [c.label for c in sweep.candidates],
            "km": km,
            **_minutes_columns(sweep, diff, "minutes_saved" if saved else "minutes_lost"),
            "gain": gain,
            "gain_per_km": np.where(km > 0, gain / np.where(km > 0, km, 1.0), np.nan),
        }
    )
    if cost_per_km is not None:
        table["cost"] = km * cost_per_km
    order = np.argsort(-gain if saved else gain, kind="stable")
    table = table.iloc[order].reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def choose_package(
    sweep: Sweep,
    *,
    budget_km: float | None = None,
    budget: float | None = None,
    cost_per_km: float | None = None,
    maxspeed_kph: float | None = 110.0,
    factor: float | None = None,
    objective: Objective | None = None,
    **run: Any,
) -> pd.DataFrame:
    """Greedy package: repeatedly the candidate with the best gain per km (per cost with
    ``budget``) that still fits, each round evaluated on the network with the earlier
    choices made. Returns the marginal-gain curve: ``step``, ``candidate``, ``section``,
    ``km``, ``cumulative_km``, ``marginal_gain``, ``cumulative_gain`` (and costs)."""
    if budget_km is not None and budget is None:
        limit = budget_km
    elif budget is not None and budget_km is None:
        if not cost_per_km:
            raise ScenarioError("a budget in money needs a cost per km")
        limit = budget / cost_per_km
    else:
        raise ScenarioError("give a budget in km or in money (with a cost per km), one of them")
    objective = objective or Objective()
    jobs = upgrade_jobs(sweep, maxspeed_kph, factor)
    graph = sweep.graph
    left = list(range(len(sweep.candidates)))
    spent_km, total = 0.0, 0.0
    rows: list[tuple[int, str, str, float, float, float, float]] = []
    current = Sweep(**{**sweep.__dict__, "graph": graph})
    while left:
        fits = [i for i in left if spent_km + sweep.candidates[i].km <= limit + 1e-9]
        if not fits:
            break
        results = evaluate_all(current.graph, [jobs[i] for i in fits], increase=False, **run)
        base = objective_value(current, current.today, objective)
        gains = np.array([objective_value(current, r, objective) - base for r in results])
        km = np.array([sweep.candidates[i].km for i in fits])
        ratio = gains / np.where(km > 0, km, 1.0)
        best = int(np.argmax(ratio))
        if gains[best] <= 0:
            break
        pick = fits[best]
        edges, times = graph.edit(*jobs[pick])
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


def rank_closures(
    sweep: Sweep, *, limit_min: float | None = None, **run: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What closing each candidate section on its own costs, and per town its redundancy.

    Sections holding a road a first-tier city joins are left out (closing one would cut
    the city itself off). A closed section's movements take an infinite time: the
    junctions keep their turn costs, as :func:`.apply.apply_scenario` closes roads.

    Returns the closures ranked by the loss of total potential (``gain`` is negative;
    ``minutes_lost_<agglomeration>_from_<city>``, NaN where the closure cuts the centre
    off, listed in ``cuts_off``) and the redundancy table: one row per first-tier city and
    zone town, with today's minutes, the worst closure, its minutes lost, how many
    closures push the town beyond ``limit_min`` (default: the study's largest coverage
    band), and ``no_alternative``: some single closure leaves it beyond the limit or
    unreachable.
    """
    limit = limit_min or max(sweep.study.routing.coverage_min)
    # A section holding the road a first-tier city joins would cut the city itself off.
    keep = [c for c in sweep.candidates if not sweep.city_roads.intersection(c.edges.tolist())]
    sweep = Sweep(**{**sweep.__dict__, "candidates": keep})
    jobs = [(c.edges, np.full(len(c.edges), np.inf)) for c in sweep.candidates]
    results = evaluate_all(sweep.graph, jobs, increase=True, **run)
    table = _table(sweep, results, Objective(), None, saved=False)
    cols = sweep.centres["target"].to_numpy()
    cut = [
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
    position = {c.key: i for i, c in enumerate(sweep.candidates)}
    table["cuts_off"] = [cut[position[k]] for k in table["candidate"]]
    rows = []
    keys = [c.key for c in sweep.candidates]
    stack = np.stack(results) if results else np.zeros((0, *sweep.today.shape))
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
                    bool(today <= limit and worst >= 0 and after[worst] > limit),
                )
            )
    redundancy = pd.DataFrame(
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
    return table, redundancy
