"""ural-access: drive-time access to the Urals' second-tier agglomerations, from OSM.

The package installs the repository's ``geo/`` folder as :mod:`ural_access.geo` (network,
speeds, routing, agglomeration analytics), ``maps/`` as :mod:`ural_access.maps` (Folium
maps) and ``data/`` as :mod:`ural_access.data` (study files, speed tables, bundled roads).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__: str = version("ural-access")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
