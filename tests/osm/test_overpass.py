"""The Overpass download path, against a loopback server that serves real OSM data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ural_access.geo import settings
from ural_access.geo.errors import OverpassError
from ural_access.geo.network.pull import pull_network
from ural_access.geo.network.road_network import RoadNetwork
from ural_access.geo.osm.overpass import split_area
from ural_access.geo.study.definition import load_study

from ..conftest import extract
from ..overpass_server import OverpassTestServer


@pytest.fixture()
def andorra_server(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with OverpassTestServer(extract("andorra-latest.osm.pbf")) as server:
        monkeypatch.setattr(settings, "overpass_url", server.url)
        yield server


def test_overpass_network_equals_the_pbf_network(
    andorra_server, built: dict, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    study, from_pbf, _ = built["andorra"]
    net, path = pull_network(study, "overpass", out=tmp_path / "net")
    assert net.provenance["source"] == f"overpass:{andorra_server.url}"
    assert net.provenance["osm_timestamp"] == "2021-06-22T20:21:08Z"
    np.testing.assert_array_equal(net.node_osmid, from_pbf.node_osmid)
    np.testing.assert_array_equal(net.u, from_pbf.u)
    np.testing.assert_array_equal(net.v, from_pbf.v)
    # The query fetches what the .osm.pbf path reads beside the roads: built-up areas
    # (the urban limit of untagged roads under `ru`) and turn restrictions.
    assert net.provenance["settlements"]["areas"] > 0
    np.testing.assert_array_equal(net.rules["urban"], from_pbf.rules["urban"])
    assert 0 < (net.rules["urban"] == "yes").sum() < net.n_edges
    np.testing.assert_allclose(net.travel_time_s, from_pbf.travel_time_s)
    assert len(from_pbf.restrictions) > 0
    np.testing.assert_array_equal(net.restrictions, from_pbf.restrictions)
    np.testing.assert_array_equal(net.node_obstacle, from_pbf.node_obstacle)
    assert RoadNetwork.load(path).n_edges == net.n_edges
    queries = andorra_server.queries
    assert len(queries) == 1 and '"highway"~"^(motorway|' in queries[0] and "poly:" in queries[0]


def test_second_run_uses_the_cache_and_makes_no_request(andorra_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    study = load_study("andorra")
    first, _ = pull_network(study, "overpass", out=tmp_path / "a")
    n = len(andorra_server.requests)
    second, _ = pull_network(study, "overpass", out=tmp_path / "b")
    assert len(andorra_server.requests) == n
    np.testing.assert_array_equal(first.u, second.u)
    assert list((Path(settings.cache_folder) / "overpass").glob("*.json"))


def test_rate_limits_and_runtime_errors_are_retried(andorra_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    andorra_server.push_failures(429, 504, "runtime_error", "garbage")
    net, _ = pull_network(load_study("andorra"), "overpass", out=tmp_path / "net")
    assert net.n_edges > 1000
    assert [r.failure for r in andorra_server.requests] == [
        429,
        504,
        "runtime_error",
        "garbage",
        None,
    ]


def test_persistent_failure_ends_in_a_clear_error_and_no_cache(
    andorra_server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr(settings, "overpass_max_attempts", 3)
    andorra_server.push_failures(504, 504, 504)
    with pytest.raises(OverpassError, match=r"failed 3 times; last: HTTP 504.*--source pbf"):
        pull_network(load_study("andorra"), "overpass", out=tmp_path / "net")
    assert not (tmp_path / "net").exists()
    assert not list((Path(settings.cache_folder) / "overpass").glob("*.json"))


def test_timeouts_are_retried(
    andorra_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    # The deadline covers the whole answer, so it must leave time for a real one even on a
    # busy machine; the stalled attempt waits far longer than the deadline.
    monkeypatch.setattr(settings, "requests_timeout", 5.0)
    monkeypatch.setattr(andorra_server, "stall_s", 60.0)
    andorra_server.push_failures("timeout")
    net, _ = pull_network(load_study("andorra"), "overpass", out=tmp_path / "net")
    assert net.n_edges > 1000


def test_unreachable_server_is_an_overpass_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "overpass_url", "http://127.0.0.1:9/api")
    monkeypatch.setattr(settings, "overpass_max_attempts", 2)
    with pytest.raises(OverpassError, match="cannot connect"):
        pull_network(load_study("andorra"), "overpass", out=tmp_path / "net")


def test_large_areas_are_split_into_tiles_and_merged(
    andorra_server, built: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(settings, "overpass_max_query_area_km2", 200.0)
    study, from_pbf, _ = built["andorra"]
    assert len(split_area(study.area(), 200.0)) >= 4
    net, _ = pull_network(study, "overpass", out=tmp_path / "net")
    assert len(andorra_server.queries) >= 4
    np.testing.assert_array_equal(net.u, from_pbf.u)
    np.testing.assert_array_equal(net.v, from_pbf.v)


def test_cli_reports_overpass_failure_with_exit_code_4(
    andorra_server,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    from ural_access.cli.commands import main

    monkeypatch.setattr(settings, "overpass_max_attempts", 2)
    andorra_server.push_failures(429, 429)
    code = main(
        [
            "pull",
            "--study",
            "andorra",
            "--overpass-url",
            andorra_server.url,
            "--cache-dir",
            str(tmp_path),
            "-q",
        ]
    )
    err = capsys.readouterr().err
    assert code == 4
    assert "HTTP 429" in err and "Traceback" not in err
