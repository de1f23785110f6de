"""The ``scenario`` command: a scenario applied, its results, and the change from today."""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..geo.errors import UralAccessWarning

if TYPE_CHECKING:
    from ..geo.network.road_network import RoadNetwork
    from ..geo.results.access_results import AccessResults
    from ..geo.scenarios.compare import ScenarioComparison
    from ..geo.scenarios.ranking import Sweep
    from ..geo.study.definition import Study

__all__ = ["run_rank_upgrades", "run_scenario"]

log = logging.getLogger("ural_access.cli.scenarios")

#: Without --workers, candidates are evaluated on every core from this many on (starting
#: the processes costs a few seconds, more than the Urals' 98 candidates take in one).
AUTO_PARALLEL = 200
#: The same where every candidate is rebuilt (a profile weighing roads): 0.1 s or more each.
AUTO_PARALLEL_REBUILT = 40


def _computed(
    study: Study, network: RoadNetwork, isochrones: bool, context: bool = True
) -> tuple[AccessResults, list[str]]:
    """compute_access (``context``: with the map context), its warnings gathered (the
    summary lists them)."""
    from ..geo.pipeline.compute import compute_access

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UralAccessWarning)
        results = compute_access(study, network, with_isochrones=isochrones, with_context=context)
    return results, [str(w.message) for w in caught if issubclass(w.category, UralAccessWarning)]


def _headline(comparison: ScenarioComparison) -> str:
    table = comparison.headline()
    cities = [c for c in table.columns if c.startswith("minutes_from_")]
    width = max(len("agglomeration"), *(len(str(a)) for a in table["agglomeration"]))
    head = f"  {'agglomeration':<{width}}" + "".join(
        f"  {c.removeprefix('minutes_from_').removesuffix('_change'):>14}" for c in cities
    )
    lines = [head + f"  {'potential':>10}"]
    for row in table.itertuples(index=False):
        values = row._asdict()
        cells = "".join(f"  {_signed(values[c]):>14}" for c in cities)
        pct = values["potential_change_pct"]
        lines.append(f"  {row.agglomeration:<{width}}{cells}  {pct:>+9.1f}%")
    return "\n".join(lines)


def _signed(minutes: float) -> str:
    if minutes != minutes:  # NaN
        return "cut off"
    return f"{minutes:+.1f} min"


def run_scenario(
    args: argparse.Namespace, study: Study, network: RoadNetwork, out: Path, road_note: str
) -> int:
    """Apply ``--scenario``, compute baseline and scenario, write both and the comparison.

    Writes ``<out>/results/`` (the scenario's results, the same files as ``route``) and
    ``<out>/comparison/`` (:func:`geo.scenarios.files.write_comparison`, and the map
    ``scenario.html``, :func:`maps.scenario.write_scenario_map`). The scenario is
    read and applied before anything is computed or written, so a bad edit stops the
    command (exit code 10) with nothing written.
    """
    from ..geo.pipeline.compute import study_network
    from ..geo.results.access_results import write_results
    from ..geo.scenarios import ScenarioComparison, apply_scenario, load_scenario
    from ..geo.scenarios.baseline import baseline_results
    from ..geo.scenarios.files import write_comparison
    from ..maps.scenario import SCENARIO_MAP, write_scenario_map

    scenario = load_scenario(args.scenario)
    base_net = study_network(study, network)
    applied = apply_scenario(base_net, scenario, study)
    # with the drive-time surface (unless --no-isochrones): the map draws its change
    baseline, _, cached = baseline_results(study, base_net, isochrones=not args.no_isochrones)
    log.info("today's drive times (the baseline): %s", "from the cache" if cached else "computed")
    log.info("computing the drive times of scenario %r", scenario.name)
    results, messages = _computed(
        study, applied.network, isochrones=not args.no_isochrones, context=True
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UralAccessWarning)
        comparison = ScenarioComparison.of(baseline, results)
    messages += [str(w.message) for w in caught]
    results.warnings = list(dict.fromkeys(results.warnings + messages))
    folder = write_results(results, out / "results")
    lang = args.lang or study.lang

    def draw_map(folder: Path) -> Path:
        log.info("drawing the comparison map")
        return write_scenario_map(baseline, results, comparison, applied, folder, lang=lang)

    compared = write_comparison(
        comparison, applied, out / "comparison", results.provenance, also=draw_map
    )
    page = compared / SCENARIO_MAP
    print(f"\nDone: scenario {scenario.title!r} on {study.title}", file=sys.stdout)
    for path in (folder, compared, page):
        print(f"  wrote {path}", file=sys.stdout)
    print(f"\n{road_note}", file=sys.stdout)
    for row in applied.summary().itertuples():
        print(f"  {row.kind} {row.edit!r}: {row.road_km:.1f} km of road", file=sys.stdout)
    print("\nChange in drive time to each centre, and in potential:", file=sys.stdout)
    print(_headline(comparison), file=sys.stdout)
    if results.warnings:
        print(f"\n{len(results.warnings)} warning(s):", file=sys.stdout)
        for text in results.warnings:
            print(f"  - {text}", file=sys.stdout)
    return 0


def _rank_files(
    tmp: Path, sweep: Sweep, tables: dict[str, Any], provenance: dict[str, Any], ranked: Any
) -> None:
    """The tables as CSVs and ``candidates.gpkg``: every candidate section with its rank."""
    import geopandas as gpd

    from ..geo.base.atomic import write_layer
    from ..geo.results.files import write_csv
    from ..geo.scenarios.candidates import candidate_lines

    for name, table in tables.items():
        write_csv(table, tmp / name, provenance)
    lines = candidate_lines(sweep.network, sweep.candidates)
    layer = gpd.GeoDataFrame(
        {
            "candidate": [c.key for c in sweep.candidates],
            "section": [c.label for c in sweep.candidates],
        },
        geometry=lines,
        crs="EPSG:4326",
    ).merge(ranked[["candidate", "rank", "gain"]], on="candidate", how="left")
    write_layer(layer.sort_values("candidate"), tmp / "candidates.gpkg", "candidates")


