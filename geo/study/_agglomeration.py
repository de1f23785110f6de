"""A study's second-tier agglomerations (:class:`Agglomeration`) and reading one from
the study file's ``[[agglomeration]]`` table; public through :mod:`geo.study.definition`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._file import Resolver, check_figures
from .places import Place


@dataclass(frozen=True)
class Agglomeration:
    """A second-tier agglomeration: a central town and the towns around it."""

    name: str
    center: Place
    members: tuple[Place, ...]
    """Member towns named by the source (the paper's membership)."""
    population_k: float | None = None
    """Population in thousands, as the source gives it."""
    net_revenue_mln_rub: float | None = None
    """Net revenue of the agglomeration's firms, mln RUB, as the source gives it."""
    name_ru: str | None = None
    """The agglomeration's name on Russian maps."""
    key: str = ""
    """The study's own file-name key, if it gives one (see :meth:`Study.agglomeration_keys`)."""

    def __post_init__(self) -> None:
        figures = {
            "population_k": self.population_k,
            "net_revenue_mln_rub": self.net_revenue_mln_rub,
        }
        check_figures(f"agglomeration {self.name!r}", figures)


def read_agglomeration(t: dict[str, Any], resolve: Resolver) -> Agglomeration:
    ids = t.get("geonameids", {})
    center = resolve(t["center"], ids.get(t["center"]))
    # member names are checked to be text by _check_place_tables, before any lookup
    members = tuple(resolve(m, ids.get(m)) for m in t.get("members", []))
    if center.geonameid not in {m.geonameid for m in members}:
        members = (center, *members)
    return Agglomeration(
        name=t["name"],
        center=center,
        members=members,
        population_k=t.get("population_k"),
        net_revenue_mln_rub=t.get("net_revenue_mln_rub"),
        name_ru=t.get("name_ru"),
        key=t.get("key", ""),
    )
