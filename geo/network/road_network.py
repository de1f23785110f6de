"""The road network: a directed graph in compact arrays, with drive-time weights.

:class:`RoadNetwork` is what a user holds: nodes and directed edges as numpy arrays
(length, class, maxspeed, geometry, speed, travel time), its provenance, and ways to
save, load, and hand it to networkx/osmnx or GeoPandas.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from ..errors import InputError
from ..osm.roads import OSMRoads
from ..osm.sources import RoadSource, default_network_path, read_roads, road_source
from ._build import network_fields
from ._cache import RULE_COLUMNS, read_network, write_network
from ._driving_side import country_driving_side
from ._edge_tags import edge_speeds as edge_speeds
from ._speeds import travel_times_s
from .profile import profile_info

__all__ = ["RoadNetwork", "build_network", "edge_speeds"]

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from ..study.definition import Study


@dataclass
class RoadNetwork:
    """A directed road graph with drive-time weights, in compact arrays.

    Node ``i`` is OSM node ``node_osmid[i]`` at ``(node_lon[i], node_lat[i])``. Edge ``j``
    runs from node ``u[j]`` to ``v[j]`` along ``geometry[j]`` (lon/lat LineString).
    """

    node_osmid: npt.NDArray[np.int64]
    node_lon: npt.NDArray[np.float64]
    node_lat: npt.NDArray[np.float64]
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    length_m: npt.NDArray[np.float64]
    highway: npt.NDArray[np.str_]
    maxspeed: npt.NDArray[np.str_]
    name: npt.NDArray[np.str_]
    ref: npt.NDArray[np.str_]
    oneway: npt.NDArray[np.bool_]
    osm_way_id: npt.NDArray[np.int64]
    geometry: npt.NDArray[np.object_]
    speed_kph: npt.NDArray[np.float64]
    travel_time_s: npt.NDArray[np.float64]
    provenance: dict[str, Any] = field(default_factory=dict)
    dropped_geometry: npt.NDArray[np.object_] = field(
        default_factory=lambda: np.empty(0, dtype=object)
    )
    """Lines of the roads left out as not strongly connected to the network (islands,
    pieces reached by ferry only): they tell a place cut off from a place far from roads."""
    rules: dict[str, npt.NDArray[np.str_]] = field(default_factory=dict)
    """Per-edge tag columns the profiles read (:data:`RULE_COLUMNS`; ``""`` if untagged)."""
    node_obstacle: npt.NDArray[np.int8] | None = None
    """Obstacle code of each node (:mod:`geo.profiles`: barrier, gate, signals, ...)."""
    restrictions: npt.NDArray[np.int64] | None = None
    """Turn restrictions: relation id, only (1) or no (0), from way id, via node OSM id
    (or a via way's id negated, one row per via way), to way id."""
    road_source: RoadSource | None = field(default=None, compare=False)
    """The road data it was read from, when it came through :meth:`from_osm` (not cached)."""
    cache_folder: Path | None = field(default=None, compare=False)
    """The cache folder it was read from or saved to by :meth:`from_osm`."""

    def __post_init__(self) -> None:
        for col in RULE_COLUMNS:
            if col not in self.rules:
                self.rules[col] = np.full(len(self.u), "", dtype=str)
        if self.node_obstacle is None:
            self.node_obstacle = np.zeros(len(self.node_osmid), dtype=np.int8)
        if self.restrictions is None:
            self.restrictions = np.zeros((0, 5), dtype=np.int64)

    # ------------------------------------------------------------------ basics
    @property
    def n_nodes(self) -> int:
        return len(self.node_osmid)

    @property
    def n_edges(self) -> int:
        return len(self.u)

    def __repr__(self) -> str:
        return (
            f"RoadNetwork({self.n_nodes:,} nodes, {self.n_edges:,} edges, "
            f"source={self.provenance.get('source')!r}, "
            f"osm_timestamp={self.provenance.get('osm_timestamp')!r})"
        )

    def with_speeds(self, model: str = "ru", factor: float = 1.0) -> RoadNetwork:
        """A copy whose ``speed_kph`` and ``travel_time_s`` follow another profile."""
        speed = edge_speeds(self.highway, self.maxspeed, self.rules, model, factor)
        prov = dict(self.provenance, speed_model=profile_info(model, factor))
        return replace(
            self,
            speed_kph=speed,
            travel_time_s=travel_times_s(self.length_m, speed),
            provenance=prov,
        )

    def road_km_by(self, groups: npt.ArrayLike) -> pd.Series:
        """Kilometres of road per value of ``groups`` (one value per edge), each road
        counted once, not per direction."""
        # A two-way road is two directed edges; count it once.
        weight = np.where(self.oneway, 1.0, 0.5)
        return pd.Series(self.length_m * weight / 1000.0).groupby(np.asarray(groups)).sum()

    def km_by_class(self) -> pd.Series:
        """Kilometres of road per highway class, each road counted once (not per direction)."""
        return self.road_km_by(self.highway).sort_values(ascending=False)

    # ------------------------------------------------------------------ exports
    def edges_gdf(self) -> Any:
        """Edges as a GeoDataFrame (EPSG:4326), one row per directed edge."""
        import geopandas as gpd

        return gpd.GeoDataFrame(
            {
                "u": self.node_osmid[self.u],
                "v": self.node_osmid[self.v],
                "osm_way_id": self.osm_way_id,
                "highway": self.highway,
                "maxspeed": self.maxspeed,
                "name": self.name,
                "ref": self.ref,
                "oneway": self.oneway,
                "length_m": self.length_m,
                "speed_kph": self.speed_kph,
                "travel_time_s": self.travel_time_s,
            },
            geometry=self.geometry,
            crs="EPSG:4326",
        )

    def nodes_gdf(self) -> Any:
        """Nodes as a GeoDataFrame (EPSG:4326) indexed by OSM node id."""
        import geopandas as gpd

        return gpd.GeoDataFrame(
            {"osmid": self.node_osmid, "x": self.node_lon, "y": self.node_lat},
            geometry=shapely.points(self.node_lon, self.node_lat),
            crs="EPSG:4326",
        ).set_index("osmid")

    # ------------------------------------------------------------------ osmnx
    def to_networkx(self) -> Any:
        """An osmnx-compatible ``networkx.MultiDiGraph`` (node keys are OSM ids, EPSG:4326).

        Edges carry ``length``, ``travel_time`` (seconds, the name osmnx uses),
        ``speed_kph`` and the OSM tags, so ``osmnx.shortest_path(G, a, b,
        weight="travel_time")`` works and ``osmnx.save_graphml`` writes it.
        """
        from ._osmnx import graph_from_arrays

        # not per edge
        skip = {"provenance", "node_obstacle", "restrictions", "dropped_geometry"}
        skip |= {"road_source", "cache_folder"}
        arrays = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}
        return graph_from_arrays(arrays, {k: str(v) for k, v in self.provenance.items()})

    @classmethod
    def from_networkx(
        cls,
        graph: Any,
        speed_model: str = "ru",
        speed_factor: float = 1.0,
        *,
        road_classes: str | None = None,
    ) -> RoadNetwork:
        """A network from an osmnx ``MultiDiGraph`` (e.g. ``osmnx.graph_from_place``).

        The graph's roads for cars are kept as from an ``.osm.pbf`` file: edges of the
        ``highway`` classes down to ``road_classes`` (give the study's,
        ``study.network.road_classes``; by default the graph's own ``road_classes``
        attribute, else ``tertiary``, the studies' default) that no ``access`` or
        ``area`` tag closes to cars, in the largest strongly connected component. A graph
        osmnx builds without a network type (``osmnx.graph_from_xml``) holds footways,
        paths and ways that are no road at all: the provenance's ``left_out_edges``
        counts the edges left out by reason, and the pull summary and the results'
        warnings say so. Speeds and travel times come from the edges' ``highway`` and
        ``maxspeed`` through the speed model, as for networks built from OSM files (a
        graph's own ``travel_time`` is not used); merged edges' list-valued tags are
        flattened.

        Raises
        ------
        InputError
            Not a ``MultiDiGraph``, empty, projected, no road for cars, or nodes/edges
            lack osmnx's attributes.
        ParameterError
            ``road_classes`` is not a road class.
        """
        from ._osmnx import network_fields_from_graph

        return cls(**network_fields_from_graph(graph, speed_model, speed_factor, road_classes))

    def to_graphml(self, path: str | Path) -> Path:
        """Write the network as an osmnx GraphML file (``osmnx.load_graphml`` reads it)."""
        import osmnx as ox

        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp")
        ox.save_graphml(self.to_networkx(), tmp)
        tmp.replace(path)  # appears complete or not at all
        return path

    @classmethod
    def from_graphml(
        cls,
        path: str | Path,
        speed_model: str = "ru",
        speed_factor: float = 1.0,
        *,
        road_classes: str | None = None,
    ) -> RoadNetwork:
        """Read an osmnx GraphML file (``osmnx.save_graphml``), as :meth:`from_networkx`."""
        import osmnx as ox

        if not Path(path).is_file():
            raise InputError(f"no GraphML file at {str(path)!r}")
        graph = ox.load_graphml(path)
        return cls.from_networkx(graph, speed_model, speed_factor, road_classes=road_classes)

    # ------------------------------------------------------------------ from OSM
    @classmethod
    def from_osm(
        cls,
        study: Study,
        osm_file: str | Path | None = None,
        *,
        source: str | None = None,
        folder: str | Path | None = None,
        rebuild: bool = False,
        refresh: bool = False,
        cache: bool = True,
        geopackage: bool = False,
    ) -> RoadNetwork:
        """The study's road network: read from the cache, else built from OSM and cached.

        The one way in for the command line, the notebook and the scripts.

        Parameters
        ----------
        study
            Gives the area, the lowest road class, the speed model and its road data.
        osm_file
            A ``.osm.pbf`` (e.g. a Geofabrik extract) or ``.osm`` file. Without one, the
            file the study names (``[network] osm_file``), else the extract bundled for the
            study, else Overpass (:func:`geo.osm.sources.road_source`).
        source
            ``"pbf"``, ``"xml"`` or ``"overpass"``, to say so explicitly.
        folder
            Cache folder (default: under ``settings.cache_folder``, named by the study,
            the source and a hash of what shapes the network).
        rebuild
            Build anew even if the cache holds the network.
        refresh
            Rebuild and ask Overpass again instead of reading its cached answers.
        cache
            Read and write the cache at all.
        geopackage
            Also write ``network.gpkg`` (for QGIS) into the cache; a cached network
            without one is built again.

        Raises
        ------
        OSMDataError
            The source is unknown, the file missing, corrupt or outside the area.
        OverpassError
            The download failed after all retries.
        """
        road = road_source(study, source, osm_file)
        if road.is_default:
            log.info("road data: the study's default %s", road.path)
        reuse = cache and not (rebuild or refresh)
        # Finding the cache by content hashes the whole file: only when it may be read.
        target: Path | None = Path(folder) if folder is not None else None
        if target is None and reuse:
            target = default_network_path(study, road.kind, road.path)
        if (
            reuse
            and target is not None
            and (target / "network.npz").is_file()
            and not (geopackage and not (target / "network.gpkg").is_file())
        ):
            log.info("using the cached network %s", target)
            network = cls.load(target)
        else:
            network = cls.build_from_osm(study, road.kind, road.path, refresh=refresh)
            if folder is None:  # keyed by the content read (the hash computed while reading)
                sha256 = network.provenance.get("osm_file", {}).get("sha256")
                target = default_network_path(study, road.kind, road.path, sha256=sha256)
            if cache:
                assert target is not None  # a folder given, or the one named just above
                log.info(
                    "saving %s nodes and %s edges to %s",
                    f"{network.n_nodes:,}",
                    f"{network.n_edges:,}",
                    target,
                )
                network.save(target, geopackage=geopackage)
        network.road_source = road
        network.cache_folder = target if cache else None
        return network

    @classmethod
    def build_from_osm(
        cls,
        study: Study,
        source: str,
        osm_file: str | Path | None = None,
        *,
        refresh: bool = False,
    ) -> RoadNetwork:
        """Read the study's roads from one source and build the network (no network cache;
        ``refresh`` asks Overpass again instead of reading its cached answers)."""
        roads = read_roads(study, source, osm_file, refresh=refresh)
        log.info("building the graph from %s ways", f"{roads.n_ways:,}")
        return build_network(
            roads,
            study.area(),
            road_classes=study.network.road_classes,
            speed_model=study.speed.model,
            speed_factor=study.speed.factor,
            extra_provenance={
                "study": study.key,
                "driving_side": country_driving_side(study.country),
            },
        )

    # ------------------------------------------------------------------ cache
    def save(self, folder: str | Path, geopackage: bool = False) -> Path:
        """Write the network to ``folder`` atomically (all files appear at once, or none).

        Files: ``network.npz`` (compact arrays for routing), ``provenance.json`` and,
        if ``geopackage`` is true, ``network.gpkg`` (nodes and edges, for QGIS).
        """
        edge_layers = (self.edges_gdf(), self.nodes_gdf().reset_index()) if geopackage else None
        return write_network(self, Path(folder), edge_layers)

    @classmethod
    def load(cls, folder: str | Path) -> RoadNetwork:
        """Read a network written by :meth:`save`.

        Raises
        ------
        CacheError
            The folder or a file is missing, unreadable, or from another cache format.
        """
        return cls(**read_network(Path(folder)))


def build_network(
    roads: OSMRoads,
    area: Any,
    *,
    road_classes: str,
    speed_model: str = "ru",
    speed_factor: float = 1.0,
    extra_provenance: dict[str, Any] | None = None,
) -> RoadNetwork:
    """Build the routable network from OSM roads: cut, clip, orient, keep the largest SCC.

    Parameters
    ----------
    roads
        Road ways and nodes from :func:`geo.osm.read_osm_file` or the Overpass download.
    area
        Study area polygon (lon/lat); road parts outside it are dropped.
    road_classes
        Lowest road class kept (recorded in the provenance).
    speed_model, speed_factor
        Passed to :func:`geo.speeds.edge_speeds_kph`; the profile also says how edge
        lengths are measured (``[network] length``: kept by :meth:`RoadNetwork.with_speeds`).

    Raises
    ------
    EmptyNetworkError
        No road lies in the area.
    """
    built = network_fields(roads, area, road_classes, speed_model, speed_factor, extra_provenance)
    return RoadNetwork(**built)
