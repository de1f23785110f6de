"""The notebook API's results, which draw their own maps.

:class:`AccessResults` is the analysis' results object (:mod:`ural_access.geo.results`)
with :meth:`~AccessResults.maps`, which draws exactly what ``ural-access maps`` draws. It
lives here, above both ``geo`` and ``maps``, like the command line: the analysis never
imports the maps that draw it.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from .geo.network.road_network import RoadNetwork
from .geo.pipeline.compute import compute_access as _compute_access
from .geo.results.access_results import AccessResults as _AccessResults
from .geo.results.access_results import read_results as _read_results
from .geo.study.definition import Study

__all__ = ["AccessResults", "compute_access", "read_results"]


class AccessResults(_AccessResults):
    """Everything computed for one study, as :class:`ural_access.geo.results.AccessResults`,
    plus :meth:`maps`."""

    @classmethod
    def of(cls, results: _AccessResults) -> AccessResults:
        """The same results (the same tables, not copies) as this class."""
        if isinstance(results, cls):
            return results
        return cls(**{f.name: getattr(results, f.name) for f in fields(results)})

    @classmethod
    def from_folder(cls, folder: str | Path, study: Study) -> AccessResults:
        """Read a folder written by :meth:`to_folder` (see :func:`read_results`)."""
        return read_results(folder, study)

    def maps(
        self,
        folder: str | Path,
        *,
        lang: str | None = None,
        self_contained: bool | None = None,
        png: bool = False,
        data_dir: str | Path | None = None,
    ) -> list[Path]:
        """Draw the overview, agglomeration and index maps into ``folder``, as
        ``ural-access maps`` does; the paths written, index first.

        Parameters
        ----------
        lang
            ``"en"`` or ``"ru"``; default: the study's language.
        self_contained
            Inline the map scripts and styles (default: as the command line decides).
        png
            Also write a PNG of each map (headless Chromium).
        data_dir
            The results folder the index page links to, if the results were written.
        """
        from .maps import build_maps  # drawing loads folium: only when asked

        options: dict[str, Any] = {"png": png, "lang": lang or self.study.lang}
        if self_contained is not None:
            options["self_contained"] = self_contained
        return build_maps(self, folder, data_dir=data_dir, **options)


def compute_access(
    study: Study, network: RoadNetwork, with_isochrones: bool = True, with_context: bool = True
) -> AccessResults:
    """Every table and layer of the study on the network, and the map context
    (:func:`ural_access.geo.pipeline.compute_access`)."""
    return AccessResults.of(_compute_access(study, network, with_isochrones, with_context))


def read_results(folder: str | Path, study: Study) -> AccessResults:
    """Read a results folder (:func:`ural_access.geo.results.read_results`)."""
    return AccessResults.of(_read_results(folder, study))
