#!/usr/bin/env python3
"""Measure building the road network of each stand-in extract: size, km by class, time, memory.

Not a test: it measures and prints. Each build runs in a fresh subprocess, so its peak
RSS is its own; the baseline beside it is the same process's RSS after importing the
project (interpreter, numpy, shapely, pyosmium...), measured in that run. The builds read
the real OSM extracts in ``../shared/osm/`` through ``geo.network.pull.pull_network``, as
``ural-access pull`` does; Liechtenstein, which has no study, is built over the file's
whole extent (as ``scripts/bench_routing.py`` does). Two studies are also pulled through
a loopback Overpass server (``tests/overpass_server.py``) serving the same extract, as a
user with internet would pull them from overpass-api.de.

``--compare DIR`` also measures the code of another checkout (e.g. the last commit,
``git archive HEAD | tar -x -C DIR``) in the same run, build by build, for a
before/after table.

Example::

    python scripts/bench_network.py --out docs/network_build.md
"""

from __future__ import annotations

import argparse
import json
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

#: (study or "-" for the whole extract, source, extract) measured by default.
BUILDS = [
    ("andorra", "pbf", "andorra-latest.osm.pbf"),
    ("djibouti", "pbf", "djibouti-secondary.osm.pbf"),
    ("malta", "pbf", "malta-latest.osm.pbf"),
    ("-", "pbf", "liechtenstein-latest.osm.pbf"),
    ("andorra", "overpass", "andorra-latest.osm.pbf"),
    ("djibouti", "overpass", "djibouti-secondary.osm.pbf"),
]

#: Road classes of the whole-extract builds (the studies' own setting elsewhere).
WHOLE_EXTRACT_CLASSES = "tertiary"

MARK = "BENCH_NETWORK "

#: The worker: import, note the baseline, load the study, build the network, report.
WORKER = r"""
import json, sys, time, warnings
sys.path.insert(0, {repo!r}); sys.path.insert(0, {tests!r})
from pathlib import Path
from ural_access.geo import settings
from ural_access.geo.network.pull import pull_network
from ural_access.geo.study.definition import load_study
import osmium, shapely, numpy
def status_mb(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024.0
base = status_mb("VmRSS")
study = load_study({study!r}) if {study!r} != "-" else None
settings.cache_folder = Path({cache!r})
server = None
if {source!r} == "overpass":
    from overpass_server import OverpassTestServer
    server = OverpassTestServer({extract!r}).__enter__()
    settings.overpass_url = server.url
before = status_mb("VmRSS")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak (VmHWM): the build's own peak from here
t0 = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    if study is None:
        from tests.helpers.synthetic import whole_extract
        net = whole_extract({extract!r}, {classes!r})
        net.save(Path({out!r}), geopackage=False)
    else:
        net, _ = pull_network(study, {source!r}.split()[0], {osm_file}, {out!r}, geopackage=False)
seconds = time.perf_counter() - t0
peak = status_mb("VmHWM")
scc = net.provenance.get("largest_scc", {{}})
print({mark!r} + json.dumps({{
    "nodes": net.n_nodes, "edges": net.n_edges, "seconds": seconds,
    "km": {{k: round(float(v), 1) for k, v in net.km_by_class().items()}},
    "dropped_edges": scc.get("dropped_edges", 0), "dropped_km": scc.get("dropped_km", 0.0),
    "osm_timestamp": net.provenance.get("osm_timestamp"),
    "baseline_mb": base, "before_mb": before, "peak_mb": peak,
}}))
if server is not None:
    server.__exit__(None, None, None)
"""


def run_build(repo: Path, study: str, source: str, extract: str, work: Path) -> dict[str, Any]:
    """One build in a fresh interpreter with ``repo``'s code; returns what the worker said."""
    path = SHARED_OSM / extract
    code = WORKER.format(
        repo=str(repo),
        tests=str(REPO / "tests"),
        study=study,
        source=source,
        extract=str(path),
        classes=WHOLE_EXTRACT_CLASSES,
        osm_file=repr(str(path)) if source != "overpass" else "None",
        cache=str(work / "cache"),
        out=str(work / "net"),
        mark=MARK,
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=900
    )
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            return dict(json.loads(line[len(MARK) :]))
    raise RuntimeError(f"build of {study} ({source}) failed:\n{done.stderr[-3000:]}")


def measure(repos: list[Path], build: tuple[str, str, str], repeat: int) -> list[dict[str, Any]]:
    """Median time and memory over ``repeat`` cold builds per code tree, taken in turns."""
    runs: list[list[dict[str, Any]]] = [[] for _ in repos]
    for _ in range(repeat):
        for i, repo in enumerate(repos):
            with tempfile.TemporaryDirectory() as tmp:
                runs[i].append(run_build(repo, *build, Path(tmp)))
    rows = []
    for tree in runs:
        row = dict(tree[0])
        for key in ("seconds", "peak_mb", "baseline_mb", "before_mb"):
            row[key] = statistics.median(r[key] for r in tree)
        row["study"], row["source"], row["extract"] = build
        rows.append(row)
    return rows


def _label(r: dict[str, Any]) -> str:
    what = r["study"] if r["study"] != "-" else "whole extract"
    return f"{what} | {r['source']} ({r['extract']})"


