"""The layers of the map of ranked candidates (:mod:`maps.ranking`): the top sections by
rank, the other candidates, the package, closures that cut a centre off, and the popups.

Every section label (OSM refs, place names) and every name is escaped here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from html import escape
from typing import Any

import branca.colormap as cm
import folium
import numpy as np
import pandas as pd
import shapely

from ._geojson import compact, feature_collection
from .text import Lang

__all__ = [
    "CUT_DASH",
    "OTHER_COLOUR",
    "PACKAGE_COLOUR",
    "PACKAGE_DASH",
    "RANK_COLOURS",
    "Ranked",
    "cut_layer",
    "escape_text",
    "others_layer",
    "package_layer",
    "rank_badges",
    "rank_colours",
    "section_text",
    "signed_minutes",
    "top_layer",
]

#: Rank colours, first (dark) to last: matplotlib's perceptually uniform, colour-blind
#: friendly "plasma" colour map (Nathaniel Smith and Stéfan van der Walt, CC0) sampled at
#: 0, 0.1, ..., 0.8 (the pale yellow end left out: it would vanish on the background).
RANK_COLOURS = (
    "#0d0887", "#41049d", "#6a00a8", "#8f0da4", "#b12a90",
    "#cc4778", "#e16462", "#f2844b", "#fca636",
)  # fmt: skip

#: The other candidates: thin, grey, under the top ones.
OTHER_COLOUR = "#8c8c8c"

#: The package's wide dashed outline (green: outside the rank colours, the cities' black
#: and the centres' red), and the dashes over a closure that cuts a centre off.
PACKAGE_COLOUR = "#1a9850"
PACKAGE_DASH = "12 6"
CUT_DASH = "3 7"

#: A change in minutes shown in a popup: at least this (smaller ones are not listed).
MIN_SHOWN_MIN = 0.05

_LABEL = re.compile(r"^(?P<a>.+?) - (?P<b>.+), km (?P<lo>\d+)-(?P<hi>\d+)(?P<ref> \(.+\))?$")


def rank_colours(n: int) -> list[str]:
    """``n`` colours along :data:`RANK_COLOURS`, the first the darkest."""
    if n <= 1:
        return list(RANK_COLOURS[:n])
    ramp = cm.LinearColormap(list(RANK_COLOURS), vmin=0.0, vmax=1.0)
    return [ramp.rgb_hex_str(i / (n - 1)) for i in range(n)]


def _text_colour(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (``#rrggbb``)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#111111" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"


#: Characters that are plain text in HTML but code in a JavaScript template literal,
#: which folium puts a marker's tooltip and popup in: written as character references.
_LITERAL_SAFE = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def escape_text(text: str) -> str:
    """``text`` (a name of the user's or OSM's) for any HTML of the map: escaped, and
    with backticks, dollars and backslashes as character references (see
    :data:`_LITERAL_SAFE`), so no name can end or run code in a template literal."""
    return escape(text).translate(_LITERAL_SAFE)


def section_text(label: str, lang: Lang) -> str:
    """A candidate's label in ``lang`` (not escaped): ``Chelyabinsk - Miass, km 0-54
    (M-5)`` becomes ``Челябинск — Миасс, км 0–54 (M-5)``; any other label stays."""
    found = _LABEL.match(label)
    if not lang.ru or found is None:
        return label
    a, b = lang.place(found["a"]), lang.place(found["b"])
    return f"{a} — {b}, км {found['lo']}–{found['hi']}{found['ref'] or ''}"


def signed_minutes(minutes: float, lang: Lang) -> str:
    """``23.3 min`` / ``23,3 мин`` (one decimal: a section may save seconds); NaN: cut off."""
    if not math.isfinite(minutes):
        return lang("rk_cut_off")
    return f"{lang.decimal(minutes, 1)} {'мин' if lang.ru else 'min'}"


@dataclass(frozen=True)
class Ranked:
    """What the map draws: the ranked table, each candidate's line, and how to read it."""

    table: pd.DataFrame
    """``rank``, ``candidate``, ``section``, ``km``, minutes columns, ``gain``,
    ``gain_per_km`` (``cost``, ``cuts_off`` if present), by rank."""
    lines: dict[str, Any]
    """Each candidate's geometry (lon/lat), by its key."""
    minutes: list[tuple[str, str, str]]
    """(column, agglomeration, city) of the table's minutes columns."""
    closures: bool
    steps: dict[str, int]
    """Package step of each chosen candidate (empty without a package)."""
    top: int
    names_ru: dict[str, str] = field(default_factory=dict)
    """Russian labels by candidate key (the ``name_ru`` of a user's edit)."""

    def section(self, candidate: object, label: object, lang: Lang) -> str:
        """A candidate's label in ``lang`` (not escaped): its edit's ``name_ru`` on a
        Russian map, else :func:`section_text`."""
        if lang.ru and str(candidate) in self.names_ru:
            return self.names_ru[str(candidate)]
        return section_text(str(label), lang)

    def cut(self, row: Any) -> list[tuple[str, str]]:
        """(agglomeration, city) that closing the row's section cuts off (NaN minutes)."""
        if not self.closures:
            return []
        return [(agg, city) for col, agg, city in self.minutes if not math.isfinite(row[col])]


