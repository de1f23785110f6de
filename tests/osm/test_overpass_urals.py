"""Overpass at the Urals' scale: the real study area pulled tile by tile from a loopback server."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ural_access.geo import settings
from ural_access.geo.network.pull import pull_network
from ural_access.geo.osm.overpass import split_area

from ..conftest import extract
from ..overpass_server import OverpassTestServer


def test_urals_through_overpass_equals_the_pbf_network(
    built: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    study, from_pbf, _ = built["urals"]
    tiles = split_area(study.area(), settings.overpass_max_query_area_km2)
    assert len(tiles) > 4  # the Urals study area is far above one query's size
    with OverpassTestServer(extract("urals-omt-z7-2021.osm.pbf")) as server:
        monkeypatch.setattr(settings, "overpass_url", server.url)
        net, _ = pull_network(study, "overpass", out=tmp_path / "a", geopackage=False)
        assert len(server.queries) == len(tiles)
        cached = list((Path(settings.cache_folder) / "overpass").glob("*.json"))
        assert len(cached) == len(tiles)
        # A second pull is answered from the tile cache alone.
        again, _ = pull_network(study, "overpass", out=tmp_path / "b", geopackage=False)
        assert len(server.queries) == len(tiles)
    assert net.provenance["osm_timestamp"] == from_pbf.provenance["osm_timestamp"]
    for a in (net, again):
        np.testing.assert_array_equal(a.node_osmid, from_pbf.node_osmid)
        np.testing.assert_array_equal(a.u, from_pbf.u)
        np.testing.assert_array_equal(a.v, from_pbf.v)
        np.testing.assert_allclose(a.length_m, from_pbf.length_m)
        np.testing.assert_allclose(a.travel_time_s, from_pbf.travel_time_s)
