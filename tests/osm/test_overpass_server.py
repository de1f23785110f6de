"""Tests of the loopback Overpass server (tests/overpass_server.py) against real extracts."""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import osmium
import pytest
import requests
import shapely

if TYPE_CHECKING:
    from overpass_server import GENERATOR, OverpassTestServer, load_extract
else:
    try:  # pytest puts tests/ on sys.path while tests/ is not a package
        from overpass_server import GENERATOR, OverpassTestServer, load_extract
    except ModuleNotFoundError:  # tests/ became a package: the repository root is on it
        from tests.overpass_server import GENERATOR, OverpassTestServer, load_extract

OSM_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "osm"
ANDORRA = OSM_DIR / "andorra-latest.osm.pbf"
DJIBOUTI = OSM_DIR / "djibouti-secondary.osm.pbf"

pytestmark = pytest.mark.skipif(
    not ANDORRA.exists(), reason=f"real OSM extracts not found in {OSM_DIR}"
)

HIGHWAY_REGEX = (
    "^(motorway|motorway_link|trunk|trunk_link|primary|primary_link|secondary|"
    "secondary_link|tertiary|tertiary_link)$"
)
#: Andorra la Vella: (south, west, north, east).
BBOX = (42.49, 1.50, 42.52, 1.55)
#: A triangle inside BBOX, as Overpass wants it: "lat lon lat lon ...".
TRIANGLE = [(42.495, 1.505), (42.515, 1.52), (42.495, 1.545)]


def bbox_query(bbox: tuple[float, float, float, float] = BBOX, recurse: bool = True) -> str:
    """The client's query shape, with a bbox filter."""
    south, west, north, east = bbox
    return (
        "[out:json][timeout:180];\n(\n"
        f'  way["highway"~"{HIGHWAY_REGEX}"]({south},{west},{north},{east});\n'
        + ("  >;\n" if recurse else "")
        + ");\nout body;\n"
    )


def poly_query(points: list[tuple[float, float]]) -> str:
    """The client's query shape, with a poly filter (points as (lat, lon))."""
    poly = " ".join(f"{lat} {lon}" for lat, lon in points)
    return (
        "[out:json][timeout:180];\n(\n"
        f'  way["highway"~"{HIGHWAY_REGEX}"](poly:"{poly}");\n'
        "  >;\n);\nout body qt;\n"
    )


def post(server: OverpassTestServer, query: str, timeout: float = 10.0) -> requests.Response:
    """POST a query as the client does (form field ``data``)."""
    return requests.post(server.interpreter_url, data={"data": query}, timeout=timeout)


def split_elements(
    document: dict[str, Any],
) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Nodes and ways of an answer by id, checking order and uniqueness on the way."""
    elements = document["elements"]
    types = [e["type"] for e in elements]
    n_nodes = types.count("node")
    assert types == ["node"] * n_nodes + ["way"] * (len(types) - n_nodes)
    node_ids = [e["id"] for e in elements[:n_nodes]]
    way_ids = [e["id"] for e in elements[n_nodes:]]
    assert node_ids == sorted(set(node_ids))
    assert way_ids == sorted(set(way_ids))
    nodes = {e["id"]: e for e in elements[:n_nodes]}
    ways = {e["id"]: e for e in elements[n_nodes:]}
    return nodes, ways


def way_line(way: dict[str, Any], nodes: dict[int, dict[str, Any]]) -> shapely.Geometry:
    """A way's geometry (lon, lat) from the nodes of an answer."""
    coords = [(nodes[ref]["lon"], nodes[ref]["lat"]) for ref in way["nodes"]]
    return shapely.LineString(coords) if len(coords) > 1 else shapely.Point(coords[0])


@pytest.fixture(scope="module")
def server() -> Iterator[OverpassTestServer]:
    with OverpassTestServer(ANDORRA) as running:
        yield running


@pytest.fixture(scope="module")
def bbox_answer(server: OverpassTestServer) -> dict[str, Any]:
    response = post(server, bbox_query())
    assert response.status_code == 200
    return response.json()


