"""The words of the map of ranked candidates (:mod:`maps.ranking`), in English and Russian.

Merged into :data:`maps._words.TEXTS`, so :class:`maps.text.Lang` finds them like any other.
"""

from __future__ import annotations

RANKING_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "rk_title": "Which road first: the top {n} of {total} sections",
        "rk_title_closures": "What a closure costs: the top {n} of {total} sections",
        "rk_standard": "Each section on its own upgraded to the {standard}; gain: {objective}.",
        "rk_standard_list": (
            "Each candidate on its own, as its edit says (an upgrade that sets no speed: the "
            "{standard}); gain: {objective}."
        ),
        "rk_standard_closures": (
            "Each section closed on its own; loss: the total consumer-overflow potential."
        ),
        "rk_note": (
            "Thick lines: the top sections, numbered and coloured by rank (dark: first). "
            "Thin grey lines: the other candidate sections (today's fastest routes between "
            "the first-tier cities and the agglomeration centres, cut at major junctions). "
            "Click a section for the minutes it saves from each city to each centre."
        ),
        "rk_note_closures": (
            "Thick lines: the sections whose closure costs most, numbered and coloured by "
            "rank (dark: first). Thin grey lines: the other sections. A black dashed line "
            "over a section: closing it cuts a centre off from a first-tier city. Click a "
            "section for the minutes lost from each city to each centre."
        ),
        "rk_note_list": (
            "Thick lines: the top candidates of your list, numbered and coloured by rank "
            "(dark: first); thin grey lines: the others. Click a candidate for the minutes it "
            "saves from each city to each centre."
        ),
        "rk_note_package": (
            " Wide green dashed outline: the sections of the package chosen within the budget "
            "(step n: the n-th choice)."
        ),
        "rk_layer_top": "Top {n} sections",
        "rk_layer_others": "Other candidate sections",
        "rk_layer_package": "Package within the budget",
        "rk_layer_cut": "Closures that cut a centre off",
        "rk_layer_places": "First-tier cities and agglomeration centres",
        "rk_table_title": "Sections by rank",
        "rk_col_section": "section",
        "rk_col_km": "km",
        "rk_col_gain": "gain",
        "rk_col_loss": "potential lost",
        "rk_col_package": "package",
        "rk_step": "step {n}",
        "rk_col_step": "step",
        "rk_col_marginal": "marginal gain",
        "rk_rank_short": " (rank {rank})",
        "rk_package_total": "Package: {n} sections, {km}, gain {gain}",
        "rk_package_total_cost": "Package: {n} sections, {km}, gain {gain}, cost {cost}",
        "rk_rank": "Rank {rank} of {total}",
        "rk_km": "Length",
        "rk_gain": "Gain",
        "rk_gain_per_km": "Gain per km",
        "rk_loss": "Potential lost",
        "rk_loss_per_km": "Potential lost per km",
        "rk_cost": "Cost",
        "rk_saved_head": "Minutes saved to the centre",
        "rk_lost_head": "Minutes lost to the centre",
        "rk_to": "{agglomeration} from {city}",
        "rk_none_saved": "No time to a centre changes by a minute or more.",
        "rk_cut_off": "cut off",
        "rk_cuts_off": "Cuts off: {pairs}",
        "rk_in_package": "In the package: step {n}",
        "rk_tooltip": "{rank}. {section}: gain {gain}",
        "rk_tooltip_closures": "{rank}. {section}: potential lost {gain}",
        "rk_tooltip_other": "{rank}. {section}",
        "rk_legend_title": "Sections",
        "rk_key_rank": "rank {first} (dark) to {last}",
        "rk_key_other": "other candidate section",
        "rk_key_package": "in the package",
        "rk_key_cut": "closing it cuts a centre off",
        "rk_key_city": "first-tier city",
        "rk_key_center": "agglomeration centre",
        "rk_obj_potential": "the total consumer-overflow potential (people)",
        "rk_obj_agglomeration": "the consumer-overflow potential of {name} (people)",
        "rk_obj_within": "zone population newly within {minutes} of a first-tier city",
        "rk_std_limit": "limit {kph} km/h",
        "rk_std_factor": "speed factor {factor}",
        "rk_std_speed": "drive speed {kph} km/h",
        "rk_std_class": "road class {road_class} (OSM)",
    },
    "ru": {
        "rk_title": "Какую дорогу первой: {n} лучших участков из {total}",
        "rk_title_closures": "Чего стоит закрытие: {n} самых важных участков из {total}",
        "rk_standard": "Каждый участок улучшен по отдельности: {standard}; выигрыш: {objective}.",
        "rk_standard_list": (
            "Каждый кандидат по отдельности, как задано в его правке (улучшение без "
            "скорости: {standard}); выигрыш: {objective}."
        ),
        "rk_standard_closures": (
            "Каждый участок закрыт по отдельности; потеря: суммарный потенциал "
            "потребительского перетока."
        ),
        "rk_note": (
            "Толстые линии: лучшие участки, с номером и цветом по месту в рейтинге (тёмный: "
            "первый). Тонкие серые линии: остальные участки-кандидаты (нынешние кратчайшие "
            "по времени маршруты между городами первого уровня и центрами агломераций, "
            "разрезанные на крупных развязках). Нажмите на участок, чтобы увидеть, сколько "
            "минут он экономит от каждого города до каждого центра."
        ),
        "rk_note_closures": (
            "Толстые линии: участки, закрытие которых обходится дороже всего, с номером и "
            "цветом по месту в рейтинге (тёмный: первый). Тонкие серые линии: остальные "
            "участки. Чёрный пунктир поверх участка: его закрытие отрезает центр от города "
            "первого уровня. Нажмите на участок, чтобы увидеть потерю времени."
        ),
        "rk_note_list": (
            "Толстые линии: лучшие кандидаты из вашего списка, с номером и цветом по месту в "
            "рейтинге (тёмный: первый); тонкие серые линии: остальные. Нажмите на кандидата, "
            "чтобы увидеть, сколько минут он экономит от каждого города до каждого центра."
        ),
        "rk_note_package": (
            " Широкий зелёный пунктирный контур: участки пакета, выбранного в пределах бюджета "
            "(шаг n: n-й выбор)."
        ),
        "rk_layer_top": "{n} лучших участков",
        "rk_layer_others": "Остальные участки-кандидаты",
        "rk_layer_package": "Пакет в пределах бюджета",
        "rk_layer_cut": "Закрытия, отрезающие центр",
        "rk_layer_places": "Города первого уровня и центры агломераций",
        "rk_table_title": "Участки по рейтингу",
        "rk_col_section": "участок",
        "rk_col_km": "км",
        "rk_col_gain": "выигрыш",
        "rk_col_loss": "потеря потенциала",
        "rk_col_package": "пакет",
        "rk_step": "шаг {n}",
        "rk_col_step": "шаг",
        "rk_col_marginal": "доп. выигрыш",
        "rk_rank_short": " (место {rank})",
        "rk_package_total": "Пакет: участков {n}, {km}, выигрыш {gain}",
        "rk_package_total_cost": "Пакет: участков {n}, {km}, выигрыш {gain}, стоимость {cost}",
        "rk_rank": "Место {rank} из {total}",
        "rk_km": "Длина",
        "rk_gain": "Выигрыш",
        "rk_gain_per_km": "Выигрыш на км",
        "rk_loss": "Потеря потенциала",
        "rk_loss_per_km": "Потеря потенциала на км",
        "rk_cost": "Стоимость",
        "rk_saved_head": "Экономия времени до центра",
        "rk_lost_head": "Потеря времени до центра",
        "rk_to": "{agglomeration}, от города {city}",
        "rk_none_saved": "Ни одно время до центра не меняется на минуту и более.",
        "rk_cut_off": "отрезан",
        "rk_cuts_off": "Отрезает: {pairs}",
        "rk_in_package": "В пакете: шаг {n}",
        "rk_tooltip": "{rank}. {section}: выигрыш {gain}",
        "rk_tooltip_closures": "{rank}. {section}: потеря потенциала {gain}",
        "rk_tooltip_other": "{rank}. {section}",
        "rk_legend_title": "Участки",
        "rk_key_rank": "место {first} (тёмный) — {last}",
        "rk_key_other": "другой участок-кандидат",
        "rk_key_package": "в пакете",
        "rk_key_cut": "закрытие отрезает центр",
        "rk_key_city": "город первого уровня",
        "rk_key_center": "центр агломерации",
        "rk_obj_potential": "суммарный потенциал потребительского перетока (человек)",
        "rk_obj_agglomeration": "потенциал потребительского перетока: {name} (человек)",
        "rk_obj_within": "население зон, впервые оказавшееся в пределах {minutes} от города первого уровня",
        "rk_std_limit": "ограничение {kph} км/ч",
        "rk_std_factor": "скорости × {factor}",
        "rk_std_speed": "скорость движения {kph} км/ч",
        "rk_std_class": "класс дороги {road_class} (OSM)",
    },
}
