"""Study and command-line inputs that must be refused, and names that must not collide."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ural_access.geo.base.keys import slug, transliterate, unique_keys
from ural_access.geo.errors import PlaceNotFoundError, StudyError
from ural_access.geo.pipeline.compute import compute_access
from ural_access.geo.study.definition import load_study

from ural_access.cli.commands import main

# Towns that GeoNames does not have: a study that fails on a value before looking up a
# town fails with that value's message, not "place ... not found".
NOWHERE = """
[study]
key = "{key}"
title = "t"
country = "AD"
{study_extra}

[routing]
{routing_extra}

[[first_tier]]
name = "Atlantis"

[[agglomeration]]
name = "Lemuria"
center = "Lemuria"
"""


def _study(tmp_path: Path, key: str = "ok", study_extra: str = "", routing_extra: str = "") -> Path:
    path = tmp_path / "study.toml"
    text = NOWHERE.format(key=key, study_extra=study_extra, routing_extra=routing_extra)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "key", ["/some/folder", "../../x", "a/b", "..", ".hidden", "Urals", "", "x" * 65, "a b", "ü"]
)
def test_study_keys_are_identifiers_not_paths(tmp_path: Path, key: str) -> None:
    with pytest.raises(StudyError, match="study key must be"):
        load_study(_study(tmp_path, key=key.replace("\\", "\\\\")))


@pytest.mark.parametrize(
    ("study_extra", "routing_extra", "message"),
    [
        ("radius_km = nan", "", "radius_km must be positive"),
        ("radius_km = inf", "", "radius_km must be positive"),
        ("radius_km = 1e6", "", "radius_km must be at most 500"),
        ("radius_km = -4", "", "radius_km must be positive"),
        ("area_buffer_km = -inf", "", "area_buffer_km must not be negative"),
        ("min_population = -1", "", "min_population must not be negative"),
        ('bbox = ["1", "2", "3", "4"]', "", "bbox must be four numbers"),
        ("bbox = [1, 2, 3]", "", "bbox must be"),
        ("bbox = [1, nan, 3, 4]", "", "bbox must be finite"),
        ("bbox = [3, 2, 1, 4]", "", "bbox must be"),
        ("bbox = [1, 2, 300, 4]", "", "bbox must be"),
        ("", "bands_min = [30, nan]", "bands_min must be finite"),
        ("", "bands_min = [30, inf]", "bands_min must be finite"),
        ("", "bands_min = [30, 1e9]", "bands_min must be at most 2880"),
        ("", "bands_min = []", "bands_min is empty"),
        ("", 'bands_min = ["30"]', "bands_min"),
        ("", "coverage_min = [60, 30]", "coverage_min must be positive and strictly increasing"),
        ("", "snap_limit_km = nan", "snap_limit_km"),
        ("", "decay_half_life_min = inf", "decay_half_life_min"),
        ("", "isochrone_buffer_m = 0", "isochrone_buffer_m must be positive"),
        ("", "snap_limit_km = 1e5", "snap_limit_km must be at most"),
    ],
)
def test_bad_values_are_refused_before_any_town_is_looked_up(
    tmp_path: Path, study_extra: str, routing_extra: str, message: str
) -> None:
    path = _study(tmp_path, study_extra=study_extra, routing_extra=routing_extra)
    with pytest.raises(StudyError, match=message):
        load_study(path)
    # The same file with good values reaches the town lookup (and fails there).
    with pytest.raises(PlaceNotFoundError, match="Atlantis"):
        load_study(_study(tmp_path))


def test_speed_factor_nan_and_inf_are_refused(tmp_path: Path) -> None:
    for value in ("nan", "inf", "0", "1e6"):
        path = _study(tmp_path)
        path.write_text(
            path.read_text(encoding="utf-8") + f"\n[speed]\nfactor = {value}\n", encoding="utf-8"
        )
        with pytest.raises(StudyError, match="speed_factor"):
            load_study(path)


@pytest.mark.parametrize(
    "args",
    [
        ["--radius-km", "nan"],
        ["--radius-km", "1e6"],
        ["--radius-km", "inf"],
        ["--speed-factor", "-1"],
        ["--speed-factor", "nan"],
        ["--snap-limit-km", "inf"],
        ["--decay-half-life", "0"],
        ["--bands", "30,nan"],
        ["--bands", "60,30"],
        ["--bands", "thirty"],
        ["--bands", ""],
        ["--road-classes", "footway"],
    ],
)
def test_cli_values_are_checked_by_argparse_before_the_study_loads(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # The study does not exist: reaching it would be a different error (exit 2 too, but
    # through our own message, not argparse's usage line).
    with pytest.raises(SystemExit) as exc:
        main(["route", "--study", "no-such-study", *args])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert "ural-access route: error: argument" in err and "no study named" not in err
    assert len(err.strip().splitlines()) == 2


def test_cli_refuses_a_path_like_study_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "victim"
    outside.mkdir()
    (outside / "keep.txt").write_text("precious", encoding="utf-8")
    path = _study(tmp_path, key=str(outside))
    code = main(["route", "--study", str(path), "--cache-dir", str(tmp_path / "c"), "-q"])
    assert code == 2 and "study key must be" in capsys.readouterr().err
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]


# ---------------------------------------------------------------------- names and keys


def test_transliteration_and_slugs() -> None:
    assert transliterate("Екатеринбург") == "ekaterinburg"
    assert slug("Челябинск") == "chelyabinsk"
    assert slug("Каменск-Уральский") == "kamensk_uralskij"
    assert slug("Sant Julià de Lòria") == "sant_julia_de_loria"
    assert slug("北京") == ""  # nothing survives: unique_keys falls back to the id


def test_unique_keys_tell_equal_slugs_apart_by_id() -> None:
    assert unique_keys(["Ali Sabieh", "Ali-Sabieh"], [1, 2]) == ("ali_sabieh_1", "ali_sabieh_2")
    assert unique_keys(["北京", "上海"], [7, 8]) == ("place_7", "place_8")
    assert unique_keys(["A", "B"], [1, 2], ["x", None]) == ("x", "b")
    # Order in the study does not change a key.
    assert unique_keys(["Ali-Sabieh", "Ali Sabieh"], [2, 1]) == ("ali_sabieh_2", "ali_sabieh_1")
    with pytest.raises(ValueError, match="listed twice"):
        unique_keys(["A", "A2"], [1, 1])
    with pytest.raises(ValueError, match="given to two places"):
        unique_keys(["A", "B"], [1, 2], ["k", "k"])


ANDORRA_TWO_CITIES = """
[study]
key = "andorra-cyr"
title = "Andorra, cities written in Cyrillic"
country = "AD"
radius_km = 4
min_population = 500
bbox = [1.40, 42.42, 1.79, 42.66]

