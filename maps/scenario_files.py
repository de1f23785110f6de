"""A scenario's files, as the ``scenario`` command writes them and the notebook's
:meth:`ural_access.api.ScenarioRun.write` does: ``results/`` (the scenario's own results)
and ``comparison/`` (the comparison tables, ``scenario.gpkg``, ``scenario.json`` and the
map ``scenario.html``); and a ranking's (``rank-upgrades``,
:meth:`ural_access.api.Ranking.write`): its tables, ``candidates.gpkg`` and its map."""

from __future__ import annotations

import logging
from pathlib import Path

from ..geo.base.atomic import check_output_dir
from ..geo.results.access_results import write_results
from ..geo.scenarios.files import write_comparison, write_ranking
from ..geo.scenarios.runs import Ranking, ScenarioRun
from .package_chart import PACKAGE_CHART, write_package_chart
from .ranking import study_language, write_ranking_map
from .scenario import write_scenario_map
from .text import Lang

__all__ = ["write_ranking_files", "write_scenario_files"]

log = logging.getLogger(__name__)


def write_scenario_files(run: ScenarioRun, out: str | Path, lang: str) -> tuple[Path, Path]:
    """Write ``out/results/`` and ``out/comparison/`` (each atomically); returns both.

    Both folders are checked before either is written (a file in the way, or a file of
    the user's in one of them): a refused ``comparison/`` leaves no new ``results/``.
    """
    out = Path(out)
    Lang(lang)  # an unknown language: refused before any file is written
    for part in ("results", "comparison"):
        check_output_dir(out / part)
    folder = write_results(run.results, out / "results")

    def draw_map(folder: Path) -> Path:
        log.info("drawing the comparison map")
        return write_scenario_map(
            run.baseline, run.results, run.comparison, run.applied, folder, lang=lang
        )

    compared = write_comparison(
        run.comparison, run.applied, out / "comparison", run.results.provenance, also=draw_map
    )
    return folder, compared


def write_ranking_files(ranking: Ranking, out: str | Path, lang: str, top: int = 10) -> Path:
    """Write the ranking's tables, ``candidates.gpkg``, its map (``ranking.html``, or
    ``closures.html``; the ``top`` candidates drawn thick and numbered) and with a
    package its curve (``package.png``) into ``out``, atomically."""

    def draw_map(folder: Path) -> None:
        log.info("drawing the map of the top candidates")
        write_ranking_map(
            ranking.sweep,
            ranking.table,
            folder,
            lang=lang,
            package=ranking.package,
            closures=ranking.closures,
            objective=ranking.objective,
            standard=ranking.setting,
            provenance=ranking.provenance,
            top=top,
        )
        if ranking.package is not None:  # the marginal-gain curve, for a report
            words = study_language(ranking.sweep.study, lang)
            write_package_chart(ranking.package, folder / PACKAGE_CHART, words)

    return write_ranking(ranking, out, also=draw_map)
