"""What every map of a run draws alike, as GeoJSON computed once: bands and context.

Cutting the cumulative bands into rings (``shapely.difference``), merging the cities' bands
into the nearer-city view and simplifying them to the vertex budget are the costly parts of
drawing a map. Every map of a run draws the same bands and the same context, so
:func:`map_data` computes them once and each map's layers are made from its GeoJSON.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import numpy.typing as npt
import shapely

from ..geo.analysis.surface import NEARER
from ..geo.results.access_results import AccessResults
from ..geo.study.options import ROAD_CLASSES
from ._geojson import compact, feature_collection
from .style import (
    BEYOND_LIMIT_COLOUR,
    BORDER_STYLE,
    ROAD_COLOUR,
    WATER_COLOUR,
    band_colours,
    class_colours,
    road_weight,
)

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger(__name__)

#: Vertices allowed in one city's drive-time bands (about 20 bytes each in the HTML).
BAND_VERTICES = 40_000

#: The simplification tolerance the bands start from (about 100 m).
BAND_TOLERANCE_DEG = 0.001

#: Vertices allowed in the context layer. Every street of a German state is a million
#: vertices, 24 MB in every map; the minor classes give way first (see _context_kept).
CONTEXT_VERTICES = 150_000

#: The simplification of the context (about 20 m): a backdrop, drawn thin and grey.
CONTEXT_TOLERANCE_DEG = 0.0002


@dataclass(frozen=True)
class Bands:
    """The GeoJSON of each band layer of a study's maps (no words: any language)."""

    bands_min: list[float]
    """Upper limits of the bands in minutes, as the rings are ordered."""
    cities: dict[str, dict[str, Any]] = field(default_factory=dict)
    """One city's rings, by the city's name (cities without bands are left out)."""
    nearest: dict[str, Any] | None = None
    """The rings of the drive time from the nearer city; ``None`` with fewer than two cities."""
    beyond_limit: bool = False
    """Whether the layers show land beyond the access limit (the surface's grey)."""


@dataclass(frozen=True)
class MapData:
    """The layers' GeoJSON that every map of a run shares."""

    bands: Bands
    context: dict[str, Any] | None
    """Roads, water and borders, each feature with its style (:func:`context_data`)."""
    context_kinds: frozenset[str]
    """The kinds of context present (``road``, ``water``, ``border``), for the key."""

    def layers(self) -> list[dict[str, Any]]:
        """Every GeoJSON here: the same objects go into each map of the run."""
        found = [*self.bands.cities.values(), self.bands.nearest, self.context]
        return [layer for layer in found if layer is not None]


#: Kinds of context rows drawn (``place`` rows only name the towns).
DRAWN_KINDS = ("road", "water", "border")


def map_data(results: AccessResults, context: gpd.GeoDataFrame | None = None) -> MapData:
    """The bands of ``results`` and the ``context`` (:mod:`geo.context`) as GeoJSON."""
    if context is not None and len(context):
        context = context[context["kind"].isin(DRAWN_KINDS)]
    kinds = frozenset(str(k) for k in context["kind"]) if context is not None else frozenset()
    return MapData(band_data(results), context_data(context), kinds)


def _context_kept(
    context: gpd.GeoDataFrame,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.object_]]:
    """Which context rows fit :data:`CONTEXT_VERTICES`, and their simplified geometries:
    water, borders and the road classes from the highest down, as long as the budget
    holds (the highest always). Each group is simplified only when its turn comes, so the
    minor streets left out are never simplified (most of a state's vertices)."""
    rank = {c: i for i, c in enumerate(ROAD_CLASSES)}
    roads = context["kind"].to_numpy() == "road"
    level = np.array([rank.get(str(c).removesuffix("_link"), len(rank)) for c in context["class"]])
    level[~roads] = -1  # water and borders first, always kept
    src = context.geometry.to_numpy()
    geoms = np.empty(len(src), dtype=object)
    keep = np.zeros(len(src), dtype=bool)
    used = 0
    for lvl in np.unique(level):
        this = level == lvl
        part = compact(src[this], CONTEXT_TOLERANCE_DEG, keep_topology=False)
        used += int(shapely.get_num_coordinates(part).sum())
        if used > CONTEXT_VERTICES and (keep & roads).any():
            break
        geoms[this], keep[this] = part, True
    return keep, geoms


