"""A scenario or a ranking from a study and its network, in one call: what the
``scenario`` and ``rank-upgrades`` commands compute and the notebook API returns (both
call these, so they cannot disagree)."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ScenarioError, UralAccessWarning
from ..network.road_network import RoadNetwork
from ..pipeline.compute import compute_access, results_provenance, study_network
from ..results.access_results import AccessResults
from ..study.definition import Study
from ._objective import Objective, Sweep
from ._parallel import connect
from .apply import AppliedScenario, apply_scenario
from .baseline import baseline_results
from .candidate_list import load_candidate_lines
from .closures import rank_closures
from .compare import ScenarioComparison
from .edits import Upgrade
from .package import choose_package
from .ranking import default_workers, prepare_sweep, rank_upgrades, standard_upgrade
from .scenario import Scenario, load_scenario

__all__ = [
    "AUTO_PARALLEL",
    "Ranking",
    "ScenarioRun",
    "load_candidates",
    "ranking_inputs",
    "run_ranking",
    "run_scenario",
    "standard_setting",
]

log = logging.getLogger(__name__)

#: Without ``workers``, candidates are evaluated on every core from this many on
#: (starting the processes costs a few seconds, more than the Urals' 98 candidates take
#: in one); where every candidate is rebuilt (0.05 s or more each), from the second number.
AUTO_PARALLEL = (200, 40)


@dataclass
class ScenarioRun:
    """A scenario applied to a study's network, today's results and the scenario's."""

    applied: AppliedScenario
    baseline: AccessResults
    """Today's results (without the map context; from the cache when it holds them)."""
    results: AccessResults
    """The scenario's results (with the map context), its warnings included."""
    comparison: ScenarioComparison
    baseline_cached: bool = False

    @property
    def scenario(self) -> Scenario:
        return self.applied.scenario


def run_scenario(
    study: Study, network: RoadNetwork, scenario: Scenario, *, isochrones: bool = True
) -> ScenarioRun:
    """Apply ``scenario`` to the study's network, compute today's results (cached) and the
    scenario's, and compare them.

    Raises
    ------
    ScenarioError
        An edit selects no road, names an unknown place, or a new road's end is far from
        the network: raised before anything is computed.
    """
    base = study_network(study, network)
    with warnings.catch_warnings(record=True) as told:  # an upgrade that changes nothing
        warnings.simplefilter("always", UralAccessWarning)
        applied = apply_scenario(base, scenario, study)
    baseline, _, cached = baseline_results(study, base, isochrones=isochrones)
    log.info("today's drive times (the baseline): %s", "from the cache" if cached else "computed")
    log.info("computing the drive times of scenario %r", scenario.name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UralAccessWarning)
        results = compute_access(
            study, applied.network, with_isochrones=isochrones, with_context=True
        )
        comparison = ScenarioComparison.of(baseline, results)
    messages = [
        str(w.message) for w in [*told, *caught] if issubclass(w.category, UralAccessWarning)
    ]
    results.warnings = list(dict.fromkeys(results.warnings + messages))
    return ScenarioRun(applied, baseline, results, comparison, cached)


@dataclass
class Ranking:
    """Candidates ranked by what upgrading (or closing) each changes."""

    sweep: Sweep
    table: pd.DataFrame
    """``ranking`` (upgrades) or ``closures``, best (or worst) first."""
    closures: bool
    setting: tuple[str, float | str]
    """The standard as ``("limit", km/h)``, ``("factor", x)``, ``("speed", km/h)`` or
    ``("class", name)``."""
    objective: Objective
    provenance: dict[str, Any]
    package: pd.DataFrame | None = None
    """The greedy package within the budget, and its marginal-gain curve."""
    redundancy: pd.DataFrame | None = None
    """With ``closures``: per city and zone town, the worst closure."""
    warnings: list[str] = field(default_factory=list)
    """What could not be computed or was changed (a closure cutting a centre off, a
    place joining another road), as the scenario's results gather them."""

    @property
    def standard(self) -> str:
        """The standard in words (``limit 110 km/h``, ``speed factor 1.2``)."""
        kind, value = self.setting
        return _STANDARD_WORDS[kind].format(value)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """File name → table, as the command writes them."""
        if self.closures:
            assert self.redundancy is not None
            return {"closures.csv": self.table, "redundancy.csv": self.redundancy}
        if self.package is None:
            return {"ranking.csv": self.table}
        return {"ranking.csv": self.table, "package.csv": self.package}


