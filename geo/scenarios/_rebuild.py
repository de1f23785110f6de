"""Evaluating a candidate by routing the edited network from scratch.

The incremental update (:mod:`._sweep_graph`) edits the weights of a fixed turn graph.
Where an edit changes more than weights, the network is edited as
:func:`~geo.scenarios.apply.apply_scenario` edits it and routed by a new
:class:`~geo.routing.router.Router`, as the pipeline routes any network:

- a drawn new road (new edges, new junctions);
- a closure of a road a place is joined to (the place joins the nearest open road);
- an upgrade to another road class (turn costs may depend on the class);
- every candidate of a profile that weighs roads beyond their time (``osrm-car``: the
  times follow the lightest routes, which the incremental update does not track).

Exact by construction, at the price of a rebuild per candidate.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..base.arrays import FloatArray, IntArray
from ..errors import UralAccessWarning
from ..network.road_network import RoadNetwork
from ..routing.router import Router
from ..study.definition import Study
from .apply import apply_scenario
from .scenario import Scenario

#: Edited network edges and their new times (``inf``: closed), as for the sweep graph.
EdgeJob = tuple[IntArray, FloatArray]


@dataclass(frozen=True)
class RebuildJob:
    """Edits to route from scratch: edge times first (on the baseline's edge numbers),
    then whole scenarios (new roads, class upgrades) in order."""

    edges: tuple[EdgeJob, ...] = ()
    scenarios: tuple[Scenario, ...] = ()

    def then(self, other: RebuildJob) -> RebuildJob:
        """These edits and then ``other``'s."""
        return RebuildJob(self.edges + other.edges, self.scenarios + other.scenarios)


@dataclass
class Rebuild:
    """What a rebuild needs: the study, today's network and the places to time."""

    study: Study
    network: RoadNetwork
    """Today's network, with the study's speed model."""
    places: pd.DataFrame
    """``place_id``, ``name``, ``lon``, ``lat`` of every place the router joins."""
    city_ids: Sequence[int]
    """Place id of each first-tier city (rows of the times)."""
    target_ids: Sequence[int]
    """Place id of each target (columns of the times)."""

    def edited(self, job: RebuildJob) -> RoadNetwork:
        """Today's network with ``job``'s edits: new edge times, closed edges' car access
        set to ``no`` (as :func:`~geo.scenarios.apply.apply_scenario` closes roads), then
        each scenario applied."""
        network = self.network
        if job.edges:
            travel = network.travel_time_s.copy()
            speed = network.speed_kph.copy()
            access = network.rules["access"].astype(object)
            for edges, times in job.edges:
                closed = ~np.isfinite(times)
                travel[edges[~closed]] = times[~closed]
                # The speed goes with the time (a road a later new road crosses is split
                # into pieces timed from their speed).
                with np.errstate(divide="ignore", invalid="ignore"):
                    kph = 3.6 * network.length_m[edges] / times
                speed[edges[~closed]] = np.where(times > 0, kph, speed[edges])[~closed]
                access[edges[closed]] = "no"
            rules = dict(network.rules, access=access.astype(str))
            network = replace(network, travel_time_s=travel, speed_kph=speed, rules=rules)
        with warnings.catch_warnings():  # an upgrade changing nothing: its gain is 0
            warnings.simplefilter("ignore", UralAccessWarning)
            for scenario in job.scenarios:
                network = apply_scenario(network, scenario, self.study).network
        return network

    def times(self, network: RoadNetwork) -> FloatArray:
        """Times (s) from each city (rows) to each target (columns) on ``network``: ``inf``
        where a place is not joined or cannot be reached; 0 from a place to itself."""
        with warnings.catch_warnings():  # today's run warned about the places already
            warnings.simplefilter("ignore", UralAccessWarning)
            router = Router.for_study(network, self.places, self.study)
        cities = router.place_nodes(list(self.city_ids))
        targets = router.place_nodes(list(self.target_ids))
        out = np.full((len(cities), len(targets)), np.inf)
        joined = np.flatnonzero(cities >= 0)
        if len(joined):
            times = router.times(cities[joined])
            reach = targets >= 0
            out[np.ix_(joined, np.flatnonzero(reach))] = times[:, targets[reach]]
        out[(cities[:, None] == targets[None, :]) & (cities[:, None] >= 0)] = 0.0
        return out

    def evaluate(self, job: RebuildJob) -> FloatArray:
        """Times (s) after ``job``'s edits (see :meth:`times`)."""
        return self.times(self.edited(job))
