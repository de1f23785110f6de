"""Tests of geo.speeds: maxspeed parsing, class defaults, factor, vectorisation, real data."""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ural_access.geo.errors import ParameterError
from ural_access.geo.network import _speeds as speeds
from ural_access.geo.network._speeds import (
    SPEED_MODELS,
    default_speed_kph,
    edge_speeds_kph,
    parse_maxspeed,
    speed_model_info,
    travel_times_s,
)
from ural_access.geo.osm.roads import highway_classes
from ural_access.geo.study.options import ROAD_CLASSES

OSM_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "osm"
ANDORRA = OSM_DIR / "andorra-latest.osm.pbf"

# --------------------------------------------------------------------------------------
# parse_maxspeed
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # plain numbers are km/h
        ("60", 60.0),
        ("60.5", 60.5),
        ("5", 5.0),
        ("130", 130.0),
        ("200", 200.0),
        # whitespace, case, explicit km/h
        (" 60 ", 60.0),
        ("60 km/h", 60.0),
        ("60km/h", 60.0),
        ("60 KMH", 60.0),
        ("60 kph", 60.0),
        ("60 км/ч", 60.0),
        ("60,5", 60.5),
        # other units
        ("40 mph", 40 * 1.609344),
        ("40mph", 40 * 1.609344),
        ("40 MPH", 40 * 1.609344),
        ("10 knots", 18.52),
        ("10 kn", 18.52),
        # lists: the minimum of the values that parse
        ("60;90", 60.0),
        ("90;60", 60.0),
        ("60|90", 60.0),
        ("90 | 70 | 50", 50.0),
        ("60; 40 mph", 60.0),
        ("RU:urban;90", 60.0),
        ("60;fast", 60.0),
        ("none;50", 50.0),
        # Russian implicit values (ПДД РФ п. 10.2-10.3), any case
        ("RU:urban", 60.0),
        ("RU:rural", 90.0),
        ("RU:motorway", 110.0),
        ("RU:living_street", 20.0),
        ("ru:urban", 60.0),
        ("RU:Rural", 90.0),
        # zones
        ("RU:zone20", 20.0),
        ("RU:zone30", 30.0),
        ("RU:zone:40", 40.0),
        ("DE:zone30", 30.0),
        ("zone30", 30.0),
        ("GB:zone20", 20 * 1.609344),
        # other countries: own table, then OSRM's generic fallback
        ("BY:urban", 60.0),
        ("UA:urban", 50.0),
        ("GB:nsl_single", 60 * 1.609344),
        ("DE:urban", 50.0),
        ("FR:motorway", 130.0),
        # walking pace
        ("walk", speeds.WALK_KPH),
        # numbers from readers
        (60, 60.0),
        (60.0, 60.0),
        (np.int64(90), 90.0),
    ],
)
def test_parse_maxspeed_values(value: object, expected: float) -> None:
    assert parse_maxspeed(value) == pytest.approx(expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [
        # no usable number: the class default applies
        "none",
        "signals",
        "variable",
        "NONE",
        # junk
        "fast",
        "",
        "   ",
        "-1",
        "0",
        "0.0",
        "250",
        "1000",
        "60 furlongs",
        "sixty",
        "60 60",
        ";",
        "|",
        "RU:trunk",  # no such Russian context: NaN, not a foreign guess
        "RU:zone",
        "XX:nonsense",
        "[",
        "[60",
        "['fast']",
        None,
        math.nan,
        np.nan,
        -5.0,
        math.inf,
        True,
        [],
        ["fast", ""],
        {"maxspeed": 60},
        object(),
        b"60",
    ],
)
def test_parse_maxspeed_junk_is_nan(value: object) -> None:
    result = parse_maxspeed(value)  # type: ignore[arg-type]
    assert isinstance(result, float)
    assert math.isnan(result)


def test_russian_implicit_values_are_the_traffic_rules() -> None:
    # ПДД РФ п. 10.2: 60 in settlements, 20 in residential zones and yards;
    # п. 10.3: 90 outside settlements, 110 on motorways (cars).
    assert speeds.IMPLICIT_MAXSPEEDS_KPH["ru:urban"] == 60.0
    assert speeds.IMPLICIT_MAXSPEEDS_KPH["ru:rural"] == 90.0
    assert speeds.IMPLICIT_MAXSPEEDS_KPH["ru:motorway"] == 110.0
    assert speeds.IMPLICIT_MAXSPEEDS_KPH["ru:living_street"] == 20.0


def test_mph_is_the_international_mile() -> None:
    assert parse_maxspeed("40 mph") == pytest.approx(64.37, abs=0.005)


