"""Issue 18, the map side: the answer written on the Urals maps, offline, clear of the
controls, in Russian, and the print layout of the PNG pictures.

Every check opens the real maps of the Urals default study in headless Chromium with the
network cut off (only ``file:`` and ``data:`` load).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ural_access.geo import settings
from ural_access.geo.analysis.context import network_context, write_context
from ural_access.geo.pipeline.compute import compute_access
from ural_access.geo.results.access_results import write_results
from ural_access.maps import build_maps
from ural_access.maps.browser import OfflineBrowser, OfflinePage, offline_browser
from ural_access.maps.build import PNG_SCALE, map_language, picture_bounds, picture_size
from ural_access.maps.text import Lang

from ..helpers.png import png_size

#: Screen rectangles of the agglomeration markers, every permanent label and every control.
_RECTS_JS = """
(name) => {
  const map = window[name];
  const box = map.getContainer().getBoundingClientRect();
  const shown = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.display !== 'none' && s.visibility !== 'hidden';
  };
  const rect = (r) => [r.left, r.top, r.right, r.bottom];
  const controls = [...map.getContainer().querySelectorAll('.leaflet-control')]
    .filter(shown).map((el) => ({what: el.className, r: rect(el.getBoundingClientRect())}));
  const labels = [...map.getContainer().querySelectorAll('.ua-label')].filter(shown)
    .map((el) => ({what: el.textContent, r: rect(el.getBoundingClientRect())}));
  const markers = [];
  map.eachLayer((l) => {
    const p = l.feature && l.feature.properties;
    if (!p || p.radius === undefined || !l.getLatLng) return;
    const c = map.latLngToContainerPoint(l.getLatLng()), r = +p.radius;
    markers.push({what: p.name, role: p.role,
                  r: [box.left + c.x - r, box.top + c.y - r, box.left + c.x + r, box.top + c.y + r]});
  });
  return {controls, labels, markers, box: rect(box)};
}
"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(a: list[float], box: list[float]) -> bool:
    return a[0] >= box[0] and a[1] >= box[1] and a[2] <= box[2] and a[3] <= box[3]


