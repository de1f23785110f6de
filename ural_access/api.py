"""The notebook API's results, which draw their own maps.

:class:`AccessResults` is the analysis' results object (:mod:`ural_access.geo.results`)
with :meth:`~AccessResults.maps`, which draws exactly what ``ural-access maps`` draws;
:func:`run_scenario` and :func:`run_ranking` compute what the ``scenario`` and
``rank-upgrades`` commands compute (the same functions), and their results write the same
files. It lives here, above both ``geo`` and ``maps``, like the command line: the analysis
never imports the maps that draw it.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from .geo.network.road_network import RoadNetwork
from .geo.pipeline.compute import compute_access as _compute_access
from .geo.results.access_results import AccessResults as _AccessResults
from .geo.results.access_results import read_results as _read_results
from .geo.scenarios.runs import Ranking as _Ranking
from .geo.scenarios.runs import ScenarioRun as _ScenarioRun
from .geo.scenarios.runs import run_ranking as _run_ranking
from .geo.scenarios.runs import run_scenario as _run_scenario
from .geo.scenarios.scenario import Scenario, load_scenario
from .geo.study.definition import Study

__all__ = [
    "AccessResults",
    "Ranking",
    "ScenarioRun",
    "compute_access",
    "read_results",
    "run_ranking",
    "run_scenario",
]


class AccessResults(_AccessResults):
    """Everything computed for one study, as :class:`ural_access.geo.results.AccessResults`,
    plus :meth:`maps`."""

    @classmethod
    def of(cls, results: _AccessResults) -> AccessResults:
        """The same results (the same tables, not copies) as this class."""
        if isinstance(results, cls):
            return results
        return cls(**{f.name: getattr(results, f.name) for f in fields(results)})

    @classmethod
    def from_folder(cls, folder: str | Path, study: Study) -> AccessResults:
        """Read a folder written by :meth:`to_folder` (see :func:`read_results`)."""
        return read_results(folder, study)

    def maps(
        self,
        folder: str | Path,
        *,
        lang: str | None = None,
        self_contained: bool | None = None,
        png: bool = False,
        data_dir: str | Path | None = None,
    ) -> list[Path]:
        """Draw the overview, agglomeration and index maps into ``folder``, as
        ``ural-access maps`` does; the paths written, index first.

        Parameters
        ----------
        lang
            ``"en"`` or ``"ru"``; default: the study's language.
        self_contained
            Inline the map scripts and styles (default: as the command line decides).
        png
            Also write a PNG of each map (headless Chromium).
        data_dir
            The results folder the index page links to, if the results were written.
        """
        from .maps import build_maps  # drawing loads folium: only when asked

        options: dict[str, Any] = {"png": png, "lang": lang or self.study.lang}
        if self_contained is not None:
            options["self_contained"] = self_contained
        return build_maps(self, folder, data_dir=data_dir, **options)


def compute_access(
    study: Study, network: RoadNetwork, with_isochrones: bool = True, with_context: bool = True
) -> AccessResults:
    """Every table and layer of the study on the network, and the map context
    (:func:`ural_access.geo.pipeline.compute_access`)."""
    return AccessResults.of(_compute_access(study, network, with_isochrones, with_context))


def read_results(folder: str | Path, study: Study) -> AccessResults:
    """Read a results folder (:func:`ural_access.geo.results.read_results`)."""
    return AccessResults.of(_read_results(folder, study))


class ScenarioRun(_ScenarioRun):
    """A scenario's run (:class:`ural_access.geo.scenarios.runs.ScenarioRun`: ``applied``,
    ``baseline``, ``results``, ``comparison``), plus :meth:`write`."""

    def write(self, folder: str | Path, *, lang: str | None = None) -> tuple[Path, Path]:
        """Write ``folder/results/`` and ``folder/comparison/`` (with the map
        ``scenario.html``) as ``ural-access scenario --output folder`` does; both paths."""
        from .maps.scenario_files import write_scenario_files

        return write_scenario_files(self, folder, lang or self.results.study.lang)


def _scenario(scenario: Scenario | str | Path, **kw: Any) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario, **kw)


def run_scenario(
    study: Study, network: RoadNetwork, scenario: Scenario | str | Path, *, isochrones: bool = True
) -> ScenarioRun:
    """Apply a scenario (or the scenario file at a path) to the study's network and
    compare it with today, as ``ural-access scenario`` does."""
    done = _run_scenario(study, network, _scenario(scenario), isochrones=isochrones)
    return ScenarioRun(**{f.name: getattr(done, f.name) for f in fields(done)})


class Ranking(_Ranking):
    """A ranking (:class:`ural_access.geo.scenarios.runs.Ranking`: ``table``, ``package``,
    ``redundancy``, ``sweep``), plus :meth:`write`."""

    def write(self, folder: str | Path, *, lang: str | None = None, top: int = 10) -> Path:
        """Write the tables, ``candidates.gpkg`` and the map of the ``top`` candidates as
        ``ural-access rank-upgrades --output folder`` does."""
        from .maps.scenario_files import write_ranking_files

        return write_ranking_files(self, folder, lang or self.sweep.study.lang, top=top)


def run_ranking(
    study: Study,
    network: RoadNetwork,
    *,
    candidates: Scenario | str | Path | None = None,
    **options: Any,
) -> Ranking:
    """Rank the sections of today's routes, or ``candidates`` (a scenario, a scenario file,
    or a GeoPackage/GeoJSON of drawn roads), as ``ural-access rank-upgrades`` does;
    ``options`` as :func:`ural_access.geo.scenarios.runs.run_ranking` takes them
    (``closures``, ``maxspeed_kph``, ``factor``, ``objective``, ``budget_km``, ...)."""
    done = _run_ranking(study, network, candidates=candidates, **options)
    return Ranking(**{f.name: getattr(done, f.name) for f in fields(done)})
