#!/usr/bin/env python3
"""Candidates per second for ``rank-upgrades``: full search, incremental, processes, Dask.

Not a test: it measures and prints. For each network (the bundled Urals extract, the
Ekaterinburg and Brandenburg extracts in ``../shared/osm/``) it prepares the sweep once
(places joined, candidate sections, today's trees from the first-tier cities), then
evaluates the same candidates (upgraded to 110 km/h; spread evenly over the candidate
list, which runs along each route from its start) five ways in one run:

- **rebuild**: the edited network routed from scratch (a new Router and turn graph, then
  the trees), as the ranking does for drawn roads and weighted profiles (at most
  ``--rebuilds`` candidates: on Brandenburg each takes about a second);
- **full**: scipy's Dijkstra on the whole edited turn graph, one per city and candidate;
- **incremental**: today's trees updated from the edited movements only;
- **2 processes**: incremental on a local pool of two spawned processes (graph sent once);
- **LocalCluster(2)**: incremental on a Dask LocalCluster of two worker processes (graph
  scattered once with ``broadcast=True``);

and reports candidates per second, the ratios to *full* measured in the same run, and the
median time per candidate (full and incremental) against the graph's size. Every way's
results are checked equal to *full*'s. Startup (spawning, shipping the graph) counts.

Examples
--------
All three networks, at most 60 candidates each::

    python scripts/bench_scenarios.py

One network, more candidates::

    python scripts/bench_scenarios.py --only ekaterinburg --candidates 200
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED_OSM = REPO.parent / "shared" / "osm"

#: name: (study key, OSM file or None for the study's bundled extract)
NETWORKS = {
    "urals": ("urals", None),
    "ekaterinburg": ("ekaterinburg", SHARED_OSM / "ekaterinburg-z14-2023.osm.pbf"),
    "brandenburg": ("brandenburg", SHARED_OSM / "brandenburg-omt-z14-2021.osm.pbf"),
}


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def bench(name: str, n_candidates: int, cache: Path, n_rebuilds: int = 10) -> dict[str, object]:
    """Measure one network; returns the row of the report."""
    from distributed import LocalCluster
    from ural_access.geo import settings
    from ural_access.geo.errors import CacheError, UralAccessWarning
    from ural_access.geo.network.road_network import RoadNetwork
    from ural_access.geo.pipeline.compute import study_network
    from ural_access.geo.scenarios._parallel import evaluate, evaluate_all
    from ural_access.geo.scenarios._rebuild import RebuildJob
    from ural_access.geo.scenarios.ranking import prepare_sweep, standard_upgrade, upgrade_jobs
    from ural_access.geo.study.definition import load_study

    settings.cache_folder = cache
    key, osm = NETWORKS[name]
    study = load_study(key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        t = time.perf_counter()
        try:
            roads = RoadNetwork.from_osm(study, osm)
        except CacheError:  # a cache of an older format: build it again
            roads = RoadNetwork.from_osm(study, osm, refresh=True)
        network = study_network(study, roads)
        t_net = time.perf_counter() - t
        t = time.perf_counter()
        sweep = prepare_sweep(study, network)
        t_prep = time.perf_counter() - t
    every = upgrade_jobs(sweep, standard_upgrade(110.0))
    jobs = every[:: max(1, len(every) // n_candidates)][:n_candidates]  # spread over the routes
    graph = sweep.graph
    evaluate(graph, jobs[0], increase=False)  # lists, scratch and compiled loop: once per process

    per_full, per_inc, full, inc = [], [], [], []
    for job in jobs:
        t = time.perf_counter()
        full.append(evaluate(graph, job, increase=False, incremental=False))
        per_full.append(time.perf_counter() - t)
        t = time.perf_counter()
        inc.append(evaluate(graph, job, increase=False, incremental=True))
        per_inc.append(time.perf_counter() - t)
    assert all(np.array_equal(a, b) for a, b in zip(full, inc, strict=True))
    per_rebuild = []
    for job, expect in list(zip(jobs, full, strict=True))[:: max(1, len(jobs) // n_rebuilds)]:
        t = time.perf_counter()
        rebuilt = sweep.rebuild.evaluate(RebuildJob(edges=(job,)))
        per_rebuild.append(time.perf_counter() - t)
        assert np.array_equal(rebuilt, expect)

    t = time.perf_counter()
    pool = evaluate_all(graph, jobs, increase=False, workers=2)
    t_pool = time.perf_counter() - t
    assert all(np.array_equal(a, b) for a, b in zip(full, pool, strict=True))
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        t = time.perf_counter()
        dask = evaluate_all(graph, jobs, increase=False, scheduler=cluster.scheduler_address)
        t_dask = time.perf_counter() - t
    assert all(np.array_equal(a, b) for a, b in zip(full, dask, strict=True))

    n = len(jobs)
    rate_full, rate_inc = _rate(n, sum(per_full)), _rate(n, sum(per_inc))
    rate_rebuild = _rate(len(per_rebuild), sum(per_rebuild))
    return {
        "network": name,
        "edges": network.n_edges,
        "states": len(graph.indptr) - 1,
        "cities": len(graph.sources),
        "candidates": f"{n} of {len(sweep.candidates)}",
        "network s": t_net,
        "prepare s": t_prep,
        "rebuild /s": rate_rebuild,
        "full /s": rate_full,
        "incremental /s": rate_inc,
        "2 processes /s": _rate(n, t_pool),
        "LocalCluster(2) /s": _rate(n, t_dask),
        "full/rebuild": rate_full / rate_rebuild,
        "incr/full": rate_inc / rate_full,
        "2 proc/full": _rate(n, t_pool) / rate_full,
        "dask/full": _rate(n, t_dask) / rate_full,
        "median ms full": 1000 * statistics.median(per_full),
        "median ms incr": 1000 * statistics.median(per_inc),
        "median speed-up": statistics.median(f / i for f, i in zip(per_full, per_inc, strict=True)),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=sorted(NETWORKS), action="append")
    parser.add_argument("--candidates", type=int, default=60)
    parser.add_argument("--rebuilds", type=int, default=10)
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level="WARNING")
    cache = args.cache_dir or Path(tempfile.gettempdir()) / "ural-access-bench-cache"
    names = args.only or list(NETWORKS)
    rows = [bench(name, args.candidates, cache, args.rebuilds) for name in names]
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        cells = [
            f"{v:,.2f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)
            for v in row.values()
        ]
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
