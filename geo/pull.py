"""Build a study's cached road network from Overpass, an ``.osm.pbf`` or an ``.osm`` file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import shapely

from . import settings
from .errors import OSMDataError
from .network import RoadNetwork, build_network
from .osm import read_osm_file
from .overpass import download_roads
from .progress import ProgressFn
from .study import Study

SOURCES = ("overpass", "pbf", "xml")


def default_network_path(study: Study, source: str, osm_file: str | Path | None = None) -> Path:
    """Cache folder of a study's network: ``<cache>/networks/<study>-<source>-<hash>``.

    The hash covers what changes the network (area, road classes, the file's name and
    size), so a network built from other inputs is never mistaken for this one.
    """
    parts = [shapely.to_wkt(study.area(), rounding_precision=5), study.network.road_classes, source]
    if osm_file is not None:
        p = Path(osm_file)
        parts += [p.name, str(p.stat().st_size) if p.is_file() else "missing"]
    else:
        parts.append(settings.overpass_url)
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:10]
    return Path(settings.cache_folder) / "networks" / f"{study.key}-{source}-{digest}"


def pull_network(
    study: Study,
    source: str = "overpass",
    osm_file: str | Path | None = None,
    out: str | Path | None = None,
    progress: ProgressFn | None = None,
    geopackage: bool = True,
    *,
    refresh: bool = False,
) -> tuple[RoadNetwork, Path]:
    """Read or download the study's roads, build the network and cache it.

    Returns the network and the folder it was saved to. ``refresh`` asks Overpass again
    instead of reading its cached answers.

    Raises
    ------
    OSMDataError
        ``source`` is unknown, the file is missing, corrupt or outside the area.
    OverpassError
        The download failed after all retries.
    """
    say = progress or (lambda _msg: None)
    if source not in SOURCES:
        raise OSMDataError(f"source {source!r} unknown; use one of {', '.join(SOURCES)}")
    if source in {"pbf", "xml"} and osm_file is None:
        raise OSMDataError(f"--source {source} needs --osm-file PATH")
    area = study.area()
    if source == "overpass":
        say(
            f"downloading roads (down to {study.network.road_classes}) from {settings.overpass_url}"
        )
        roads = download_roads(area, study.network.road_classes, progress=say, refresh=refresh)
    else:
        assert osm_file is not None
        roads = read_osm_file(
            osm_file, study.network.road_classes, bbox=shapely.bounds(area), progress=say
        )
    say(f"building the graph from {roads.n_ways:,} ways")
    network = build_network(
        roads,
        area,
        road_classes=study.network.road_classes,
        speed_model=study.speed.model,
        speed_factor=study.speed.factor,
        extra_provenance={"study": study.key},
    )
    target = Path(out) if out is not None else default_network_path(study, source, osm_file)
    say(f"saving {network.n_nodes:,} nodes and {network.n_edges:,} edges to {target}")
    network.save(target, geopackage=geopackage)
    return network, target


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
    km = network.km_by_class()
    for cls, value in km.items():
        lines.append(f"    {cls:<16}{value:>12,.1f}")
    lines.append(f"    {'total':<16}{km.sum():>12,.1f}")
    if path is not None:
        lines.append(f"  cache          {path}")
    return "\n".join(lines)
