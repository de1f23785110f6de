"""Column headers, sheet names and a few values of the result tables in English and Russian.

The CSVs keep their snake_case names for programs; the workbook (:mod:`geo.results.
workbook`) shows these. A per-city column ``<measure>_from_<city key>`` gets the
measure's label with the city's name (:func:`header`).
"""

from __future__ import annotations

import re

#: Labels of the tables' own columns: ``{column: (English, Russian)}``.
COLUMNS: dict[str, tuple[str, str]] = {
    "agglomeration": ("Agglomeration", "Агломерация"),
    "center": ("Central town", "Центральный город"),
    "members": ("Named member towns", "Города-участники"),
    "population_k_source": ("Population, thousand (source)", "Население, тыс. (источник)"),
    "net_revenue_mln_rub_source": (
        "Net revenue 2022, mln RUB (source)",
        "Чистая выручка 2022, млн руб. (источник)",
    ),
    "zone_towns": ("Towns in the zone", "Городов в зоне"),
    "zone_population": ("Zone population", "Население зоны"),
    "center_access_km": ("Centre's access leg, km", "Подъезд к центру, км"),
    "center_access_min": ("Centre's access leg, min", "Подъезд к центру, мин"),
    "potential_total": ("Potential, total", "Потенциал, всего"),
    "rank_potential": ("Rank by potential", "Место по потенциалу"),
    "place_id": ("GeoNames id", "Код GeoNames"),
    "geonameid": ("GeoNames id", "Код GeoNames"),
    "name": ("Name", "Название"),
    "display_name": ("Name", "Название"),
    "geonames_name": ("Name in GeoNames", "Название в GeoNames"),
    "lon": ("Longitude", "Долгота"),
    "lat": ("Latitude", "Широта"),
    "population": ("Population", "Население"),
    "region": ("Region", "Регион"),
    "country": ("Country", "Страна"),
    "admin1": ("Region code (GeoNames)", "Код региона (GeoNames)"),
    "role": ("Role", "Роль"),
    "agglomerations": ("Agglomerations", "Агломерации"),
    "closed_town": ("Closed town (ZATO)", "ЗАТО"),
    "single_industry": ("Single-industry town", "Моногород"),
    "visitable": ("Open to visitors", "Открыт для посещения"),
    "distance_km": ("Distance to the centre, km", "Расстояние до центра, км"),
    "is_center": ("Central town", "Центр"),
    "named_member": ("Named member", "Назван в источнике"),
    "within_radius": ("Within the radius", "В пределах радиуса"),
    "join_km": ("Distance to the road, km", "Расстояние до дороги, км"),
    "access_km": ("Access leg, km", "Подъезд, км"),
    "access_min": ("Access leg, min", "Подъезд, мин"),
    "nearest_road_km": ("Nearest road, km", "Ближайшая дорога, км"),
    "leg_over_1km": ("Access leg over 1 km (estimate)", "Подъезд более 1 км (оценка)"),
    "no_time_reason": ("Why no drive time", "Почему нет времени"),
    "origin_id": ("From (GeoNames id)", "Откуда (код GeoNames)"),
    "origin": ("From", "Откуда"),
    "place": ("To", "Куда"),
    "time_min": ("Drive time, min", "Время в пути, мин"),
    "dist_km": ("Route distance, km", "Длина маршрута, км"),
    "estimated": ("Estimate (access leg over 1 km)", "Оценка (подъезд более 1 км)"),
    # the analytics' tables (geo.analysis.analytics)
    "zone": ("Zone definition", "Определение зоны"),
    "people": ("People counted", "Учтённое население"),
    "attractiveness": ("Attractiveness", "Привлекательность"),
    "time_to_center_min": ("Time to the centre, min", "Время до центра, мин"),
    "utility": ("Utility", "Полезность"),
    "probability": ("Trip share", "Доля поездок"),
    "expected_visitors": ("Expected visitors", "Ожидаемые посетители"),
    "nearest_city": ("Nearest first-tier city", "Ближайший город первого уровня"),
    "time_to_nearest_city_min": (
        "Time to the nearest city, min",
        "Время до ближайшего города, мин",
    ),
    "shadow_class": ("Shadow class", "Класс тени"),
    "time_from_center_min": ("Time from the centre, min", "Время от центра, мин"),
    "in_radius_zone": ("In the radius zone", "В зоне по радиусу"),
    "in_time_zone": ("In the drive-time zone", "В зоне по времени"),
    "visitable_population": ("Population open to visitors", "Население, открытое для посещения"),
    "mean_time_weighted_min": (
        "Population-weighted mean time, min",
        "Среднее время (по населению), мин",
    ),
    "zone_potential": ("Zone potential", "Потенциал зоны"),
    "zone_potential_visitable": ("Zone potential, open towns", "Потенциал зоны, открытые города"),
    "zone_potential_total": ("Zone potential, total", "Потенциал зоны, всего"),
    "zone_potential_visitable_total": (
        "Zone potential of open towns, total",
        "Потенциал зоны (открытые города), всего",
    ),
    "rank_zone_potential": ("Rank by zone potential", "Место по потенциалу зоны"),
    "rank_zone_potential_visitable": (
        "Rank by zone potential, open towns",
        "Место по потенциалу зоны (открытые города)",
    ),
    "huff_visitors_all": ("Expected visitors (Huff)", "Ожидаемые посетители (Хафф)"),
    "huff_visitors_visitable": (
        "Expected visitors (Huff), open towns",
        "Ожидаемые посетители (Хафф), открытые города",
    ),
}

