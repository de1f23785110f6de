"""Write every map of a study: overview, one per agglomeration, the index, PNGs."""

from __future__ import annotations

import hashlib
import itertools
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import folium
from branca.element import Element

from ..geo.base.atomic import atomic_dir, write_text_atomic
from ..geo.errors import ParameterError
from ..geo.results.access_results import AccessResults
from ._names import russian_names
from ._render import encoded_once, render_page
from ._shared import MapData, map_data
from .assets import save_self_contained
from .index import index_page
from .overview import agglomeration_map, overview_map, study_bounds, zone_bounds
from .text import Lang

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["PNG_SIZE", "build_maps", "map_language", "picture_bounds", "stable_ids"]

log = logging.getLogger(__name__)

#: Pixel size of the PNG pictures (fits an A4 page at 150 dpi).
PNG_SIZE = (1400, 1000)


def _label(results: AccessResults, stem: str) -> str:
    for name, key in results.study.agglomeration_keys().items():
        if stem == f"agglomeration-{key}":
            return name
    return stem


def picture_bounds(results: AccessResults) -> dict[str, tuple[float, float, float, float]]:
    """(west, south, east, north) that each map's PNG shows, keyed by the HTML file name."""
    # The HTML's own first view: a PNG shows what the page opens on.
    out = {"overview.html": study_bounds(results)}
    keys = results.study.agglomeration_keys()
    for name, zone in zip(results.zones["agglomeration"], results.zones.geometry, strict=True):
        out[f"agglomeration-{keys[str(name)]}.html"] = zone_bounds(zone)
    return out


def map_language(
    results: AccessResults, lang: str = "en", context: gpd.GeoDataFrame | None = None
) -> Lang:
    """The words of ``lang``, with the study's places named in it.

    Russian names come from the study file, else from OSM place nodes among the
    ``context``'s rows (:mod:`geo.context`), else from GeoNames.
    """
    if lang != "ru":
        return Lang(lang)
    aggs = {a.name: a.name_ru for a in results.study.agglomerations if a.name_ru}
    osm = None
    if context is not None and len(context) and "name_ru" in context:
        osm = context[context["kind"] == "place"]
        osm = osm.assign(lon=osm.geometry.x, lat=osm.geometry.y)
    return Lang(
        "ru",
        names=russian_names(results.places, dict(results.study.names_ru), osm),
        agglomerations=aggs,
    )


@contextmanager
def stable_ids(page: str) -> Iterator[None]:
    """Give the folium elements made inside the block ids that follow from ``page`` and
    their order, not ``os.urandom``: the same results draw byte-identical HTML.

    branca names every element (and so every JavaScript variable) ``<kind>_<id>`` with
    a random id; ids made here are ``sha256(page, n)``'s first 32 hex digits for the
    n-th element, still unique within the page.
    """
    counter = itertools.count()
    original = Element.__dict__["_generate_id"]

    def generate(cls: type) -> str:
        return hashlib.sha256(f"{page}\n{next(counter)}".encode()).hexdigest()[:32]

    # branca's id maker, replaced for this page only (mypy refuses assigning to a method)
    Element._generate_id = classmethod(generate)  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        Element._generate_id = original  # type: ignore[method-assign]  # put back


def _save(fmap: folium.Map, path: Path, self_contained: bool) -> Path:
    if self_contained:
        return save_self_contained(fmap, path)
    return write_text_atomic(path, render_page(fmap))


