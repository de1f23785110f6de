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
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..geo import settings
from ..geo.atomic import atomic_file
from .errors import BrowserError, BrowserTimeoutError

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Route

#: ``((south, west), (north, east))`` in degrees, as ``folium.Map.fit_bounds`` takes.
Bounds = tuple[tuple[float, float], tuple[float, float]]

#: Flags that let Chromium run as root, without GPU, and without background traffic
#: (which a machine without network refuses, connection after connection).
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

_INSTALL_HINT = (
    "install it with `apt-get install -y chromium` (Debian), or set URAL_ACCESS_CHROMIUM"
)
_TIMEOUT_MARK = "ural-access timeout: "

#: CSS added before waiting: no transition or animation may still be running at capture.
_NO_ANIMATION_CSS = (
    "*, *::before, *::after { transition: none !important; animation: none !important; }"
)

#: Finds the folium map (``map_<hex>`` or the given name), fits bounds, and resolves when
#: drawing has settled; rejects with a message starting with ``_TIMEOUT_MARK`` on timeout.
_WAIT_FOR_MAP_JS = """
async ({name, bounds, timeoutMs, mark}) => {
  const deadline = Date.now() + timeoutMs;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const until = (promise, what) => Promise.race([promise, new Promise((_, reject) =>
      setTimeout(() => reject(new Error(mark + what)), Math.max(0, deadline - Date.now())))]);
  if (typeof L === 'undefined') {
    throw new Error('Leaflet (L) is not defined: its script did not load or failed');
  }
  if (!name) {
    const names = Object.keys(window).filter(
        (k) => /^map_[0-9a-f]+$/.test(k) && window[k] instanceof L.Map);
    if (names.length !== 1) {
      throw new Error(`expected one folium map (map_<id>), found ${names.length}` +
                      ` [${names.join(', ')}]: pass map_name`);
    }
    name = names[0];
  }
  const map = window[name];
  if (!(map instanceof L.Map)) throw new Error(`window.${name} is not a Leaflet map`);
  await until(new Promise((r) => map.whenReady(() => r())), 'the map never became ready');
  const busy = () => {
    if (map._animatingZoom || (map._panAnim && map._panAnim._inProgress)) return 'moving';
    let loading = false;
    map.eachLayer((l) => { if (l instanceof L.GridLayer && l.isLoading()) loading = true; });
    if (loading) return 'tiles loading';
    if ([...document.images].some((i) => !i.complete)) return 'images loading';
    // Only the tiles of the current view count: Leaflet keeps tiles of the previous zoom
    // level (opacity 0) until it prunes them, and the minimap is another map.
    let fading = false;
    map.eachLayer((l) => {
      if (!(l instanceof L.GridLayer) || !l._tiles) return;
      for (const key in l._tiles) {
        const t = l._tiles[key];
        if (t.current && (!t.loaded || (t.el.style.opacity !== '' && parseFloat(t.el.style.opacity) < 1))) fading = true;
      }
    });
    if (fading) return 'tiles fading in';
    return '';
  };
  const settle = async () => {
    let quiet = 0;
    while (quiet < 2) {
      await frames();
      const why = busy();
      quiet = why ? 0 : quiet + 1;
      if (why && Date.now() > deadline) throw new Error(mark + why);
      if (why) await sleep(25);
    }
  };
  // Fit only once the page has settled: fitted while it still lays out, a map can take a
  // zoom its settled size would not (the Urals overview came out a zoom step too close).
  await settle();
  if (bounds) {
    map.invalidateSize({animate: false});
    map.fitBounds(bounds, {animate: false});
    await settle();
  }
  await until(document.fonts.ready, 'web fonts still loading');
  await frames();
  return name;
}
"""

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

    def wait_for_map(self, bounds: Bounds | None = None) -> str:
        """Fit ``bounds`` if given, wait until the map has finished drawing; return its name."""
        self.map_name = _wait_for_map(self.page, self.map_name or None, bounds, self.timeout_s)
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
        return _screenshot(self.page, Path(png_path))


def _import_playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserError(
            "PNG export needs the Python package playwright, which is not installed: "
            "pip install 'ural-access[png]' (its driver is in the wheel; do not run "
            "`playwright install`: the Chromium used is the system's)"
        ) from exc
    return sync_playwright


def check_png_export() -> None:
    """Raise :class:`BrowserError` now if PNG export cannot work (before any map is drawn).

    Raises
    ------
    BrowserError
        If the ``png`` extra (playwright) is not installed or Chromium is not at
        ``settings.chromium_path``. The command line exits with its code, 8.
    """
    _import_playwright()
    exe = Path(settings.chromium_path)
    if not exe.is_file() or not os.access(exe, os.X_OK):
        raise BrowserError(f"Chromium not found at {exe}: {_INSTALL_HINT}")


