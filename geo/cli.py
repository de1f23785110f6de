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
from typing import Any, NoReturn

from . import __version__, settings
from ._progress import console_handler, remove_handler
from .atomic import Terminated, sigterm_as_interrupt
from .errors import UralAccessError, UralAccessWarning, WriteError
from .parameters import FACTOR_MAX, ROAD_CLASSES, UPPER_BOUNDS, check_increasing

# Named, not __name__: run as ``python -m ural_access.geo.cli`` the module is __main__.
log = logging.getLogger("ural_access.geo.cli")

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

EXAMPLES = {
    "pull": (
        "ural-access pull                                   # the Urals from the bundled extract (offline)\n"
        "  ural-access pull --study urals --source overpass # every road from Overpass (internet)\n"
        "  ural-access pull --study urals --source pbf --osm-file ural-fed-district-latest.osm.pbf\n"
        "  ural-access pull --study djibouti --source pbf --osm-file ../shared/osm/djibouti-secondary.osm.pbf"
    ),
    "route": (
        "ural-access route --study djibouti --source pbf --osm-file ../shared/osm/djibouti-secondary.osm.pbf\n"
        "  ural-access route --study urals --speed-factor 0.85 --bands 30,60,90,120"
    ),
    "maps": ("ural-access maps --study djibouti --self-contained --png"),
    "run": (
        "ural-access run                                    # the Urals default, offline\n"
        "  ural-access run --study djibouti --source pbf --osm-file ../shared/osm/djibouti-secondary.osm.pbf\n"
        "  ural-access run --study urals --source pbf --osm-file ural-fed-district-latest.osm.pbf --self-contained --png"
    ),
}


def _bounded(kind: type, low: float, high: float) -> Any:
    """An argparse type: a finite number of ``kind`` within ``[low, high]``."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {kind.__name__}") from None
        if not (low <= value <= high):  # also refuses NaN
            raise argparse.ArgumentTypeError(f"{text!r} is outside {low:g}..{high:g}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _minutes(text: str) -> tuple[float, ...]:
    """An argparse type: comma-separated, increasing, plausible minutes."""
    try:
        values = [float(b) for b in text.replace(" ", "").split(",") if b]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--bands must be minutes separated by commas, got {text!r}"
        ) from None
    try:
        return check_increasing("--bands", values)
    except ValueError as exc:  # a ParameterError
        raise argparse.ArgumentTypeError(str(exc)) from None


class _Parser(argparse.ArgumentParser):
    """Usage errors in two lines (the message, then where to look), exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n  (see `{self.prog} --help`)\n")


def _flag(text: str) -> dict[str, Any]:
    return {"action": "store_true", "help": text}


def _value(text: str, **kwargs: Any) -> dict[str, Any]:
    return {"default": None, "help": text, **kwargs}


def _number(kind: type, low: float, high: float, metavar: str | None = None) -> dict[str, Any]:
    """``add_argument`` keywords of a number checked to lie in ``[low, high]``."""
    return {"type": _bounded(kind, low, high), "metavar": metavar}


Options = list[tuple[tuple[str, ...], dict[str, Any]]]


