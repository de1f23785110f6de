"""Headless Chromium for maps: PNG renders and an offline page for tests.

Chromium is Debian's (``apt-get install -y chromium``, ``/usr/bin/chromium``), driven by
the PyPI ``playwright`` package through its bundled driver; ``playwright install`` is never
needed. Each session starts Chromium with a fresh temporary profile and the flags in
:data:`CHROMIUM_ARGS`, which keep it from phoning home on a machine without network.

:func:`render_png`
    Open a folium HTML file, optionally fit the map to bounds, wait until the map has
    finished drawing (tiles loaded or failed, vector layers drawn, fonts ready), and
    write a screenshot atomically.
:func:`open_offline`
    A context manager yielding an :class:`OfflinePage`: the same page with every request
    that is not ``file:`` or ``data:`` aborted, and console errors, page errors and
    blocked requests collected, for tests to assert on.

Starting Chromium and the page steps both share (open, wait for the map, capture) are in
:mod:`maps._chromium`.

Examples
--------
>>> from ural_access.maps.browser import open_offline, render_png
>>> bounds = ((54.5, 59.0), (57.5, 62.5))
>>> render_png("output/map.html", "output/map.png", bounds=bounds)  # doctest: +SKIP
>>> with open_offline("output/map.html") as view:  # doctest: +SKIP
...     assert not view.console_errors and not view.page_errors
...     print(view.layer_control())
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import _chromium
from ._chromium import CHROMIUM_ARGS as CHROMIUM_ARGS
from ._chromium import Bounds as Bounds
from ._chromium import check_png_export as check_png_export
from ._chromium import chromium as chromium
from .errors import BrowserError

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Route

__all__ = [
    "CHROMIUM_ARGS",
    "TILE_HOST",
    "Bounds",
    "OfflineBrowser",
    "OfflinePage",
    "check_png_export",
    "chromium",
    "offline_browser",
    "open_offline",
    "render_png",
    "render_pngs",
    "tiles_reachable",
]

#: Reads the names in the layer control (see :meth:`OfflinePage.layer_control`).
_LAYER_CONTROL_JS = """
() => {
  const names = (sel) => [...document.querySelectorAll(sel)].map(
      (el) => el.textContent.trim());
  return {
    base: names('.leaflet-control-layers-base label'),
    overlays: names('.leaflet-control-layers-overlays label'),
  };
}
"""


@dataclass
class OfflinePage:
    """A folium page open in headless Chromium, for tests.

    Attributes
    ----------
    page
        The Playwright page; use its locators to click, read text, evaluate JS.
    map_name
        The JS variable of the folium map (``map_<id>``).
    console_errors
        Text of console messages of type ``error``, except the "Failed to load resource"
        ones caused by requests this harness blocked itself (see ``blocked_requests``).
    page_errors
        Uncaught JS exceptions.
    blocked_requests
        URLs of the requests aborted because they left the machine (tiles, in a
        self-contained page; scripts and styles too in one that is not).
    """

    page: Page
    map_name: str = ""
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    timeout_s: float = 60.0

    def wait_for_map(self, bounds: Bounds | None = None, print_layout: bool = False) -> str:
        """Fit ``bounds`` if given (in the print layout of the PNG pictures if asked), wait
        until the map has finished drawing; return its name."""
        self.map_name = _chromium.wait_for_map(
            self.page, self.map_name or None, bounds, self.timeout_s, print_layout
        )
        return self.map_name

    def layer_control(self) -> dict[str, list[str]]:
        """Names in the layer control: ``{"base": [...], "overlays": [...]}``."""
        result: dict[str, list[str]] = self.page.evaluate(_LAYER_CONTROL_JS)
        return result

    def click_marker(self, index: int = 0) -> str:
        """Click the ``index``-th marker icon and return its popup's text.

        Raises
        ------
        BrowserError
            If there is no such marker, or no popup opens.
        """
        # awesome-markers' icons lack the class leaflet-marker-icon; all have this one
        icons = self.page.locator(".leaflet-marker-pane > .leaflet-interactive")
        if icons.count() <= index:
            raise BrowserError(f"the map has {icons.count()} marker(s), no marker #{index}")
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        icons.nth(index).click()
        popup = self.page.locator(".leaflet-popup-pane .leaflet-popup-content").last
        try:
            popup.wait_for(state="visible", timeout=self.timeout_s * 1000)
        except PlaywrightTimeout as exc:
            raise BrowserError(f"clicking marker #{index} opened no popup") from exc
        return popup.inner_text().strip()

    def screenshot(self, png_path: str | Path) -> Path:
        """Write the viewport to ``png_path`` as PNG, atomically."""
        return _chromium.screenshot(self.page, Path(png_path))


def render_png(
    html_path: str | Path,
    png_path: str | Path,
    width: int = 1200,
    height: int = 800,
    bounds: Bounds | None = None,
    timeout_s: float = 60.0,
    *,
    map_name: str | None = None,
) -> Path:
    """Render a folium HTML file to a PNG of ``width`` × ``height`` pixels.

    Parameters
    ----------
    html_path
        The map's HTML file (self-contained or not: the network is not blocked here, so
        base-map tiles load if the machine can reach their server).
    png_path
        Where to write the PNG; written to a temporary file beside it, then renamed.
    width, height
        Size of the viewport and so of the PNG.
    bounds
        ``((south, west), (north, east))`` to fit the map to; ``None`` keeps the map's own
        view.
    timeout_s
        Upper limit for loading the page and for the map to finish drawing.
    map_name
        The map's JS variable (``folium.Map.get_name()``); found in the page if ``None``
        and the page has exactly one folium map.

    Returns
    -------
    Path
        ``png_path``.

    Raises
    ------
    BrowserTimeoutError
        If the page or its tiles are not done within ``timeout_s``.
    BrowserError
        If Chromium is missing or fails, the page has no Leaflet map, or a script in the
        page threw an uncaught exception (the picture would be wrong).
    """
    return render_pngs(
        [(html_path, png_path, bounds)], width, height, timeout_s, map_name=map_name
    )[0]


def _record(errors: list[str], exc: object) -> None:
    errors.append(str(exc))


#: The base-map tile server whose reachability decides whether PNGs wait for tiles.
TILE_HOST = ("tile.openstreetmap.org", 443)


@functools.lru_cache(maxsize=1)
def tiles_reachable(timeout_s: float = 2.0) -> bool:
    """Whether the tile server answers a TCP connection (checked once per process)."""
    import socket

    try:
        with socket.create_connection(TILE_HOST, timeout=timeout_s):
            return True
    except OSError:
        return False


def _abort_remote(route: Route) -> None:
    if route.request.url.startswith(("file:", "data:", "blob:", "about:")):
        route.continue_()
    else:
        route.abort("internetdisconnected")


def render_pngs(
    jobs: Sequence[tuple[str | Path, str | Path, Bounds | None]],
    width: int = 1200,
    height: int = 800,
    timeout_s: float = 60.0,
    *,
    map_name: str | None = None,
    offline: bool | None = None,
    print_layout: bool = False,
    scale: float = 1.0,
    sizes: Sequence[tuple[int, int]] | None = None,
) -> list[Path]:
    """Render several maps with one Chromium: ``(html_path, png_path, bounds)`` each.

    Starting Chromium costs more than drawing a map, so a batch shares one browser.
    Errors and waiting are as in :func:`render_png`. With ``offline`` (by default: when
    the tile server cannot be reached) requests that leave the machine fail at once, so
    a machine without network does not wait seconds for each tile to time out.
    ``print_layout`` draws the page's print layout (no interactive control: see
    :mod:`maps._fit`), ``scale`` device pixels per CSS pixel (2: a 2x picture);
    ``sizes`` gives each job its own ``(width, height)`` instead of the shared one.
    """
    if offline is None:
        offline = not tiles_reachable()
    out: list[Path] = []
    with chromium(width=width, height=height, timeout_s=timeout_s, scale=scale) as context:
        if offline:
            context.route("**/*", _abort_remote)
        for i, (html_path, png_path, bounds) in enumerate(jobs):
            url = _chromium.file_url(html_path)
            page = context.new_page()
            if sizes is not None:
                page.set_viewport_size({"width": sizes[i][0], "height": sizes[i][1]})
            errors: list[str] = []
            page.on("pageerror", functools.partial(_record, errors))
            _chromium.open_page(page, url, timeout_s)
            _chromium.wait_for_map(page, map_name, bounds, timeout_s, print_layout)
            if errors:
                raise BrowserError(f"the page {url} threw: " + " | ".join(errors))
            out.append(_chromium.screenshot(page, Path(png_path)))
            page.close()
    return out


def _offline_page(
    context: BrowserContext,
    html_path: str | Path,
    map_name: str | None,
    timeout_s: float,
    size: tuple[int, int] | None = None,
) -> OfflinePage:
    """Open ``html_path`` in a new page of ``context``, every non-local request aborted;
    the page is ``size`` (width, height) CSS pixels before it loads, if given."""
    url = _chromium.file_url(html_path)
    view = OfflinePage(page=context.new_page(), map_name=map_name or "", timeout_s=timeout_s)
    if size is not None:
        view.page.set_viewport_size({"width": size[0], "height": size[1]})
    blocked: set[str] = set()

    def _route(route: Route) -> None:
        request_url = route.request.url
        if request_url.startswith(("file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            blocked.add(request_url)
            view.blocked_requests.append(request_url)
            route.abort("internetdisconnected")

    def _console(msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        source = (msg.location or {}).get("url", "")
        if source in blocked and msg.text.startswith("Failed to load resource"):
            return
        view.console_errors.append(msg.text)

    view.page.route("**/*", _route)
    view.page.on("console", _console)
    view.page.on("pageerror", lambda exc: view.page_errors.append(str(exc)))
    _chromium.open_page(view.page, url, timeout_s)
    return view


class OfflineBrowser:
    """One headless Chromium that opens several maps offline (see :func:`offline_browser`)."""

    def __init__(self, context: BrowserContext, timeout_s: float) -> None:
        self.context = context
        self.timeout_s = timeout_s

    @contextmanager
    def open(
        self,
        html_path: str | Path,
        *,
        map_name: str | None = None,
        wait: bool = True,
        size: tuple[int, int] | None = None,
    ) -> Iterator[OfflinePage]:
        """Open one map in a new page (closed on exit), as :func:`open_offline` does; the
        page loads at ``size`` (width, height) if given, else at the browser's size."""
        view = _offline_page(self.context, html_path, map_name, self.timeout_s, size)
        try:
            if wait:
                view.wait_for_map()
            yield view
        finally:
            view.page.close()


