"""The ``ural-access`` command: ``pull``, ``route``, ``maps``, and ``run`` for all three.

Exit codes: the ``exit_code`` of the error's class, as listed by
:func:`geo.errors.exit_codes` and the README's table; 0 success, 130 interrupted, 143
terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import errno
import logging
import sys
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..geo import settings
from ..geo.base.atomic import Terminated, sigterm_as_interrupt
from ..geo.base.progress import console_handler, remove_handler
from ..geo.errors import UralAccessError, UralAccessWarning, WriteError
from ._parser import command_parser

if TYPE_CHECKING:
    from ..api import AccessResults
    from ..geo.network.road_network import RoadNetwork
    from ..geo.study.definition import Study

__all__ = ["main"]

# Named, not __name__: run as ``python -m ural_access.cli.commands`` the module is __main__.
log = logging.getLogger("ural_access.cli.commands")

#: errno values of file-system problems that are the machine's, not the program's.
_ENVIRONMENT_ERRNOS = {
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.ENOSPC,
    errno.EDQUOT,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.EEXIST,
    errno.ENOENT,
    errno.EFBIG,
    errno.EMFILE,
    errno.ENAMETOOLONG,
}


def _load_study(args: argparse.Namespace) -> Study:
    changes = _overrides(args)
    from ..geo.study.definition import load_study

    return load_study(args.study).with_overrides(**changes)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The command line's study settings, checked before the study and its towns load.

    Each settings section checks its own values when it is built, so building the default
    sections with these values refuses a bad one at once (not after seconds of imports
    and GeoNames look-ups); the study's own sections are then checked again.
    """
    from dataclasses import replace

    from ..geo.study.options import SECTIONS, parameter_fields

    bands = getattr(args, "bands", None)  # parsed and checked by argparse (ural_access.cli._parser)
    changes = {
        "road_classes": getattr(args, "road_classes", None),
        "speed_factor": getattr(args, "speed_factor", None),
        "speed_model": getattr(args, "speed_model", None),
        "bands_min": bands,
        "snap_limit_km": getattr(args, "snap_limit_km", None),
        "radius_km": getattr(args, "radius_km", None),
        "decay_half_life_min": getattr(args, "decay_half_life", None),
    }
    for cls in SECTIONS.values():
        names = parameter_fields(cls)
        values = {names[k]: v for k, v in changes.items() if k in names and v is not None}
        if values:
            replace(cls(), **values)
    return changes


def _road_data_note(network: RoadNetwork) -> str:
    """Which road data the run used, and how to get full detail."""
    from ..geo.analysis.estimates import road_classes_present

    prov = network.provenance
    present = road_classes_present(network.km_by_class())
    text = (
        f"Road data: {prov.get('source')}, OSM data as of "
        f"{prov.get('osm_timestamp') or 'unknown'}; road classes in the data: "
        f"{', '.join(present) or 'none'} (the study keeps classes down to "
        f"{prov.get('road_classes')})"
    )
    if network.road_source is not None and network.road_source.is_default:
        text += (
            "\n  This is the study's bundled default road data (main roads only; see "
            "data/osm/README.md in the package). For full detail pull every road from "
            "OpenStreetMap with --source overpass (internet), or read a Geofabrik extract "
            "(https://download.geofabrik.de) with --osm-file FILE.osm.pbf."
        )
    return text


def _network(args: argparse.Namespace, study: Study, force_pull: bool) -> RoadNetwork:
    """The study's network by the notebook's own path (:meth:`RoadNetwork.from_osm`)."""
    from ..geo.network.pull import network_summary
    from ..geo.network.road_network import RoadNetwork

    network = RoadNetwork.from_osm(
        study,
        args.osm_file,
        source=args.source,
        folder=args.network,
        rebuild=force_pull,
        refresh=args.refresh,
        geopackage=args.network_gpkg,
    )
    log.info("%s", network_summary(network, network.cache_folder))
    return network


