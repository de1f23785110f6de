"""The study maps, opened in headless Chromium with the network cut off."""

from __future__ import annotations

import re
import warnings
from dataclasses import replace

import pytest
from ural_access.geo.analysis.context import network_context, read_context, write_context
from ural_access.geo.base.atomic import MANIFEST
from ural_access.geo.base.format import format_km, format_minutes
from ural_access.geo.pipeline.compute import compute_access
from ural_access.geo.results.access_results import write_results
from ural_access.maps import build_maps
from ural_access.maps.browser import OfflinePage, offline_browser, open_offline
from ural_access.maps.build import PNG_SCALE, map_language, picture_bounds, picture_size
from ural_access.maps.text import Lang

from tests._paint import painted_shares, samples

from ..helpers.png import distinct_colours, read_png

EVIL = "<script>alert(1)</script>"
#: A name that is a Jinja expression: branca parsed rendered text as a template again.
TEMPLATE = "Town {{ 7*7 }}{% if 1 %}!{% endif %}"


@pytest.fixture(scope="module")
def site(built: dict, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Djibouti maps, with one town and the title renamed to HTML that must stay text."""
    study, net, _ = built["djibouti"]
    study = replace(study, title=f"Djibouti <b>&</b> {EVIL}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = compute_access(study, net)
    places = results.places
    victim = places.index[places["role"] == "settlement"][0]
    places.loc[victim, "name"] = EVIL
    places.loc[places.index[places["role"] == "settlement"][1], "name"] = TEMPLATE
    out = tmp_path_factory.mktemp("maps")
    data = write_results(results, out / "results")
    write_context(network_context(net), data)
    # as the CLI lays them out: out/results and out/maps (the maps folder is replaced
    # as a whole, so it may not hold the results)
    paths = build_maps(
        results,
        out / "maps",
        self_contained=True,
        png=True,
        context=read_context(data),
        data_dir=data,
    )
    return results, out / "maps", paths


def _click_town(view: OfflinePage, name: str) -> str:
    """Click a town's circle where a person would, and return its popup's text."""
    point = view.page.evaluate(
        """([mapName, town]) => {
          const map = window[mapName];
          let found = null;
          map.eachLayer((l) => {
            if (l.feature && l.feature.properties && l.feature.properties.name === town && l.getLatLng) found = l;
          });
          if (!found) return null;
          map.setView(found.getLatLng(), 12, {animate: false});
          const p = map.latLngToContainerPoint(found.getLatLng());
          const box = map.getContainer().getBoundingClientRect();
          return [box.left + p.x, box.top + p.y];
        }""",
        [view.map_name, name],
    )
    assert point is not None, f"no town {name!r} on the map"
    view.wait_for_map()
    view.page.mouse.click(point[0], point[1])
    popup = view.page.locator(".leaflet-popup-pane .leaflet-popup-content").last
    popup.wait_for(state="visible", timeout=10_000)
    return popup.inner_text()


def test_overview_works_offline_with_every_layer_and_control(site) -> None:  # type: ignore[no-untyped-def]
    results, out, _ = site
    dialogs: list[str] = []
    with open_offline(out / "overview.html", width=1400, height=1000) as view:
        view.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        assert view.console_errors == [] and view.page_errors == []
        layers = view.layer_control()
        assert layers["base"] == ["OpenStreetMap base map"]
        assert layers["overlays"] == [
            "Roads, water and borders (OSM)",
            "Drive-time bands from Djibouti",
            "Agglomeration zones (25 km)",
            "The big cities' shadow (drive time to the nearest)",  # hidden until ticked
            "Fastest routes from Djibouti",
            "Access legs (modelled)",
            "Towns",
            "Place names",
        ]
        # A stepped legend: one swatch per band, edges in minutes, for the shown city.
        legend = view.page.locator(".ua-legend")
        assert legend.is_visible()
        text = legend.inner_text()
        assert "Drive time from Djibouti, min" in text
        bands = list(results.study.routing.bands_min)
        # one swatch per band and one beyond the last (an agglomeration farther than all)
        assert view.page.locator(".ua-steps span").count() == len(bands) + 1
        assert f"{bands[-1]:g}" in text and "30" in text
        # The key explains every symbol, each city's routes included.
        for item in (
            "first-tier city",
            "central town of an agglomeration",
            "agglomeration zone (25 km)",
            "fastest route from Djibouti",
            "roads of the network",
        ):
            assert item in text, item
        assert view.page.locator(".ua-key svg").count() >= 6
        # Switching the bands off says so in the legend's title (the list opens on hover).
        view.page.locator(".leaflet-control-layers").hover()
        view.page.get_by_text("Drive-time bands from Djibouti").click()
        assert "No drive-time bands shown" in legend.inner_text()
        view.page.get_by_text("Drive-time bands from Djibouti").click()
        assert "Drive time from Djibouti, min" in legend.inner_text()
        for selector in (
            ".leaflet-control-zoom-fullscreen",
            ".leaflet-control-search",
            ".leaflet-control-scale",
            ".ua-info",
        ):
            assert view.page.locator(selector).first.is_visible(), selector
        # The scale bar is in kilometres only; no measuring tool (no acres, no miles).
        assert view.page.locator(".leaflet-control-scale-line").count() == 1
        assert view.page.locator(".leaflet-control-measure-toggle").count() == 0
        # No minimap: it panned the map it was meant to show (and drew nothing offline).
        assert view.page.locator(".leaflet-control-minimap").count() == 0
        # Requests that left the machine were base tiles only.
        assert all("tile.openstreetmap.org" in u for u in view.blocked_requests)
        # Search (collapsed to a button) finds a town by name.
        view.page.locator(".leaflet-control-search .search-button").click()
        view.page.locator(".leaflet-control-search input").press_sequentially("Dikh", delay=30)
        assert "Dikhil" in view.page.locator(".search-tip").first.inner_text()
        text = _click_town(view, "Ali Sabieh")
        row = results.wide_places().set_index("name").loc["Ali Sabieh"]
        assert "Ali Sabieh" in text and "50,006" in text
        assert format_minutes(row["time_min_from_djibouti"]) in text
        assert format_km(row["dist_km_from_djibouti"]) in text
        assert "central town" in text
        # The city's own popup does not give "0 min" from itself.
        text = _click_town(view, "Djibouti")
        assert "this city" in text and "0 min" not in text
    assert dialogs == []


def test_text_from_data_is_escaped(site) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = site
    html = (out / "overview.html").read_text(encoding="utf-8")
    assert EVIL not in html.replace("\\u003c", "<").replace("\\/", "/") or "&lt;script&gt;" in html
    assert "<b>&</b>" not in html
    assert "Town 49" not in html and TEMPLATE in html  # text stays text, not a template
    dialogs: list[str] = []
    with open_offline(out / "overview.html") as view:
        view.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        title = view.page.locator(".ua-info h3").inner_text()
        assert title == f"Djibouti <b>&</b> {EVIL}"
        text = _click_town(view, EVIL)
        assert EVIL in text
        assert view.page_errors == []
    assert dialogs == []
    index = (out / "index.html").read_text(encoding="utf-8")
    assert EVIL not in index and "&lt;script&gt;alert(1)&lt;/script&gt;" in index


def test_agglomeration_map_is_zoomed_to_its_zone(site) -> None:  # type: ignore[no-untyped-def]
    results, out, _ = site
    with offline_browser() as browser:  # one Chromium, a fresh page for each map
        with browser.open(out / "overview.html") as view:
            overview_zoom = view.page.evaluate(f"() => {view.map_name}.getZoom()")
        with browser.open(out / "agglomeration-obock.html") as view:
            zoom = view.page.evaluate(f"() => {view.map_name}.getZoom()")
            assert zoom >= overview_zoom + 1
            assert view.console_errors == [] and view.page_errors == []
            bounds = view.page.evaluate(f"() => {view.map_name}.getBounds().toBBoxString()")
            west, south, east, north = (float(v) for v in bounds.split(","))
            center = results.study.agglomerations[3].center
            assert center.name == "Obock"
            assert west < center.lon < east and south < center.lat < north
            zone = results.zones.set_index("agglomeration").loc["Obock", "geometry"]
            zw, zs, ze, zn = zone.bounds
            assert west <= zw and east >= ze and south <= zs and north >= zn
            overlays = view.layer_control()["overlays"]
            assert "Fastest routes from Djibouti" in overlays and "Towns" in overlays
            text = _click_town(view, "Obock")
            assert (
                format_minutes(
                    results.wide_places().set_index("name").loc["Obock", "time_min_from_djibouti"]
                )
                in text
            )


def test_index_links_every_map_and_shows_the_table(site) -> None:  # type: ignore[no-untyped-def]
    results, out, paths = site
    index = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"#:]+\.(?:html|png))"', index)
    assert "overview.html" in links
    for link in links:
        assert (out / link).is_file(), link
    assert (
        len([p for p in paths if p.name.startswith("agglomeration-") and p.suffix == ".html"]) == 5
    )
    for row in results.wide_summary().itertuples():
        assert format_minutes(row.time_to_center_min_from_djibouti) in index
    assert "2022-08-01T20:21:29Z" in index and "OpenStreetMap" in index and "GeoNames" in index
    # Data files linked, parameters as a list, no empty source columns for Djibouti.
    for name in ("agglomerations.csv", "places.csv", "access.gpkg", "provenance.json"):
        assert f'href="../results/{name}"' in index, name
    assert "<li><code>radius_km</code>: 25</li>" in index
    assert "(source)" not in index and "{" not in index.split("<body>")[1]


def test_png_pictures_have_the_right_size_and_content(site) -> None:  # type: ignore[no-untyped-def]
    results, out, paths = site
    pngs = [p for p in paths if p.suffix == ".png"]
    assert len(pngs) == 6
    pixels = read_png(out / "overview.png")
    width, height = picture_size(picture_bounds(results)["overview.html"])
    assert pixels.shape[:2] == (height * PNG_SCALE, width * PNG_SCALE)  # 2x pixel density
    assert distinct_colours(pixels) > 50
    # The first city's routes (near-black) and the bands' yellow-green start appear.
    rgb = pixels[..., :3].astype(int)
    black = rgb.max(axis=2) < 40
    assert black.sum() > 800
    light = (rgb[..., 1] > 200) & (rgb[..., 2] < 200) & (rgb[..., 0] > 170)
    assert light.sum() > 800


def test_map_files_stay_small(site) -> None:  # type: ignore[no-untyped-def]
    _, _, paths = site
    for p in paths:
        if p.suffix == ".html" and p.name != "index.html":
            assert p.stat().st_size < 5_000_000, p


def test_band_geometry_is_held_to_a_vertex_budget(site) -> None:  # type: ignore[no-untyped-def]
    """A fine-meshed network's bands are simplified further until they fit the budget."""
    import shapely
    from ural_access.maps._layers import compact

    results, _, _ = site
    geoms = results.isochrones.geometry.to_numpy()
    fine = compact(geoms, 0.001)
    n_fine = int(shapely.get_num_coordinates(fine).sum())
    budget = n_fine // 4
    coarse = compact(geoms, 0.001, max_vertices=budget)
    assert int(shapely.get_num_coordinates(coarse).sum()) <= budget
    # Coarser, but the same shapes: areas within 15 %, all still valid.
    assert shapely.is_valid(coarse).all()
    ratio = shapely.area(coarse).sum() / shapely.area(fine).sum()
    assert 0.85 < ratio < 1.15


def test_png_of_maps_that_link_their_scripts(built: dict, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`--png` without `--self-contained`: the pictures are drawn, the HTML keeps its links."""
    study, net, _ = built["andorra"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = compute_access(study, net)
    paths = build_maps(results, tmp_path, self_contained=False, png=True)
    overview = (tmp_path / "overview.html").read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net/npm/leaflet" in overview
    pngs = [p for p in paths if p.suffix == ".png"]
    assert len(pngs) == 1 + len(results.zones)
    pixels = read_png(tmp_path / "overview.png")
    width, height = picture_size(picture_bounds(results)["overview.html"])
    assert pixels.shape[:2] == (height * PNG_SCALE, width * PNG_SCALE)
    assert distinct_colours(pixels) > 50
    listed = sorted([MANIFEST, *(p.name for p in paths)])  # the folder lists its files
    assert sorted(p.name for p in tmp_path.iterdir()) == listed


#: Share of the map's width and height that ``[south, west, north, east]`` spans in view.
_FILL_JS = """([name, b]) => {
  const map = window[name], size = map.getSize();
  const sw = map.latLngToContainerPoint([b[0], b[1]]), ne = map.latLngToContainerPoint([b[2], b[3]]);
  return [(ne.x - sw.x) / size.x, (sw.y - ne.y) / size.y];
}"""


def test_every_map_paints_what_its_layers_hold(site) -> None:  # type: ignore[no-untyped-def]
    """Points on each zone circle and route, live in Chromium and in each PNG, are painted.

    Leaflet's SVG renderer once left everything below a line unpainted on the zone maps
    (clicks still hit it): about a third of the circle's points were bare background.
    The PNG is the page's print layout at the picture's size, at 2x.
    """
    results, out, paths = site
    pages = [p for p in paths if p.suffix == ".html" and p.name != "index.html"]
    views = picture_bounds(results)
    with offline_browser(width=1400, height=1000) as browser:
        for page in pages:
            with browser.open(page) as view:
                live = samples(view.page, view.map_name)
                view.screenshot(out / "live.png")
                shares = painted_shares(read_png(out / "live.png"), live)
                assert len(live["zones"]) > 50, page.name
                # (a zone's filled circle veils the dashes of the zones it overlaps)
                assert shares["zones"] > 0.8, (page.name, "live", shares)
                assert shares["routes"] > 0.9, (page.name, "live", shares)
                assert len(live["context"]) > 20 and shares["context"] > 0.9, (page.name, shares)
                west, south, east, north = views[page.name]
                # The first view fills the space between the controls: the bounds it opens
                # on span at least 84 % of that width or height.
                fill = view.page.evaluate(_FILL_JS, [view.map_name, [south, west, north, east]])
                assert max(fill) > 0.84 * 0.6, (page.name, fill)
                width, height = picture_size(views[page.name])
                view.page.set_viewport_size({"width": width, "height": height})
                view.wait_for_map(((south, west), (north, east)), print_layout=True)
                fitted = samples(view.page, view.map_name)
                scaled = {
                    k: [[round(x * PNG_SCALE), round(y * PNG_SCALE)] for x, y in v]
                    for k, v in fitted.items()
                }
                shares = painted_shares(read_png(page.with_suffix(".png")), scaled)
                assert len(fitted["zones"]) > 50, page.name
                assert shares["zones"] > 0.8, (page.name, "png", shares)
                assert shares["routes"] > 0.9, (page.name, "png", shares)
                assert shares["context"] > 0.9, (page.name, "png", shares)


def test_russian_maps_speak_russian(site) -> None:  # type: ignore[no-untyped-def]
    """--lang ru: layers, legend, key, popups, tooltips and numbers in Russian."""
    results, out, _ = site
    ru = Lang("ru")
    ru_dir = out.parent / "ru"
    build_maps(
        results,
        ru_dir,
        self_contained=True,
        lang="ru",
        context=read_context(out.parent / "results"),
    )
    with open_offline(ru_dir / "overview.html", width=1400, height=1000) as view:
        assert view.console_errors == [] and view.page_errors == []
        layers = view.layer_control()
        assert layers["base"] == ["Подложка OpenStreetMap"]
        assert "Зоны агломераций (25 км)" in layers["overlays"]
        assert "Быстрейшие маршруты из г. Djibouti" in layers["overlays"]
        legend = view.page.locator(".ua-legend").inner_text()
        assert "Время в пути из г. Djibouti, мин" in legend
        assert "город первого уровня" in legend and "зона агломерации (25 км)" in legend
        placeholder = view.page.locator(".leaflet-control-search input").get_attribute(
            "placeholder"
        )
        assert placeholder == "Найти город"
        shown = map_language(results, "ru").place("Ali Sabieh")
        text = _click_town(view, shown)
        row = results.wide_places().set_index("name").loc["Ali Sabieh"]
        assert ru.minutes(row["time_min_from_djibouti"]) in text
        assert re.search(r"\d ч( \d\d мин)?|\d+ мин", text)
        assert ru.km(row["dist_km_from_djibouti"]) in text and " км" in text
        assert "Население" in text and "центр агломерации" in text
        assert "50\u00a0006" in text  # thousands grouped by a space
    index = (ru_dir / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ru">' in index and "Агломерации" in index and "Обзорная карта" in index


def test_russian_words_and_numbers() -> None:
    ru, en = Lang("ru"), Lang("en")
    assert (
        ru.minutes(135.4) == "2 ч 15 мин"
        and ru.minutes(42) == "42 мин"
        and ru.minutes(120) == "2 ч"
    )
    assert ru.km(232.4) == "232 км" and ru.km(3.46) == "3,5 км" and ru.km(1234) == "1\u00a0234 км"
    assert ru.people(1495066) == "1\u00a0495\u00a0066"
    assert [ru.towns(n) for n in (1, 2, 5, 11, 21, 22)] == [
        "1 город", "2 города", "5 городов", "11 городов", "21 город", "22 города",
    ]  # fmt: skip
    assert [en.towns(n) for n in (1, 2)] == ["1 town", "2 towns"]
    assert en.minutes(float("nan")) == "no route" and ru.minutes(float("nan")) == "нет маршрута"
    assert Lang("ru", names={"Serov": "Серов"}).place("Serov") == "Серов"
    assert Lang("en", names={"Serov": "Серов"}).place("Serov") == "Serov"


def test_russian_names_come_from_geonames_when_they_match() -> None:
    from ural_access.maps._names import geonames_russian

    # Ekaterinburg: GeoNames also lists Свердловск, the old name; the match picks the current.
    assert geonames_russian(1486209, "Ekaterinburg", "Yekaterinburg") == "Екатеринбург"
    assert geonames_russian(1486209, "Nowhere") is None
