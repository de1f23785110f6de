"""Competing destinations (Huff) and visitor measures: shares sum to 1, closed towns
never raise a zone's visitor measures."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ural_access.geo.analysis.analytics import compute_analytics
from ural_access.geo.analysis.huff import huff_probabilities, huff_utilities
from ural_access.geo.analysis.visitors import visitor_measures
from ural_access.geo.errors import UralAccessWarning
from ural_access.geo.study.options import DecayOptions, HuffOptions

times_st = st.floats(min_value=0.0, max_value=600.0) | st.just(float("nan"))


@pytest.fixture(scope="module")
def analytics(built):  # type: ignore[no-untyped-def]
    study, network, _ = built["urals"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        return study, compute_analytics(study.with_overrides(zone="both"), network)


def test_huff_shares_of_each_city_sum_to_one_on_the_urals(analytics) -> None:  # type: ignore[no-untyped-def]
    _, result = analytics
    huff = result.huff
    sums = huff.groupby(["zone", "people", "origin"])["probability"].sum()
    assert len(sums) == 2 * 2 * 2  # zones x people x cities
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-12)
    assert (huff["probability"] > 0).all()
    # Ekaterinburg's nearest agglomeration by drive time takes its largest share at
    # equal attractiveness; here the shares follow A / t^2 exactly
    row = huff[(huff["zone"] == "radius 50 km") & (huff["people"] == "all")]
    for _, city in row.groupby("origin"):
        u = city["attractiveness"] / city["time_to_center_min"] ** 2
        np.testing.assert_allclose(city["probability"], u / u.sum(), rtol=1e-12)


@given(
    st.lists(st.floats(min_value=0.0, max_value=1e7), min_size=2, max_size=8).flatmap(
        lambda a: st.tuples(
            st.just(a),
            st.lists(st.lists(times_st, min_size=len(a), max_size=len(a)), min_size=1, max_size=3),
        )
    ),
    st.sampled_from(["power", "study"]),
)
@settings(max_examples=200, deadline=None)
def test_huff_shares_sum_to_one_or_are_nan_with_a_warning(data, decay) -> None:  # type: ignore[no-untyped-def]
    attract, times = data
    u = huff_utilities(attract, times, HuffOptions(decay=decay), DecayOptions())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p = huff_probabilities(u, [f"city {i}" for i in range(len(times))])
    for i, row in enumerate(p):
        if u[i].sum() > 0:
            assert abs(row.sum() - 1.0) < 1e-9 and np.all(row >= 0)
        else:
            assert np.isnan(row).all()
            assert any(f"city {i}" in str(w.message) for w in caught)


def test_a_more_attractive_destination_gets_a_larger_share() -> None:
    times = [[60.0, 60.0, 90.0]]
    base = huff_probabilities(huff_utilities([1.0, 1.0, 1.0], times, HuffOptions(), DecayOptions()))
    more = huff_probabilities(huff_utilities([2.0, 1.0, 1.0], times, HuffOptions(), DecayOptions()))
    assert base[0, 0] == pytest.approx(base[0, 1]) and base[0, 2] == pytest.approx(
        base[0, 0] * 4 / 9
    )
    assert more[0, 0] > base[0, 0] and more[0, 1] < base[0, 1]


@given(
    st.lists(st.tuples(st.integers(0, 500_000), times_st, st.booleans()), min_size=0, max_size=12),
    st.sampled_from(["exponential", "gaussian"]),
)
@settings(max_examples=300, deadline=None)
def test_leaving_out_closed_towns_never_raises_a_visitor_measure(towns, function) -> None:  # type: ignore[no-untyped-def]
    pop = [p for p, _, _ in towns]
    t = [x for _, x, _ in towns]
    open_ = [v for _, _, v in towns]
    out = visitor_measures(pop, t, open_, 1.5e6, (60.0, 120.0), DecayOptions(function, 45.0))
    everyone = visitor_measures(
        pop, t, [True] * len(pop), 1.5e6, (60.0, 120.0), DecayOptions(function, 45.0)
    )
    for key, value in out.items():
        if key.endswith("_visitable"):
            base = key.removesuffix("_visitable")
            assert value <= out[base] + 1e-9 or (np.isnan(value) and np.isnan(out[base]))
            # with every town open the visitable version is the full one
            assert everyone[key] == pytest.approx(everyone[base], nan_ok=True)


def test_closed_towns_lower_only_the_zones_that_hold_them(analytics) -> None:  # type: ignore[no-untyped-def]
    _, result = analytics
    s = result.zone_summary.set_index(["zone", "agglomeration"])
    assert (s["zone_potential_visitable_total"] <= s["zone_potential_total"] + 1e-9).all()
    assert (s["visitable_population"] <= s["zone_population"]).all()
    closed = s["visitable_population"] < s["zone_population"]
    lower = s["zone_potential_visitable_total"] < s["zone_potential_total"]
    assert (closed == lower).all()
    # Ozyorsk (81 k) lies within 50 km and within 45 min of Kyshtym
    assert (
        closed[("radius 50 km", "Greater Kyshtym")] and closed[("time 45 min", "Greater Kyshtym")]
    )
    m = result.zone_measures
    for limit in (60, 90, 120, 180):
        assert (
            m[f"share_within_{limit}_min_visitable"] <= m[f"share_within_{limit}_min"] + 1e-12
        ).all()
    # the Huff attraction (utility) of a zone never rises when its closed towns leave
    h = result.huff.pivot_table(
        index=["zone", "origin", "agglomeration"], columns="people", values="utility"
    )
    assert (h["visitable"] <= h["all"] + 1e-12).all()
    assert (h["visitable"] < h["all"]).any()


def test_revenue_attractiveness_with_the_study_decay(built) -> None:  # type: ignore[no-untyped-def]
    from ural_access.geo.analysis.analytics import huff_table
    from ural_access.geo.analysis.drive_zones import ZoneDefinition
    from ural_access.geo.analysis.town_times import town_times

    study, network, _ = built["urals"]
    study = study.with_overrides(huff_attractiveness="revenue", huff_decay="study")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        table = huff_table(study, town_times(study, network), [ZoneDefinition("radius", 50.0)])
    revenue = {a.name: a.net_revenue_mln_rub for a in study.agglomerations}
    assert (table["attractiveness"] == table["agglomeration"].map(revenue)).all()
    # the closed towns do not change a revenue: both counts of people give the same shares
    pivot = table.pivot_table(
        index=["origin", "agglomeration"], columns="people", values="probability"
    )
    np.testing.assert_allclose(pivot["all"], pivot["visitable"], rtol=1e-12)
    for _, city in table[table["people"] == "all"].groupby("origin"):
        u = city["attractiveness"] * np.exp2(-city["time_to_center_min"] / 60.0)
        np.testing.assert_allclose(city["probability"], u / u.sum(), rtol=1e-9)
        population = {c.name: c.population for c in study.first_tier}[city["origin"].iloc[0]]
        assert city["expected_visitors"].sum() == pytest.approx(population)
