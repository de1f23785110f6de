"""Overpass answers that are malformed, empty, slow or never come; the cache keeps none.

Misbehaving servers are small loopback TCP servers (each bounded in time); good answers
come from the loopback Overpass server over real OSM data.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shapely
from ural_access.geo import settings
from ural_access.geo.errors import EmptyNetworkError, OverpassError
from ural_access.geo.osm.overpass import download_roads, overpass_request

from ..conftest import extract
from ..overpass_server import OverpassTestServer

Behaviour = Callable[[socket.socket, threading.Event], None]


class _Misbehaving:
    """A loopback HTTP server whose every connection is handled by ``behaviour``."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.stop = threading.Event()
        self.connections = 0
        self.first_seen = 0.0
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer.connections += 1
                outer.first_seen = outer.first_seen or time.monotonic()
                self.request.settimeout(5)
                try:
                    self.request.recv(65536)  # the request (small enough for one read)
                    behaviour(self.request, outer.stop)
                except OSError:
                    pass

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(  # polls often: shutdown waits one poll
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api"

    def __enter__(self) -> _Misbehaving:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


def _answer(body: bytes) -> Behaviour:
    def behave(sock: socket.socket, _stop: threading.Event) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        sock.sendall(head.encode() + body)

    return behave


def _silent(_sock: socket.socket, stop: threading.Event) -> None:
    stop.wait(30)


def _trickle_headers(sock: socket.socket, stop: threading.Event) -> None:
    sock.sendall(b"HTTP/1.1 200 OK\r\n")
    for i in range(100):
        if stop.wait(0.3):
            return
        sock.sendall(f"X-Wait-{i}: still working\r\n".encode())


def _trickle_body(sock: socket.socket, stop: threading.Event) -> None:
    sock.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    )
    for _ in range(100):
        if stop.wait(0.3):
            return
        sock.sendall(b" ")


@pytest.fixture()
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "requests_timeout", 1.0)
    monkeypatch.setattr(settings, "overpass_max_attempts", 2)


def _cached_files() -> list[Path]:
    return list((Path(settings.cache_folder) / "overpass").glob("*"))


NODE = {"type": "node", "id": 1, "lat": 42.5, "lon": 1.5}
WAY = {"type": "way", "id": 9, "nodes": [1, 2], "tags": {"highway": "primary"}}
MALFORMED = {
    "a JSON list": [],
    "null": None,
    "a node without lon": {"elements": [{"type": "node", "id": 1, "lat": 42.5}]},
    "coordinates as text": {"elements": [{"type": "node", "id": 1, "lat": "42.5", "lon": "1.5"}]},
    "NaN coordinates": {"elements": [{"type": "node", "id": 1, "lat": float("nan"), "lon": 1.0}]},
    "a way whose node is missing": {"elements": [NODE, WAY]},
    "a way with one node": {"elements": [NODE, {**WAY, "nodes": [1]}]},
    "tags that are numbers": {
        "elements": [NODE, {**NODE, "id": 2}, {**WAY, "tags": {"maxspeed": 60}}]
    },
    "an element that is a string": {"elements": ["node"]},
    "elements as an object": {"elements": {"0": NODE}},
    "a boolean id": {"elements": [{**NODE, "id": True}]},
}


