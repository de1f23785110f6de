"""A folium map's page, rendered once: what an element renders is never a template again.

branca wraps every element's rendered script, header and HTML in a new ``Element`` whose
*template* is that text, so the page's final render parses it as Jinja a second time. A
name from OSM or a study file reaches that text verbatim (JSON keeps ``{`` as it is): a
town called ``{{ 7*7 }}`` became ``49`` on the map, and ``{{ ... }}`` can run Python.
Parsing megabytes of GeoJSON as templates was also most of the time a map took to save.
:func:`render_page` renders with those wrappers replaced by text that is output as it is.

Every map of a run embeds the same context and band layers; encoding their GeoJSON as
JSON again for each page was then most of the time (Brandenburg: 0.34 s for the context
alone, ten times). Inside :func:`encoded_once` each of them is encoded for the first page
and the same text reused for the others, exactly what ``tojson`` would have written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import branca.element
import folium
from branca.element import Element


class _Rendered(Element):
    """Already rendered text: output as it is, never parsed as a template."""

    def __init__(self, template: str | None = None, template_name: str | None = None) -> None:
        super().__init__()
        self._text = template or ""

    def render(self, **kwargs: Any) -> str:
        return self._text


@contextmanager
def _rendered_text_is_text() -> Iterator[None]:
    # branca.element's render methods look ``Element`` up in their module when they wrap
    # what they rendered; only those calls run inside this block.
    original = branca.element.Element
    branca.element.Element = _Rendered  # type: ignore[misc]  # for this block only
    try:
        yield
    finally:
        branca.element.Element = original  # type: ignore[misc]  # put back


def render_page(fmap: Any) -> str:
    """The HTML page of a ``folium.Map`` (its root ``Figure``), every element rendered once."""
    root = fmap.get_root()
    with _rendered_text_is_text():
        return str(root.render())


@contextmanager
def encoded_once(*shared: Any) -> Iterator[None]:
    """Within: Jinja's ``tojson`` encodes each object of ``shared`` once, reusing the text.

    The objects are the GeoJSON dicts many pages embed; they must not change inside the
    block. Other values are encoded as before. folium's templates share one Jinja
    environment, whose ``json.dumps_function`` policy is swapped for the block only.
    """
    policies = folium.GeoJson._template.environment.policies
    original = policies["json.dumps_function"]
    plain: Any = original or json.dumps
    wanted = {id(obj): obj for obj in shared if obj is not None}
    texts: dict[tuple[int, str], str] = {}

    def dumps(obj: Any, **kwargs: Any) -> str:
        if wanted.get(id(obj)) is not obj:
            return str(plain(obj, **kwargs))
        key = (id(obj), repr(sorted(kwargs.items())))
        if key not in texts:
            texts[key] = str(plain(obj, **kwargs))
        return texts[key]

    policies["json.dumps_function"] = dumps
    try:
        yield
    finally:
        policies["json.dumps_function"] = original
