"""The comparison map of a road scenario: minutes saved or lost, edited roads, changed routes.

One page, ``scenario.html`` in the comparison folder of ``ural-access scenario``:

- each place as a circle coloured by the change in drive time from the nearer first-tier
  city (scenario minus baseline; ColorBrewer's diverging RdBu, blue for minutes saved),
  with a popup of the time from each city before, after and the change;
- the agglomeration zones, with a popup of the time to the central town from each city
  and the potential, before and after;
- the edited roads as thick lines, and the routes whose time changed: the baseline's
  dashed, the scenario's solid, in each city's colour.

When both results carry the drive-time surface (computed unless ``--no-isochrones``), the
change is also drawn as a surface (:mod:`maps._scenario_surface`), beneath the circles.

The page opens on the edits (:func:`scenario_bounds`: the edited roads and the routes
whose time changed by a minute or more); zooming out shows the whole study.
"""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import shapely

from ..geo.results.access_results import AccessResults
from ..geo.scenarios.apply import AppliedScenario
from ..geo.scenarios.compare import ScenarioComparison
from ._controls import InfoBox, add_controls, base_map, provenance_line
from ._labels import town_labels
from ._layers import context_layer
from ._scenario_layers import (
    CHANGE_BREAKS,
    CHANGE_COLOURS,
    CLOSED_DASH,
    CUT_OFF_COLOUR,
    EDIT_COLOURS,
    changed_routes_layer,
    edited_roads_layer,
    places_layer,
    zones_layer,
)
from ._scenario_surface import surface_layer
from ._shared import context_data
from .build import map_language, offline_maps, save_map, stable_ids
from .legend import HtmlControl
from .overview import study_bounds
from .style import route_style
from .text import EN, Lang

__all__ = ["SCENARIO_MAP", "scenario_bounds", "scenario_map", "write_scenario_map"]

log = logging.getLogger(__name__)

#: File name of the comparison map in the comparison folder.
SCENARIO_MAP = "scenario.html"


def _swatch(colour: str) -> str:
    return (
        f'<svg width="22" height="14" aria-hidden="true"><circle cx="11" cy="7" r="6" '
        f'fill="{colour}" stroke="#444" stroke-width="1"/></svg>'
    )


def _line(colour: str, weight: float, dash: str | None, opacity: float = 1.0) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<svg width="34" height="12" aria-hidden="true"><line x1="1" y1="6" x2="33" y2="6" '
        f'stroke="{colour}" stroke-width="{weight}" stroke-opacity="{opacity}"{dash_attr}/></svg>'
    )


def legend_html(lang: Lang, kinds: list[str]) -> str:
    """The legend: the change classes, cut off, the edited roads' kinds, before and after."""
    m = [lang.minutes(abs(b)) for b in CHANGE_BREAKS]
    labels = [
        lang("sc_saved_more", m=m[0]),
        lang("sc_saved", lo=m[1], hi=m[0]),
        lang("sc_saved", lo=m[2], hi=m[1]),
        lang("sc_same", m=m[3]),
        lang("sc_lost", lo=m[3], hi=m[4]),
        lang("sc_lost", lo=m[4], hi=m[5]),
        lang("sc_lost_more", m=m[5]),
    ]
    rows = [(_swatch(c), t) for c, t in zip(CHANGE_COLOURS, labels, strict=True)]
    rows.append((_swatch(CUT_OFF_COLOUR), lang("sc_cut_off")))
    rows += [
        (
            _line(EDIT_COLOURS[k], 8, CLOSED_DASH if k == "close" else None, 0.55),
            lang(f"sc_kind_{k}"),
        )
        for k in kinds
    ]
    colour = route_style(0)["color"] or "#333333"
    rows += [
        (_line(colour, 3, "8 7", 0.8), lang("sc_key_before")),
        (_line(colour, 4, None), lang("sc_key_after")),
    ]
    body = "".join(f"<tr><td>{icon}</td><td>{escape(text)}</td></tr>" for icon, text in rows)
    title = escape(lang("sc_legend_title"))
    return f"<div class='ua-legend-head'>{title}</div><table class='ua-key'>{body}</table>"


#: Padding of the first view around the edits: a share of their extent, and at least
#: this many degrees (a short bridge still opens with its surroundings).
EDIT_PAD, EDIT_MIN_PAD_DEG = 0.08, 0.05