@pytest.mark.parametrize("label", list(MALFORMED))
def test_malformed_answers_fail_clearly_and_are_not_cached(
    quick: None, label: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps(MALFORMED[label]).encode()
    with _Misbehaving(_answer(body)) as server:
        monkeypatch.setattr(settings, "overpass_url", server.url)
        with pytest.raises(OverpassError, match="failed 2 times; last: malformed answer"):
            overpass_request("[out:json];way;out;")
    assert server.connections == 2
    assert _cached_files() == []


def test_an_empty_area_is_a_clear_error_and_is_not_cached(
    quick: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps({"version": 0.6, "elements": []}).encode()
    with _Misbehaving(_answer(body)) as server:
        monkeypatch.setattr(settings, "overpass_url", server.url)
        area = shapely.box(1.4, 42.4, 1.8, 42.7)
        with pytest.raises(EmptyNetworkError, match="no road of class tertiary"):
            download_roads(area)
        with pytest.raises(EmptyNetworkError):
            download_roads(area)
    assert server.connections == 2  # asked again: the empty answer was not cached
    assert _cached_files() == []


@pytest.fixture()
def andorra_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OverpassTestServer]:
    with OverpassTestServer(extract("andorra-latest.osm.pbf")) as server:
        monkeypatch.setattr(settings, "overpass_url", server.url)
        yield server


def test_a_bad_cached_answer_is_dropped_and_refresh_always_asks(
    andorra_server: OverpassTestServer,
) -> None:
    area = shapely.box(1.4, 42.4, 1.8, 42.7)  # Andorra
    good = download_roads(area, "primary")
    assert good.n_ways > 50 and len(andorra_server.queries) == 1
    (cache,) = _cached_files()
    download_roads(area, "primary")
    assert len(andorra_server.queries) == 1  # a valid cache is used
    download_roads(area, "primary", refresh=True)
    assert len(andorra_server.queries) == 2  # --refresh asks again
    for planted in ("[]", '{"elements": [{"type": "node", "id": 1, "lat": "x"}]}', "{cut"):
        cache.write_text(planted, encoding="utf-8")
        again = download_roads(area, "primary")
        assert again.n_ways == good.n_ways
    assert len(andorra_server.queries) == 5
    assert json.loads(cache.read_text(encoding="utf-8"))["elements"]


@pytest.mark.parametrize(
    "behaviour", [_silent, _trickle_headers, _trickle_body], ids=["silent", "header", "body"]
)
def test_every_request_has_a_total_deadline(
    quick: None, behaviour: Behaviour, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _Misbehaving(behaviour) as server:
        monkeypatch.setattr(settings, "overpass_url", server.url)
        monkeypatch.setattr(settings, "requests_timeout", 0.5)
        start = time.monotonic()
        with pytest.raises(OverpassError, match=r"no complete answer within 0\.5 s"):
            overpass_request("[out:json];way;out;")
        elapsed = time.monotonic() - start
    assert server.connections == 2
    assert elapsed < 3.0, elapsed  # two attempts of 0.5 s, not 2 x 180 s


def test_an_unresolvable_host_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "overpass_url", "http://no-such-host.invalid/api")
    monkeypatch.setattr(settings, "overpass_max_attempts", 5)
    monkeypatch.setattr(settings, "overpass_backoff_s", 5.0)  # retries would take 75 s
    start = time.monotonic()
    with pytest.raises(OverpassError, match="cannot resolve the host name"):
        overpass_request("[out:json];way;out;")
    assert time.monotonic() - start < 5.0


def test_cli_takes_overpass_timeout_and_retries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ural_access.cli.commands import main

    for name in ("requests_timeout", "overpass_max_attempts", "overpass_url"):
        monkeypatch.setattr(settings, name, getattr(settings, name))
    with _Misbehaving(_silent) as server:
        code = main(
            [
                *("pull", "--study", "andorra", "--overpass-url", server.url, "-q"),
                *("--cache-dir", str(tmp_path), "--overpass-timeout", "1"),
                *("--overpass-retries", "1"),
            ]
        )
        elapsed = time.monotonic() - server.first_seen  # the study's towns load first
    err = capsys.readouterr().err
    assert code == 4 and "failed 2 times" in err and "Traceback" not in err
    assert server.connections == 2 and elapsed < 10.0
    for bad in (
        ["--overpass-timeout", "nan"],
        ["--overpass-timeout", "0"],
        ["--overpass-retries", "-1"],
    ):
        with pytest.raises(SystemExit) as exc:
            main(["pull", "--study", "andorra", *bad])
        assert exc.value.code == 2
        assert "Traceback" not in capsys.readouterr().err


def test_ids_beyond_64_bits_are_refused_before_caching(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """JSON numbers have no size limit: a way id of 2**64 + n passed the answer check,
    overflowed the int64 arrays (exit 1) and stayed in the cache, so reruns crashed too."""
    from ural_access.cli.commands import main

    monkeypatch.setattr(settings, "overpass_max_attempts", 2)  # real answers: no 1 s limit
    area = shapely.box(1.4, 42.4, 1.8, 42.7)  # Andorra
    with OverpassTestServer(extract("andorra-latest.osm.pbf"), ["huge_id"] * 2) as server:
        monkeypatch.setattr(settings, "overpass_url", server.url)
        with pytest.raises(OverpassError, match=r"malformed answer.*64-bit"):
            download_roads(area, "primary")
        assert _cached_files() == []
        server.push_failures("huge_id", "huge_id")
        args = ["pull", "--study", "andorra", "--source", "overpass", "--overpass-url", server.url]
        code = main([*args, "--overpass-retries", "1", "-q", "--cache-dir", str(tmp_path / "c")])
        assert code == 4
        assert list((tmp_path / "c").glob("overpass/*")) == []
        # A cached answer of an older version holding such an id is dropped and asked again.
        good = download_roads(area, "primary")
        (cache,) = _cached_files()
        data = json.loads(cache.read_text(encoding="utf-8"))
        way = next(el for el in data["elements"] if el["type"] == "way")
        way["id"] += 2**64
        cache.write_text(json.dumps(data), encoding="utf-8")
        asked = len(server.queries)
        assert download_roads(area, "primary").n_ways == good.n_ways
        assert len(server.queries) == asked + 1