#: The standard of each kind in words (the tables' provenance, the command's summary).
_STANDARD_WORDS = {
    "factor": "speed factor {:g}",
    "speed": "drive speed {:g} km/h",
    "class": "road class {}",
    "limit": "limit {:g} km/h",
}


#: The key of a ``[[upgrade]]`` that sets each kind of standard.
_STANDARD_KEYS = {"limit": "maxspeed", "factor": "factor", "speed": "speed_kph", "class": "class"}


def load_candidates(path: str | Path, standard: Upgrade) -> Scenario:
    """The user's candidates: a scenario file (an upgrade without a speed takes
    ``standard``) or a GeoPackage/GeoJSON of drawn roads (:mod:`.candidate_list`).

    Raises
    ------
    ScenarioError
        The file is missing, unreadable, or an edit in it is bad.
    """
    path = Path(path)
    if path.suffix.lower() in (".gpkg", ".geojson", ".json"):
        return load_candidate_lines(path)
    kind, value = standard_setting(standard)
    return load_scenario(path, standard={_STANDARD_KEYS[kind]: value})


def standard_setting(rule: Upgrade) -> tuple[str, float | str]:
    """``rule`` (:func:`~.ranking.standard_upgrade`) as (kind, value)."""
    if rule.factor is not None:
        return ("factor", rule.factor)
    if rule.speed_kph is not None:
        return ("speed", rule.speed_kph)
    if rule.road_class is not None:
        return ("class", rule.road_class)
    return ("limit", rule.maxspeed_kph or 110.0)


def _check_options(
    closures: bool,
    objective: Objective,
    asked: str,
    cost_per_km: float | None,
    budget_km: float | None,
    budget: float | None,
) -> None:
    """Refuse, before any work, options that would be ignored or choose nothing."""
    if closures and (budget is not None or budget_km is not None):
        raise ScenarioError(
            "a budget chooses a package of upgrades; there is no package of closures "
            "(leave out --budget-km/--budget with --closures)"
        )
    if closures and objective.kind != "potential":
        raise ScenarioError(
            f"closures are ranked by the total potential they cost: --objective {asked} "
            "does not apply with --closures"
        )
    if budget is not None and budget_km is not None:
        raise ScenarioError("give a budget in km or in money, not both")
    for value, unit in ((budget_km, " km"), (budget, "")):
        if value is not None and not value > 0:
            raise ScenarioError(f"a budget of {value:g}{unit} chooses nothing: give more than 0")
    if budget is not None and not (cost_per_km or 0) > 0:
        raise ScenarioError("a budget in money needs a cost per km above 0 (--cost-per-km)")


def ranking_inputs(
    study: Study,
    *,
    candidates: Scenario | str | Path | None,
    closures: bool,
    standard: tuple[float | None, float | None, float | None, str | None],
    objective: Objective | str,
    budgets: tuple[float | None, float | None, float | None],
) -> tuple[Scenario | None, Objective, Upgrade]:
    """:func:`run_ranking`'s inputs read and checked, before any work (the command calls
    it before reading the roads): the candidates (read from their file), the objective
    and the standard (``standard``: limit, factor, drive speed, class; ``budgets``: cost
    per km, budget in km, budget in money).

    Raises
    ------
    ScenarioError
        A bad candidates file, objective, standard or budget.
    """
    asked = objective if isinstance(objective, str) else objective.describe()
    if not isinstance(objective, Objective):
        objective = Objective.parse(objective, study)
    _check_options(closures, objective, asked, *budgets)
    rule = standard_upgrade(*standard)  # one setting, plausible
    if candidates is not None and not isinstance(candidates, Scenario):
        candidates = load_candidates(candidates, rule)
    return candidates, objective, rule


