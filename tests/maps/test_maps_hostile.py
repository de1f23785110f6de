"""Hostile town names typed into the maps' search box stay text (headless Chromium)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from ural_access.geo.pipeline.compute import compute_access
from ural_access.maps import build_maps
from ural_access.maps.browser import OfflineBrowser, offline_browser

# Each one runs script if a tip is built with innerHTML from the raw name.
HOSTILE = [
    '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">',
    '<svg onload="window.__pwned=1"></svg>Zed',
    "Zq<iframe srcdoc='<script>parent.__pwned=1</script>'></iframe>",
    "Zx\"'><b>bold</b>&amp;",
]


@pytest.fixture(scope="module")
def hostile_maps(built: dict, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    study, net, _ = built["djibouti"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = compute_access(study, net, with_isochrones=False)
    places = results.places
    victims = places.index[places["role"] == "settlement"][: len(HOSTILE)]
    assert len(victims) == len(HOSTILE)
    for row, name in zip(victims, HOSTILE, strict=True):
        places.loc[row, "name"] = name
    out = tmp_path_factory.mktemp("hostile")
    build_maps(results, out, self_contained=True)
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[OfflineBrowser]:
    """One Chromium for the names (starting it costs more than a page); a page each."""
    with offline_browser(width=1200, height=900) as chromium:
        yield chromium


@pytest.mark.parametrize("name", HOSTILE)
def test_search_tips_show_hostile_names_as_text(
    hostile_maps, browser: OfflineBrowser, name: str
) -> None:  # type: ignore[no-untyped-def]
    dialogs: list[str] = []
    with browser.open(hostile_maps / "overview.html") as view:
        view.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        view.page.locator(".leaflet-control-search .search-button").click()  # collapsed
        box = view.page.locator(".leaflet-control-search input")
        # Type the name's first characters (the tips list every match), then all of it.
        for typed in (name[:3], name):
            box.fill("")
            box.press_sequentially(typed, delay=5)
            tips = view.page.locator(".search-tip")
            tips.first.wait_for(state="visible", timeout=10_000)
            texts = tips.all_inner_texts()
            assert name in texts, texts
        assert (
            view.page.locator(".search-tip img, .search-tip svg, .search-tip iframe").count() == 0
        )
        assert view.page.locator(".search-tip b").count() == 0
        view.page.wait_for_timeout(200)  # an onerror would have fired by now
        assert view.page.evaluate("window.__pwned") is None
        assert view.page_errors == []
    assert dialogs == []
