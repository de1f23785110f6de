"""The drive-time surface (geo.analysis.surface) on the real Urals and Djibouti networks."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from ural_access.geo.analysis._polygons import areas_m2
from ural_access.geo.analysis.surface import NEARER, surface_raster
from ural_access.geo.analysis.surface_classes import class_labels, surface_polygons
from ural_access.geo.errors import ParameterError
from ural_access.geo.pipeline.compute import compute_access
from ural_access.geo.results.access_results import AccessResults
from ural_access.geo.routing.last_mile import AccessLeg


def _compute(study: Any, network: Any) -> AccessResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compute_access(study, network)


@pytest.fixture(scope="module")
def urals(built: Any) -> tuple[Any, Any, AccessResults]:
    study, network, _ = built["urals"]
    return study, network, _compute(study, network)


def _cells(raster: Any, study: Any, lon: Any, lat: Any) -> tuple[Any, Any]:
    """(row, col) of the cells holding lon/lat points."""
    fwd = Transformer.from_crs(4326, study.local_crs(), always_xy=True)
    x, y = fwd.transform(np.asarray(lon, float), np.asarray(lat, float))
    col = np.floor((np.asarray(x) - raster.x0) / raster.cell_m).astype(int)
    row = np.floor((np.asarray(y) - raster.y0) / raster.cell_m).astype(int)
    return row, col


def test_a_town_s_cell_has_the_town_s_drive_time(urals: Any) -> None:
    """The surface follows the towns' model: at a town's cell it is the town's routed
    time (road time plus its access leg) within the cell's precision, leg or no leg."""
    study, _, res = urals
    raster = res.surface_raster
    assert raster is not None and raster.cell_m == 500.0
    wide = res.wide_places()
    joined = wide[wide["join_km"].notna()]
    assert (joined["join_km"] > 5).sum() >= 4  # towns with long legs are among them
    row, col = _cells(raster, study, joined["lon"], joined["lat"])
    for _, key in res.cities:
        drive = joined[f"time_min_from_{key}"].to_numpy()
        surface = raster.minutes[key][row, col].astype(float)
        assert np.isfinite(surface).all()
        # a 500 m cell is about 1 min of leg; the town may sit mid-edge of its road
        assert np.abs(surface - drive).max() < 3.0, key


def test_the_nearer_city_is_the_minimum_and_the_surface_fills_far_more_than_the_bands(
    urals: Any,
) -> None:
    study, _, res = urals
    raster = res.surface_raster
    assert raster is not None
    keys = [key for _, key in res.cities]
    cities = np.stack([raster.minutes[k] for k in keys])
    np.testing.assert_array_equal(raster.minutes[NEARER], np.fmin.reduce(cities, axis=0))
    assert np.isnan(raster.minutes[NEARER][~raster.inside]).all()
    # Every cell of the study area has a time or lies beyond the access limit.
    has_time = np.isfinite(raster.minutes[NEARER])
    np.testing.assert_array_equal(has_time | raster.beyond, raster.inside)
    assert not (has_time & raster.beyond).any()
    area_km2 = areas_m2(np.array([study.area()], dtype=object))[0] / 1e6
    bands = shapely.intersection(
        shapely.union_all(res.isochrones.geometry.to_numpy()), study.area()
    )
    bands_share = areas_m2(np.array([bands], dtype=object))[0] / 1e6 / area_km2
    share = raster.covered_share(NEARER)
    assert bands_share < 0.1  # the 1 km ribbons along the main roads
    assert share > 0.5 and share > 5 * bands_share
    # the polygons hold the same land as the cells, within the half-cell edge lost to contouring
    nearer = res.surface[res.surface["origin_key"] == NEARER]
    assert abs(nearer["area_km2"].sum() / area_km2 - share) < 0.03


def test_no_time_where_no_road_is_within_the_access_limit(urals: Any) -> None:
    """Cells checked against the exact distance to the network's roads (shapely)."""
    study, network, res = urals
    raster = res.surface_raster
    assert raster is not None
    fwd = Transformer.from_crs(4326, study.local_crs(), always_xy=True)
    roads = shapely.transform(
        network.geometry, lambda c: np.column_stack(fwd.transform(c[:, 0], c[:, 1]))
    )
    tree = shapely.STRtree(roads)
    rows, cols = np.nonzero(raster.inside)
    pick = np.random.default_rng(7).choice(len(rows), 400, replace=False)
    x, y = raster.centres()
    points = shapely.points(x[cols[pick]], y[rows[pick]])
    _, dist = tree.query_nearest(points, return_distance=True, all_matches=False)
    limit = study.routing.snap_limit_km * 1000.0
    value = raster.minutes[NEARER][rows[pick], cols[pick]]
    slack = raster.cell_m
    assert (dist > limit + slack).sum() > 50 and (dist < limit - slack).sum() > 50
    assert np.isnan(value[dist > limit + slack]).all()
    assert np.isfinite(value[dist < limit - slack]).all()
    # the leg's share of a time: at least the detour at the leg speed from the road
    near = dist < limit - slack
    leg = AccessLeg(limit, study.routing.access_detour_factor, study.routing.access_speed_kph)
    assert (value[near] >= leg.time_s(np.maximum(dist[near] - slack, 0)) / 60.0 - 1e-6).all()