def test_bbox_query_answers_real_overpass_json(
    server: OverpassTestServer, bbox_answer: dict[str, Any]
) -> None:
    response = post(server, bbox_query())
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == bbox_answer  # deterministic
    assert bbox_answer["version"] == 0.6
    assert bbox_answer["generator"] == GENERATOR
    assert "ODbL" in bbox_answer["osm3s"]["copyright"]

    nodes, ways = split_elements(bbox_answer)
    assert len(ways) > 50
    pattern = re.compile(HIGHWAY_REGEX)
    for way in ways.values():
        assert pattern.search(way["tags"]["highway"]), way
        assert len(way["nodes"]) >= 2
    referenced = {ref for way in ways.values() for ref in way["nodes"]}
    assert set(nodes) == referenced  # every referenced node, and nothing else
    for node in nodes.values():
        assert 42.3 < node["lat"] < 42.7 and 1.3 < node["lon"] < 1.9
        assert set(node) <= {"type", "id", "lat", "lon", "tags"}
    assert any("tags" in node for node in nodes.values())  # e.g. traffic signals
    # ">;" takes whole ways: some nodes lie outside the bbox
    south, west, north, east = BBOX
    outside = [
        n for n in nodes.values() if not (south <= n["lat"] <= north and west <= n["lon"] <= east)
    ]
    assert outside


def test_bbox_query_agrees_with_a_direct_read_of_the_extract(
    bbox_answer: dict[str, Any],
) -> None:
    south, west, north, east = BBOX
    area = shapely.box(west, south, east, north)
    pattern = re.compile(HIGHWAY_REGEX)
    with_node_inside: set[int] = set()
    crossing: set[int] = set()  # exact Overpass semantics: the way's line meets the area
    for obj in osmium.FileProcessor(str(ANDORRA)).with_locations():
        if not isinstance(obj, osmium.osm.Way):
            continue
        if not pattern.search(obj.tags.get("highway") or ""):
            continue
        coords = [(n.lon, n.lat) for n in obj.nodes]
        if any(south <= lat <= north and west <= lon <= east for lon, lat in coords):
            with_node_inside.add(obj.id)
        if shapely.LineString(coords).intersects(area):
            crossing.add(obj.id)
    nodes, ways = split_elements(bbox_answer)
    assert set(ways) == crossing
    assert with_node_inside <= crossing
    for way in ways.values():
        assert way_line(way, nodes).intersects(area), way["id"]


def test_node_statements_answer_the_place_nodes_of_the_extract(
    server: OverpassTestServer,
) -> None:
    """node["place"...](area) gives the extract's place nodes in the area, tags and all."""
    triangle = shapely.Polygon([(lon, lat) for lat, lon in TRIANGLE])
    everywhere = (42.3, 1.3, 42.7, 1.9)  # all of Andorra
    poly = " ".join(f"{lat} {lon}" for lat, lon in TRIANGLE)
    direct = {
        n.id: (n.location.lon, n.location.lat, dict(n.tags))
        for n in osmium.FileProcessor(str(ANDORRA), osmium.osm.NODE).with_filter(
            osmium.filter.KeyFilter("place")
        )
    }
    south, west, north, east = everywhere
    statements = [
        f'node["place"]({south},{west},{north},{east});',
        f'node["place"~"^(town|village)$"]["name:ru"](poly:"{poly}");',
        f'node["place"="village"]({south},{west},{north},{east})(poly:"{poly}");',
    ]
    answers = {}
    for statement in statements:
        response = post(server, f"[out:json][timeout:25];\n(\n  {statement}\n);\nout body;")
        assert response.status_code == 200, response.text
        nodes, ways = split_elements(response.json())
        assert not ways
        answers[statement] = nodes
    every, towns_ru, villages = answers.values()
    # Every place node of the extract, as osmium reads it.
    assert len(every) == len(direct) > 100
    for node_id, (lon, lat, tags) in direct.items():
        assert (every[node_id]["lon"], every[node_id]["lat"]) == (lon, lat)
        assert every[node_id]["tags"] == tags
    inside = {
        i for i, (lon, lat, _) in direct.items() if triangle.intersects(shapely.Point(lon, lat))
    }
    expected_ru = {
        i
        for i in inside
        if direct[i][2]["place"] in ("town", "village") and "name:ru" in direct[i][2]
    }
    assert expected_ru and set(towns_ru) == expected_ru
    assert set(villages) == {i for i in inside if direct[i][2]["place"] == "village"}
    assert len(villages) < len(inside) < len(every)