def run_ranking(
    study: Study,
    network: RoadNetwork,
    *,
    candidates: Scenario | str | Path | None = None,
    closures: bool = False,
    maxspeed_kph: float | None = None,
    factor: float | None = None,
    speed_kph: float | None = None,
    road_class: str | None = None,
    objective: Objective | str = "potential",
    cost_per_km: float | None = None,
    budget_km: float | None = None,
    budget: float | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    timeout_s: float = 10.0,
) -> Ranking:
    """Rank the sections of today's routes (or ``candidates``, the user's list: a scenario,
    or a path for :func:`load_candidates`) upgraded to
    the standard (a limit ``maxspeed_kph``, default 110; or one of ``factor``, a drive speed
    ``speed_kph`` or a ``road_class``), or closed (``closures``);
    with a budget (``budget_km``, or ``budget`` with ``cost_per_km``) also the package.

    Raises
    ------
    ScenarioError
        A bad objective, budget or candidate.
    ClusterError
        The scheduler cannot be reached within ``timeout_s``.
    """
    candidates, objective, rule = ranking_inputs(
        study,
        candidates=candidates,
        closures=closures,
        standard=(maxspeed_kph, factor, speed_kph, road_class),
        objective=objective,
        budgets=(cost_per_km, budget_km, budget),
    )
    if scheduler is not None:
        connect(scheduler, timeout_s).close()  # reach it before minutes of work
    with warnings.catch_warnings(record=True) as caught:  # gathered, as run_scenario's
        warnings.simplefilter("always", UralAccessWarning)
        ranking = _ranked(
            study,
            network,
            candidates,
            closures,
            objective,
            rule,
            (cost_per_km, budget_km, budget),
            {"workers": workers, "scheduler": scheduler, "timeout_s": timeout_s},
        )
    told = [str(w.message) for w in caught if issubclass(w.category, UralAccessWarning)]
    ranking.warnings = list(dict.fromkeys(told))
    return ranking


def _ranked(
    study: Study,
    network: RoadNetwork,
    candidates: Scenario | None,
    closures: bool,
    objective: Objective,
    rule: Upgrade,
    budgets: tuple[float | None, float | None, float | None],
    run: dict[str, Any],
) -> Ranking:
    """:func:`run_ranking` once its inputs are checked (``run``: workers, scheduler and
    timeout for :func:`.ranking.evaluate_candidates`)."""
    cost_per_km, budget_km, budget = budgets
    workers, scheduler = run["workers"], run["scheduler"]
    net = study_network(study, network)
    log.info("reading your candidates" if candidates else "finding the sections of today's routes")
    sweep = prepare_sweep(study, net, candidates=candidates, closures=closures)
    if not workers:  # starting processes costs seconds: worth it for long sweeps
        many = AUTO_PARALLEL[0] if sweep.graph is not None else AUTO_PARALLEL[1]
        workers = default_workers() if len(sweep.candidates) >= many else 1
    run = dict(run, workers=workers)
    log.info(
        "%d candidates; evaluating them (%s)",
        len(sweep.candidates),
        f"Dask at {scheduler}" if scheduler else f"{workers} process(es)",
    )
    setting = standard_setting(rule)
    standard = _STANDARD_WORDS[setting[0]].format(setting[1])
    provenance = dict(
        results_provenance(study, net),
        standard=standard,
        objective=objective.describe(),
        candidates=len(sweep.candidates),
    )
    if candidates is not None:
        provenance["candidate_list"] = {"name": candidates.name, "sha256": candidates.sha256}
    if closures:
        table, redundancy = rank_closures(sweep, **run)
        return Ranking(sweep, table, True, setting, objective, provenance, None, redundancy)
    options: dict[str, Any] = {"standard": rule, "objective": objective}
    table = rank_upgrades(sweep, cost_per_km=cost_per_km, **options, **run)
    package = None
    if budget_km is not None or budget is not None:
        package = choose_package(
            sweep, budget_km=budget_km, budget=budget, cost_per_km=cost_per_km, **options, **run
        )
    return Ranking(sweep, table, False, setting, objective, provenance, package)
