"""Build a study's cached road network from Overpass, an ``.osm.pbf`` or an ``.osm`` file."""

from __future__ import annotations

import logging
from pathlib import Path

from ..osm.sources import SOURCES, data_warnings, default_network_path
from ..study.definition import Study
from .road_network import RoadNetwork

log = logging.getLogger(__name__)

__all__ = ["SOURCES", "default_network_path", "network_summary", "pull_network"]


def pull_network(
    study: Study,
    source: str | None = None,
    osm_file: str | Path | None = None,
    out: str | Path | None = None,
    geopackage: bool = False,
    *,
    refresh: bool = False,
) -> tuple[RoadNetwork, Path]:
    """Read or download the study's roads, build the network and cache it (always anew).

    :meth:`RoadNetwork.from_osm` with ``rebuild=True``; returns the network and the folder
    it was saved to. ``refresh`` asks Overpass again instead of reading its cached answers.
    The cache is the compact arrays (``network.npz``); ``geopackage=True`` also writes
    ``network.gpkg`` for GIS use (at a million edges that takes longer than the whole
    analytics, so only on request).

    Raises
    ------
    OSMDataError
        ``source`` is unknown, the file is missing, corrupt or outside the area.
    OverpassError
        The download failed after all retries.
    """
    network = RoadNetwork.from_osm(
        study,
        osm_file,
        source=source,
        folder=out,
        rebuild=True,
        refresh=refresh,
        geopackage=geopackage,
    )
    assert network.cache_folder is not None  # from_osm with the cache on sets it
    return network, network.cache_folder


def network_summary(network: RoadNetwork, path: Path | None = None) -> str:
    """A one-screen text summary: size, km by class, dropped parts, data date, cache."""
    prov = network.provenance
    scc = prov.get("largest_scc", {})
    lines = [
        f"Road network: {network.n_nodes:,} nodes, {network.n_edges:,} directed edges",
        f"  source         {prov.get('source')}",
        f"  OSM data as of {prov.get('osm_timestamp') or 'unknown'}",
        f"  road classes   down to {prov.get('road_classes')}",
        f"  dropped        {scc.get('dropped_nodes', 0):,} nodes, {scc.get('dropped_edges', 0):,} edges, "
        f"{scc.get('dropped_km', 0):,.1f} km outside the largest strongly connected component "
        f"({scc.get('components', 1):,} components)",
        "  km of road by class:",
    ]
    for text in data_warnings(prov):
        lines.insert(-1, f"  warning        {text}")
    km = network.km_by_class()
    for cls, value in km.items():
        lines.append(f"    {cls:<16}{value:>12,.1f}")
    lines.append(f"    {'total':<16}{km.sum():>12,.1f}")
    if path is not None:
        lines.append(f"  cache          {path}")
    return "\n".join(lines)
