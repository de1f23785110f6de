"""Popup and tooltip HTML. Every text from OSM, GeoNames or a study file is escaped here."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from ..geo.access_leg import NOTABLE_JOIN_M
from ..geo.format import format_km, format_minutes, format_population, format_share


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


ROLE_LABELS = {
    "first_tier": "first-tier city",
    "center": "central town",
    "member": "member town (named in the source)",
    "settlement": "town in the zone",
}


def town_popup(row: dict[str, Any], cities: list[tuple[str, str]]) -> str:
    """Popup of a town: population, agglomeration, time and distance from each city."""
    lines = [
        f"<div class='ua-popup'><h4>{_text(row.get('name'))}</h4>",
        f"<div>{_text(ROLE_LABELS.get(str(row.get('role')), row.get('role')))}</div>",
        f"<div>Population: <b>{format_population(_num(row.get('population')))}</b> (GeoNames)</div>",
    ]
    region = _text(row.get("region"))
    if region:
        lines.append(f"<div>Region: <b>{region}</b></div>")
    aggs = _text(row.get("agglomerations"))
    if aggs:
        lines.append(f"<div>Agglomeration: <b>{aggs}</b></div>")
    lines.append("<table class='ua-table'><tr><th></th><th>drive time</th><th>distance</th></tr>")
    for name, key in cities:
        t = _num(row.get(f"time_min_from_{key}"))
        d = _num(row.get(f"dist_km_from_{key}"))
        lines.append(
            f"<tr><td>from {_text(name)}</td><td><b>{format_minutes(t)}</b></td><td>{format_km(d)}</td></tr>"
        )
    lines.append("</table>")
    join_km = _num(row.get("join_km"))
    if math.isfinite(join_km) and join_km * 1000.0 > NOTABLE_JOIN_M:
        lines.append(
            f"<div>Off the road network: <b>{format_km(join_km)}</b> in a straight line; "
            f"times include an access leg of {format_km(_num(row.get('access_km')))}, "
            f"{format_minutes(_num(row.get('access_min')))} (modelled, not routed)</div>"
        )
    lines.append("</div>")
    return "".join(lines)


def town_tooltip(row: dict[str, Any], cities: list[tuple[str, str]]) -> str:
    """One-line tooltip: name and the drive time from each city."""
    times = ", ".join(
        f"{_text(name)} {format_minutes(_num(row.get(f'time_min_from_{key}')))}"
        for name, key in cities
    )
    return f"<b>{_text(row.get('name'))}</b> · {times}"


def agglomeration_popup(
    row: dict[str, Any], cities: list[tuple[str, str]], coverage: list[float]
) -> str:
    """Popup of an agglomeration: the source's figures beside the computed measures."""
    pop_k = _num(row.get("population_k_source"))
    revenue = _num(row.get("net_revenue_mln_rub_source"))
    lines = [f"<div class='ua-popup'><h4>{_text(row.get('agglomeration'))}</h4>"]
    lines.append(
        f"<div>Central town: <b>{_text(row.get('center'))}</b>; members: {_text(row.get('members'))}</div>"
    )
    if math.isfinite(pop_k) or math.isfinite(revenue):
        lines.append(
            "<div>Source: population "
            f"<b>{format_population(pop_k * 1000) if math.isfinite(pop_k) else '–'}</b>, "
            f"net revenue 2022 <b>{format_population(revenue) + ' mln RUB' if math.isfinite(revenue) else '–'}</b></div>"
        )
    lines.append(
        f"<div>Zone: {_text(row.get('zone_towns'))} towns, "
        f"{format_population(_num(row.get('zone_population')))} people (GeoNames)</div>"
    )
    head = "".join(f"<th>from {_text(name)}</th>" for name, _ in cities)
    lines.append(f"<table class='ua-table'><tr><th></th>{head}</tr>")

    def tr(label: str, fmt: Any, col: str) -> None:
        cells = "".join(f"<td>{fmt(_num(row.get(f'{col}_from_{key}')))}</td>" for _, key in cities)
        lines.append(f"<tr><td>{escape(label)}</td>{cells}</tr>")

    tr("drive time to the centre", format_minutes, "time_to_center_min")
    tr("distance to the centre", format_km, "dist_to_center_km")
    tr("time to enter the zone", format_minutes, "zone_entry_min")
    tr("mean time to the zone's towns", format_minutes, "mean_time_weighted_min")
    for limit in coverage:
        tr(f"population within {limit:g} min", format_share, f"share_within_{limit:g}_min")
    tr("overflow potential (people)", lambda v: format_population(v), "potential")
    lines.append("</table>")
    lines.append(
        f"<div>Consumer-overflow potential: <b>{format_population(_num(row.get('potential_total')))}</b> "
        f"(rank {_text(row.get('rank_potential'))})</div></div>"
    )
    return "".join(lines)
