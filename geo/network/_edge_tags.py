"""Per-edge tag columns of the network, from the tags of the ways the edges come from.

A way's tags are read once per distinct value (``pd.factorize``) and mapped to its edges
by integer indexing: Brandenburg's 395 k edges took 1.6 s as a Python call per edge.
Direction-dependent keys (``maxspeed:forward``, ``access:backward``, …) are resolved for
the edge's direction of travel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from ..base.arrays import IntArray
from ..osm.roads import ACCESS_HIERARCHY
from .profile import profile_speeds_kph

#: Keys giving a direction's limit, in order (``key:forward``/``:backward`` first).
MAXSPEED_KEYS = ("maxspeed", "source:maxspeed", "maxspeed:type")


def edge_tag_columns(
    tags: dict[str, npt.NDArray[np.object_]],
    way: IntArray,
    forward: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.str_], dict[str, npt.NDArray[np.str_]]]:
    """``highway``, the limit and the rule columns (all but ``urban``) of each edge.

    ``tags`` are the ways' columns, ``way[i]`` edge ``i``'s way and ``forward[i]`` whether
    it runs along the way's direction.
    """

    def directed(keys: tuple[str, ...]) -> npt.NDArray[np.str_]:
        """First of ``keys`` present for the edge's direction (``key:forward`` first)."""
        found = []
        for key in keys:
            for variant in (f"{key}:forward", f"{key}:backward", key):
                if variant in tags:
                    fits = (
                        forward
                        if variant.endswith(":forward")
                        else ~forward
                        if variant.endswith(":backward")
                        else None
                    )
                    found.append((_edge_text(tags[variant], way), fits))
        width = max([1, *(values.itemsize // 4 for values, _ in found)])
        out = np.full(len(way), "", dtype=f"<U{width}")
        for values, fits in found:
            take = (out == "") & (values != "")
            if fits is not None:
                take &= fits
            out[take] = values[take]
        return _fitted(out)

    rules = {
        "access": directed(ACCESS_HIERARCHY),
        "maxspeed_advisory": directed(("maxspeed:advisory",)),
        **{k: directed((k,)) for k in ("surface", "tracktype", "smoothness")},
        "junction": edge_tag(tags, "junction", way),
        # OSRM car.lua's route weights, size limits and driving side (geo._way_rules)
        **{
            k: edge_tag(tags, k, way)
            for k in ("service", "width", "lanes", "lane_markings", "side_road", "priority")
        },
        **{k: edge_tag(tags, k, way) for k in ("oneway", "driving_side", "narrow")},
        **{k: edge_tag(tags, k, way) for k in ("impassable", "status", "construction")},
        "way_direction": np.where(forward, "f", "b").astype("<U1"),
        "maxheight": directed(("maxheight:physical", "maxheight")),
        "maxwidth": directed(("maxwidth:physical", "maxwidth", "width", "est_width")),
        "maxlength": directed(("maxlength",)),
        "maxweight": directed(("maxweightrating", "maxweight")),
    }
    return edge_tag(tags, "highway", way), directed(MAXSPEED_KEYS), rules


def edge_tag(
    tags: dict[str, npt.NDArray[np.object_]], key: str, way: IntArray
) -> npt.NDArray[np.str_]:
    """Each edge's value of one way tag (``""`` where its way has none)."""
    return _fitted(_edge_text(tags.get(key), way))


def built_up_flags(
    polygons: npt.NDArray[np.object_] | None, geometry: npt.NDArray[np.object_]
) -> tuple[npt.NDArray[np.str_], dict[str, Any]]:
    """``"yes"`` for edges whose midpoint lies in a built-up area, and what was found."""
    flag = np.full(len(geometry), "", dtype="<U3")
    if polygons is None:
        return flag, {"areas": None, "note": "built-up areas not read from this source"}
    if len(polygons) == 0:
        return flag, {"areas": 0, "note": "the data has no built-up areas: rule off"}
    mid = shapely.line_interpolate_point(geometry, 0.5, normalized=True)
    hits = shapely.STRtree(polygons).query(mid, predicate="within")
    flag[np.unique(hits[0])] = "yes"
    return flag, {"areas": len(polygons), "edges_inside": int((flag == "yes").sum())}


def edge_speeds(
    highway: npt.NDArray[np.str_],
    maxspeed: npt.NDArray[np.str_],
    rules: dict[str, npt.NDArray[np.str_]],
    model: str,
    factor: float,
) -> npt.NDArray[np.float64]:
    """Edge speeds under a profile, from the edge's tag columns."""
    return profile_speeds_kph(
        highway,
        np.where(maxspeed == "", np.array(None, dtype=object), maxspeed),
        model,
        factor,
        surface=rules["surface"],
        tracktype=rules["tracktype"],
        smoothness=rules["smoothness"],
        maxspeed_advisory=rules["maxspeed_advisory"],
        urban=rules["urban"] == "yes",
    )


def _edge_text(column: npt.NDArray[np.object_] | None, way: IntArray) -> npt.NDArray[np.str_]:
    """Each edge's value of a way tag column (``""`` where the way has none), as text.

    The column is coded once per distinct value (``pd.factorize``), so the per-edge work
    is integer indexing, not a Python call per edge.
    """
    if column is None:
        return np.full(len(way), "", dtype="<U1")
    codes, uniques = pd.factorize(column)  # None (and NaN) become -1: untagged
    text = np.array(["", *(str(u) for u in uniques)], dtype=str)
    edge_text: npt.NDArray[np.str_] = text[codes[way] + 1]
    return edge_text


def _fitted(text: npt.NDArray[np.str_]) -> npt.NDArray[np.str_]:
    """``text`` as narrow as its longest value (at least one character): the width a
    list of the same strings gives, so the cached arrays stay byte for byte the same."""
    width = int(np.char.str_len(text).max()) if len(text) else 1
    return text.astype(f"<U{max(width, 1)}")
