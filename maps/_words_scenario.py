"""The words of the scenario comparison map (:mod:`maps.scenario`), in English and Russian.

Merged into :data:`maps._words.TEXTS`, so :class:`maps.text.Lang` finds them like any other.
"""

from __future__ import annotations

SCENARIO_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "sc_title": "Scenario: {title}",
        "sc_note": (
            "Circles: the change in drive time from the nearer first-tier city to each place "
            "(blue: minutes saved, red: minutes lost). Thick lines: the edited roads. Routes "
            "whose time changed: dashed before, solid after. Click a place or a zone for the "
            "times before and after."
        ),
        "sc_layer_places": "Change in drive time (places)",
        "sc_layer_places_city": "Change in drive time from {city} (places)",
        "sc_layer_surface": "Change in drive time (surface)",
        "sc_note_surface": (
            " The shaded surface: the same change for every point of the study area "
            "(the road's time plus the access leg); clear where it is within a minute."
        ),
        "sc_layer_zones": "Agglomerations: before and after",
        "sc_layer_edits": "Edited roads",
        "sc_layer_before": "Changed routes: before",
        "sc_layer_after": "Changed routes: after",
        "sc_before": "before",
        "sc_after": "after",
        "sc_change": "change",
        "sc_city": "from {city}",
        "sc_nearer": "nearer city",
        "sc_time_to_center": "Drive time to the central town",
        "sc_potential": "Potential (all cities)",
        "sc_legend_title": "Change in drive time from the nearer city (or the city of the layer shown)",
        "sc_saved_more": "{m} or more saved",
        "sc_saved": "{lo}–{hi} saved",
        "sc_same": "about the same (within {m})",
        "sc_lost": "{lo}–{hi} lost",
        "sc_lost_more": "{m} or more lost",
        "sc_cut_off": "cut off: no route any more",
        "sc_no_route": "no route before or after",
        "sc_kind_upgrade": "upgraded road",
        "sc_kind_new_road": "new road",
        "sc_kind_close": "closed road",
        "sc_key_before": "route before (dashed)",
        "sc_key_after": "route after (solid)",
        "sc_edit_tooltip": "{name} ({kind}): {km} of road",
        "sc_route_tooltip": "{origin} → {center}: {before} → {after} ({change})",
        "sc_place_tooltip": "{name}: {change}",
    },
    "ru": {
        "sc_title": "Сценарий: {title}",
        "sc_note": (
            "Кружки: изменение времени в пути от ближайшего города первого уровня до каждого "
            "пункта (синий: время сэкономлено, красный: потеряно). Толстые линии: изменённые "
            "дороги. Маршруты, время которых изменилось: пунктир — до, сплошная — после. "
            "Нажмите на пункт или зону, чтобы увидеть время до и после."
        ),
        "sc_layer_places": "Изменение времени в пути (пункты)",
        "sc_layer_places_city": "Изменение времени в пути, город {city} (пункты)",
        "sc_layer_surface": "Изменение времени в пути (поверхность)",
        "sc_note_surface": (
            " Заливка: то же изменение для каждой точки области исследования (время по "
            "дороге плюс подъезд); без заливки там, где оно в пределах минуты."
        ),
        "sc_layer_zones": "Агломерации: до и после",
        "sc_layer_edits": "Изменённые дороги",
        "sc_layer_before": "Изменившиеся маршруты: до",
        "sc_layer_after": "Изменившиеся маршруты: после",
        "sc_before": "до",
        "sc_after": "после",
        "sc_change": "изменение",
        "sc_city": "{city}",  # «из» would need the genitive
        "sc_nearer": "ближайший город",
        "sc_time_to_center": "Время в пути до центрального города",
        "sc_potential": "Потенциал (все города)",
        "sc_legend_title": "Изменение времени в пути от ближайшего города (или от города показанного слоя)",
        "sc_saved_more": "экономия {m} и более",
        "sc_saved": "экономия {lo}–{hi}",
        "sc_same": "почти без изменений (в пределах {m})",
        "sc_lost": "потеря {lo}–{hi}",
        "sc_lost_more": "потеря {m} и более",
        "sc_cut_off": "отрезан: маршрута больше нет",
        "sc_no_route": "нет маршрута ни до, ни после",
        "sc_kind_upgrade": "улучшенная дорога",
        "sc_kind_new_road": "новая дорога",
        "sc_kind_close": "закрытая дорога",
        "sc_key_before": "маршрут до (пунктир)",
        "sc_key_after": "маршрут после (сплошная)",
        "sc_edit_tooltip": "{name} ({kind}): {km} дорог",
        "sc_route_tooltip": "{origin} → {center}: {before} → {after} ({change})",
        "sc_place_tooltip": "{name}: {change}",
    },
}
