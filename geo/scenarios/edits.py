"""The edits of a scenario: :class:`Upgrade`, :class:`Close`, :class:`NewRoad`, and the
:class:`Selection` of roads an upgrade or closure applies to (the file format is in
:mod:`.scenario`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import shapely

from ..study.options import ROAD_CLASSES as _STUDY_ROAD_CLASSES

__all__ = [
    "FACTOR_RANGE",
    "JOINS",
    "ROAD_CLASSES",
    "SPEED_RANGE_KPH",
    "Close",
    "Edit",
    "NewRoad",
    "Selection",
    "Upgrade",
]

#: Plausible limits and speeds (km/h), and the speed factors an upgrade may set (an
#: upgrade never slows a road).
SPEED_RANGE_KPH = (5.0, 150.0)
FACTOR_RANGE = (1.0, 3.0)
#: Road classes an edit may name: the study's, from motorway down to residential.
ROAD_CLASSES = _STUDY_ROAD_CLASSES[: _STUDY_ROAD_CLASSES.index("residential") + 1]
#: How a new road meets the network: at its ends only, or also where it crosses a road.
JOINS = ("ends", "crossings")


@dataclass(frozen=True)
class Selection:
    """Which roads an edit applies to (exactly one selector, an optional class filter)."""

    way_ids: tuple[int, ...] = ()
    ref: str | None = None
    polygon: shapely.Polygon | None = None
    line: shapely.LineString | None = None
    tolerance_m: float = 50.0
    between: tuple[str, str] | None = None
    classes: tuple[str, ...] = ()
    edges: tuple[int, ...] = ()
    """Network edge indices (set in code, e.g. a ranking's candidate section; no file key)."""

    def describe(self) -> str:
        """A short phrase for messages: what the selection asks for."""
        if self.edges:
            return f"{len(self.edges)} network edges"
        if self.way_ids:
            return f"OSM ways {list(self.way_ids)[:5]}"
        if self.ref is not None:
            return f"ref {self.ref!r}"
        if self.polygon is not None:
            return "the roads inside the polygon"
        if self.line is not None:
            return f"the roads within {self.tolerance_m:g} m of the line"
        if self.between is not None:
            return f"the fastest route between {self.between[0]} and {self.between[1]}"
        return "no road"


@dataclass(frozen=True)
class Upgrade:
    """New speed, speed factor or class on selected roads."""

    name: str
    selection: Selection
    maxspeed_kph: float | None = None
    speed_kph: float | None = None
    factor: float | None = None
    road_class: str | None = None
    name_ru: str | None = None
    """The name on Russian maps (``name_ru`` in the file); ``None``: the name."""
    kind: str = field(default="upgrade", init=False)


@dataclass(frozen=True)
class Close:
    """Selected roads closed (no car may use them)."""

    name: str
    selection: Selection
    name_ru: str | None = None
    """The name on Russian maps (``name_ru`` in the file); ``None``: the name."""
    kind: str = field(default="close", init=False)


@dataclass(frozen=True)
class NewRoad:
    """A new road along a line, joined to the network's nearest node at each end.

    With ``join = "crossings"`` it also meets every road it crosses (of ``cross_classes``
    only, if given) at a level junction; ``"ends"`` (the default) suits a bridge or an
    interchange over the roads it crosses.
    """

    name: str
    line: shapely.LineString
    road_class: str = "primary"
    maxspeed_kph: float | None = None
    speed_kph: float | None = None
    oneway: bool = False
    join_limit_km: float = 3.0
    name_ru: str | None = None
    """The name on Russian maps (``name_ru`` in the file); ``None``: the name."""
    join: str = "ends"
    cross_classes: tuple[str, ...] = ()
    kind: str = field(default="new_road", init=False)


Edit = Upgrade | Close | NewRoad
