"""The command line's arguments: each command's options, their checks and help.

argparse checks every number's range and the bands' order itself, so a bad value is a
usage error (exit 2) before anything is read.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, NoReturn

from ..geo import __version__, settings
from ..geo.study.options import FACTOR_MAX, ROAD_CLASSES, UPPER_BOUNDS
from ._arg_types import bounded, list_of, minutes, names

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
    "maps": ("ural-access maps --study djibouti --png --lang ru"),
    "scenario": (
        "ural-access scenario --study urals --scenario data/scenarios/upgrade-chelyabinsk-miass.toml --output output/upgrade\n"
        "  ural-access scenario --scenario data/scenarios/close-ekaterinburg-chelyabinsk-section.toml --output output/close"
    ),
    "rank-upgrades": (
        "ural-access rank-upgrades --study urals --output output/rank\n"
        "  ural-access rank-upgrades --standard-maxspeed 110 --objective 'agglomeration:Greater Miass' --budget-km 150\n"
        "  ural-access rank-upgrades --closures --output output/closures\n"
        "  ural-access rank-upgrades --candidates data/candidates/urals.toml --output output/mine\n"
        "  ural-access rank-upgrades --dask-scheduler tcp://10.0.0.5:8786 --output output/rank"
    ),
    "sensitivity": (
        "ural-access sensitivity --study urals          # the whole grid on the bundled roads (offline)\n"
        "  ural-access sensitivity --study urals --speed-factors 0.9,1.1 --radii-km 50 --zone-minutes 45"
    ),
    "run": (
        "ural-access run                                    # the Urals default, offline\n"
        "  ural-access run --study djibouti --source pbf --osm-file ../shared/osm/djibouti-secondary.osm.pbf\n"
        "  ural-access run --study urals --source pbf --osm-file ural-fed-district-latest.osm.pbf --self-contained --png"
    ),
}


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
    return {"type": bounded(kind, low, high), "metavar": metavar}


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
                    type=bounded(float, 1e-3, FACTOR_MAX),
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
                _value("isochrone limits in minutes, comma-separated, increasing", type=minutes),
            ),
            *(
                ((flag,), _value(text, type=bounded(float, 1e-3, UPPER_BOUNDS[bound])))
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
        "scenario": [
            (
                ("--scenario",),
                _value("scenario TOML file (see data/scenarios/)", type=Path) | {"required": True},
            ),
            (
                ("--lang",),
                _value(
                    "language of the comparison map (default: the study's, else en)",
                    choices=("en", "ru"),
                ),
            ),
        ],
        "rank": [
            (
                ("--standard-maxspeed",),
                _number(float, 5.0, 150.0, "KMH")
                | _value("the standard: a new speed limit on each candidate (default 110)"),
            ),
            (
                ("--standard-factor",),
                _number(float, 1.0, 3.0, "X")
                | _value("the standard: each candidate's speeds times X (instead of a limit)"),
            ),
            (
                ("--standard-speed",),
                _number(float, 5.0, 150.0, "KMH")
                | _value("the standard: each candidate driven at this speed (not a limit)"),
            ),
            (
                ("--standard-class",),
                _value(
                    "the standard: each candidate becomes a road of this OSM class "
                    "(motorway, trunk, primary, ...), whose speed the speed model gives",
                    metavar="CLASS",
                ),
            ),
            (
                ("--objective",),
                _value(
                    "what a candidate gains: potential (the total consumer-overflow potential, "
                    "default), agglomeration:NAME (one agglomeration's potential), or "
                    "within:MIN (population newly within MIN minutes, e.g. within:90)"
                )
                | {"default": "potential"},
            ),
            (
                ("--budget-km",),
                _number(float, 0.0, 1e5, "KM")
                | _value("also choose a package greedily within this many km of road"),
            ),
            (
                ("--cost-per-km",),
                _number(float, 0.0, 1e12, "COST")
                | _value("cost of upgrading one km (adds a cost column; with --budget: money)"),
            ),
            (
                ("--budget",),
                _number(float, 0.0, 1e15, "COST")
                | _value("choose a package greedily within this cost (needs --cost-per-km)"),
            ),
            (
                ("--candidates",),
                _value(
                    "rank your own candidates instead: a scenario TOML file whose every "
                    "[[upgrade]] and [[new_road]] edit (with --closures: [[close]] edit) is "
                    "one candidate; an upgrade without a speed takes the standard; or a "
                    "GeoPackage/GeoJSON of drawn lines, each a new road (columns name, "
                    "class, maxspeed, speed_kph, oneway, join)",
                    type=Path,
                ),
            ),
            (("--closures",), _flag("rank what closing each section costs instead")),
            (
                ("--lang",),
                _value(
                    "language of the map of the top candidates (default: the study's, else en)",
                    choices=("en", "ru"),
                ),
            ),
            (
                ("--top",),
                _number(int, 1, 100, "N")
                | _value("candidates the map draws thick and numbered (default 10)"),
            ),
            (
                ("--workers",),
                _number(int, 1, 512, "N")
                | _value(
                    "local processes evaluating candidates (default: every core from 200 "
                    "candidates on, else one)"
                ),
            ),
            (
                ("--dask-scheduler",),
                _value("evaluate on a Dask cluster at this address (tcp://host:8786)"),
            ),
            (
                ("--dask-timeout",),
                _number(float, 0.1, 3600.0, "SECONDS")
                | _value("how long to wait for the Dask scheduler (default 10)")
                | {"default": 10.0},
            ),
        ],
        "sensitivity": [
            (
                ("--speed-models",),
                _value(
                    "speed models to compare, comma-separated (default: ru,osrm-car)", type=names
                ),
            ),
            (
                ("--speed-factors",),
                _value(
                    "global speed factors, comma-separated (default: 0.85,1,1.15)",
                    type=list_of("--speed-factors", 1e-3, FACTOR_MAX),
                ),
            ),
            (
                ("--radii-km",),
                _value(
                    "radius zones in km, comma-separated (default: 40,50,60)",
                    type=list_of("--radii-km", 1e-3, UPPER_BOUNDS["radius_km"]),
                ),
            ),
            (
                ("--zone-minutes",),
                _value(
                    "drive-time zones in minutes, comma-separated (default: 30,45,60)",
                    type=list_of("--zone-minutes", 1e-3, UPPER_BOUNDS["zone_minutes"]),
                ),
            ),
        ],
        "maps": [
            (
                ("--self-contained",),
                {
                    "dest": "self_contained",
                    "action": "store_const",
                    "const": True,
                    "default": None,
                    "help": (
                        "inline scripts and styles, failing (exit 7) if the map assets are "
                        "not installed (default: inline them whenever they are installed)"
                    ),
                },
            ),
            (
                ("--cdn",),
                {
                    "dest": "self_contained",
                    "action": "store_const",
                    "const": False,
                    "help": "link scripts and styles from their CDNs: smaller maps that need the internet",
                },
            ),
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
    (
        "scenario",
        "apply a scenario of road upgrades, new roads or closures and compare it with today",
        ("network", "route", "scenario"),
    ),
    (
        "sensitivity",
        "rank the agglomerations over a grid of assumptions (speeds, zones, closed towns)",
        ("network", "sensitivity"),
    ),
    (
        "rank-upgrades",
        "rank the sections of today's main routes by what upgrading (or closing) each gains",
        ("network", "route", "rank"),
    ),
)


def command_parser() -> argparse.ArgumentParser:
    """The ``ural-access`` argument parser: every command and its options."""
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
    assets = sub.add_parser(
        "setup-assets", help="install the scripts and styles for offline maps (npm)"
    )
    assets.add_argument(
        "--check",
        action="store_true",
        help="only say whether they are installed (exit 0) or not (exit 1); install nothing",
    )
    return parser
