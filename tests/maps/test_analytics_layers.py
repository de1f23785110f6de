"""The analytics' map layers (issue 20): drive-time zones and the shadow, toggleable."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from ural_access.geo.pipeline.compute import compute_access
from ural_access.geo.results.access_results import read_results, write_results
from ural_access.maps._layers import shadow_layer, time_zones_layer
from ural_access.maps.overview import agglomeration_map, overview_map
from ural_access.maps.text import Lang


@pytest.fixture(scope="module")
def urals(built: dict):  # type: ignore[no-untyped-def]
    study, net, _ = built["urals"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compute_access(study, net)


def test_layers_are_drawn_hidden_with_their_towns(urals, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    timed = time_zones_layer(urals)
    shadow = shadow_layer(urals)
    assert timed is not None and shadow is not None
    assert not timed.show and not shadow.show  # off until the reader ticks them
    assert len(timed.data["features"]) == 6
    tips = {f["properties"]["tooltip"] for f in shadow.data["features"]}
    serov = [t for t in tips if t.startswith("<b>Serov</b>")]
    assert serov == [serov[0]] and "isolated" in serov[0] and "single-industry" in serov[0]
    ozyorsk = [t for t in tips if t.startswith("<b>Ozyorsk</b>")]
    assert ozyorsk and "closed town" in ozyorsk[0]
    russian = shadow_layer(urals, Lang("ru"))
    assert russian is not None and "моногород" in " ".join(
        f["properties"]["tooltip"] for f in russian.data["features"]
    )
    html = overview_map(urals).get_root().render()
    assert "Agglomeration zones (45 min from the centre)" in html
    assert "The big cities\\u0027 shadow" in html or "The big cities' shadow" in html
    one = agglomeration_map(urals, "Greater Kyshtym").get_root().render()
    assert "45 min from the centre" in one and "shadow (drive time" not in one
    # drawn the same from the results folder (the `maps` step)
    write_results(urals, tmp_path / "r")
    back = read_results(tmp_path / "r", urals.study)
    assert back.analytics is not None
    again = shadow_layer(back)
    assert again is not None
    assert [f["properties"] for f in again.data["features"]] == [
        f["properties"] for f in shadow.data["features"]
    ]
