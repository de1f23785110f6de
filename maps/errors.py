"""Exceptions raised by the map infrastructure (offline assets, headless browser).

They extend :class:`geo.errors.UralAccessError`, so the command line prints their
message and exits with their ``exit_code`` like every other error of ural-access.
"""

from __future__ import annotations

from ..geo.errors import UralAccessError

__all__ = ["BrowserError", "BrowserTimeoutError", "MapAssetError"]


class MapAssetError(UralAccessError):
    """A map needs a script, style, font or image that has no local copy.

    Either the npm packages are not installed (run ``ural-access setup-assets``),
    or folium emitted a CDN address that the table in :mod:`maps._asset_table` does not
    know (a folium upgrade, or a plugin nobody added yet).
    """

    exit_code, meaning = 7, "map assets not installed or unknown (run `ural-access setup-assets`)"

    def __init__(self, message: str, urls: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        #: The addresses that could not be served from local files.
        self.urls = urls


class BrowserError(UralAccessError):
    """Headless Chromium is missing, does not start, or a page failed in it."""

    exit_code, meaning = 8, "headless Chromium missing or failing"


class BrowserTimeoutError(BrowserError, TimeoutError):
    """A page did not finish loading or drawing within the allowed time."""