def popup_html(row: Any, ranked: Ranked, lang: Lang) -> str:
    """A section's popup: rank, length, minutes saved (or lost) per city and centre
    (changes of :data:`MIN_SHOWN_MIN` or more), gain, gain per km, cost, package step."""
    total = len(ranked.table)
    gain = -float(row["gain"]) if ranked.closures else float(row["gain"])
    per_km = -float(row["gain_per_km"]) if ranked.closures else float(row["gain_per_km"])
    facts = [
        (lang("rk_km"), lang.km(float(row["km"]))),
        (lang("rk_loss" if ranked.closures else "rk_gain"), lang.people(gain)),
        (lang("rk_loss_per_km" if ranked.closures else "rk_gain_per_km"), lang.people(per_km)),
    ]
    if "cost" in row and row["cost"] == row["cost"]:
        facts.append((lang("rk_cost"), lang.people(float(row["cost"]))))
    changes = [
        (float(row[col]), agg, city)
        for col, agg, city in ranked.minutes
        if not math.isfinite(row[col]) or abs(float(row[col])) >= MIN_SHOWN_MIN
    ]
    changes.sort(key=lambda c: (-c[0] if math.isfinite(c[0]) else -math.inf, c[1], c[2]))
    head = lang("rk_lost_head" if ranked.closures else "rk_saved_head")
    rows = "".join(
        f"<tr><td>{escape(lang('rk_to', agglomeration=lang.agglomeration(agg), city=lang.place(city)))}"
        f"</td><td class='n' data-value='{value:.4f}'>{escape(signed_minutes(value, lang))}</td></tr>"
        for value, agg, city in changes
    )
    table = (
        f"<div><b>{escape(head)}</b></div><table class='ua-table'>{rows}</table>"
        if rows
        else f"<p>{escape(lang('rk_none_saved'))}</p>"
    )
    fact_rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    step = ranked.steps.get(str(row["candidate"]))
    extra = f"<p><b>{escape(lang('rk_in_package', n=step))}</b></p>" if step else ""
    cut = ranked.cut(row)
    if cut:
        pairs = "; ".join(
            lang("rk_to", agglomeration=lang.agglomeration(a), city=lang.place(c)) for a, c in cut
        )
        extra += f"<p><b>{escape(lang('rk_cuts_off', pairs=pairs))}</b></p>"
    title = escape_text(ranked.section(row["candidate"], row["section"], lang))
    return (
        f"<div class='ua-popup'><h4>{escape(str(row['rank']))}. {title}</h4>"
        f"<div class='ua-prov'>{escape(lang('rk_rank', rank=row['rank'], total=total))} · "
        f"{escape(str(row['candidate']))}</div>"
        f"<table class='ua-table'>{fact_rows}</table>{extra}{table}</div>"
    )


def _tooltip(row: Any, ranked: Ranked, lang: Lang, top: bool) -> str:
    section = escape_text(ranked.section(row["candidate"], row["section"], lang))
    if not top:
        return lang("rk_tooltip_other", rank=row["rank"], section=section)
    gain = lang.people(-float(row["gain"]) if ranked.closures else float(row["gain"]))
    key = "rk_tooltip_closures" if ranked.closures else "rk_tooltip"
    return lang(key, rank=row["rank"], section=section, gain=escape(gain))


def _features(
    ranked: Ranked, rows: pd.DataFrame, lang: Lang, top: bool, tolerance: float
) -> tuple[list[Any], list[dict[str, Any]]]:
    colours = rank_colours(ranked.top)
    geoms, props = [], []
    for _, row in rows.iterrows():
        rank = int(row["rank"])
        geoms.append(ranked.lines[str(row["candidate"])])
        props.append(
            {
                "popup": popup_html(row, ranked, lang),
                "tooltip": _tooltip(row, ranked, lang, top),
                "colour": colours[rank - 1] if top and rank <= ranked.top else OTHER_COLOUR,
            }
        )
    return list(compact(np.array(geoms, dtype=object), tolerance)), props


