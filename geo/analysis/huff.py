"""Competing destinations: a Huff model of trips from the first-tier cities.

The probability that a trip from first-tier city ``c`` goes to agglomeration ``i``, given
all the study's agglomerations, is (Huff 1963, 1964)::

    P_ci = A_i^alpha f(t_ci) / sum_k A_k^alpha f(t_ck)

with ``A_i`` the attractiveness of ``i`` (its zone's population, or the visitable part of
it, or the source's net revenue), ``alpha`` its exponent, ``t_ci`` the drive time from
the city to the centre, and ``f`` the distance decay: Huff's power ``f(t) = t^-lambda``
(times under :data:`MIN_TIME_MIN` count as that, so a centre at the city's door does not
take every trip) or the study's potential decay. The expected visitors of ``i`` from
``c`` are ``P_ci * trips * P_c``, ``P_c`` the city's population and ``trips`` the trips
each resident makes (``[huff] trips_per_person``).

Defaults (``[huff]``, :class:`geo.study.options.HuffOptions`): ``alpha = 1`` and
``lambda = 2``. Huff's form has ``lambda`` estimated per product and place (his 1963
trade-area study found values near 2 to 3); 2 is the gravity model's inverse square, a
starting point to calibrate, not a measured value for the Urals.

Sources: Huff, D. L. (1963). A probabilistic analysis of shopping center trade areas.
Land Economics 39(1): 81–90. Huff, D. L. (1964). Defining and estimating a trading area.
Journal of Marketing 28(3): 34–38.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

from ..base.arrays import FloatArray
from ..errors import UralAccessWarning
from ..study.options import DecayOptions, HuffOptions
from .agglomeration import decay

__all__ = ["MIN_TIME_MIN", "huff_decay", "huff_probabilities", "huff_utilities"]


#: Drive times below this (minutes) count as this in the power decay.
MIN_TIME_MIN = 1.0


def huff_decay(
    time_min: npt.ArrayLike, settings: HuffOptions, study_decay: DecayOptions
) -> FloatArray:
    """The Huff model's decay of drive times (0 where there is no route)."""
    t = np.asarray(time_min, dtype=float)
    if settings.decay == "study":
        return decay(t, study_decay)
    with np.errstate(invalid="ignore"):
        w = np.maximum(t, MIN_TIME_MIN) ** -settings.decay_exponent
    return np.where(np.isfinite(t), w, 0.0)


def huff_utilities(
    attractiveness: npt.ArrayLike,
    time_min: npt.ArrayLike,
    settings: HuffOptions,
    study_decay: DecayOptions,
) -> FloatArray:
    """``A_i^alpha f(t_ci)``, shape (cities, destinations); NaN attractiveness counts 0."""
    a = np.nan_to_num(np.asarray(attractiveness, dtype=float), nan=0.0)
    if np.any(a < 0):
        raise ValueError("the Huff attractiveness must not be negative")
    out: FloatArray = (a**settings.exponent)[None, :] * huff_decay(time_min, settings, study_decay)
    return out


def huff_probabilities(utilities: npt.ArrayLike, origins: list[str] | None = None) -> FloatArray:
    """Each row of utilities divided by its sum: per city, the destinations' shares.

    A city that reaches no attractive destination gets a row of NaN and a warning naming
    it (``origins``); every other row sums to 1.
    """
    u = np.atleast_2d(np.asarray(utilities, dtype=float))
    total = u.sum(axis=1, keepdims=True)
    out = np.full_like(u, np.nan)
    ok = total[:, 0] > 0
    out[ok] = u[ok] / total[ok]
    for i in np.flatnonzero(~ok).tolist():
        name = origins[i] if origins else f"origin {i}"
        warnings.warn(
            f"{name} reaches no attractive agglomeration: its Huff shares are NaN",
            UralAccessWarning,
            stacklevel=2,
        )
    return out