def _headline(summary: Any, cities: list[tuple[str, str]]) -> str:
    from ..geo.base.format import format_km, format_minutes

    width = max([len("agglomeration"), *(len(str(a)) for a in summary["agglomeration"])])
    head = f"  {'agglomeration':<{width}}" + "".join(
        f"  {('from ' + name):>24}" for name, _ in cities
    )
    lines = [head]
    for _, row in summary.iterrows():
        cells = "".join(
            f"  {format_minutes(row[f'time_to_center_min_from_{key}']) + ', ' + format_km(row[f'dist_to_center_km_from_{key}']):>24}"
            for _, key in cities
        )
        lines.append(f"  {row['agglomeration']:<{width}}{cells}")
    return "\n".join(lines)


def _apply_settings(args: argparse.Namespace) -> None:
    """The command line's cache folder and Overpass settings (:data:`geo.settings`)."""
    if args.cache_dir is not None:
        settings.cache_folder = args.cache_dir
    if getattr(args, "overpass_url", None):
        settings.overpass_url = args.overpass_url
    if getattr(args, "overpass_timeout", None) is not None:
        settings.requests_timeout = args.overpass_timeout
    if getattr(args, "overpass_retries", None) is not None:
        settings.overpass_max_attempts = args.overpass_retries + 1


def _route(args: argparse.Namespace, study: Study, out: Path) -> tuple[AccessResults, Path, str]:
    """Compute the results (with their map context) and write them, as the notebook does."""
    from ..api import compute_access

    network = _network(args, study, force_pull=False)
    note = _road_data_note(network)
    results = compute_access(study, network, with_isochrones=not args.no_isochrones)
    return results, results.to_folder(out / "results", lang=getattr(args, "lang", None)), note


def _maps(
    args: argparse.Namespace, study: Study, out: Path, results: AccessResults | None
) -> list[Path]:
    """Draw the maps from this run's results, else from the results folder."""
    from ..api import read_results

    if results is None:
        results = read_results(out / "results", study)
    return list(
        results.maps(
            out / "maps",
            lang=args.lang,
            self_contained=args.self_contained,
            png=args.png,
            data_dir=out / "results",
        )
    )


def _sensitivity(args: argparse.Namespace, study: Study, out: Path) -> Path:
    """Run the sensitivity grid and write its tables and chart; print the rank ranges."""
    from ..geo.analysis.drive_zones import ZoneDefinition
    from ..geo.analysis.sensitivity import DEFAULT_GRID, Grid, sensitivity_runs, sensitivity_summary
    from ..geo.errors import ParameterError
    from ..geo.results.sensitivity_files import write_sensitivity

    network = _network(args, study, force_pull=False)
    radii = args.radii_km or [z.limit for z in DEFAULT_GRID.zones if z.kind == "radius"]
    minutes = args.zone_minutes or [z.limit for z in DEFAULT_GRID.zones if z.kind == "time"]
    try:
        grid = Grid(
            speed_models=args.speed_models or DEFAULT_GRID.speed_models,
            speed_factors=args.speed_factors or DEFAULT_GRID.speed_factors,
            zones=(
                *(ZoneDefinition("radius", float(r)) for r in radii),
                *(ZoneDefinition("time", float(m)) for m in minutes),
            ),
        )
        runs = sensitivity_runs(study, network, grid)
    except ValueError as exc:  # a ParameterError (unknown speed model) or an empty grid
        raise ParameterError(str(exc)) from exc
    summary = sensitivity_summary(runs)
    folder = write_sensitivity(
        runs, summary, out / "sensitivity", study, grid, dict(network.provenance)
    )
    print(f"\nRank by zone potential over {grid.size} assumptions (1 = best):", file=sys.stdout)
    for row in summary.itertuples():
        print(f"  {row.agglomeration:<20} {row.rank_min}-{row.rank_max}", file=sys.stdout)
    return folder


def _maps_note(written: list[Path]) -> str:
    """Whether the maps just written open offline (their scripts inside), or need the net."""
    if not any(p.suffix == ".html" for p in written):
        return ""
    from ..maps.assets import page_is_self_contained

    pages = [p for p in written if p.suffix == ".html" and p.name != "index.html"]
    if all(page_is_self_contained(p) for p in pages):
        return "Maps: scripts and styles inside each page; they open offline (base tiles need the internet)."
    return (
        "Maps: NOT offline. They load Leaflet from CDNs and show a note instead of the map "
        "without internet. Run `ural-access setup-assets` once and draw them again "
        "(`ural-access maps`) for maps that open offline."
    )