# --------------------------------------------------------------------------------------
# Class defaults
# --------------------------------------------------------------------------------------

#: Every class a study can keep, with the ``_link`` roads each brings along: the network
#: can hold any of them, so each needs a sourced default.
REQUIRED_CLASSES = tuple(highway_classes(ROAD_CLASSES[-1]))


def _table() -> dict[str, dict[str, object]]:
    path = speeds.MODELS_DIR / "speed_model_ru.toml"
    with path.open("rb") as f:
        raw = tomllib.load(f)
    return raw["highway"]


def test_every_required_class_has_a_sourced_default() -> None:
    table = _table()
    info = speed_model_info()
    sources = info["sources"]
    assert isinstance(sources, dict)
    for highway in REQUIRED_CLASSES:
        row = table[highway]
        assert default_speed_kph(highway) == row["speed_kph"]
        assert row["source"] in sources
        assert str(row["setting"]).strip()


def test_defaults_are_the_osrm_car_profile() -> None:
    # profiles/car.lua (api_version 4), setup().speeds.highway
    osrm = {
        "motorway": 90,
        "motorway_link": 45,
        "trunk": 85,
        "trunk_link": 40,
        "primary": 65,
        "primary_link": 30,
        "secondary": 55,
        "secondary_link": 25,
        "tertiary": 40,
        "tertiary_link": 20,
        "unclassified": 25,
        "residential": 25,
        "living_street": 10,
        "service": 15,
    }
    assert {h: default_speed_kph(h) for h in osrm} == osrm


def test_defaults_never_exceed_the_russian_legal_limit() -> None:
    for highway, row in _table().items():
        assert 0 < float(row["speed_kph"]) <= float(row["legal_kph"]), highway  # type: ignore[arg-type]
    legal = _table()
    assert legal["motorway"]["legal_kph"] == 110  # п. 10.3, автомагистраль
    assert legal["trunk"]["legal_kph"] == 90  # п. 10.3, вне населённых пунктов
    assert legal["residential"]["legal_kph"] == 60  # п. 10.2, населённый пункт
    assert legal["living_street"]["legal_kph"] == 20  # п. 10.2, жилая зона


def test_defaults_differ_by_class_and_follow_the_hierarchy() -> None:
    order = ["motorway", "trunk", "primary", "secondary", "tertiary", "residential", "service"]
    values = [default_speed_kph(h) for h in order]
    assert values == sorted(values, reverse=True)
    assert len(set(values)) == len(values)
    for main in ("motorway", "trunk", "primary", "secondary", "tertiary"):
        assert default_speed_kph(f"{main}_link") < default_speed_kph(main)


@pytest.mark.parametrize(
    ("highway", "expected"),
    [
        ("primary", 65.0),
        (" Primary ", 65.0),
        ("secondary;residential", 55.0),
        ("residential;trunk", 85.0),  # most important, whatever the order
        ("no_such_class;residential", 25.0),
        ("no_such_class", 10.0),  # fallback: OSRM default_speed
        ("busway", 10.0),
        ("", 10.0),
        (None, 10.0),
        (math.nan, 10.0),
    ],
)
def test_default_speed_of_highway_values(highway: object, expected: float) -> None:
    assert default_speed_kph(highway) == expected  # type: ignore[arg-type]


#: Share of a tagged limit driven (data/speed_model_ru.toml, after GraphHopper).
TS = 0.9


def test_tagged_share_is_recorded() -> None:
    info = speed_model_info()
    assert info["tagged_share"] == TS
    assert "graphhopper" in str(info["tagged_share_source"])


def test_untagged_edges_get_the_class_default_not_an_average() -> None:
    # osmnx would give the untagged primary the mean of the tagged primaries (90 km/h).
    highway = ["primary", "primary", "primary", "residential", "residential"]
    maxspeed = ["90", "RU:rural", None, "", np.nan]
    out = edge_speeds_kph(highway, maxspeed)
    np.testing.assert_allclose(out, [90.0 * TS, 90.0 * TS, 65.0, 25.0, 25.0])
    # and an untagged edge's speed does not depend on the other edges
    alone = edge_speeds_kph(["primary"], [None])
    assert alone[0] == out[2]


def test_tag_overrides_default_and_junk_falls_back() -> None:
    highway = ["trunk", "trunk", "trunk", "trunk", "trunk", "living_street"]
    maxspeed = ["70", "none", "signals", "fast", "-1", "walk"]
    out = edge_speeds_kph(highway, maxspeed)
    np.testing.assert_allclose(out, [70.0 * TS, 85.0, 85.0, 85.0, 85.0, speeds.WALK_KPH * TS])


