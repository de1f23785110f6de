"""The map of ``rank-upgrades``: which road first, or what a closure costs.

One page in the ranking's output folder, ``ranking.html`` (``closures.html`` with
``--closures``):

- the top ``top`` candidate sections (10 by default) as thick lines coloured by rank
  (:data:`maps._ranking_layers.RANK_COLOURS`, dark first), each numbered at its middle;
- every other candidate as a thin grey line;
- a package chosen within a budget (``package.csv``) as a wide green dashed outline, its
  steps listed in the table;
- closures that cut an agglomeration centre off from a first-tier city dashed black;
- the first-tier cities and the agglomeration centres, named;
- a ranked table (rank, section, km, gain) and, per section, a popup of the minutes it
  saves (or costs) from each city to each centre, its gain, gain per km and cost.
"""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely

from ..geo.analysis.context import study_context
from ..geo.scenarios.candidates import candidate_lines
from ..geo.scenarios.ranking import Objective, Sweep
from ..geo.study.definition import Study
from ._controls import InfoBox, add_controls, base_map, provenance_text
from ._geojson import feature_collection
from ._labels import town_labels
from ._layers import context_layer
from ._names import region_names, russian_names
from ._ranking_layers import (
    Ranked,
    cut_layer,
    others_layer,
    package_layer,
    rank_badges,
    top_layer,
)
from ._ranking_table import legend_html, table_html
from ._shared import context_data
from .build import offline_maps, save_map, stable_ids
from .legend import HtmlControl
from .style import CENTER_COLOUR, CITY_COLOUR, marker_radius
from .text import EN, Lang

__all__ = ["CLOSURES_MAP", "RANKING_MAP", "ranking_map", "write_ranking_map"]

log = logging.getLogger(__name__)

#: File names of the map in the ranking's output folder.
RANKING_MAP = "ranking.html"
CLOSURES_MAP = "closures.html"


def _places(study: Study) -> pd.DataFrame:
    """The first-tier cities and the agglomeration centres, each once (cities first)."""
    rows: dict[int, dict[str, Any]] = {}
    for p in study.first_tier:
        rows[p.geonameid] = {"role": "first_tier", "agglomeration": ""}
        rows[p.geonameid].update(vars(p))
    for a in study.agglomerations:
        if a.center.geonameid not in rows:
            rows[a.center.geonameid] = {"role": "center", "agglomeration": a.name}
            rows[a.center.geonameid].update(vars(a.center))
    out = pd.DataFrame(list(rows.values()))
    return out.rename(columns={"geonameid": "place_id"})


def study_language(study: Study, lang: str, context: Any = None) -> Lang:
    """The words of ``lang`` with the study's cities and centres named in it (as
    :func:`maps.build.map_language` names a run's places)."""
    shorts = {name: (ru if lang == "ru" else en) for name, en, ru in study.short_names}
    shorts = {k: v for k, v in shorts.items() if v}
    regions = region_names(study, lang)
    if lang != "ru":
        return Lang(lang, shorts=shorts, regions=regions)
    osm = None
    if context is not None and len(context) and "name_ru" in context:
        osm = context[context["kind"] == "place"]
        osm = osm.assign(lon=osm.geometry.x, lat=osm.geometry.y)
    names = russian_names(_places(study), dict(study.names_ru), osm, str(study.country))
    aggs = {a.name: a.name_ru for a in study.agglomerations if a.name_ru}
    return Lang("ru", names=names, agglomerations=aggs, shorts=shorts, regions=regions)


def _minutes(sweep: Sweep, table: pd.DataFrame, closures: bool) -> list[tuple[str, str, str]]:
    prefix = "minutes_lost" if closures else "minutes_saved"
    found = []
    for agg in sweep.centres["agglomeration"]:
        for city, key in zip(sweep.cities["name"], sweep.cities["key"], strict=True):
            column = f"{prefix}_{agg}_from_{key}"
            if column in table:
                found.append((column, str(agg), str(city)))
    return found


