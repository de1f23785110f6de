"""Visitor measures of one zone for one first-tier city, with and without closed towns.

A visitor from a first-tier city can reach the people of an agglomeration's zone only in
the towns they may enter: the closed towns (ЗАТО, :mod:`geo.analysis.designations`) let
nobody in without a pass. For one zone and one city, with ``p_j`` the population of zone
town ``j``, ``t_j`` the drive time from the city, ``P`` the city's population and
``f`` the study's decay (:func:`geo.analysis.agglomeration.decay`):

- ``share_within_<T>_min``: ``sum(p_j : t_j <= T) / sum(p_j)``, the zone's people within
  T minutes; ``..._visitable``: the same over the visitable towns only, still divided by
  the whole zone's population;
- ``zone_potential``: ``P * sum_j (p_j / sum(p)) f(t_j)``, a Hansen-type potential
  (Hansen 1959) on the zone's population-weighted towns instead of the centre alone;
  ``zone_potential_visitable``: the same with the closed towns' weight set to 0.

Dividing by the whole zone's population in both versions means a closed town's people
count as unreachable, never as absent: leaving them out can only lower a measure (or keep
it), never raise it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..study.options import DecayOptions
from .agglomeration import decay

__all__ = ["visitor_measures"]


def visitor_measures(
    population: npt.ArrayLike,
    time_min: npt.ArrayLike,
    visitable: npt.ArrayLike,
    city_population: float,
    coverage_min: tuple[float, ...],
    decay_settings: DecayOptions,
) -> dict[str, float]:
    """Coverage shares and zone potential of one zone from one city, all and visitable.

    Parameters
    ----------
    population, time_min, visitable
        One value per zone town: people, drive time from the city (NaN: no route) and
        whether visitors may enter.
    city_population
        The first-tier city's population.
    coverage_min
        The drive-time limits of the shares.
    decay_settings
        The study's decay (``study.routing.decay``).

    Returns
    -------
    dict
        ``share_within_<T>_min`` and ``share_within_<T>_min_visitable`` for each limit,
        ``zone_potential`` and ``zone_potential_visitable``; NaN for an empty zone.
    """
    pop = np.asarray(population, dtype=float)
    t = np.asarray(time_min, dtype=float)
    open_ = np.asarray(visitable, dtype=bool)
    total = float(pop.sum())
    out: dict[str, float] = {}
    reached = np.isfinite(t)
    for limit in coverage_min:
        within = reached & (np.where(reached, t, np.inf) <= limit)
        for suffix, keep in (("", within), ("_visitable", within & open_)):
            share = float(pop[keep].sum() / total) if total > 0 else float("nan")
            out[f"share_within_{limit:g}_min{suffix}"] = share
    weight = decay(t, decay_settings) * pop  # NaN times decay to 0
    for suffix, keep in (("", np.ones_like(open_)), ("_visitable", open_)):
        value = city_population * float(weight[keep].sum()) / total if total > 0 else float("nan")
        out[f"zone_potential{suffix}"] = value
    return out