def run_rank_upgrades(
    args: argparse.Namespace, study: Study, network: RoadNetwork, out: Path, road_note: str
) -> int:
    """Rank the candidate sections (or their closures) and write the tables into ``out``.

    Files: ``ranking.csv`` (or ``closures.csv`` and ``redundancy.csv`` with
    ``--closures``), ``package.csv`` with a budget, ``candidates.gpkg``, and the map of
    the top candidates ``ranking.html`` (``closures.html``;
    :func:`maps.ranking.write_ranking_map`).
    """
    from ..geo.base.atomic import atomic_dir
    from ..geo.errors import ScenarioError
    from ..geo.pipeline.compute import results_provenance, study_network
    from ..geo.scenarios.candidate_list import load_candidate_lines
    from ..geo.scenarios.closures import rank_closures
    from ..geo.scenarios.package import choose_package
    from ..geo.scenarios.ranking import Objective, default_workers, prepare_sweep, rank_upgrades
    from ..geo.scenarios.scenario import load_scenario

    objective = Objective.parse(args.objective, study)
    if args.budget is not None and args.cost_per_km is None:
        raise ScenarioError("--budget needs --cost-per-km")
    if args.budget is not None and args.budget_km is not None:
        raise ScenarioError("give --budget-km or --budget, not both")
    factor = args.standard_factor
    maxspeed = None if factor else (args.standard_maxspeed or 110.0)
    listed = None
    if args.candidates is not None:  # read and checked before any work
        setting = {"factor": float(factor)} if factor else {"maxspeed": maxspeed or 110.0}
        if args.candidates.suffix.lower() in (".gpkg", ".geojson", ".json"):
            listed = load_candidate_lines(args.candidates)  # drawn roads, one per line
        else:
            listed = load_scenario(args.candidates, standard=setting)
    run = {
        "workers": args.workers or 0,  # 0: decided below, once the candidates are known
        "scheduler": args.dask_scheduler,
        "timeout_s": args.dask_timeout,
    }
    if run["scheduler"] is not None:
        from distributed import Client

        try:  # reach the scheduler before minutes of work, not after
            Client(run["scheduler"], timeout=run["timeout_s"], set_as_default=False).close()
        except (OSError, TimeoutError) as exc:
            from ..geo.errors import ClusterError

            raise ClusterError(
                f"cannot reach the Dask scheduler at {run['scheduler']!r} within "
                f"{run['timeout_s']:g} s ({exc})"
            ) from None
    net = study_network(study, network)
    log.info(
        "reading your candidates" if listed else "finding the candidate sections of today's routes"
    )
    sweep = prepare_sweep(study, net, candidates=listed, closures=args.closures)
    if not run["workers"]:  # starting processes costs seconds: worth it for long sweeps
        many = AUTO_PARALLEL if sweep.graph is not None else AUTO_PARALLEL_REBUILT
        run["workers"] = default_workers() if len(sweep.candidates) >= many else 1
    log.info(
        "%d candidate sections; evaluating them (%s)",
        len(sweep.candidates),
        f"Dask at {run['scheduler']}" if run["scheduler"] else f"{run['workers']} process(es)",
    )
    standard = f"speed factor {factor:g}" if factor else f"limit {maxspeed:g} km/h"
    provenance = dict(
        results_provenance(study, net),
        standard=standard,
        objective=objective.describe(),
        candidates=len(sweep.candidates),
    )
    if listed is not None:
        provenance["candidate_list"] = {"name": listed.name, "sha256": listed.sha256}
    tables: dict[str, Any] = {}
    if args.closures:
        ranked, redundancy = rank_closures(sweep, **run)
        tables = {"closures.csv": ranked, "redundancy.csv": redundancy}
    else:
        ranked = rank_upgrades(
            sweep,
            maxspeed_kph=maxspeed,
            factor=factor,
            objective=objective,
            cost_per_km=args.cost_per_km,
            **run,
        )
        tables = {"ranking.csv": ranked}
        if args.budget_km is not None or args.budget is not None:
            tables["package.csv"] = choose_package(
                sweep,
                budget_km=args.budget_km,
                budget=args.budget,
                cost_per_km=args.cost_per_km,
                maxspeed_kph=maxspeed,
                factor=factor,
                objective=objective,
                **run,
            )
    with atomic_dir(out) as tmp:
        _rank_files(tmp, sweep, tables, provenance, ranked)
        from ..maps.ranking import write_ranking_map

        log.info("drawing the map of the top candidates")
        write_ranking_map(
            sweep,
            ranked,
            tmp,
            lang=args.lang or study.lang,
            package=tables.get("package.csv"),
            closures=args.closures,
            objective=objective,
            standard=("factor", factor) if factor else ("limit", maxspeed or 110.0),
            provenance=provenance,
        )
    what = "closures" if args.closures else f"upgrades to the {standard}"
    print(
        f"\nDone: {len(ranked)} candidate {what} ranked ({objective.describe()})", file=sys.stdout
    )
    print(f"  wrote {out}\n\n{road_note}\n", file=sys.stdout)
    for row in ranked.head(10).itertuples():
        change = f"potential lost {-row.gain:,.0f}" if args.closures else f"gain {row.gain:,.0f}"
        print(
            f"  {row.rank:>3}. {row.candidate} {row.section} ({row.km:.1f} km): {change}",
            file=sys.stdout,
        )
    return 0
