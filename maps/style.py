"""Colours, sizes and line styles shared by every map."""

from __future__ import annotations

import math

import branca.colormap as cm

__all__ = [
    "BEYOND_LIMIT_COLOUR",
    "BORDER_STYLE",
    "CENTER_COLOUR",
    "CITY_COLOUR",
    "LEG_STYLE",
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
    "class_colours",
    "marker_radius",
    "road_weight",
    "route_style",
    "time_class",
]

#: Drive time colours, short (light yellow) to long (dark blue): ColorBrewer's sequential
#: YlGnBu (Cynthia Brewer, colorbrewer2.org, "colorblind safe"), its 9-class steps without
#: the near-white first one (it would vanish on the plain background). The classes (the
#: bands, and one beyond the last for an agglomeration farther than every band) take
#: evenly spaced steps of this ramp, light to dark: lightness alone orders them.
TIME_COLOURS = [
    "#edf8b1",
    "#c7e9b4",
    "#7fcdbb",
    "#41b6c4",
    "#1d91c0",
    "#225ea8",
    "#253494",
    "#081d58",
]

#: Colour of the land farther than the access limit from every road (no time there).
BEYOND_LIMIT_COLOUR = "#bdbdbd"

#: Background shown where no base tiles load (offline): a light land colour.
NO_TILES_BACKGROUND = "#f2efe9"

#: Agglomeration zones: a dashed circle filled with the colour of the nearer city's
#: time class (the fill colour is set per zone).
ZONE_STYLE = {
    "color": "#333333",
    "weight": 2,
    "dashArray": "6 4",
    "fillColor": "#ffffff",
    "fillOpacity": 0.6,
}
CITY_COLOUR = "#111111"
CENTER_COLOUR = "#b2182b"
TOWN_COLOUR = "#525252"

#: Each first-tier city's routes: colour and dash pattern, none of them a band colour
#: (the bands are yellow to blue; the routes black, magenta, brown, orange).
ROUTE_STYLES: list[dict[str, str | None]] = [
    {"color": "#111111", "dashArray": None},
    {"color": "#c51b7d", "dashArray": "10 7"},
    {"color": "#8c510a", "dashArray": "2 6"},
    {"color": "#e08214", "dashArray": "14 4 2 4"},
]

#: Access legs (town to the point where it joins the roads): dotted, dark grey.
LEG_STYLE = {"color": "#333333", "weight": 2, "dashArray": "1 5", "opacity": 0.9}

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
    """One colour per band, stepped along :data:`TIME_COLOURS` (legend and map alike).

    The bands take the first ``n`` of ``n + 1`` evenly spaced steps: the darkest is kept
    for "beyond the last band" (:func:`time_class`).
    """
    return class_colours(n + 1)[:n] if n else []


def class_colours(n: int) -> list[str]:
    """``n`` colours evenly spaced along :data:`TIME_COLOURS`, light (short) to dark."""
    ramp = cm.LinearColormap(TIME_COLOURS, vmin=0.0, vmax=1.0)
    return [ramp.rgb_hex_str(i / (n - 1)) for i in range(n)] if n > 1 else TIME_COLOURS[:n]


def time_class(minutes: float, bands: list[float]) -> int | None:
    """Index of the band holding ``minutes`` (``len(bands)``: beyond the last; None: NaN)."""
    if not math.isfinite(minutes):
        return None
    return next((i for i, upper in enumerate(bands) if minutes <= upper), len(bands))


def road_weight(highway: str) -> float:
    """Line width of a road class (links as their class)."""
    return ROAD_WEIGHTS.get(highway.removesuffix("_link"), MINOR_ROAD_WEIGHT)


def marker_radius(population: float) -> float:
    """Circle radius in pixels, growing with the square root of the population."""
    if not (isinstance(population, int | float) and math.isfinite(population)) or population <= 0:
        return 3.0
    return round(min(22.0, 3.0 + 2.2 * math.sqrt(population / 10_000.0)), 1)
