#!/usr/bin/env python3
"""Validate drive times against OSRM on every shared OSM extract, for both profiles.

Not a test: it builds OSRM's own routing data from each extract with OSRM's car profile
(``car.lua``, bundled with PyPI's ``osrm-bindings``), routes the same pairs of places with
OSRM and with this project (profiles ``osrm-car`` and ``ru``), and writes the per-pair and
median ratios (time and distance) to ``docs/validation.md``.

``osrm-bindings`` ships wheels for Python >= 3.12 only, so OSRM runs in a separate virtual
environment made from a 3.12+ interpreter (``--python``, else ``python3.12``/``3.13`` on
PATH or under pyenv); ``--osrm-venv`` keeps it between runs. Where no such interpreter (or
no package index) is found the script says so and exits with status 0 without writing.

Places: twelve road junctions per extract drawn with a fixed seed from the main roads
(tertiary and above) of the project's network, the same points given to both engines
(OSRM snaps a junction's coordinates to that junction); routes from the first four to the
others. A pair counts as the *same route* when every junction of the project's route is
on OSRM's (OSRM's ``annotations=nodes``) and the lengths agree within 1 %.

Examples
--------
::

    python scripts/bench_osrm.py --out docs/validation.md
    python scripts/bench_osrm.py --extracts liechtenstein andorra
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SHARED_OSM = REPO.parent / "shared" / "osm"

EXTRACTS = {
    "andorra": "andorra-latest.osm.pbf",
    "liechtenstein": "liechtenstein-latest.osm.pbf",
    "monaco": "monaco.osm.pbf",
    "malta": "malta-latest.osm.pbf",
    "djibouti": "djibouti-secondary.osm.pbf",
    "ekaterinburg": "ekaterinburg-z14-2023.osm.pbf",
    "brandenburg": "brandenburg-omt-z14-2021.osm.pbf",
    "urals": "urals-omt-z7-2021.osm.pbf",
}

#: Country of each extract (ISO 3166-1): its driving side comes from the project's table
#: (data/driving_side.toml; Malta keeps left), as a study's does. OSRM knows it from its
#: own driving-side index (car.lua ``WayHandlers.driving_side``).
COUNTRY = {
    "andorra": "AD",
    "liechtenstein": "LI",
    "monaco": "MC",
    "malta": "MT",
    "djibouti": "DJ",
    "ekaterinburg": "RU",
    "brandenburg": "DE",
    "urals": "RU",
}

#: Lowest road class of the project's network here: OSRM's car profile routes service roads
#: too, and a junction with one is a junction for its turn costs.
LOWEST_CLASS = "service"

SEED = 20261201
N_POINTS = 12
N_SOURCES = 4
MAIN_CLASSES = ["motorway", "trunk", "primary", "secondary", "tertiary"]

#: Runs inside the OSRM venv: routes the pairs it reads from stdin, prints JSON.
OSRM_WORKER = r"""
import json, sys
import osrm
job = json.load(sys.stdin)
engine = osrm.OSRM(job["data"])
out = []
for (alon, alat), (blon, blat) in job["pairs"]:
    params = osrm.RouteParameters(
        coordinates=[(alon, alat), (blon, blat)], overview="false", annotations=["nodes"]
    )
    try:
        r = engine.Route(params)
    except RuntimeError as exc:
        out.append({"error": str(exc)})
        continue
    route = r["routes"][0]
    nodes = [int(n) for n in route["legs"][0]["annotation"]["nodes"]]
    snap = [float(w["distance"]) for w in r["waypoints"]]
    out.append({"duration": float(route["duration"]), "distance": float(route["distance"]),
                "nodes": nodes, "snap_m": snap})
