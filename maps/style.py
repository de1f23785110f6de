"""Colours, sizes and number formats shared by every map."""

from __future__ import annotations

import math

import branca.colormap as cm

#: Drive time colours, short (green) to long (purple); one scale for bands and routes.
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


def time_colormap(
    max_min: float, caption: str = "Drive time from the city (minutes)"
) -> cm.LinearColormap:
    """A continuous legend from 0 to ``max_min`` minutes."""
    scale = cm.LinearColormap(TIME_COLOURS, vmin=0.0, vmax=float(max_min))
    scale.caption = caption
    return scale


def marker_radius(population: float) -> float:
    """Circle radius in pixels, growing with the square root of the population."""
    if not (isinstance(population, int | float) and math.isfinite(population)) or population <= 0:
        return 3.0
    return round(min(22.0, 3.0 + 2.2 * math.sqrt(population / 10_000.0)), 1)