def test_polygons_are_the_classes_of_the_cells(urals: Any) -> None:
    study, _, res = urals
    raster, surface = res.surface_raster, res.surface
    assert raster is not None
    labels = class_labels(study.routing.bands_min)
    assert labels == ["≤30", "30–60", "60–90", "90–120", "120–180", "180–240", ">240"]
    nearer = surface[surface["origin_key"] == NEARER].sort_values("band")
    assert list(nearer["label"]) == labels  # the nearer city reaches every class
    assert np.isnan(nearer["upper_min"].iloc[-1]) and nearer["lower_min"].iloc[-1] == 240
    geoms = nearer.geometry.to_numpy()
    # non-overlapping: the classes' areas add up to their union's
    union = shapely.union_all(geoms)
    assert abs(areas_m2(np.array([union], dtype=object))[0] / 1e6 - nearer["area_km2"].sum()) < 5
    # sample cells well inside a polygon: their minutes fall in its class
    for band, geom in zip(nearer["band"], geoms, strict=True):
        inner = shapely.buffer(geom, -0.02)
        if shapely.is_empty(inner):
            continue
        pts = shapely.points(shapely.get_coordinates(shapely.get_exterior_ring(
            shapely.get_parts(inner)))[::50])  # fmt: skip
        pts = pts[shapely.contains(geom, pts)]
        row, col = _cells(raster, study, shapely.get_x(pts), shapely.get_y(pts))
        minutes = raster.minutes[NEARER][row, col]
        lo = 0 if band == 0 else study.routing.bands_min[band - 1]
        hi = study.routing.bands_min[band] if band < len(labels) - 1 else np.inf
        assert ((minutes > lo - 1e-3) & (minutes <= hi + 1e-3)).mean() > 0.95, band
    beyond = surface[surface["kind"] == "beyond_limit"]
    assert len(beyond) == 1 and beyond["label"].iloc[0] == ">15 km"


def test_bands_set_the_classes(urals: Any) -> None:
    _, _, res = urals
    raster = res.surface_raster
    assert raster is not None
    two = surface_polygons(raster, [60, 120])
    got = two[two["origin_key"] == NEARER]
    assert list(got["label"]) == ["≤60", "60–120", ">120"]
    # the same land, cut in fewer classes
    seven = res.surface[res.surface["origin_key"] == NEARER]
    assert abs(got["area_km2"].sum() - seven["area_km2"].sum()) < 0.01 * seven["area_km2"].sum()
    with pytest.raises(ParameterError):
        surface_polygons(raster, [60, 30])


def test_files_the_gpkg_layer_and_the_ascii_grids(urals: Any, tmp_path: Path) -> None:
    study, _, res = urals
    raster = res.surface_raster
    assert raster is not None
    folder = res.to_folder(tmp_path / "a")
    grid = folder / "surface-nearest.asc"
    lines = grid.read_text(encoding="ascii").splitlines()
    header = dict(line.split() for line in lines[:6])
    rows, cols = raster.shape
    assert (int(header["ncols"]), int(header["nrows"])) == (cols, rows)
    assert float(header["cellsize"]) == raster.cell_m
    values = np.array([line.split() for line in lines[6:]], dtype=np.int64)[::-1]
    expected = np.where(np.isfinite(raster.minutes[NEARER]), np.rint(raster.minutes[NEARER]), -1)
    np.testing.assert_array_equal(values, expected)
    assert "Azimuthal_Equidistant" in grid.with_suffix(".prj").read_text(encoding="ascii")
    for _, key in res.cities:
        assert (folder / f"surface-{key}.asc").is_file()
    again = res.to_folder(tmp_path / "b")
    assert (again / "surface-nearest.asc").read_bytes() == grid.read_bytes()
    back = AccessResults.from_folder(folder, study)
    assert back.surface_raster is None
    assert len(back.surface) == len(res.surface)
    assert list(back.surface["label"]) == list(res.surface["label"])


def test_another_region_and_one_city(built: Any) -> None:
    """Djibouti (one first-tier city): a surface of that city alone, no nearer-city grid."""
    study, network, _ = built["djibouti"]
    res = _compute(study, network)
    raster = res.surface_raster
    assert raster is not None and set(raster.minutes) == {key for _, key in res.cities}
    (key,) = raster.minutes
    # Its 5 km access limit and the Gulf of Tadjoura inside the study area leave less land
    # with a time than the Urals' 15 km; the rest is beyond the limit.
    assert raster.covered_share(key) > 0.25 and raster.limit_km == 5.0
    assert raster.covered_share(key) + raster.beyond.sum() / raster.inside.sum() == pytest.approx(1)
    assert set(res.surface["origin_key"]) == {key, ""}


def test_bad_input_is_refused(urals: Any) -> None:
    study, network, _ = urals
    tree_times = {"x": ("X", np.zeros(network.n_nodes))}
    leg = AccessLeg()
    with pytest.raises(ParameterError, match="cell_m"):
        surface_raster(network, tree_times, study.area(), study.local_crs(), leg, cell_m=0)
    with pytest.raises(ParameterError, match="nearer city"):
        surface_raster(network, {NEARER: ("X", np.zeros(network.n_nodes))}, study.area(),
                       study.local_crs(), leg)  # fmt: skip
    with pytest.raises(ParameterError, match="metres"):
        surface_raster(network, tree_times, study.area(), "EPSG:4326", leg)
    with pytest.raises(ParameterError, match="each of the network"):
        surface_raster(network, {"x": ("X", np.zeros(3))}, study.area(), study.local_crs(), leg)
    far = shapely.box(100.0, 10.0, 101.0, 11.0)  # no road of the Urals there
    with pytest.raises(ParameterError, match="no road"):
        surface_raster(network, tree_times, far, study.local_crs(), leg)


def test_a_fine_study_gets_finer_cells(built: Any) -> None:
    """Andorra's 300 m isochrone buffer: 150 m cells, so its valleys are not one cell wide."""
    study, network, _ = built["andorra"]
    assert study.routing.isochrone_buffer_m == 300
    raster = _compute(study, network).surface_raster
    assert raster is not None and raster.cell_m == 150.0
    assert 0.3 < raster.covered_share(next(iter(raster.minutes))) < 1.0
