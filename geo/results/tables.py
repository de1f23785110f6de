"""Wide tables, one column per first-tier city, from the long results, and back.

The results hold long (tidy) tables keyed by ids: drive times by (origin id, place id),
measures by (origin id, agglomeration). People reading a CSV want one row per place or
per agglomeration with a column per city (``time_min_from_ekaterinburg``); these
functions turn one shape into the other, the only place where the city columns are made.
A wide column is always ``<measure>_from_<city slug>``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["AGGLOMERATION_TOTALS", "TRAILING_MEASURES", "Cities", "narrow", "wide_summary", "widen"]

#: (GeoNames id, name, column slug) of each first-tier city, in the study's order.
Cities = Sequence[tuple[int, str, str]]

#: Per-agglomeration columns that come after the per-city measures in the wide summary.
AGGLOMERATION_TOTALS = ("potential_total", "rank_potential")

#: Per-city measures written after the totals in the wide summary.
TRAILING_MEASURES = ("rank_time",)


def widen(
    frame: pd.DataFrame,
    long: pd.DataFrame,
    on: str,
    key: str,
    measures: Sequence[str],
    cities: Cities,
) -> pd.DataFrame:
    """``frame`` with a ``<measure>_from_<city>`` column per city and measure.

    ``long`` has one row per (``origin_id``, ``key``); its values are matched to
    ``frame[on]`` (NaN where a row has none).
    """
    out = frame.copy()
    for origin_id, _name, slug in cities:
        rows = long[long["origin_id"] == origin_id].set_index(key)
        for m in measures:
            out[f"{m}_from_{slug}"] = out[on].map(rows[m])
    return out


def narrow(
    wide: pd.DataFrame, on: str, key: str, cities: Cities
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a wide table into its own columns and a long table by (origin, ``key``).

    The reverse of :func:`widen`: every ``<measure>_from_<city>`` column becomes the
    ``measure`` column of the city's rows.
    """
    suffixes = {slug: f"_from_{slug}" for _id, _name, slug in cities}
    city_cols = {c for c in wide.columns if any(c.endswith(s) for s in suffixes.values())}
    own = wide[[c for c in wide.columns if c not in city_cols]].copy()
    frames = []
    for origin_id, name, slug in cities:
        cols = [c for c in wide.columns if c.endswith(suffixes[slug]) and c in city_cols]
        part = wide[[on, *cols]].rename(
            columns={on: key, **{c: c[: -len(suffixes[slug])] for c in cols}}
        )
        part.insert(0, "origin", name)
        part.insert(0, "origin_id", origin_id)
        frames.append(part)
    long = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return own, long


def wide_summary(
    agglomerations: pd.DataFrame, summary: pd.DataFrame, cities: Cities
) -> pd.DataFrame:
    """One row per agglomeration: its facts, each city's measures, totals, ranks by time."""
    id_cols = {"origin_id", "origin", "agglomeration"}
    measures = [c for c in summary.columns if c not in id_cols]
    leading = [m for m in measures if m not in TRAILING_MEASURES]
    trailing = [m for m in measures if m in TRAILING_MEASURES]
    facts = agglomerations.drop(columns=[c for c in AGGLOMERATION_TOTALS if c in agglomerations])
    out = widen(facts, summary, "agglomeration", "agglomeration", leading, cities)
    for c in AGGLOMERATION_TOTALS:
        if c in agglomerations:
            out[c] = agglomerations[c].to_numpy()
    return widen(out, summary, "agglomeration", "agglomeration", trailing, cities)
