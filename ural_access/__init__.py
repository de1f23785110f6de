"""ural-access: drive-time access to the Urals' second-tier agglomerations, from OSM.

The notebook API, a few well-named objects (imported on first use, so that
``import ural_access`` stays light)::

    import ural_access as ua

    study = ua.Study.load("urals")                   # a bundled study, a TOML path, or Study(...)
    net = ua.RoadNetwork.from_osm(study)             # bundled extract, a .osm.pbf, or Overpass; cached
    tt = ua.travel_times(net, origins, destinations) # GeoDataFrames in, a long table out
    res = ua.compute_access(study, net)              # .summary, .travel_times, .routes, .isochrones …
    res.to_folder("output/urals")
    res.maps("output/urals/maps")

The package installs the repository's ``geo/`` folder as :mod:`ural_access.geo` (network,
speeds, routing, agglomeration analytics), ``maps/`` as :mod:`ural_access.maps` (Folium
maps) and ``data/`` as :mod:`ural_access.data` (study files, speed tables, bundled roads).
See ``docs/notebook.md`` for a walk through. Progress is logged to the ``ural_access``
logger (one child logger per module); show it with e.g. ``logging.basicConfig(level="INFO")``.
"""

from __future__ import annotations

import logging
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__: str = version("ural-access")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

# A library leaves output to its user: no handler but the null one.
logging.getLogger(__name__).addHandler(logging.NullHandler())

#: Public name → module that defines it (imported when the name is first used).
_LAZY = {
    "Study": "ural_access.geo.study.definition",
    "load_study": "ural_access.geo.study.definition",
    "NetworkOptions": "ural_access.geo.study.options",
    "SpeedOptions": "ural_access.geo.study.options",
    "RoutingOptions": "ural_access.geo.study.options",
    "RoadNetwork": "ural_access.geo.network.road_network",
    "travel_times": "ural_access.geo.routing.travel_times",
    "compute_access": "ural_access.api",
    "AccessResults": "ural_access.api",
    "read_results": "ural_access.api",
    "settings": "ural_access.geo",
    "errors": "ural_access.geo",
    "Scenario": "ural_access.geo.scenarios",
    "ScenarioComparison": "ural_access.geo.scenarios",
    "apply_scenario": "ural_access.geo.scenarios",
    "rank_upgrades": "ural_access.geo.scenarios",
    "run_scenario": "ural_access.api",
    "run_ranking": "ural_access.api",
    "load_scenario": "ural_access.geo.scenarios",
}

__all__ = [
    "AccessResults",
    "NetworkOptions",
    "RoadNetwork",
    "RoutingOptions",
    "Scenario",
    "ScenarioComparison",
    "SpeedOptions",
    "Study",
    "__version__",
    "apply_scenario",
    "compute_access",
    "errors",
    "load_scenario",
    "load_study",
    "rank_upgrades",
    "read_results",
    "run_ranking",
    "run_scenario",
    "settings",
    "travel_times",
]

if TYPE_CHECKING:
    from .api import AccessResults, compute_access, read_results, run_ranking, run_scenario
    from .geo import errors, settings
    from .geo.network.road_network import RoadNetwork
    from .geo.routing.travel_times import travel_times
    from .geo.scenarios import (
        Scenario,
        ScenarioComparison,
        apply_scenario,
        load_scenario,
        rank_upgrades,
    )
    from .geo.study.definition import Study, load_study
    from .geo.study.options import NetworkOptions, RoutingOptions, SpeedOptions


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'ural_access' has no attribute {name!r}")
    module = import_module(_LAZY[name])
    value = (
        getattr(module, name)
        if hasattr(module, name)
        else import_module(f"{module.__name__}.{name}")
    )
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
