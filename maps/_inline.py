"""Text surgery for self-contained HTML: find external tags, inline, rewrite CSS ``url()``.

Pure functions on strings; where the content comes from is :mod:`maps.assets`' business,
passed in as callables. The HTML is folium's own output, so tags are found with regular
expressions rather than a full parser: ``<script src=…></script>`` with an empty body and
``<link rel=stylesheet href=…>``, attributes in any order and quoting.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from pathlib import PurePosixPath

_EXTERNAL_RE = re.compile(r"^(?:https?:)?//", re.IGNORECASE)
_SCRIPT_RE = re.compile(r"<script\b([^>]*)>\s*</script\s*>", re.IGNORECASE)
_LINK_RE = re.compile(r"<link\b([^>]*?)/?>", re.IGNORECASE)
_ATTR_RE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_CSS_URL_RE = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"'\s]*))\s*\)""", re.IGNORECASE)
_FONT_FACE_RE = re.compile(r"@font-face\s*\{[^}]*\}", re.IGNORECASE)
_SRC_DECL_RE = re.compile(r"(?<![-\w])src\s*:\s*([^;}]*)(;?)", re.IGNORECASE)
_SOURCE_MAP_RE = re.compile(r"^[ \t]*(?://[#@]|/\*[#@])\s*sourceMappingURL=[^\n]*$", re.MULTILINE)

#: Attributes that make no sense once the content is inline.
_DROPPED_ATTRS = frozenset(
    {"src", "href", "rel", "integrity", "crossorigin", "referrerpolicy", "async", "defer"}
)

#: MIME types of the files that CSS refers to (explicit: ``mimetypes`` varies by system).
MIME_TYPES: dict[str, str] = {
    ".png": "image/png",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".cur": "image/x-icon",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
}


def is_external(url: str) -> bool:
    """Whether ``url`` is fetched from the network (``http(s)://`` or ``//host/…``)."""
    return bool(_EXTERNAL_RE.match(url.strip()))


def parse_attrs(attr_text: str) -> dict[str, str]:
    """Attributes of a tag as ``{lower-case name: unescaped value}`` (``""`` if bare)."""
    attrs: dict[str, str] = {}
    for m in _ATTR_RE.finditer(attr_text):
        value = next((g for g in m.groups()[1:] if g is not None), "")
        attrs[m.group(1).lower()] = html.unescape(value)
    return attrs


def _kept_attrs(attrs: dict[str, str]) -> str:
    kept = [
        f' {name}="{html.escape(value, quote=True)}"' if value else f" {name}"
        for name, value in attrs.items()
        if name not in _DROPPED_ATTRS
    ]
    return "".join(kept)


def external_refs(page: str) -> list[tuple[str, str]]:
    """External scripts and stylesheets of ``page``, in order, as ``(kind, url)``.

    ``kind`` is ``"js"`` for ``<script src>`` and ``"css"`` for ``<link rel=stylesheet>``.
    """
    refs: list[tuple[int, str, str]] = []
    for m in _SCRIPT_RE.finditer(page):
        src = parse_attrs(m.group(1)).get("src", "")
        if is_external(src):
            refs.append((m.start(), "js", src.strip()))
    for m in _LINK_RE.finditer(page):
        attrs = parse_attrs(m.group(1))
        href = attrs.get("href", "")
        if "stylesheet" in attrs.get("rel", "").lower().split() and is_external(href):
            refs.append((m.start(), "css", href.strip()))
    return [(kind, url) for _, kind, url in sorted(refs)]


def replace_external_tags(
    page: str, script: Callable[[str], str], style: Callable[[str], str]
) -> str:
    """Replace every external script and stylesheet tag by an inline one.

    Parameters
    ----------
    page
        The HTML.
    script, style
        Give the JavaScript or CSS text for a URL (already rewritten, not yet escaped).

    Returns
    -------
    str
        The HTML with ``<script>…</script>`` and ``<style>…</style>`` in place of the tags;
        other attributes (``media``, ``id``…) are kept.
    """

    def _script(m: re.Match[str]) -> str:
        attrs = parse_attrs(m.group(1))
        src = attrs.get("src", "")
        if not is_external(src):
            return m.group(0)
        return f"<script{_kept_attrs(attrs)}>\n{escape_script(script(src.strip()))}\n</script>"

    def _style(m: re.Match[str]) -> str:
        attrs = parse_attrs(m.group(1))
        href = attrs.get("href", "")
        if "stylesheet" not in attrs.get("rel", "").lower().split() or not is_external(href):
            return m.group(0)
        return f"<style{_kept_attrs(attrs)}>\n{escape_style(style(href.strip()))}\n</style>"

    return _LINK_RE.sub(_style, _SCRIPT_RE.sub(_script, page))


