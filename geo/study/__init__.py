"""Stage 1, the study: which cities, which agglomerations, which area and options.

- :class:`Study` (:func:`load_study`) — a study file or one built in code;
- :class:`Agglomeration` and :class:`Place` — the towns it names;
- the options of its sections (:mod:`.options`): network, speed, routing, zones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base.lazy import lazy_objects

_OBJECTS = {
    "Study": ".definition",
    "Agglomeration": ".definition",
    "load_study": ".definition",
    "Place": ".places",
}
__all__ = [
    "Agglomeration",
    "Place",
    "Study",
    "load_study",
]
__getattr__, __dir__ = lazy_objects(__name__, _OBJECTS)

if TYPE_CHECKING:
    from .definition import Agglomeration, Study, load_study
    from .places import Place
