"""Check that what a map's layers hold is painted: sample the layers, read the pixels.

A map can hold a shape (clicks hit it) that the browser never paints. These helpers take
points on each zone circle and each route from the live Leaflet layers, in screen pixels,
and look at a screenshot (or a PNG rendered at the same size and view) around each point.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

#: Points of the dashed zone circles, the routes and the context roads, in container pixels, that lie in
#: the view and are not under a control, popup or the minimap.
SAMPLES_JS = """
(mapName) => {
  const map = window[mapName];
  const box = map.getContainer().getBoundingClientRect();
  const size = map.getSize();
  const free = (x, y) => {
    if (x < 4 || y < 4 || x > size.x - 4 || y > size.y - 4) return false;
    const el = document.elementFromPoint(box.left + x, box.top + y);
    return !!el && !el.closest('.leaflet-control-container, .leaflet-popup-pane, .leaflet-marker-pane');
  };
  const zones = [], routes = [], context = [];
  map.eachLayer((l) => {
    if (!(l instanceof L.Polyline) || !l._map) return;
    const isContext = !!l.options.uaContext && !(l instanceof L.Polygon);
    const isZone = !isContext && l instanceof L.Polygon && l.options.dashArray;
    const isRoute = !isContext && !(l instanceof L.Polygon) && l.options.weight >= 3;
    if (!isZone && !isRoute && !isContext) return;
    const into = isContext ? context : (isZone ? zones : routes);
    const flat = (a) => Array.isArray(a) ? a.flatMap(flat) : [a];
    for (const ll of flat(l.getLatLngs())) {
      const p = map.latLngToContainerPoint(ll);
      if (free(p.x, p.y)) into.push([Math.round(p.x), Math.round(p.y)]);
    }
  });
  return {zones, routes, context};
}
"""

#: The map's background where no tiles load (style.NO_TILES_BACKGROUND).
BACKGROUND = np.array([0xF2, 0xEF, 0xE9])


def samples(page: Any, map_name: str) -> dict[str, list[list[int]]]:
    """Screen points of the zone circles and routes now in view (see :data:`SAMPLES_JS`)."""
    out: dict[str, list[list[int]]] = page.evaluate(SAMPLES_JS, map_name)
    return out


def painted_shares(
    pixels: npt.NDArray[np.uint8], points: dict[str, list[list[int]]]
) -> dict[str, float]:
    """Share of the sampled points that are painted, per kind (NaN when none in view).

    A zone point counts as painted when a dark pixel (the circle's #333 dash) lies within
    2 px of it (dash gaps are 4 px); a route point when its pixel differs from the bare
    background.
    """
    rgb = pixels[..., :3].astype(int)
    height, width = rgb.shape[:2]
    out: dict[str, float] = {}
    for kind, pts in points.items():
        if not pts:
            out[kind] = float("nan")
            continue
        hits = 0
        for x, y in pts:
            x0, x1 = max(0, x - 2), min(width, x + 3)
            y0, y1 = max(0, y - 2), min(height, y + 3)
            window = rgb[y0:y1, x0:x1].reshape(-1, 3)
            if kind == "zones":
                ok = bool((window.max(axis=1) < 120).any())
            else:
                ok = bool((np.abs(window - BACKGROUND).sum(axis=1) > 40).any())
            hits += ok
        out[kind] = hits / len(pts)
    return out