def _report(
    study: Study, written: list[Path], road_note: str, results: AccessResults | None
) -> None:
    """What was written, which road data, the headline table and the warnings (stdout)."""
    print(f"\nDone: {study.title}", file=sys.stdout)
    for path in written:
        print(f"  wrote {path}", file=sys.stdout)
    if road_note:
        print(f"\n{road_note}", file=sys.stdout)
    maps_note = _maps_note(written)
    if maps_note:
        print(f"\n{maps_note}", file=sys.stdout)
    if results is None or not len(results.summary):
        return
    print("\nDrive time and distance to each agglomeration's central town:", file=sys.stdout)
    print(_headline(results.wide_summary(), results.cities), file=sys.stdout)
    if results.provenance.get("access_legs"):
        print(f"\nAccess legs: {results.provenance['access_legs']}", file=sys.stdout)
    surface = results.provenance.get("surface")
    if isinstance(surface, dict) and surface.get("note"):
        print(f"\nDrive-time surface: {surface['note']}", file=sys.stdout)
    if results.warnings:
        print(f"\n{len(results.warnings)} warning(s):", file=sys.stdout)
        for w in results.warnings:
            print(f"  - {w}", file=sys.stdout)


def _run(args: argparse.Namespace) -> int:
    if args.command == "setup-assets":
        from ..maps.assets import install, is_installed

        if args.check:
            installed = is_installed()
            print(f"map assets {'installed' if installed else 'not installed'}", file=sys.stdout)
            return 0 if installed else 1
        install()
        return 0
    _apply_settings(args)
    if getattr(args, "png", False):
        from ..maps.browser import check_png_export

        check_png_export()  # before the routing, not after it
    log.info("reading the study %r (towns from GeoNames)", args.study)
    study = _load_study(args)
    out = args.output or Path("output") / study.key
    written: list[Path] = []
    results = None
    road_note = ""
    if args.command in {"scenario", "rank-upgrades"}:
        from .scenarios import check_inputs, run_rank_upgrades, run_scenario

        check_inputs(args, study, out)  # a bad file, option or output: told at once
        network = _network(args, study, force_pull=False)
        command = run_scenario if args.command == "scenario" else run_rank_upgrades
        return command(args, study, network, out, _road_data_note(network))
    if args.command == "pull":
        network = _network(args, study, force_pull=True)
        road_note = _road_data_note(network)
        if network.cache_folder is not None:  # None: not saved (caching off)
            written.append(network.cache_folder)
    if args.command in {"route", "run"}:
        results, folder, road_note = _route(args, study, out)
        written.append(folder)
    if args.command in {"maps", "run"}:
        written.extend(_maps(args, study, out, results))
    if args.command == "sensitivity":
        written.append(_sensitivity(args, study, out))
    _report(study, written, road_note, results)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ural-access`` console command."""
    parser = command_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    verbosity = (
        0 if getattr(args, "quiet", False) else (2 if getattr(args, "verbose", False) else 1)
    )
    handler = console_handler(verbosity, sys.stderr)
    try:
        with warnings.catch_warnings(), sigterm_as_interrupt():
            warnings.simplefilter("ignore", UralAccessWarning)  # gathered into the summary
            return _run(args)
    except UralAccessError as exc:
        if verbosity >= 2:
            traceback.print_exc()
        print(f"ural-access: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Terminated:
        print("ural-access: terminated (SIGTERM); nothing half-written was left", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("ural-access: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so briefly, details with --verbose
        if verbosity >= 2:
            traceback.print_exc()
        if isinstance(exc, OSError) and (
            exc.errno in _ENVIRONMENT_ERRNOS or exc.filename is not None
        ):
            where = f" {str(exc.filename)!r}" if exc.filename is not None else ""
            print(
                f"ural-access: error: cannot write or read{where}: {exc.strerror or exc} "
                "(a read-only folder, a full disk, or a file where a folder should be?)",
                file=sys.stderr,
            )
            return WriteError.exit_code
        print(
            f"ural-access: unexpected error: {type(exc).__name__}: {exc}\n"
            "  (this is a bug; rerun with --verbose for the traceback and report it)",
            file=sys.stderr,
        )
        return 1
    finally:
        remove_handler(handler)


if __name__ == "__main__":
    sys.exit(main())
