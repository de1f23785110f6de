"""The access leg: the last mile from a town to the point where it meets the road network.

A coarse network (the Urals' main roads only) passes kilometres from some towns: their
own streets and the secondary road out of them are not in the data. Rather than drop
such a town, its drive time gets an *access leg*: the straight-line distance from the
town's point to the nearest point of the network, lengthened by a detour (circuity)
factor, driven at an off-network speed. The leg is added to every route that starts or
ends at the town, in both directions, and reported per place (join distance, leg
length, leg time) so that a reader sees how much of a time is modelled, not routed.

Defaults and their sources (see docs/method.md, "The access leg"):

- Detour factor 1.3: road distance over straight-line distance. Newell (1980) found
  about 1.2 for random point pairs in cities; Boscoe, Henry and Zdeb (2012, *The
  Professional Geographer* 64(2), 188–196) about 1.4 for short (under ~10 km) US trips
  to hospitals; Ballou, Rahardja and Sakai (2002, *Transportation Research A* 36(9),
  843–848) give national road circuity factors mostly between 1.2 and 1.4. 1.3 is the
  middle of that range.
- Off-network speed 40 km/h: the speed the project's speed model ``ru`` gives a
  tertiary road (OSRM car profile, ``tertiary = 40``; data/speed_model_ru.toml), below
  its secondary roads (55) and above its residential streets (25): the leg is a mix of
  town streets and a minor road.
- Limit 15 km (the study's ``snap_limit_km``): farther than this a straight leg says
  little about a real route; such places get NaN and a warning naming the distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..study.options import DEFAULT_DETOUR_FACTOR, DEFAULT_LIMIT_KM, DEFAULT_SPEED_KPH

__all__ = ["NOTABLE_JOIN_M", "AccessLeg"]

#: Legs whose straight-line join is longer than this (m) are counted and listed in the
#: summary: a town's GeoNames point within 1 km of a road is as good as on it.
NOTABLE_JOIN_M = 1000.0


@dataclass(frozen=True)
class AccessLeg:
    """How the last mile between a place and the network is modelled.

    Parameters
    ----------
    limit_m
        Largest straight-line distance between a place and the network; a place farther
        from every road gets no drive time (NaN).
    detour_factor
        Road distance of the leg over its straight-line distance (at least 1).
    speed_kph
        Speed on the leg.
    """

    limit_m: float = DEFAULT_LIMIT_KM * 1000.0
    detour_factor: float = DEFAULT_DETOUR_FACTOR
    speed_kph: float = DEFAULT_SPEED_KPH

    def __post_init__(self) -> None:
        if not self.limit_m >= 0:
            raise ValueError(f"access limit must be >= 0 m, got {self.limit_m!r}")
        if not self.detour_factor >= 1:
            raise ValueError(f"detour factor must be >= 1, got {self.detour_factor!r}")
        if not self.speed_kph > 0:
            raise ValueError(f"access speed must be positive, got {self.speed_kph!r}")

    def length_m(self, join_m: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Road length of the leg for a straight-line join distance."""
        return np.asarray(join_m, dtype=float) * self.detour_factor

    def time_s(self, join_m: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Drive time of the leg for a straight-line join distance."""
        return self.length_m(join_m) / (self.speed_kph / 3.6)
