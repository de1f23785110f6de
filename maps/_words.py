"""Every sentence of the maps, the index page and the run's map notes, in English and Russian.

:class:`maps.text.Lang` looks a key up here (English when the Russian text lacks it).
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "tiles_attribution": 'tiles &copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        "leaflet_prefix": '<a href="https://leafletjs.com">Leaflet</a>',
        "attribution": (
            'Data &copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
            'contributors (ODbL), <a href="https://www.geonames.org">GeoNames</a> (CC BY 4.0)'
        ),
        "zoom_in": "Zoom in",
        "layers": "Layers",
        "zoom_out": "Zoom out",
        "unit_km": "km",
        "unit_m": "m",
        "fullscreen": "Full screen",
        "fullscreen_off": "Leave full screen",
        "search_none": "No such town on this map",
        "search_cancel": "Cancel",
        "how_to_read": "How to read this map",
        "rank_title": "Agglomerations by drive time from the nearer city",
        "rank_agglomeration": "agglomeration",
        "rank_note": "≈: includes a modelled access leg over 1 km (not routed).",
        "approx_note": "≈ a time that includes a modelled access leg over 1 km (the town is off the roads in these data).",
        "beyond_limit": "no road within {limit} in these data",
        "key_leg": "access leg: town to the road it joins (modelled, not routed)",
        "layer_legs": "Access legs (modelled)",
        "leg_tooltip": "{town}: {join} in a straight line to the road; modelled leg {leg}, {time}",
        "key_within": "agglomeration zone, coloured by the time from the nearer city",
        "cdn_head": "This map needs the internet to open",
        "cdn_body": (
            "It loads its scripts (Leaflet) from CDNs, which cannot be reached. For maps "
            "that open offline, run `ural-access setup-assets` once and draw the maps again."
        ),
        "ix_offline": "These maps open offline (scripts and styles inside each page; base tiles need the internet).",
        "ix_cdn": (
            "These maps load their scripts from CDNs and need the internet: offline they "
            "show a note instead of the map. Run `ural-access setup-assets` once and draw "
            "the maps again for maps that open offline."
        ),
        "no_route": "no route",
        "first_tier": "first-tier city",
        "center": "central town",
        "member": "member town (named in the source)",
        "settlement": "town in the zone",
        "population": "Population",
        "geonames": "GeoNames",
        "agglomeration": "Agglomeration",
        "region": "Region",
        "off_network": "≈ Off the road network: <b>{join}</b> in a straight line; times include an access leg of {leg}, {leg_time} (modelled, not routed)",
        "drive_time": "drive time",
        "distance": "distance",
        "from_city": "from {city}",
        "this_city": "this city",
        "central_town": "Central town",
        "members": "members",
        "source_figures": "Source: population <b>{pop}</b>, net revenue 2022 <b>{rev}</b>",
        "mln_rub": "mln RUB",
        "zone_line": "Zone: {towns}, {people} people ({source})",
        "study_file": "study file",
        "town_1": "town",
        "town_2": "towns",
        "town_n": "towns",
        "time_to_centre": "drive time to the centre",
        "dist_to_centre": "distance to the centre",
        "zone_entry": "time to enter the zone",
        "mean_time": "mean time to the zone's towns",
        "within": "population within {limit}",
        "potential_row": "overflow potential (people)",
        "potential_total": "Consumer-overflow potential: <b>{value}</b> people (rank {rank})",
        "potential_explained": (
            "Potential: the first-tier cities' people, each weighted by the drive time to the "
            "centre (weight 1 at 0 min, ½ at {half}; {fn} decay) and summed."
        ),
        "zone_tooltip": "<b>{name}</b>: {radius} km zone",
        "route_tooltip": "{origin} → {center} ({agg}): <b>{time}</b>, {dist}",
        "layer_zones": "Agglomeration zones ({radius} km)",
        "layer_bands": "Drive-time bands from {city}",
        "layer_nearest": "Drive time from the nearer of {cities}",
        "layer_routes": "Fastest routes from {city}",
        "layer_towns": "Towns",
        "layer_labels": "Place names",
        "layer_context": "Roads, water and borders (OSM)",
        "layer_time_zones": "Agglomeration zones ({minutes} min from the centre)",
        "time_zone_tooltip": "<b>{name}</b>: reached within {minutes} min of the centre",
        "layer_shadow": "The big cities' shadow (drive time to the nearest)",
        "shadow_tooltip": "<b>{name}</b>: {time} to {city} ({klass}){flags}",
        "shadow_within_30": "within 30 min",
        "shadow_shadow": "30–60 min, the shadow",
        "shadow_outer": "60–120 min",
        "shadow_isolated": "over 120 min, isolated",
        "shadow_unreachable": "no road route",
        "flag_single_industry": "single-industry town",
        "flag_closed": "closed town",
        "base_map": "OpenStreetMap base map",
        "search": "Search for a town",
        "legend_title": "Drive time from {city}",
        "legend_nearest": "Drive time from the nearer of {cities}",
        "legend_more": "more than {limit}",
        "legend_unreached": "not reached",
        "key_title": "Key",
        "key_city": "first-tier city",
        "key_center": "central town of an agglomeration",
        "key_town": "other town (size: population)",
        "key_zone": "agglomeration zone ({radius} km)",
        "key_route": "fastest route from {city}",
        "key_roads": "roads of the network (OSM; width: class)",
        "key_water": "water",
        "key_border": "region border",
        "and": " and ",
        "overview_note": (
            "Coloured bands: drive time from the nearer first-tier city (each city's own "
            "bands are in the layer list). Lines: the fastest route from each city to each "
            "agglomeration's central town. Dashed circles: the agglomeration zones; click "
            "one for its numbers, or a town for its times. Free-flow car times on OSM roads: "
            "no traffic, no stops."
        ),
        "agglomeration_title": "{name}: drive time from {cities}",
        "agglomeration_note": (
            "The {radius} km zone of {name} and its towns (circle size: population). Lines: "
            "the fastest routes in from the first-tier cities; bands: drive time from the "
            "nearer city. Click a town or the zone."
        ),
        "provenance": (
            "OSM data as of {date} ({source}); speed model {model}, free-flow times; "
            "ural-access {version}"
        ),
        "unknown": "unknown",
        "overview": "Overview",
        "overview_map": "Overview map",
        "ix_intro": (
            "Free-flow car drive times over the OpenStreetMap road network, from the "
            "first-tier cities to each agglomeration's central town. An agglomeration's zone "
            "is every town within {radius} km of its centre."
        ),
        "ix_maps": "Maps",
        "ix_tables": "Tables and data",
        "ix_agglomerations": "Agglomerations",
        "ix_provenance": "Provenance",
        "ix_parameters": "Parameters",
        "ix_agglomeration": "agglomeration",
        "ix_center": "central town",
        "ix_pop_source": "population, thousand (source)",
        "ix_rev_source": "net revenue 2022, mln RUB (source)",
        "ix_dist_from": "distance from {city}",
        "ix_time_from": "drive time from {city}",
        "ix_potential": "overflow potential, people",
        "ix_osm": "OSM data: {source}, as of {date}",
        "ix_speed": "Speed model: {model}",
        "ix_version": "ural-access {version}",
        "ix_places_csv": "every place: role, population, drive time and distance from each city",
        "ix_od_csv": "drive times between the study's own places",
        "ix_agg_csv": "one row per agglomeration: source figures and computed measures",
        "ix_zone_csv": "the towns of each zone",
        "ix_gpkg": "GeoPackage: places, routes, bands and zones (opens in QGIS)",
        "ix_context": "GeoPackage: the roads, water and borders drawn under the maps",
        "ix_prov_json": "provenance: OSM source and date, speed model, parameters, warnings",
        "ix_units": (
            "Times in minutes, distances in km; shares (share_within_…) are fractions "
            "from 0 to 1 of the zone's population."
        ),
        "ix_credits": (
            'Roads &copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
            'contributors (ODbL 1.0). Towns and populations: <a href="https://www.geonames.org">'
            "GeoNames</a> (CC BY 4.0). Agglomeration population and revenue: the source paper, "
            "as given in the study file."
        ),
    },
    "ru": {
        "tiles_attribution": 'подложка &copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        "leaflet_prefix": '<a href="https://leafletjs.com">Leaflet</a>',
        "attribution": (
            'Данные &copy; участники <a href="https://www.openstreetmap.org/copyright">'
            'OpenStreetMap</a> (ODbL), <a href="https://www.geonames.org">GeoNames</a> (CC BY 4.0)'
        ),
        "zoom_in": "Приблизить",
        "layers": "Слои",
        "zoom_out": "Отдалить",
        "unit_km": "км",
        "unit_m": "м",
        "fullscreen": "Во весь экран",
        "fullscreen_off": "Выйти из полноэкранного режима",
        "search_none": "Такого города нет на карте",
        "search_cancel": "Отмена",
        "how_to_read": "Как читать карту",
        "rank_title": "Агломерации по времени в пути из ближайшего города",
        "rank_agglomeration": "агломерация",
        "rank_note": "≈: включает оценку подъезда к дороге длиннее 1 км (не по маршруту).",
        "approx_note": "≈ время с оценкой подъезда к дороге длиннее 1 км (в этих данных город в стороне от дорог).",
        "beyond_limit": "нет дороги ближе {limit} в этих данных",
        "key_leg": "подъезд: от города до дороги (оценка, не маршрут)",
        "layer_legs": "Подъезды к дорогам (оценка)",
        "leg_tooltip": "{town}: {join} по прямой до дороги; подъезд по оценке {leg}, {time}",
        "key_within": "зона агломерации, цвет: время из ближайшего города",
        "cdn_head": "Для этой карты нужен интернет",
        "cdn_body": (
            "Она загружает свои скрипты (Leaflet) из CDN, а они недоступны. Чтобы карты "
            "открывались без сети, выполните один раз `ural-access setup-assets` и "
            "постройте карты заново."
        ),
        "ix_offline": "Карты открываются без интернета (скрипты и стили внутри страниц; подложке нужен интернет).",
        "ix_cdn": (
            "Карты загружают скрипты из CDN, и им нужен интернет: без сети вместо карты "
            "видна записка. Выполните один раз `ural-access setup-assets` и постройте карты "
            "заново, чтобы они открывались без сети."
        ),
        "no_route": "нет маршрута",
        "first_tier": "город первого уровня",
        "center": "центр агломерации",
        "member": "город агломерации (по источнику)",
        "settlement": "город в зоне",
        "population": "Население",
        "geonames": "GeoNames",
        "agglomeration": "Агломерация",
        "region": "Регион",
        "off_network": "≈ Вне дорожной сети: <b>{join}</b> по прямой; время включает подъезд {leg}, {leg_time} (оценка, не маршрут)",
        "drive_time": "время в пути",
        "distance": "расстояние",
        "from_city": "из г. {city}",
        "this_city": "этот город",
        "central_town": "Центр",
        "members": "города",
        "source_figures": ("Источник: население <b>{pop}</b>, чистая выручка 2022 <b>{rev}</b>"),
        "mln_rub": "млн руб.",
        "zone_line": "Зона: {towns}, {people} чел. ({source})",
        "study_file": "файл исследования",
        "town_1": "город",
        "town_2": "города",
        "town_n": "городов",
        "time_to_centre": "время до центра",
        "dist_to_centre": "расстояние до центра",
        "zone_entry": "время до границы зоны",
        "mean_time": "среднее время до городов зоны",
        "within": "население в пределах {limit}",
        "potential_row": "потенциал перетока (чел.)",
        "potential_total": "Потенциал перетока потребителей: <b>{value}</b> чел. (место {rank})",
        "potential_explained": (
            "Потенциал: сумма жителей городов первого уровня, каждый с весом по времени "
            "в пути до центра (вес 1 при 0 мин, ½ при {half}; убывание {fn})."
        ),
        "zone_tooltip": "<b>{name}</b>: зона {radius} км",
        "route_tooltip": "{origin} → {center} ({agg}): <b>{time}</b>, {dist}",
        "layer_zones": "Зоны агломераций ({radius} км)",
        "layer_bands": "Время в пути из г. {city}",
        "layer_nearest": "Время в пути из ближайшего города: {cities}",
        "layer_routes": "Быстрейшие маршруты из г. {city}",
        "layer_towns": "Города",
        "layer_labels": "Названия",
        "layer_context": "Дороги, вода и границы (OSM)",
        "layer_time_zones": "Зоны агломераций ({minutes} мин от центра)",
        "time_zone_tooltip": "<b>{name}</b>: доступно за {minutes} мин от центра",
        "layer_shadow": "Тень крупных городов (время до ближайшего)",
        "shadow_tooltip": "<b>{name}</b>: {time} до г. {city} ({klass}){flags}",
        "shadow_within_30": "до 30 мин",
        "shadow_shadow": "30–60 мин, тень",
        "shadow_outer": "60–120 мин",
        "shadow_isolated": "более 120 мин, изоляция",
        "shadow_unreachable": "нет дороги",
        "flag_single_industry": "моногород",
        "flag_closed": "ЗАТО",
        "base_map": "Подложка OpenStreetMap",
        "search": "Найти город",
        "legend_title": "Время в пути из г. {city}",
        "legend_nearest": "Время в пути из ближайшего города: {cities}",
        "legend_more": "более {limit}",
        "legend_unreached": "недоступно",
        "key_title": "Условные обозначения",
        "key_city": "город первого уровня",
        "key_center": "центр агломерации",
        "key_town": "другой город (размер: население)",
        "key_zone": "зона агломерации ({radius} км)",
        "key_route": "быстрейший маршрут из г. {city}",
        "key_roads": "дороги сети (OSM; толщина: класс)",
        "key_water": "вода",
        "key_border": "граница региона",
        "and": " и ",
        "overview_note": (
            "Цветные зоны: время в пути из ближайшего города первого уровня (зоны каждого "
            "города — в списке слоёв). Линии: быстрейший маршрут из каждого города до центра "
            "каждой агломерации. Пунктирные круги: зоны агломераций; щёлкните по кругу или "
            "городу, чтобы увидеть цифры. Время без пробок и остановок, по дорогам OSM."
        ),
        "agglomeration_title": "{name}: время в пути из г. {cities}",
        "agglomeration_note": (
            "Зона {radius} км вокруг центра агломерации {name} и её города (размер круга: "
            "население). Линии: быстрейшие маршруты из городов первого уровня; цветные "
            "зоны: время в пути из ближайшего города. Щёлкните по городу или зоне."
        ),
        "provenance": (
            "Данные OSM на {date} ({source}); скоростная модель {model}, время без пробок; "
            "ural-access {version}"
        ),
        "unknown": "неизвестно",
        "overview": "Обзор",
        "overview_map": "Обзорная карта",
        "ix_intro": (
            "Время в пути на автомобиле без пробок по дорожной сети OpenStreetMap из городов "
            "первого уровня до центра каждой агломерации. Зона агломерации: все города в "
            "пределах {radius} км от её центра."
        ),
        "ix_maps": "Карты",
        "ix_tables": "Таблицы и данные",
        "ix_agglomerations": "Агломерации",
        "ix_provenance": "Источники",
        "ix_parameters": "Параметры",
        "ix_agglomeration": "агломерация",
        "ix_center": "центр",
        "ix_pop_source": "население, тыс. (источник)",
        "ix_rev_source": "чистая выручка 2022, млн руб. (источник)",
        "ix_dist_from": "расстояние из г. {city}",
        "ix_time_from": "время в пути из г. {city}",
        "ix_potential": "потенциал перетока, чел.",
        "ix_osm": "Данные OSM: {source}, на {date}",
        "ix_speed": "Скоростная модель: {model}",
        "ix_version": "ural-access {version}",
        "ix_places_csv": "все населённые пункты: роль, население, время и расстояние из каждого города",
        "ix_od_csv": "время в пути между пунктами исследования",
        "ix_agg_csv": "по строке на агломерацию: данные источника и расчётные показатели",
        "ix_zone_csv": "города каждой зоны",
        "ix_gpkg": "GeoPackage: пункты, маршруты, зоны времени и зоны агломераций (для QGIS)",
        "ix_context": "GeoPackage: дороги, вода и границы под картами",
        "ix_prov_json": "происхождение данных: источник и дата OSM, скоростная модель, параметры, предупреждения",
        "ix_units": (
            "Время в минутах, расстояния в км; доли (share_within_…) от 0 до 1 от населения "
            "зоны. Названия столбцов таблиц — на английском."
        ),
        "ix_credits": (
            'Дороги &copy; участники <a href="https://www.openstreetmap.org/copyright">'
            "OpenStreetMap</a> (ODbL 1.0). Города и население: "
            '<a href="https://www.geonames.org">GeoNames</a> (CC BY 4.0). Население и выручка '
            "агломераций: исходная статья, как указано в файле исследования."
        ),
    },
}

# The scenario and ranking maps' words live in their own modules (this one stays under 400
# lines).
from ._words_ranking import RANKING_TEXTS  # noqa: E402
from ._words_scenario import SCENARIO_TEXTS  # noqa: E402

for _code, _words in SCENARIO_TEXTS.items():
    TEXTS[_code].update(_words)
for _code, _words in RANKING_TEXTS.items():
    TEXTS[_code].update(_words)
