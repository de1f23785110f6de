"""The map's legend: a stepped scale whose classes are the bands, and a key of symbols.

The scale's title names the band layer that is shown ("Drive time from Chelyabinsk");
it follows the layer list when the reader switches cities.
"""

from __future__ import annotations

import json
from html import escape

from branca.element import MacroElement
from jinja2 import Template

from .style import (
    BEYOND_LIMIT_COLOUR,
    BORDER_STYLE,
    CENTER_COLOUR,
    CITY_COLOUR,
    LEG_STYLE,
    ROAD_COLOUR,
    TOWN_COLOUR,
    WATER_COLOUR,
    ZONE_STYLE,
    class_colours,
    route_style,
)
from .text import Lang

__all__ = ["HtmlControl", "MapLegend", "key_html", "steps_html"]


def _line(colour: str, weight: float, dash: str | None, opacity: float = 1.0) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<svg width="34" height="12" aria-hidden="true"><line x1="1" y1="6" x2="33" y2="6" '
        f'stroke="{colour}" stroke-width="{weight}" stroke-opacity="{opacity}"{dash_attr}/></svg>'
    )


def _dot(colour: str, radius: float) -> str:
    return (
        f'<svg width="34" height="16" aria-hidden="true"><circle cx="17" cy="8" r="{radius}" '
        f'fill="{colour}" fill-opacity="0.85" stroke="#fff" stroke-width="1.5"/></svg>'
    )


def steps_html(bands: list[float], title: str, lang: Lang) -> str:
    """The stepped scale: one swatch per band and one beyond the last (the zones farther
    than every band), band edges below in minutes."""
    n = len(bands)
    colours = class_colours(n + 1)
    limits = [*zip([0.0, *bands[:-1]], bands, strict=True)]
    swatches = "".join(
        f'<span style="background:{c}" title="{escape(lang.minutes(lo))} – '
        f'{escape(lang.minutes(hi))}"></span>'
        for c, (lo, hi) in zip(colours, limits, strict=False)
    )
    if n:
        more = escape(lang("legend_more", limit=lang.minutes(bands[-1])))
        swatches += f'<span style="background:{colours[-1]}" title="{more}"></span>'
    edges = [0.0, *bands]
    # Label every edge when few, every other one when many (the ticks must not collide).
    every = 1 if n <= 8 else 2
    ticks = "".join(
        f'<b style="position:absolute;left:{100 * i / (n + 1):.2f}%;transform:translateX(-50%);'
        f'font-weight:normal">{lang.decimal(edge, 0)}</b>'
        for i, edge in enumerate(edges)
        if i % every == 0 or i == n
    )
    unit = "мин" if lang.ru else "min"
    return (
        f'<h4 class="ua-legend-title">{escape(title)}, {unit}</h4>'
        f'<div class="ua-steps">{swatches}</div>'
        f'<div style="position:relative;height:14px;margin:1px 6px 4px 6px;font-size:10.5px">'
        f"{ticks}</div>"
    )


def key_html(
    cities: list[str],
    radius_km: float,
    lang: Lang,
    *,
    roads: bool = False,
    water: bool = False,
    borders: bool = False,
    legs: bool = False,
    beyond_limit: float | None = None,
) -> str:
    """The key of symbols: towns by role, the zone circle, each city's routes, context."""
    rows = [
        (_dot(CITY_COLOUR, 7), lang("key_city")),
        (_dot(CENTER_COLOUR, 5), lang("key_center")),
        (_dot(TOWN_COLOUR, 4), lang("key_town")),
        (
            _line(str(ZONE_STYLE["color"]), 2, str(ZONE_STYLE["dashArray"])),
            lang("key_zone", radius=f"{radius_km:g}"),
        ),
    ]
    for i, city in enumerate(cities):
        style = route_style(i)
        rows.append(
            (_line(str(style["color"]), 4, style["dashArray"]), lang("key_route", city=city))
        )
    if beyond_limit is not None:
        rows.append(
            (
                f'<svg width="34" height="12" aria-hidden="true"><rect x="1" y="1" width="32" '
                f'height="10" fill="{BEYOND_LIMIT_COLOUR}" fill-opacity="0.6"/></svg>',
                lang("beyond_limit", limit=lang.km(beyond_limit)),
            )
        )
    if legs:
        rows.append(
            (_line(str(LEG_STYLE["color"]), 2, str(LEG_STYLE["dashArray"])), lang("key_leg"))
        )
    if roads:
        rows.append((_line(ROAD_COLOUR, 2.5, None), lang("key_roads")))
    if water:
        rows.append((_line(WATER_COLOUR, 6, None), lang("key_water")))
    if borders:
        rows.append(
            (
                _line(str(BORDER_STYLE["color"]), 1.5, str(BORDER_STYLE["dashArray"])),
                lang("key_border"),
            )
        )
    body = "".join(f"<tr><td>{symbol}</td><td>{escape(text)}</td></tr>" for symbol, text in rows)
    return f'<table class="ua-key">{body}</table>'


class HtmlControl(MacroElement):
    """A Leaflet control holding ``html``, clicks and scrolls kept from the map.

    ``script`` is JavaScript run after the control is added, with ``map`` and ``box`` (the
    control) in scope.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function() {
          var map = {{ this._parent.get_name() }};
          var box = L.control({position: {{ this.position|tojson }}});
          box.onAdd = function() {
            var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
          };
          box.addTo(map);
          {{ this.script }}
        })();
        {% endmacro %}"""
    )

    def __init__(self, html: str, position: str, css_class: str, script: str = "") -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves it unannotated
        self._name = "HtmlControl"
        self.html = html
        self.position = position
        self.css_class = css_class
        self.script = script


#: The legend's title names the band layers now shown (``%s``: unit, then no-layer text).
_RETITLE_JS = """
          var unit = %s, none = %s;
          function retitle() {
            var shown = [];
            map.eachLayer(function(l) { var t = l.options && l.options.uaBands; if (t && shown.indexOf(t) < 0) shown.push(t); });
            var h = box.getContainer().querySelector('.ua-legend-title');
            var steps = box.getContainer().querySelector('.ua-steps');
            if (h) h.textContent = shown.length ? shown.join(' / ') + ', ' + unit : none;
            if (steps) steps.style.opacity = shown.length ? 1 : 0.35;
          }
          map.on('overlayadd overlayremove', retitle);
          retitle();"""


class MapLegend(HtmlControl):
    """Bottom-left control holding the stepped scale and the key."""

    def __init__(self, html: str, lang: Lang) -> None:
        unit = "мин" if lang.ru else "min"
        none = "Слой времени в пути выключен" if lang.ru else "No drive-time bands shown"
        script = _RETITLE_JS % (json.dumps(unit), json.dumps(none))
        super().__init__(html, "bottomleft", "ua-legend", script)
        self._name = "MapLegend"