def _without_points(context: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The context without points: a point would be drawn as Leaflet's default pin, which
    means nothing on these maps (a lake clipped to the study area left a collection holding
    a point: a stray pin east of Chelyabinsk). Collections keep their lines and areas."""
    geoms = context.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    collections = kinds == 7
    if collections.any():
        geoms = geoms.copy()
        for i in np.flatnonzero(collections):
            parts = shapely.get_parts(geoms[i])
            kept = parts[shapely.get_dimensions(parts) > 0]
            geoms[i] = shapely.GeometryCollection(list(kept)) if len(kept) else None
        context = context.set_geometry(geoms, crs=context.crs)
    points = np.isin(shapely.get_type_id(context.geometry.to_numpy()), [0, 4])
    return context[~points & context.geometry.notna().to_numpy()]


def context_data(context: gpd.GeoDataFrame | None) -> dict[str, Any] | None:
    """The context layer's GeoJSON: grey roads (width by class), water, region borders."""
    if context is None or len(context) == 0:
        return None
    context = _without_points(context)
    if len(context) == 0:
        return None
    keep, geoms = _context_kept(context)
    if not keep.all():
        dropped = sorted({str(c) for c in context["class"][~keep]})
        log.info("map context: %s roads left out (over %s vertices)", ", ".join(dropped),
                 f"{CONTEXT_VERTICES:,}")  # fmt: skip
    context, geoms = context[keep], geoms[keep]
    props = []
    for kind, cls in zip(context["kind"], context["class"], strict=True):
        if kind == "water":
            style = {"color": WATER_COLOUR, "weight": 1, "fillColor": WATER_COLOUR,
                     "fillOpacity": 0.8}  # fmt: skip
        elif kind == "border":
            style = dict(BORDER_STYLE, fill=False)
        else:
            style = {"color": ROAD_COLOUR, "weight": road_weight(str(cls)), "opacity": 0.9}
        props.append({"style": style, "kind": str(kind)})
    return feature_collection(geoms, props)


def _rings(geoms: Any) -> Any:
    """Cumulative reach polygons (sorted by band) as non-overlapping rings."""
    rings = np.empty(len(geoms), dtype=object)
    rings[0] = geoms[0]
    rings[1:] = shapely.difference(geoms[1:], geoms[:-1])
    return rings


def _collection(reach: Any, bands: list[float]) -> dict[str, Any]:
    colours = band_colours(len(bands))
    lower = [0.0, *bands[:-1]]
    props = [
        {"colour": colours[i], "band": f"{lower[i]:g}-{bands[i]:g}"} for i in range(len(bands))
    ]
    return feature_collection(compact(_rings(reach), BAND_TOLERANCE_DEG, BAND_VERTICES), props)


def _surface_collection(rows: Any, beyond: Any, n_bands: int) -> dict[str, Any]:
    """One origin's surface classes (and the land beyond the access limit), coloured."""
    colours = class_colours(n_bands + 1)
    geoms = [*rows.geometry.to_numpy(), *beyond.geometry.to_numpy()]
    props = [
        {"colour": colours[min(int(b), n_bands)], "band": str(label)}
        for b, label in zip(rows["band"], rows["label"], strict=True)
    ] + [{"colour": BEYOND_LIMIT_COLOUR, "band": "beyond_limit"} for _ in range(len(beyond))]
    geoms_arr = np.array(geoms, dtype=object)
    return feature_collection(compact(geoms_arr, BAND_TOLERANCE_DEG, BAND_VERTICES), props)


def surface_data(results: AccessResults) -> Bands | None:
    """The drive-time surface's classes (:attr:`AccessResults.surface`) as band layers:
    each city's, and the nearer city's; ``None`` when the results have no surface."""
    surface = getattr(results, "surface", None)
    if surface is None or surface.empty:
        return None
    times = surface[surface["kind"] == "time"].sort_values(["origin_key", "band"])
    beyond = surface[surface["kind"] == "beyond_limit"]
    limits = sorted({float(u) for u in times["upper_min"] if np.isfinite(u)})
    n = len(limits)
    cities = {
        origin: _surface_collection(times[times["origin_key"] == key], beyond, n)
        for origin, key in results.cities
        if (times["origin_key"] == key).any()
    }
    nearest = None
    if len(results.cities) > 1 and (times["origin_key"] == NEARER).any():
        nearest = _surface_collection(times[times["origin_key"] == NEARER], beyond, n)
    return Bands(limits, cities, nearest, beyond_limit=not beyond.empty)


def band_data(results: AccessResults) -> Bands:
    """Every band layer's GeoJSON for ``results`` (each city's, and the nearer city's):
    the drive-time surface when the results have one, else the isochrone bands."""
    surface = surface_data(results)
    return surface if surface is not None else isochrone_bands(results)


def isochrone_bands(results: AccessResults) -> Bands:
    """The isochrone bands as band layers (each city's, and the nearer city's).

    The bands of one city are nested (each holds the ones below it), so the reach of the
    nearer city within a band is the union of the cities' polygons of that band alone.
    """
    iso = results.isochrones
    if iso is None or iso.empty or "origin" not in iso:
        return Bands([])
    bands = sorted({float(b) for b in iso["band_min"]})
    cities: dict[str, dict[str, Any]] = {}
    per_city = []
    for origin, _key in results.cities:
        own = iso[iso["origin"] == origin].sort_values("band_min")
        if own.empty:
            continue
        own_bands = [float(b) for b in own["band_min"]]
        cities[origin] = _collection(own.geometry.to_numpy(), own_bands)
        if own_bands == bands:
            per_city.append(own.geometry.to_numpy())
    nearest = None
    if iso["origin"].nunique() >= 2:
        if len(per_city) == iso["origin"].nunique():
            reach = shapely.union_all(np.stack(per_city), axis=0)
        else:  # a city with other bands than the rest: each band from all polygons below it
            reach = np.array(
                [shapely.union_all(iso.geometry[iso["band_min"] <= b].to_numpy()) for b in bands],
                dtype=object,
            )
        nearest = _collection(reach, bands)
    return Bands(bands, cities, nearest)


def bands_geojson(
    data: dict[str, Any] | None, name: str, title: str, show: bool
) -> folium.GeoJson | None:
    """A band layer from :func:`band_data`'s GeoJSON; ``None`` when it has no features."""
    if data is None or not data["features"]:
        return None
    return folium.GeoJson(
        data,
        name=name,
        show=show,
        style_function=lambda f: {
            "stroke": False,
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.6,
        },
        # The bands take no clicks or hovers: a click inside a zone opens its popup.
        interactive=False,
        ua_bands=title,
    )
