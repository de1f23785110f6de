"""The index page: maps, pictures, the agglomeration table, data files and provenance."""

from __future__ import annotations

import math
import os
from html import escape
from pathlib import Path
from typing import Any

from ..geo.results.access_results import AccessResults
from .text import Lang

__all__ = ["DATA_FILES", "index_page"]

#: Result files the index links to (when they exist), with the sentence saying what each is.
DATA_FILES = (
    ("agglomerations.csv", "ix_agg_csv"),
    ("places.csv", "ix_places_csv"),
    ("zone_towns.csv", "ix_zone_csv"),
    ("od_matrix.csv", "ix_od_csv"),
    ("access.gpkg", "ix_gpkg"),
    ("context.gpkg", "ix_context"),
    ("provenance.json", "ix_prov_json"),
)


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _value(value: Any, lang: Lang) -> str:
    """A parameter value for people: lists joined, numbers in the language's format."""
    if isinstance(value, list | tuple):
        return ", ".join(_value(v, lang) for v in value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float) and lang.ru:
        return str(value).replace(".", ",")
    return str(value)


def _has(summary: Any, column: str) -> bool:
    return column in summary and bool(summary[column].notna().any())


def index_page(
    results: AccessResults,
    overview: str,
    agglomeration_maps: dict[str, str],
    pictures: dict[str, str],
    lang: Lang | None = None,
    data_dir: Path | None = None,
    page_dir: Path | None = None,
    *,
    offline: bool = True,
) -> str:
    """HTML of the index page; links are relative file names (all text escaped).

    ``offline`` says whether the maps have their scripts inside (they open with no
    network); when not, the page says that they need the internet and what to run.
    """
    lang = lang or Lang()
    cities = results.cities
    prov = results.provenance
    summary = results.wide_summary()
    with_pop = _has(summary, "population_k_source")
    with_rev = _has(summary, "net_revenue_mln_rub_source")
    head = f"<th>{lang('ix_agglomeration')}</th><th>{lang('ix_center')}</th>"
    head += f"<th>{lang('ix_pop_source')}</th>" if with_pop else ""
    head += f"<th>{lang('ix_rev_source')}</th>" if with_rev else ""
    for name, _ in cities:
        city = lang.place(name)
        head += f"<th>{escape(lang('ix_dist_from', city=city))}</th>"
        head += f"<th>{escape(lang('ix_time_from', city=city))}</th>"
    head += f"<th>{lang('ix_potential')}</th>"
    rows = []
    for row in summary.to_dict("records"):
        name = str(row["agglomeration"])
        link = agglomeration_maps.get(name)
        shown = escape(lang.agglomeration(name))
        label = f'<a href="{escape(link, quote=True)}">{shown}</a>' if link else shown
        cells = f"<td>{label}</td><td>{escape(lang.place(row.get('center')))}</td>"
        if with_pop:
            pop_k = _num(row.get("population_k_source"))
            cells += f"<td class='num'>{'' if math.isnan(pop_k) else lang.decimal(pop_k, 1)}</td>"
        if with_rev:
            cells += (
                f"<td class='num'>{lang.people(_num(row.get('net_revenue_mln_rub_source')))}</td>"
            )
        for _, key in cities:
            cells += (
                f"<td class='num'>{lang.km(_num(row.get(f'dist_to_center_km_from_{key}')))}</td>"
            )
            cells += f"<td class='num'>{lang.minutes(_num(row.get(f'time_to_center_min_from_{key}')))}</td>"
        cells += f"<td class='num'>{lang.people(_num(row.get('potential_total')))}</td>"
        rows.append(f"<tr>{cells}</tr>")
    maps_list = [
        f'<li><a href="{escape(overview, quote=True)}">{lang("overview_map")}</a></li>'
    ] + [
        f'<li><a href="{escape(f, quote=True)}">{escape(lang.agglomeration(n))}</a></li>'
        for n, f in agglomeration_maps.items()
    ]
    pics = "".join(
        f'<figure><a href="{escape(pictures[k], quote=True)}"><img src="{escape(pictures[k], quote=True)}" '
        f'alt="{escape(k, quote=True)}"></a><figcaption>{escape(k)}</figcaption></figure>'
        for k in pictures
    )
    files = []
    if data_dir is not None:
        base = page_dir or data_dir
        for file, what in DATA_FILES:
            if (data_dir / file).is_file():
                href = Path(os.path.relpath(data_dir / file, base)).as_posix()
                files.append(
                    f'<li><a href="{escape(href, quote=True)}">{escape(file)}</a>: {lang(what)}</li>'
                )
    data_block = (
        f"<h2>{lang('ix_tables')}</h2><ul>{''.join(files)}</ul><p class='prov'>{lang('ix_units')}</p>"
        if files
        else ""
    )
    params = "".join(
        f"<li><code>{escape(str(k))}</code>: {escape(_value(v, lang))}</li>"
        for k, v in sorted(dict(prov.get("parameters", {})).items())
    )
    code = "ru" if lang.ru else "en"
    title = escape(lang.title(results.study))
    return f"""<!DOCTYPE html>
<html lang="{code}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 1100px; padding: 0 1em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 14px; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; }}
th {{ background: #f4f4f4; }}
td.num {{ text-align: right; white-space: nowrap; }}
figure {{ display: inline-block; margin: 0 1em 1em 0; }}
figure img {{ width: 320px; border: 1px solid #ccc; }}
.prov {{ color: #555; font-size: 13px; }}
.warn {{ background: #fff8e1; border: 1px solid #d9a400; padding: 6px 10px; }}
</style></head>
<body>
<h1>{title}</h1>
<p>{lang("ix_intro", radius=f"{results.study.radius_km:g}")}</p>
<h2>{lang("ix_maps")}</h2>
<p class="{"prov" if offline else "warn"}">{escape(lang("ix_offline" if offline else "ix_cdn"))}</p>
<ul>{"".join(maps_list)}</ul>
{pics}
<h2>{lang("ix_agglomerations")}</h2>
<table>
<tr>{head}</tr>
{"".join(rows)}
</table>
{data_block}
<h2>{lang("ix_provenance")}</h2>
<ul class="prov">
<li>{escape(lang("ix_osm", source=prov.get("osm_source"), date=prov.get("osm_timestamp")))}</li>
<li>{escape(lang("ix_speed", model=prov.get("speed_model", "")))}</li>
<li>{escape(lang("ix_version", version=prov.get("ural_access_version")))}</li>
</ul>
<h3>{lang("ix_parameters")}</h3>
<ul class="prov">{params}</ul>
<p class="prov">{lang("ix_credits")}</p>
</body></html>
"""