def _places_layer(places: pd.DataFrame, lang: Lang) -> folium.GeoJson:
    props = []
    for row in places.itertuples():
        city = row.role == "first_tier"
        name = lang.place(row.name)
        tip = name if city else f"{name} ({lang.agglomeration(row.agglomeration)})"
        props.append(
            {
                "name": name,
                "tooltip": escape(tip),
                "radius": marker_radius(float(row.population or 0)),
                "colour": CITY_COLOUR if city else CENTER_COLOUR,
            }
        )
    points = shapely.points(places["lon"].to_numpy(float), places["lat"].to_numpy(float))
    return folium.GeoJson(
        feature_collection(shapely.set_precision(points, 1e-5), props),
        name=lang("rk_layer_places"),
        marker=folium.CircleMarker(radius=5, weight=1.5, fill=True, fill_opacity=0.9),
        style_function=lambda f: {
            "radius": f["properties"]["radius"],
            "color": "#ffffff",
            "fillColor": f["properties"]["colour"],
        },
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
    )


def _objective(objective: Objective | None, lang: Lang) -> str:
    objective = objective or Objective()
    if objective.kind == "agglomeration":
        return lang("rk_obj_agglomeration", name=lang.agglomeration(objective.agglomeration))
    if objective.kind == "within":
        return lang("rk_obj_within", minutes=lang.minutes(objective.minutes))
    return lang("rk_obj_potential")


def _standard(standard: tuple[str, float | str] | None, lang: Lang) -> str:
    kind, value = standard or ("limit", 110.0)
    if kind == "class":
        return lang("rk_std_class", road_class=escape(str(value)))
    number = float(value)
    if kind == "factor":
        return lang("rk_std_factor", factor=lang.decimal(number, 2).rstrip("0").rstrip(",."))
    if kind == "speed":
        return lang("rk_std_speed", kph=f"{number:g}")
    return lang("rk_std_limit", kph=f"{number:g}")


def _bounds(ranked: Ranked, places: pd.DataFrame) -> tuple[float, float, float, float]:
    """The first view: the top sections, the package's and the first-tier cities, padded
    (the other candidates and centres are a zoom out away)."""
    keys = [*ranked.table["candidate"][ranked.table["rank"] <= ranked.top], *ranked.steps]
    cities = places[places["role"] == "first_tier"][["lon", "lat"]].to_numpy(float)
    geoms = [*(ranked.lines[k] for k in keys), *shapely.points(cities)]
    west, south, east, north = (float(v) for v in shapely.total_bounds(np.array(geoms)))
    dx, dy = max((east - west) * 0.06, 0.05), max((north - south) * 0.06, 0.05)
    return (west - dx, south - dy, east + dx, north + dy)


_CSS = """<style>
.ua-rk { width: 18px; height: 18px; border-radius: 50%; border: 2px solid #fff;
  font: bold 11px/18px "DejaVu Sans", Arial, sans-serif; text-align: center;
  box-shadow: 0 0 3px rgba(0,0,0,0.6); }
.ua-rank td.sec { white-space: normal; min-width: 170px; max-width: 230px; }
.ua-rank th.n { text-align: right; }
.ua-rank .ua-scroll { max-height: 25vh; overflow-y: auto; }
.ua-popup { font-size: 12.5px; line-height: 1.35; }
.ua-popup h4 { font-size: 14.5px; margin: 0 0 2px 0; }
.ua-popup p { margin: 5px 0 3px 0; }
.ua-popup td.n { text-align: right; white-space: nowrap; }
</style>"""


