"""Which road first: every candidate upgraded on its own, ranked.

:func:`prepare_sweep` joins the study's places to the network, finds the candidates
(the sections of today's main routes, :mod:`.candidates`, or the user's list,
:mod:`.candidate_list`) and grows today's trees from the first-tier cities once.
:func:`rank_upgrades` then evaluates each candidate under a standard (a new limit or a
speed factor) exactly: by the incremental update of today's trees where the edit only
changes edge times (:mod:`._sweep_graph`), else by routing the edited network from
scratch (:mod:`._rebuild`: drawn new roads, class upgrades, closures of a road a place
is joined to, and every candidate of a profile that weighs roads beyond their time);
in parallel (:mod:`._parallel`), and ranks them by an :class:`Objective`.
:func:`~.package.choose_package` picks greedily within a budget;
:func:`~.closures.rank_closures` gives what closing each section costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..base.arrays import FloatArray
from ..errors import ScenarioError
from ..network.profile import load_profile, travel_times_s
from ..network.road_network import RoadNetwork
from ..routing.router import Router
from ..study.definition import Study
from ._objective import Objective, Sweep, centre_minutes, objective_value, today_times
from ._parallel import AnyJob, evaluate_all
from ._parallel import default_workers as default_workers
from ._rebuild import Rebuild, RebuildJob
from ._sweep_graph import SweepGraph
from .apply import _upgraded_speeds
from .candidate_list import listed_candidates
from .candidates import Candidate, corridor_candidates
from .edits import FACTOR_RANGE, ROAD_CLASSES, SPEED_RANGE_KPH, Close, NewRoad, Selection, Upgrade
from .scenario import Scenario

__all__ = [
    "Objective",
    "Sweep",
    "candidate_jobs",
    "default_workers",
    "evaluate_candidates",
    "objective_value",
    "prepare_sweep",
    "rank_upgrades",
    "standard_upgrade",
    "upgrade_jobs",
]


def _places(study: Study) -> pd.DataFrame:
    rows = {p.geonameid: (p.geonameid, p.name, p.lon, p.lat) for p in study.all_places()}
    zone = study.zone_settlements()
    zone = zone[zone["within_radius"]]
    for r in zone.itertuples():
        rows.setdefault(int(r.geonameid), (int(r.geonameid), str(r.display_name), r.lon, r.lat))
    return pd.DataFrame(list(rows.values()), columns=["place_id", "name", "lon", "lat"])


def prepare_sweep(
    study: Study,
    network: RoadNetwork,
    min_km: float = 5.0,
    candidates: Scenario | None = None,
    closures: bool = False,
) -> Sweep:
    """Join the places, find the candidates and grow today's trees (``network`` with the
    study's speed model already, e.g. from :func:`geo.pipeline.compute.study_network`).

    ``candidates``: the user's list (each edit one candidate, :mod:`.candidate_list`;
    ``closures``: its ``[[close]]`` edits) instead of the sections of today's routes.
    """
    places = _places(study)
    router = Router.for_study(network, places, study)
    node = dict(zip(places["place_id"], router.place_nodes(places["place_id"]), strict=True))
    zone = study.zone_settlements()
    zone = zone[zone["within_radius"] & zone["geonameid"].map(lambda g: node.get(g, -1) >= 0)]
    wanted = {node[a.center.geonameid] for a in study.agglomerations}
    target_nodes = sorted((wanted | set(zone["geonameid"].map(node))) - {-1})
    column = {t: i for i, t in enumerate(target_nodes)}
    place_of = {n: p for p, n in node.items() if n >= 0}
    city_nodes = np.array([node[p.geonameid] for p in study.first_tier], dtype=np.int64)
    rebuild = Rebuild(
        study,
        network,
        places,
        [p.geonameid for p in study.first_tier],
        [place_of[t] for t in target_nodes],
    )
    graph = None
    if not router.weighted:
        targets = np.asarray(target_nodes, dtype=np.int64)
        graph = SweepGraph.from_router(router, city_nodes, targets)
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
    if candidates is not None:
        found = listed_candidates(network, study, candidates, closures)
    else:
        found = corridor_candidates(
            network,
            router,
            list(zip(cities["name"], cities["node"], strict=True)),
            [(a.center.name, node[a.center.geonameid]) for a in study.agglomerations],
            min_km=min_km,
        )
    # Every road a place is joined to: closing one moves the place's join.
    place_roads: dict[int, list[str]] = {}
    for edge, row in zip(*(a.tolist() for a in router.place_joins()), strict=True):
        place_roads.setdefault(edge, []).append(str(places["name"].iloc[row]))
    today = today_times(graph) if graph is not None else rebuild.times(network)
    return Sweep(
        study,
        network,
        graph,
        rebuild,
        found,
        cities,
        centres,
        towns,
        today,
        {e: tuple(names) for e, names in place_roads.items()},
    )


def standard_upgrade(
    maxspeed_kph: float | None = None,
    factor: float | None = None,
    speed_kph: float | None = None,
    road_class: str | None = None,
) -> Upgrade:
    """The standard each candidate is upgraded to: one of a limit ``maxspeed_kph``, a
    speed ``factor``, a drive speed ``speed_kph`` or a ``road_class``; none given: a limit
    of 110 km/h.

    Raises
    ------
    ScenarioError
        More than one setting, an implausible value, or an unknown class.
    """
    settings = (
        ("limit", maxspeed_kph),
        ("factor", factor),
        ("speed", speed_kph),
        ("class", road_class),
    )
    given = [k for k, v in settings if v is not None]
    if len(given) > 1:
        raise ScenarioError(f"give one standard, not {' and '.join(given)}")
    if road_class is not None and road_class not in ROAD_CLASSES:
        raise ScenarioError(f"standard class {road_class!r} is not one of {list(ROAD_CLASSES)}")
    for what, value, (low, high) in (
        ("limit", maxspeed_kph, SPEED_RANGE_KPH),
        ("drive speed", speed_kph, SPEED_RANGE_KPH),
        ("speed factor", factor, FACTOR_RANGE),
    ):
        if value is not None and not low <= value <= high:
            raise ScenarioError(
                f"standard {what} {value:g} is implausible (allowed {low:g} to {high:g})"
            )
    return Upgrade(
        "standard",
        Selection(),
        maxspeed_kph=110.0 if not given else maxspeed_kph,
        factor=factor,
        speed_kph=speed_kph,
        road_class=road_class,
    )


def _class_sets_turn_costs(network: RoadNetwork) -> bool:
    """Whether the network's profile reads road classes at junctions (OSRM's perceived
    bearings): then a class upgrade changes turn costs too, and is rebuilt."""
    name = str(network.provenance.get("speed_model", {}).get("name", "ru"))
    return load_profile(name).turns.bearings == "osrm"


def candidate_jobs(
    sweep: Sweep,
    candidates: Sequence[Candidate],
    standard: Upgrade | None = None,
    closures: bool = False,
) -> list[AnyJob]:
    """What evaluates each candidate: edge times for the incremental update, or a
    :class:`~._rebuild.RebuildJob` where the edit needs a rebuild (see the module doc).

    A section of today's routes takes the ``standard`` (:func:`standard_upgrade`;
    ``closures``: is closed); an edit of the user's list its own setting (the standard
    where it sets none).
    """
    net = sweep.network
    standard = standard or standard_upgrade()
    class_turns = _class_sets_turn_costs(net)
    jobs: list[AnyJob] = []
    for c in candidates:
        edit = c.edit
        rule = edit if isinstance(edit, Upgrade) else standard
        if isinstance(edit, NewRoad) or (
            not closures and rule.road_class is not None and class_turns
        ):
            change = edit if edit is not None else _on(rule, c)
            jobs.append(RebuildJob(scenarios=(Scenario(c.key, c.label, (change,)),)))
            continue
        if closures or isinstance(edit, Close):
            times = np.full(len(c.edges), np.inf)
        else:
            speed, _, _ = _upgraded_speeds(net, rule, c.edges, net.highway)
            times = travel_times_s(net.length_m[c.edges], speed)
        moves_a_place = closures and not sweep.place_roads.keys().isdisjoint(c.edges.tolist())
        if sweep.graph is None or moves_a_place:
            jobs.append(RebuildJob(edges=((c.edges, times),)))
        else:
            jobs.append((c.edges, times))
    return jobs


def _on(rule: Upgrade, candidate: Candidate) -> Upgrade:
    """The standard on a section's own edges, as a scenario edit."""
    return replace(
        rule, name=candidate.key, selection=Selection(edges=tuple(candidate.edges.tolist()))
    )