@contextmanager
def offline_browser(
    *, width: int = 1200, height: int = 800, timeout_s: float = 60.0
) -> Iterator[OfflineBrowser]:
    """Start Chromium once for several offline pages: starting it costs more than a map."""
    with chromium(width=width, height=height, timeout_s=timeout_s) as context:
        yield OfflineBrowser(context, timeout_s)


@contextmanager
def open_offline(
    html_path: str | Path,
    *,
    width: int = 1200,
    height: int = 800,
    map_name: str | None = None,
    timeout_s: float = 60.0,
    wait: bool = True,
) -> Iterator[OfflinePage]:
    """Open a folium HTML file with the network cut: only ``file:`` and ``data:`` load.

    Parameters
    ----------
    html_path
        The map's HTML file.
    width, height
        Viewport size.
    map_name
        The map's JS variable; found in the page if ``None``.
    timeout_s
        Upper limit for loading and for each wait.
    wait
        Wait for the map to finish drawing before yielding (needs Leaflet to have
        loaded; pass ``False`` to inspect a page that may be broken).

    Yields
    ------
    OfflinePage
        The page and what it logged; every error is also left for the caller to judge.
    """
    _chromium.file_url(html_path)
    with chromium(width=width, height=height, timeout_s=timeout_s) as context:
        view = _offline_page(context, html_path, map_name, timeout_s)
        if wait:
            view.wait_for_map()
        yield view