def test_poly_query_is_the_bbox_answer_clipped_to_the_polygon(
    server: OverpassTestServer, bbox_answer: dict[str, Any]
) -> None:
    response = post(server, poly_query(TRIANGLE))
    assert response.status_code == 200
    poly_nodes, poly_ways = split_elements(response.json())
    bbox_nodes, bbox_ways = split_elements(bbox_answer)
    triangle = shapely.Polygon([(lon, lat) for lat, lon in TRIANGLE])

    assert 0 < len(poly_ways) < len(bbox_ways)
    assert set(poly_ways) <= set(bbox_ways)
    expected = {i for i, way in bbox_ways.items() if way_line(way, bbox_nodes).intersects(triangle)}
    assert set(poly_ways) == expected
    assert set(poly_nodes) == {ref for way in poly_ways.values() for ref in way["nodes"]}
    for node_id, node in poly_nodes.items():
        assert node == bbox_nodes[node_id]

    # "lat lon" order: the same triangle given as "lon lat" lies in the Indian Ocean
    swapped = post(server, poly_query([(lon, lat) for lat, lon in TRIANGLE]))
    assert swapped.status_code == 200
    assert swapped.json()["elements"] == []


def test_query_variants(server: OverpassTestServer, bbox_answer: dict[str, Any]) -> None:
    _, bbox_ways = split_elements(bbox_answer)
    south, west, north, east = BBOX

    # GET ?data= answers the same as POST
    got = requests.get(server.interpreter_url, params={"data": bbox_query()}, timeout=10)
    assert got.status_code == 200
    assert got.json() == bbox_answer

    # no ">;": ways only
    ways_only = post(server, bbox_query(recurse=False)).json()["elements"]
    assert [e["id"] for e in ways_only] == sorted(bbox_ways)
    assert {e["type"] for e in ways_only} == {"way"}

    # single quotes, "=", two statements in one union, other whitespace
    query = (
        "[out:json][timeout:25][maxsize:1073741824];("
        f"way['highway'='primary']({south},{west},{north},{east});"
        f'way["highway"="secondary"]["oneway"]({south},{west},{north},{east});>;);out;'
    )
    _, ways = split_elements(post(server, query).json())
    assert ways
    assert set(ways) < set(bbox_ways)
    for way in ways.values():
        tags = way["tags"]
        assert tags["highway"] == "primary" or (tags["highway"] == "secondary" and "oneway" in tags)

    # ["highway"] alone takes every road class; "!~" excludes
    all_roads = post(server, bbox_query().replace(f'~"{HIGHWAY_REGEX}"', "")).json()
    _, all_ways = split_elements(all_roads)
    assert set(bbox_ways) < set(all_ways)
    no_primary = post(server, bbox_query().replace('"](', '"][highway!~"primary"](')).json()
    _, rest = split_elements(no_primary)
    assert 0 < len(rest) < len(bbox_ways)
    assert all("primary" not in w["tags"]["highway"] for w in rest.values())


def test_relations_and_areas_with_their_members(server: OverpassTestServer) -> None:
    """rel statements and '>' from relations, as the client asks for restrictions and areas."""
    south, west, north, east = BBOX
    area = shapely.box(west, south, east, north)
    box = f"({south},{west},{north},{east})"
    query = (
        "[out:json][timeout:25];\n(\n"
        f'  rel["type"="restriction"]{box};\n'
        f'  way["landuse"="residential"]{box};\n'
        f'  rel["landuse"="residential"]{box};\n'
        ");\n(._; >;);\nout body;"
    )
    response = post(server, query)
    assert response.status_code == 200
    elements = response.json()["elements"]
    types = [e["type"] for e in elements]
    assert types == sorted(types, key=["node", "way", "relation"].index)
    by_type = {t: {e["id"]: e for e in elements if e["type"] == t} for t in set(types)}

    # A direct read: relations with a member node inside the box or a member way crossing it.
    located = osmium.FileProcessor(str(ANDORRA)).with_locations()
    lines, points, rels = {}, {}, {}
    for obj in located:
        if isinstance(obj, osmium.osm.Node):
            points[obj.id] = shapely.Point(obj.lon, obj.lat)
        elif isinstance(obj, osmium.osm.Way):
            lines[obj.id] = shapely.LineString([(n.lon, n.lat) for n in obj.nodes])
        elif isinstance(obj, osmium.osm.Relation):
            members = [(m.type, m.ref, m.role) for m in obj.members]
            rels[obj.id] = (dict(obj.tags), members)

    def meets(kind: str, ref: int) -> bool:
        shape = lines.get(ref) if kind == "w" else points.get(ref) if kind == "n" else None
        return shape is not None and shape.intersects(area)

    expected = {
        rel_id
        for rel_id, (tags, members) in rels.items()
        if (tags.get("type") == "restriction" or tags.get("landuse") == "residential")
        and any(meets(kind, ref) for kind, ref, _ in members)
    }
    got = by_type["relation"]
    assert len(expected) > 10 and set(got) == expected
    restriction = next(r for r in got.values() if r["tags"]["type"] == "restriction")
    kinds = {"n": "node", "w": "way", "r": "relation"}
    assert restriction["members"] == [
        {"type": kinds[k], "ref": ref, "role": role} for k, ref, role in rels[restriction["id"]][1]
    ]
    # '>' brings every member way and node, and every node of those ways.
    ways, nodes = by_type["way"], by_type["node"]
    for rel in got.values():
        for m in rel["members"]:
            assert m["ref"] in (ways if m["type"] == "way" else nodes) or m["type"] == "relation"
    assert {ref for way in ways.values() for ref in way["nodes"]} <= set(nodes)
    residential = {i for i, w in ways.items() if w.get("tags", {}).get("landuse") == "residential"}
    assert residential and all(ways[i]["nodes"][0] == ways[i]["nodes"][-1] for i in residential)


