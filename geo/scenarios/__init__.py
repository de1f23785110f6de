"""Road scenarios: upgrades, new roads and closures, their effect, and which road first.

- :class:`Scenario` (:func:`load_scenario`) — a TOML file of edits: :class:`Upgrade`,
  :class:`NewRoad`, :class:`Close`, each selecting roads by a :class:`Selection`;
- :func:`apply_scenario` — the network with the edits (an :class:`AppliedScenario`);
- :class:`ScenarioComparison` — baseline against scenario, per agglomeration, city, place.
"""

from .apply import AppliedScenario, apply_scenario
from .compare import ScenarioComparison
from .scenario import Close, NewRoad, Scenario, Selection, Upgrade, load_scenario

__all__ = [
    "AppliedScenario",
    "Close",
    "NewRoad",
    "Scenario",
    "ScenarioComparison",
    "Selection",
    "Upgrade",
    "apply_scenario",
    "load_scenario",
]
