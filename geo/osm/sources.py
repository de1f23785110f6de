"""Where a study's roads come from: Overpass, an ``.osm.pbf`` or ``.osm`` file, or the
extract bundled with the package; and where the network built from them is cached."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely

from .. import settings
from ..base.resources import bundled_data
from ..errors import OSMDataError
from ..study.definition import Study
from .overpass import download_roads
from .roads import OSMRoads, read_osm_file
from .roads import file_sha256 as file_sha256

__all__ = [
    "SOURCES",
    "RoadSource",
    "bundled_extract",
    "data_warnings",
    "default_network_path",
    "file_sha256",
    "read_roads",
    "road_source",
]

log = logging.getLogger(__name__)

SOURCES = ("overpass", "pbf", "xml")


@dataclass(frozen=True)
class RoadSource:
    """The road data a study reads: the kind, the file, and why this one.

    ``kind`` is ``"pbf"``, ``"xml"`` or ``"overpass"``; ``path`` the file (None for
    Overpass); ``origin`` says who chose it: ``"given"`` (the caller), ``"study"`` (the
    study's ``[network] osm_file``), ``"bundled"`` (an extract shipped for the study) or
    ``"overpass"`` (none of these).
    """

    kind: str
    path: Path | None
    origin: str

    @property
    def is_default(self) -> bool:
        """Whether the study's own default data is read (not data the caller named)."""
        return self.origin in {"study", "bundled"}


def bundled_extract(study: Study) -> Path | None:
    """The OSM extract shipped for this study (``data/osm/<key>*.osm.pbf``), if there is one."""
    folder = bundled_data("osm")
    found = sorted(folder.glob(f"{study.key}*.osm.pbf")) if folder.is_dir() else []
    return found[0] if found else None


def road_source(
    study: Study, source: str | None = None, osm_file: str | Path | None = None
) -> RoadSource:
    """Which road data to read, by one rule for the command line, the notebook and scripts.

    An explicit file (its kind from ``source``, else from its suffix); else, unless
    ``source`` is ``"overpass"``, the file the study names (``[network] osm_file``), else the
    extract bundled for the study; else Overpass.

    Raises
    ------
    OSMDataError
        ``source`` is unknown, or a file source has no file.
    StudyError
        The study names a road file that does not exist.
    """
    if source is not None and source not in SOURCES:
        raise OSMDataError(f"source {source!r} unknown; use one of {', '.join(SOURCES)}")
    if osm_file is not None:
        path, origin = Path(osm_file), "given"
    elif source == "overpass":
        return RoadSource("overpass", None, "overpass")
    elif (named := study.default_road_data()) is not None:
        path, origin = named, "study"
    elif (shipped := bundled_extract(study)) is not None:
        path, origin = shipped, "bundled"
    elif source in {"pbf", "xml"}:
        raise OSMDataError(f"--source {source} needs --osm-file PATH")
    else:
        return RoadSource("overpass", None, "overpass")
    xml = path.suffix.lower() in {".osm", ".xml"}
    kind = "xml" if xml or source == "xml" else "pbf"
    return RoadSource(kind, path, origin)


def default_network_path(
    study: Study,
    source: str,
    osm_file: str | Path | None = None,
    *,
    sha256: str | None = None,
) -> Path:
    """Cache folder of a study's network: ``<cache>/networks/<study>-<source>-<hash>``.

    The hash covers what changes the network: the area, the road classes and, for a
    file, its content (``sha256``: the hash computed while the file was read, else
    :func:`file_sha256`), so an extract replaced by another of the same name and size
    never reuses the old network. For Overpass it covers the server's address.
    """
    parts = [shapely.to_wkt(study.area(), rounding_precision=5), study.network.road_classes, source]
    if osm_file is not None:
        p = Path(osm_file)
        parts.append(sha256 or (file_sha256(p) if p.is_file() else "missing"))
    else:
        parts.append(settings.overpass_url)
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:10]
    return Path(settings.cache_folder) / "networks" / f"{study.key}-{source}-{digest}"


def read_roads(
    study: Study,
    source: str,
    osm_file: str | Path | None = None,
    *,
    refresh: bool = False,
) -> OSMRoads:
    """The study area's roads, down to the study's road class, from one source.

    ``refresh`` asks Overpass again instead of reading its cached answers.

    Raises
    ------
    OSMDataError, OverpassError
        As :func:`geo.pull.pull_network`.
    """
    if source not in SOURCES:
        raise OSMDataError(f"source {source!r} unknown; use one of {', '.join(SOURCES)}")
    if source in {"pbf", "xml"} and osm_file is None:
        raise OSMDataError(f"--source {source} needs --osm-file PATH")
    area = study.area()
    lowest = study.network.road_classes
    if source == "overpass":
        log.info("downloading roads (down to %s) from %s", lowest, settings.overpass_url)
        return download_roads(area, lowest, refresh=refresh)
    assert osm_file is not None
    return read_osm_file(osm_file, lowest, bbox=shapely.bounds(area))


def data_warnings(provenance: dict[str, Any]) -> list[str]:
    """What a network's road data lacked, from its provenance, one sentence each.

    Implausible ``maxspeed`` values (they got their class's default), edges of an
    imported graph that are no road for cars (``left_out_edges``: footways, ways without
    a ``highway`` tag, ...) and road nodes the file had no location for (their segments
    are left out). The pull summary lists them
    and :func:`geo.access.compute_access` repeats them as warnings of the results.
    """
    out = []
    bad = provenance.get("maxspeed_implausible") or {}
    if bad.get("edges"):
        out.append(
            f"{bad['edges']:,} road edges have an implausible maxspeed "
            f"({', '.join(map(str, bad.get('values', [])))}); they use their class's default speed"
        )
    left_out = provenance.get("left_out_edges") or {}
    if sum(left_out.values()):
        why = "; ".join(f"{n:,} {reason}" for reason, n in left_out.items() if n)
        out.append(
            f"{sum(left_out.values()):,} edges of the imported graph are left out as no road "
            f"for cars of the study: {why}"
        )
    osm_file = provenance.get("osm_file") or {}
    if osm_file.get("missing_nodes"):
        out.append(
            f"the OSM file has no location for {osm_file['missing_nodes']:,} of the "
            f"{osm_file.get('road_nodes', 0):,} nodes of its roads; road segments through "
            "them are left out"
        )
    return out
