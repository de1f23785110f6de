"""Where the bundled data lives: ``ural_access.data``, found through importlib.resources.

From a source checkout (editable install) that is the repository's ``data/`` folder; from
a wheel, the installed ``ural_access/data/``. Both are ordinary folders, so the paths are
plain :class:`~pathlib.Path` objects that error messages can name.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["bundled_data"]


def bundled_data(*parts: str) -> Path:
    """Path of a bundled data file or folder, e.g. ``bundled_data("studies")``."""
    return Path(str(files("ural_access.data"))).joinpath(*parts)