def _option_groups() -> dict[str, Options]:
    """Every option of the commands, by group: its flags and ``add_argument`` keywords.

    Numbers are parsed and checked here (argparse types), before a study is loaded.
    """
    return {
        "common": [
            (
                ("--study",),
                _value("study key in data/studies/ or a TOML path (default: urals)")
                | {"default": "urals"},
            ),
            (("-q", "--quiet"), _flag("print only errors and the final summary")),
            (("-v", "--verbose"), _flag("more detail, and tracebacks on errors")),
            (("--output",), _value("output folder (default: output/<study>)", type=Path)),
            (
                ("--cache-dir",),
                _value(f"cache folder (default: {settings.cache_folder})", type=Path),
            ),
        ],
        "network": [
            (
                ("--source",),
                _value(
                    "where the roads come from (default: pbf if --osm-file is given, else the "
                    "study's default road data if it names one, else overpass)",
                    choices=["overpass", "pbf", "xml"],
                ),
            ),
            (
                ("--osm-file",),
                _value("a .osm.pbf or .osm file (e.g. a Geofabrik extract)", type=Path),
            ),
            (
                ("--network",),
                _value("network cache folder (default: under --cache-dir)", type=Path),
            ),
            (
                ("--overpass-url",),
                _value(f"Overpass API base URL (default: {settings.overpass_url})"),
            ),
            (
                ("--road-classes",),
                _value("lowest road class kept, e.g. secondary, tertiary", choices=ROAD_CLASSES),
            ),
            (
                ("--overpass-timeout",),
                _number(float, 1.0, 3600.0, "SECONDS")
                | _value(
                    "deadline of one Overpass request, whole answer included "
                    f"(default: {settings.requests_timeout:g})"
                ),
            ),
            (
                ("--overpass-retries",),
                _number(int, 0, 20, "N")
                | _value(
                    f"retries of a failed request (default: {settings.overpass_max_attempts - 1})"
                ),
            ),
            (("--refresh",), _flag("rebuild the network and ask Overpass again, even if cached")),
            (
                ("--network-gpkg",),
                _flag("also write the network's nodes and edges as network.gpkg (for QGIS)"),
            ),
        ],
        "route": [
            (
                ("--speed-factor",),
                _value(
                    "real-world share of the speed limit, e.g. 0.85",
                    type=_bounded(float, 1e-3, FACTOR_MAX),
                ),
            ),
            (
                ("--speed-model",),
                _value(
                    "driving profile: ru (Russian rules, the default) or osrm-car (OSRM's car.lua)",
                    choices=("ru", "osrm-car"),  # geo.speeds.SPEED_MODELS, not imported here
                ),
            ),
            (
                ("--bands",),
                _value("isochrone limits in minutes, comma-separated, increasing", type=_minutes),
            ),
            *(
                ((flag,), _value(text, type=_bounded(float, 1e-3, UPPER_BOUNDS[bound])))
                for flag, bound, text in (
                    ("--snap-limit-km", "snap_limit_km", "largest place-to-road distance"),
                    ("--radius-km", "radius_km", "agglomeration radius"),
                    (
                        "--decay-half-life",
                        "decay_half_life_min",
                        "minutes at which the potential halves",
                    ),
                )
            ),
            (("--no-isochrones",), _flag("skip the drive-time bands")),
        ],
        "maps": [
            (("--self-contained",), _flag("inline scripts and styles: maps open offline")),
            (("--png",), _flag("also write a PNG picture of each map (headless Chromium)")),
            (
                ("--lang",),
                _value(
                    "language of the maps and index page (default: the study's, else en)",
                    choices=("en", "ru"),
                ),
            ),
        ],
    }


