"""The bundled Urals file with map context: the same drive times as the roads-only file,
and the borders, lakes, rivers and Russian town names it adds reach the context layer."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from ural_access.geo import settings
from ural_access.geo.analysis.context import network_context
from ural_access.geo.network.pull import pull_network
from ural_access.geo.osm._extras import cached_map_extras, map_extras_path
from ural_access.geo.pipeline.compute import compute_access
from ural_access.geo.study.definition import load_study

from ..conftest import extract

ROADS_ONLY = "urals-omt-z7-2021.osm.pbf"
WITH_CONTEXT = "urals-omt-z7-2021-context.osm.pbf"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:  # type: ignore[type-arg]
    """The Urals study computed on each file (no isochrones), with the file's context."""
    study = load_study("urals")
    root = tmp_path_factory.mktemp("urals-context")
    out = {}
    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mp.setattr(settings, "cache_folder", root / "cache")
        for name in (ROADS_ONLY, WITH_CONTEXT):
            path = study.default_road_data() if name == WITH_CONTEXT else extract(name)
            assert path is not None
            network, _ = pull_network(study, "pbf", path, root / name)
            results = compute_access(study, network, with_isochrones=False)
            out[name] = (network, results, network_context(network, path), root / "cache")
    return out


def test_the_bundled_default_is_the_shared_context_file() -> None:
    path = load_study("urals").default_road_data()
    assert path is not None and path.name == WITH_CONTEXT
    assert path.read_bytes() == extract(WITH_CONTEXT).read_bytes()
    assert not (path.parent / ROADS_ONLY).exists()  # one Urals file in the package


def test_drive_times_are_those_of_the_roads_only_file(runs: dict[str, tuple]) -> None:  # type: ignore[type-arg]
    (net_a, res_a, _, _), (net_b, res_b, _, _) = runs[ROADS_ONLY], runs[WITH_CONTEXT]
    assert (net_a.n_nodes, net_a.n_edges) == (net_b.n_nodes, net_b.n_edges)
    np.testing.assert_array_equal(net_a.travel_time_s, net_b.travel_time_s)
    for table in ("travel_times", "od", "summary", "places"):
        a, b = getattr(res_a, table), getattr(res_b, table)
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    # the comparison has teeth: 32 of the 34 places have times from each city
    times = res_b.travel_times
    assert times["time_min"].notna().sum() >= 2 * 30


def test_context_has_borders_water_rivers_and_russian_places(runs: dict[str, tuple]) -> None:  # type: ignore[type-arg]
    _, _, roads_only, _ = runs[ROADS_ONLY]
    _, results, context, _ = runs[WITH_CONTEXT]
    assert set(roads_only["kind"]) == {"road"}  # the old file: no geography at all
    kinds = context.groupby("kind")["class"].agg(lambda c: set(c))
    assert {"admin_level=2", "admin_level=3", "admin_level=4"} <= kinds["border"]
    assert {"natural=water", "waterway=river"} <= kinds["water"]
    water = context[(context["kind"] == "water") & (context["class"] == "natural=water")]
    assert len(water) > 200
    assert shapely.is_valid(water.geometry.to_numpy()).all()
    rivers = context[context["class"] == "waterway=river"]
    assert (rivers.geom_type.isin(["LineString", "MultiLineString"])).all()
    places = context[context["kind"] == "place"].set_index("name_ru")
    # The first-tier cities and the agglomerations' centres are place nodes of the file,
    # near their GeoNames points.
    study_places = results.places.set_index("name")
    for latin, russian in (
        ("Ekaterinburg", "Екатеринбург"),
        ("Chelyabinsk", "Челябинск"),
        ("Kamensk-Uralsky", "Каменск-Уральский"),
        ("Krasnoturinsk", "Краснотурьинск"),
        ("Ozyorsk", "Озёрск"),
    ):
        node = places.loc[russian].geometry
        row = study_places.loc[latin]
        assert abs(node.x - row["lon"]) < 0.1 and abs(node.y - row["lat"]) < 0.1, latin


def test_map_language_names_towns_from_the_place_nodes(runs: dict[str, tuple]) -> None:  # type: ignore[type-arg]
    from ural_access.maps._names import osm_russian

    _, results, context, _ = runs[WITH_CONTEXT]
    nodes = context[context["kind"] == "place"].copy()
    nodes["lon"], nodes["lat"] = nodes.geometry.x, nodes.geometry.y
    found = osm_russian(results.places, nodes)
    # Names GeoNames gets wrong or lacks come from OSM: Volchansk, Vishnevogorsk.
    assert found["Volchansk"] == "Волчанск"
    assert found["Vishnëvogorsk"] == "Вишневогорск"
    assert found["Severoural’sk"] == "Североуральск"
    assert len(found) >= 25


def test_the_context_cache_is_small_and_reads_back(
    runs: dict[str, tuple],  # type: ignore[type-arg]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cached context is a few times the file's size (it was 1.2 GB as numpy text,
    every lake padded to the largest one's WKB) and gives back what was read."""
    network, _, context, cache = runs[WITH_CONTEXT]
    monkeypatch.setattr(settings, "cache_folder", cache)
    sha = network.provenance["osm_file"]["sha256"]
    path = map_extras_path(sha)
    assert path.is_file()
    assert path.stat().st_size < 4 * extract(WITH_CONTEXT).stat().st_size
    extras = cached_map_extras(sha)
    assert extras is not None
    assert len(extras.water) == 1800 and len(extras.places) == 383
    assert extras.line_class.count("waterway=river") == 25
    # the first and last lakes come back byte for byte from the packed array
    water = context[context["class"] == "natural=water"]
    assert len(water) > 0
    lakes = shapely.from_wkb(extras.water)
    assert shapely.is_valid(lakes).all() and shapely.area(lakes).sum() > 1.0


def test_a_cache_of_the_old_layout_is_read_again(
    runs: dict[str, tuple],  # type: ignore[type-arg]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    network, _, _, _ = runs[WITH_CONTEXT]
    monkeypatch.setattr(settings, "cache_folder", tmp_path)
    sha = network.provenance["osm_file"]["sha256"]
    path = map_extras_path(sha)
    path.parent.mkdir(parents=True)
    np.savez(path, water=np.asarray(["00"]), water_class=np.asarray(["natural=water"]))
    assert cached_map_extras(sha) is None
