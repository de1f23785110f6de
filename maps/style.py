"""Colours, sizes and line styles shared by every map."""

from __future__ import annotations

import math

import branca.colormap as cm

__all__ = [
    "BORDER_STYLE",
    "CENTER_COLOUR",
    "CITY_COLOUR",
    "MINOR_ROAD_WEIGHT",
    "NO_TILES_BACKGROUND",
    "ROAD_COLOUR",
    "ROAD_WEIGHTS",
    "ROUTE_STYLES",
    "TIME_COLOURS",
    "TOWN_COLOUR",
    "WATER_COLOUR",
    "ZONE_STYLE",
    "band_colours",
    "marker_radius",
    "road_weight",
    "route_style",
]

#: Drive time colours, short (green) to long (purple); the bands take steps of this ramp.
TIME_COLOURS = ["#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027", "#762a83"]

#: Background shown where no base tiles load (offline): a light land colour.
NO_TILES_BACKGROUND = "#f2efe9"

ZONE_STYLE = {
    "color": "#333333",
    "weight": 2,
    "dashArray": "6 4",
    "fillColor": "#ffffff",
    "fillOpacity": 0.12,
}
CITY_COLOUR = "#08306b"
CENTER_COLOUR = "#b2182b"
TOWN_COLOUR = "#2166ac"

#: Each first-tier city's routes: colour and dash pattern, none of them a band colour.
ROUTE_STYLES: list[dict[str, str | None]] = [
    {"color": "#08306b", "dashArray": None},
    {"color": "#00838f", "dashArray": "10 7"},
    {"color": "#3b3b3b", "dashArray": "2 6"},
    {"color": "#8c510a", "dashArray": "14 4 2 4"},
]

#: Context layer: roads in light grey, their width by class; water and region borders.
ROAD_WEIGHTS = {
    "motorway": 3.0,
    "trunk": 2.6,
    "primary": 2.0,
    "secondary": 1.5,
    "tertiary": 1.1,
}
ROAD_COLOUR = "#b4b4b4"
MINOR_ROAD_WEIGHT = 0.7
WATER_COLOUR = "#a9cbe8"
BORDER_STYLE = {"color": "#7b5e93", "weight": 1.5, "dashArray": "8 3 2 3", "opacity": 0.8}


def route_style(index: int) -> dict[str, str | None]:
    """Colour and dash pattern of the ``index``-th first-tier city's routes."""
    return ROUTE_STYLES[index % len(ROUTE_STYLES)]


def band_colours(n: int) -> list[str]:
    """One colour per band, stepped along :data:`TIME_COLOURS` (legend and map alike)."""
    ramp = cm.LinearColormap(TIME_COLOURS, vmin=0.0, vmax=1.0)
    return [ramp.rgb_hex_str((i + 0.5) / n) for i in range(n)] if n else []


def road_weight(highway: str) -> float:
    """Line width of a road class (links as their class)."""
    return ROAD_WEIGHTS.get(highway.removesuffix("_link"), MINOR_ROAD_WEIGHT)


def marker_radius(population: float) -> float:
    """Circle radius in pixels, growing with the square root of the population."""
    if not (isinstance(population, int | float) and math.isfinite(population)) or population <= 0:
        return 3.0
    return round(min(22.0, 3.0 + 2.2 * math.sqrt(population / 10_000.0)), 1)
