"""Today's results for a scenario to compare with, computed once and then read from the cache.

The baseline of a scenario is the study's results on the unedited network: the same for
every scenario of a study, so a run of several scenarios (or the same one again) computes it
once. It is kept whole (pickled, so every number is the one computed, not a CSV's rounding)
under ``<cache>/baselines/<study>-<hash>``, the hash covering everything it follows from: the
network's provenance (its data, road classes, speed model), the study file and its
parameters, the places and the package version. A damaged entry is computed again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import warnings
from pathlib import Path

from .. import __version__, settings
from ..base.atomic import atomic_file
from ..errors import UralAccessWarning
from ..network.road_network import RoadNetwork
from ..pipeline.compute import compute_access
from ..results.access_results import AccessResults
from ..study.definition import Study

log = logging.getLogger(__name__)

__all__ = ["baseline_key", "baseline_results"]


def baseline_key(study: Study, network: RoadNetwork, isochrones: bool) -> str:
    """The hash naming a baseline in the cache (see the module notes)."""
    source = study.source_path
    parts = {
        "version": __version__,
        "network": network.provenance,
        "parameters": study.parameters(),
        "places": [(p.geonameid, p.name, p.lon, p.lat, p.population) for p in study.all_places()],
        "study_file": hashlib.sha256(source.read_bytes()).hexdigest()
        if source is not None and source.is_file()
        else None,
        "isochrones": isochrones,
    }
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def baseline_results(
    study: Study, network: RoadNetwork, *, isochrones: bool = True, cache: bool = True
) -> tuple[AccessResults, list[str], bool]:
    """The study's results on ``network`` without the map context: from the cache when it
    holds them, else computed (and cached). Returns them, their warnings and whether they
    came from the cache."""
    path = (
        Path(settings.cache_folder)
        / "baselines"
        / (f"{study.key}-{baseline_key(study, network, isochrones)}.pickle")
    )
    if cache and path.is_file():
        try:
            results, messages = pickle.loads(path.read_bytes())  # our own cache file
            if isinstance(results, AccessResults) and isinstance(messages, list):
                log.info("today's drive times from the cache %s", path)
                return results, messages, True
        except Exception as exc:  # a damaged entry: computed again and replaced
            log.info("the cached baseline %s is unreadable (%s): computing it again", path, exc)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UralAccessWarning)
        results = compute_access(study, network, with_isochrones=isochrones, with_context=False)
    messages = [str(w.message) for w in caught if issubclass(w.category, UralAccessWarning)]
    if cache:
        with atomic_file(path) as tmp:
            tmp.write_bytes(pickle.dumps((results, messages), protocol=5))
    return results, messages, False