def report(
    rows: list[list[dict[str, Any]]], command: str, seconds: float, compare: Path | None
) -> str:
    """The Markdown report: ``rows[i][0]`` this checkout's build i, ``[1]`` the compared one's."""
    now = [r[0] for r in rows]
    classes = sorted(
        {c for r in now for c in r["km"]}, key=lambda c: -max(r["km"].get(c, 0) for r in now)
    )
    lines = [
        "# Building the road network",
        "",
        f"Generated by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (whole run "
        f"{seconds:.0f} s). Each build is a cold `pull_network` (empty caches) in a fresh "
        "process, median of the repeats; *whole extract* rows read and build the file's "
        "whole extent without a study (`tests.helpers.synthetic.whole_extract`, roads down to "
        f"{WHOLE_EXTRACT_CLASSES}) and save the network the same way.",
        "",
        "Memory is the process's resident set (RSS, from `/proc/self/status`). *baseline*: "
        "after importing the project (interpreter, numpy, pandas, shapely, pyosmium...); "
        "*+ study*: what loading the study added (its towns looked up in the GeoNames "
        "gazetteer, which stays cached in the process); *peak*: the highest RSS during the "
        "build (`VmHWM`, the counter behind `ru_maxrss`, reset with `/proc/self/clear_refs` "
        "just before the build), also as *peak − baseline* and *peak ÷ baseline*; *build "
        "alone*: peak minus the RSS just before the build (reading, building, the SCC and "
        "the cache). The Overpass rows download the roads from a loopback Overpass server "
        "(`tests/overpass_server.py`) started in the same process, so their build includes "
        "the JSON it sends, and *+ study* its copy of the extract.",
        "",
        "| study | source | nodes | edges | dropped (not in the largest SCC) | OSM data | "
        "build s | baseline MB | + study MB | peak MB | peak − baseline MB | "
        "peak ÷ baseline | build alone MB |",
        "|---|---|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in now:
        base = r["baseline_mb"]
        lines.append(
            f"| {_label(r)} | {r['nodes']:,} | {r['edges']:,} "
            f"| {r['dropped_edges']:,} edges, {r['dropped_km']:,.1f} km | {r['osm_timestamp']} "
            f"| {r['seconds']:.2f} | {base:.0f} | +{r['before_mb'] - base:.0f} "
            f"| {r['peak_mb']:.0f} | +{r['peak_mb'] - base:.0f} | {r['peak_mb'] / base:.2f}× "
            f"| +{r['peak_mb'] - r['before_mb']:.0f} |"
        )
    lines += [
        "",
        "Km of road by class:",
        "",
        "| study | source | " + " | ".join(classes) + " | total |",
    ]
    lines.append("|---|---|" + "--:|" * (len(classes) + 1))
    for r in now:
        cells = [f"{r['km'].get(c, 0):,.1f}" for c in classes]
        lines.append(
            f"| {_label(r).split(' (')[0]} | "
            + " | ".join(cells)
            + f" | {sum(r['km'].values()):,.1f} |"
        )
    if compare is not None:
        lines += [
            "",
            f"Before → after: the code in `{compare}` → this checkout, measured in turns in "
            "the same run (build time and *build alone* memory).",
            "",
            "| study | source | same network | build s | build alone MB |",
            "|---|---|---|--:|--:|",
        ]
        for new, old in rows:
            same = all(new[k] == old[k] for k in ("nodes", "edges", "km", "dropped_edges"))
            lines.append(
                f"| {_label(new)} | {'yes' if same else '**no**'} "
                f"| {old['seconds']:.2f} → {new['seconds']:.2f} "
                f"| +{old['peak_mb'] - old['before_mb']:.0f} → +{new['peak_mb'] - new['before_mb']:.0f} |"
            )
    lines += [
        "",
        "Reading: a `.osm.pbf` is decoded block by block with numpy (`geo/osm/_pbf.py`): one "
        "read of the file keeps the road ways (tags tested as string-table codes) and notes "
        "which blocks hold nodes, a second read of those blocks keeps the locations of the "
        "roads' nodes only; nothing is kept per node of the file, in any order of nodes. "
        "Other formats are rewritten as PBF by libosmium first. The roads are those an "
        "independent pyosmium reader gives, on every shared extract (tested).",
        "",
        "OSM data © OpenStreetMap contributors, ODbL 1.0.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="builds per row (median)")
    parser.add_argument("--out", type=Path, help="also write the report (Markdown) here")
    parser.add_argument(
        "--compare", type=Path, help="also measure the code of this other checkout (before/after)"
    )
    args = parser.parse_args(argv)
    repos = [REPO] + ([args.compare.resolve()] if args.compare else [])
    t0 = time.perf_counter()
    rows = []
    for build in BUILDS:
        rows.append(measure(repos, build, args.repeat))
        said = " vs ".join(
            f"{r['seconds']:.2f} s +{r['peak_mb'] - r['before_mb']:.0f} MB" for r in rows[-1]
        )
        print(f"{build[0]} ({build[1]}, {build[2]}): {said}", file=sys.stderr)
    command = "python scripts/bench_network.py" + (" " + " ".join(argv or sys.argv[1:])).rstrip()
    text = report(rows, command, time.perf_counter() - t0, args.compare)
    print(text)
    if args.out:
        sys.path.insert(0, str(REPO))
        from ural_access.geo.base.atomic import write_text_atomic

        write_text_atomic(args.out, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
