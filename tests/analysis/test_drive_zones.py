"""Zones by drive time on the bundled Urals: membership follows the times exactly."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from ural_access.geo.analysis.drive_zones import (
    ZoneDefinition,
    time_zone_polygons,
    zone_mask,
    zone_membership,
)
from ural_access.geo.analysis.town_times import town_times
from ural_access.geo.errors import UralAccessWarning
from ural_access.geo.routing.router import Router


@pytest.fixture(scope="module")
def urals(built):  # type: ignore[no-untyped-def]
    study, network, _ = built["urals"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)  # towns beyond the access limit
        times = town_times(study, network)
    return study, network, times


def test_time_zone_holds_a_town_iff_its_time_is_within_the_limit(urals) -> None:  # type: ignore[no-untyped-def]
    study, _, times = urals
    checked = 0
    for agg in study.agglomerations:
        t = times.from_centre[agg.name]
        for limit in (30.0, 45.0, 60.0, 90.0):
            inside = zone_mask(study, times, agg, ZoneDefinition("time", limit))
            big = (times.towns["population"] >= study.min_population).to_numpy()
            assert np.array_equal(inside[big], (np.nan_to_num(t, nan=np.inf) <= limit)[big])
            checked += int(inside.sum())
        # the limit at a town's own time takes it in; a second less leaves it out
        reached = np.flatnonzero(np.isfinite(t) & (t > 0))
        j = int(reached[np.argsort(t[reached])[len(reached) // 2]])
        at = zone_mask(study, times, agg, ZoneDefinition("time", float(t[j])))
        below = zone_mask(study, times, agg, ZoneDefinition("time", float(t[j]) - 1 / 60))
        assert at[j] and not below[j]
    assert checked > 20


def test_time_zone_times_are_the_routers_own(urals) -> None:  # type: ignore[no-untyped-def]
    """The times the zones use agree with a plain search from each centre (another path
    through the router: all-node times, not the tree)."""
    study, network, times = urals
    towns = times.towns
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)  # the same towns as town_times
        router = Router(
            network,
            towns.rename(columns={"geonameid": "place_id"})[["place_id", "name", "lon", "lat"]],
            snap_limit_km=study.routing.snap_limit_km,
            detour_factor=study.routing.access_detour_factor,
            access_speed_kph=study.routing.access_speed_kph,
        )
    nodes = towns["node"].to_numpy()
    for agg in study.agglomerations:
        centre = int(nodes[towns["geonameid"].tolist().index(agg.center.geonameid)])
        plain = router.times([centre])[0][nodes] / 60.0
        plain[nodes < 0] = np.nan
        plain[~np.isfinite(plain)] = np.nan
        np.testing.assert_allclose(times.from_centre[agg.name], plain, rtol=0, atol=1e-9)


def test_membership_table_compares_both_definitions(urals) -> None:  # type: ignore[no-untyped-def]
    study, _, times = urals
    zones = [ZoneDefinition("radius", 50.0), ZoneDefinition("time", 45.0)]
    table = zone_membership(study, times, zones)
    assert (table["in_radius_zone"] == (table["distance_km"] <= 50.0)).all()
    timed = table["time_from_center_min"].fillna(np.inf) <= 45.0
    assert (table["in_time_zone"] == timed).all()
    assert (table["in_radius_zone"] | table["in_time_zone"]).all()
    centres = table[table["is_center"]]
    assert len(centres) == len(study.agglomerations) and centres["in_time_zone"].all()
    # the source's Kyshtym case: Ozyorsk is in the zone and closed, Kasli is not closed
    kyshtym = table[table["agglomeration"] == "Greater Kyshtym"].set_index("name")
    assert not kyshtym.loc["Ozyorsk", "visitable"]
    assert kyshtym.loc["Kasli", "visitable"]


def test_reachable_area_grows_with_the_limit(urals) -> None:  # type: ignore[no-untyped-def]
    study, _, times = urals
    small = time_zone_polygons(study, times, 30.0)
    large = time_zone_polygons(study, times, 60.0)
    assert list(small["agglomeration"]) == [a.name for a in study.agglomerations]
    crs = study.local_crs()
    a30 = small.to_crs(crs).area.to_numpy()
    a60 = large.to_crs(crs).area.to_numpy()
    assert np.all(a30 > 0) and np.all(a60 > a30)
    # the 30-min area lies within the 60-min one (up to the simplification of the edges)
    inside = small.to_crs(crs).intersection(large.to_crs(crs), align=False).area.to_numpy()
    assert np.all(inside / a30 > 0.99)
