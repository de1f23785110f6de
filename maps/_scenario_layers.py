"""The layers of the scenario comparison map (:mod:`maps.scenario`): places coloured by the
minutes saved or lost, zones with before and after, the edited roads, the changed routes.

Every name from OSM, GeoNames, the study or the scenario file is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from html import escape
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..geo.scenarios.apply import AppliedScenario
from ..geo.scenarios.compare import ScenarioComparison
from ._geojson import compact, feature_collection
from .style import marker_radius, route_style
from .text import Lang

__all__ = [
    "CHANGE_BREAKS",
    "CHANGE_COLOURS",
    "CLOSED_DASH",
    "CUT_OFF_COLOUR",
    "EDIT_COLOURS",
    "change_class",
    "changed_routes_layer",
    "edited_roads_layer",
    "nearer_change",
    "places_layer",
    "signed_minutes",
    "zones_layer",
]

#: Class edges of the change in minutes (scenario minus baseline: saved is negative).
CHANGE_BREAKS = (-15.0, -5.0, -1.0, 1.0, 5.0, 15.0)

#: One colour per class, saved (blue) to lost (red): ColorBrewer's diverging RdBu in 7
#: classes, reversed (Cynthia Brewer, colorbrewer2.org, marked "colorblind safe").
CHANGE_COLOURS = ("#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b")

#: A place that had a route before and has none now; a place with none either way.
CUT_OFF_COLOUR = "#000000"
NO_ROUTE_COLOUR = "#bdbdbd"

#: Edited roads by kind of edit: colours outside RdBu (purple, green, black).
EDIT_COLOURS = {"upgrade": "#762a83", "new_road": "#1b7837", "close": "#252525"}

#: Dash pattern of a closed road (the others are solid).
CLOSED_DASH = "2 8"


def change_class(change: float) -> int:
    """The index into :data:`CHANGE_COLOURS` of a change in minutes (finite)."""
    return int(np.searchsorted(np.asarray(CHANGE_BREAKS), change, side="right"))


def signed_minutes(change: float, lang: Lang) -> str:
    """``−12 min`` / ``+3 min`` / ``0 min``; NaN is "cut off"."""
    if not math.isfinite(change):
        return lang("sc_cut_off")
    text = lang.minutes(abs(change))
    if round(change) == 0:
        return text
    return ("−" if change < 0 else "+") + text


def nearer_change(comparison: ScenarioComparison, origin: str | None = None) -> pd.DataFrame:
    """Per place: the time from the nearer city before and after (each side's own nearer
    city), or from the city ``origin``, and the change (NaN after and finite before: cut
    off)."""
    table = comparison.by_place
    if origin is not None:
        table = table[table["origin"] == origin]
    out = table.groupby("place_id", sort=True).agg(
        name=("name", "first"),
        role=("role", "first"),
        before=("time_min_baseline", "min"),
        after=("time_min_scenario", "min"),
    )
    out["change"] = out["after"] - out["before"]
    return out.reset_index()


def _rows_html(
    rows: list[tuple[str, float, float]],
    lang: Lang,
    fmt: Callable[[float], str],
    change: Callable[[float], str],
) -> str:
    """A before / after / change table; ``rows`` hold an escaped label and two values."""
    head = (
        f"<tr><th></th><th>{escape(lang('sc_before'))}</th><th>{escape(lang('sc_after'))}</th>"
        f"<th>{escape(lang('sc_change'))}</th></tr>"
    )
    body = "".join(
        f"<tr><td>{label}</td><td class='ua-before'{_value(b)}>{escape(fmt(b))}</td>"
        f"<td class='ua-after'{_value(a)}>{escape(fmt(a))}</td>"
        f"<td class='ua-change'>{escape(_change_text(b, a, change))}</td></tr>"
        for label, b, a in rows
    )
    return f"<table class='ua-compare' style='white-space:nowrap;border-spacing:10px 2px;margin-left:-10px'>{head}{body}</table>"


def _value(value: float) -> str:
    """The exact value as a ``data-value`` attribute (for readers and tests), if finite."""
    return f" data-value='{value:.4f}'" if math.isfinite(value) else ""


def _change_text(before: float, after: float, change: Callable[[float], str]) -> str:
    if not math.isfinite(before):
        return "–"
    return change(after - before)


def _signed_people(value: float, lang: Lang) -> str:
    if not math.isfinite(value):
        return "–"
    return ("−" if value < 0 else "+" if value > 0 else "") + lang.people(abs(value))


def _place_popup(name: str, rows: pd.DataFrame, nearer: Any, lang: Lang) -> str:
    cities = [
        (
            escape(lang("sc_city", city=lang.place(r.origin))),
            float(r.time_min_baseline),
            float(r.time_min_scenario),
        )
        for r in rows.itertuples()
    ]
    cities.append((escape(lang("sc_nearer")), float(nearer.before), float(nearer.after)))
    table = _rows_html(cities, lang, lang.minutes, partial(signed_minutes, lang=lang))
    return f"<div class='ua-popup'><h4>{escape(name)}</h4>{table}</div>"


def places_layer(
    comparison: ScenarioComparison, places: pd.DataFrame, lang: Lang, origin: str | None = None
) -> folium.GeoJson:
    """Each place as a circle coloured by the minutes saved or lost from the nearer city
    (or from the city ``origin``: a layer hidden at first), with a popup of the time from
    each city before and after (and a search index)."""
    nearer = nearer_change(comparison, origin).merge(
        places[["place_id", "lon", "lat", "population"]], on="place_id", how="inner"
    )
    by_place = {k: g for k, g in comparison.by_place.groupby("place_id", sort=False)}
    overall = nearer_change(comparison).set_index("place_id")  # the popups' last row
    props = []
    for row in nearer.itertuples():
        if math.isfinite(row.change):
            colour = CHANGE_COLOURS[change_class(float(row.change))]
        else:
            colour = CUT_OFF_COLOUR if math.isfinite(row.before) else NO_ROUTE_COLOUR
        name = lang.place(row.name)
        change = (
            signed_minutes(float(row.change), lang)
            if math.isfinite(row.before)
            else lang("sc_no_route")
        )
        props.append(
            {
                "name": name,
                "popup": _place_popup(
                    name, by_place[row.place_id], overall.loc[row.place_id], lang
                ),
                "tooltip": lang("sc_place_tooltip", name=escape(name), change=escape(change)),
                "radius": marker_radius(float(row.population or 0)) + 1.0,
                "colour": colour,
            }
        )
    points = compact(shapely.points(nearer["lon"].to_numpy(), nearer["lat"].to_numpy()))
    return folium.GeoJson(
        feature_collection(points, props),
        name=(
            lang("sc_layer_places")
            if origin is None
            else lang("sc_layer_places_city", city=escape(lang.place(origin)))
        ),
        show=origin is None,
        marker=folium.CircleMarker(radius=5, weight=1.2, fill=True, fill_opacity=0.95),
        style_function=lambda f: {
            "radius": f["properties"]["radius"],
            "color": "#444444",
            "fillColor": f["properties"]["colour"],
        },
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=460),
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
    )


def zones_layer(
    comparison: ScenarioComparison, zones: gpd.GeoDataFrame, lang: Lang
) -> folium.GeoJson | None:
    """The agglomeration zones (outlines) with a popup: time to the central town from
    each city and the potential, before and after."""
    if zones.empty:
        return None
    potential = comparison.by_agglomeration.set_index("agglomeration")
    minutes, people = partial(signed_minutes, lang=lang), partial(_signed_people, lang=lang)
    props = []
    for agg in zones["agglomeration"]:
        legs = comparison.by_city[comparison.by_city["agglomeration"] == agg]
        rows = [
            (
                escape(lang("sc_city", city=lang.place(r.origin))),
                float(r.time_to_center_min_baseline),
                float(r.time_to_center_min_scenario),
            )
            for r in legs.itertuples()
        ]
        pot = potential.loc[agg] if agg in potential.index else None
        pot_rows = (
            [
                (
                    escape(lang("sc_potential")),
                    float(pot["potential_total_baseline"]),
                    float(pot["potential_total_scenario"]),
                )
            ]
            if pot is not None
            else []
        )
        name = escape(lang.agglomeration(agg))
        popup = (
            f"<div class='ua-popup'><h4>{name}</h4>"
            f"<div>{escape(lang('sc_time_to_center'))}</div>{_rows_html(rows, lang, lang.minutes, minutes)}"
            f"{_rows_html(pot_rows, lang, lang.people, people) if pot_rows else ''}</div>"
        )
        props.append({"popup": popup, "tooltip": name})
    return folium.GeoJson(
        feature_collection(compact(zones.geometry.to_numpy(), 0.0005), props),
        name=lang("sc_layer_zones"),
        style_function=lambda f: {
            "color": "#333333",
            "weight": 1.5,
            "dashArray": "6 4",
            "fillColor": "#ffffff",
            "fillOpacity": 0.05,
        },
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=520),
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
    )


def edited_roads_layer(applied: AppliedScenario, lang: Lang) -> folium.GeoJson | None:
    """The edited roads as thick lines, one feature per edit, coloured by kind."""
    edited = applied.edited
    if edited.empty:
        return None
    km = applied.summary().set_index(["edit", "kind"])["road_km"]
    names = applied.scenario.edit_names(lang.code)  # name_ru on Russian maps
    geoms, props = [], []
    for (edit, kind), rows in edited.groupby(["edit", "kind"], sort=False):
        geoms.append(shapely.line_merge(shapely.union_all(rows.geometry.to_numpy())))
        words = lang(f"sc_kind_{kind}") if f"sc_kind_{kind}" in _KINDS else str(kind)
        props.append(
            {
                "tooltip": lang(
                    "sc_edit_tooltip",
                    name=escape(names.get(str(edit), str(edit))),
                    kind=escape(words),
                    km=lang.km(float(km.loc[(edit, kind)])),
                ),
                "colour": EDIT_COLOURS.get(str(kind), "#762a83"),
                "dash": CLOSED_DASH if kind == "close" else None,
            }
        )
    return folium.GeoJson(
        feature_collection(compact(geoms, 0.0002), props),
        name=lang("sc_layer_edits"),
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "weight": 9,
            "opacity": 0.55,
            "lineCap": "round",
            **({"dashArray": f["properties"]["dash"]} if f["properties"]["dash"] else {}),
        },
        highlight_function=lambda f: {"opacity": 0.9},
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
    )


_KINDS = {"sc_kind_upgrade", "sc_kind_new_road", "sc_kind_close"}


def changed_routes_layer(
    routes: gpd.GeoDataFrame,
    comparison: ScenarioComparison,
    cities: list[str],
    lang: Lang,
    after: bool,
) -> folium.GeoJson | None:
    """The routes whose time changed, drawn from ``routes`` (the baseline's, dashed, or
    the scenario's, solid), in each city's colour."""
    keys = ["origin", "agglomeration"]
    change = comparison.by_city[
        [*keys, "time_to_center_min_baseline", "time_to_center_min_scenario"]
    ]
    changed = comparison.changed_routes[keys].drop_duplicates()
    lines = routes.merge(changed, on=keys).merge(change, on=keys).sort_values(keys)
    if lines.empty:
        return None
    props = []
    for row in lines.itertuples():
        before, now = float(row.time_to_center_min_baseline), float(row.time_to_center_min_scenario)
        index = cities.index(str(row.origin)) if str(row.origin) in cities else 0
        props.append(
            {
                "tooltip": lang(
                    "sc_route_tooltip",
                    origin=escape(lang.place(row.origin)),
                    center=escape(lang.place(row.center)),
                    before=lang.minutes(before),
                    after=lang.minutes(now),
                    change=escape(signed_minutes(now - before, lang)),
                ),
                "colour": route_style(index)["color"],
            }
        )
    dash = None if after else "8 7"
    return folium.GeoJson(
        feature_collection(compact(lines.geometry.to_numpy(), 0.0003), props),
        name=lang("sc_layer_after" if after else "sc_layer_before"),
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "weight": 4 if after else 3,
            "opacity": 0.95 if after else 0.8,
            **({"dashArray": dash} if dash else {}),
        },
        highlight_function=lambda f: {"weight": 7},
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
    )