# --------------------------------------------------------------------------------------
# Factor
# --------------------------------------------------------------------------------------

MIXED_HIGHWAY = [
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "residential",
    "service",
    "living_street",
    "trunk_link",
    "unknown_class",
    None,
    math.nan,
    "primary;secondary",
    "residential;tertiary",
    "primary",
    "secondary",
    "residential",
    "motorway",
]
MIXED_MAXSPEED = [
    None,
    "90",
    "RU:rural",
    "60;90",
    "40 mph",
    "",
    math.nan,
    "walk",
    "none",
    "fast",
    "60",
    None,
    "70;50",
    "60|40",
    "RU:urban",
    "0",
    "RU:zone20",
    "1000",
]


@pytest.mark.parametrize("factor", [0.5, 0.8, 1.2, 1.5])
def test_factor_scales_every_speed(factor: float) -> None:
    base = edge_speeds_kph(MIXED_HIGHWAY, MIXED_MAXSPEED)
    scaled = edge_speeds_kph(MIXED_HIGHWAY, MIXED_MAXSPEED, factor=factor)
    np.testing.assert_allclose(scaled, base * factor, rtol=1e-12)
    assert speed_model_info(factor=factor)["factor"] == factor


@pytest.mark.parametrize("factor", [0, 0.0, -0.5, 1.51, 2, math.nan, math.inf, "1", None, True])
def test_bad_factor_raises(factor: object) -> None:
    with pytest.raises(ParameterError, match="factor"):
        edge_speeds_kph(["primary"], ["60"], factor=factor)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="factor"):
        speed_model_info(factor=factor)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# Vectorisation
# --------------------------------------------------------------------------------------


def _scalar_speed(highway: object, maxspeed: object, factor: float = 1.0) -> float:
    tagged = parse_maxspeed(maxspeed)  # type: ignore[arg-type]
    base = default_speed_kph(highway) if math.isnan(tagged) else tagged * TS  # type: ignore[arg-type]
    return base * factor


@pytest.mark.parametrize("factor", [1.0, 0.85])
def test_vectorised_equals_scalar_on_a_mixed_array(factor: float) -> None:
    out = edge_speeds_kph(MIXED_HIGHWAY, MIXED_MAXSPEED, factor=factor)
    expected = [
        _scalar_speed(h, m, factor) for h, m in zip(MIXED_HIGHWAY, MIXED_MAXSPEED, strict=True)
    ]
    assert out.dtype == np.float64
    assert out.shape == (len(MIXED_HIGHWAY),)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert np.all(np.isfinite(out)) and np.all(out > 0)


def test_vectorised_accepts_numpy_pandas_and_repeated_values() -> None:
    n = 3
    hw = np.array(MIXED_HIGHWAY * n, dtype=object)
    ms = pd.Series(MIXED_MAXSPEED * n, dtype=object)
    expected = np.tile(edge_speeds_kph(MIXED_HIGHWAY, MIXED_MAXSPEED), n)
    np.testing.assert_array_equal(edge_speeds_kph(hw, ms), expected)
    np.testing.assert_array_equal(edge_speeds_kph(pd.Series(hw), ms.to_numpy()), expected)
    # numpy string arrays (no None possible) and maxspeed missing altogether
    text_hw = np.array(["primary", "residential", "primary"])
    text_ms = np.array(["", "40", "RU:urban"])
    np.testing.assert_allclose(edge_speeds_kph(text_hw, text_ms), [65.0, 40.0 * TS, 60.0 * TS])
    np.testing.assert_array_equal(edge_speeds_kph(text_hw, None), [65.0, 25.0, 65.0])
    assert edge_speeds_kph([], []).shape == (0,)


