"""The ``scenario`` command: a scenario applied, its results, and the change from today."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..geo.network.road_network import RoadNetwork
    from ..geo.scenarios.compare import ScenarioComparison
    from ..geo.study.definition import Study

__all__ = ["check_inputs", "run_rank_upgrades", "run_scenario"]

log = logging.getLogger("ural_access.cli.scenarios")


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


def check_inputs(args: argparse.Namespace, study: Study, out: Path) -> None:
    """Read the scenario (or candidates) file and check the ranking's options and the
    output folder before the roads are read or pulled: a bad input stops at once (exit
    code 10; an output that cannot be replaced, 9)."""
    from ..geo.base.atomic import check_output_dir
    from ..geo.scenarios import load_scenario
    from ..geo.scenarios.runs import ranking_inputs

    if args.command == "scenario":
        load_scenario(args.scenario)
        for part in ("results", "comparison"):
            check_output_dir(out / part)
        return
    check_output_dir(out)
    ranking_inputs(
        study,
        candidates=args.candidates,
        closures=args.closures,
        standard=(
            args.standard_maxspeed,
            args.standard_factor,
            args.standard_speed,
            args.standard_class,
        ),
        objective=args.objective,
        budgets=(args.cost_per_km, args.budget_km, args.budget),
    )


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
    from ..geo.scenarios import load_scenario
    from ..geo.scenarios.runs import run_scenario as compute_scenario
    from ..maps.scenario import SCENARIO_MAP
    from ..maps.scenario_files import write_scenario_files

    scenario = load_scenario(args.scenario)
    done = compute_scenario(study, network, scenario, isochrones=not args.no_isochrones)
    results, comparison, applied = done.results, done.comparison, done.applied
    folder, compared = write_scenario_files(done, out, args.lang or study.lang)
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


def run_rank_upgrades(
    args: argparse.Namespace, study: Study, network: RoadNetwork, out: Path, road_note: str
) -> int:
    """Rank the candidate sections (or their closures) and write the tables into ``out``.

    Files: ``ranking.csv`` (or ``closures.csv`` and ``redundancy.csv`` with
    ``--closures``), ``package.csv`` with a budget, ``candidates.gpkg``, and the map of
    the top candidates ``ranking.html`` (``closures.html``;
    :func:`maps.ranking.write_ranking_map`).
    """
    from ..geo.scenarios.runs import run_ranking
    from ..maps.scenario_files import write_ranking_files

    ranking = run_ranking(
        study,
        network,
        candidates=args.candidates,  # read and checked before any work
        closures=args.closures,
        maxspeed_kph=args.standard_maxspeed,
        factor=args.standard_factor,
        speed_kph=args.standard_speed,
        road_class=args.standard_class,
        objective=args.objective,
        cost_per_km=args.cost_per_km,
        budget_km=args.budget_km,
        budget=args.budget,
        workers=args.workers,
        scheduler=args.dask_scheduler,
        timeout_s=args.dask_timeout,
    )
    ranked = ranking.table
    write_ranking_files(ranking, out, args.lang or study.lang, top=args.top or 10)
    what = "closures" if args.closures else f"upgrades to the {ranking.standard}"
    print(
        f"\nDone: {len(ranked)} candidate {what} ranked ({ranking.objective.describe()})",
        file=sys.stdout,
    )
    print(f"  wrote {out}\n\n{road_note}\n", file=sys.stdout)
    for row in ranked.head(10).itertuples():
        change = f"potential lost {-row.gain:,.0f}" if args.closures else f"gain {row.gain:,.0f}"
        print(
            f"  {row.rank:>3}. {row.candidate} {row.section} ({row.km:.1f} km): {change}",
            file=sys.stdout,
        )
    if ranking.warnings:
        print(f"\n{len(ranking.warnings)} warning(s):", file=sys.stdout)
        for text in ranking.warnings:
            print(f"  - {text}", file=sys.stdout)
    return 0