def test_timestamp_is_the_extract_header_timestamp(
    server: OverpassTestServer, bbox_answer: dict[str, Any]
) -> None:
    header = osmium.io.Reader(str(ANDORRA), osmium.osm.NOTHING).header()
    expected = header.get("osmosis_replication_timestamp")
    assert expected == "2021-06-22T20:21:08Z"
    assert bbox_answer["osm3s"]["timestamp_osm_base"] == expected
    assert server.timestamp == expected


def test_timestamp_falls_back_to_the_newest_object(tmp_path: Path) -> None:
    """A file whose header lacks a timestamp: a real Andorra road copied without one."""
    extract = load_extract(ANDORRA)
    row = int(next(i for i, tags in enumerate(extract.way_tags) if tags.get("highway") == "trunk"))
    way_id = int(extract.way_ids[row])
    refs = set(extract.way_refs[extract.way_offsets[row] : extract.way_offsets[row + 1]].tolist())
    small = tmp_path / "one-road.osm.pbf"
    stamps: list[dt.datetime] = []
    with osmium.SimpleWriter(str(small), header=osmium.io.Header()) as writer:
        road_nodes = osmium.filter.IdFilter(refs)
        road_nodes.enable_for(osmium.osm.NODE)
        road = osmium.filter.IdFilter([way_id])
        road.enable_for(osmium.osm.WAY)
        objects = osmium.FileProcessor(str(ANDORRA), osmium.osm.NODE | osmium.osm.WAY)
        for obj in objects.with_filter(road_nodes).with_filter(road):
            if isinstance(obj, osmium.osm.Node | osmium.osm.Way):
                writer.add(obj)
                stamps.append(obj.timestamp)
    assert len(stamps) == len(refs) + 1
    assert osmium.io.Reader(str(small)).header().get("osmosis_replication_timestamp") == ""

    with OverpassTestServer(small) as one_road:
        assert one_road.timestamp == max(stamps).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert one_road.timestamp < "2021-06-22T20:21:08Z"  # not the original header's
        answer = post(one_road, bbox_query((42.0, 1.0, 43.0, 2.0)))
        assert answer.json()["osm3s"]["timestamp_osm_base"] == one_road.timestamp
        nodes, ways = split_elements(answer.json())
        assert list(ways) == [way_id]
        assert set(nodes) == refs


def test_scripted_failures_then_success() -> None:
    with OverpassTestServer(ANDORRA, failures=[429, 504, "runtime_error", "garbage"]) as srv:
        rate_limited = post(srv, bbox_query())
        assert rate_limited.status_code == 429
        assert "rate_limited" in rate_limited.text
        assert rate_limited.headers["Content-Type"].startswith("text/html")

        gateway = post(srv, bbox_query())
        assert gateway.status_code == 504
        assert "too busy" in gateway.text

        runtime = post(srv, bbox_query())
        assert runtime.status_code == 200
        document = runtime.json()
        assert document["elements"] == []
        assert document["remark"].startswith("runtime error: Query timed out")
        assert "after 181 seconds" in document["remark"]

        garbage = post(srv, bbox_query())
        assert garbage.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(garbage.content)

        fine = post(srv, bbox_query())
        assert fine.status_code == 200
        assert "remark" not in fine.json()
        assert len(fine.json()["elements"]) > 0

        srv.push_failures(429)
        assert post(srv, bbox_query()).status_code == 429
        assert post(srv, bbox_query()).status_code == 200

        assert [r.failure for r in srv.requests] == [
            429,
            504,
            "runtime_error",
            "garbage",
            None,
            429,
            None,
        ]
        assert all(r.path == "/api/interpreter" for r in srv.requests)
        assert srv.queries == [bbox_query()] * 7