#: The commands: name, what they do, and their option groups beyond ``common``.
_COMMANDS = (
    ("pull", "build and cache the road network", ("network",)),
    (
        "route",
        "compute drive times, routes, isochrones and agglomeration measures",
        ("network", "route"),
    ),
    ("maps", "draw the interactive maps from computed results", ("maps",)),
    ("run", "pull, route and maps in one go", ("network", "route", "maps")),
)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ural-access",
        description=(
            "Drive times from the first-tier cities to second-tier agglomerations, from "
            "OpenStreetMap: pull the road network, route, and draw maps."
        ),
        epilog="Example:\n  " + EXAMPLES["run"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups = _option_groups()
    for name, helptext, extra in _COMMANDS:
        p = sub.add_parser(
            name,
            help=helptext,
            description=helptext.capitalize() + ".",
            epilog="Example:\n  " + EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        for group in ("common", *extra):
            for flags, kwargs in groups[group]:
                p.add_argument(*flags, **kwargs)
    sub.add_parser("setup-assets", help="install the scripts and styles for offline maps (npm)")
    return parser


def _load_study(args: argparse.Namespace) -> Any:
    changes = _overrides(args)
    from .study import load_study

    return load_study(args.study).with_overrides(**changes)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The command line's study settings, checked before the study and its towns load.

    Each settings section checks its own values when it is built, so building the default
    sections with these values refuses a bad one at once (not after seconds of imports
    and GeoNames look-ups); the study's own sections are then checked again.
    """
    from dataclasses import replace

    from .parameters import SECTIONS, parameter_fields

    bands = getattr(args, "bands", None)  # parsed and checked by argparse (_minutes)
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


def _road_source(args: argparse.Namespace, study: Any) -> tuple[str, Path | None, bool]:
    """(source, OSM file, whether it is the study's default road data) for this run."""
    osm_file, default = args.osm_file, False
    if osm_file is None and args.source in (None, "pbf"):
        osm_file = study.default_road_data()
        default = osm_file is not None
    source = args.source or ("pbf" if osm_file else "overpass")
    if source == "pbf" and osm_file and osm_file.suffix.lower() == ".osm":
        source = "xml"
    return source, osm_file, default


def _map_context(args: argparse.Namespace, study: Any, network: Any) -> Any:
    """The run's map context: the network's roads, and what its road source has beside."""
    from .context import network_context

    source, osm_file, _ = _road_source(args, study)
    if source == "overpass":
        return network_context(
            network, overpass_area=study.area(), lowest_class=study.network.road_classes
        )
    return network_context(network, osm_file if source == "pbf" else None)


def _road_data_note(network: Any, default: bool) -> str:
    """Which road data the run used, and how to get full detail."""
    prov = network.provenance
    text = (
        f"Road data: {prov.get('source')}, OSM data as of "
        f"{prov.get('osm_timestamp') or 'unknown'}, roads down to {prov.get('road_classes')}"
    )
    if default:
        text += (
            "\n  This is the study's bundled default road data (main roads only; see "
            "data/osm/README.md in the package). For full detail pull every road from "
            "OpenStreetMap with --source overpass (internet), or read a Geofabrik extract "
            "(https://download.geofabrik.de) with --osm-file FILE.osm.pbf."
        )
    return text


def _network(args: argparse.Namespace, study: Any, force_pull: bool) -> Any:
    from .network import RoadNetwork
    from .pull import default_network_path, network_summary, pull_network

    source, osm_file, default = _road_source(args, study)
    if default:
        log.info("road data: the study's default %s", osm_file)
    path = args.network or default_network_path(study, source, osm_file)
    cached = (path / "network.npz").is_file()
    if cached and args.network_gpkg and not (path / "network.gpkg").is_file():
        force_pull = True  # the GeoPackage asked for is not in the cache
    if not force_pull and not args.refresh and cached:
        log.info("using the cached network %s", path)
        return RoadNetwork.load(path), path
    network, path = pull_network(
        study,
        source,
        osm_file,
        path,
        geopackage=args.network_gpkg,
        refresh=args.refresh,
    )
    log.info("%s", network_summary(network, path))
    return network, path


def _headline(summary: Any, cities: list[tuple[str, str]]) -> str:
    from .format import format_km, format_minutes

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


def _route(args: argparse.Namespace, study: Any, out: Path) -> tuple[Any, Any, Path, str]:
    """Compute the results and write them, the map context inside the same folder.

    The context is written into the results folder before it is published, so a
    concurrent run that replaces the folder never meets a half-written context.
    """
    from .access import compute_access
    from .context import write_context
    from .results import write_results

    network, _ = _network(args, study, force_pull=False)
    note = _road_data_note(network, _road_source(args, study)[2])
    results = compute_access(study, network, with_isochrones=not args.no_isochrones)
    log.info("reading the map context (roads, water, borders)")
    context = _map_context(args, study, network)
    folder = write_results(results, out / "results", extra=lambda tmp: write_context(context, tmp))
    return results, context, folder, note


def _maps(
    args: argparse.Namespace, study: Any, out: Path, results: Any, context: Any
) -> list[Path]:
    """Draw the maps from this run's results, else from the results folder."""
    from ..maps import build_maps
    from .context import read_context
    from .results import read_results

    if results is None:
        results = read_results(out / "results", study)
        context = read_context(out / "results")
    return build_maps(
        results,
        out / "maps",
        self_contained=args.self_contained,
        png=args.png,
        lang=args.lang or study.lang,
        context=context,
        data_dir=out / "results",
    )


def _report(study: Any, written: list[Path], road_note: str, results: Any) -> None:
    """What was written, which road data, the headline table and the warnings (stdout)."""
    print(f"\nDone: {study.title}", file=sys.stdout)
    for path in written:
        print(f"  wrote {path}", file=sys.stdout)
    if road_note:
        print(f"\n{road_note}", file=sys.stdout)
    if results is None or not len(results.summary):
        return
    print("\nDrive time and distance to each agglomeration's central town:", file=sys.stdout)
    print(_headline(results.wide_summary(), results.cities), file=sys.stdout)
    if results.provenance.get("access_legs"):
        print(f"\nAccess legs: {results.provenance['access_legs']}", file=sys.stdout)
    if results.warnings:
        print(f"\n{len(results.warnings)} warning(s):", file=sys.stdout)
        for w in results.warnings:
            print(f"  - {w}", file=sys.stdout)


def _run(args: argparse.Namespace) -> int:
    if args.command == "setup-assets":
        from ..maps.assets import install

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
    results = context = None
    road_note = ""
    if args.command == "pull":
        network, path = _network(args, study, force_pull=True)
        road_note = _road_data_note(network, _road_source(args, study)[2])
        written.append(path)
    if args.command in {"route", "run"}:
        results, context, folder, road_note = _route(args, study, out)
        written.append(folder)
    if args.command in {"maps", "run"}:
        written.extend(_maps(args, study, out, results, context))
    _report(study, written, road_note, results)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ural-access`` console command."""
    parser = _parser()
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
