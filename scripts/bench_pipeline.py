#!/usr/bin/env python3
"""The whole pipeline at real scale (Brandenburg), stage by stage, next to ``osmium tags-filter``.

Not a test: it measures and writes a Markdown section of ``docs/benchmarks.md``. Every
measure runs in a fresh process, one after another, in rounds (``--repeat``): each round
runs ``osmium tags-filter`` (C++, apt's ``osmium-tool``) on the same file as the machine's
yardstick, then the stages of the pipeline on the Brandenburg study
(``data/studies/brandenburg.toml``) in one process, then a cold ``ural-access run`` as a
user would type it, then the start-up measures and the plain Urals run. Figures are
medians with their spread [min–max] over the rounds; the ratios to ``osmium tags-filter``
in the same run are what to compare between runs on a shared machine.

``--compare DIR`` measures another checkout (e.g. the code before a change:
``git archive COMMIT | tar -x -C DIR``) in the same rounds, for a before/after table.

Set up once: ``apt-get install osmium-tool``. Example::

    python scripts/bench_pipeline.py --repeat 3 --out docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED_OSM = REPO.parent / "shared" / "osm"
BRANDENBURG = SHARED_OSM / "brandenburg-omt-z14-2021.osm.pbf"
URALS = SHARED_OSM / "urals-omt-z7-2021.osm.pbf"
STUDY = REPO / "data" / "studies" / "brandenburg.toml"
#: Full extracts (every OSM object, as Geofabrik's) for the read rate per MB of file.
FULL_EXTRACTS = ["andorra-latest.osm.pbf", "liechtenstein-latest.osm.pbf", "malta-latest.osm.pbf"]
MARK = "BENCH_PIPELINE "
BEGIN, END = "<!-- bench_pipeline: begin -->", "<!-- bench_pipeline: end -->"

#: Imports a code tree's ``ural_access`` (a checkout's geo/, maps/, data/ under that name)
#: instead of the installed one, then runs the rest of the script.
PRELUDE = r"""
import sys
tree = {tree!r}
if tree:
    sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path.insert(0, tree)
