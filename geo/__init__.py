"""ural-access: drive-time access to the Urals' second-tier agglomerations, from OSM."""

from __future__ import annotations

__version__ = "0.1.0"
