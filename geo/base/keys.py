"""Column and file-name keys for places: transliterated, unique, stable.

A key names table columns (``time_min_from_<key>``) and files
(``agglomeration-<key>.html``), so two places must never share one. Names are
transliterated to Latin first (Cyrillic by the scholarly ISO 9 / GOST 7.79-2000 system B
table, simplified to ASCII), so "Екатеринбург" becomes ``ekaterinburg``, not ``place``;
names that still give the same key ("Ali Sabieh" and "Ali-Sabieh") are told apart by
their stable id (GeoNames id), never by their order in the study.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Literal

__all__ = ["MAX_SLUG", "slug", "transliterate", "unique_keys"]

# A plain ASCII romanisation close to GOST 7.79-2000 system B (й -> j, х -> kh, ц -> c);
# ъ/ь are dropped, which suits identifiers. Ukrainian and Belarusian letters included.
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
        [
            *("a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "j", "k", "l", "m"),
            *("n", "o", "p", "r", "s", "t", "u", "f", "kh", "c", "ch", "sh", "shh", ""),
            *("y", "", "e", "yu", "ya", "i", "yi", "ye", "g", "u"),
        ],
        strict=True,
    )
)


#: The three letters the BGN/PCGN romanisation spells otherwise (й -> y, ц -> ts,
#: щ -> shch): GeoNames' and most maps' Latin town names follow it ("Polevskoy",
#: "Slutsk"), so names are compared with each other in this spelling.
_BGN = {"й": "y", "ц": "ts", "щ": "shch"}


def transliterate(text: str, *, system: Literal["gost", "bgn"] = "gost") -> str:
    """Latin ASCII spelling of ``text`` (Cyrillic transliterated, accents dropped).

    Parameters
    ----------
    text
        Any text; Latin letters keep their base letter, other scripts are dropped.
    system
        ``"gost"`` (the default: keys and file names) or ``"bgn"``, the BGN/PCGN
        spelling of й, ц and щ, for comparing a Cyrillic name with a Latin one.

    Returns
    -------
    str
        Lower-case ASCII text.

    Examples
    --------
    >>> transliterate("Полевской"), transliterate("Полевской", system="bgn")
    ('polevskoj', 'polevskoy')
    """
    table = _CYRILLIC if system == "gost" else {**_CYRILLIC, **_BGN}
    out = "".join(table.get(ch, ch) for ch in text.lower())
    return unicodedata.normalize("NFKD", out).encode("ascii", "ignore").decode()


#: Longest slug of a name: keys name files (``agglomeration-<key>.html``, its PNG) and
#: columns, and a name of a few hundred characters must not make a file name longer
#: than a file system takes (255 bytes). A longer slug is cut and gets a stable hash.
MAX_SLUG = 48


def slug(name: str, sep: str = "_") -> str:
    """An ASCII identifier fragment for a name; ``""`` if nothing of it survives.

    A slug longer than :data:`MAX_SLUG` is cut and ends with 8 hex digits of the
    SHA-256 of the whole name, so it stays short, stable, and distinct for distinct names.
    """
    text = re.sub(r"[^a-z0-9]+", sep, transliterate(name)).strip(sep)
    if len(text) <= MAX_SLUG:
        return text
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return text[: MAX_SLUG - 9].rstrip(sep) + sep + digest


def _id_text(place_id: int) -> str:
    """An id as key text: places given by coordinates have negative ids (``-7`` -> ``n7``)."""
    return str(place_id) if place_id >= 0 else f"n{-place_id}"


def unique_keys(
    names: Sequence[str],
    ids: Sequence[int],
    explicit: Sequence[str | None] | None = None,
    *,
    fallback: str = "place",
) -> tuple[str, ...]:
    """One distinct key per place: the study's own key, else the name's slug.

    A slug that is empty or shared by several places gets ``_<id>`` appended (the stable
    GeoNames id; ``n<id>`` for a place given by coordinates, whose id is negative), so the same study always gives the same keys.

    Raises
    ------
    ValueError
        Two places have the same explicit key, or two share one id.
    """
    if len(set(ids)) != len(ids):
        dup = sorted(i for i, n in Counter(ids).items() if n > 1)
        raise ValueError(f"the same place (id {dup[0]}) is listed twice")
    given = list(explicit) if explicit is not None else [None] * len(names)
    base = [g or slug(n) or fallback for n, g in zip(names, given, strict=True)]
    counts = Counter(base)
    keys = [
        b if g or (counts[b] == 1 and slug(n)) else f"{b}_{_id_text(i)}"
        for b, n, i, g in zip(base, names, ids, given, strict=True)
    ]
    repeated = [k for k, n in Counter(keys).items() if n > 1]
    if repeated:
        raise ValueError(f"the key {repeated[0]!r} is given to two places")
    return tuple(keys)
