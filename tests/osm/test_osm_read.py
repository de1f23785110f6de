"""The numpy PBF reader gives the roads an independent pyosmium reader gives, on every extract.

The reference below is deliberately simple and separate from the project's code: a
pyosmium loop over the ways with libosmium's location cache, and the drivable rule
written out again from the OSM wiki's access tags.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import numpy as np
import osmium
import pytest
from ural_access.geo.osm import roads as osm
from ural_access.geo.osm.roads import OSMRoads, read_osm_file

from ..conftest import SHARED_OSM, extract

KEYS = ("highway", "maxspeed", "oneway", "junction", "name", "ref")
ORDER = ["motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential"]
CLASSES = {lowest: set(ORDER[: ORDER.index(lowest) + 1]) for lowest in ORDER}
LINKED = {"motorway", "trunk", "primary", "secondary", "tertiary"}


def _kept(tags: dict[str, str], lowest: str) -> bool:
    classes = CLASSES[lowest] | {f"{c}_link" for c in CLASSES[lowest] & LINKED}
    if tags.get("highway") not in classes or tags.get("area") == "yes":
        return False
    # Closed to every car whatever the profile (OSM wiki Key:access; OSRM car.lua's
    # blacklist less its "restricted" values): the first key present, most specific first.
    closed = {"no", "agricultural", "forestry", "emergency", "psv", "taxi", "share_taxi"}
    closed |= {"minibus", "bus", "foot", "emergency_vehicle", "restricted", "military"}
    closed |= {"official"}
    for key in ("motorcar", "motor_vehicle", "vehicle", "access"):
        if key in tags:
            return tags[key] not in closed
    return True


def reference_read(path: Path, lowest: str, node_keys: tuple[str, ...] = ()) -> dict:
    """Ways (sorted by id), their node ids, tags, and node locations, with pyosmium."""
    ways: dict[int, tuple[list[int], tuple]] = {}
    nodes: dict[int, tuple[float, float]] = {}
    proc = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations(
        "flex_mem"
    )
    # Only the ways of the classes asked for, and the nodes that have one of the keys,
    # come to Python (libosmium filters; the location cache still sees every node).
    classes = CLASSES[lowest] | {f"{c}_link" for c in CLASSES[lowest] & LINKED}
    roads = osmium.filter.TagFilter(*(("highway", c) for c in sorted(classes)))
    roads.enable_for(osmium.osm.WAY)
    proc = proc.with_filter(roads)
    if node_keys:
        tagged = osmium.filter.KeyFilter(*node_keys)
        tagged.enable_for(osmium.osm.NODE)
        proc = proc.with_filter(tagged)
    else:
        proc = proc.with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
    node_tags: dict[int, tuple] = {}
    for obj in proc:
        if obj.is_node():
            if node_keys:
                node_tags[obj.id] = tuple(obj.tags.get(k) for k in node_keys)
            continue
        tags = dict(obj.tags)
        if not _kept(tags, lowest) or len(obj.nodes) < 2:
            continue
        ways[obj.id] = ([n.ref for n in obj.nodes], tuple(tags.get(k) for k in KEYS))
        for n in obj.nodes:
            if n.location.valid():
                nodes.setdefault(n.ref, (n.location.lon, n.location.lat))
    ids = sorted(ways)
    node_ids = sorted(nodes)
    return {
        "way_ids": ids,
        "refs": [r for i in ids for r in ways[i][0]],
        "lengths": [len(ways[i][0]) for i in ids],
        "tags": [ways[i][1] for i in ids],
        "node_ids": node_ids,
        "lon": [nodes[n][0] for n in node_ids],
        "lat": [nodes[n][1] for n in node_ids],
        "node_tags": [node_tags.get(n, (None,) * len(node_keys)) for n in node_ids],
    }


def assert_same_roads(ours: OSMRoads, ref: dict) -> None:
    assert ours.way_ids.tolist() == ref["way_ids"]
    assert np.diff(ours.offsets).tolist() == ref["lengths"]
    assert ours.refs.tolist() == ref["refs"]
    rows = list(zip(*(ours.tags[k].tolist() for k in KEYS), strict=True))
    assert rows == ref["tags"]
    assert ours.node_ids.tolist() == ref["node_ids"]
    # Exactly the doubles libosmium gives (same 1e-7 degree integers).
    assert ours.node_lon.tolist() == ref["lon"]
    assert ours.node_lat.tolist() == ref["lat"]


#: Every shared extract; Brandenburg (the big one) with fewer classes to keep the
#: reference reader's Python loop short.
ALL_EXTRACTS = [
    ("andorra-latest.osm.pbf", "residential"),
    ("liechtenstein-latest.osm.pbf", "residential"),
    ("djibouti-secondary.osm.pbf", "residential"),
    ("malta-latest.osm.pbf", "residential"),
    ("monaco.osm.pbf", "residential"),
    ("urals-omt-z7-2021.osm.pbf", "residential"),
    ("urals-omt-z7-2021-context.osm.pbf", "residential"),
    ("ekaterinburg-z14-2023.osm.pbf", "residential"),
    ("brandenburg-omt-z14-2021.osm.pbf", "secondary"),
]


def test_every_shared_extract_is_listed() -> None:
    assert {p.name for p in SHARED_OSM.glob("*.osm.pbf")} == {n for n, _ in ALL_EXTRACTS}


@pytest.mark.parametrize(("name", "lowest"), ALL_EXTRACTS)
def test_reader_gives_the_reference_roads(name: str, lowest: str) -> None:
    path = extract(name)
    ours = read_osm_file(path, lowest)
    assert ours.n_ways > 300
    assert_same_roads(ours, reference_read(path, lowest))
    assert ours.meta["missing_nodes"] == 0
    assert ours.meta["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", ["malta-latest.osm.pbf", "liechtenstein-latest.osm.pbf"])
def test_node_tags_of_the_road_nodes(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Node keys added to ``NODE_TAGS`` come out for the roads' nodes (dense-node tags)."""
    keys = ("highway", "barrier")
    monkeypatch.setattr(osm, "NODE_TAGS", keys)
    ours = read_osm_file(extract(name), "residential")
    ref = reference_read(extract(name), "residential", keys)
    assert_same_roads(ours, ref)
    got = list(zip(*(ours.node_tags[k].tolist() for k in keys), strict=True))
    assert got == ref["node_tags"]
    assert sum(t[0] == "traffic_signals" for t in got) > 10


