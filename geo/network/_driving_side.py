"""Which side of the road traffic keeps to: by country (a cited table) and by way tag.

``data/driving_side.toml`` lists the countries and territories that keep left (source in
the file); :func:`country_driving_side` looks a study's country up there, and
:func:`left_hand_edges` lets an OSM way's own ``driving_side`` tag override the
network's side, as OSRM car.lua's ``WayHandlers.driving_side`` does.
"""

from __future__ import annotations

import tomllib
from functools import cache

import numpy as np
import numpy.typing as npt

from ..base.resources import bundled_data

TABLE = "driving_side.toml"


@cache
def left_hand_countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes of the countries and territories that keep left."""
    raw = tomllib.loads(bundled_data(TABLE).read_text(encoding="utf-8"))["left"]
    return frozenset(str(c).upper() for c in (*raw["countries"], *raw["territories"]))


def country_driving_side(country: str) -> str:
    """``"left"`` or ``"right"`` for an ISO country code (right where it is not listed)."""
    return "left" if country.strip().upper() in left_hand_countries() else "right"


def left_hand_edges(
    driving_side_tag: npt.NDArray[np.str_], network_side: str
) -> npt.NDArray[np.bool_]:
    """Whether traffic keeps left on each edge: its way's ``driving_side`` tag where it is
    ``left`` or ``right``, else the network's side."""
    tag = np.asarray(driving_side_tag)
    default = network_side == "left"
    return np.where(tag == "left", True, np.where(tag == "right", False, default))