def scenario_bounds(
    applied: AppliedScenario,
    comparison: ScenarioComparison,
    routes: list[gpd.GeoDataFrame],
    fallback: tuple[float, float, float, float],
) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the first view: the edited roads and the ``routes``
    (baseline's and scenario's) whose time changed by a minute or more, padded;
    ``fallback`` (the study) when there is neither."""
    keys = ["origin", "agglomeration"]
    routes_now = comparison.changed_routes
    # Only routes that changed more than "about the same" (the legend's middle class):
    # an upgrade at a city's edge shaves seconds off its routes to every centre.
    big = routes_now["time_to_center_min_change"].abs() >= CHANGE_BREAKS[3]
    changed = routes_now.loc[big, keys].drop_duplicates()
    geoms = [applied.edited.geometry.to_numpy()]
    geoms += [r.merge(changed, on=keys).geometry.to_numpy() for r in routes if len(r)]
    found = np.concatenate(geoms)
    found = found[~shapely.is_empty(found) & ~shapely.is_missing(found)]
    if not len(found):
        return fallback
    west, south, east, north = (float(v) for v in shapely.total_bounds(found))
    dx = max((east - west) * EDIT_PAD, EDIT_MIN_PAD_DEG)
    dy = max((north - south) * EDIT_PAD, EDIT_MIN_PAD_DEG)
    return (west - dx, south - dy, east + dx, north + dy)


def scenario_map(
    baseline: AccessResults,
    scenario: AccessResults,
    comparison: ScenarioComparison,
    applied: AppliedScenario,
    lang: Lang = EN,
) -> folium.Map:
    """The comparison map of ``applied`` (see the module's description).

    ``baseline`` and ``scenario`` are the results of one study before and after the
    edits, ``comparison`` is :meth:`ScenarioComparison.of` of the two.
    """
    bounds = scenario_bounds(
        applied, comparison, [baseline.routes, scenario.routes], study_bounds(scenario)
    )
    fmap = base_map(bounds, lang)  # opens on the edits; the whole study is a zoom out
    ctx = context_layer(context_data(scenario.context), lang)
    if ctx is not None:
        ctx.add_to(fmap)
    surface = surface_layer(baseline.surface_raster, scenario.surface_raster, lang)
    if surface is not None:
        surface.add_to(fmap)
    zones = zones_layer(comparison, scenario.zones, lang)
    if zones is not None:
        zones.add_to(fmap)
    edits = edited_roads_layer(applied, lang)
    if edits is not None:
        edits.add_to(fmap)
    cities = [c for c, _ in scenario.cities]
    for routes, after in ((baseline.routes, False), (scenario.routes, True)):
        layer = changed_routes_layer(routes, comparison, cities, lang, after)
        if layer is not None:
            layer.add_to(fmap)
    places = places_layer(comparison, scenario.places, lang)
    places.add_to(fmap)
    # the cities and the centres named (the towns in their popups and the search)
    town_labels(scenario.places, ("first_tier", "center"), lang).add_to(fmap)
    if len(cities) > 1:  # the change from each city, one layer each (hidden at first)
        for city in cities:
            places_layer(comparison, scenario.places, lang, origin=city).add_to(fmap)
    title, description = applied.scenario.titled(lang.code)
    note = lang("sc_note") + (lang("sc_note_surface") if surface is not None else "")
    InfoBox(
        lang("sc_title", title=title),
        note,
        provenance_line(scenario, lang),
        lang,
        " ".join(description.split()),  # the file's line breaks are not the map's
    ).add_to(fmap)
    kinds = [k for k in EDIT_COLOURS if k in set(applied.edited["kind"].astype(str))]
    HtmlControl(legend_html(lang, kinds), "bottomleft", "ua-legend").add_to(fmap)
    add_controls(fmap, places, lang, bounds)
    return fmap


def write_scenario_map(
    baseline: AccessResults,
    scenario: AccessResults,
    comparison: ScenarioComparison,
    applied: AppliedScenario,
    folder: str | Path,
    lang: str = "en",
    self_contained: bool | None = None,
) -> Path:
    """Write :func:`scenario_map` as ``folder/scenario.html`` (atomically) and return it.

    ``lang`` is ``"en"`` or ``"ru"``; ``self_contained`` as for :func:`maps.build_maps`
    (``None``: inline the scripts when ``ural-access setup-assets`` installed them).
    """
    words = map_language(scenario, lang, scenario.context)
    if self_contained is None:
        self_contained = offline_maps()
    path = Path(folder) / SCENARIO_MAP
    with stable_ids(SCENARIO_MAP):
        fmap = scenario_map(baseline, scenario, comparison, applied, words)
        return save_map(fmap, path, self_contained, words)
