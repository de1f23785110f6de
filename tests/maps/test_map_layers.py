"""The maps' layer data on the real Urals extract: bands computed once, for every map."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pytest
import shapely
from ural_access.geo.analysis.context import network_context
from ural_access.geo.pipeline.compute import compute_access
from ural_access.maps._shared import BAND_TOLERANCE_DEG, isochrone_bands, map_data
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
    return json.dumps(geometry)


def test_nearer_city_bands_are_the_union_of_the_cities_reach(urals) -> None:  # type: ignore[no-untyped-def]
    """Ring k of the combined view is what either city reaches within band k, not before."""
    results, _ = urals
    iso = results.isochrones
    bands = isochrone_bands(results)  # the maps draw the surface; the bands are the fallback
    assert bands.nearest is not None and set(bands.cities) == {c for c, _ in results.cities}
    rings = shapely.make_valid(_shapes(bands.nearest))
    assert len(rings) == len(bands.bands_min) == len(results.study.routing.bands_min) == 6
    # Simplification moves edges by up to a few tolerances: compare with that slack.
    slack = 3 * BAND_TOLERANCE_DEG
    drawn = np.array([shapely.union_all(rings[: k + 1]) for k in range(len(rings))], dtype=object)
    for k in (0, 3, 5):  # three bands, each against every polygon of both cities
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
        assert '"band": "' in a and "uaContext" in a


def test_russian_names_from_osm_place_nodes(built: dict, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """--lang ru names towns by the name:ru of a matching OSM place node near them."""
    import osmium
    from ural_access.maps import build_maps
    from ural_access.maps._names import MAX_PLACE_KM, russian_names
    from ural_access.maps.build import map_language

    from ..conftest import extract

    study, net, _ = built["andorra"]
    pbf = extract("andorra-latest.osm.pbf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = compute_access(study, net, with_isochrones=False)
    context = network_context(net, pbf)
    # The nodes read by hand: every place node's Russian name and position.
    nodes = [
        (n.tags["name:ru"], n.location.lon, n.location.lat)
        for n in osmium.FileProcessor(str(pbf), osmium.osm.NODE).with_filter(
            osmium.filter.KeyFilter("name:ru")
        )
        if "place" in n.tags
    ]
    ru = map_language(results, "ru", context)
    geonames_only = russian_names(results.places)
    from_osm = {}
    for row in results.places.itertuples():
        shown = ru.place(row.name)
        if shown == row.name or shown == geonames_only.get(row.name):
            continue
        from_osm[row.name] = shown
        near = [
            nm
            for nm, lon, lat in nodes
            if np.hypot((lon - row.lon) * np.cos(np.radians(lat)), lat - row.lat) * 111.2
            <= MAX_PLACE_KM
        ]
        assert shown in near, (row.name, shown, near)
    # Many of Andorra's towns have no Russian name in GeoNames' cities500, but one in OSM.
    assert len(from_osm) >= 5, from_osm
    assert ru.place("Ordino") == "Ордино" and ru.place("Encamp") == "Энкамп"
    build_maps(results, tmp_path, lang="ru", context=context)
    page = (tmp_path / "overview.html").read_text(encoding="utf-8")
    for name in ("Энкамп", "Ордино"):  # in labels as text, in GeoJSON as \u escapes
        assert name in page or json.dumps(name)[1:-1] in page, name
    # The place rows name towns; they are not drawn as context.
    assert '"kind": "place"' not in page


def test_water_areas_include_multipolygon_lakes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Water drawn from a .osm.pbf includes multipolygon relations, not closed ways only."""
    import osmium
    from ural_access.geo.analysis import context as ctx

    from ..conftest import extract

    pbf = extract("liechtenstein-latest.osm.pbf")
    water = (("natural", "water"), ("waterway", "riverbank"), ("landuse", "reservoir"))
    closed = sum(
        1
        for w in osmium.FileProcessor(str(pbf), osmium.osm.WAY).with_filter(
            osmium.filter.TagFilter(*water)
        )
        if w.is_closed()
    )
    relations = sum(
        1
        for r in osmium.FileProcessor(str(pbf), osmium.osm.RELATION).with_filter(
            osmium.filter.TagFilter(*water)
        )
        if r.tags.get("type") == "multipolygon"
    )
    assert relations >= 5
    monkeypatch.setattr(ctx, "MIN_WATER_AREA_DEG2", 0.0)  # every lake, however small
    areas = ctx.pbf_context(pbf)
    # water areas: the river lines (waterway=river) are water rows too
    areas = areas[(areas["kind"] == "water") & (areas["class"] != "waterway=river")]
    assert closed < len(areas) <= closed + relations
    assert shapely.is_valid(areas.geometry.to_numpy()).all()