"""

#: The stages in one process; each stage's own peak RSS (VmHWM reset before it).
STAGES = r"""
import json, time, warnings
from pathlib import Path
def mb(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024.0
out = {{}}
def stage(name, fn):
    open("/proc/self/clear_refs", "w").write("5")
    t, c = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = fn()
    out[name] = {{"s": time.perf_counter() - t, "cpu": time.process_time() - c,
                 "peak_mb": mb("VmHWM"), "rss_mb": mb("VmRSS")}}
    return value
t0 = time.perf_counter()
def imports():
    from ural_access.geo import settings, study, osm, network, access  # noqa
    import ural_access.maps  # noqa
stage("import", imports)
from ural_access.geo import settings
from ural_access.geo.study.definition import load_study
from ural_access.geo.osm.roads import read_osm_file
from ural_access.geo.network.road_network import build_network
from ural_access.geo.pipeline.compute import compute_access
try:  # where it lives now, and where older trees (--compare) have it
    from ural_access.geo.results.access_results import write_results
except ImportError:
    from ural_access.geo.results.files import write_results
from ural_access.maps import build_maps
import shapely
settings.cache_folder = Path({cache!r})
study = stage("study", lambda: load_study({study!r}))
area = study.area()
roads = stage("read", lambda: read_osm_file({osm!r}, study.network.road_classes, bbox=shapely.bounds(area)))
net = stage("build", lambda: build_network(roads, area, road_classes=study.network.road_classes,
            speed_model=study.speed.model, speed_factor=study.speed.factor))
del roads
stage("save", lambda: net.save(Path({work!r}) / "net"))  # the code's default, as `pull` did
results = stage("route", lambda: compute_access(study, net))
stage("write", lambda: write_results(results, Path({work!r}) / "results"))
stage("maps", lambda: build_maps(results, Path({work!r}) / "maps"))
out["total_s"] = time.perf_counter() - t0
out["edges"] = net.n_edges
out["nodes"] = net.n_nodes
print({mark!r} + json.dumps(out))
"""

#: The reader alone on one file (the OSM read row and the full-extract rates).
READ = r"""
import json, time
from ural_access.geo.osm.roads import read_osm_file
read_osm_file({warm!r}, "residential")  # imports and first-call costs out of the way
def mb(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024.0
before = mb("VmRSS")
open("/proc/self/clear_refs", "w").write("5")
t, c = time.perf_counter(), time.process_time()
roads = read_osm_file({osm!r}, {classes!r})
print({mark!r} + json.dumps({{"s": time.perf_counter() - t, "cpu": time.process_time() - c,
      "peak_mb": mb("VmHWM") - before, "ways": int(roads.n_ways), "nodes": len(roads.node_ids),
      "refs": len(roads.refs)}}))
"""

#: The command line, as a user runs it.
CLI = PRELUDE + "from ural_access.cli.commands import main\nsys.exit(main({argv!r}))\n"


def timed(cmd: list[str], timeout: float = 1800) -> dict[str, Any]:
    """Run a process; its wall time, CPU time and peak RSS (its own, from ``wait4``)."""
    t = time.perf_counter()
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if wall > timeout:
        raise RuntimeError(f"{cmd[:3]} took {wall:.0f} s")
    return {
        "s": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024.0,
        "code": proc.returncode,
        "stdout": stdout,
        "stderr": stderr,
    }


def python(code: str) -> dict[str, Any]:
    """Run Python code in a fresh interpreter; the JSON it printed after :data:`MARK`."""
    done = timed([sys.executable, "-c", code])
    for line in done["stdout"].splitlines():
        if line.startswith(MARK):
            return dict(json.loads(line[len(MARK) :]))
    raise RuntimeError(f"a measure failed:\n{done['stderr'][-3000:]}")


def tree_of(checkout: Path | None, work: Path) -> str:
    """A folder whose ``ural_access`` package is ``checkout``'s code ('' for this one)."""
    if checkout is None:
        return ""
    pkg = work / "tree" / "ural_access"
    pkg.mkdir(parents=True, exist_ok=True)
    shutil.copy(checkout / "ural_access" / "__init__.py", pkg / "__init__.py")
    for name in ("geo", "maps", "data"):
        if not (pkg / name).exists():
            (pkg / name).symlink_to(checkout / name)
    return str(pkg.parent)


def osmium_filter(path: Path, classes: list[str], work: Path) -> dict[str, Any]:
    """``osmium tags-filter`` keeping the same highway classes (ways and their nodes)."""
    expr = "w/highway=" + ",".join(classes)
    done = timed(
        ["osmium", "tags-filter", str(path), expr, "-o", str(work / "f.osm.pbf"), "--overwrite"]
    )
    if done["code"] != 0:
        raise RuntimeError(done["stderr"])
    return done


def one_round(trees: list[str], work: Path, classes: list[str]) -> dict[str, Any]:
    """Every measure once, for each code tree (index 0: this checkout)."""
    r: dict[str, Any] = {"osmium": osmium_filter(BRANDENBURG, classes, work), "trees": []}
    r["osmium_full"] = {
        name: osmium_filter(SHARED_OSM / name, classes, work) for name in FULL_EXTRACTS
    }
    for tree in trees:
        t: dict[str, Any] = {}
        prelude = PRELUDE.format(tree=tree)
        warm = str(SHARED_OSM / "monaco.osm.pbf")
        t["read"] = python(
            prelude + READ.format(warm=warm, osm=str(BRANDENBURG), classes="residential", mark=MARK)
        )
        t["read_full"] = {
            name: python(
                prelude
                + READ.format(
                    warm=warm, osm=str(SHARED_OSM / name), classes="residential", mark=MARK
                )
            )
            for name in FULL_EXTRACTS
        }
        cache = work / "cache"  # GeoNames stays cached across rounds; networks never do
        shutil.rmtree(cache / "networks", ignore_errors=True)
        stage_work = work / "stages"
        shutil.rmtree(stage_work, ignore_errors=True)
        t["stages"] = python(
            prelude
            + STAGES.format(
                cache=str(cache),
                study=str(STUDY),
                osm=str(BRANDENBURG),
                work=str(stage_work),
                mark=MARK,
            )
        )
        shutil.rmtree(cache / "networks", ignore_errors=True)
        run = [
            "run", "--study", str(STUDY), "--source", "pbf", "--osm-file", str(BRANDENBURG),
            "--cache-dir", str(cache), "--output", str(work / "out"), "-q",
        ]  # fmt: skip
        t["run"] = timed([sys.executable, "-c", CLI.format(tree=tree, argv=run)])
        urals = [
            "run", "--study", "urals", "--source", "pbf", "--osm-file", str(URALS),
            "--cache-dir", str(work / "cache-urals"), "--output", str(work / "out-urals"), "-q",
        ]  # fmt: skip
        shutil.rmtree(work / "cache-urals" / "networks", ignore_errors=True)
        t["urals"] = timed([sys.executable, "-c", CLI.format(tree=tree, argv=urals)])
        t["help"] = timed([sys.executable, "-c", CLI.format(tree=tree, argv=["run", "--help"])])
        bad = ["route", "--study", str(STUDY), "--bands", "abc", "--cache-dir", str(cache)]
        t["bad_args"] = timed([sys.executable, "-c", CLI.format(tree=tree, argv=bad)])
        for key in ("run", "urals"):
            if t[key]["code"] != 0:
                raise RuntimeError(f"{key} failed:\n{t[key]['stderr'][-3000:]}")
        r["trees"].append(t)
    return r


def med(values: list[float]) -> str:
    """Median and spread: ``m [min–max]``."""
    m = statistics.median(values)
    digits = 2 if m < 10 else 1
    if len(values) == 1:
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} [{min(values):.{digits}f}–{max(values):.{digits}f}]"


def m(values: list[float]) -> float:
    return float(statistics.median(values))


def report(rounds: list[dict[str, Any]], labels: list[str], command: str, wall: float) -> str:
    osm = [r["osmium"]["s"] for r in rounds]
    osm_cpu = [r["osmium"]["cpu"] for r in rounds]
    base = m(osm)
    n = len(labels)

    def col(i: int, *keys: str) -> list[float]:
        out = []
        for r in rounds:
            v: Any = r["trees"][i]
            for k in keys:
                v = v[k]
            out.append(float(v))
        return out

    first = rounds[0]["trees"][0]
    lines = [
        BEGIN,
        "## The whole pipeline on Brandenburg (real scale)",
        "",
        f"Generated by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"({len(rounds)} round{'s' if len(rounds) > 1 else ''}, whole run {wall:.0f} s). File: "
        f"`{BRANDENBURG.name}` ({BRANDENBURG.stat().st_size / 1e6:.1f} MB, every road for "
        f"cars of Brandenburg), study `data/studies/brandenburg.toml` (Potsdam to 8 regional "
        f"centres, roads down to residential): {first['stages']['nodes']:,} nodes, "
        f"{first['stages']['edges']:,} directed edges. Medians over the rounds with "
        "[min–max]; × is the ratio to the median of `osmium tags-filter` on the same file "
        f"in the same run ({med(osm)} s wall, {med(osm_cpu)} s CPU: it reads with several "
        "threads), the yardstick of how fast the machine was. The machine is shared with "
        "other work: compare ratios, not seconds, between runs.",
        "",
        "| measure | " + " | ".join(labels) + " | target |",
        "|---|" + "--:|" * n + "---|",
    ]

    def row(name: str, keys: tuple[str, ...], target: str, ratio: bool = True) -> None:
        cells = []
        for i in range(n):
            vals = col(i, *keys)
            cell = med(vals)
            if ratio:
                # CPU time against osmium's CPU time: less disturbed by a busy machine.
                cell += f" (**{m(vals) / (m(osm_cpu) if keys[-1] == 'cpu' else base):.1f}×**)"
            cells.append(cell)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {target} |")

    row("OSM read of the file, s (`read_osm_file`, residential)", ("read", "s"), "≤ 4×")
    row("  its CPU time, s (× osmium's CPU time)", ("read", "cpu"), "")
    row("  its peak memory above the interpreter, MB", ("read", "peak_mb"), "", ratio=False)
    row("cold `ural-access run`, s", ("run", "s"), "≤ 12×")
    row("  its CPU time, s (× osmium's CPU time)", ("run", "cpu"), "")
    row("  its peak memory, MB", ("run", "peak_mb"), "< 2,000", ratio=False)
    row(
        "plain Urals run (`urals-omt-z7-2021.osm.pbf`, cold network), s",
        ("urals", "s"),
        "< 10 s",
        ratio=False,
    )
    row("  its CPU time, s", ("urals", "cpu"), "", ratio=False)
    row("`ural-access run --help`, s", ("help", "s"), "instant", ratio=False)
    row("argument error (`--bands abc`), s", ("bad_args", "s"), "instant", ratio=False)
    lines += [
        "",
        "Stage by stage in one process (the library calls `ural-access run` makes; peak is the "
        "process's RSS high-water mark during that stage alone):",
        "",
        "| stage | " + " | ".join(f"{lab} s | {lab} peak MB" for lab in labels) + " |",
        "|---|" + "--:|--:|" * n,
    ]
    for stage in ("import", "study", "read", "build", "save", "route", "write", "maps"):
        cells = []
        for i in range(n):
            cells += [
                med(col(i, "stages", stage, "s")),
                f"{m(col(i, 'stages', stage, 'peak_mb')):,.0f}",
            ]
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    cells = []
    for i in range(n):
        cells += [med(col(i, "stages", "total_s")), ""]
    lines.append("| **total** | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Read rate on full extracts (every OSM object, as a Geofabrik extract has; "
        "residential and up kept), against `osmium tags-filter` on each:",
        "",
        "| extract | MB | ways kept | "
        + " | ".join(f"{lab} read s (×)" for lab in labels)
        + " | osmium tags-filter s |",
        "|---|--:|--:|" + "--:|" * n + "--:|",
    ]
    for name in FULL_EXTRACTS:
        o = [r["osmium_full"][name]["s"] for r in rounds]
        cells = []
        for i in range(n):
            v = col(i, "read_full", name, "s")
            cells.append(f"{med(v)} ({m(v) / m(o):.1f}×)")
        size = (SHARED_OSM / name).stat().st_size / 1e6
        ways = rounds[0]["trees"][0]["read_full"][name]["ways"]
        lines.append(f"| {name} | {size:.1f} | {ways:,} | " + " | ".join(cells) + f" | {med(o)} |")
    lines += ["", estimate(rounds), END]
    return "\n".join(lines) + "\n"


def estimate(rounds: list[dict[str, Any]]) -> str:
    """Time and memory for a 2 GB full extract, from this run's rates (this checkout)."""
    gb = 2000.0
    full_mb = sum((SHARED_OSM / n).stat().st_size / 1e6 for n in FULL_EXTRACTS)
    read_s = sum(m([r["trees"][0]["read_full"][n]["s"] for r in rounds]) for n in FULL_EXTRACTS)
    osm_s = sum(m([r["osmium_full"][n]["s"] for r in rounds]) for n in FULL_EXTRACTS)
    refs_per_mb = (
        sum(rounds[0]["trees"][0]["read_full"][n]["refs"] for n in FULL_EXTRACTS) / full_mb
    )
    t = rounds[0]["trees"][0]
    bb_refs = t["read"]["refs"]
    read_mb_per_ref = m([r["trees"][0]["read"]["peak_mb"] for r in rounds]) / bb_refs
    stages = ("build", "route", "write", "maps")
    post_s_per_ref = (
        sum(m([r["trees"][0]["stages"][s]["s"] for r in rounds]) for s in stages) / bb_refs
    )
    peak_per_ref = m([r["trees"][0]["run"]["peak_mb"] for r in rounds]) / bb_refs
    refs = refs_per_mb * gb
    return (
        "**Estimate for a 2 GB extract** (e.g. Geofabrik's Ural Federal District), from this "
        f"run's rates: the full extracts above read at {full_mb / read_s:.1f} MB/s "
        f"(`osmium tags-filter` {full_mb / osm_s:.1f} MB/s), so the read takes about "
        f"**{gb / (full_mb / read_s):,.0f} s** (`osmium tags-filter` about "
        f"{gb / (full_mb / osm_s):,.0f} s). They hold {refs_per_mb:,.0f} way-node references "
        f"of residential-and-up roads per MB of file (dense European extracts: a Russian "
        f"region's share of roads is lower, so this is an upper bound), i.e. up to "
        f"{refs / 1e6:,.0f} M for 2 GB; at Brandenburg's rates per reference "
        f"({read_mb_per_ref * 1e6:,.0f} bytes of read memory, "
        f"{post_s_per_ref * 1e6:,.1f} µs of build, routing and maps, "
        f"{peak_per_ref * 1e6:,.0f} bytes of peak memory for the whole run) that is up to "
        f"{read_mb_per_ref * refs / 1000:,.1f} GB to read, {post_s_per_ref * refs:,.0f} s "
        f"after the read and {peak_per_ref * refs / 1000:,.1f} GB peak for a whole run with "
        "every road down to residential; with the Urals study's tertiary roads and up, a "
        "fraction of that."
    )


def write_section(path: Path, section: str) -> None:
    """Put ``section`` into ``path`` between the markers (at the top if it has none)."""
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + section.rstrip("\n") + tail
    else:
        first_break = text.find("\n\n")
        text = text[: first_break + 2] + section + "\n" + text[first_break + 2 :]
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--compare", type=Path, help="another checkout measured in the same run")
    parser.add_argument("--compare-label", default="before")
    parser.add_argument("--out", type=Path, help="write the section into this Markdown file")
    parser.add_argument("--save", type=Path, help="keep the raw measures (JSON) here")
    parser.add_argument("--load", type=Path, help="only write the report of saved measures")
    args = parser.parse_args(argv)
    cmd = "python scripts/bench_pipeline.py " + " ".join(argv or sys.argv[1:])
    if args.load is not None:
        saved = json.loads(args.load.read_text(encoding="utf-8"))
        section = report(saved["rounds"], saved["labels"], saved["command"], saved["wall"])
        print(section)
        if args.out:
            write_section(args.out, section)
        return 0
    if shutil.which("osmium") is None:
        parser.error("needs `osmium` (apt-get install osmium-tool)")
    if not BRANDENBURG.is_file():
        parser.error(f"missing {BRANDENBURG}")
    sys.path.insert(0, str(REPO))
    from ural_access.geo.osm.roads import highway_classes

    classes = highway_classes("residential")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        trees = [""]
        labels = ["this checkout"]
        if args.compare is not None:
            trees.append(tree_of(args.compare.resolve(), work / "compare"))
            labels.append(args.compare_label)
        rounds = []
        for i in range(args.repeat):
            print(f"round {i + 1} of {args.repeat}", file=sys.stderr)
            rounds.append(one_round(trees, work, classes))
            if args.save is not None:
                for r in rounds[-1]["trees"]:
                    for v in r.values():
                        if isinstance(v, dict):
                            v.pop("stdout", None)
                            v.pop("stderr", None)
                for v in (rounds[-1]["osmium"], *rounds[-1]["osmium_full"].values()):
                    v.pop("stdout", None)
                    v.pop("stderr", None)
                wall = time.perf_counter() - started
                saved = {"rounds": rounds, "labels": labels, "command": cmd.strip(), "wall": wall}
                args.save.write_text(json.dumps(saved), encoding="utf-8")
    section = report(rounds, labels, cmd.strip(), time.perf_counter() - started)
    print(section)
    if args.out:
        write_section(args.out, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
