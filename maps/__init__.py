"""Folium maps of drive times: overview, agglomeration maps, index; offline and PNG export.

:func:`build_maps` is imported on first use (PEP 562), so that importing one submodule
(``ural_access.maps.assets`` for ``setup-assets``, say) does not import the whole map
builder, which itself imports ``assets``: no import cycle through this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .build import build_maps

__all__ = ["build_maps"]


def __getattr__(name: str) -> Any:
    if name == "build_maps":
        from .build import build_maps

        return build_maps
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
