"""The sensitivity grid's files: its runs and ranges (CSV) and a chart of rank (PNG).

A sensitivity folder (written atomically, :func:`write_sensitivity`) holds:

- ``sensitivity_runs.csv`` — one row per assumption and agglomeration
  (:func:`geo.analysis.sensitivity.sensitivity_runs`);
- ``sensitivity.csv`` — one row per agglomeration: the range of each measure over the grid
  (:func:`geo.analysis.sensitivity.sensitivity_summary`);
- ``sensitivity_rank.png`` — the rank by zone potential against each assumption: one
  panel per axis of the grid, for each agglomeration its mean rank over the other axes
  and the range from best to worst.

The chart is drawn with matplotlib (Agg backend, no display), with fixed metadata so the
same runs give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from ..analysis.sensitivity import Grid
from ..base.atomic import atomic_dir
from ..study.definition import Study
from .files import write_csv

__all__ = ["rank_chart", "write_sensitivity"]

#: The grid's axes as the chart shows them: a label and how to name a run's value.
_AXES: tuple[tuple[str, Callable[[Any], str]], ...] = (
    ("speed model and factor", lambda r: f"{r.speed_model} x{r.speed_factor:g}"),
    ("zone definition", lambda r: str(r.zone)),
    ("closed towns' people", lambda r: str(r.closed_towns)),
)


def _provenance(study: Study, grid: Grid, network_prov: dict[str, Any]) -> dict[str, Any]:
    return {
        "study": study.key,
        "title": study.title,
        "ural_access_version": __version__,
        "osm_source": network_prov.get("source"),
        "osm_timestamp": network_prov.get("osm_timestamp"),
        "osm_licence": "© OpenStreetMap contributors, ODbL 1.0",
        "grid": {
            "speed_models": list(grid.speed_models),
            "speed_factors": list(grid.speed_factors),
            "zones": [z.label for z in grid.zones],
            "closed_towns": list(grid.closed),
        },
        "rank": "by zone potential summed over the first-tier cities (1 = best); "
        "closed_towns out: the closed towns' people count as unreachable",
        "parameters": study.parameters(),
    }


def rank_chart(runs: pd.DataFrame, path: Path) -> Path:
    """Draw the rank of each agglomeration against each assumption into a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    aggs = list(dict.fromkeys(runs["agglomeration"]))
    n = len(aggs)
    fig, axes = plt.subplots(
        1, len(_AXES), figsize=(14, 5), sharey=True, gridspec_kw={"width_ratios": [3, 3, 1.2]}
    )
    colours = plt.get_cmap("tab10")
    for ax, (title, value_of) in zip(axes, _AXES, strict=True):
        values = [value_of(r) for r in runs.itertuples()]
        frame = runs.assign(value=values)
        order = list(dict.fromkeys(values))
        x = range(len(order))
        for k, agg in enumerate(aggs):
            ranks = frame[frame["agglomeration"] == agg].groupby("value", sort=False)["rank"]
            stats = ranks.agg(["mean", "min", "max"]).astype(float).reindex(order)
            offset = (k - (n - 1) / 2) * 0.06
            xs = [i + offset for i in x]
            ax.vlines(xs, stats["min"], stats["max"], color=colours(k % 10), alpha=0.5, lw=3)
            ax.plot(xs, stats["mean"], "o-", color=colours(k % 10), label=agg, ms=5)
        ax.set_xticks(list(x), order, rotation=30, ha="right", fontsize=9)
        ax.set_title(title, fontsize=11)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylim(n + 0.5, 0.5)
    axes[0].set_yticks(range(1, n + 1))
    axes[0].set_ylabel("rank by zone potential (1 = best)")
    axes[-1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=9, frameon=False)
    fig.suptitle(
        "Rank against assumption: mean over the other assumptions (dot) and range (bar)",
        fontsize=12,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


def write_sensitivity(
    runs: pd.DataFrame,
    summary: pd.DataFrame,
    folder: str | Path,
    study: Study,
    grid: Grid,
    network_provenance: dict[str, Any] | None = None,
) -> Path:
    """Write the runs, the ranges and the rank chart into ``folder`` (replaced atomically)."""
    folder = Path(folder)
    prov = _provenance(study, grid, network_provenance or {})
    with atomic_dir(folder) as tmp:
        write_csv(runs, tmp / "sensitivity_runs.csv", prov)
        write_csv(summary, tmp / "sensitivity.csv", prov)
        rank_chart(runs, tmp / "sensitivity_rank.png")
    return folder
