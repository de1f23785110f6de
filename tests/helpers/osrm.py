"""OSRM itself on small synthetic networks, for the ``osrm-car`` rule tests.

The networks are made up in the tests (:func:`osm_xml`: a few nodes and ways with the
tags under test, ids from 1; clearly synthetic, not OSM data). OSRM runs from PyPI's
``osrm-bindings`` (wheels for Python >= 3.12 only), in a separate virtual environment
whose interpreter the environment variable :data:`ENV_VAR` names; ``.ci/run`` makes it.
The package ships OSRM's ``car.lua``, which :func:`osrm_routes` extracts the data with.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import pytest

#: Path of a Python >= 3.12 with ``osrm-bindings`` installed (set by ``.ci/run``).
ENV_VAR = "URAL_ACCESS_OSRM_PYTHON"

Node = tuple[float, float, Mapping[str, str]]
Way = tuple[Sequence[int], Mapping[str, str]]

_WORKER = r"""
import json, pathlib, subprocess, sys
import osrm
job = json.load(sys.stdin)
folder = pathlib.Path(job["folder"])
car = pathlib.Path(osrm.__file__).parent / "share" / "profiles" / "car.lua"
for args in (["extract", "-p", str(car), "data.osm"], ["contract", "data.osrm"]):
    run = subprocess.run([sys.executable, "-m", "osrm", *args], cwd=folder,
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"osrm {args[0]} failed: {run.stderr[-2000:]}")
engine = osrm.OSRM(str(folder / "data.osrm"))
out = []
for a, b in job["pairs"]:
    params = osrm.RouteParameters(coordinates=[tuple(a), tuple(b)], overview="false",
                                  annotations=["nodes", "duration", "distance", "weight"])
    try:
        r = engine.Route(params)
    except RuntimeError as exc:
        out.append({"error": str(exc)})
        continue
    route = r["routes"][0]
    ann = route["legs"][0]["annotation"]
    out.append({"duration": float(route["duration"]), "distance": float(route["distance"]),
                "weight": float(route["weight"]), "nodes": [int(n) for n in ann["nodes"]],
                "segment_distance": [float(d) for d in ann["distance"]]})
print(json.dumps(out))
"""


def osrm_python() -> str:
    """The interpreter named by :data:`ENV_VAR`; the test is skipped where it is unset."""
    exe = os.environ.get(ENV_VAR, "")
    if not exe:
        pytest.skip(f"{ENV_VAR} is not set (a Python >= 3.12 with osrm-bindings; .ci/run sets it)")
    if not Path(exe).is_file():
        pytest.fail(f"{ENV_VAR}={exe!r} is no file")
    return exe


def osm_xml(nodes: Mapping[int, Node], ways: Mapping[int, Way]) -> str:
    """An ``.osm`` XML document of synthetic nodes (lon, lat, tags) and ways (refs, tags)."""

    def tags(t: Mapping[str, str]) -> str:
        return "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in t.items())

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for i, (lon, lat, t) in sorted(nodes.items()):
        lines.append(f'<node id="{i}" version="1" lat="{lat:.7f}" lon="{lon:.7f}">{tags(t)}</node>')
    for i, (refs, t) in sorted(ways.items()):
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        lines.append(f'<way id="{i}" version="1">{nds}{tags(t)}</way>')
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def write_osm(folder: Path, nodes: Mapping[int, Node], ways: Mapping[int, Way]) -> Path:
    """Write :func:`osm_xml` to ``folder/data.osm``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "data.osm"
    path.write_text(osm_xml(nodes, ways), encoding="utf-8")
    return path


def osrm_routes(
    osm_file: Path, pairs: Sequence[tuple[tuple[float, float], tuple[float, float]]]
) -> list[dict[str, Any]]:
    """OSRM's car routes between (lon, lat) pairs on ``osm_file`` (built in its folder).

    Each answer holds ``duration`` (s), ``distance`` (m), ``weight``, the OSM ``nodes`` it
    passes and the ``segment_distance`` of each step, or ``error``.
    """
    exe = osrm_python()
    job = json.dumps({"folder": str(osm_file.parent), "pairs": [list(map(list, p)) for p in pairs]})
    run = subprocess.run(
        [exe, "-c", _WORKER], input=job, capture_output=True, text=True, timeout=300
    )
    if run.returncode != 0:
        raise RuntimeError(f"OSRM failed: {run.stderr[-2000:]}")
    return list(json.loads(run.stdout))
