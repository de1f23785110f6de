"""The comparison map of ``ural-access scenario`` on the bundled Urals extract."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from ural_access.geo.results.files import read_table
from ural_access.maps.text import Lang

from ural_access.cli import main

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "data" / "scenarios" / "upgrade-chelyabinsk-miass.toml"
)


def _run(out: Path, scenario: Path, *extra: str) -> Path:
    args = ["scenario", "--scenario", str(scenario), "--output", str(out)]
    assert main([*args, "-q", *extra]) == 0
    return out / "comparison"


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(tmp_path_factory.mktemp("en") / "up", EXAMPLE)  # with the surface


def _texts(path: Path) -> str:
    """The page's text with every JSON string in it decoded (the layers' data, the
    controls' HTML: ``\\u003c``, ``\\u2192``, Cyrillic as written), one a line."""
    page = path.read_text(encoding="utf-8")
    found = re.findall(r'"(?:[^"\\\n]|\\.)*"', page)
    decoded = []
    for literal in found:
        try:
            decoded.append(json.loads(literal))
        except ValueError:
            continue
    return "\n".join(decoded)


def _popup(path: Path, name: str) -> str:
    """The popup HTML of the place called ``name`` in the places layers of the page."""
    page = path.read_text(encoding="utf-8")
    found = [
        hit
        for key in {json.dumps(name), json.dumps(name, ensure_ascii=False)}
        for hit in re.findall(re.escape(f'"name": {key}, "popup": ') + r'("(?:[^"\\]|\\.)*")', page)
    ]
    # one in the nearer city's layer and one in each city's: the same popup
    assert len(found) == 3 and len(set(found)) == 1, f"{len(found)} popups of {name}"
    return str(json.loads(found[0]))


def test_the_page_holds_the_edited_roads_and_the_changed_routes(english: Path) -> None:
    page = _texts(english / "scenario.html")
    assert json.loads((english / ".ural-access-files.json").read_text()).count("scenario.html") == 1
    layers = ("Edited roads", "Changed routes: before", "Changed routes: after")
    per_city = [f"Change in drive time from {c} (places)" for c in ("Ekaterinburg", "Chelyabinsk")]
    for layer in (*layers, *per_city, "Change in drive time (surface)"):
        assert layer in page.splitlines(), layer
    # the edits by name (from the scenario file), and a changed route with both times
    assert "Chelyabinsk - Miass at 110 km/h (upgraded road)" in page
    assert "Miass - Zlatoust at 110 km/h (upgraded road)" in page
    assert "Scenario: Chelyabinsk - Miass - Zlatoust upgraded to 110 km/h" in page
    assert "a faster road from Chelyabinsk to Greater Miass" in page  # the description
    assert "Челябинск" not in page  # no Russian name on the English map
    routes = read_table(english / "comparison_cities.csv")
    leg = routes[(routes["origin"] == "Chelyabinsk") & (routes["agglomeration"] == "Greater Miass")]
    lang = Lang("en")
    before = lang.minutes(float(leg["time_to_center_min_baseline"].iloc[0]))
    after = lang.minutes(float(leg["time_to_center_min_scenario"].iloc[0]))
    assert f"Chelyabinsk \u2192 Miass: {before} \u2192 {after}" in page
    assert "dashArray" in page  # the routes before are dashed


def test_the_miass_popup_holds_the_comparison_tables_times(english: Path) -> None:
    popup = _popup(english / "scenario.html", "Miass")
    places = read_table(english / "comparison_places.csv")
    miass = places[places["name"] == "Miass"]
    assert set(miass["origin"]) == {"Ekaterinburg", "Chelyabinsk"}
    lang = Lang("en")
    for row in miass.itertuples():
        cells = re.search(
            rf"<td>from {row.origin}</td><td class='ua-before' data-value='([\d.]+)'>([^<]+)</td>"
            rf"<td class='ua-after' data-value='([\d.]+)'>([^<]+)</td>",
            popup,
        )
        assert cells is not None, row.origin
        assert float(cells[1]) == pytest.approx(row.time_min_baseline, abs=1e-3)
        assert float(cells[3]) == pytest.approx(row.time_min_scenario, abs=1e-3)
        assert cells[2] == lang.minutes(row.time_min_baseline)
        assert cells[4] == lang.minutes(row.time_min_scenario)
    chel = miass[miass["origin"] == "Chelyabinsk"].iloc[0]
    assert chel["time_min_change"] < -20  # the upgrade saves Miass over 20 minutes
    assert f"\u2212{lang.minutes(-chel['time_min_change'])}" in popup


