"""Estimates flagged and missing times explained (geo.analysis.estimates) on real data:
the Urals' main roads (long access legs, towns beyond the limit) and Malta (Gozo)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from ural_access.geo.analysis.estimates import (
    BEYOND_LIMIT,
    CUT_OFF,
    FLAG_KM,
    no_time_text,
    road_classes_present,
)
from ural_access.geo.pipeline.compute import compute_access
from ural_access.geo.results.access_results import AccessResults


def _compute(built: Any, key: str) -> AccessResults:
    study, network, _ = built[key]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compute_access(study, network, with_isochrones=False)


@pytest.fixture(scope="module")
def urals(built: Any) -> AccessResults:
    return _compute(built, "urals")


def test_every_time_with_a_leg_over_1_km_is_flagged(urals: AccessResults) -> None:
    places = urals.places.set_index("place_id")
    long_leg = places["join_km"] > FLAG_KM
    assert long_leg.sum() == 15  # "15 of 32 joined places" of the run's summary
    np.testing.assert_array_equal(places["leg_over_1km"], long_leg)
    times = urals.travel_times
    expected = (
        times["place_id"].map(long_leg).to_numpy() | times["origin_id"].map(long_leg).to_numpy()
    )
    np.testing.assert_array_equal(times["estimated"].to_numpy(), expected)
    assert times["estimated"].sum() == 2 * 15  # neither city has a leg over 1 km
    wide = urals.wide_places().set_index("name")
    assert wide.loc["Krasnoturinsk", "estimated_from_ekaterinburg"]
    assert wide.loc["Krasnoturinsk", "join_km"] == pytest.approx(8.36, abs=0.01)
    assert not wide.loc["Nizhny Tagil", "estimated_from_chelyabinsk"]
    od = urals.od
    ends = od["origin_id"].map(long_leg).to_numpy() | od["place_id"].map(long_leg).to_numpy()
    np.testing.assert_array_equal(od["estimated"].to_numpy(), ends)
    towns = urals.wide_towns()
    assert (towns["leg_over_1km"] == (towns["join_km"] > FLAG_KM)).all()


def test_the_centre_times_say_which_are_estimates(urals: AccessResults) -> None:
    summary = urals.wide_summary().set_index("agglomeration")
    cols = [c for c in summary.columns if c.startswith("time_to_center_estimated_from_")]
    assert len(cols) == 2
    # each flag sits right after its city's time
    order = list(summary.columns)
    for key in ("ekaterinburg", "chelyabinsk"):
        at = order.index(f"time_to_center_min_from_{key}")
        assert order[at + 1] == f"time_to_center_estimated_from_{key}"
    centre_leg = summary["center_access_km"] / 1.3 > FLAG_KM  # leg length / detour = join
    for col in cols:
        np.testing.assert_array_equal(summary[col].to_numpy(bool), centre_leg.to_numpy())
    assert summary.loc["Greater Serov", cols].all()  # Krasnoturinsk, 8.4 km off the roads


def test_places_beyond_the_limit_say_why(urals: AccessResults) -> None:
    places = urals.places.set_index("name")
    for name, km in (("Magnitka", 19.4), ("Askarovo", 21.8)):
        row = places.loc[name]
        assert row["no_time_reason"] == BEYOND_LIMIT
        assert row["nearest_road_km"] == pytest.approx(km, abs=0.05)
        assert np.isnan(row["join_km"])
    assert (places["no_time_reason"] != "").sum() == 2
    limit = urals.study.routing.snap_limit_km
    text = no_time_text(BEYOND_LIMIT, "ru", limit_km=limit, nearest_km=19.447)
    assert text == "нет дороги ближе 15 км в этих данных (ближайшая в 19.4 км)"
    assert no_time_text(BEYOND_LIMIT, "en", limit_km=limit, nearest_km=21.8) == (
        "no road within 15 km in this data (nearest 21.8 km)"
    )
    assert no_time_text("", "ru") == ""


def test_an_island_is_cut_off_not_beyond_the_limit(built: Any) -> None:
    """Malta: Gozo's towns have roads of their own, but none leads to Malta's network."""
    malta = _compute(built, "malta")
    places = malta.places.set_index("name")
    gozo = ["Victoria", "Nadur", "Xaghra", "Xewkija"]
    assert (places.loc[gozo, "no_time_reason"] == CUT_OFF).all()
    assert np.isfinite(places.loc[gozo, "nearest_road_km"]).all()
    assert (places.drop(index=gozo)["no_time_reason"] == "").all()
    assert "not connected" in no_time_text(CUT_OFF)


def test_the_road_classes_are_those_in_the_data(urals: AccessResults, built: Any) -> None:
    # The study asks for classes down to tertiary; the bundled roads hold two.
    assert urals.study.network.road_classes == "tertiary"
    assert urals.provenance["road_classes_present"] == ["trunk", "primary"]
    _, andorra, _ = built["andorra"]
    found = road_classes_present(andorra.km_by_class())
    assert found[:2] == ["trunk", "primary"] and "tertiary" in found
    assert not any(c.endswith("_link") for c in found)
    assert road_classes_present(pd.Series({"primary_link": 1.0, "secondary": 0.0})) == ["primary"]


def test_flags_survive_the_files(urals: AccessResults, tmp_path: Path) -> None:
    back = AccessResults.from_folder(urals.to_folder(tmp_path / "r"), urals.study)
    assert back.travel_times["estimated"].dtype == bool
    merged = back.travel_times.merge(urals.travel_times, on=["origin_id", "place_id"])
    assert (merged["estimated_x"] == merged["estimated_y"]).all() and len(merged) == 68

    def reasons(places: pd.DataFrame) -> dict[int, str]:
        return dict(zip(places["place_id"], places["no_time_reason"].fillna(""), strict=True))

    assert reasons(back.places) == reasons(urals.places)
