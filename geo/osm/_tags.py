"""OSM tags as columns of string codes, and the tests on them that choose the roads.

A :class:`TagTable` holds, for a few keys, each object's value as an integer code (a PBF
block's string-table index; -1 where the key is absent), so tests such as "is ``highway``
one of these classes" are integer array operations, and strings are decoded only for
the objects kept. The same table is built from Python dicts for Overpass answers, so one
function (:func:`drivable_mask`) decides what a road for cars is, whatever the source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: ``access``-like values that close a road to cars under every profile (OSRM car.lua's
#: ``access_tag_blacklist`` less its restricted list). ``private``, ``destination`` and
#: the like are kept: the profile decides (:mod:`geo.profiles`).
CLOSED = (
    *("no", "agricultural", "forestry", "emergency", "psv", "taxi", "share_taxi", "minibus"),
    *("bus", "foot", "emergency_vehicle", "restricted", "military", "official"),
)

#: Access keys from the most general to the most specific (for cars).
ACCESS_KEYS = ("access", "vehicle", "motor_vehicle", "motorcar")

#: Tags :func:`drivable_mask` reads.
FILTER_TAGS = ("highway", "area", *ACCESS_KEYS)


@dataclass
class TagTable:
    """Values of some tag keys for ``n`` objects, as integer codes.

    ``codes[key][i]`` is object ``i``'s value of ``key`` (-1 if absent); ``encode`` gives
    the codes of texts (-1 for a text no object has), ``decode`` the texts of codes.
    """

    n: int
    codes: dict[str, npt.NDArray[np.int64]]
    encode: Callable[[list[str]], list[int]]
    decode: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.object_]]

    def is_in(self, key: str, values: Iterable[str]) -> npt.NDArray[np.bool_]:
        """Whether each object's ``key`` is one of ``values`` (false where absent)."""
        codes = [c for c in self.encode(list(values)) if c >= 0]
        if key not in self.codes or not codes:
            return np.zeros(self.n, dtype=bool)
        return np.isin(self.codes[key], codes)

    def text(self, key: str, rows: npt.NDArray[np.bool_] | None = None) -> npt.NDArray[np.object_]:
        """The values of ``key`` as strings (``None`` where absent), for ``rows`` if given."""
        col = self.codes.get(key, np.full(self.n, -1, dtype=np.int64))
        return self.decode(col if rows is None else col[rows])

    @classmethod
    def from_dicts(cls, tags: list[Mapping[str, str]], keys: Iterable[str]) -> TagTable:
        """A table of Python tag dicts (e.g. from Overpass JSON)."""
        strings: dict[str, int] = {}
        codes: dict[str, npt.NDArray[np.int64]] = {}
        for key in keys:
            codes[key] = np.array(
                [strings.setdefault(str(t[key]), len(strings)) if key in t else -1 for t in tags],
                dtype=np.int64,
            )
        table = np.array(list(strings), dtype=object)

        def decode(c: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
            out = np.full(len(c), None, dtype=object)
            out[c >= 0] = table[c[c >= 0]]
            return out

        return cls(len(tags), codes, lambda texts: [strings.get(t, -1) for t in texts], decode)


def drivable_mask(tags: TagTable, classes: Iterable[str]) -> npt.NDArray[np.bool_]:
    """Which objects are public roads of the kept ``classes`` for private cars.

    A road is closed by a :data:`CLOSED` value in an access key unless a more specific
    key (``access`` < ``vehicle`` < ``motor_vehicle`` < ``motorcar``, OSRM's hierarchy)
    says anything else. Direction-specific keys and ``private``/``destination``-type
    values are left to the profile.
    """
    keep = tags.is_in("highway", classes) & ~tags.is_in("area", ["yes"])
    for i, key in enumerate(ACCESS_KEYS):
        closed = tags.is_in(key, CLOSED)
        if not closed.any():
            continue
        reopened = np.zeros(tags.n, dtype=bool)
        for specific in ACCESS_KEYS[i + 1 :]:
            present = tags.codes.get(specific, np.full(tags.n, -1)) >= 0
            reopened |= present & ~tags.is_in(specific, CLOSED)
        keep &= ~(closed & ~reopened)
    return keep
