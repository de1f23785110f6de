"""Self-contained folium maps (maps.assets) and the headless-Chromium harness (maps.browser).

These tests need the npm map assets (``ural-access setup-assets``) and Debian's
Chromium (``apt-get install -y chromium``); CI installs both. Without them they fail with
a message saying what to install: they do not skip.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import branca.colormap
import folium
import folium.plugins
import pytest
from ural_access.geo import settings
from ural_access.maps import _inline, assets, browser
from ural_access.maps._asset_table import ASSETS, Generated, NpmFile
from ural_access.maps.errors import BrowserError, BrowserTimeoutError, MapAssetError

from ..helpers.png import distinct_colours, png_size, read_png

EKB = (56.8389, 60.6057)
CHEL = (55.1644, 61.4368)
NT = (57.9101, 59.9813)
ZONE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Zone 60 min"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[60.0, 56.3], [61.3, 56.3], [61.3, 57.3], [60.0, 57.3], [60.0, 56.3]]
                ],
            },
        }
    ],
}
TILE_HOST = "https://tile.openstreetmap.org/"


def build_map() -> folium.Map:
    """A small map with every piece of folium our maps use."""
    m = folium.Map(location=EKB, zoom_start=7, control_scale=True, tiles="OpenStreetMap")
    cities = folium.FeatureGroup(name="Cities").add_to(m)
    folium.Marker(EKB, popup="Ekaterinburg: 0 min", tooltip="Ekaterinburg").add_to(cities)
    folium.Marker(
        CHEL, popup="Chelyabinsk: 175 min", icon=folium.Icon(color="red", icon="info-sign")
    ).add_to(cities)
    folium.Marker(
        NT,
        popup="Nizhny Tagil: 95 min",
        icon=folium.Icon(color="green", prefix="fa", icon="car", angle=45),
    ).add_to(cities)
    zones = folium.GeoJson(
        ZONE,
        name="Drive-time zones",
        style_function=lambda _f: {
            "fillColor": "#ff7800",
            "color": "#d05000",
            "weight": 3,
            "fillOpacity": 0.4,
        },
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
    ).add_to(m)
    folium.plugins.Fullscreen().add_to(m)
    folium.plugins.MiniMap().add_to(m)
    folium.plugins.MeasureControl().add_to(m)
    folium.plugins.Search(layer=zones, search_label="name", placeholder="Find a zone").add_to(m)
    legend = branca.colormap.LinearColormap(
        ["green", "yellow", "red"], vmin=0, vmax=180, caption="Drive time, min"
    )
    legend.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo map as CDN HTML and as self-contained HTML, plus its map name."""
    if not assets.is_installed():
        pytest.fail(
            f"the npm map assets are not installed in {assets.vendor_folder()}: "
            "run `ural-access setup-assets` (needs npm and the npm registry)"
        )
    if not settings.chromium_path.is_file():
        pytest.fail(
            f"Chromium is not at {settings.chromium_path}: run `apt-get install -y chromium`"
        )
    folder = tmp_path_factory.mktemp("maps")
    m = build_map()
    cdn = folder / "cdn.html"
    m.save(str(cdn))
    offline = assets.save_self_contained(cdn.read_text(encoding="utf-8"), folder / "offline.html")
    name = folder / "name.txt"
    name.write_text(m.get_name(), encoding="utf-8")
    return {"cdn": cdn, "offline": offline, "name": name}


# --------------------------------------------------------------------------- the table


def test_table_versions_match_package_json() -> None:
    pinned = assets.pinned_versions()
    lock = json.loads((assets.PACKAGE_FOLDER / "package-lock.json").read_text("utf-8"))
    assert lock["packages"][""]["dependencies"] == pinned
    for package, version in pinned.items():
        assert lock["packages"][f"node_modules/{package}"]["version"] == version
    substitutes = {"https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css"}
    for url, asset in ASSETS.items():
        if isinstance(asset, Generated):
            continue
        assert asset.package in pinned, f"{asset.package} (for {url}) not in package.json"
        found = re.search(r"(\d+\.\d+\.\d+)", url)
        assert found, url
        if url not in substitutes:
            assert found.group(1) == pinned[asset.package], url


def test_every_cdn_address_of_the_map_is_in_the_table(pages: dict[str, Path]) -> None:
    refs = _inline.external_refs(pages["cdn"].read_text(encoding="utf-8"))
    urls = {url for _, url in refs}
    assert len(urls) >= 19  # Map defaults, 4 plugins, d3
    assert urls - set(ASSETS) == set(), "folium emits addresses the table does not know"
    for url in urls:
        asset = ASSETS[url]
        if isinstance(asset, NpmFile):
            assert assets.local_file(url).is_file()


# --------------------------------------------------------------------------- inlining