def test_context_read_with_the_roads_is_cached_by_content(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The road read caches the file's map context under its hash: what the maps get from
    the cache is what a fresh read of the file gives; a damaged cache is read anew."""
    from ural_access.geo import settings
    from ural_access.geo.analysis.context import pbf_context
    from ural_access.geo.osm._extras import map_extras_path
    from ural_access.geo.osm.roads import read_osm_file

    from ..conftest import extract

    monkeypatch.setattr(settings, "cache_folder", str(tmp_path / "cache"))
    pbf = extract("monaco.osm.pbf")
    sha = read_osm_file(pbf, "tertiary").meta["sha256"]
    cached = map_extras_path(sha)
    assert cached.is_file() and cached.is_relative_to(tmp_path / "cache")
    fresh = pbf_context(pbf)
    assert {"water", "border"} <= set(fresh["kind"])

    def rows(frame) -> list:  # type: ignore[no-untyped-def]
        return list(zip(frame["kind"], frame["class"], shapely.to_wkb(frame.geometry), strict=True))

    assert rows(pbf_context(pbf, sha256=sha)) == rows(fresh)
    cached.write_bytes(b"not an npz")
    assert rows(pbf_context(pbf, sha256=sha)) == rows(fresh)
    # another file's hash finds nothing and reads the file
    assert rows(pbf_context(pbf, sha256="0" * 64)) == rows(fresh)


def test_overpass_context_matches_the_pbf_context(
    built: dict, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Borders and place nodes come through Overpass as from the .osm.pbf, and name
    Andorra's towns in Russian as the .osm.pbf path does."""
    from ural_access.geo import settings
    from ural_access.geo.network.pull import pull_network
    from ural_access.maps.build import map_language

    from ..conftest import extract
    from ..overpass_server import OverpassTestServer

    study, from_pbf, _ = built["andorra"]
    pbf = extract("andorra-latest.osm.pbf")
    with OverpassTestServer(pbf) as server:
        monkeypatch.setattr(settings, "overpass_url", server.url)
        net, _ = pull_network(study, "overpass", out=tmp_path / "net")
        n_queries = len(server.queries)
        online = network_context(
            net, overpass_area=study.area(), lowest_class=study.network.road_classes
        )
        assert len(server.queries) == n_queries  # read from the cached answers
    offline = network_context(from_pbf, pbf)

    def rows(frame, kind: str) -> set[str]:  # type: ignore[no-untyped-def]
        part = frame[frame["kind"] == kind]
        return set(
            shapely.to_wkt(shapely.normalize(part.geometry.to_numpy()), rounding_precision=6)
        )

    borders = rows(online, "border")
    assert len(borders) >= 10 and borders <= rows(offline, "border")

    def places(frame) -> list[tuple]:  # type: ignore[no-untyped-def]
        part = frame[frame["kind"] == "place"]
        xy = zip(part.geometry.x, part.geometry.y, strict=True)
        return sorted(zip(part["class"], part["name"], part["name_ru"], xy, strict=True))

    # Andorra has 39 place nodes with a name:ru; each comes through the server unchanged.
    assert len(places(online)) >= 30 and places(online) == places(offline)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = compute_access(study, net, with_isochrones=False)
        from_file = compute_access(study, from_pbf, with_isochrones=False)
    ru, ru_file = map_language(results, "ru", online), map_language(from_file, "ru", offline)
    assert ru.place("Encamp") == "Энкамп" and ru.place("Ordino") == "Ордино"
    towns = list(results.places["name"])
    assert [ru.place(t) for t in towns] == [ru_file.place(t) for t in towns]
    assert set(online[online["kind"] == "road"]["class"]) == set(
        offline[offline["kind"] == "road"]["class"]
    )


def test_urals_overview_shows_the_nearer_city_bands_in_the_browser(urals, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two cities: the combined view is on by default, its legend and both route styles."""
    from ural_access.maps import build_maps
    from ural_access.maps.browser import open_offline

    results, context = urals
    build_maps(results, tmp_path, self_contained=True, context=context)
    nearer = "Drive time from the nearer of Ekaterinburg and Chelyabinsk"
    with open_offline(tmp_path / "overview.html", width=1400, height=1000) as view:
        assert view.console_errors == [] and view.page_errors == []
        checked = view.page.evaluate(
            """() => [...document.querySelectorAll('.leaflet-control-layers-overlays label')]
                 .filter((l) => l.querySelector('input').checked).map((l) => l.textContent.trim())"""
        )
        assert nearer in checked
        assert "Drive-time bands from Ekaterinburg" not in checked
        legend = view.page.locator(".ua-legend")
        assert legend.is_visible()
        text = legend.inner_text()
        assert f"{nearer}, min" in text
        assert (
            "fastest route from Ekaterinburg" in text and "fastest route from Chelyabinsk" in text
        )
        shown = view.page.evaluate(
            """(name) => { let n = 0; window[name].eachLayer((l) => {
                 if (l.options && l.options.uaBands && l.feature) n++; }); return n; }""",
            view.map_name,
        )
        # the nearer city's surface only: a class per band, one beyond the last band, and
        # the land beyond the access limit
        assert shown == len(results.study.routing.bands_min) + 2
