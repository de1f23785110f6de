"""The user's own candidates: each edit of a scenario file is one candidate.

``rank-upgrades --candidates FILE.toml`` ranks the file's ``[[upgrade]]`` and
``[[new_road]]`` edits (a drawn road included) instead of the sections of today's
routes; with ``--closures``, its ``[[close]]`` edits. An upgrade that sets no speed,
factor or class takes the ranking's standard (``load_scenario(path, standard)``).
``--candidates roads.gpkg`` (or GeoJSON): every line drawn in QGIS is a new road
(:func:`load_candidate_lines`).
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from ..errors import ScenarioError
from ..network.road_network import RoadNetwork
from ..study.definition import Study
from ._edit_tables import read_frame, single_part
from ._select import select_edges
from .apply import apply_scenario
from .candidates import Candidate, road_km
from .edits import Close, NewRoad, Upgrade
from .scenario import Scenario, scenario_from_dict

__all__ = ["LINE_COLUMNS", "listed_candidates", "load_candidate_lines"]

#: Columns of a file of drawn roads read as the keys of a ``[[new_road]]`` (any may be
#: missing or empty: a road's name is then ``road N``, its class ``primary``).
LINE_COLUMNS = ("name", "name_ru", "class", "maxspeed", "speed_kph", "oneway", "join")


#: Columns whose text cells holding a number are read as that number (a text field in
#: QGIS holding "90").
_NUMBERS = frozenset({"maxspeed", "speed_kph"})


def _plain(value: Any, key: str = "") -> Any:
    """A cell as TOML would give it: Python numbers and text, ``None`` when empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if key in _NUMBERS and isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return value  # refused with its key: "is not a number"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def load_candidate_lines(path: str | Path) -> Scenario:
    """Every line of a GeoPackage or GeoJSON file as a new-road candidate.

    Raises
    ------
    ScenarioError
        The file is missing or unreadable, holds no line, a feature is not a line, or a
        cell is not a valid value for its ``[[new_road]]`` key.
    """
    path = Path(path)
    frame = read_frame(path, "candidates")
    tables = []
    columns = [k for k in LINE_COLUMNS if k in frame.columns]
    rows = frame[columns].to_dict("records")  # not itertuples: it renames "class"
    for i, (geom, row) in enumerate(zip(frame.geometry, rows, strict=True)):
        cells = {k: _plain(row.get(k), k) for k in LINE_COLUMNS}
        table = {k: v for k, v in cells.items() if v is not None}
        table.setdefault("name", f"road {i + 1}")
        geom = single_part(geom)
        if geom is None or geom.geom_type != "LineString":
            kind = "no geometry" if geom is None else f"a {geom.geom_type}"
            raise ScenarioError(
                f"{path}: feature {i + 1} ({table['name']!r}) has {kind}, not a line"
            )
        table["coordinates"] = shapely.get_coordinates(geom).tolist()
        tables.append(table)
    if not tables:
        raise ScenarioError(f"{path}: holds no line to rank")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return scenario_from_dict({"new_road": tables}, name=path.stem, sha256=digest)


def listed_candidates(
    network: RoadNetwork, study: Study, scenario: Scenario, closures: bool = False
) -> list[Candidate]:
    """One :class:`Candidate` per edit of ``scenario``, keyed ``U01``, ``U02``, ... in order.

    Each edit is checked on ``network`` (today's, with the study's speed model) before any
    evaluation: its selection picks roads, a new road's ends are near the network.

    Raises
    ------
    ScenarioError
        An edit of the wrong kind (a closure to rank as an upgrade, or the other way
        round), an edit selecting no road, a new road too far from the network.
    """
    wanted = (Close,) if closures else (Upgrade, NewRoad)
    wrong = [e for e in scenario.edits if not isinstance(e, wanted)]
    if wrong:
        kinds = "[[close]]" if closures else "[[upgrade]] and [[new_road]]"
        raise ScenarioError(
            f"candidates {scenario.name!r}: edit {wrong[0].name!r} is a {wrong[0].kind}; "
            f"{'closures' if closures else 'upgrades'} are ranked from {kinds} edits only"
        )
    out = []
    for n, edit in enumerate(scenario.edits):
        key = f"U{n + 1:02d}"
        if isinstance(edit, NewRoad):
            applied = apply_scenario(network, Scenario(key, edit.name, (edit,)), study)
            drawn = applied.edited.geometry[applied.edited["kind"] == edit.kind].to_numpy()
            km = float(applied.summary()["road_km"].sum())
            line = shapely.set_precision(shapely.line_merge(shapely.union_all(drawn)), 1e-6)
            edges = np.zeros(0, np.int64)
            out.append(Candidate(key, edit.name, edges, km, edit=edit, line=line))
        else:
            assert isinstance(edit, Upgrade | Close)
            edges = select_edges(network, edit.selection, study, edit.name)
            out.append(Candidate(key, edit.name, edges, road_km(network, edges), edit=edit))
    return out
