"""Road scenarios: upgrades, new roads and closures, their effect, and which road first.

- :class:`Scenario` (:func:`load_scenario`) — a TOML file of edits: :class:`Upgrade`,
  :class:`NewRoad`, :class:`Close`, each selecting roads by a :class:`Selection`;
- :func:`apply_scenario` — the network with the edits (an :class:`AppliedScenario`);
- :class:`ScenarioComparison` — baseline against scenario, per agglomeration, city, place;
- :func:`prepare_sweep`, :func:`rank_upgrades`, :func:`choose_package`,
  :func:`rank_closures` — which road first: candidate sections of today's main routes or
  the user's list (:class:`Candidate`), each evaluated exactly from today's trees
  (:class:`SweepGraph`) or rebuilt, on local processes or a Dask cluster, ranked by an
  :class:`Objective`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base.lazy import lazy_objects

_OBJECTS = {
    "SweepGraph": "._sweep_graph",
    "AppliedScenario": ".apply",
    "apply_scenario": ".apply",
    "Candidate": ".candidates",
    "ScenarioComparison": ".compare",
    "Objective": "._objective",
    "Sweep": "._objective",
    "choose_package": ".package",
    "prepare_sweep": ".ranking",
    "rank_closures": ".closures",
    "rank_upgrades": ".ranking",
    "Close": ".edits",
    "NewRoad": ".edits",
    "Scenario": ".scenario",
    "Selection": ".edits",
    "Upgrade": ".edits",
    "load_scenario": ".scenario",
}
__all__ = [
    "AppliedScenario",
    "Candidate",
    "Close",
    "NewRoad",
    "Objective",
    "Scenario",
    "ScenarioComparison",
    "Selection",
    "Sweep",
    "SweepGraph",
    "Upgrade",
    "apply_scenario",
    "choose_package",
    "load_scenario",
    "prepare_sweep",
    "rank_closures",
    "rank_upgrades",
]
__getattr__, __dir__ = lazy_objects(__name__, _OBJECTS)

if TYPE_CHECKING:
    from ._objective import Objective, Sweep
    from ._sweep_graph import SweepGraph
    from .apply import AppliedScenario, apply_scenario
    from .candidates import Candidate
    from .closures import rank_closures
    from .compare import ScenarioComparison
    from .edits import Close, NewRoad, Selection, Upgrade
    from .package import choose_package
    from .ranking import prepare_sweep, rank_upgrades
    from .scenario import Scenario, load_scenario
