"""What a map that links its scripts from CDNs shows when they do not load (offline).

Without the map assets (``ural-access setup-assets``) a page loads Leaflet and its
plugins from CDNs: with no network it would open as a white page. :func:`with_cdn_note`
puts a plain-HTML note over the map, which the page removes once Leaflet has drawn it.
"""

from __future__ import annotations

from html import escape

from .text import Lang

#: The note: shown until the map exists (a script removes it on ``load`` if Leaflet ran).
_NOTE = """<div id="ua-cdn-note" style="position:absolute;z-index:5000;top:20px;left:20px;
right:20px;max-width:640px;padding:14px 18px;background:#fff8e1;border:1px solid #d9a400;
border-radius:6px;font:15px/1.4 'DejaVu Sans',Arial,sans-serif;color:#222">
<b>{head}</b><br>{body}</div>
<script>window.addEventListener('load', function () {{
  if (typeof L !== 'undefined' && document.querySelector('.leaflet-container')) {{
    var n = document.getElementById('ua-cdn-note'); if (n) n.remove();
  }}
}});</script>
"""


def cdn_note_html(lang: Lang) -> str:
    """The note's HTML in ``lang`` (all text escaped)."""
    return _NOTE.format(head=escape(lang("cdn_head")), body=escape(lang("cdn_body")))


def with_cdn_note(page: str, lang: Lang) -> str:
    """``page`` with :func:`cdn_note_html` right after its ``<body>`` tag."""
    head, tag, tail = page.partition("<body>")
    if not tag:
        return page
    return f"{head}{tag}\n{cdn_note_html(lang)}{tail}"
