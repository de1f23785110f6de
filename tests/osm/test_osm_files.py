"""OSM files that changed or lack data: the network cache follows the file's content, and
road nodes without a location are counted, reported, and refused when most are missing.

The files are cut from the real Andorra extract with osmium-tool (``osmium``), in a
temporary folder: nothing here is made-up map data.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from ural_access.geo.errors import OSMDataError
from ural_access.geo.network.pull import network_summary
from ural_access.geo.network.road_network import RoadNetwork
from ural_access.geo.osm.roads import read_osm_file
from ural_access.geo.osm.sources import data_warnings, default_network_path
from ural_access.geo.study.definition import load_study

from ural_access.cli.commands import main

from ..conftest import extract

ANDORRA = "andorra-latest.osm.pbf"


def _osmium(*args: str) -> None:
    assert shutil.which("osmium"), "osmium-tool is needed (apt install osmium-tool)"
    subprocess.run(["osmium", *args, "--overwrite"], check=True, capture_output=True)


@pytest.fixture(scope="module")
def plain_and_edited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Andorra as uncompressed PBF, and the same bytes with every ``secondary`` spelt
    ``secondarz``: a file of the same name and size whose secondary roads are gone."""
    folder = tmp_path_factory.mktemp("same-size")
    plain = folder / "plain.osm.pbf"
    _osmium("cat", str(extract(ANDORRA)), "-f", "pbf,pbf_compression=none", "-o", str(plain))
    data = plain.read_bytes()
    assert data.count(b"secondary") > 0  # the string tables are readable bytes
    edited = folder / "edited.osm.pbf"
    edited.write_bytes(data.replace(b"secondary", b"secondarz"))
    assert edited.stat().st_size == plain.stat().st_size
    return plain, edited


def test_an_extract_replaced_by_another_of_the_same_size_gives_the_new_network(
    plain_and_edited: tuple[Path, Path], tmp_path: Path
) -> None:
    plain, edited = plain_and_edited
    study = load_study("andorra")
    osm_file = tmp_path / "andorra.osm.pbf"
    shutil.copyfile(plain, osm_file)
    first = RoadNetwork.from_osm(study, osm_file)
    first_folder = default_network_path(study, "pbf", osm_file)
    assert (first_folder / "network.npz").is_file()
    stamp = osm_file.stat()
    # The same name, size and modification time; only the bytes differ.
    shutil.copyfile(edited, osm_file)
    os.utime(osm_file, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert osm_file.stat().st_size == stamp.st_size
    second = RoadNetwork.from_osm(study, osm_file)
    fresh = RoadNetwork.from_osm(study, edited, cache=False)
    assert second.n_edges == fresh.n_edges != first.n_edges
    assert "secondary" in set(first.highway) and "secondary" not in set(second.highway)
    assert default_network_path(study, "pbf", osm_file) != first_folder
    assert second.provenance["osm_file"]["sha256"] != first.provenance["osm_file"]["sha256"]
    # Put back, the first file finds its own cached network again.
    shutil.copyfile(plain, osm_file)
    assert default_network_path(study, "pbf", osm_file) == first_folder


def test_road_nodes_without_a_location_are_counted_and_said(tmp_path: Path) -> None:
    # osmium's "simple" strategy keeps the ways crossing the box but only the nodes inside.
    cut = tmp_path / "cut.osm.pbf"
    _osmium(
        "extract", "-b", "1.40,42.40,1.60,42.70", "--strategy", "simple", str(extract(ANDORRA)),
        "-o", str(cut),
    )  # fmt: skip
    report = subprocess.run(["osmium", "check-refs", str(cut)], capture_output=True, text=True)
    in_all_ways = int(report.stderr.split("Nodes in ways missing:")[1].split()[0])
    roads = read_osm_file(cut, "tertiary")
    missing, total = roads.meta["missing_nodes"], roads.meta["road_nodes"]
    assert 0 < missing <= in_all_ways  # the road ways' share of what osmium finds
    assert missing < total / 2
    assert read_osm_file(extract(ANDORRA), "tertiary").meta["missing_nodes"] == 0

    study = load_study("andorra")
    network = RoadNetwork.from_osm(study, cut, cache=False)
    assert network.provenance["osm_file"]["missing_nodes"] == missing
    (said,) = [w for w in data_warnings(network.provenance) if "no location" in w]
    assert f"{missing:,} of the {total:,}" in said
    assert said in network_summary(network)


def test_a_file_without_most_node_locations_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    ways_only = tmp_path / "ways-only.osm.pbf"
    _osmium(
        "tags-filter", "--omit-referenced", str(extract(ANDORRA)), "w/highway", "-o", str(ways_only)
    )
    with pytest.raises(OSMDataError, match=r"no location for [\d,]+ of the [\d,]+ nodes"):
        read_osm_file(ways_only, "tertiary")
    code = main(
        ["pull", "--study", "andorra", "--source", "pbf", "--osm-file", str(ways_only), "-q"]
    )
    err = capsys.readouterr().err
    assert code == OSMDataError.exit_code and "omit-referenced" in err and "Traceback" not in err
    assert not list((tmp_path / "cache").glob("networks/*/network.npz"))