def upgrade_jobs(sweep: Sweep, standard: Upgrade | None = None) -> list[AnyJob]:
    """Each candidate's job under the standard (:func:`candidate_jobs`)."""
    return candidate_jobs(sweep, sweep.candidates, standard)


def evaluate_candidates(
    sweep: Sweep, jobs: Sequence[AnyJob], increase: bool, **run: Any
) -> list[FloatArray]:
    """Times (s) after each job, in order: the incremental ones on the sweep graph, the
    rebuilt ones by :class:`~._rebuild.Rebuild` (both on ``run``'s workers or cluster)."""
    fast = [i for i, j in enumerate(jobs) if not isinstance(j, RebuildJob)]
    slow = [i for i, j in enumerate(jobs) if isinstance(j, RebuildJob)]
    out: list[FloatArray] = [np.zeros(0)] * len(jobs)
    if fast:
        assert sweep.graph is not None
        got = evaluate_all(sweep.graph, [jobs[i] for i in fast], increase=increase, **run)
        for i, r in zip(fast, got, strict=True):
            out[i] = r
    if slow:
        got = evaluate_all(sweep.rebuild, [jobs[i] for i in slow], increase=increase, **run)
        for i, r in zip(slow, got, strict=True):
            out[i] = r
    return out


def _minutes_columns(sweep: Sweep, minutes: FloatArray, prefix: str) -> dict[str, FloatArray]:
    cols = {}
    for j, agg in enumerate(sweep.centres["agglomeration"]):
        for i, key in enumerate(sweep.cities["key"]):
            cols[f"{prefix}_{agg}_from_{key}"] = minutes[:, i, j]
    return cols