def _write(path: Path, objects: list, header: osmium.io.Header | None = None) -> None:
    with osmium.SimpleWriter(str(path), header=header) as writer:
        for obj in objects:
            writer.add(obj)


def test_unsorted_incomplete_and_plain_node_files(tmp_path: Path) -> None:
    """Nodes in any order, nodes missing, nodes not dense, blocks not compressed."""
    src = str(extract("monaco.osm.pbf"))
    ways = [
        osmium.osm.mutable.Way(id=w.id, nodes=[n.ref for n in w.nodes], tags=dict(w.tags))
        for w in osmium.FileProcessor(src, osmium.osm.WAY).with_filter(
            osmium.filter.KeyFilter("highway")
        )
    ]
    used = {ref for w in ways for ref in w.nodes}
    nodes = [
        osmium.osm.mutable.Node(id=n.id, location=(n.location.lon, n.location.lat))
        for n in osmium.FileProcessor(src, osmium.osm.NODE)
        if n.id in used
    ]
    shuffled = nodes[:]
    random.Random(7).shuffle(shuffled)
    lacking = [n for i, n in enumerate(nodes) if i % 5]
    # Each variant with the file in the order the reference's location cache needs.
    _write(tmp_path / "sorted.osm.pbf", [*nodes, *ways])
    _write(tmp_path / "sorted-lacking.osm.pbf", [*lacking, *ways])
    variants = {
        "shuffled.osm.pbf": ([*shuffled, *ways], "sorted.osm.pbf"),
        "ways-first.osm.pbf": ([*ways, *nodes], "sorted.osm.pbf"),
        "lacking.osm.pbf": ([*lacking, *ways], "sorted-lacking.osm.pbf"),
    }
    for name, (objects, ref_name) in variants.items():
        path = tmp_path / name
        _write(path, objects)
        ours = read_osm_file(path, "residential")
        ref = reference_read(tmp_path / ref_name, "residential")
        assert_same_roads(ours, ref)
        assert ours.meta["missing_nodes"] == len(set(ref["refs"]) - set(ref["node_ids"]))
        assert (ours.meta["missing_nodes"] > 0) == (name == "lacking.osm.pbf")
    # West and south of Greenwich: coordinates are cut toward zero, as libosmium cuts them.
    west = [
        osmium.osm.mutable.Node(
            id=i + 1, location=(-70.6483 - i * 1.23456789e-5, -33.4569 + i / 7e4)
        )
        for i in range(50)
    ]
    road = osmium.osm.mutable.Way(id=1, nodes=[n.id for n in west], tags={"highway": "primary"})
    path = tmp_path / "santiago.osm.pbf"
    _write(path, [*west, road])
    assert_same_roads(read_osm_file(path, "primary"), reference_read(path, "tertiary"))
    # Not dense, not compressed: libosmium's options for plain PBF.
    for opts in ("pbf_dense_nodes=false", "pbf_compression=none"):
        path = tmp_path / f"plain-{opts.split('=')[0]}.osm.pbf"
        with osmium.SimpleWriter(osmium.io.File(str(path), f"pbf,{opts}")) as writer:
            for obj in [*nodes, *ways]:
                writer.add(obj)
        assert_same_roads(read_osm_file(path, "residential"), reference_read(path, "residential"))


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_read_memory_follows_the_roads_not_the_file(tmp_path: Path) -> None:
    """Peak RSS of reading Brandenburg's tertiary roads: no Python object per node."""
    import os
    import subprocess
    import sys

    code = f"""
from ural_access.geo.osm.roads import read_osm_file
def mb(key):
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(key)) / 1024
read_osm_file({str(extract("monaco.osm.pbf"))!r}, "residential")  # warm up the imports
before = mb("VmRSS")
open("/proc/self/clear_refs", "w").write("5")
roads = read_osm_file({str(extract("brandenburg-omt-z14-2021.osm.pbf"))!r}, "residential")
print(mb("VmHWM") - before, len(roads.node_ids), roads.n_ways)
"""
    # In an empty folder with a cache of its own: the default cache folder is relative to
    # the working folder, and the reads cache the files' map context there.
    env = {**os.environ, "URAL_ACCESS_CACHE": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    )
    growth_mb, n_nodes, _ = done.stdout.split()
    assert int(n_nodes) > 800_000
    # The roads themselves take ~56 bytes per way node and ~200 per way (tags); the
    # file's 1.4 M nodes must not add a Python object (~100 bytes) each.
    assert float(growth_mb) < 250, growth_mb
