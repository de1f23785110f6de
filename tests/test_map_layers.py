"""The maps' layer data on the real Urals extract: bands computed once, for every map."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import shapely
from ural_access.geo.access import compute_access
from ural_access.geo.context import network_context
from ural_access.maps._shared import BAND_TOLERANCE_DEG, band_data, map_data
from ural_access.maps.overview import agglomeration_map, overview_map


@pytest.fixture(scope="module")
def urals(built: dict):  # type: ignore[no-untyped-def]
    study, net, _ = built["urals"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = compute_access(study, net)
    return results, network_context(net)


def _shapes(collection: dict) -> np.ndarray:
    return np.array(
        [shapely.from_geojson(_json(f["geometry"])) for f in collection["features"]], dtype=object
    )


def _json(geometry: dict) -> str:
    import json

    return json.dumps(geometry)


def test_nearer_city_bands_are_the_union_of_the_cities_reach(urals) -> None:  # type: ignore[no-untyped-def]
    """Ring k of the combined view is what either city reaches within band k, not before."""
    results, _ = urals
    iso = results.isochrones
    bands = band_data(results)
    assert bands.nearest is not None and set(bands.cities) == {c for c, _ in results.cities}
    rings = shapely.make_valid(_shapes(bands.nearest))
    assert len(rings) == len(bands.bands_min) == 12
    # Simplification moves edges by up to a few tolerances: compare with that slack.
    slack = 3 * BAND_TOLERANCE_DEG
    drawn = np.array([shapely.union_all(rings[: k + 1]) for k in range(len(rings))], dtype=object)
    for k in (0, 4, 11):  # three bands, each against every polygon of both cities
        limit = bands.bands_min[k]
        reach = shapely.union_all(iso.geometry[iso["band_min"] <= limit].to_numpy())
        # Everything either city reaches within the band is drawn by band k, and no more.
        assert shapely.difference(reach, shapely.buffer(drawn[k], slack)).area < 1e-4
        assert shapely.difference(drawn[k], shapely.buffer(reach, slack)).area < 1e-4
        # And ring k holds nothing reached in an earlier band.
        if k:
            earlier = shapely.buffer(drawn[k - 1], -slack)
            assert shapely.intersection(rings[k], earlier).area < 1e-4


def _without_ids(html: str) -> str:
    return re.sub(r"_[0-9a-f]{32}", "_ID", html)


def test_maps_drawn_from_shared_data_equal_maps_drawn_alone(urals) -> None:  # type: ignore[no-untyped-def]
    """The bands and context computed once per run give each map what it computes alone."""
    results, context = urals
    data = map_data(results, context)
    assert data.context is not None and data.context_kinds >= {"road"}
    name = str(results.zones["agglomeration"].iloc[0])
    for alone, shared in (
        (overview_map(results, context=context), overview_map(results, data=data)),
        (
            agglomeration_map(results, name, context=context),
            agglomeration_map(results, name, data=data),
        ),
    ):
        a = _without_ids(alone.get_root().render())
        b = _without_ids(shared.get_root().render())
        assert a == b
        assert '"band": "0-30"' in a and "uaContext" in a