def rank_upgrades(
    sweep: Sweep,
    *,
    standard: Upgrade | None = None,
    objective: Objective | None = None,
    cost_per_km: float | None = None,
    **run: Any,
) -> pd.DataFrame:
    """Every candidate upgraded on its own to the standard (:func:`standard_upgrade`,
    default: a 110 km/h limit), ranked by the objective.

    ``run`` goes to :func:`._parallel.evaluate_all` (``workers``, ``scheduler``,
    ``timeout_s``, ``incremental``). Columns: ``rank``, ``candidate``, ``section``,
    ``km``, ``minutes_saved_<agglomeration>_from_<city>``, ``gain``, ``gain_per_km``
    and, with ``cost_per_km``, ``cost``. Ties keep the candidates' order.
    """
    objective = objective or Objective()
    jobs = upgrade_jobs(sweep, standard)
    results = evaluate_candidates(sweep, jobs, increase=False, **run)
    return ranked_table(sweep, results, objective, cost_per_km, saved=True)


def ranked_table(
    sweep: Sweep,
    results: list[FloatArray],
    objective: Objective,
    cost_per_km: float | None,
    saved: bool,
) -> pd.DataFrame:
    """The candidates' table from their times (``saved``: minutes saved, best gain first;
    else minutes lost, worst loss first)."""
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