def ranking_map(
    sweep: Sweep,
    table: pd.DataFrame,
    lang: Lang = EN,
    *,
    package: pd.DataFrame | None = None,
    closures: bool = False,
    objective: Objective | None = None,
    standard: tuple[str, float | str] | None = None,
    top: int = 10,
    provenance: dict[str, Any] | None = None,
    context: Any = None,
) -> folium.Map:
    """The map of a ranking (see the module's description).

    ``table`` is :func:`geo.scenarios.ranking.rank_upgrades`'s (``closures``:
    :func:`~geo.scenarios.ranking.rank_closures`'s first table) of ``sweep``; ``package``
    :func:`~geo.scenarios.ranking.choose_package`'s curve; ``standard`` ``("limit", kph)``
    or ``("factor", x)``; ``context`` :func:`geo.analysis.context.study_context`'s frame.
    """
    if top < 1:
        raise ValueError(f"top must be 1 or more, got {top}")
    drawn = candidate_lines(sweep.network, sweep.candidates)
    lines = {
        c.key: line
        for c, line in zip(sweep.candidates, drawn, strict=True)
        if line is not None and not line.is_empty
    }
    table = table[table["candidate"].isin(lines)].sort_values("rank", kind="stable")
    steps = {} if package is None else dict(zip(package["candidate"], package["step"], strict=True))
    ranked = Ranked(
        table.reset_index(drop=True),
        {k: lines[k] for k in table["candidate"]},
        _minutes(sweep, table, closures),
        closures,
        {str(k): int(v) for k, v in steps.items() if k in lines},
        min(top, max(len(table), 1)),
        {c.key: c.edit.name_ru for c in sweep.candidates if c.edit and c.edit.name_ru},
    )
    places = _places(sweep.study)
    bounds = _bounds(ranked, places)  # no candidate: the cities
    fmap = base_map(bounds, lang)
    fmap.get_root().header.add_child(folium.Element(_CSS))  # type: ignore[attr-defined]
    ctx = context_layer(context_data(context), lang) if context is not None else None
    for layer in (
        ctx,
        package_layer(ranked, lang),
        others_layer(ranked, lang),
        top_layer(ranked, lang),
        cut_layer(ranked, lang),
    ):
        if layer is not None:
            layer.add_to(fmap)
    dots = _places_layer(places, lang)
    dots.add_to(fmap)
    labels = town_labels(places, ("first_tier", "center"), lang)
    labels.add_to(fmap)
    badges = folium.FeatureGroup(name=lang("rk_layer_top", n=ranked.top) + " (№)")
    rank_badges(ranked, lang, badges)
    badges.add_to(fmap)
    total = len(ranked.table)
    listed = any(c.edit is not None for c in sweep.candidates)  # the user's list
    if closures:
        title = lang("rk_title_closures", n=ranked.top, total=total)
        lead = lang("rk_standard_closures")
        note = lang("rk_note_closures")
    else:
        title = lang("rk_title", n=ranked.top, total=total)
        lead = lang(
            "rk_standard_list" if listed else "rk_standard",
            standard=_standard(standard, lang),
            objective=_objective(objective, lang),
        )
        note = lang("rk_note_list" if listed else "rk_note") + (
            lang("rk_note_package") if ranked.steps else ""
        )
    InfoBox(title, note, provenance_text(provenance or {}, lang), lang, lead).add_to(fmap)
    HtmlControl(table_html(ranked, lang, package), "topleft", "ua-rank").add_to(fmap)
    # The key bottom right: bottom left, under the table, the two overlapped on a laptop's
    # screen (1366 x 768) once the package or the note was opened.
    HtmlControl(legend_html(ranked, lang), "bottomright", "ua-legend").add_to(fmap)
    add_controls(fmap, dots, lang, bounds)
    return fmap


def write_ranking_map(
    sweep: Sweep,
    table: pd.DataFrame,
    folder: str | Path,
    lang: str = "en",
    *,
    package: pd.DataFrame | None = None,
    closures: bool = False,
    objective: Objective | None = None,
    standard: tuple[str, float | str] | None = None,
    top: int = 10,
    provenance: dict[str, Any] | None = None,
    self_contained: bool | None = None,
) -> Path:
    """Write :func:`ranking_map` as ``folder/ranking.html`` (``closures.html`` with
    ``closures``), atomically, and return it.

    ``lang`` is ``"en"`` or ``"ru"``; the map context (roads, water, borders) is read as
    for the study's other maps; ``self_contained`` as for :func:`maps.build_maps`.
    """
    context = study_context(sweep.study, sweep.network)
    words = study_language(sweep.study, lang, context)
    if self_contained is None:
        self_contained = offline_maps()
    name = CLOSURES_MAP if closures else RANKING_MAP
    path = Path(folder) / name
    with stable_ids(name):
        fmap = ranking_map(
            sweep,
            table,
            words,
            package=package,
            closures=closures,
            objective=objective,
            standard=standard,
            top=top,
            provenance=provenance,
            context=context,
        )
        return save_map(fmap, path, self_contained, words)