def test_a_russian_run_writes_russian_words(tmp_path: Path) -> None:
    path = _run(tmp_path / "ru", EXAMPLE, "--lang", "ru", "--no-isochrones") / "scenario.html"
    page = _texts(path)
    lines = page.splitlines()
    # without the drive-time surfaces the change is drawn per place only
    assert "Изменение времени в пути (пункты)" in lines
    assert "Изменение времени в пути (поверхность)" not in lines
    for words in ("Изменённые дороги", "Изменившиеся маршруты: до", "улучшенная дорога"):
        assert words in page
    assert "Changed routes: before" not in page and "Edited roads" not in page
    # the scenario file's Russian title, description and edit names (title_ru, name_ru)
    assert "Сценарий: Челябинск — Миасс — Златоуст: 110 км/ч" in page
    assert "Челябинск — Миасс: 110 км/ч (улучшенная дорога)" in page
    assert "Миасс — Златоуст: 110 км/ч (улучшенная дорога)" in page
    assert "более быстрая дорога из Челябинска в Большой Миасс" in page  # line breaks joined
    assert "upgraded to 110 km/h" not in page and "Miass at 110 km/h" not in page
    popup = _popup(path, "Миасс")
    assert "ближайший город" in popup and " мин" in popup


def test_names_from_the_scenario_file_are_escaped(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.toml"
    hostile.write_text(
        'title = "<script>alert(1)</script>"\n[[upgrade]]\nname = "<img src=x onerror=alert(2)>"\n'
        'between = ["Chelyabinsk", "Miass"]\nmaxspeed = 110\n',
        encoding="utf-8",
    )
    path = _run(tmp_path / "bad", hostile, "--no-isochrones") / "scenario.html"
    raw, page = path.read_text(encoding="utf-8"), _texts(path)
    assert "<img src=x" not in raw and "<script>alert(1)" not in raw
    assert "<img src=x" not in page and "<script>alert(1)" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


def _first_view(path: Path) -> tuple[float, float, float, float]:
    """(west, south, east, north) the page opens on (what ClearView fits)."""
    page = path.read_text(encoding="utf-8")
    found = re.findall(r"var home = L\.latLngBounds\((\[\[[^\]]+\], \[[^\]]+\]\])\);", page)
    assert len(found) == 1
    (south, west), (north, east) = json.loads(found[0])
    return west, south, east, north


def test_the_map_opens_on_the_edits_and_the_changed_routes(english: Path) -> None:
    import geopandas as gpd
    import shapely

    west, south, east, north = _first_view(english / "scenario.html")
    view = shapely.box(west, south, east, north)
    roads = gpd.read_file(english / "scenario.gpkg", layer="edited_roads")
    routes = gpd.read_file(english / "scenario.gpkg", layer="changed_routes")
    big = routes[routes["time_to_center_min_change"].abs() >= 1.0]  # Miass, Magnitogorsk
    assert len(roads) and len(big) and len(big) < len(routes)
    for lines in (roads, big):
        assert view.contains(shapely.union_all(lines.geometry.to_numpy()))
    # the Chelyabinsk - Miass - Zlatoust edits and the routes they change by a minute or
    # more, not the whole study: Ekaterinburg (56.8 N) and Serov (59.6 N) lie outside
    assert north < 56.5 and south > 52.5
    assert "Serov" in _texts(english / "scenario.html")  # the rest of the study still drawn
    # the cities and centres are named on the map (labels placed by the page)
    texts = _texts(english / "scenario.html")
    for name in ("Chelyabinsk", "Ekaterinburg", "Miass", "Magnitogorsk"):
        assert re.search(rf'<div class="ua-label[^>]*>{name}</div>', texts), name
