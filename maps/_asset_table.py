"""Which local file stands for each CDN address that folium and branca emit.

The table is explicit on purpose: a folium or plugin upgrade that changes an address
makes :func:`maps.assets.make_self_contained` fail with the address named, instead of
silently keeping a network dependency. Every npm package named here is pinned, at the
version the address names, in ``maps/package.json`` (checked by the tests).

Where the CDN file has no npm package of its own, the stand-in is said in ``note``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NpmFile:
    """A file inside an installed npm package.

    Parameters
    ----------
    package
        The npm package name, as in ``package.json``.
    path
        The file's path inside the package, with ``/`` separators.
    note
        Why this file stands for the CDN one, when it is not the same file.
    """

    package: str
    path: str
    note: str = ""


@dataclass(frozen=True)
class Generated:
    """Content made here rather than read from a package (no package ships it).

    Parameters
    ----------
    kind
        ``"css"`` or ``"js"``.
    make
        Returns the content.
    note
        Why it is generated.
    """

    kind: str
    make: Callable[[], str]
    note: str = ""


def _awesome_rotate_css() -> str:
    """CSS classes ``fa-rotate-1`` … ``fa-rotate-360`` that ``folium.Icon(angle=…)`` sets.

    folium links a file of exactly these rules from its own GitHub repository; it is in
    no package (not in folium's wheel, not on npm), so the same rules are written here.
    """
    return "".join(
        f".fa-rotate-{d}{{-webkit-transform:rotate({d}deg);transform:rotate({d}deg)}}\n"
        for d in range(1, 361)
    )


_JSD = "https://cdn.jsdelivr.net"
_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs"

#: CDN address → where its content comes from. Keys are exactly what folium 0.20 and
#: branca 0.8 write into ``<script src>`` and ``<link href>``.
ASSETS: dict[str, NpmFile | Generated] = {
    # folium.Map defaults
    f"{_JSD}/npm/leaflet@1.9.3/dist/leaflet.js": NpmFile("leaflet", "dist/leaflet.js"),
    f"{_JSD}/npm/leaflet@1.9.3/dist/leaflet.css": NpmFile("leaflet", "dist/leaflet.css"),
    "https://code.jquery.com/jquery-3.7.1.min.js": NpmFile("jquery", "dist/jquery.min.js"),
    f"{_JSD}/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": NpmFile(
        "bootstrap", "dist/js/bootstrap.bundle.min.js"
    ),
    f"{_JSD}/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": NpmFile(
        "bootstrap", "dist/css/bootstrap.min.css"
    ),
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": NpmFile(
        "@neos21/bootstrap3-glyphicons",
        "dist/css/bootstrap3-glyphicons.min.css",
        note=(
            "Bootstrap 3.0.0's separate glyphicons file was never on npm; this package is "
            "the glyphicons part of Bootstrap 3.3.7 alone (same class names and code points, "
            "a few more icons) with its fonts"
        ),
    ),
    f"{_JSD}/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": NpmFile(
        "@fortawesome/fontawesome-free", "css/all.min.css"
    ),
    f"{_CDNJS}/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": NpmFile(
        "drmonty-leaflet-awesome-markers",
        "js/leaflet.awesome-markers.js",
        note="the upstream npm package has no 2.0.2; drmonty's is a repackaging of it",
    ),
    f"{_CDNJS}/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": NpmFile(
        "drmonty-leaflet-awesome-markers",
        "css/leaflet.awesome-markers.css",
        note="the upstream npm package has no 2.0.2; drmonty's is a repackaging of it",
    ),
    f"{_JSD}/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": (
        Generated("css", _awesome_rotate_css, note="folium's own file, in no package")
    ),
    # folium.plugins.Fullscreen
    f"{_JSD}/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": NpmFile(
        "leaflet.fullscreen",
        "Control.FullScreen.js",
        note="the package ships no .min.js; the CDN minifies this file on the fly",
    ),
    f"{_JSD}/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": NpmFile(
        "leaflet.fullscreen", "Control.FullScreen.css"
    ),
    # folium.plugins.MiniMap
    f"{_CDNJS}/leaflet-minimap/3.6.1/Control.MiniMap.js": NpmFile(
        "leaflet-minimap",
        "dist/Control.MiniMap.min.js",
        note="the package ships only the minified build of the same source",
    ),
    f"{_CDNJS}/leaflet-minimap/3.6.1/Control.MiniMap.css": NpmFile(
        "leaflet-minimap",
        "dist/Control.MiniMap.min.css",
        note="the package ships only the minified build of the same source",
    ),
    # folium.plugins.MeasureControl
    f"{_JSD}/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js": NpmFile(
        "leaflet-measure", "dist/leaflet-measure.min.js"
    ),
    f"{_JSD}/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css": NpmFile(
        "leaflet-measure",
        "dist/leaflet-measure.css",
        note="the package ships no .min.css; the CDN minifies this file on the fly",
    ),
    # folium.plugins.Search
    f"{_JSD}/npm/leaflet-search@2.9.7/dist/leaflet-search.min.js": NpmFile(
        "leaflet-search", "dist/leaflet-search.min.js"
    ),
    f"{_JSD}/npm/leaflet-search@2.9.7/dist/leaflet-search.min.css": NpmFile(
        "leaflet-search", "dist/leaflet-search.min.css"
    ),
    # branca.colormap.LinearColormap / StepColormap legends
    f"{_CDNJS}/d3/3.5.5/d3.min.js": NpmFile("d3", "d3.min.js"),
}

#: Leaflet finds its default marker images by a path relative to leaflet.css, which an
#: inlined stylesheet no longer has: after inlining leaflet.js, this script (with the
#: images as data URIs) points ``L.Icon.Default`` at them. Keys: placeholder → file.
LEAFLET_ICON_FIX_FILES: dict[str, str] = {
    "iconUrl": "dist/images/marker-icon.png",
    "iconRetinaUrl": "dist/images/marker-icon-2x.png",
    "shadowUrl": "dist/images/marker-shadow.png",
}
LEAFLET_JS_URL = f"{_JSD}/npm/leaflet@1.9.3/dist/leaflet.js"
