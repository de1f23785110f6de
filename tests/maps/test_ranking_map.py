"""The map of ``rank-upgrades`` (top candidates, package, closures) on the bundled Urals."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from ural_access.geo.errors import UralAccessWarning
from ural_access.geo.network.road_network import RoadNetwork
from ural_access.geo.pipeline.compute import study_network
from ural_access.geo.results.files import read_table
from ural_access.geo.scenarios.closures import rank_closures
from ural_access.geo.scenarios.package import choose_package
from ural_access.geo.scenarios.ranking import Sweep, prepare_sweep, rank_upgrades
from ural_access.geo.study.definition import Study
from ural_access.maps import _inline
from ural_access.maps.assets import is_installed
from ural_access.maps.ranking import write_ranking_map
from ural_access.maps.text import Lang

from ural_access.cli import main


@pytest.fixture(scope="module")
def ranking(built: Mapping[str, tuple[Study, RoadNetwork, Path]]) -> dict[str, Any]:
    study, network, _ = built["urals"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UralAccessWarning)
        sweep = prepare_sweep(study, study_network(study, network))
    return {
        "sweep": sweep,
        "ranked": rank_upgrades(sweep, workers=1),
        "package": choose_package(sweep, budget_km=60.0, workers=1),
        "closures": rank_closures(sweep, workers=1)[0],
    }


def _texts(path: Path) -> str:
    """The page's text with every JSON string in it decoded (the layers' popups, the
    controls' HTML), one a line."""
    page = path.read_text(encoding="utf-8")
    decoded = []
    for literal in re.findall(r'"(?:[^"\\\n]|\\.)*"', page):
        try:
            decoded.append(json.loads(literal))
        except ValueError:
            continue
    return "\n".join(decoded)


def _table(texts: str) -> str:
    """The ranked table control's HTML."""
    found = [t for t in texts.splitlines() if "<tr data-candidate=" in t]
    assert len(found) == 1, len(found)
    return found[0]


def _draw(ranking: dict[str, Any], folder: Path, **kw: Any) -> Path:
    sweep: Sweep = ranking["sweep"]
    closures = kw.pop("closures", False)
    table = ranking["closures"] if closures else ranking["ranked"]
    return write_ranking_map(sweep, table, folder, closures=closures, **kw)


def test_the_map_ranks_the_top_ten_and_marks_the_package(
    ranking: dict[str, Any], tmp_path: Path
) -> None:
    ranked, package = ranking["ranked"], ranking["package"]
    path = _draw(ranking, tmp_path, package=package)
    assert path == tmp_path / "ranking.html"
    texts = _texts(path)
    table = _table(texts)
    top = ranked[ranked["rank"] <= 10]
    # the top ten in the table, in rank order, each with its km and gain
    rows = re.findall(r"<tr data-candidate='(S\d+)'>", table)
    assert rows[:10] == top["candidate"].tolist()
    lang = Lang("en")
    for row in top.itertuples():
        assert row.section in table
        assert f"<td class='n'>{lang.people(row.gain)}</td>" in table
        assert f"{row.rank}. {row.section}: gain {lang.people(row.gain)}" in texts  # tooltip
    eleventh = ranked[ranked["rank"] == 11].iloc[0]
    assert eleventh["section"] not in table  # drawn thin and grey, not listed
    assert f"11. {eleventh['section']}" in texts
    # the package: every step listed (in its own table) and its candidates marked
    assert len(package) >= 2
    assert len(rows) == 10 + len(package)
    assert rows[10:] == package["candidate"].tolist()
    assert f"Package: {len(package)} sections" in table
    for step in package.itertuples():
        if step.candidate in set(top["candidate"]):
            assert f"step {step.step}" in table
    assert "Package within the budget" in texts  # the outline layer


