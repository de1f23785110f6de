"""The marginal-gain curve of a package of upgrades, as a PNG for a report: the gain
summed over the choices against the km (or money) spent, each step labelled with its
candidate, and each step's own gain as a bar (gains interact: a later choice gains less
than it would alone).

Drawn with matplotlib (Agg backend, no display) with fixed metadata, so the same curve
gives the same bytes.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pandas as pd

from ..geo.base.atomic import atomic_file
from ._ranking_layers import section_text
from .text import Lang

__all__ = ["PACKAGE_CHART", "write_package_chart"]

#: The chart's file name beside ``package.csv``.
PACKAGE_CHART = "package.png"
#: Steps listed beside the chart by name (a longer package ends the list with "…").
_LIST_MAX = 34

_WORDS = {
    "en": {
        "title": "Package within the budget: gain of each choice and in total",
        "km": "road upgraded, km (cumulative)",
        "cost": "cost (cumulative)",
        "total": "gain in total (people)",
        "step": "gain of the step",
        "empty": "No candidate gains within the budget",
    },
    "ru": {
        "title": "Пакет в пределах бюджета: выигрыш каждого шага и итоговый",
        "km": "улучшено дорог, км (нарастающим итогом)",
        "cost": "стоимость (нарастающим итогом)",
        "total": "выигрыш нарастающим итогом (человек)",
        "step": "выигрыш шага",
        "empty": "Ни один кандидат не даёт выигрыша в пределах бюджета",
    },
}


def write_package_chart(curve: pd.DataFrame, path: str | Path, lang: Lang) -> Path:
    """Draw ``curve`` (:func:`geo.scenarios.package.choose_package`'s table) into ``path``.

    With a ``cumulative_cost`` column the x axis is money, else km.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    words = _WORDS["ru" if lang.ru else "en"]
    x_col = "cumulative_cost" if "cumulative_cost" in curve else "cumulative_km"
    fig, (ax, side) = plt.subplots(1, 2, figsize=(12, 6), gridspec_kw={"width_ratios": [3, 2]})
    side.axis("off")
    if len(curve):
        x = [0.0, *curve[x_col].astype(float)]
        total = [0.0, *curve["cumulative_gain"].astype(float)]
        ax.bar(
            x[:-1],
            curve["marginal_gain"].astype(float),
            width=[b - a for a, b in pairwise(x)],
            align="edge",
            color="#fcb519",
            alpha=0.55,
            edgecolor="white",
            label=words["step"],
        )
        ax.plot(x, total, "o-", color="#3b0f70", lw=2, ms=4, label=words["total"])
        # Step numbers on the curve where they do not overlap; names in the list beside.
        gap, last = 0.025 * (x[-1] or 1.0), -float("inf")
        for row, xi, yi in zip(curve.itertuples(), x[1:], total[1:], strict=True):
            if xi - last >= gap:
                ax.annotate(
                    str(row.step),
                    (xi, yi),
                    textcoords="offset points",
                    xytext=(-3, 5),
                    fontsize=7,
                    ha="right",
                )
                last = xi
        lines = [
            f"{row.step}. {row.candidate}  {section_text(str(row.section), lang)[:48]}"
            for row in curve.itertuples()
        ]
        if len(lines) > _LIST_MAX:
            lines = [*lines[: _LIST_MAX - 1], "…"]
        side.text(
            0.0, 1.0, "\n".join(lines), va="top", ha="left", fontsize=8, transform=side.transAxes
        )
        ax.legend(loc="upper left", frameon=False)
    else:
        ax.text(0.5, 0.5, words["empty"], ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(words["cost" if x_col == "cumulative_cost" else "km"])
    ax.set_ylabel(words["total"])
    fig.suptitle(words["title"], fontsize=12)
    ax.grid(alpha=0.3)
    ax.ticklabel_format(axis="y", style="plain")
    fig.tight_layout()
    with atomic_file(Path(path)) as tmp:
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return Path(path)