def test_each_distinct_value_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = speeds.parse_maxspeed

    def counting(value: object) -> float:
        calls.append(value)
        return real(value)  # type: ignore[arg-type]

    monkeypatch.setattr(speeds, "parse_maxspeed", counting)
    n = 200_000
    hw = np.array(["primary", "residential", "trunk", "service"] * (n // 4), dtype=object)
    ms = np.array(["60", None, "RU:rural", "40 mph"] * (n // 4), dtype=object)
    out = speeds.edge_speeds_kph(hw, ms)
    assert len(calls) == 3  # "60", "RU:rural", "40 mph"; None is never parsed
    np.testing.assert_allclose(out[:4], np.array([60.0, 25.0 / TS, 90.0, 40 * 1.609344]) * TS)


def test_length_mismatch_raises() -> None:
    with pytest.raises(ParameterError, match="length"):
        edge_speeds_kph(["primary", "primary"], ["60"])
    with pytest.raises(ParameterError, match="one-dimensional"):
        edge_speeds_kph(np.array([["primary"]]), None)


# --------------------------------------------------------------------------------------
# Travel times
# --------------------------------------------------------------------------------------


def test_travel_times() -> None:
    out = travel_times_s([1000.0, 500.0, 0.0], [60.0, 30.0, 90.0])
    np.testing.assert_allclose(out, [60.0, 60.0, 0.0])
    assert out.dtype == np.float64
    np.testing.assert_allclose(travel_times_s([3600.0, 7200.0], 3.6), [3600.0, 7200.0])
    speed = edge_speeds_kph(["trunk", "residential"], [None, "RU:urban"])
    np.testing.assert_allclose(travel_times_s([85_000.0, 60_000.0 * TS], speed), [3600.0, 3600.0])


@pytest.mark.parametrize(
    ("length", "speed"),
    [
        ([100.0], [0.0]),
        ([100.0], [-10.0]),
        ([100.0], [math.nan]),
        ([100.0], [math.inf]),
        ([-1.0], [50.0]),
        ([math.nan], [50.0]),
        ([1.0, 2.0, 3.0], [50.0, 60.0]),
    ],
)
def test_travel_times_reject_bad_input(length: list[float], speed: list[float]) -> None:
    with pytest.raises(ParameterError):
        travel_times_s(length, speed)


# --------------------------------------------------------------------------------------
# Models and provenance
# --------------------------------------------------------------------------------------


def test_unknown_model_raises_listing_the_known_ones() -> None:
    assert "ru" in SPEED_MODELS
    for call in (
        lambda: default_speed_kph("primary", model="de"),
        lambda: edge_speeds_kph(["primary"], ["60"], model="de"),
        lambda: speed_model_info("de"),
    ):
        with pytest.raises(ParameterError, match=r"unknown speed model 'de'.*'ru'"):
            call()


def test_speed_model_info_records_provenance() -> None:
    info = speed_model_info("ru", 0.9)
    json.dumps(info)  # serialisable as it is
    assert info["name"] == "ru"
    assert info["factor"] == 0.9
    assert info["version"]
    path = speeds.MODELS_DIR / "speed_model_ru.toml"
    assert info["table"] == "data/speed_model_ru.toml"
    assert info["table_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    defaults = info["defaults_kph"]
    assert isinstance(defaults, dict)
    assert set(REQUIRED_CLASSES) <= set(defaults)
    assert defaults["primary"] == 65.0
    assert info["fallback_kph"] == 10.0
    rules = info["maxspeed_rules"]
    assert isinstance(rules, dict)
    assert rules["implicit_kph"]["ru:urban"] == 60.0


# --------------------------------------------------------------------------------------
# Real data
# --------------------------------------------------------------------------------------


def test_andorra_ways_all_get_a_positive_finite_speed() -> None:
    assert ANDORRA.exists(), f"shared OSM extract not found: {ANDORRA} (clone beside ../shared)"
    import osmium

    highway: list[str] = []
    maxspeed: list[str | None] = []
    processor = osmium.FileProcessor(str(ANDORRA), osmium.osm.WAY).with_filter(
        osmium.filter.KeyFilter("highway")
    )
    for way in processor:
        if not way.is_way():
            continue
        highway.append(way.tags.get("highway"))
        maxspeed.append(way.tags.get("maxspeed"))

    assert len(highway) > 4000
    tagged = np.array([m is not None for m in maxspeed])
    parsed = np.array([parse_maxspeed(m) for m in maxspeed])
    # The shared README: 648 Andorra ways carry maxspeed; all are plain numbers.
    assert tagged.sum() == 648
    assert np.isfinite(parsed[tagged]).sum() == 648
    assert np.all((parsed[tagged] >= 5) & (parsed[tagged] <= 130))
    assert np.isnan(parsed[~tagged]).all()

    out = edge_speeds_kph(highway, maxspeed, factor=0.9)
    assert out.dtype == np.float64 and out.shape == (len(highway),)
    assert np.all(np.isfinite(out)) and np.all(out > 0)
    np.testing.assert_allclose(out[tagged], parsed[tagged] * TS * 0.9)
    untagged_expected = [
        default_speed_kph(h) * 0.9 for h, t in zip(highway, tagged, strict=True) if not t
    ]
    np.testing.assert_allclose(out[~tagged], untagged_expected)