def test_self_contained_page_has_no_external_script_or_style(pages: dict[str, Path]) -> None:
    cdn = pages["cdn"].read_text(encoding="utf-8")
    page = pages["offline"].read_text(encoding="utf-8")
    assert _inline.external_refs(page) == []
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.IGNORECASE)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//", page, re.IGNORECASE)
    css_targets = [
        t
        for block in re.findall(r"<style[^>]*>(.*?)</style>", page, re.DOTALL)
        for t in _inline.css_urls(block)
    ]
    assert css_targets, "the stylesheets' images and fonts should be data: URIs"
    assert all(t.startswith(("data:", "#")) for t in css_targets), {
        t[:60] for t in css_targets if not t.startswith(("data:", "#"))
    }
    # the only network addresses left as such in the page are tile templates and links
    assert f"{TILE_HOST}{{z}}/{{x}}/{{y}}.png" in page
    assert page.count("<script>") >= 10
    print(
        f"\nHTML size: CDN {len(cdn.encode()) / 1e3:.0f} kB, "
        f"self-contained {len(page.encode()) / 1e6:.2f} MB"
    )


def test_inlining_is_idempotent_and_keeps_woff2_only(pages: dict[str, Path]) -> None:
    page = pages["offline"].read_text(encoding="utf-8")
    assert assets.make_self_contained(page) == page
    assert "font/woff2" in page
    assert "font/ttf" not in page and "application/vnd.ms-fontobject" not in page
    every_format = assets.make_self_contained(
        pages["cdn"].read_text(encoding="utf-8"), woff2_only=False
    )
    assert "font/ttf" in every_format
    assert len(every_format) > len(page)


def test_unknown_address_is_named_with_the_install_hint() -> None:
    page = (
        '<html><head><script src="https://cdn.example.org/x@1.0.0/x.js"></script>'
        '<link rel="stylesheet" href="//cdn.example.org/x.css"/></head></html>'
    )
    with pytest.raises(MapAssetError) as err:
        assets.make_self_contained(page)
    message = str(err.value)
    assert "https://cdn.example.org/x@1.0.0/x.js" in message
    assert "//cdn.example.org/x.css" in message
    assert "ural-access setup-assets" in message
    assert err.value.urls == ("https://cdn.example.org/x@1.0.0/x.js", "//cdn.example.org/x.css")


def test_missing_install_names_every_address(
    pages: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "map_assets_folder", tmp_path / "nothing-here")
    assert not assets.is_installed()
    with pytest.raises(MapAssetError) as err:
        assets.make_self_contained(pages["cdn"].read_text(encoding="utf-8"))
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in str(err.value)
    assert "ural-access setup-assets" in str(err.value)
    assert len(err.value.urls) >= 18  # all but the generated rotate CSS


def test_css_helpers() -> None:
    css = (
        "@font-face{font-family:x;src:url(a.eot);src:url(a.eot?#iefix) format('embedded-opentype'),"
        "url(a.woff2) format('woff2'),url(a.ttf) format('truetype')}"
        ".i{background:url('data:image/png;base64,AA') , url(#default#VML)}"
        "@font-face{font-family:y;src:url(b.ttf) format('truetype')}"
    )
    trimmed = _inline.keep_woff2_only(css)
    assert "a.eot" not in trimmed and "a.ttf" not in trimmed and "a.woff2" in trimmed
    assert "b.ttf" in trimmed  # no WOFF2 to fall back on: kept
    seen: list[str] = []

    def resolve(target: str) -> str:
        seen.append(target)
        return "data:font/woff2;x"

    out = _inline.rewrite_css_urls(trimmed, resolve)
    assert seen == ["a.woff2", "b.ttf"]
    assert 'url("data:font/woff2;x")' in out and "url(#default#VML)" in out
    assert _inline.escape_script("a='</script>'") == "a='<\\/script>'"
    assert _inline.split_top_level("url(a,b) x, local('c, d'), y") == [
        "url(a,b) x",
        "local('c, d')",
        "y",
    ]


def test_command_line(pages: dict[str, Path], tmp_path: Path) -> None:
    assert assets.main(["status"]) == 0
    out = tmp_path / "out.html"
    assert assets.main(["inline", str(pages["cdn"]), "-o", str(out)]) == 0
    assert _inline.external_refs(out.read_text(encoding="utf-8")) == []
    bad = tmp_path / "bad.html"
    bad.write_text('<script src="https://cdn.example.org/y.js"></script>', encoding="utf-8")
    assert assets.main(["inline", str(bad)]) == MapAssetError.exit_code


# --------------------------------------------------------------------------- in Chromium


