"""Which road first: candidates, exact incremental evaluation, parallel and Dask runs."""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from ural_access.geo.errors import ClusterError, UralAccessWarning
from ural_access.geo.network.road_network import RoadNetwork
from ural_access.geo.pipeline.compute import study_network
from ural_access.geo.scenarios._parallel import Job, evaluate_all
from ural_access.geo.scenarios._sweep_graph import SweepGraph
from ural_access.geo.scenarios.closures import rank_closures
from ural_access.geo.scenarios.package import choose_package
from ural_access.geo.scenarios.ranking import (
    Objective,
    Sweep,
    prepare_sweep,
    rank_upgrades,
    standard_upgrade,
    upgrade_jobs,
)
from ural_access.geo.study.definition import Study


def _sweep(built: Mapping[str, tuple[Study, RoadNetwork, Path]], key: str) -> Sweep:
    study, network, _ = built[key]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        return prepare_sweep(study, study_network(study, network))


@pytest.fixture(scope="module")
def urals(built: Mapping[str, tuple[Study, RoadNetwork, Path]]) -> Sweep:
    return _sweep(built, "urals")


def _incremental_only(graph: SweepGraph, job: Job, increase: bool) -> np.ndarray:
    """Times after the edit by the incremental update alone (no fallback to a full
    search), its compiled loop checked against its Python loop on the way."""
    edges, times = graph.edit(*job)
    states, arcs, new = graph.movements(edges, times)
    rows = []
    for i in range(len(graph.sources)):
        graph.compiled = True
        over = graph.incremental(i, states, arcs, new, increase)
        graph.compiled = False
        assert over is not None and over == graph.incremental(i, states, arcs, new, increase)
        graph.compiled = True
        rows.append(graph.arrivals(i, over, edges, times))
    return np.vstack(rows)


@pytest.mark.parametrize("key", ["urals", "djibouti"])
def test_incremental_equals_full_recomputation_on_every_candidate(
    built: Mapping[str, tuple[Study, RoadNetwork, Path]], key: str
) -> None:
    sweep = _sweep(built, key)
    assert len(sweep.candidates) >= 5
    upgrades = upgrade_jobs(sweep, standard_upgrade(130.0))
    closures = [(c.edges, np.full(len(c.edges), np.inf)) for c in sweep.candidates]
    for jobs, increase in ((upgrades, False), (closures, True)):
        fast = [_incremental_only(sweep.graph, job, increase) for job in jobs]
        full = evaluate_all(sweep.graph, jobs, increase=increase, incremental=False)
        assert all(  # the default: incremental, full search past its step budget
            np.array_equal(a, b)
            for a, b in zip(evaluate_all(sweep.graph, jobs, increase=increase), full, strict=True)
        )
        for a, b in zip(fast, full, strict=True):
            assert np.array_equal(a, b)  # the same floating-point numbers, inf included
        changed = sum(not np.array_equal(a, sweep.today) for a in fast)
        assert changed >= len(jobs) // 2  # most candidates change some time
        for a in fast:  # an upgrade never lengthens, a closure never shortens
            assert np.all(a >= sweep.today) if increase else np.all(a <= sweep.today)


def test_an_evaluation_equals_a_router_rebuilt_on_the_edited_network(urals: Sweep) -> None:
    """The edit reaches the weights the turn-aware search uses: a new Router built from
    a network whose edges carry the new times finds the same times to every target."""
    jobs = upgrade_jobs(urals, standard_upgrade(110.0))
    graph = urals.graph
    for job in jobs[:: max(1, len(jobs) // 6)]:
        edges, times = job
        travel = urals.network.travel_time_s.copy()
        travel[edges] = times
        edited = replace(urals.network, travel_time_s=travel)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UralAccessWarning)
            fresh = prepare_sweep(urals.study, edited)  # a new Router and turn graph
        got = evaluate_all(graph, [job], increase=False)[0]
        assert np.array_equal(got, fresh.today) and not np.array_equal(got, urals.today)


def test_rank_upgrades_ranks_20_candidates_and_a_package_fits_its_budget(urals: Sweep) -> None:
    table = rank_upgrades(urals, standard=standard_upgrade(110.0), cost_per_km=2.0)
    assert len(table) >= 20 and list(table["rank"]) == list(range(1, len(table) + 1))
    assert table["gain"].is_monotonic_decreasing and table["gain"].iloc[0] > 0
    assert (table["cost"] == 2.0 * table["km"]).all()
    saved = [c for c in table.columns if c.startswith("minutes_saved_")]
    assert len(saved) == 2 * 6 and (table[saved].fillna(0) >= 0).all().all()
    miass = rank_upgrades(
        urals, objective=Objective("agglomeration", agglomeration="Greater Miass")
    )
    assert miass["section"].iloc[0] != table["section"].iloc[0] or miass["gain"].iloc[0] > 0
    curve = choose_package(urals, budget_km=120.0)
    assert 0 < curve["cumulative_km"].iloc[-1] <= 120.0
    assert (curve["marginal_gain"] > 0).all() and curve["cumulative_gain"].is_monotonic_increasing
    within = rank_upgrades(urals, objective=Objective("within", minutes=90.0))
    assert (within["gain"] >= 0).all()


def test_closures_never_shorten_and_the_redundancy_table_names_towns(urals: Sweep) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)  # joins moved, centres cut off
        closures, redundancy = rank_closures(urals)
    lost = [c for c in closures.columns if c.startswith("minutes_lost_")]
    # Between unchanged joins (a closure may move a place's join: see test_candidate_list)
    fixed = closures[closures["moves_join_of"] == ""]
    assert len(fixed) >= len(closures) // 2
    assert (fixed[lost].fillna(0) >= 0).all().all() and (fixed["gain"] <= 0).all()
    assert redundancy["no_alternative"].any() and len(redundancy) == 2 * len(urals.towns)


def test_parallel_and_dask_rankings_equal_the_serial_one(urals: Sweep) -> None:
    from distributed import LocalCluster

    serial = rank_upgrades(urals, workers=1)
    assert serial.equals(rank_upgrades(urals, workers=2))
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        on_dask = rank_upgrades(urals, scheduler=cluster.scheduler_address)
    assert serial.equals(on_dask)


def test_an_unreachable_scheduler_is_a_clear_error(urals: Sweep) -> None:
    with pytest.raises(
        ClusterError,
        match=re.escape("cannot reach the Dask scheduler at 'tcp://127.0.0.1:9' within 1 s"),
    ):
        rank_upgrades(urals, scheduler="tcp://127.0.0.1:9", timeout_s=1.0)
