"""Road network, speeds, routing and agglomeration analytics (installed as ``ural_access.geo``)."""

from __future__ import annotations

from .. import __version__

__all__ = ["__version__"]