def escape_script(js: str) -> str:
    """Make ``js`` safe inside ``<script>``: no ``</script`` can end the element early."""
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)


def escape_style(css: str) -> str:
    """Make ``css`` safe inside ``<style>``: no ``</style`` can end the element early."""
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)


def strip_source_maps(text: str) -> str:
    """Drop ``sourceMappingURL`` comments (they point at files the page no longer has)."""
    return _SOURCE_MAP_RE.sub("", text)


def css_urls(css: str) -> list[str]:
    """Every ``url(…)`` target in ``css``, in order, unquoted."""
    return [next(g for g in m.groups() if g is not None) for m in _CSS_URL_RE.finditer(css)]


def rewrite_css_urls(css: str, resolve: Callable[[str], str | None]) -> str:
    """Replace each ``url(…)`` target by ``resolve(target)``; ``None`` keeps it as it is.

    Targets that are already ``data:`` URIs, fragment-only (``#default#VML``) or empty are
    never passed to ``resolve``.
    """

    def _sub(m: re.Match[str]) -> str:
        target = next(g for g in m.groups() if g is not None)
        stripped = target.strip()
        if not stripped or stripped.startswith("#") or stripped.lower().startswith("data:"):
            return m.group(0)
        new = resolve(stripped)
        if new is None:
            return m.group(0)
        return f'url("{new}")'

    return _CSS_URL_RE.sub(_sub, css)


def split_top_level(value: str, sep: str = ",") -> list[str]:
    """Split a CSS value at ``sep`` outside parentheses and quotes."""
    parts: list[str] = []
    depth, quote, start = 0, "", 0
    for i, ch in enumerate(value):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif ch == sep and depth == 0:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return [p.strip() for p in parts if p.strip()]


def _is_woff2_source(entry: str) -> bool:
    low = entry.lower()
    if "format(" in low:
        return bool(re.search(r"format\(\s*['\"]?woff2['\"]?\s*\)", low))
    urls = css_urls(entry)
    return bool(urls) and PurePosixPath(urls[0].split("?")[0].split("#")[0]).suffix == ".woff2"


def keep_woff2_only(css: str) -> str:
    """In each ``@font-face`` that offers WOFF2, drop the other formats' sources.

    Every browser that runs Leaflet 1.9 with these plugins reads WOFF2, so the EOT, WOFF,
    TTF and SVG copies would only multiply the size of the inlined page. ``local(…)``
    sources are kept; a ``@font-face`` without any WOFF2 source is left untouched.
    """

    def _face(m: re.Match[str]) -> str:
        block = m.group(0)
        decls = list(_SRC_DECL_RE.finditer(block))
        if not any(_is_woff2_source(e) for d in decls for e in split_top_level(d.group(1))):
            return block

        def _src(d: re.Match[str]) -> str:
            entries = [
                e
                for e in split_top_level(d.group(1))
                if _is_woff2_source(e) or e.lower().startswith("local(")
            ]
            if not any(_is_woff2_source(e) for e in entries):
                return ""
            return f"src:{','.join(entries)}{d.group(2)}"

        return _SRC_DECL_RE.sub(_src, block)

    return _FONT_FACE_RE.sub(_face, css)


def data_uri(data: bytes, name: str) -> str:
    """A base64 ``data:`` URI for ``data``; the MIME type comes from ``name``'s suffix.

    Raises
    ------
    KeyError
        If the suffix is not in :data:`MIME_TYPES`.
    """
    mime = MIME_TYPES[PurePosixPath(name).suffix.lower()]
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