@contextmanager
def chromium(
    *, width: int = 1200, height: int = 800, timeout_s: float = 60.0
) -> Iterator[BrowserContext]:
    """Start headless Chromium with a fresh temporary profile.

    Parameters
    ----------
    width, height
        Viewport size in CSS pixels (device scale factor 1, so also in PNG pixels).
    timeout_s
        Default timeout of every Playwright action and navigation.

    Yields
    ------
    playwright.sync_api.BrowserContext
        The browser's only context; closed, and the profile deleted, on exit.

    Raises
    ------
    BrowserError
        If Playwright or the Chromium binary is missing, or Chromium does not start.
    """
    check_png_export()
    sync_playwright = _import_playwright()
    exe = Path(settings.chromium_path)
    from playwright.sync_api import Error as PlaywrightError

    with (
        tempfile.TemporaryDirectory(
            prefix="ural-access-chromium-", ignore_cleanup_errors=True
        ) as profile,
        sync_playwright() as pw,
    ):
        try:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=str(exe),
                headless=True,
                args=list(CHROMIUM_ARGS),
                viewport={"width": width, "height": height},
                device_scale_factor=1,
                # Starting may take long on a busy machine: not the page's time limit.
                timeout=max(timeout_s, 60.0) * 1000,
            )
        except PlaywrightError as exc:
            raise BrowserError(f"Chromium ({exe}) did not start: {exc.message}") from exc
        try:
            context.set_default_timeout(timeout_s * 1000)
            context.set_default_navigation_timeout(timeout_s * 1000)
            yield context
        finally:
            context.close()


def _file_url(html_path: str | Path) -> str:
    path = Path(html_path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no HTML file at {path}")
    return path.as_uri()


def _open(page: Page, url: str, timeout_s: float) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.goto(url, wait_until="load", timeout=timeout_s * 1000)
    except PlaywrightTimeout as exc:
        raise BrowserTimeoutError(f"{url} did not load within {timeout_s:g} s") from exc
    page.add_style_tag(content=_NO_ANIMATION_CSS)


def _wait_for_map(page: Page, map_name: str | None, bounds: Bounds | None, timeout_s: float) -> str:
    from playwright.sync_api import Error as PlaywrightError

    arg = {
        "name": map_name,
        "bounds": [list(bounds[0]), list(bounds[1])] if bounds is not None else None,
        "timeoutMs": timeout_s * 1000,
        "mark": _TIMEOUT_MARK,
    }
    try:
        name: str = page.evaluate(_WAIT_FOR_MAP_JS, arg)
    except PlaywrightError as exc:
        message = exc.message
        if _TIMEOUT_MARK in message:
            why = message.split(_TIMEOUT_MARK, 1)[1].splitlines()[0]
            raise BrowserTimeoutError(
                f"the map did not finish drawing within {timeout_s:g} s ({why})"
            ) from exc
        first = message.splitlines()[0] if message else repr(exc)
        raise BrowserError(f"cannot wait for the map in {page.url}: {first}") from exc
    return name


def _screenshot(page: Page, png_path: Path) -> Path:
    with atomic_file(png_path) as tmp:
        page.screenshot(path=tmp, type="png", animations="disabled")
    return png_path


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
) -> list[Path]:
    """Render several maps with one Chromium: ``(html_path, png_path, bounds)`` each.

    Starting Chromium costs more than drawing a map, so a batch shares one browser.
    Errors and waiting are as in :func:`render_png`. With ``offline`` (by default: when
    the tile server cannot be reached) requests that leave the machine fail at once, so
    a machine without network does not wait seconds for each tile to time out.
    """
    if offline is None:
        offline = not tiles_reachable()
    out: list[Path] = []
    with chromium(width=width, height=height, timeout_s=timeout_s) as context:
        if offline:
            context.route("**/*", _abort_remote)
        for html_path, png_path, bounds in jobs:
            url = _file_url(html_path)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", functools.partial(_record, errors))
            _open(page, url, timeout_s)
            _wait_for_map(page, map_name, bounds, timeout_s)
            if errors:
                raise BrowserError(f"the page {url} threw: " + " | ".join(errors))
            out.append(_screenshot(page, Path(png_path)))
            page.close()
    return out


def _offline_page(
    context: BrowserContext, html_path: str | Path, map_name: str | None, timeout_s: float
) -> OfflinePage:
    """Open ``html_path`` in a new page of ``context``, every non-local request aborted."""
    url = _file_url(html_path)
    view = OfflinePage(page=context.new_page(), map_name=map_name or "", timeout_s=timeout_s)
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
    _open(view.page, url, timeout_s)
    return view


class OfflineBrowser:
    """One headless Chromium that opens several maps offline (see :func:`offline_browser`)."""

    def __init__(self, context: BrowserContext, timeout_s: float) -> None:
        self.context = context
        self.timeout_s = timeout_s

    @contextmanager
    def open(
        self, html_path: str | Path, *, map_name: str | None = None, wait: bool = True
    ) -> Iterator[OfflinePage]:
        """Open one map in a new page (closed on exit), as :func:`open_offline` does."""
        view = _offline_page(self.context, html_path, map_name, self.timeout_s)
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
    _file_url(html_path)
    with chromium(width=width, height=height, timeout_s=timeout_s) as context:
        view = _offline_page(context, html_path, map_name, timeout_s)
        if wait:
            view.wait_for_map()
        yield view
