"""The index page: links to every map, the agglomeration table and the provenance."""

from __future__ import annotations

import json
import math
from html import escape
from typing import Any

from ..geo.format import format_km, format_minutes, format_population
from ..geo.results import AccessResults


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def index_page(
    results: AccessResults,
    overview: str,
    agglomeration_maps: dict[str, str],
    pictures: dict[str, str],
) -> str:
    """HTML of the index page; links are relative file names (all text escaped)."""
    cities = results.cities
    prov = results.provenance
    head_cities = "".join(
        f"<th>distance from {escape(name)}</th><th>drive time from {escape(name)}</th>"
        for name, _ in cities
    )
    rows = []
    for row in results.wide_summary().to_dict("records"):
        name = str(row["agglomeration"])
        link = agglomeration_maps.get(name)
        label = f'<a href="{escape(link, quote=True)}">{escape(name)}</a>' if link else escape(name)
        pop_k = _num(row.get("population_k_source"))
        revenue = _num(row.get("net_revenue_mln_rub_source"))
        cells = "".join(
            f"<td class='num'>{format_km(_num(row.get(f'dist_to_center_km_from_{key}')))}</td>"
            f"<td class='num'>{format_minutes(_num(row.get(f'time_to_center_min_from_{key}')))}</td>"
            for _, key in cities
        )
        rows.append(
            f"<tr><td>{label}</td><td>{escape(str(row.get('center')))}</td>"
            f"<td class='num'>{'' if math.isnan(pop_k) else f'{pop_k:,.1f}'.rstrip('0').rstrip('.')}</td>"
            f"<td class='num'>{'' if math.isnan(revenue) else format_population(revenue)}</td>"
            f"{cells}<td class='num'>{format_population(_num(row.get('potential_total')))}</td></tr>"
        )
    maps_list = [f'<li><a href="{escape(overview, quote=True)}">Overview map</a></li>'] + [
        f'<li><a href="{escape(f, quote=True)}">{escape(n)}</a></li>'
        for n, f in agglomeration_maps.items()
    ]
    pics = "".join(
        f'<figure><a href="{escape(pictures[k], quote=True)}"><img src="{escape(pictures[k], quote=True)}" '
        f'alt="{escape(k, quote=True)}"></a><figcaption>{escape(k)}</figcaption></figure>'
        for k in pictures
    )
    speed = escape(str(prov.get("speed_model", "")))
    params = escape(json.dumps(prov.get("parameters", {}), sort_keys=True, ensure_ascii=False))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(results.study.title)}</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 1100px; padding: 0 1em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 14px; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; }}
th {{ background: #f4f4f4; }}
td.num {{ text-align: right; white-space: nowrap; }}
figure {{ display: inline-block; margin: 0 1em 1em 0; }}
figure img {{ width: 320px; border: 1px solid #ccc; }}
.prov {{ color: #555; font-size: 13px; }}
</style></head>
<body>
<h1>{escape(results.study.title)}</h1>
<p>Free-flow car drive times over the OpenStreetMap road network, from the first-tier
cities to each agglomeration's central town. An agglomeration's zone is every town within
{results.study.radius_km:g} km of its centre.</p>
<h2>Maps</h2>
<ul>{"".join(maps_list)}</ul>
{pics}
<h2>Agglomerations</h2>
<table>
<tr><th>agglomeration</th><th>central town</th><th>population, thousand (source)</th>
<th>net revenue 2022, mln RUB (source)</th>{head_cities}<th>overflow potential, people</th></tr>
{"".join(rows)}
</table>
<h2>Provenance</h2>
<ul class="prov">
<li>OSM data: {escape(str(prov.get("osm_source")))}, as of {escape(str(prov.get("osm_timestamp")))}</li>
<li>Speed model: {speed}</li>
<li>Parameters: {params}</li>
<li>ural-access {escape(str(prov.get("ural_access_version")))}</li>
</ul>
<p class="prov">Roads &copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>
contributors (ODbL 1.0). Towns and populations: <a href="https://www.geonames.org">GeoNames</a>
(CC BY 4.0). Agglomeration population and revenue: the source paper, as given in the study file.</p>
</body></html>
"""
