"""Folium maps of drive times: overview, agglomeration maps, index; offline and PNG export."""

from __future__ import annotations

from .build import build_maps

__all__ = ["build_maps"]
