"""osmnx's list-valued tags: flattened by the osmnx adapter (geo._osmnx) into OSM text,
they give the speeds OSM's own form gives; speeds.py itself reads OSM text only."""

from __future__ import annotations

import numpy as np
import pytest
from ural_access.geo.errors import ParameterError
from ural_access.geo.network._osmnx import flat_highway, flat_text
from ural_access.geo.network._speeds import default_speed_kph, edge_speeds_kph, parse_maxspeed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("['60', '90']", 60.0),
        (["60", "90"], 60.0),
        (("RU:rural", "70"), 70.0),
        ([90, 60], 60.0),
    ],
)
def test_list_maxspeeds_give_the_lowest_limit(value: object, expected: float) -> None:
    assert parse_maxspeed(flat_text(value)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("highway", "expected"),
    [
        ("['primary', 'secondary']", 65.0),
        ("['secondary', 'primary']", 65.0),  # most important, whatever the order
        (["residential", "trunk"], 85.0),
        (("service", "tertiary_link"), 20.0),
        ("[]", 10.0),
        ([], 10.0),
    ],
)
def test_list_highways_give_the_most_important_class(highway: object, expected: float) -> None:
    assert default_speed_kph(flat_highway(highway)) == expected


def test_lists_reaching_the_speed_model_are_refused() -> None:
    with pytest.raises(ParameterError, match="from_networkx"):
        edge_speeds_kph([["primary", "secondary"], "residential"], None)
    with pytest.raises(ParameterError, match="maxspeed holds lists"):
        edge_speeds_kph(["primary", "primary"], [["60", "90"], None])
    flat = edge_speeds_kph([flat_highway(["secondary", "primary"])], [flat_text(["60", "90"])])
    np.testing.assert_array_equal(flat, edge_speeds_kph(["primary"], ["60;90"]))
