"""Drive-time isochrones on the real Andorra and Djibouti extracts (geo.isochrones)."""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from ural_access.geo.analysis._time_raster import disk_minimum, project
from ural_access.geo.analysis.isochrones import band_rings, isochrones
from ural_access.geo.errors import ParameterError, UralAccessWarning
from ural_access.geo.network.pull import pull_network
from ural_access.geo.network.road_network import RoadNetwork
from ural_access.geo.routing.router import Router, ShortestPathTree
from ural_access.geo.study.definition import Study, load_study

from ural_access import geo

OSM = Path(__file__).resolve().parents[2].parent / "shared" / "osm"
FILES = {"andorra": "andorra-latest.osm.pbf", "djibouti": "djibouti-secondary.osm.pbf"}
TINY = 1e-9  # deg², about 0.01 m²


@dataclass
class Case:
    study: Study
    network: RoadNetwork
    router: Router
    tree: ShortestPathTree
    iso: Any  # isochrones with the study's bands and buffer

    def snap_points(self) -> pd.DataFrame:
        """Where each place meets the network (lon/lat), with its drive time in minutes."""
        table = self.router.snap.table
        table = table[table["node"] >= 0]
        lines = self.network.geometry[table["edge"].to_numpy(dtype=int)]
        points = shapely.line_interpolate_point(
            lines, table["fraction"].to_numpy(), normalized=True
        )
        return pd.DataFrame(
            {
                "place_id": table["place_id"].to_numpy(),
                "point": points,
                "minutes": self.tree.time_s[table["node"].to_numpy(dtype=int)] / 60.0,
            }
        )


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Any:
    old = geo.settings.cache_folder
    geo.settings.cache_folder = tmp_path_factory.mktemp("cache")
    yield geo.settings.cache_folder
    geo.settings.cache_folder = old


def _case(key: str) -> Case:
    path = OSM / FILES[key]
    if not path.is_file():
        pytest.skip(f"OSM extract {path} not available")
    study = load_study(key)
    network, _ = pull_network(study, "pbf", path, geopackage=False)
    places = study.all_places()
    table = pd.DataFrame(
        {
            "place_id": [p.name for p in places],
            "lon": [p.lon for p in places],
            "lat": [p.lat for p in places],
        }
    )
    router = Router(network, table, snap_limit_km=study.routing.snap_limit_km)
    tree = router.tree(int(router.place_nodes([study.first_tier[0].name])[0]))
    iso = isochrones(
        network,
        tree.time_s,
        study.routing.bands_min,
        study.local_crs(),
        study.routing.isochrone_buffer_m,
    )
    return Case(study, network, router, tree, iso)


@pytest.fixture(scope="module")
def andorra(cache: Path) -> Case:
    return _case("andorra")


@pytest.fixture(scope="module")
def djibouti(cache: Path) -> Case:
    return _case("djibouti")


@pytest.fixture(params=["andorra", "djibouti"])
def case(request: pytest.FixtureRequest) -> Case:
    return request.getfixturevalue(request.param)


def _metric(geoms: Any, case: Case) -> Any:
    fwd = Transformer.from_crs("EPSG:4326", case.study.local_crs(), always_xy=True)
    return shapely.transform(
        np.asarray(geoms, dtype=object), lambda c: np.column_stack(fwd.transform(c[:, 0], c[:, 1]))
    )


# ---------------------------------------------------------------------- output table
def test_one_row_per_band_in_wgs84(case: Case) -> None:
    iso = case.iso
    bands = list(case.study.routing.bands_min)
    assert iso.crs.to_epsg() == 4326
    assert list(iso.columns) == ["band_min", "lower_min", "area_km2", "geometry"]
    assert iso["band_min"].tolist() == bands
    assert iso["lower_min"].tolist() == [0.0, *bands[:-1]]
    assert set(iso.geom_type) == {"MultiPolygon"}
    assert shapely.is_valid(iso.geometry.to_numpy()).all()


def test_coordinates_are_rounded(case: Case) -> None:
    coords = shapely.get_coordinates(case.iso.geometry.to_numpy())
    assert len(coords) > 0
    np.testing.assert_allclose(coords, np.round(coords, 5), rtol=0, atol=1e-9)


def test_bands_are_nested(case: Case) -> None:
    geoms = case.iso.geometry.to_numpy()
    for inner, outer in itertools.pairwise(geoms):
        assert shapely.area(shapely.difference(inner, outer)) <= TINY
        assert shapely.covers(shapely.buffer(outer, 1e-7), inner)


def test_area_grows_with_band(case: Case) -> None:
    area = case.iso["area_km2"].to_numpy()
    assert area[0] > 0
    assert np.all(np.diff(area) >= 0)
    assert area[-1] > 3 * area[0]
    # area_km2 is the polygons' area (checked in the local metric CRS, within 1 %).
    metric_km2 = shapely.area(_metric(case.iso.geometry, case)) / 1e6
    np.testing.assert_allclose(area, metric_km2, rtol=0.01)


