"""An agglomeration centred on a first-tier city: 0 min from that city, not "no route".

The centre and the city are one place at one network node; the route search gives no
line for a zero-length path, and the study got NaN, potential 0 and a warning that no
road leads from the city to itself.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

from ural_access.geo.errors import UralAccessWarning
from ural_access.geo.pipeline.compute import compute_access
from ural_access.geo.study.definition import Agglomeration


def test_a_city_reaches_itself_in_zero_minutes(built: dict) -> None:  # type: ignore[no-untyped-def]
    study, net, _ = built["djibouti"]
    city = study.first_tier[0]
    itself = Agglomeration("Djibouti city", city, (city,))
    study = dataclasses.replace(study, agglomerations=(*study.agglomerations, itself))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UralAccessWarning)
        results = compute_access(study, net, with_isochrones=False)
    assert not [w for w in caught if "no road route" in str(w.message)]
    row = results.summary.set_index("agglomeration").loc["Djibouti city"]
    assert (row["time_to_center_min"], row["dist_to_center_km"], row["zone_entry_min"]) == (
        0.0,
        0.0,
        0.0,
    )
    assert row["potential"] == city.population  # 2^(-0/60) = 1
    assert row["rank_time"] == 1
    others = results.summary[results.summary["agglomeration"] != "Djibouti city"]
    assert others["time_to_center_min"].gt(0).all()  # every other centre is a real drive
    total = results.agglomerations.set_index("agglomeration").loc["Djibouti city"]
    assert math.isclose(total["potential_total"], city.population)
