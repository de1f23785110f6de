"""The answer written on the map: permanent labels and the ranked table of the overview.

Every agglomeration is labelled at its central town with its own name and the drive time
from each first-tier city («Каменск-Уральская агломерация / Екб 1 ч 16 мин · Члб 2 ч 52
мин»), the nearer city's time in bold and the label's edge in the colour of that time's
class. First-tier cities and, on an agglomeration's map, its towns are labelled with
their names. A time that includes a modelled access leg over 1 km is marked «≈».
Where each label goes (right of its marker, else left, above, below) is decided in the
page (:mod:`maps._fit`); here each gets its marker's radius and a priority.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

import folium
import pandas as pd

from ..geo.results.access_results import AccessResults
from ..geo.routing.last_mile import NOTABLE_JOIN_M
from ._geojson import COORD_DECIMALS
from .style import class_colours, marker_radius, time_class
from .text import EN, Lang

#: Label priorities: placed first, they keep the best spot.
RANKS = {"first_tier": 4, "agglomeration": 3, "center": 2, "member": 2, "settlement": 1}

#: The roles whose labels are bold (the others are small plain text).
_BOLD = {"first_tier", "center", "member"}


def is_estimate(join_km: Any) -> bool:
    """Whether a place joins the roads by a modelled leg long enough to mark («≈»)."""
    try:
        value = float(join_km)
    except (TypeError, ValueError):
        return False
    return math.isfinite(value) and value * 1000.0 > NOTABLE_JOIN_M


def _label_marker(lat: float, lon: float, html: str) -> folium.Marker:
    return folium.Marker(
        [round(lat, COORD_DECIMALS), round(lon, COORD_DECIMALS)],
        icon=folium.DivIcon(
            html=html, icon_size=(0, 0), icon_anchor=(0, 0), class_name="ua-label-icon"
        ),
        interactive=False,
    )


def _div(cls: str, radius: float, rank: int, inner: str, style: str = "") -> str:
    extra = f' style="{style}"' if style else ""
    return (
        f'<div class="ua-label {cls}" data-r="{radius:g}" data-rank="{rank}"{extra}>{inner}</div>'
    )


def town_labels(
    towns: pd.DataFrame, roles: tuple[str, ...], lang: Lang = EN, group: Any = None
) -> folium.FeatureGroup:
    """Name labels of the places of ``towns`` whose role is in ``roles``."""
    if group is None:
        group = folium.FeatureGroup(name=lang("layer_labels"), control=True)
    assert isinstance(group, folium.FeatureGroup)
    for row in towns[towns["role"].isin(roles)].itertuples():
        role = str(row.role)
        cls = "city" if role == "first_tier" else ("" if role in _BOLD else "town")
        radius = marker_radius(float(row.population or 0))
        html = _div(cls, radius, RANKS.get(role, 1), escape(lang.place(row.name)))
        _label_marker(float(row.lat), float(row.lon), html).add_to(group)
    return group


def city_times(results: AccessResults, lang: Lang = EN) -> list[dict[str, Any]]:
    """Per agglomeration: its name, centre, each city's (short name, minutes, estimate),
    the nearer city's minutes and its class (``None``: no city reaches it), nearest first."""
    summary = results.wide_summary()
    places = results.places.set_index("name")
    join = places["join_km"].to_dict() if "join_km" in places else {}
    bands = [float(b) for b in results.study.routing.bands_min]
    out: list[dict[str, Any]] = []
    for row in summary.to_dict("records"):
        centre_leg = is_estimate(join.get(row.get("center")))
        times = []
        for name, key in results.cities:
            minutes = float(row.get(f"time_to_center_min_from_{key}", math.nan))
            approx = centre_leg or is_estimate(join.get(name))
            times.append((lang.short(name), minutes, approx and math.isfinite(minutes)))
        finite = [t for _, t, _ in times if math.isfinite(t)]
        nearest = min(finite) if finite else math.nan
        out.append(
            {
                "agglomeration": str(row["agglomeration"]),
                "center": str(row.get("center")),
                "times": times,
                "nearest": nearest,
                "class": time_class(nearest, bands),
            }
        )
    out.sort(
        key=lambda a: (not math.isfinite(float(a["nearest"])), a["nearest"], a["agglomeration"])
    )
    return out


def class_colour(cls: int | None, results: AccessResults) -> str:
    """The colour of a time class (:func:`.style.time_class`); grey when unreached."""
    if cls is None:
        return "#9e9e9e"
    return class_colours(len(results.study.routing.bands_min) + 1)[cls]


def _times_html(times: list[tuple[str, float, bool]], nearest: float, lang: Lang) -> str:
    parts = []
    for short, minutes, approx in times:
        text = escape(f"{'≈' if approx else ''}{lang.minutes(minutes)}")
        if math.isfinite(minutes) and minutes == nearest and len(times) > 1:
            text = f"<b>{text}</b>"
        parts.append(f"{escape(short)} {text}")
    return " · ".join(parts)


def agglomeration_labels(
    results: AccessResults, lang: Lang = EN, names: list[str] | None = None, group: Any = None
) -> folium.FeatureGroup:
    """Each agglomeration's name and drive times, at its central town."""
    if group is None:
        group = folium.FeatureGroup(name=lang("layer_labels"), control=True)
    assert isinstance(group, folium.FeatureGroup)
    places = results.places.drop_duplicates("name").set_index("name")
    for agg in city_times(results, lang):
        if names is not None and agg["agglomeration"] not in names:
            continue
        if agg["center"] not in places.index:
            continue
        centre = places.loc[agg["center"]]
        radius = marker_radius(float(centre["population"] or 0))
        colour = class_colour(agg["class"], results)
        inner = (
            f"{escape(lang.agglomeration(agg['agglomeration']))}"
            f'<br><span class="t">{_times_html(agg["times"], agg["nearest"], lang)}</span>'
        )
        html = _div("agg", radius, RANKS["agglomeration"], inner, f"--ua-class:{colour}")
        _label_marker(float(centre["lat"]), float(centre["lon"]), html).add_to(group)
    return group


def ranking_html(results: AccessResults, lang: Lang = EN) -> str:
    """The ranked table: agglomerations by the nearer city's time, a swatch of its class."""
    rows = []
    head = "".join(f"<th>{escape(lang.short(c))}</th>" for c, _ in results.cities)
    any_approx = False
    for i, agg in enumerate(city_times(results, lang), start=1):
        swatch = (
            f'<span class="sw" style="background:{class_colour(agg["class"], results)}"></span>'
        )
        cells = ""
        for _, minutes, approx in agg["times"]:
            any_approx |= approx
            text = escape(f"{'≈' if approx else ''}{lang.minutes(minutes)}")
            bold = math.isfinite(minutes) and minutes == agg["nearest"] and len(agg["times"]) > 1
            cells += f'<td class="n">{f"<b>{text}</b>" if bold else text}</td>'
        name = escape(lang.agglomeration(agg["agglomeration"]))
        rows.append(f"<tr><td>{i}</td><td>{swatch}{name}</td>{cells}</tr>")
    note = f"<p>{escape(lang('rank_note'))}</p>" if any_approx else ""
    return (
        f"<details open><summary>{escape(lang('rank_title'))}</summary>"
        f"<table><tr><th></th><th>{escape(lang('rank_agglomeration'))}</th>{head}</tr>"
        f"{''.join(rows)}</table>{note}</details>"
    )
