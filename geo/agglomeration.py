"""Agglomeration measures: how well each first-tier city reaches each agglomeration.

For every agglomeration and first-tier city (definitions in ``docs/method.md``):

- drive time and route distance to the central town and to every town of the zone;
- ``zone_entry_min``: the moment the fastest route to the centre first enters the
  zone circle (``radius_km`` around the centre, geodesic);
- ``mean_time_weighted_min``: the population-weighted mean drive time to the zone's towns;
- ``share_within_<T>``: the share of the zone's population reached within T minutes;
- ``potential``: a Hansen-type accessibility, the city's population weighted by a
  distance-decay function of the drive time to the centre: ``P_c · f(t)``, with
  ``f(t) = 2^(-t / half_life)`` (exponential) or ``2^(-(t / half_life)²)`` (gaussian).
  Summed over the first-tier cities it is the agglomeration's consumer-overflow potential
  (Hansen, W. G. 1959, "How accessibility shapes land use", JAIP 25(2): 73–76).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from .distance import geodesic_m
from .parameters import DecaySettings
from .routing import Route


def decay(time_min: npt.ArrayLike, settings: DecaySettings) -> npt.NDArray[np.float64]:
    """Distance-decay weight of drive times (1 at 0 min, 1/2 at the half-life, NaN → 0)."""
    t = np.asarray(time_min, dtype=float) / settings.half_life_min
    if settings.function == "gaussian":
        w = np.exp2(-(t**2))
    else:
        w = np.exp2(-t)
    return np.where(np.isfinite(w), w, 0.0)


def zone_entry(
    route: Route | None, center_lon: float, center_lat: float, radius_km: float
) -> float:
    """Drive time (s) at which a route first comes within ``radius_km`` of the centre.

    The crossing is interpolated between the last vertex outside and the first inside;
    a route that starts inside gives 0, no route gives NaN.
    """
    if route is None:
        return float("nan")
    xy = np.asarray(route.line.coords)
    dist = geodesic_m(xy[:, 0], xy[:, 1], center_lon, center_lat) / 1000.0
    inside = np.flatnonzero(dist <= radius_km)
    if len(inside) == 0:
        return float("nan")
    k = int(inside[0])
    if k == 0:
        return 0.0
    # Linear in distance to the centre between the two vertices.
    share = (dist[k - 1] - radius_km) / (dist[k - 1] - dist[k])
    t = route.cum_time_s
    return float(t[k - 1] + share * (t[k] - t[k - 1]))


def zone_measures(
    towns: pd.DataFrame, time_col: str, coverage_min: tuple[float, ...]
) -> dict[str, float]:
    """Population-weighted mean time and coverage shares for one zone and one city.

    ``towns`` holds the zone's settlements within the radius, with ``population`` and the
    drive time in minutes in ``time_col`` (NaN where unreachable).
    """
    pop = towns["population"].to_numpy(dtype=float)
    t = towns[time_col].to_numpy(dtype=float)
    total = pop.sum()
    ok = np.isfinite(t)
    out: dict[str, float] = {
        "mean_time_weighted_min": float((pop[ok] * t[ok]).sum() / pop[ok].sum())
        if pop[ok].sum() > 0
        else float("nan"),
        "reachable_population_share": float(pop[ok].sum() / total) if total > 0 else float("nan"),
    }
    for limit in coverage_min:
        within = ok & (np.where(ok, t, np.inf) <= limit)
        out[f"share_within_{limit:g}_min"] = (
            float(pop[within].sum() / total) if total > 0 else float("nan")
        )
    return out


def rank(values: pd.Series, ascending: bool) -> pd.Series:
    """Dense-free ordinal rank (1 = best), NaN last and unranked, ties by order."""
    order = values.rank(method="first", ascending=ascending, na_option="keep")
    return order.astype("Int64")