[routing]
snap_limit_km = 2

[[first_tier]]
name = "{first}"
geonameid = 3041563

[[first_tier]]
name = "{second}"
geonameid = 3040051

[[agglomeration]]
name = "{agg1}"
center = "Encamp"

[[agglomeration]]
name = "{agg2}"
center = "La Massana"
"""


def test_cyrillic_cities_get_their_own_drive_times(built: dict, tmp_path: Path) -> None:
    _, net, _ = built["andorra"]
    path = tmp_path / "cyr.toml"
    path.write_text(
        ANDORRA_TWO_CITIES.format(
            first="Андорра-ла-Велья", second="Эскальдес", agg1="Энкамп", agg2="Ла Массана"
        ),
        encoding="utf-8",
    )
    study = load_study(path)
    keys = [k for _, k in study.city_keys()]
    assert keys == ["andorra_la_velya", "eskaldes"]
    assert list(study.agglomeration_keys().values()) == ["enkamp", "la_massana"]
    res = compute_access(study, net, with_isochrones=False)
    places = res.wide_places().set_index("place_id")
    # Each city is 0 min from itself and some minutes from the other: not one city's
    # times written under both names.
    assert places.loc[3041563, "time_min_from_andorra_la_velya"] == 0
    assert places.loc[3040051, "time_min_from_eskaldes"] == 0
    assert places.loc[3040051, "time_min_from_andorra_la_velya"] > 1
    assert places.loc[3041563, "time_min_from_eskaldes"] > 1
    a, b = (
        res.wide_summary()["time_to_center_min_from_andorra_la_velya"],
        res.wide_summary()["time_to_center_min_from_eskaldes"],
    )
    assert not np.allclose(a, b)


def test_names_with_the_same_slug_get_distinct_keys(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        ANDORRA_TWO_CITIES.format(
            first="Andorra la Vella", second="Escaldes", agg1="Ali Sabieh", agg2="Ali-Sabieh"
        ),
        encoding="utf-8",
    )
    keys = load_study(path).agglomeration_keys()
    assert keys == {"Ali Sabieh": "ali_sabieh_3040686", "Ali-Sabieh": "ali_sabieh_3040132"}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Andorra la Vella", "Andorra la Vella"),  # the same line twice
        ("Andorra la Vella", "Андорра-ла-Велья"),  # two spellings of one GeoNames town
    ],
)
def test_the_same_first_tier_city_twice_is_refused(tmp_path: Path, first: str, second: str) -> None:
    text = ANDORRA_TWO_CITIES.format(first=first, second=second, agg1="E", agg2="M")
    text = text.replace("geonameid = 3040051", "geonameid = 3041563")
    path = tmp_path / "twice.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StudyError, match="listed"):
        load_study(path)


def test_explicit_keys_are_checked(tmp_path: Path) -> None:
    text = ANDORRA_TWO_CITIES.format(first="A", second="B", agg1="E", agg2="M")
    path = tmp_path / "k.toml"
    path.write_text(text.replace('name = "E"', 'name = "E"\nkey = "../up"'), encoding="utf-8")
    with pytest.raises(StudyError, match="key must be"):
        load_study(path)
    path.write_text(
        text.replace('name = "E"', 'name = "E"\nkey = "same"').replace(
            'name = "M"', 'name = "M"\nkey = "same"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(StudyError, match="given to two places"):
        load_study(path)
