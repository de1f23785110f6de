"""Built-up areas (``landuse=residential``, ``place`` polygons) from Overpass elements.

The ``.osm.pbf`` path has libosmium assemble these areas (:func:`geo._osm_extras.read_osm_extras`);
an Overpass answer holds the same ways and multipolygon relations as plain elements, so they
are assembled here the same way: a closed way with the tag is one polygon; a
``multipolygon`` or ``boundary`` relation with the tag is the faces of its outer member ways
less those of its inner ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt
import shapely

from ._rules import BUILT_UP

#: Relation types libosmium assembles into areas.
AREA_RELATIONS = ("multipolygon", "boundary")

Coords = Mapping[int, tuple[float, float]]


def is_built_up(tags: Mapping[str, str]) -> bool:
    """Whether tags mark a built-up area (:data:`geo._osm_rules.BUILT_UP`)."""
    return any(tags.get(k) == v for k, v in BUILT_UP)


def _line(refs: Sequence[int], nodes: Coords) -> shapely.LineString | None:
    coords = [nodes[r] for r in refs if r in nodes]
    return shapely.LineString(coords) if len(coords) == len(refs) >= 2 else None


def _faces(lines: list[shapely.LineString]) -> shapely.Geometry:
    if not lines:
        return shapely.GeometryCollection()
    return shapely.union_all(shapely.get_parts(shapely.polygonize(lines)))


def built_up_areas(
    ways: Mapping[int, tuple[Sequence[int], Mapping[str, str]]],
    relations: Mapping[int, tuple[Sequence[tuple[str, int, str]], Mapping[str, str]]],
    nodes: Coords,
) -> npt.NDArray[np.object_]:
    """Polygons of the built-up areas among Overpass ways and relations (:func:`tagged_areas`)."""
    return tagged_areas(ways, relations, nodes, is_built_up)


def tagged_areas(
    ways: Mapping[int, tuple[Sequence[int], Mapping[str, str]]],
    relations: Mapping[int, tuple[Sequence[tuple[str, int, str]], Mapping[str, str]]],
    nodes: Coords,
    wanted: Callable[[Mapping[str, str]], bool],
) -> npt.NDArray[np.object_]:
    """Polygons of the areas whose tags are ``wanted``, among Overpass ways and relations.

    Parameters
    ----------
    ways
        Way id -> (node refs, tags), every way of the answer (members included).
    relations
        Relation id -> (members as ``(type, ref, role)``, tags).
    nodes
        Node id -> (lon, lat).

    Returns
    -------
    numpy.ndarray
        Polygons and multipolygons, closed ways first (by way id), then relations (by id).
        A ring with a node the answer lacks, or that encloses nothing, gives no area.
    """
    polygons: list[shapely.Geometry] = []
    for way_id in sorted(ways):
        refs, tags = ways[way_id]
        if len(refs) >= 4 and refs[0] == refs[-1] and wanted(tags):
            line = _line(refs, nodes)
            if line is not None:
                polygons.append(_faces([line]))
    for rel_id in sorted(relations):
        members, tags = relations[rel_id]
        if tags.get("type") not in AREA_RELATIONS or not wanted(tags):
            continue
        rings: dict[bool, list[shapely.LineString]] = {True: [], False: []}
        for kind, ref, role in members:
            if kind == "way" and ref in ways:
                line = _line(ways[ref][0], nodes)
                if line is not None:
                    rings[role != "inner"].append(line)
        polygons.append(shapely.difference(_faces(rings[True]), _faces(rings[False])))
    shapes = np.asarray(polygons, dtype=object).reshape(-1)
    return shapes[~shapely.is_empty(shapes)] if len(shapes) else shapes
