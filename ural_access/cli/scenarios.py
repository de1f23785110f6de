"""The ``scenario`` command: a scenario applied, its results, and the change from today."""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path
from typing import Any

from ..geo.errors import UralAccessWarning

log = logging.getLogger("ural_access.cli.scenarios")


def _computed(study: Any, network: Any, isochrones: bool) -> tuple[Any, list[str]]:
    """compute_access, its warnings gathered (the summary lists them)."""
    from ..geo.pipeline.compute import compute_access

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UralAccessWarning)
        results = compute_access(study, network, with_isochrones=isochrones)
    return results, [str(w.message) for w in caught if issubclass(w.category, UralAccessWarning)]


def _headline(comparison: Any) -> str:
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
    args: argparse.Namespace, study: Any, network: Any, out: Path, road_note: str
) -> int:
    """Apply ``--scenario``, compute baseline and scenario, write both and the comparison.

    Writes ``<out>/results/`` (the scenario's results, the same files as ``route``) and
    ``<out>/comparison/`` (:func:`geo.scenarios.files.write_comparison`). The scenario is
    read and applied before anything is computed or written, so a bad edit stops the
    command (exit code 10) with nothing written.
    """
    from ..geo.pipeline.compute import study_network
    from ..geo.results.access_results import write_results
    from ..geo.scenarios import ScenarioComparison, apply_scenario, load_scenario
    from ..geo.scenarios.files import write_comparison

    scenario = load_scenario(args.scenario)
    base_net = study_network(study, network)
    applied = apply_scenario(base_net, scenario, study)
    log.info("computing today's drive times (the baseline)")
    baseline, _ = _computed(study, base_net, isochrones=False)
    log.info("computing the drive times of scenario %r", scenario.name)
    results, messages = _computed(study, applied.network, isochrones=not args.no_isochrones)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UralAccessWarning)
        comparison = ScenarioComparison.of(baseline, results)
    messages += [str(w.message) for w in caught]
    results.warnings = list(dict.fromkeys(results.warnings + messages))
    folder = write_results(results, out / "results")
    compared = write_comparison(comparison, applied, out / "comparison", results.provenance)
    print(f"\nDone: scenario {scenario.title!r} on {study.title}", file=sys.stdout)
    for path in (folder, compared):
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