def test_a_popup_lists_only_the_minutes_that_change(
    ranking: dict[str, Any], tmp_path: Path
) -> None:
    ranked = ranking["ranked"]
    texts = _texts(_draw(ranking, tmp_path))
    first = ranked.iloc[0]
    popups = [
        t
        for t in texts.splitlines()
        if t.startswith(f"<div class='ua-popup'><h4>1. {first.section}")
    ]
    assert popups, "no popup of the first section"
    popup = popups[0]  # the line's and the rank badge's are the same
    assert all(p == popup for p in popups)
    columns = [c for c in ranked.columns if c.startswith("minutes_saved_")]
    saved = {c: float(first[c]) for c in columns}
    shown = re.findall(r"data-value='(-?[\d.]+)'", popup)
    assert sorted(float(v) for v in shown) == pytest.approx(
        sorted(v for v in saved.values() if abs(v) >= 0.05), abs=1e-4
    )
    assert 0 < len(shown) < len(columns)  # the zero ones are left out
    lang = Lang("en")
    for label in ("Gain", "Gain per km", "Length"):
        assert f"<th>{label}</th>" in popup
    assert lang.people(first.gain) in popup and lang.people(first.gain_per_km) in popup


def test_section_labels_are_escaped(ranking: dict[str, Any], tmp_path: Path) -> None:
    hostile = ranking["ranked"].copy()
    hostile.loc[hostile["rank"] == 1, "section"] = "<img src=x onerror=alert(1)> 'R-254' & co"
    path = write_ranking_map(ranking["sweep"], hostile, tmp_path)
    raw, texts = path.read_text(encoding="utf-8"), _texts(path)
    assert "<img src=x" not in raw and "<img src=x" not in texts
    assert "&lt;img src=x onerror=alert(1)&gt; &#x27;R-254&#x27; &amp; co" in _table(texts)
    assert "1. &lt;img src=x onerror=alert(1)&gt;" in texts  # the popup and tooltip too


def test_a_russian_map_has_russian_words_names_and_numbers(
    ranking: dict[str, Any], tmp_path: Path
) -> None:
    ranked = ranking["ranked"]
    texts = _texts(_draw(ranking, tmp_path, lang="ru", package=ranking["package"]))
    for words in (
        "Участки по рейтингу",
        "Какую дорогу первой: 10 лучших участков из",
        "Экономия времени до центра",
        "Пакет в пределах бюджета",
        "город первого уровня",
        "ограничение 110 км/ч",
    ):
        assert words in texts, words
    for words in ("Sections by rank", "Minutes saved", "Which road first", "first-tier city"):
        assert words not in texts, words
    table = _table(texts)
    first = ranked.iloc[0]
    # "Chelyabinsk - Kyshtym, km 56-98" as «Челябинск — Кыштым, км 56–98»
    a, _ = first.section.split(", km ")[0].split(" - ")
    lo, hi = first.section.split(", km ")[1].split(" ")[0].split("-")
    lang = Lang("ru", names={"Chelyabinsk": "Челябинск", "Ekaterinburg": "Екатеринбург"})
    assert f"{lang.place(a)} — " in table and f"км {lo}–{hi}" in table
    assert "Челябинск" in table and "Chelyabinsk" not in table
    gain = f"{round(first.gain):,}".replace(",", "\u00a0")  # 67 386
    assert f"<td class='n'>{gain}</td>" in table
    assert f"{first.km:.1f}".replace(".", ",") in table


def test_closures_mark_the_sections_that_cut_a_centre_off(
    ranking: dict[str, Any], tmp_path: Path
) -> None:
    closures = ranking["closures"]
    path = _draw(ranking, tmp_path, closures=True)
    assert path.name == "closures.html"
    texts = _texts(path)
    table = _table(texts)
    cutting = closures[closures["cuts_off"] != ""]
    assert len(cutting) and int(cutting["rank"].min()) <= 10
    assert "potential lost" in table and "Minutes lost to the centre" in texts
    assert "Closures that cut a centre off" in texts and "closing it cuts a centre off" in texts
    row = cutting.iloc[0]
    popup = next(
        t for t in texts.splitlines() if t.startswith(f"<div class='ua-popup'><h4>{row['rank']}. ")
    )
    assert "Cuts off: " in popup and ">cut off<" in popup
    assert f"{row['section']} ✕" in table


