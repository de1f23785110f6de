"""Headless Chromium, started and driven for maps: the pieces :mod:`maps.browser` builds on.

Chromium is Debian's (``settings.chromium_path``), driven by the PyPI ``playwright``
package through its bundled driver; each session gets a fresh temporary profile and the
flags in :data:`CHROMIUM_ARGS`. A page is opened with animations off
(:func:`open_page`), waited for until its folium map has finished drawing
(:func:`wait_for_map`) and captured atomically (:func:`screenshot`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..geo import settings
from ..geo.base.atomic import atomic_file
from .errors import BrowserError, BrowserTimeoutError

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page


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
async ({name, bounds, timeoutMs, mark, print}) => {
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
  if (print) {
    document.documentElement.classList.add('ua-print');
  }
  if (bounds || print) {
    map.invalidateSize({animate: false});
    // ural-access maps fit clear of their controls (maps._fit); others plainly.
    if (map.uaFit) map.uaFit(bounds || undefined);
    else if (bounds) map.fitBounds(bounds, {animate: false});
    await settle();
  }
  await until(document.fonts.ready, 'web fonts still loading');
  await frames();
  return name;
}
"""


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
    *, width: int = 1200, height: int = 800, timeout_s: float = 60.0, scale: float = 1.0
) -> Iterator[BrowserContext]:
    """Start headless Chromium with a fresh temporary profile.

    Parameters
    ----------
    width, height
        Viewport size in CSS pixels.
    scale
        Device pixels per CSS pixel: a screenshot is ``scale`` times the viewport.
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
                device_scale_factor=scale,
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


def file_url(html_path: str | Path) -> str:
    path = Path(html_path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no HTML file at {path}")
    return path.as_uri()


def open_page(page: Page, url: str, timeout_s: float) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.goto(url, wait_until="load", timeout=timeout_s * 1000)
    except PlaywrightTimeout as exc:
        raise BrowserTimeoutError(f"{url} did not load within {timeout_s:g} s") from exc
    page.add_style_tag(content=_NO_ANIMATION_CSS)


def wait_for_map(
    page: Page,
    map_name: str | None,
    bounds: Bounds | None,
    timeout_s: float,
    print_layout: bool = False,
) -> str:
    """Wait until the map has drawn; with ``print_layout`` first switch the page to its
    print layout (class ``ua-print``: no interactive control) and fit it again."""
    from playwright.sync_api import Error as PlaywrightError

    arg = {
        "print": print_layout,
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


def screenshot(page: Page, png_path: Path) -> Path:
    with atomic_file(png_path) as tmp:
        page.screenshot(path=tmp, type="png", animations="disabled")
    return png_path
