"""The study maps, opened in headless Chromium with the network cut off."""

from __future__ import annotations

import re
import warnings
from dataclasses import replace

import pytest
from ural_access.geo.access import compute_access
from ural_access.geo.format import format_km, format_minutes
from ural_access.maps import build_maps
from ural_access.maps.browser import OfflinePage, offline_browser, open_offline
from ural_access.maps.build import PNG_SIZE, picture_bounds

from tests._paint import painted_shares, samples

from .helpers.png import distinct_colours, read_png

EVIL = "<script>alert(1)</script>"


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
    out = tmp_path_factory.mktemp("maps")
    paths = build_maps(results, out, self_contained=True, png=True)
    return results, out, paths


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
            "Agglomeration zones (25 km)",
            "Drive-time bands from Djibouti",
            "Fastest routes from Djibouti",
            "Towns",
            "Place names",
        ]
        legend = view.page.locator(".legend.leaflet-control")
        assert legend.is_visible() and "Drive time from the city (minutes)" in legend.inner_text()
        for selector in (
            ".leaflet-control-zoom-fullscreen",
            ".leaflet-control-minimap",
            ".leaflet-control-measure-toggle",
            ".leaflet-control-search",
            ".leaflet-control-scale",
            ".ua-info",
        ):
            assert view.page.locator(selector).first.is_visible(), selector
        # Requests that left the machine were base tiles only.
        assert all("tile.openstreetmap.org" in u for u in view.blocked_requests)
        # Search finds a town by name.
        view.page.locator(".leaflet-control-search input").press_sequentially("Dikh", delay=30)
        assert "Dikhil" in view.page.locator(".search-tip").first.inner_text()
        text = _click_town(view, "Ali Sabieh")
        row = results.wide_places().set_index("name").loc["Ali Sabieh"]
        assert "Ali Sabieh" in text and "50,006" in text
        assert format_minutes(row["time_min_from_djibouti"]) in text
        assert format_km(row["dist_km_from_djibouti"]) in text
        assert "central town" in text
    assert dialogs == []


def test_text_from_data_is_escaped(site) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = site
    html = (out / "overview.html").read_text(encoding="utf-8")
    assert EVIL not in html.replace("\\u003c", "<").replace("\\/", "/") or "&lt;script&gt;" in html
    assert "<b>&</b>" not in html
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
    with open_offline(out / "overview.html") as view:
        overview_zoom = view.page.evaluate(f"() => {view.map_name}.getZoom()")
    with open_offline(out / "agglomeration-obock.html") as view:
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


def test_png_pictures_have_the_right_size_and_content(site) -> None:  # type: ignore[no-untyped-def]
    _, out, paths = site
    pngs = [p for p in paths if p.suffix == ".png"]
    assert len(pngs) == 6
    pixels = read_png(out / "overview.png")
    assert pixels.shape[:2] == (PNG_SIZE[1], PNG_SIZE[0])
    assert distinct_colours(pixels) > 50
    # The route colours of the legend's scale appear (a green start near the city).
    assert ((pixels[..., 1] > 120) & (pixels[..., 0] < 120) & (pixels[..., 2] < 120)).sum() > 200


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
    assert pixels.shape[:2] == (PNG_SIZE[1], PNG_SIZE[0])
    assert distinct_colours(pixels) > 50
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_every_map_paints_what_its_layers_hold(site) -> None:  # type: ignore[no-untyped-def]
    """Points on each zone circle and route, live in Chromium and in each PNG, are painted.

    Leaflet's SVG renderer once left everything below a line unpainted on the zone maps
    (clicks still hit it): about a third of the circle's points were bare background.
    """
    results, out, paths = site
    pages = [p for p in paths if p.suffix == ".html" and p.name != "index.html"]
    views = picture_bounds(results)
    width, height = PNG_SIZE
    with offline_browser(width=width, height=height) as browser:
        for page in pages:
            with browser.open(page) as view:
                live = samples(view.page, view.map_name)
                view.screenshot(out / "live.png")
                shares = painted_shares(read_png(out / "live.png"), live)
                assert len(live["zones"]) > 50, page.name
                assert shares["zones"] > 0.95, (page.name, "live", shares)
                assert shares["routes"] > 0.9, (page.name, "live", shares)
                west, south, east, north = views[page.name]
                view.wait_for_map(((south, west), (north, east)))
                fitted = samples(view.page, view.map_name)
                shares = painted_shares(read_png(page.with_suffix(".png")), fitted)
                assert len(fitted["zones"]) > 50, page.name
                assert shares["zones"] > 0.95, (page.name, "png", shares)
                assert shares["routes"] > 0.9, (page.name, "png", shares)
