"""The map of ``rank-upgrades`` in headless Chromium at a laptop's size, offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ural_access.geo.results.files import read_table
from ural_access.maps.browser import offline_browser

from ural_access.cli import main

#: A common laptop screen.
SIZE = (1366, 768)

TILE_HOST = "https://tile.openstreetmap.org/"

#: Rectangles of the rank discs, the map and its controls, in the page.
_RECTS_JS = """
() => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom]; };
  return {
    map: box(document.querySelector('.leaflet-container')),
    discs: [...document.querySelectorAll('.ua-rk')].map((el) => [el.textContent, box(el)]),
    controls: [...document.querySelectorAll('.leaflet-control')]
      .filter((el) => el.getBoundingClientRect().width > 0).map(box),
    rows: document.querySelectorAll('.ua-rank details[open] tr[data-candidate]').length,
  };
}
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("rank")
    args = ["rank-upgrades", "--workers", "1", "-q"]
    assert main([*args, "--output", str(out / "en"), "--budget-km", "60"]) == 0
    assert main([*args, "--output", str(out / "ru"), "--closures", "--lang", "ru"]) == 0
    return {
        "en": out / "en" / "ranking.html",
        "ru": out / "ru" / "closures.html",
        "csv_en": out / "en" / "ranking.csv",
        "csv_ru": out / "ru" / "closures.csv",
    }


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_top_ten_are_in_view_clear_of_the_controls_and_open_their_popups(
    pages: dict[str, Path], lang: str, tmp_path: Path
) -> None:
    table = read_table(pages[f"csv_{lang}"])
    with offline_browser(width=SIZE[0], height=SIZE[1]) as chromium:
        with chromium.open(pages[lang], size=SIZE) as view:
            view.page.wait_for_timeout(300)  # the labels are placed after the fit
            assert view.page_errors == [] and view.console_errors == []
            # offline: nothing but base-map tiles was asked of the internet
            assert all(u.startswith(TILE_HOST) for u in view.blocked_requests), {
                u for u in view.blocked_requests if not u.startswith(TILE_HOST)
            }
            rects = view.page.evaluate(_RECTS_JS)
            assert rects["rows"] == 10
            discs = dict(rects["discs"])
            assert sorted(discs, key=int) == [str(n) for n in range(1, 11)]
            left, top, right, bottom = rects["map"]
            for rank, disc in discs.items():  # each in the map, none under a control
                assert left <= disc[0] and disc[2] <= right, rank
                assert top <= disc[1] and disc[3] <= bottom, rank
                assert not any(_overlap(disc, c) for c in rects["controls"]), rank
            view.screenshot(tmp_path / f"{lang}.png")
            view.page.locator(".ua-rk").filter(has_text=re.compile(r"^1$")).click()
            popup = view.page.locator(".leaflet-popup-content").last
            popup.wait_for(state="visible")
            text = popup.inner_text()
    first = str(table["candidate"].iloc[0])
    assert f"· {first}" in text
    if lang == "en":
        assert "Rank 1 of" in text and "Minutes saved to the centre" in text
    else:
        assert "Место 1 из" in text and "Потеря времени до центра" in text