# ---------------------------------------------------------------------- semantics
def test_places_covered_from_their_drive_time(case: Case) -> None:
    snaps = case.snap_points()
    assert len(snaps) >= 4
    checked_in = checked_out = 0
    for band, geom in zip(case.iso["band_min"], case.iso.geometry, strict=True):
        inside = shapely.covers(geom, snaps["point"].to_numpy())
        reached = snaps["minutes"].to_numpy() <= band
        assert inside[reached].all(), snaps.loc[reached & ~inside, "place_id"].tolist()
        checked_in += int(reached.sum())
        # A place much farther than the band (by road) lies outside it.
        far = snaps["minutes"].to_numpy() > 2 * band
        assert not inside[far].any(), snaps.loc[far & inside, "place_id"].tolist()
        checked_out += int(far.sum())
    assert checked_in > 0 and checked_out > 0


def test_far_unreached_places_outside_short_bands(djibouti: Case) -> None:
    iso = isochrones(
        djibouti.network, djibouti.tree.time_s, [30, 60], djibouti.study.local_crs(), 1000.0
    )
    snaps = djibouti.snap_points().set_index("place_id")
    last = iso.geometry.iloc[-1]
    for name in ("Tadjourah", "Obock", "Dikhil"):  # 85-210 min by road
        assert snaps.loc[name, "minutes"] > 80
        assert not shapely.covers(last, snaps.loc[name, "point"])
    assert shapely.covers(last, snaps.loc["Arta", "point"])  # 27 min


def test_polygon_is_the_reached_roads_buffer(andorra: Case) -> None:
    """Band 10 min is close to the union of 300 m buffers around the roads reached."""
    buffer_m, band = andorra.study.routing.isochrone_buffer_m, 10.0
    iso = isochrones(
        andorra.network,
        andorra.tree.time_s,
        [band],
        andorra.study.local_crs(),
        buffer_m,
        simplify_m=0,
    )
    net, t = andorra.network, andorra.tree.time_s[: andorra.network.n_nodes]
    t_u = t[net.u]
    full = t_u + net.travel_time_s <= band * 60
    started = t_u < band * 60
    lines = _metric(net.geometry, andorra)
    lower = shapely.union_all(shapely.buffer(lines[full], buffer_m))
    upper = shapely.union_all(shapely.buffer(lines[started], buffer_m))
    got = _metric(iso.geometry, andorra)[0]
    assert 0.95 * lower.area <= got.area <= upper.area
    # Where it differs, it differs by a thin margin along the edges only.
    assert shapely.area(shapely.difference(got, shapely.buffer(upper, 100))) < 1e-3 * got.area
    assert shapely.area(shapely.difference(lower, shapely.buffer(got, 100))) < 1e-3 * got.area


def test_holes_where_the_network_does_not_reach(djibouti: Case) -> None:
    last = djibouti.iso.geometry.iloc[-1]
    polygons = shapely.get_parts(last)
    holes = np.concatenate(
        [
            shapely.get_interior_ring(p, np.arange(shapely.get_num_interior_rings(p)))
            for p in polygons
        ]
    )
    assert len(holes) >= 1
    # The biggest hole is land far from any road, not a gap in a reached area.
    biggest = max(shapely.polygons(holes), key=lambda h: h.area)
    point = shapely.point_on_surface(biggest)
    assert not shapely.covers(last, point)
    roads = shapely.union_all(_metric(djibouti.network.geometry, djibouti))
    assert (
        shapely.distance(_metric([point], djibouti)[0], roads)
        > djibouti.study.routing.isochrone_buffer_m
    )
    # The Gulf of Tadjoura is left out of every band.
    gulf = shapely.Point(43.0, 11.7)
    assert not shapely.covers(djibouti.iso.geometry.to_numpy(), gulf).any()


# ---------------------------------------------------------------------- rings, options
def test_band_rings_partition_the_last_band(case: Case) -> None:
    rings = band_rings(case.iso)
    geoms = rings.geometry.to_numpy()
    assert rings["band_min"].tolist() == case.iso["band_min"].tolist()
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            assert shapely.area(shapely.intersection(geoms[i], geoms[j])) <= TINY
    union = shapely.union_all(geoms)
    last = case.iso.geometry.iloc[-1]
    assert shapely.area(shapely.symmetric_difference(union, last)) <= 1e-6 * shapely.area(last)
    np.testing.assert_allclose(rings["area_km2"].sum(), case.iso["area_km2"].iloc[-1], rtol=1e-3)


def test_simplification_keeps_maps_small(djibouti: Case) -> None:
    args = (djibouti.network, djibouti.tree.time_s, [60, 120], djibouti.study.local_crs(), 1000.0)
    raw = shapely.get_num_coordinates(isochrones(*args, simplify_m=0).geometry.to_numpy())
    default = shapely.get_num_coordinates(isochrones(*args).geometry.to_numpy())
    coarse = shapely.get_num_coordinates(isochrones(*args, simplify_m=2000).geometry.to_numpy())
    assert np.all(coarse < default) and np.all(default < raw / 2)
    assert default[-1] < 2000


