"""Write every map of a study: overview, one per agglomeration, the index, PNGs."""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
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
from ._names import region_names, russian_names
from ._offline import with_cdn_note
from ._render import encoded_once, render_page
from ._shared import MapData, map_data
from .assets import is_installed, save_self_contained
from .index import index_page
from .overview import agglomeration_map, overview_map, study_bounds, zone_bounds
from .text import Lang

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "PNG_SCALE",
    "PNG_SIZE",
    "PNG_TEXT_COLUMN",
    "build_maps",
    "map_language",
    "offline_maps",
    "picture_bounds",
    "picture_size",
    "save_map",
    "stable_ids",
]

log = logging.getLogger(__name__)

#: Size of the PNG pictures' page in CSS pixels; drawn at :data:`PNG_SCALE` device
#: pixels each (2400 x 1700 pixels: an A4 page's width at 290 dpi).
PNG_SIZE = (1200, 850)

#: Device pixels per CSS pixel of the PNG pictures (sharp text in print).
PNG_SCALE = 2.0


def _label(results: AccessResults, stem: str) -> str:
    for name, key in results.study.agglomeration_keys().items():
        if stem == f"agglomeration-{key}":
            return name
    return stem


#: Width of the text column (title, table, legend) left of a picture's map, CSS pixels.
PNG_TEXT_COLUMN = 470


def picture_size(bounds: tuple[float, float, float, float]) -> tuple[int, int]:
    """(width, height) of a picture's page in CSS pixels: :data:`PNG_SIZE`'s height, and
    the width the extent's shape needs beside the text column, within 900 and
    :data:`PNG_SIZE`'s width (a tall study such as the Urals gets a narrower picture,
    not empty margins)."""
    west, south, east, north = bounds
    mid = math.radians((south + north) / 2)
    aspect = (east - west) * math.cos(mid) / max(north - south, 1e-9)
    width, height = PNG_SIZE
    return (max(900, min(width, round(PNG_TEXT_COLUMN + (height - 40) * aspect))), height)


def offline_maps() -> bool:
    """Whether maps drawn now by default open offline: the map assets are installed."""
    return is_installed()


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
    shorts = {name: (ru if lang == "ru" else en) for name, en, ru in results.study.short_names}
    regions = region_names(results.study, lang)
    if lang != "ru":
        return Lang(lang, shorts={k: v for k, v in shorts.items() if v}, regions=regions)
    aggs = {a.name: a.name_ru for a in results.study.agglomerations if a.name_ru}
    osm = None
    if context is not None and len(context) and "name_ru" in context:
        osm = context[context["kind"] == "place"]
        osm = osm.assign(lon=osm.geometry.x, lat=osm.geometry.y)
    return Lang(
        "ru",
        names=russian_names(
            results.places, dict(results.study.names_ru), osm, str(results.study.country)
        ),
        agglomerations=aggs,
        shorts={k: v for k, v in shorts.items() if v},
        regions=regions,
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


def save_map(fmap: folium.Map, path: Path, self_contained: bool, words: Lang) -> Path:
    """Write a map page atomically: its scripts inlined (``self_contained``), or linked
    with a note shown where they cannot load (offline, no assets installed)."""
    if self_contained:
        return save_self_contained(fmap, path)
    return write_text_atomic(path, with_cdn_note(render_page(fmap), words))


def build_maps(
    results: AccessResults,
    out_dir: str | Path,
    *,
    self_contained: bool | None = None,
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
        ``None`` (default): inline them when they are installed (:func:`offline_maps`),
        else link them from their CDNs and say so on every page and the index page;
        ``True`` requires them (:class:`~maps.errors.MapAssetError`, exit code 7);
        ``False`` always links them (smaller files that need the network).
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
    if self_contained is None:
        self_contained = offline_maps()
        if not self_contained:
            log.warning(
                "map assets are not installed: the maps load Leaflet from CDNs and need the "
                "network (run `ural-access setup-assets` for maps that open offline)"
            )
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
            offline=self_contained,
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
            save_map(
                overview_map(results, words, data=data),
                out / "overview.html",
                self_contained,
                words,
            )
        ]
    agg_files: dict[str, str] = {}
    keys = results.study.agglomeration_keys()
    for name in results.zones["agglomeration"]:
        log.info("drawing the map of %s", name)
        page = f"agglomeration-{keys[str(name)]}.html"
        with stable_ids(page):
            path = save_map(
                agglomeration_map(results, str(name), words, data=data),
                out / page,
                self_contained,
                words,
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
        sizes: list[tuple[int, int]] = []
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
            sizes.append(picture_size(views[path.name]))
        rendered = render_pngs(jobs, *PNG_SIZE, print_layout=True, scale=PNG_SCALE, sizes=sizes)
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
