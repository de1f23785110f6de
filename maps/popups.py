"""Popup and tooltip HTML. Every text from OSM, GeoNames or a study file is escaped here."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..geo.routing.last_mile import NOTABLE_JOIN_M
from .text import Lang

if TYPE_CHECKING:
    from ..geo.results.access_results import AccessResults

__all__ = [
    "agglomeration_popup",
    "no_route",
    "potential_note",
    "town_popup",
    "town_sources",
    "town_tooltip",
]

EN = Lang("en")


def _num(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return out


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return escape(str(value))


def _is_itself(row: dict[str, Any], city: str) -> bool:
    """Whether the town in ``row`` is the first-tier city ``city`` itself."""
    return str(row.get("role")) == "first_tier" and str(row.get("name")) == city


def town_sources(results: AccessResults, lang: Lang = EN) -> dict[int, str]:
    """Where each place's name and population come from, by place id (HTML-escaped).

    GeoNames ids are positive; a place with a negative id was given by coordinates in the
    study file, or comes from the study's own town table (``towns_file``).
    """
    study = results.study
    given = {p.geonameid for p in study.all_places()}
    table = escape(Path(study.towns_file).name) if study.towns_file else lang("study_file")
    ids = results.places["place_id"].to_numpy(dtype="int64")
    return {
        int(i): lang("geonames") if i > 0 else lang("study_file") if i in given else table
        for i in ids
    }


def town_popup(
    row: dict[str, Any],
    cities: list[tuple[str, str]],
    lang: Lang = EN,
    source: str | None = None,
    limit_km: float = 15.0,
) -> str:
    """Popup of a town: population, agglomeration, time and distance from each city.

    ``source`` names where the population comes from (:func:`town_sources`; GeoNames if
    ``None``), as HTML. A time that includes a modelled access leg over 1 km reads «≈»;
    a town farther than ``limit_km`` (the access limit) from every road says so.
    """
    role = str(row.get("role"))
    lines = [
        f"<div class='ua-popup'><h4>{_text(lang.place(row.get('name')))}</h4>",
        f"<div>{escape(lang(role)) if role in {'first_tier', 'center', 'member', 'settlement'} else _text(role)}</div>",
        f"<div>{lang('population')}: <b>{lang.people(_num(row.get('population')))}</b> ({source or lang('geonames')})</div>",
    ]
    region = _text(lang.region(row.get("region"))) if _text(row.get("region")) else ""
    if region:
        lines.append(f"<div>{lang('region')}: <b>{region}</b></div>")
    aggs = str(row.get("agglomerations") or "")
    if aggs and aggs != "nan":
        names = "; ".join(lang.agglomeration(a) for a in aggs.split("; "))
        lines.append(f"<div>{lang('agglomeration')}: <b>{escape(names)}</b></div>")
    lines.append(
        f"<table class='ua-table'><tr><th></th><th>{lang('drive_time')}</th>"
        f"<th>{lang('distance')}</th></tr>"
    )
    join_km = _num(row.get("join_km"))
    approx = "≈" if math.isfinite(join_km) and join_km * 1000.0 > NOTABLE_JOIN_M else ""
    for name, key in cities:
        label = escape(lang("from_city", city=lang.place(name)))
        if _is_itself(row, name):
            lines.append(f"<tr><td>{label}</td><td colspan='2'>{lang('this_city')}</td></tr>")
            continue
        t = _num(row.get(f"time_min_from_{key}"))
        d = _num(row.get(f"dist_km_from_{key}"))
        time = f"{approx}{lang.minutes(t)}" if math.isfinite(t) else no_route(row, lang, limit_km)
        lines.append(f"<tr><td>{label}</td><td><b>{time}</b></td><td>{lang.km(d)}</td></tr>")
    lines.append("</table>")
    if approx:
        leg = lang(
            "off_network",
            join=lang.km(join_km),
            leg=lang.km(_num(row.get("access_km"))),
            leg_time=lang.minutes(_num(row.get("access_min"))),
        )
        lines.append(f"<div>{leg}</div>")
    lines.append("</div>")
    return "".join(lines)


def no_route(row: dict[str, Any], lang: Lang, limit_km: float) -> str:
    """Why a town has no drive time: no road within the access limit, or no route."""
    if not math.isfinite(_num(row.get("join_km"))):
        return escape(lang("beyond_limit", limit=lang.km(limit_km)))
    return escape(lang("no_route"))


def town_tooltip(
    row: dict[str, Any], cities: list[tuple[str, str]], lang: Lang = EN, limit_km: float = 15.0
) -> str:
    """One-line tooltip: name and the drive time from each other city («≈»: modelled leg)."""
    join_km = _num(row.get("join_km"))
    approx = "≈" if math.isfinite(join_km) and join_km * 1000.0 > NOTABLE_JOIN_M else ""

    def time(key: str) -> str:
        t = _num(row.get(f"time_min_from_{key}"))
        return f"{approx}{lang.minutes(t)}" if math.isfinite(t) else no_route(row, lang, limit_km)

    times = ", ".join(
        f"{_text(lang.place(name))} {time(key)}"
        for name, key in cities
        if not _is_itself(row, name)
    )
    head = f"<b>{_text(lang.place(row.get('name')))}</b>"
    return f"{head} · {times}" if times else head


def agglomeration_popup(row: dict[str, Any], results: AccessResults, lang: Lang = EN) -> str:
    """Popup of an agglomeration: the source's figures beside the computed measures."""
    cities = results.cities
    study = results.study
    pop_k = _num(row.get("population_k_source"))
    revenue = _num(row.get("net_revenue_mln_rub_source"))
    lines = [
        f"<div class='ua-popup'><h4>{_text(lang.agglomeration(row.get('agglomeration')))}</h4>"
    ]
    members = "; ".join(lang.place(m) for m in str(row.get("members") or "").split("; ") if m)
    lines.append(
        f"<div>{lang('central_town')}: <b>{_text(lang.place(row.get('center')))}</b>; "
        f"{lang('members')}: {escape(members)}</div>"
    )
    if math.isfinite(pop_k) or math.isfinite(revenue):
        lines.append(
            "<div>"
            + lang(
                "source_figures",
                pop=lang.people(pop_k * 1000) if math.isfinite(pop_k) else "–",
                rev=f"{lang.people(revenue)} {lang('mln_rub')}" if math.isfinite(revenue) else "–",
            )
            + "</div>"
        )
    n_towns = _num(row.get("zone_towns"))
    lines.append(
        "<div>"
        + lang(
            "zone_line",
            towns=lang.towns(int(n_towns)) if math.isfinite(n_towns) else "–",
            people=lang.people(_num(row.get("zone_population"))),
            source=escape(Path(study.towns_file).name) if study.towns_file else lang("geonames"),
        )
        + "</div>"
    )
    head = "".join(f"<th>{escape(lang('from_city', city=lang.place(n)))}</th>" for n, _ in cities)
    lines.append(f"<table class='ua-table'><tr><th></th>{head}</tr>")

    def tr(label: str, fmt: Any, col: str) -> None:
        cells = "".join(f"<td>{fmt(_num(row.get(f'{col}_from_{key}')))}</td>" for _, key in cities)
        lines.append(f"<tr><td>{escape(label)}</td>{cells}</tr>")

    tr(lang("time_to_centre"), lang.minutes, "time_to_center_min")
    tr(lang("dist_to_centre"), lang.km, "dist_to_center_km")
    tr(lang("zone_entry"), lang.minutes, "zone_entry_min")
    tr(lang("mean_time"), lang.minutes, "mean_time_weighted_min")
    for limit in study.routing.coverage_min:
        tr(lang("within", limit=lang.minutes(limit)), lang.share, f"share_within_{limit:g}_min")
    tr(lang("potential_row"), lang.people, "potential")
    lines.append("</table>")
    lines.append(
        "<div>"
        + lang(
            "potential_total",
            value=lang.people(_num(row.get("potential_total"))),
            rank=_text(row.get("rank_potential")),
        )
        + "</div>"
    )
    lines.append(f"<div class='ua-note'>{escape(potential_note(results, lang))}</div></div>")
    return "".join(lines)


def potential_note(results: AccessResults, lang: Lang = EN) -> str:
    """What the potential is, in one line, in people."""
    decay = results.study.routing.decay
    fn = decay.function
    if lang.ru:
        fn = {"exponential": "экспоненциальное", "gaussian": "гауссово"}.get(fn, fn)
    return lang("potential_explained", half=lang.minutes(decay.half_life_min), fn=fn)