def test_the_same_inputs_give_the_same_bytes(ranking: dict[str, Any], tmp_path: Path) -> None:
    for kw in ({"package": ranking["package"]}, {"closures": True, "lang": "ru"}):
        one = _draw(ranking, tmp_path / "one", **dict(kw))
        two = _draw(ranking, tmp_path / "two", **dict(kw))
        assert one.read_bytes() == two.read_bytes()


@pytest.mark.skipif(not is_installed(), reason="map assets not installed (setup-assets)")
def test_the_page_loads_nothing_from_the_internet(ranking: dict[str, Any], tmp_path: Path) -> None:
    page = _draw(ranking, tmp_path).read_text(encoding="utf-8")
    assert _inline.external_refs(page) == []
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.IGNORECASE)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//", page, re.IGNORECASE)
    # the base map's tiles are the only thing it asks the internet for (the browser test
    # checks the requests a page makes)
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in page


def test_rank_upgrades_writes_the_map_in_the_studys_output(tmp_path: Path) -> None:
    out = tmp_path / "rank"
    args = ["rank-upgrades", "--output", str(out), "--workers", "1", "--budget-km", "60"]
    assert main([*args, "--lang", "ru", "--top", "4", "-q"]) == 0
    owned = json.loads((out / ".ural-access-files.json").read_text())
    assert "ranking.html" in owned
    texts = _texts(out / "ranking.html")
    ranking = read_table(out / "ranking.csv")
    package = read_table(out / "package.csv")
    assert "Участки по рейтингу" in texts
    rows = re.findall(r"<tr data-candidate='(S\d+)'>", _table(texts))
    assert rows == [*ranking["candidate"][:4], *package["candidate"]]  # --top 4
    assert "4 лучших участков из 98" in texts


def test_the_users_candidates_keep_their_russian_names(tmp_path: Path) -> None:
    listed = Path(__file__).resolve().parents[2] / "data" / "candidates" / "urals.toml"
    out = tmp_path / "mine"
    args = ["rank-upgrades", "--candidates", str(listed), "--output", str(out), "--workers", "1"]
    assert main([*args, "--lang", "ru", "-q"]) == 0
    texts = _texts(out / "ranking.html")
    table = _table(texts)
    ranking = read_table(out / "ranking.csv")
    assert len(ranking) == 5
    for name in (  # name_ru of each edit of the file, none of the English names
        "Челябинск — Каменск-Уральский, нынешний маршрут",
        "Челябинск — Каменск-Уральский напрямую (90 км/ч)",
        "Челябинск — Магнитогорск: 100 км/ч",
    ):
        assert name in table, name
    assert not any(str(s) in table for s in ranking["section"])
    assert "как задано в его правке" in texts  # each candidate's own edit, not one standard


def test_no_candidate_or_a_gain_that_cannot_be_computed_still_draws(
    ranking: dict[str, Any], tmp_path: Path
) -> None:
    sweep, ranked = ranking["sweep"], ranking["ranked"]
    empty = write_ranking_map(sweep, ranked.iloc[:0], tmp_path / "empty")
    assert "<tr data-candidate=" not in _texts(empty)
    assert "Chelyabinsk" in _texts(empty)  # the cities, where the map opens
    unknown = ranked.copy()
    unknown.loc[0, ["gain", "gain_per_km"]] = float("nan")
    table = _table(_texts(write_ranking_map(sweep, unknown, tmp_path / "nan", lang="ru", top=3)))
    assert len(re.findall(r"<tr data-candidate=", table)) == 3
    assert "<td class='n'>–</td>" in table  # a dash, not "nan"
    assert "nan" not in table.lower()
