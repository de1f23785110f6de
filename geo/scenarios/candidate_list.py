"""The user's own candidates: each edit of a scenario file is one candidate.

``rank-upgrades --candidates FILE.toml`` ranks the file's ``[[upgrade]]`` and
``[[new_road]]`` edits (a drawn road included) instead of the sections of today's
routes; with ``--closures``, its ``[[close]]`` edits. An upgrade that sets no speed,
factor or class takes the ranking's standard (``load_scenario(path, standard)``).
"""

from __future__ import annotations

import numpy as np
import shapely

from ..errors import ScenarioError
from ..network.road_network import RoadNetwork
from ..study.definition import Study
from ._select import select_edges
from .apply import apply_scenario
from .candidates import Candidate, road_km
from .scenario import Close, NewRoad, Scenario, Upgrade

__all__ = ["listed_candidates"]


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
