"""The controls of the map of ranked candidates (:mod:`maps.ranking`): the ranked table,
the package step by step, and the key. Section labels are escaped here."""

from __future__ import annotations

from html import escape

import pandas as pd

from ._ranking_layers import (
    CUT_DASH,
    OTHER_COLOUR,
    PACKAGE_COLOUR,
    PACKAGE_DASH,
    Ranked,
    escape_text,
    rank_colours,
)
from .style import CENTER_COLOUR, CITY_COLOUR
from .text import Lang

__all__ = ["legend_html", "table_html"]


def table_html(ranked: Ranked, lang: Lang, package: pd.DataFrame | None) -> str:
    """The ranked table: the top sections and the package's (with their step)."""
    colours = rank_colours(ranked.top)
    steps = bool(ranked.steps)
    gain_head = lang("rk_col_loss" if ranked.closures else "rk_col_gain")
    head = (
        f"<tr><th></th><th>{escape(lang('rk_col_section'))}</th>"
        f"<th class='n'>{escape(lang('rk_col_km'))}</th><th class='n'>{escape(gain_head)}</th>"
        + (f"<th>{escape(lang('rk_col_package'))}</th>" if steps else "")
        + "</tr>"
    )
    rows = []
    for _, row in ranked.table[ranked.table["rank"] <= ranked.top].iterrows():
        rank = int(row["rank"])
        colour = colours[rank - 1] if rank <= ranked.top else OTHER_COLOUR
        gain = -float(row["gain"]) if ranked.closures else float(row["gain"])
        cut = " ✕" if ranked.cut(row) else ""
        step = ranked.steps.get(str(row["candidate"]))
        rows.append(
            f"<tr data-candidate='{escape(str(row['candidate']))}'>"
            f"<td><span class='sw' style='background:{colour}'></span>{rank}</td>"
            f"<td class='sec'>{escape_text(ranked.section(row['candidate'], row['section'], lang))}{cut}</td>"
            f"<td class='n'>{escape(lang.decimal(float(row['km']), 1))}</td>"
            f"<td class='n'>{escape(lang.people(gain))}</td>"
            + (f"<td>{escape(lang('rk_step', n=step)) if step else ''}</td>" if steps else "")
            + "</tr>"
        )
    cutting = any(ranked.cut(r) for _, r in ranked.table.head(ranked.top).iterrows())
    note = f"<p>✕ {escape(lang('rk_key_cut'))}</p>" if cutting else ""
    return (
        f"<details open><summary>{escape(lang('rk_table_title'))}</summary>"
        f"<table>{head}{''.join(rows)}</table>{note}</details>"
        f"{_package_html(ranked, lang, package)}"
    )


def _package_html(ranked: Ranked, lang: Lang, package: pd.DataFrame | None) -> str:
    """The package, step by step (closed at first): section, km, marginal gain, rank."""
    if package is None or not len(package):
        return ""
    values = {
        "n": len(package),
        "km": lang.km(float(package["cumulative_km"].iloc[-1])),
        "gain": lang.people(float(package["cumulative_gain"].iloc[-1])),
    }
    if "cumulative_cost" in package:
        values["cost"] = lang.people(float(package["cumulative_cost"].iloc[-1]))
    key = "rk_package_total_cost" if "cost" in values else "rk_package_total"
    rank = dict(zip(ranked.table["candidate"], ranked.table["rank"], strict=True))
    head = "".join(
        f"<th{' class=n' if i else ''}>{escape(lang(k))}</th>"
        for i, k in enumerate(("rk_col_step", "rk_col_section", "rk_col_km", "rk_col_marginal"))
    )
    rows = "".join(
        f"<tr data-candidate='{escape(str(r.candidate))}'><td>{int(r.step)}</td>"
        f"<td class='sec'>{escape_text(ranked.section(r.candidate, r.section, lang))}"
        f"{escape(lang('rk_rank_short', rank=rank[r.candidate])) if r.candidate in rank else ''}</td>"
        f"<td class='n'>{escape(lang.decimal(float(r.km), 1))}</td>"
        f"<td class='n'>{escape(lang.people(float(r.marginal_gain)))}</td></tr>"
        for r in package.itertuples()
    )
    return (
        f"<details class='ua-package'><summary>{escape(lang(key, **values))}</summary>"
        f"<div class='ua-scroll'><table><tr>{head}</tr>{rows}</table></div></details>"
    )


def _key_line(colour: str, weight: float, dash: str | None = None, opacity: float = 1.0) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<svg width="34" height="14" aria-hidden="true"><line x1="2" y1="7" x2="32" y2="7" '
        f'stroke="{colour}" stroke-width="{weight}" stroke-opacity="{opacity}"{dash_attr}/></svg>'
    )


def legend_html(ranked: Ranked, lang: Lang) -> str:
    """The key: the rank ramp, the other candidates, the package, cut-offs, places."""
    colours = rank_colours(ranked.top)
    width = 32 / max(len(colours), 1)
    ramp = "".join(
        f'<rect x="{1 + i * width:.2f}" y="3" width="{width + 0.05:.2f}" height="8" fill="{c}"/>'
        for i, c in enumerate(colours)
    )
    ramp_html = f'<svg width="34" height="14" aria-hidden="true">{ramp}</svg>'
    rows = [
        (ramp_html, lang("rk_key_rank", first=1, last=ranked.top)),
        (_key_line(OTHER_COLOUR, 2.5), lang("rk_key_other")),
    ]
    if ranked.steps:
        rows.append((_key_line(PACKAGE_COLOUR, 10, PACKAGE_DASH, 0.6), lang("rk_key_package")))
    if ranked.closures:
        rows.append((_key_line("#000000", 3, CUT_DASH), lang("rk_key_cut")))
    for colour, key in ((CITY_COLOUR, "rk_key_city"), (CENTER_COLOUR, "rk_key_center")):
        dot = (
            f'<svg width="34" height="14" aria-hidden="true"><circle cx="17" cy="7" r="5" '
            f'fill="{colour}" stroke="#fff" stroke-width="1.5"/></svg>'
        )
        rows.append((dot, lang(key)))
    body = "".join(f"<tr><td>{icon}</td><td>{escape(text)}</td></tr>" for icon, text in rows)
    title = escape(lang("rk_legend_title"))
    return f"<div class='ua-legend-head'><b>{title}</b></div><table class='ua-key'>{body}</table>"
