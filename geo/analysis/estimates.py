"""Which values are estimates, and why a place has no time: the tables say so.

A drive time includes the access legs (:mod:`geo.routing.last_mile`) at both of its
ends: modelled, not routed. Where a leg is longer than :data:`FLAG_KM` the value is
flagged as an estimate (``estimated`` in the long tables, ``estimated_from_<city>`` and
``time_to_center_estimated_from_<city>`` in the wide ones, ``leg_over_1km`` per place).
A place without a time gets a reason code (``no_time_reason``) that the maps and the
workbook put in words (:func:`no_time_text`), instead of a bare "no route".
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..routing.last_mile import NOTABLE_JOIN_M
from ..study.definition import Study
from ..study.options import ROAD_CLASSES

__all__ = [
    "ACCESS_COLUMNS",
    "BEYOND_LIMIT",
    "CUT_OFF",
    "FLAG_KM",
    "NO_ROADS",
    "UNREACHABLE",
    "flag_summary",
    "flag_travel_times",
    "leg_summary",
    "mark_unreachable",
    "no_time_text",
    "place_reasons",
    "road_classes_present",
]

#: A value whose access legs include one longer than this (km, straight line) is flagged.
FLAG_KM = NOTABLE_JOIN_M / 1000.0

#: Why a place has no drive time (the ``no_time_reason`` codes; empty: it has one).
BEYOND_LIMIT = "beyond_access_limit"
CUT_OFF = "cut_off"
NO_ROADS = "no_roads"
UNREACHABLE = "unreachable"

#: The access-leg columns of the places, copied to the zone towns.
ACCESS_COLUMNS = (
    "join_km",
    "access_km",
    "access_min",
    "nearest_road_km",
    "leg_over_1km",
    "no_time_reason",
)

_TEXTS = {
    "en": {
        BEYOND_LIMIT: "no road within {limit} km in this data (nearest {nearest} km)",
        CUT_OFF: "its nearest roads are not connected to the network (island, ferry only)",
        NO_ROADS: "the network has no roads",
        UNREACHABLE: "no road route from {origin} in this data",
    },
    "ru": {
        BEYOND_LIMIT: "нет дороги ближе {limit} км в этих данных (ближайшая в {nearest} км)",
        CUT_OFF: "ближайшие дороги не связаны с сетью (остров, только паром)",
        NO_ROADS: "в сети нет дорог",
        UNREACHABLE: "нет пути по дорогам от {origin} в этих данных",
    },
}


def _km(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if np.isfinite(value) else "?"


def no_time_text(
    code: str, lang: str = "en", *, limit_km: float = float("nan"), nearest_km: float = float("nan"),
    origin: str = "",
) -> str:  # fmt: skip
    """The reason of a ``no_time_reason`` code in words (``""`` for no code).

    >>> no_time_text("beyond_access_limit", "ru", limit_km=15, nearest_km=19.43)
    'нет дороги ближе 15 км в этих данных (ближайшая в 19.4 км)'
    """
    if not code:
        return ""
    texts = _TEXTS.get(lang, _TEXTS["en"])
    template = texts.get(code, code)
    return template.format(limit=_km(limit_km), nearest=_km(nearest_km), origin=origin)


def place_reasons(snap: pd.DataFrame, place_ids: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(nearest_road_km, no_time_reason)`` of each place from the router's snap table.

    A place left unjoined is ``cut_off``, ``no_roads`` (the network is empty) or
    ``beyond_access_limit`` (its nearest road is farther than the limit).
    """
    table = snap.set_index("place_id")
    nearest = place_ids.map(table["nearest_road_m"]) / 1000.0
    joined = place_ids.map(table["node"]) >= 0
    cut = place_ids.map(table["cut_off"]).fillna(False).astype(bool)
    reason = np.where(
        joined, "", np.where(cut, CUT_OFF, np.where(nearest.notna(), BEYOND_LIMIT, NO_ROADS))
    )
    return nearest, pd.Series(reason, index=place_ids.index, dtype=object)


def mark_unreachable(places: pd.DataFrame, times: pd.DataFrame) -> pd.Series:
    """``no_time_reason`` with ``unreachable`` for joined places no city's roads reach."""
    reason = places["no_time_reason"].copy()
    reached = times.groupby("place_id")["time_min"].apply(lambda t: bool(t.notna().any()))
    missing = (reason == "") & ~places["place_id"].map(reached).fillna(False).astype(bool)
    reason[missing] = UNREACHABLE
    return reason


def _long_leg(places: pd.DataFrame) -> dict[int, bool]:
    """Place id → whether its own access leg is longer than :data:`FLAG_KM`."""
    flag = places["join_km"].to_numpy(dtype=float) > FLAG_KM
    return dict(zip(places["place_id"].tolist(), flag.tolist(), strict=True))


def _either(long: dict[int, bool], a: Iterable[int], b: Iterable[int]) -> list[bool]:
    return [long.get(int(x), False) or long.get(int(y), False) for x, y in zip(a, b, strict=True)]


def flag_travel_times(times: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """A drive-time table (by ``origin_id``, ``place_id``: the city times or the OD table)
    with ``estimated``: a leg at either end is longer than :data:`FLAG_KM`."""
    out = times.copy()
    out["estimated"] = _either(_long_leg(places), out["origin_id"], out["place_id"])
    return out


def flag_summary(summary: pd.DataFrame, places: pd.DataFrame, study: Study) -> pd.DataFrame:
    """The per-(city, agglomeration) measures with ``time_to_center_estimated``, placed
    after ``time_to_center_min``."""
    centre = {a.name: a.center.geonameid for a in study.agglomerations}
    flags = _either(
        _long_leg(places), summary["origin_id"], summary["agglomeration"].map(centre).fillna(-1)
    )
    out = summary.copy()
    at = list(out.columns).index("time_to_center_min") + 1 if "time_to_center_min" in out else 0
    out.insert(at, "time_to_center_estimated", flags)
    return out


def road_classes_present(km_by_class: pd.Series) -> list[str]:
    """The road classes the network holds (links counted with their class), most
    important first: what the data has, not what the study asked for."""
    found = {str(c).removesuffix("_link") for c, km in km_by_class.items() if km > 0}
    rank = {c: i for i, c in enumerate(ROAD_CLASSES)}
    return sorted(found, key=lambda c: (rank.get(c, len(rank)), c))


def leg_summary(places: pd.DataFrame) -> str:
    """One sentence: how many places needed a notable access leg, and the longest ones."""
    joined = places["join_km"].notna()
    far = places[places["join_km"] > FLAG_KM].sort_values(
        ["join_km", "place_id"], ascending=[False, True]
    )
    text = (
        f"{len(far)} of {int(joined.sum())} joined places are more than "
        f"{FLAG_KM:g} km from the network and have an access leg"
    )
    if len(far):
        longest = ", ".join(
            f"{r.name} {r.join_km:.1f} km ({r.access_min:.0f} min)"
            for r in far.head(5).itertuples()
        )
        text += f"; longest: {longest}"
    return text