def _lines(
    ranked: Ranked, rows: pd.DataFrame, lang: Lang, name: str, top: bool
) -> folium.GeoJson | None:
    if rows.empty:
        return None
    geoms, props = _features(ranked, rows, lang, top, 0.0002 if top else 0.0005)
    weight, opacity = (7, 0.95) if top else (2.5, 0.85)
    return folium.GeoJson(
        feature_collection(geoms, props),
        name=name,
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "weight": weight,
            "opacity": opacity,
            "lineCap": "round",
        },
        highlight_function=lambda f: {"weight": weight + 4, "opacity": 1.0},
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=460),
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
    )


def top_layer(ranked: Ranked, lang: Lang) -> folium.GeoJson | None:
    """The top sections, thick, coloured by rank (the last drawn first: rank 1 on top)."""
    rows = ranked.table[ranked.table["rank"] <= ranked.top].iloc[::-1]
    return _lines(ranked, rows, lang, lang("rk_layer_top", n=min(ranked.top, len(rows))), True)


def others_layer(ranked: Ranked, lang: Lang) -> folium.GeoJson | None:
    """Every other candidate: thin grey lines, with the same popups."""
    rows = ranked.table[ranked.table["rank"] > ranked.top]
    return _lines(ranked, rows, lang, lang("rk_layer_others"), False)


def _outline(
    ranked: Ranked, keys: list[str], name: str, style: dict[str, Any]
) -> folium.GeoJson | None:
    if not keys:
        return None
    geoms = compact(np.array([ranked.lines[k] for k in keys], dtype=object), 0.0002)
    return folium.GeoJson(
        feature_collection(geoms, [{} for _ in keys]),
        name=name,
        style_function=lambda f: style,
        interactive=False,
    )


def package_layer(ranked: Ranked, lang: Lang) -> folium.GeoJson | None:
    """The package's sections: a wide green dashed outline under the lines."""
    keys = sorted(ranked.steps, key=lambda k: ranked.steps[k])
    style = {"color": PACKAGE_COLOUR, "weight": 16, "opacity": 0.6, "dashArray": PACKAGE_DASH}
    return _outline(ranked, keys, lang("rk_layer_package"), style)


def cut_layer(ranked: Ranked, lang: Lang) -> folium.GeoJson | None:
    """Black dashes over every closure that cuts a centre off from a city (any rank)."""
    keys = [str(r["candidate"]) for _, r in ranked.table.iterrows() if ranked.cut(r)]
    style = {"color": "#000000", "weight": 3, "opacity": 1.0, "dashArray": CUT_DASH}
    return _outline(ranked, keys, lang("rk_layer_cut"), style)


#: Where along a section its number may go (share of its length), in order of preference,
#: and how far (degrees) from another number it should stay (two candidates on one road).
BADGE_SPOTS = (0.5, 0.3, 0.7, 0.15, 0.85)
BADGE_CLEARANCE_DEG = 0.08


def _badge_spot(line: Any, taken: list[Any]) -> Any:
    """The point of ``line`` for its number: the middle, unless another number lies
    within :data:`BADGE_CLEARANCE_DEG`; then the spot farthest from the others."""
    best, far = None, -1.0
    for share in BADGE_SPOTS:
        point = shapely.line_interpolate_point(line, share, normalized=True)
        gap = min((point.distance(t) for t in taken), default=math.inf)
        if gap >= BADGE_CLEARANCE_DEG:
            return point
        if gap > far:
            best, far = point, gap
    return best


def rank_badges(ranked: Ranked, lang: Lang, group: folium.FeatureGroup) -> None:
    """A numbered disc at the middle of each top section, in its colour, with its popup."""
    colours = rank_colours(ranked.top)
    rows = ranked.table[ranked.table["rank"] <= ranked.top]
    spots: list[Any] = []
    for candidate in rows["candidate"]:  # rank 1 takes its line's middle first
        spots.append(_badge_spot(ranked.lines[str(candidate)], spots))
    for (_, row), point in list(zip(rows.iterrows(), spots, strict=True))[::-1]:
        rank = int(row["rank"])
        colour = colours[rank - 1]
        html = (
            f'<div class="ua-rk" style="background:{colour};color:{_text_colour(colour)}">'
            f"{rank}</div>"
        )
        folium.Marker(
            [round(point.y, 5), round(point.x, 5)],
            icon=folium.DivIcon(
                html=html, icon_size=(22, 22), icon_anchor=(11, 11), class_name="ua-rk-icon"
            ),
            tooltip=_tooltip(row, ranked, lang, True).translate(_LITERAL_SAFE),
            popup=folium.Popup(
                popup_html(row, ranked, lang).translate(_LITERAL_SAFE), max_width=460
            ),
        ).add_to(group)
