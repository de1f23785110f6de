"""Keep the data clear of the controls: the first view, the labels and the popups.

The controls sit in the map's corners, in a column on each side. :class:`ClearView`
(added after every control) makes the page:

- fit the study's extent into the space between the columns (``map.uaFit(bounds)``, also
  what the PNG export calls), then widen the margin on any side where a label or a
  marker still sticks out under a control or off the map, and fit again;
- place each permanent label (``.ua-label``) right of its marker, else left, above or
  below, wherever it covers no control, marker or label placed before it (first-tier
  cities first, then agglomerations, then member towns); again after every zoom or pan;
- pan every popup clear of both columns (Leaflet's autopan, with padding measured when
  the popup opens).
"""

from __future__ import annotations

from typing import Any

from branca.element import MacroElement
from jinja2 import Template

_CLEAR_VIEW_JS = """
(function () {
  var map = {{ this._parent.get_name() }};
  var home = L.latLngBounds({{ this.bounds|tojson }});
  var GAP = 8;
  // Tooltips Leaflet writes in English (the layer list's button), in the map's language.
  var titles = {{ this.titles|tojson }};
  Object.keys(titles).forEach(function (sel) {
    map.getContainer().querySelectorAll(sel).forEach(function (el) { el.title = titles[sel]; });
  });
  var box = function () { return map.getContainer().getBoundingClientRect(); };
  var shown = function (el) {
    var r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden' &&
      getComputedStyle(el).display !== 'none';
  };
  var all = function (sel) {
    return Array.prototype.filter.call(map.getContainer().querySelectorAll(sel), shown);
  };
  var controlRects = function () {
    return all('.leaflet-control').map(function (el) { return el.getBoundingClientRect(); });
  };
  // The width of each side's column of controls (the gutter the data stays out of).
  // The attribution runs along the bottom: a bottom margin, not a column.
  var gutters = function () {
    var b = box(), g = {l: GAP, r: GAP, t: GAP, b: GAP};
    all('.leaflet-left .leaflet-control:not(.leaflet-control-attribution)').forEach(function (el) {
      g.l = Math.max(g.l, el.getBoundingClientRect().right - b.left + GAP);
    });
    all('.leaflet-right .leaflet-control:not(.leaflet-control-attribution)').forEach(function (el) {
      g.r = Math.max(g.r, b.right - el.getBoundingClientRect().left + GAP);
    });
    all('.leaflet-control-attribution').forEach(function (el) {
      g.b = Math.max(g.b, b.bottom - el.getBoundingClientRect().top + GAP);
    });
    all('.leaflet-top.leaflet-left .leaflet-control, .leaflet-top.leaflet-right .leaflet-control').forEach(function (el) {
      var r = el.getBoundingClientRect();
      if (r.right - b.left > b.width * 0.6 && r.left - b.left < b.width * 0.4) g.t = Math.max(g.t, r.bottom - b.top + GAP);
    });
    return g;
  };
  // Markers drawn on the canvas, as screen rectangles (towns carry their radius).
  var markerRects = function () {
    var b = box(), out = [];
    map.eachLayer(function (l) {
      var p = l.feature && l.feature.properties;
      if (!p || p.radius === undefined || !l.getLatLng) return;
      var c = map.latLngToContainerPoint(l.getLatLng()), r = +p.radius + 1;
      out.push({left: b.left + c.x - r, right: b.left + c.x + r, top: b.top + c.y - r,
                bottom: b.top + c.y + r, role: p.role});
    });
    return out;
  };
  var hit = function (a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  };
  var SPOTS = ['right', 'left', 'above', 'below'];
  var put = function (el, spot) {
    var r = +el.getAttribute('data-r') || 4, w = el.offsetWidth, h = el.offsetHeight;
    var x = spot === 'right' ? r + 3 : spot === 'left' ? -w - r - 3 : -w / 2;
    var y = spot === 'above' ? -h - r - 1 : spot === 'below' ? r + 1 : -h / 2;
    el.style.left = Math.round(x) + 'px';
    el.style.top = Math.round(y) + 'px';
    return el.getBoundingClientRect();
  };
  var placeLabels = function () {
    var taken = controlRects().concat(markerRects());
    var b = box();
    var inside = function (r) {
      return r.left >= b.left && r.right <= b.right && r.top >= b.top && r.bottom <= b.bottom;
    };
    var labels = all('.ua-label');
    labels.sort(function (p, q) {
      return (+q.getAttribute('data-rank') || 0) - (+p.getAttribute('data-rank') || 0);
    });
    var area = function (a, t) {
      var w = Math.min(a.right, t.right) - Math.max(a.left, t.left);
      var h = Math.min(a.bottom, t.bottom) - Math.max(a.top, t.top);
      return w > 0 && h > 0 ? w * h : 0;
    };
    var controls = controlRects();
    labels.forEach(function (el) {
      // The first spot that covers nothing (its own marker only touches the label's
      // edge), else the one that covers least; a label that would lie under a control
      // wherever it goes (a place in a column of controls) is hidden.
      el.style.visibility = '';
      var best = null, bestCost = Infinity, clear = false;
      for (var i = 0; i < SPOTS.length; i++) {
        var rect = put(el, SPOTS[i]);
        var cost = taken.reduce(function (sum, t) { return sum + area(rect, t); }, 0);
        if (!inside(rect)) cost += 1e6;
        if (!controls.some(function (c) { return hit(rect, c); })) clear = true;
        if (cost < bestCost) { best = SPOTS[i]; bestCost = cost; }
        if (cost === 0) break;
      }
      var chosen = put(el, best);
      el.setAttribute('data-spot', best + (bestCost > 0 ? ' covered' : ''));
      if (!clear || controls.some(function (c) { return hit(chosen, c); })) {
        el.style.visibility = 'hidden';
        return;
      }
      taken.push(chosen);
    });
  };
  // How far labels and markers stick out of the space between the gutters, per side.
  var overflow = function (g) {
    var b = box(), o = {l: 0, r: 0, t: 0, b: 0};
    var rects = all('.ua-label').map(function (el) { return el.getBoundingClientRect(); })
      .concat(markerRects());
    rects.forEach(function (r) {
      var cx = (r.left + r.right) / 2 - b.left, cy = (r.top + r.bottom) / 2 - b.top;
      if (cx < 0 || cy < 0 || cx > b.width || cy > b.height) return;  // off the map: not shown
      o.l = Math.max(o.l, b.left + g.l - r.left);
      o.r = Math.max(o.r, r.right - (b.right - g.r));
      o.t = Math.max(o.t, b.top + g.t - r.top);
      o.b = Math.max(o.b, r.bottom - (b.bottom - g.b));
    });
    return o;
  };
  var fit = function (bounds) {
    // The page's first fitBounds may still be zooming (animated): its end would undo
    // this fit, so fit once it is over.
    if (map._animatingZoom) { map.once('zoomend', function () { fit(bounds); }); return; }
    var target = bounds ? L.latLngBounds(bounds) : home;
    var g = gutters(), pad = {l: g.l, r: g.r, t: g.t, b: g.b}, size = map.getSize();
    // Never pad away more than all but a third of the map (a tiny window keeps a view).
    var capX = size.x * 2 / 3, capY = size.y * 2 / 3;
    var cap = function () {
      if (pad.l + pad.r > capX) { var k = capX / (pad.l + pad.r); pad.l *= k; pad.r *= k; }
      if (pad.t + pad.b > capY) { var m = capY / (pad.t + pad.b); pad.t *= m; pad.b *= m; }
    };
    map.uaFitLog = [];
    for (var i = 0; i < 6; i++) {
      cap();
      map.fitBounds(target, {paddingTopLeft: [pad.l, pad.t],
                             paddingBottomRight: [pad.r, pad.b], animate: false});
      placeLabels();
      var o = overflow(g);
      map.uaFitLog.push([pad.l, pad.r, pad.t, pad.b, map.getZoom(), o.l, o.r, o.t, o.b]);
      if (o.l <= 0 && o.r <= 0 && o.t <= 0 && o.b <= 0) break;
      // Overshoot a little: zoom moves in quarter steps, so a pixel or two may not do.
      var more = function (v) { return v > 0 ? Math.ceil(v) + GAP : 0; };
      pad.l += more(o.l); pad.r += more(o.r); pad.t += more(o.t); pad.b += more(o.b);
    }
    placeLabels();
  };
  map.uaFit = fit;
  map.uaPlaceLabels = placeLabels;
  map.uaGutters = gutters;
  map.on('zoomend moveend overlayadd', placeLabels);
  // Popups pan clear of both columns of controls.
  if (!L.Popup.prototype._uaClear) {
    var adjust = L.Popup.prototype._adjustPan;
    L.Popup.prototype._adjustPan = function () {
      if (this._map && this._map.uaGutters) {
        var g = this._map.uaGutters();
        this.options.autoPanPaddingTopLeft = L.point(g.l, Math.max(g.t, 10));
        this.options.autoPanPaddingBottomRight = L.point(g.r, 10);
      }
      return adjust.apply(this, arguments);
    };
    L.Popup.prototype._uaClear = true;
  }
  if (document.readyState === 'complete') { fit(); }
  else { window.addEventListener('load', function () { fit(); }); }
})();
"""


class ClearView(MacroElement):
    """Fits ``bounds`` clear of the controls, places the labels, pans popups clear.

    Add it to the map after every control (it measures them).
    """

    _template = Template("{% macro script(this, kwargs) %}" + _CLEAR_VIEW_JS + "{% endmacro %}")

    def __init__(
        self, bounds: tuple[float, float, float, float], titles: dict[str, str] | None = None
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves it unannotated
        self._name = "ClearView"
        west, south, east, north = bounds
        self.bounds: list[Any] = [[south, west], [north, east]]
        #: ``{CSS selector: tooltip}`` set on the controls' elements.
        self.titles = dict(titles or {})