#: Labels of the per-city measures (``{city}``: the city's name).
MEASURES: dict[str, tuple[str, str]] = {
    "time_min": ("Drive time from {city}, min", "Время в пути: {city}, мин"),
    "dist_km": ("Route distance from {city}, km", "Длина маршрута: {city}, км"),
    "estimated": ("Estimate from {city}", "Оценка: {city}"),
    "time_to_center_min": ("Time to the centre from {city}, min", "Время до центра: {city}, мин"),
    "time_to_center_estimated": (
        "Time to the centre from {city} is an estimate",
        "Время до центра: {city} — оценка",
    ),
    "dist_to_center_km": (
        "Distance to the centre from {city}, km",
        "Расстояние до центра: {city}, км",
    ),
    "zone_entry_min": ("Zone entry from {city}, min", "Въезд в зону: {city}, мин"),
    "mean_time_weighted_min": (
        "Population-weighted mean time from {city}, min",
        "Среднее время (взвешенное по населению): {city}, мин",
    ),
    "reachable_population_share": (
        "Share of the zone's population reached from {city}",
        "Доля населения зоны, достижимая: {city}",
    ),
    "potential": ("Potential from {city}", "Потенциал: {city}"),
    "rank_time": ("Rank by time from {city}", "Место по времени: {city}"),
}

#: Columns whose meaning differs in one table: ``{table: {column: (English, Russian)}}``.
TABLE_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "zone_towns": {"name": ("Name in GeoNames", "Название в GeoNames")},
    "od_matrix": {"place_id": ("To (GeoNames id)", "Куда (код GeoNames)")},
}

_SHARE_WITHIN = re.compile(r"share_within_(\d+(?:\.\d+)?)_min")

#: Sheet names (at most 31 characters).
SHEETS: dict[str, tuple[str, str]] = {
    "agglomerations": ("Agglomerations", "Агломерации"),
    "places": ("Places", "Пункты"),
    "zone_towns": ("Zone towns", "Города зон"),
    "od_matrix": ("OD matrix", "Матрица времени"),
    "zone_membership": ("Zone towns by definition", "Состав зон"),
    "zone_measures": ("Zone measures", "Показатели зон"),
    "zone_summary": ("Zone summary", "Итоги по зонам"),
    "huff": ("Huff trip shares", "Доли поездок (Хафф)"),
    "shadow": ("Shadow of the cities", "Тень крупных городов"),
    "provenance": ("Provenance", "Источники"),
}

#: The provenance sheet's two headers.
PROVENANCE_HEADERS = {"en": ("Key", "Value"), "ru": ("Параметр", "Значение")}

#: Values of the ``role`` column.
ROLES: dict[str, tuple[str, str]] = {
    "first_tier": ("first-tier city", "город первого уровня"),
    "center": ("central town", "центр агломерации"),
    "member": ("member town", "город-участник"),
    "settlement": ("town of the zone", "город зоны"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "ru" else pair[0]


def measure_label(measure: str, city: str, lang: str) -> str | None:
    """The label of a per-city measure, or ``None`` if it has none."""
    if measure in MEASURES:
        return _pick(MEASURES[measure], lang).format(city=city)
    found = _SHARE_WITHIN.fullmatch(measure)
    if found:
        minutes = found.group(1)
        return (
            f"Доля населения зоны в пределах {minutes} мин: {city}"
            if lang == "ru"
            else f"Share of the zone's population within {minutes} min from {city}"
        )
    return None


def header(column: str, cities: dict[str, str], lang: str, table: str = "") -> str:
    """The header of ``column`` of ``table`` in ``lang``; ``cities`` maps column keys to
    city names. A column without a label keeps its name, so that nothing is lost.
    """
    for key, city in cities.items():
        suffix = f"_from_{key}"
        if column.endswith(suffix):
            label = measure_label(column[: -len(suffix)], city, lang)
            if label is not None:
                return label
    pair = TABLE_COLUMNS.get(table, {}).get(column) or COLUMNS.get(column)
    if pair:
        return _pick(pair, lang)
    return _share_label(column, lang) or column


def _share_label(column: str, lang: str) -> str | None:
    """``share_within_<N>_min`` (``_visitable``) without a city: the zone's share."""
    base = column.removesuffix("_visitable")
    found = _SHARE_WITHIN.fullmatch(base)
    if not found:
        return None
    minutes, open_only = found.group(1), base != column
    if lang == "ru":
        text = f"Доля населения зоны в пределах {minutes} мин"
        return text + " (открытые города)" if open_only else text
    text = f"Share of the zone's population within {minutes} min"
    return text + " (open towns)" if open_only else text


def is_share(column: str, cities: dict[str, str]) -> bool:
    """Whether ``column`` holds a share (0–1), shown as a percentage."""
    base = column
    for key in cities:
        base = base.removesuffix(f"_from_{key}")
    base = base.removesuffix("_visitable")
    return base in {"reachable_population_share", "probability"} or bool(
        _SHARE_WITHIN.fullmatch(base)
    )


def sheet_name(table: str, lang: str) -> str:
    """The sheet's name of a table in ``lang`` (its own name, cut to 31, if it has none)."""
    return _pick(SHEETS[table], lang) if table in SHEETS else table[:31]


def role_label(role: str, lang: str) -> str:
    """A ``role`` value in ``lang`` (unknown ones unchanged)."""
    pair = ROLES.get(role)
    return _pick(pair, lang) if pair else role