def test_offline_page_works_without_network(pages: dict[str, Path]) -> None:
    name = pages["name"].read_text(encoding="utf-8")
    with browser.open_offline(pages["offline"], width=1200, height=800) as view:
        page = view.page
        assert view.map_name == name
        assert view.page_errors == []
        assert view.console_errors == []
        # the only requests that tried to leave the machine are base-map tiles
        assert view.blocked_requests, "tiles should have been requested (and blocked)"
        assert all(u.startswith(TILE_HOST) for u in view.blocked_requests), {
            u for u in view.blocked_requests if not u.startswith(TILE_HOST)
        }
        assert page.evaluate("() => typeof L === 'object' && L.version") == "1.9.3"
        assert page.evaluate(f"() => window.{name} instanceof L.Map")
        for control in (
            ".leaflet-control-zoom-fullscreen",
            ".leaflet-control-minimap",
            ".leaflet-control-measure-toggle",
            ".leaflet-control-search",
            ".leaflet-control-layers",
            ".leaflet-control-scale",
        ):
            assert page.locator(control).count() == 1, control
            assert page.locator(control).is_visible(), control
        assert view.layer_control() == {
            "base": ["openstreetmap"],
            "overlays": ["Cities", "Drive-time zones"],
        }
        legend = page.locator(".legend.leaflet-control")
        assert legend.is_visible()
        assert "Drive time, min" in legend.inner_text()
        assert page.locator(".legend svg rect").count() > 100  # the colour ramp
        box = legend.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 20
        # CSS images and web fonts come from data: URIs and are usable
        toggle = page.evaluate(
            "() => getComputedStyle(document.querySelector("
            "'.leaflet-control-measure-toggle')).backgroundImage"
        )
        assert toggle.startswith('url("data:image/png;base64,')
        fonts = page.evaluate(
            """() => [document.fonts.check('12px "Glyphicons Halflings"'),
                      document.fonts.check('900 12px "Font Awesome 6 Free"')]"""
        )
        assert fonts == [True, True]
        rotated = page.evaluate(
            "() => getComputedStyle(document.querySelector('.fa-rotate-45')).transform"
        )
        assert rotated not in ("", "none")
        # the GeoJSON path is drawn, the default marker has its (inlined) image
        main_paths = f"#{name} > .leaflet-map-pane > .leaflet-overlay-pane path"
        assert page.locator(main_paths).count() == 1
        icon_src = page.locator("img.leaflet-marker-icon").get_attribute("src") or ""
        assert icon_src.startswith("data:image/png;base64,")


def test_markers_popups_and_search_work_offline(pages: dict[str, Path]) -> None:
    with browser.open_offline(pages["offline"]) as view:
        texts = [view.click_marker(i) for i in range(3)]
        assert texts == ["Ekaterinburg: 0 min", "Chelyabinsk: 175 min", "Nizhny Tagil: 95 min"]
        view.page.locator(".leaflet-control-search input").press_sequentially("Zone", delay=30)
        tip = view.page.locator(".search-tip").first
        tip.wait_for(state="visible", timeout=10_000)
        assert tip.inner_text() == "Zone 60 min"
        assert view.page_errors == [] and view.console_errors == []


def test_cdn_page_is_broken_offline(pages: dict[str, Path]) -> None:
    """Control: the harness does cut the network, so the CDN version cannot work."""
    with browser.open_offline(pages["cdn"], wait=False) as view:
        assert any("L is not defined" in e for e in view.page_errors)
        assert any(u.startswith("https://cdn.jsdelivr.net/") for u in view.blocked_requests)
        with pytest.raises(BrowserError, match="Leaflet"):
            view.wait_for_map()


def test_render_png(pages: dict[str, Path], tmp_path: Path) -> None:
    png = tmp_path / "out" / "map.png"
    start = time.perf_counter()
    result = browser.render_png(
        pages["offline"], png, width=900, height=600, bounds=((54.9, 59.7), (58.1, 61.9))
    )
    elapsed = time.perf_counter() - start
    assert result == png and png.is_file()
    assert [p.name for p in png.parent.iterdir()] == ["map.png"]  # no temporary left
    assert png_size(png) == (900, 600)
    pixels = read_png(png)
    assert pixels.shape[:2] == (600, 900)
    assert distinct_colours(pixels) >= 50, "the picture looks blank"
    # the zone's orange fill (#ff7800 at 0.4 over the grey background) is drawn
    rgb = pixels[..., :3].astype(int)
    orange = (rgb[..., 0] > 200) & (rgb[..., 1] > 150) & (rgb[..., 1] < 215) & (rgb[..., 2] < 190)
    assert orange.sum() > 5_000
    print(f"\nrender_png 900x600: {elapsed:.2f} s (Chromium start included)")


def test_render_times_out_on_tiles_that_never_load(tmp_path: Path) -> None:
    m = folium.Map(location=EKB, zoom_start=6, tiles=None)
    stuck = folium.MacroElement()
    stuck._template = folium.template.Template(
        """{% macro script(this, kwargs) %}
        var Stuck = L.GridLayer.extend({
            createTile: function (coords, done) { return L.DomUtil.create('div'); }
        });
        new Stuck().addTo({{ this._parent.get_name() }});
        {% endmacro %}"""
    )
    m.add_child(stuck)
    html = assets.save_self_contained(m, tmp_path / "stuck.html")
    with pytest.raises(BrowserTimeoutError, match="tiles loading"):
        browser.render_png(html, tmp_path / "stuck.png", width=300, height=200, timeout_s=3)
    assert not (tmp_path / "stuck.png").exists()


def test_missing_chromium_is_a_clear_error(
    pages: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "chromium_path", tmp_path / "no-chromium")
    with pytest.raises(BrowserError, match="apt-get install -y chromium"):
        browser.render_png(pages["offline"], tmp_path / "x.png")
