"""Scenario files: road upgrades, new roads and closures, read from TOML.

A scenario is a list of edits to the study's road network, in the spirit of r5r's
``new_carspeeds`` (new speeds by OSM way id or polygon) and Conveyal's ``AddStreets`` /
``ModifyStreets`` (a drawn road joined at its ends; new speeds inside polygons)::

    title = "Chelyabinsk - Miass at 110 km/h"
    title_ru = "Челябинск — Миасс: 110 км/ч"   # optional: Russian maps use it

    [[upgrade]]
    name = "M-5 Chelyabinsk - Miass"
    name_ru = "М-5 Челябинск — Миасс"    # optional, as title_ru
    between = ["Chelyabinsk", "Miass"]   # the current fastest route, both directions
    maxspeed = 110                       # a new limit; the speed model gives the speed

    [[new_road]]
    name = "Chelyabinsk - Kamensk-Uralsky direct"
    coordinates = [[61.45, 55.25], [61.93, 56.38]]   # or file = "road.geojson"
    maxspeed = 90
    class = "primary"
    join = "ends"      # or "crossings": also a level junction where it crosses a road

    [[close]]
    name = "A bridge under repair"
    way_ids = [123456]

Roads are selected (``upgrade``, ``close``) by exactly one of ``way_ids``, ``ref``,
``polygon`` / ``polygon_file`` (roads inside or crossing it), ``line`` / ``line_file`` (roads
that follow it within ``tolerance_m``) or ``between`` (the current fastest route between
two study places, both directions); ``classes`` keeps only roads of those OSM classes.
An upgrade sets one of ``maxspeed`` (a limit, turned into a speed by the study's speed
model as if OSM said so), ``speed_kph`` (the drive speed itself), ``factor`` (times the
current speed) or ``class`` (the road class, whose default speed then applies).

``title``, ``description`` and each edit's ``name`` may have a Russian twin
(``title_ru``, ``description_ru``, ``name_ru``): the maps drawn in Russian use it, and
the English text where it is missing.

A new road is joined to the network's nearest node at each end (``join = "ends"``, the
default: right for a bridge, a tunnel or an interchange, which pass over or under the
roads they cross); ``join = "crossings"`` also makes a level junction wherever it crosses
a road, optionally only roads of ``cross_classes`` (and their ``_link`` roads).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ._edit_tables import (
    SELECTORS,
    check_keys,
    edit_label,
    edit_tables,
    new_road_edit,
    road_selection,
    text_value,
    upgrade_edit,
)
from .edits import Close, Edit

__all__ = ["Scenario", "load_scenario", "scenario_from_dict"]


@dataclass(frozen=True)
class Scenario:
    """A named list of edits (:func:`load_scenario` reads one from a TOML file)."""

    name: str
    title: str
    edits: tuple[Edit, ...]
    sha256: str = ""
    """Of the file read ("" if built in code)."""
    description: str = ""
    """What the scenario is and why ("" if none)."""
    title_ru: str | None = None
    """The title on Russian maps; ``None``: :attr:`title`."""
    description_ru: str | None = None
    """The description on Russian maps; ``None``: :attr:`description`."""

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read a scenario file (see the module doc); same as :func:`load_scenario`."""
        return load_scenario(path)

    def titled(self, lang: str) -> tuple[str, str]:
        """(title, description) in ``lang`` (``"ru"``: the Russian ones where given)."""
        if lang == "ru":
            return self.title_ru or self.title, self.description_ru or self.description
        return self.title, self.description

    def edit_names(self, lang: str) -> dict[str, str]:
        """Each edit's name in ``lang``, by its name (``"ru"``: ``name_ru`` where given)."""
        return {e.name: (e.name_ru or e.name) if lang == "ru" else e.name for e in self.edits}

    def kinds(self) -> list[str]:
        """The kinds of edit in the scenario, in order, once each."""
        return list(dict.fromkeys(e.kind for e in self.edits))


def load_scenario(path: str | Path, standard: dict[str, float | str] | None = None) -> Scenario:
    """Read and check a scenario TOML file.

    Relative ``polygon_file``, ``line_file`` and ``file`` paths are read beside it.
    ``standard`` (e.g. ``{"maxspeed": 110}``): what an ``[[upgrade]]`` that sets no speed,
    factor or class gets (a list of candidates to rank); without it such an upgrade is
    an error.

    Raises
    ------
    ScenarioError
        The file is missing or not TOML, has no edit, an unknown key, no or several
        selectors, an implausible speed or factor, an unknown class, or a bad geometry.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"no scenario file at {str(path)!r}")
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: not a readable TOML file: {exc}") from None
    return scenario_from_dict(
        data,
        name=path.stem,
        folder=path.parent,
        sha256=hashlib.sha256(raw).hexdigest(),
        standard=standard,
    )


def scenario_from_dict(
    data: dict[str, Any],
    *,
    name: str,
    folder: Path | None = None,
    sha256: str = "",
    standard: dict[str, float | str] | None = None,
) -> Scenario:
    """A scenario from the parsed TOML (``folder``: where relative files are;
    ``standard``: see :func:`load_scenario`)."""
    texts = ("title", "title_ru", "description", "description_ru")
    known = {*texts, "source", "upgrade", "new_road", "close"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ScenarioError(
            f"scenario {name!r}: unknown key(s) {unknown}; use [[upgrade]], [[new_road]], "
            "[[close]] and title/title_ru/description/description_ru/source"
        )
    text = {k: text_value(data, k, f"scenario {name!r}") for k in texts}
    edits: list[Edit] = []
    for i, table in enumerate(edit_tables(data, "upgrade", name)):
        edits.append(upgrade_edit(table, edit_label(table, "upgrade", i), folder, standard))
    for i, table in enumerate(edit_tables(data, "new_road", name)):
        edits.append(new_road_edit(table, edit_label(table, "new_road", i), folder))
    for i, table in enumerate(edit_tables(data, "close", name)):
        label = edit_label(table, "close", i)
        check_keys(table, {"name", "name_ru", "classes", "tolerance_m", *SELECTORS}, label)
        edits.append(
            Close(
                label,
                road_selection(table, label, folder),
                text_value(table, "name_ru", f"edit {label!r}"),
            )
        )
    if not edits:
        raise ScenarioError(f"scenario {name!r} has no edit ([[upgrade]], [[new_road]], [[close]])")
    names = [e.name for e in edits]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ScenarioError(f"scenario {name!r}: edit names repeat: {repeated}")
    return Scenario(
        name,
        text["title"] or name,
        tuple(edits),
        sha256,
        description=(text["description"] or "").strip(),
        title_ru=text["title_ru"],
        description_ru=text["description_ru"].strip() if text["description_ru"] else None,
    )