def test_place_nodes_beyond_network_are_ignored(andorra: Case) -> None:
    times = andorra.tree.time_s
    assert len(times) > andorra.network.n_nodes
    iso = isochrones(
        andorra.network,
        times[: andorra.network.n_nodes],
        andorra.study.routing.bands_min,
        andorra.study.local_crs(),
        andorra.study.routing.isochrone_buffer_m,
    )
    assert iso.geometry.geom_equals_exact(andorra.iso.geometry, tolerance=0).all()


def test_fast_projection_matches_proj(djibouti: Case) -> None:
    """Many points go through an interpolation lattice; it agrees with PROJ to < 0.5 m."""
    rng = np.random.default_rng(0)
    lon = rng.uniform(41.7, 43.5, 300_000)
    lat = rng.uniform(10.9, 12.8, 300_000)
    crs = djibouti.study.local_crs()
    x, y = project(lon, lat, crs)
    ex, ey = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    assert max(np.abs(x - ex).max(), np.abs(y - ey).max()) < 0.5


@pytest.mark.parametrize("radius", [2.0, 3.5, 4.0, 6.3])
def test_disk_minimum_is_a_disk_filter(radius: float) -> None:
    from scipy.ndimage import minimum_filter

    rng = np.random.default_rng(1)
    field = np.where(rng.random((60, 70)) < 0.05, rng.uniform(0, 100, (60, 70)), np.inf)
    r = int(radius)
    dy, dx = np.mgrid[-r : r + 1, -r : r + 1]
    disk = dx**2 + dy**2 <= radius**2
    expected = minimum_filter(field, footprint=disk, mode="constant", cval=np.inf)
    np.testing.assert_array_equal(disk_minimum(field, radius), expected)


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "bands", [[], [30, 30], [60, 30], [0, 30], [-5, 10], ["half an hour"], None]
)
def test_bad_bands_raise(andorra: Case, bands: Any) -> None:
    with pytest.raises(ParameterError):
        isochrones(andorra.network, andorra.tree.time_s, bands, andorra.study.local_crs())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"buffer_m": 0}, "buffer_m"),
        ({"buffer_m": float("nan")}, "buffer_m"),
        ({"simplify_m": -1}, "simplify_m"),
        ({"cell_m": 900.0}, "cell_m"),
        ({"crs": "EPSG:4326"}, "projected"),
        ({"node_time_s": np.zeros(3)}, "node_time_s"),
    ],
)
def test_bad_parameters_raise(andorra: Case, kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {
        "network": andorra.network,
        "node_time_s": andorra.tree.time_s,
        "bands_min": [5, 10],
        "crs": andorra.study.local_crs(),
        "buffer_m": 300.0,
    }
    with pytest.raises(ParameterError, match=message):
        isochrones(**{**args, **kwargs})


def test_unreachable_origin_gives_empty_bands_and_a_warning(andorra: Case) -> None:
    nowhere = np.full(andorra.network.n_nodes, np.inf)
    with pytest.warns(UralAccessWarning, match="reaches no road"):
        iso = isochrones(andorra.network, nowhere, [5, 10], andorra.study.local_crs(), 300.0)
    assert len(iso) == 2
    assert iso.geometry.is_empty.all()
    assert iso["area_km2"].tolist() == [0.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rings = band_rings(iso)
    assert rings.geometry.is_empty.all()


def test_fine_bands_on_a_dense_network_stay_valid_and_nested() -> None:
    """Twelve 4-min bands over all of Andorra's streets from spread-out origins: GEOS 3.14
    refused to union the rounded rings as a coverage for one of them ('incorrectly
    noded'); the bands must still come out, valid and nested."""
    from ..conftest import extract
    from ..helpers.synthetic import spread_places, whole_extract

    net = whole_extract(extract("andorra-latest.osm.pbf"), "residential")
    nodes = spread_places(net.node_lon, net.node_lat, np.random.default_rng(20240601))
    crs = (
        f"+proj=aeqd +lat_0={float(np.mean(net.node_lat)):.4f} "
        f"+lon_0={float(np.mean(net.node_lon)):.4f} +datum=WGS84 +units=m"
    )
    router = Router(net)
    for origin in nodes["cities"] + nodes["centres"][:1]:
        times = router.times([origin])[0]
        step = float(np.ceil(np.max(times[np.isfinite(times)]) / 60.0 / 12.0))
        gdf = isochrones(net, times, step * np.arange(1, 13), crs, 1000.0)
        geoms = gdf.geometry.to_numpy()
        assert shapely.is_valid(geoms).all() and not shapely.is_empty(geoms).any()
        for inner, outer in itertools.pairwise(geoms):
            assert shapely.covers(shapely.buffer(outer, 1e-7), inner)
        assert (np.diff(gdf["area_km2"].to_numpy()) >= 0).all()