def test_timeout_and_disconnect_failures() -> None:
    with OverpassTestServer(ANDORRA, failures=["timeout", "disconnect"], stall_s=3.0) as srv:
        started = time.monotonic()
        with pytest.raises(requests.Timeout):
            post(srv, bbox_query(), timeout=0.3)
        assert time.monotonic() - started < 2.0
        with pytest.raises(requests.ConnectionError):
            post(srv, bbox_query())
        assert post(srv, bbox_query()).status_code == 200
        assert len(srv.requests) == 3


def test_failure_values_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown failure"):
        OverpassTestServer(ANDORRA, failures=["slow"])
    srv = OverpassTestServer(ANDORRA)
    with pytest.raises(ValueError):
        srv.push_failures(200)
    assert srv.pending_failures == []


@pytest.mark.parametrize(
    ("query", "line", "kind"),
    [
        ("this is not overpass", 1, "parse"),
        ('[out:json];\n(\n  wayy["highway"](1,2,3,4);\n);\nout;', 3, "parse"),
        ('[out:json];\n(\n  way["highway"](1,2,3,4)\n);\nout;', 4, "parse"),
        ('[out:json];\nway["highway](1,2,3,4);\nout;', 2, "parse"),
        ('[out:json];\nway["highway"](1,2,3);\nout;', 2, "static"),
        ('[out:json];\nway["highway"](45,2,44,4);\nout;', 2, "static"),
        ('[out:json];\nway["highway"](poly:"42 1 43 1");\nout;', 2, "static"),
        ('[out:json];\nway["highway"~"(primary"](1,2,3,4);\nout;', 2, "static"),
        ('[out:xml][timeout:25];\nway["highway"](1,2,3,4);\nout;', 1, "static"),
        ('[timeout:25];\nway["highway"](1,2,3,4);\nout;', 1, "static"),
        ('way["highway"](1,2,3,4);\nout;', 1, "static"),
        # node statements: only with a filter requiring a loaded key, and an area
        ('[out:json];\nnode["name"](1,2,3,4);\nout;', 2, "static"),
        ('[out:json];\nnode[!"place"](1,2,3,4);\nout;', 2, "static"),
        ('[out:json];\nnode["place"];\nout;', 2, "static"),
        ('[out:json];\nnode["place"="town"](1,2,3);\nout;', 2, "static"),
        ('[out:json];\nnwr["place"](1,2,3,4);\nout;', 2, "static"),
    ],
)
def test_bad_queries_get_400_with_overpass_error_text(
    server: OverpassTestServer, query: str, line: int, kind: str
) -> None:
    response = post(server, query)
    assert response.status_code == 400
    assert response.text.startswith(f"Error: line {line}: {kind} error: ")


def test_status_endpoint_and_unknown_paths(server: OverpassTestServer) -> None:
    before = len(server.requests)
    status = requests.get(f"{server.url}/status", timeout=10)
    assert status.status_code == 200
    assert status.headers["Content-Type"].startswith("text/plain")
    lines = status.text.splitlines()
    assert lines[0].startswith("Connected as: ")
    assert re.fullmatch(r"Current time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", lines[1])
    assert "Rate limit: 0" in lines
    assert "2 slots available now." in lines
    assert lines[-1].startswith("Currently running queries")

    assert requests.get(f"{server.url}/nothing", timeout=10).status_code == 404
    assert [r.path for r in server.requests[before:]] == ["/api/status", "/api/nothing"]


def test_runs_from_the_command_line() -> None:
    script = Path(__file__).parents[1] / "overpass_server.py"
    process = subprocess.Popen(
        [sys.executable, str(script), str(DJIBOUTI), "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api", url), url
        query = bbox_query((11.5, 42.9, 11.7, 43.3))  # Djibouti city and Balbala
        response = requests.post(f"{url}/interpreter", data={"data": query}, timeout=10)
        assert response.status_code == 200
        assert response.json()["osm3s"]["timestamp_osm_base"] == "2022-08-01T20:21:29Z"
        assert any(e["type"] == "way" for e in response.json()["elements"])
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
