"""Property-based tests (hypothesis) of the three parsers that read outside text: the
study file, OSM ``maxspeed`` values and Overpass answers.

Each property says what must hold for *every* input: a parser either gives a value
within its documented range or refuses with the project's own exception, never a wrong
value and never another exception. Examples are kept few so the suite stays quick.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ural_access.geo.errors import ParameterError
from ural_access.geo.network._speeds import (
    MAX_VALID_KPH,
    MIN_VALID_KPH,
    MPH_KPH,
    WALK_KPH,
    parse_maxspeed,
)
from ural_access.geo.osm.overpass import BadAnswer, validate_answer
from ural_access.geo.study.definition import study_from_dict
from ural_access.geo.study.options import KEY_RE, UPPER_BOUNDS

FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

#: Any JSON-like scalar a TOML or JSON file could hold, and some it could not.
ANY_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)


# --------------------------------------------------------------------------- maxspeed
@FAST
@given(st.one_of(ANY_SCALAR, st.text(alphabet="0123456789 .,;|-:kmphnotsRUzwalkie", max_size=16)))
def test_maxspeed_is_nan_or_a_plausible_speed(value: Any) -> None:
    kph = parse_maxspeed(value)
    assert isinstance(kph, float)
    assert math.isnan(kph) or MIN_VALID_KPH <= kph <= MAX_VALID_KPH or kph == WALK_KPH


@FAST
@given(st.integers(min_value=5, max_value=200), st.sampled_from(["", " ", " km/h", "km/h"]))
def test_maxspeed_reads_plain_km_per_hour(n: int, unit: str) -> None:
    assert parse_maxspeed(f"{n}{unit}") == n
    assert parse_maxspeed(f" {n}{unit} ".upper()) == n


@FAST
@given(st.floats(min_value=1e-9, max_value=MIN_VALID_KPH, exclude_max=True))
def test_maxspeed_below_the_plausible_floor_is_refused(value: float) -> None:
    # 0.5 or 1e-7 would give drive times of days: NaN, so the class default applies.
    assert math.isnan(parse_maxspeed(value))
    assert math.isnan(parse_maxspeed(repr(value)))


@FAST
@given(st.integers(min_value=5, max_value=120))
def test_maxspeed_in_mph_is_converted(mph: int) -> None:
    assert parse_maxspeed(f"{mph} mph") == pytest.approx(mph * MPH_KPH)


@FAST
@given(
    st.lists(st.integers(min_value=5, max_value=200), min_size=1, max_size=4), st.sampled_from(";|")
)
def test_maxspeed_of_a_list_is_its_smallest_value(values: list[int], sep: str) -> None:
    assert parse_maxspeed(sep.join(map(str, values))) == min(values)


# --------------------------------------------------------------------------- study file
def _study(**head: Any) -> dict[str, Any]:
    """A whole study by coordinates (no GeoNames look-up): one city, one agglomeration."""
    raw: dict[str, Any] = {
        "study": {"key": "prop", "title": "Property study", "country": "AD", "radius_km": 4},
        "place": [{"name": "Encamp", "lat": 42.534, "lon": 1.583, "population": 11000}],
        "first_tier": [
            {"name": "Andorra la Vella", "lat": 42.507, "lon": 1.521, "population": 20000}
        ],
        "agglomeration": [{"name": "Encamp", "center": "Encamp"}],
    }
    raw["study"].update(head)
    return raw


NUMERIC_FIELDS = {
    ("study", "radius_km"): "radius_km",
    ("study", "min_population"): "min_population",
    ("study", "area_buffer_km"): "area_buffer_km",
    ("routing", "snap_limit_km"): "snap_limit_km",
    ("routing", "decay_half_life_min"): "decay_half_life_min",
    ("routing", "isochrone_buffer_m"): "isochrone_buffer_m",
    ("speed", "factor"): "speed_factor",
}


@FAST
@given(st.sampled_from(sorted(NUMERIC_FIELDS)), ANY_SCALAR)
def test_a_study_number_is_finite_and_plausible_or_refused(
    where: tuple[str, str], value: Any
) -> None:
    section, name = where
    raw = _study()
    raw.setdefault(section, {})[name] = value
    try:
        study = study_from_dict(copy.deepcopy(raw))
    except ParameterError:
        return
    flat = NUMERIC_FIELDS[where]
    got = getattr(study, name) if section == "study" else getattr(getattr(study, section), name)
    assert study.parameters().get(flat, got) == got
    assert isinstance(got, int | float) and not isinstance(got, bool)
    assert math.isfinite(got) and got >= 0
    assert got <= UPPER_BOUNDS.get(NUMERIC_FIELDS[where], 1.5)


@FAST
@given(st.lists(ANY_SCALAR, max_size=6))
def test_drive_time_bands_are_increasing_finite_minutes_or_refused(bands: list[Any]) -> None:
    raw = _study()
    raw["routing"] = {"bands_min": bands}
    try:
        study = study_from_dict(raw)
    except ParameterError:
        return
    got = study.routing.bands_min
    assert got and all(math.isfinite(b) for b in got)
    assert 0 < got[0] and all(a < b for a, b in itertools.pairwise(got))
    assert got[-1] <= UPPER_BOUNDS["minutes"]


@FAST
@given(st.one_of(st.text(max_size=70), st.from_regex(KEY_RE, fullmatch=True)))
def test_a_study_key_is_an_identifier_never_a_path(key: str) -> None:
    try:
        study = study_from_dict(_study(key=key))
    except ParameterError:
        assert KEY_RE.fullmatch(key) is None
        return
    assert study.key == key and KEY_RE.fullmatch(key)
    assert "/" not in key and "\\" not in key and key not in {".", ".."}


@FAST
@given(st.lists(st.one_of(ANY_SCALAR, st.lists(ANY_SCALAR, max_size=5)), min_size=0, max_size=5))
def test_a_bbox_is_four_finite_degrees_or_refused(box: list[Any]) -> None:
    try:
        study = study_from_dict(_study(bbox=box))
    except ParameterError:
        return
    west, south, east, north = study.bbox
    assert -180 <= west < east <= 180 and -90 <= south < north <= 90


NAMES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20
)


@FAST
@given(st.lists(NAMES, min_size=2, max_size=4, unique=True))
def test_first_tier_cities_get_distinct_stable_keys(names: list[str]) -> None:
    raw = _study()
    raw["first_tier"] = [
        {"name": n, "lat": 42.5 + i / 100, "lon": 1.5, "population": 1000}
        for i, n in enumerate(names)
    ]
    try:
        study = study_from_dict(raw)
    except ParameterError:
        return  # e.g. two names that fold to the same town
    keys = [k for _, k in study.city_keys()]
    assert len(set(keys)) == len(keys)
    assert all(re.fullmatch(r"[a-z0-9_]+", k) for k in keys)
    assert keys == [k for _, k in study_from_dict(raw).city_keys()]  # the same every time


# --------------------------------------------------------------------------- Overpass
def _node(i: int) -> dict[str, Any]:
    return {"type": "node", "id": i, "lat": 42.5 + i / 1000, "lon": 1.5}


def _answer(n_nodes: int) -> dict[str, Any]:
    nodes = [_node(i) for i in range(1, n_nodes + 1)]
    way = {"type": "way", "id": 7, "nodes": [1, 2], "tags": {"highway": "primary"}}
    return {"osm3s": {"timestamp_osm_base": "2024-01-01T00:00:00Z"}, "elements": [*nodes, way]}


@FAST
@given(
    st.integers(min_value=2, max_value=5),
    st.sampled_from(["id", "lat", "lon", "nodes", "tags", "type"]),
    st.one_of(
        ANY_SCALAR,
        st.lists(ANY_SCALAR, max_size=3),
        st.dictionaries(st.text(max_size=3), ANY_SCALAR, max_size=2),
    ),
    st.booleans(),
)
def test_an_overpass_answer_is_complete_and_well_formed_or_refused(
    n_nodes: int, field: str, value: Any, on_way: bool
) -> None:
    answer = _answer(n_nodes)
    element = answer["elements"][-1 if on_way else 0]
    element[field] = value
    try:
        checked = validate_answer(copy.deepcopy(answer))
    except BadAnswer:
        return
    # Accepted: every node has an id and a place on the globe, every way its nodes.
    nodes = {e["id"]: e for e in checked["elements"] if e["type"] == "node"}
    for e in checked["elements"]:
        assert isinstance(e["id"], int) and not isinstance(e["id"], bool) and e["id"] > 0
        if e["type"] == "node":
            assert -90 <= e["lat"] <= 90 and -180 <= e["lon"] <= 180
            assert math.isfinite(e["lat"]) and math.isfinite(e["lon"])
        elif e["type"] == "way":
            assert len(e["nodes"]) >= 2 and all(n in nodes for n in e["nodes"])
            assert all(
                isinstance(k, str) and isinstance(v, str) for k, v in e.get("tags", {}).items()
            )


@FAST
@given(st.one_of(ANY_SCALAR, st.lists(ANY_SCALAR, max_size=3)))
def test_an_overpass_answer_that_is_not_an_object_is_refused(data: Any) -> None:
    with pytest.raises(BadAnswer):
        validate_answer(data)
    if data != []:  # an empty list is a well-formed answer (an empty area, refused later)
        with pytest.raises(BadAnswer):
            validate_answer({"elements": data})  # elements that are not a list of objects