print(json.dumps(out))
"""


# ====================================================================== OSRM side
def find_python(explicit: str | None) -> str | None:
    """A Python >= 3.12 interpreter for osrm-bindings, or None."""
    candidates = [explicit] if explicit else []
    candidates += [shutil.which(n) for n in ("python3.13", "python3.12")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += sorted(str(p) for p in pyenv.glob("3.1[2-9]*/bin/python3"))
    for c in candidates:
        if not c or not Path(c).exists():
            continue
        ok = subprocess.run(
            [c, "-c", "import sys; sys.exit(sys.version_info < (3, 12))"], capture_output=True
        )
        if ok.returncode == 0:
            return c
    return None


def osrm_venv(venv: Path, python: str | None) -> Path | None:
    """The venv's interpreter with osrm-bindings installed (made if missing), or None."""
    exe = venv / "bin" / "python"
    if exe.exists():
        probe = subprocess.run([str(exe), "-c", "import osrm"], capture_output=True)
        if probe.returncode == 0:
            return exe
    interpreter = find_python(python)
    if interpreter is None:
        print(
            "bench_osrm: skipped: no Python >= 3.12 found (osrm-bindings has wheels for "
            "3.12+ only); pass --python /path/to/python3.12",
            file=sys.stderr,
        )
        return None
    print(f"bench_osrm: making {venv} with {interpreter} and osrm-bindings", file=sys.stderr)
    subprocess.run([interpreter, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run(
        [str(exe), "-m", "pip", "install", "-q", "osrm-bindings"], capture_output=True, text=True
    )
    if pip.returncode != 0:
        print(
            f"bench_osrm: skipped: cannot install osrm-bindings: {pip.stderr.strip()[-500:]}",
            file=sys.stderr,
        )
        return None
    return exe


def osrm_data(exe: Path, pbf: Path, work: Path) -> tuple[Path, float]:
    """OSRM's contracted data for an extract (cached by file hash); build seconds."""
    digest = hashlib.sha256(pbf.read_bytes()).hexdigest()[:16]
    folder = work / f"{pbf.name.split('.')[0]}-{digest}"
    data = folder / "data.osrm"
    if (folder / "done").exists():
        return data, float((folder / "done").read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copy(pbf, folder / "data.osm.pbf")
    profile = subprocess.run(
        [str(exe), "-c", "import osrm, pathlib; print(pathlib.Path(osrm.__file__).parent)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    car = Path(profile) / "share" / "profiles" / "car.lua"
    t0 = time.perf_counter()
    for args in (["extract", "-p", str(car), "data.osm.pbf"], ["contract", "data.osrm"]):
        run = subprocess.run(
            [str(exe), "-m", "osrm", *args], cwd=folder, capture_output=True, text=True
        )
        if run.returncode != 0:
            raise RuntimeError(f"osrm {args[0]} failed on {pbf.name}: {run.stderr[-800:]}")
    seconds = time.perf_counter() - t0
    (folder / "done").write_text(f"{seconds:.1f}")
    return data, seconds


def osrm_routes(exe: Path, data: Path, pairs: list[tuple[tuple[float, float], ...]]) -> list:
    job = json.dumps({"data": str(data), "pairs": pairs})
    run = subprocess.run(
        [str(exe), "-c", OSRM_WORKER], input=job, capture_output=True, text=True, check=True
    )
    return list(json.loads(run.stdout))


# ====================================================================== project side
def project_routes(pbf: Path, seed: int, country: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Our routes between sampled junctions under both profiles, one row per pair."""
    import shapely
    from ural_access.geo.network._driving_side import country_driving_side
    from ural_access.geo.network.road_network import build_network
    from ural_access.geo.osm.roads import read_osm_file
    from ural_access.geo.routing.router import Router

    roads = read_osm_file(pbf, LOWEST_CLASS)
    area = shapely.box(
        roads.node_lon.min(), roads.node_lat.min(), roads.node_lon.max(), roads.node_lat.max()
    )
    side = {"driving_side": country_driving_side(country)}
    nets = {
        # Each profile's own network: osrm-car measures lengths as OSRM, ru on the sphere.
        p: build_network(
            roads, area, road_classes=LOWEST_CLASS, speed_model=p, extra_provenance=side
        )
        for p in ("osrm-car", "ru")
    }
    base = nets["osrm-car"]
    main = np.isin(base.highway, MAIN_CLASSES)
    candidates = np.unique(np.concatenate([base.u[main], base.v[main]]))
    if len(candidates) < N_POINTS:
        candidates = np.arange(base.n_nodes)
    rng = np.random.default_rng(seed)
    points = rng.choice(candidates, size=min(N_POINTS, len(candidates)), replace=False)
    rows: list[dict[str, Any]] = []
    restrictions = base.restrictions if base.restrictions is not None else np.zeros((0, 5))
    info = {"edges": base.n_edges, "restrictions": len(np.unique(restrictions[:, 0]))}
    for profile in ("osrm-car", "ru"):
        net = nets[profile]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            router = Router(net)
        for a in points[:N_SOURCES].tolist():
            tree = router.tree(a)
            for b in points.tolist():
                if a == b:
                    continue
                path = router.path_nodes(tree, b)
                rows.append(
                    {
                        "profile": profile,
                        "a": int(a),
                        "b": int(b),
                        "a_lon": float(net.node_lon[a]),
                        "a_lat": float(net.node_lat[a]),
                        "b_lon": float(net.node_lon[b]),
                        "b_lat": float(net.node_lat[b]),
                        "time_s": float(tree.time_s[b]),
                        "dist_m": float(tree.dist_m[b]),
                        "junctions": [int(net.node_osmid[n]) for n in path],
                    }
                )
    return pd.DataFrame(rows), info


# ====================================================================== report
def compare(key: str, pbf: Path, exe: Path, work: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    t0 = time.perf_counter()
    ours, info = project_routes(pbf, SEED, COUNTRY[key])
    info["project_s"] = time.perf_counter() - t0
    data, info["osrm_build_s"] = osrm_data(exe, pbf, work)
    first = ours[ours.profile == "osrm-car"]
    pairs = [((r.a_lon, r.a_lat), (r.b_lon, r.b_lat)) for r in first.itertuples()]
    answers = osrm_routes(exe, data, pairs)
    by_pair = {(r.a, r.b): ans for r, ans in zip(first.itertuples(), answers, strict=True)}
    out = []
    for r in ours.itertuples():
        ans = by_pair[(r.a, r.b)]
        if "error" in ans or not np.isfinite(r.time_s):
            out.append({"extract": key, "profile": r.profile, "a": r.a, "b": r.b})
            continue
        nodes = set(ans["nodes"])
        same = set(r.junctions[1:-1]) <= nodes and abs(r.dist_m / ans["distance"] - 1) < 0.01
        out.append(
            {
                "extract": key,
                "profile": r.profile,
                "a": r.a,
                "b": r.b,
                "time_s": r.time_s,
                "osrm_time_s": ans["duration"],
                "dist_m": r.dist_m,
                "osrm_dist_m": ans["distance"],
                "time_ratio": r.time_s / ans["duration"] if ans["duration"] > 0 else np.nan,
                "dist_ratio": r.dist_m / ans["distance"] if ans["distance"] > 0 else np.nan,
                "same_route": bool(same),
                "osrm_snap_m": max(ans["snap_m"]),
            }
        )
    return pd.DataFrame(out), info


def _median(series: pd.Series) -> float:
    values = series.dropna().tolist()
    return statistics.median(values) if values else float("nan")


NOTES = "## Reading the table"


def kept_notes(path: Path | None) -> list[str]:
    """The hand-written ``## Reading the table`` section of an earlier report, if any."""
    if path is None or not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    if NOTES not in text:
        return []
    notes = text[text.index(NOTES) :].split("\n## Every pair")[0].rstrip()
    return [*notes.splitlines(), ""]


def report(
    table: pd.DataFrame,
    infos: dict[str, dict[str, Any]],
    osrm_version: str,
    command: str = "python scripts/bench_osrm.py --out docs/validation.md",
    notes: list[str] | None = None,
) -> str:
    lines = [
        "# Validation against OSRM",
        "",
        f"Made by `{command}` on "
        f"{datetime.now(UTC).strftime('%Y-%m-%d')} (osrm-bindings {osrm_version}, its "
        "`car.lua`; the project at this commit). Ratios are project / OSRM for the same pair "
        "of junctions; *same route*: every junction of the project's route lies on OSRM's "
        "and the lengths agree within 1 %.",
        "",
        "## Medians per extract",
        "",
        "| extract | edges | restrictions | profile | pairs | same route | median time ratio "
        "| median time ratio, same route | worst same-route time ratio | median distance "
        "ratio |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (key, profile), g in table.groupby(["extract", "profile"], sort=False):
        ok = g.dropna(subset=["time_ratio"])
        same = ok[ok.same_route.astype(bool)]
        worst = same.time_ratio.iloc[(same.time_ratio - 1).abs().argmax()] if len(same) else np.nan
        lines.append(
            f"| {key} | {infos[key]['edges']:,} | {infos[key]['restrictions']} | {profile} "
            f"| {len(ok)} | {len(same)} | {_median(ok.time_ratio):.3f} "
            f"| {_median(same.time_ratio):.3f} | {worst:.3f} | {_median(ok.dist_ratio):.3f} |"
        )
    for profile in ("osrm-car", "ru"):
        g = table[table.profile == profile].dropna(subset=["time_ratio"])
        same = g[g.same_route.astype(bool)]
        lines.append(
            f"| **all** | | | {profile} | {len(g)} | {len(same)} | "
            f"{_median(g.time_ratio):.3f} | {_median(same.time_ratio):.3f} | "
            f"{same.time_ratio.min() if len(same) else np.nan:.3f}–"
            f"{same.time_ratio.max() if len(same) else np.nan:.3f} | "
            f"{_median(g.dist_ratio):.3f} |"
        )
    lines += [
        "",
        "OSRM build time per extract (osrm-extract + osrm-contract, seconds, this machine): "
        + ", ".join(f"{k} {v['osrm_build_s']:.0f}" for k, v in infos.items()),
        "",
        *(notes or []),
        "## Every pair",
        "",
        "| extract | profile | from node | to node | time (s) | OSRM time (s) | time ratio "
        "| distance (m) | OSRM distance (m) | distance ratio | same route |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in table.itertuples():
        if not np.isfinite(getattr(r, "time_s", np.nan)):
            lines.append(f"| {r.extract} | {r.profile} | {r.a} | {r.b} | no route | | | | | | |")
            continue
        lines.append(
            f"| {r.extract} | {r.profile} | {r.a} | {r.b} | {r.time_s:.1f} | "
            f"{r.osrm_time_s:.1f} | {r.time_ratio:.3f} | {r.dist_m:.0f} | {r.osrm_dist_m:.0f} "
            f"| {r.dist_ratio:.3f} | {'yes' if r.same_route else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--extracts", nargs="*", default=list(EXTRACTS), choices=list(EXTRACTS))
    parser.add_argument("--python", help="a Python >= 3.12 for the OSRM venv")
    parser.add_argument(
        "--osrm-venv",
        type=Path,
        default=Path(tempfile.gettempdir()) / "ural-access-osrm-venv",
        help="virtual environment with osrm-bindings (made if missing)",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "ural-access-osrm-data",
        help="folder for OSRM's data files (kept between runs)",
    )
    parser.add_argument("--out", type=Path, help="write the report here (else print it)")
    args = parser.parse_args(argv)
    exe = osrm_venv(args.osrm_venv, args.python)
    if exe is None:
        return 0
    version = subprocess.run(
        [str(exe), "-m", "pip", "show", "osrm-bindings"], capture_output=True, text=True
    ).stdout
    version = next((ln.split()[-1] for ln in version.splitlines() if ln.startswith("Version")), "?")
    sys.path.insert(0, str(REPO))
    tables, infos = [], {}
    for key in args.extracts:
        pbf = SHARED_OSM / EXTRACTS[key]
        if not pbf.is_file():
            print(f"bench_osrm: {pbf} missing: skipped", file=sys.stderr)
            continue
        print(f"bench_osrm: {key}", file=sys.stderr)
        table, infos[key] = compare(key, pbf, exe, args.work)
        tables.append(table)
    command = " ".join(
        ["python scripts/bench_osrm.py", *(argv if argv is not None else sys.argv[1:])]
    )
    text = report(
        pd.concat(tables, ignore_index=True), infos, version, command, kept_notes(args.out)
    )
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"bench_osrm: wrote {args.out}", file=sys.stderr)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