@pytest.fixture(scope="module")
def urals(built: dict, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The Urals default's results, written as the CLI writes them, and its maps in
    English and Russian (drawn by default: offline, as the map assets are installed)."""
    study, net, _ = built["urals"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = compute_access(study, net)
    out = tmp_path_factory.mktemp("urals")
    context = network_context(net)
    data = write_results(results, out / "results", extra=lambda tmp: write_context(context, tmp))
    build_maps(results, out / "maps", context=context, data_dir=data)
    build_maps(results, out / "ru", lang="ru", context=context, data_dir=data, png=True)
    return results, out


@pytest.fixture(scope="module")
def browser(urals: Any) -> Iterator[OfflineBrowser]:
    """One Chromium for the module's checks, each in a fresh page loaded at its own size
    (started after ``urals``: its PNGs need a Chromium of their own, and Playwright's sync
    API runs one at a time)."""
    with offline_browser(width=1366, height=768) as shared:
        yield shared


def _zone_members(results: Any, name: str) -> set[str]:
    towns = results.towns
    return set(towns[towns["agglomeration"] == name]["name"])


def _check_clear(view: OfflinePage, names: set[str], where: str) -> int:
    """No marker of ``names`` and no label lies under a control or off the map; returns
    how many labels were checked."""
    found = view.page.evaluate(_RECTS_JS, view.map_name)
    controls = found["controls"]
    labels = found["labels"]
    assert labels, where
    for item in labels + [m for m in found["markers"] if m["what"] in names]:
        if not _overlap(item["r"], found["box"]):
            continue  # a place outside this map's view (a first-tier city far away)
        ours = item in labels and any(item["what"].startswith(n) for n in names)
        if ours or item not in labels:  # a first-tier city at the edge may be cut
            assert _inside(item["r"], found["box"]), (where, item["what"], "cut by the edge")
        for control in controls:
            assert not _overlap(item["r"], control["r"]), (where, item["what"], control["what"])
    return len(labels)


def test_maps_open_offline_by_default_and_draw_the_answer(
    urals: Any, browser: OfflineBrowser
) -> None:
    """Plain build_maps, assets installed: no CDN; offline the overview draws its bands,
    a label per agglomeration with each city's time, the ranked table and the legend."""
    results, out = urals
    page = (out / "maps" / "overview.html").read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net" not in page and "ua-cdn-note" not in page
    index = (out / "maps" / "index.html").read_text(encoding="utf-8")
    assert "These maps open offline" in index
    words = map_language(results, "en")
    with browser.open(out / "maps" / "overview.html", size=(1366, 768)) as view:
        assert view.console_errors == [] and view.page_errors == []
        assert all("tile.openstreetmap.org" in u for u in view.blocked_requests)
        bands = view.page.evaluate(
            """(name) => { let n = 0; window[name].eachLayer((l) => {
                 if (l.options && l.options.uaBands && l.feature) n++; }); return n; }""",
            view.map_name,
        )
        assert bands >= 6
        labels = view.page.locator(".ua-label.agg")
        assert labels.count() == len(results.zones)
        # On a loaded machine the labels may not be laid out yet (innerText ""): wait.
        view.page.wait_for_function(
            """() => [...document.querySelectorAll('.ua-label.agg')]
                 .every((e) => e.innerText.trim().length > 0)"""
        )
        texts = labels.all_inner_texts()
        summary = results.wide_summary().set_index("agglomeration")
        for name in results.zones["agglomeration"]:
            text = next((t for t in texts if t.startswith(name)), None)
            assert text is not None, (name, texts)  # names what was drawn instead
            for city, key in results.cities:
                minutes = words.minutes(summary.loc[name, f"time_to_center_min_from_{key}"])
                assert f"{words.short(city)} " in text and minutes in text, (name, text)
        assert "Kamensk-Uralsky\nEkb 1 h 16 min · Chel 2 h 52 min" in texts
        table = view.page.locator(".ua-rank").inner_text()
        first = table.index("Kamensk-Uralsky")
        assert first < table.index("Greater Miass") < table.index("Greater Serov")
        assert view.page.locator(".ua-legend").is_visible()
        # A dotted access leg from every town joined more than 1 km from the roads.
        legs = view.page.evaluate(
            """(name) => { let n = 0; window[name].eachLayer((l) => {
                 if (l.feature && l.options && l.options.dashArray === '1 5') n++; });
                 return n; }""",
            view.map_name,
        )
        assert legs == int((results.places["join_km"] > 1.0).sum()) > 5
        assert view.page.locator(".ua-label.city").all_inner_texts() == [
            "Ekaterinburg",
            "Chelyabinsk",
        ]


def test_without_the_assets_the_page_says_why_instead_of_a_blank(
    urals: Any, browser: OfflineBrowser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results, _ = urals
    monkeypatch.setattr(settings, "map_assets_folder", tmp_path / "no-assets")
    build_maps(results, tmp_path / "maps")
    page = (tmp_path / "maps" / "overview.html").read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net" in page
    index = (tmp_path / "maps" / "index.html").read_text(encoding="utf-8")
    assert "need the internet" in index and "ural-access setup-assets" in index
    with browser.open(tmp_path / "maps" / "overview.html", wait=False, size=(1200, 800)) as view:
        view.page.wait_for_load_state("load")
        note = view.page.locator("#ua-cdn-note")
        assert note.is_visible()
        assert "needs the internet" in note.inner_text()
        assert "ural-access setup-assets" in note.inner_text()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_no_marker_or_label_under_a_control(
    urals: Any, browser: OfflineBrowser, size: tuple[int, int]
) -> None:
    """The overview's agglomeration markers and every label, and on each agglomeration's
    map its own towns and labels, lie clear of every control and inside the map."""
    results, out = urals
    centres = set(results.places[results.places["role"].isin(["center", "first_tier"])]["name"])
    checked = 0
    for folder in ("maps", "ru"):
        with browser.open(out / folder / "overview.html", size=size) as view:
            checked += _check_clear(view, centres, f"{folder} overview {size}")
        for name in results.zones["agglomeration"]:
            key = results.study.agglomeration_keys()[name]
            page = out / folder / f"agglomeration-{key}.html"
            with browser.open(page, size=size) as view:
                checked += _check_clear(view, _zone_members(results, name), page.name)
    assert checked > 50


def test_popups_open_clear_of_the_controls(urals: Any, browser: OfflineBrowser) -> None:
    """A popup of the westernmost town (next to the left-hand controls) pans clear of them."""
    results, out = urals
    with browser.open(out / "maps" / "overview.html", size=(1366, 768)) as view:
        west = results.places.sort_values("lon").iloc[0]["name"]
        point = view.page.evaluate(
            """([name, town]) => { let at = null; window[name].eachLayer((l) => {
                 const p = l.feature && l.feature.properties;
                 if (p && p.name === town && l.getLatLng) {
                   const c = window[name].latLngToContainerPoint(l.getLatLng());
                   at = [c.x, c.y];
                 } }); return at; }""",
            [view.map_name, west],
        )
        view.page.mouse.click(point[0], point[1])
        view.page.locator(".leaflet-popup").wait_for(state="visible", timeout=10_000)
        view.wait_for_map()
        popup = view.page.locator(".leaflet-popup").bounding_box()
        assert popup is not None
        rect = [popup["x"], popup["y"], popup["x"] + popup["width"], popup["y"] + popup["height"]]
        found = view.page.evaluate(_RECTS_JS, view.map_name)
        for control in found["controls"]:
            assert not _overlap(rect, control["r"]), control["what"]


def test_png_pictures_are_print_layouts_at_twice_the_density(
    urals: Any, browser: OfflineBrowser
) -> None:
    results, out = urals
    views = picture_bounds(results)
    for page in views:
        width, height = picture_size(views[page])
        png = out / "ru" / page.replace(".html", ".png")
        assert png_size(png) == (width * PNG_SCALE, height * PNG_SCALE), page
    # The layout the pictures are taken of: title, legend, scale, attribution; no control.
    with browser.open(out / "ru" / "overview.html", size=(900, 850)) as view:
        view.wait_for_map(None, print_layout=True)
        for gone in (
            ".leaflet-control-zoom",
            ".leaflet-control-layers",
            ".leaflet-control-search",
            ".leaflet-control-minimap",
            ".ua-how",
        ):
            assert not view.page.locator(gone).first.is_visible(), gone
        for kept in (".ua-info h3", ".ua-legend", ".leaflet-control-scale", ".ua-rank"):
            assert view.page.locator(kept).first.is_visible(), kept
        scale = view.page.locator(".leaflet-control-scale").inner_text()
        assert re.fullmatch(r"\d+\s(км|м)", scale.strip()), scale
        assert "OpenStreetMap" in view.page.locator(".leaflet-control-attribution").inner_text()
        _check_clear(view, set(results.places["name"]), "print layout")


def test_russian_maps_have_no_latin_names_and_say_why_a_town_has_no_time(
    urals: Any, browser: OfflineBrowser
) -> None:
    results, out = urals
    ru = Lang("ru")
    with browser.open(out / "ru" / "overview.html", size=(1366, 768)) as view:
        labels = view.page.locator(".ua-label").all_inner_texts()
        assert labels and not [t for t in labels if re.search(r"[A-Za-z]", t)], labels
        assert "Каменск-Уральская агломерация\nЕкб 1 ч 16 мин · Члб 2 ч 52 мин" in labels
        assert view.page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Приблизить"
        assert view.page.locator(".leaflet-control-layers-toggle").get_attribute("title") == "Слои"
        assert view.page.locator(".leaflet-control-search .search-button").get_attribute(
            "title"
        ) in ("Найти город", None)
        attribution = view.page.locator(".leaflet-control-attribution").inner_text()
        assert "участники" in attribution and "contributors" not in attribution
        assert re.fullmatch(
            r"\d+\s(км|м)", view.page.locator(".leaflet-control-scale").inner_text()
        )
        info = view.page.locator(".ua-info").inner_text()
        assert "Данные OSM на 01.02.2021" in info
        popups = view.page.evaluate(
            """(name) => { const out = {}; window[name].eachLayer((l) => {
                 const p = l.feature && l.feature.properties;
                 if (p && p.popup && p.role) out[p.name] = p.popup; }); return out; }""",
            view.map_name,
        )
    names = [n for n in popups if not re.search(r"[A-Za-z]", n)]
    assert len(names) == len(popups) == len(results.places), set(popups) - set(names)
    magnitka = popups["Магнитка"]
    assert "нет дороги ближе 15 км в этих данных" in magnitka and "нет маршрута" not in magnitka
    # Regions by name, never by GeoNames code.
    assert "Республика Башкортостан" in popups["Аскарово"]
    assert "Свердловская область" in popups["Серов"]
    assert not [p for p in popups.values() if re.search(r"Регион: <b>\d", p)]
    # A time through a modelled leg over 1 km reads «≈»; Krasnoturinsk joins 8 km away.
    assert "≈" in popups["Краснотурьинск"] and ru.minutes(1.0) == "1 мин"
    index = (out / "ru" / "index.html").read_text(encoding="utf-8")
    assert "Карты открываются без интернета" in index