def build_maps(
    results: AccessResults,
    out_dir: str | Path,
    *,
    self_contained: bool = False,
    png: bool = False,
    lang: str = "en",
    context: gpd.GeoDataFrame | None = None,
    data_dir: str | Path | None = None,
) -> list[Path]:
    """Write the maps into ``out_dir`` and return the paths written (index first).

    Parameters
    ----------
    self_contained
        Inline Leaflet, the plugins and their styles (installed by ``ural-access
        setup-assets``), so the maps open with no network; only base tiles stay online.
    png
        Also write a PNG of each map, rendered in headless Chromium at the map's bounds.
    lang
        ``"en"`` (default) or ``"ru"``: the language of every text and number on the
        maps and the index page; place names in Russian where known (GeoNames).
    context
        Roads, water and borders to draw under the results; default: the results' own
        (``AccessResults.context``).
    data_dir
        The results folder, whose tables and files the index page links to.

    The folder is replaced as a whole once every map is written (like the results), so
    a run that is stopped never leaves maps of two runs side by side.
    """
    if png:
        from .browser import check_png_export

        check_png_export()  # before drawing: a missing extra fails in a second, not minutes
    if context is None:
        context = results.context
    words = map_language(results, lang, context)
    final = Path(out_dir)
    folder = Path(data_dir) if data_dir is not None else None
    if folder is not None and final.resolve() in (folder.resolve(), *folder.resolve().parents):
        # the maps folder is replaced as a whole: it must not hold the results
        raise ParameterError(
            f"maps folder {str(final)!r} must not hold the results {str(folder)!r}"
        )
    with atomic_dir(final) as tmp:
        paths = _write_maps(results, tmp, final, words, context, folder, self_contained, png)
    return [final / p.relative_to(tmp) for p in paths]


def _write_maps(
    results: AccessResults,
    out: Path,
    final: Path,
    words: Lang,
    context: gpd.GeoDataFrame | None,
    data_dir: Path | None,
    self_contained: bool,
    png: bool,
) -> list[Path]:
    """Write every file into ``out``, which becomes ``final`` once all are written."""
    data = map_data(results, context)  # the bands and context every map draws alike
    with encoded_once(*data.layers()):
        written, agg_files = _write_pages(results, out, words, data, self_contained)
    overview = written[0]
    pictures = _render_pictures(results, written, overview, words, self_contained) if png else {}
    index = write_text_atomic(
        out / "index.html",
        index_page(
            results,
            overview.name,
            agg_files,
            pictures,
            words,
            data_dir,
            final,  # links are relative to where the page will be, not the temporary folder
        ),
    )
    return [index, *written]


def _write_pages(
    results: AccessResults, out: Path, words: Lang, data: MapData, self_contained: bool
) -> tuple[list[Path], dict[str, str]]:
    """The overview and each agglomeration's map; their paths, overview first, and the
    file name of each agglomeration's map."""
    log.info("drawing the overview map")
    with stable_ids("overview.html"):
        written = [
            _save(overview_map(results, words, data=data), out / "overview.html", self_contained)
        ]
    agg_files: dict[str, str] = {}
    keys = results.study.agglomeration_keys()
    for name in results.zones["agglomeration"]:
        log.info("drawing the map of %s", name)
        page = f"agglomeration-{keys[str(name)]}.html"
        with stable_ids(page):
            path = _save(
                agglomeration_map(results, str(name), words, data=data), out / page, self_contained
            )
        agg_files[str(name)] = path.name
        written.append(path)
    return written, agg_files


def _render_pictures(
    results: AccessResults, pages: list[Path], overview: Path, words: Lang, self_contained: bool
) -> dict[str, str]:
    """Render a PNG beside each page; appends them to ``pages``; {label: PNG file name}."""
    from .browser import render_pngs

    views = picture_bounds(results)
    log.info("rendering %d PNG pictures in headless Chromium", len(pages))
    with tempfile.TemporaryDirectory(prefix="ural-access-png-") as tmp:
        jobs = []
        for path in pages:
            # Chromium renders with the network cut off, so a map that links its
            # scripts from CDNs is rendered from an inlined copy.
            page = (
                path
                if self_contained
                else save_self_contained(path.read_text(encoding="utf-8"), Path(tmp) / path.name)
            )
            west, south, east, north = views[path.name]
            jobs.append((page, path.with_suffix(".png"), ((south, west), (north, east))))
        rendered = render_pngs(jobs, *PNG_SIZE)
    pictures: dict[str, str] = {}
    for path, picture in zip(list(pages), rendered, strict=True):
        label = (
            words("overview")
            if path == overview
            else words.agglomeration(_label(results, path.stem))
        )
        pictures[label] = picture.name
        pages.append(picture)
    return pictures
