"""Words and number formats of the maps, in English (the default) and Russian.

Every sentence a map, legend, key, popup, tooltip or the index page shows comes from
:data:`TEXTS` through :class:`Lang`, and every number through its ``minutes``, ``km``,
``people``, ``share`` and ``decimal`` methods: ``2 h 15 min`` / ``2 ч 15 мин``,
``1,495,066`` / ``1 495 066``, ``3.5 km`` / ``3,5 км``. Table column names stay English.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..geo.base.format import format_km, format_minutes, format_population, format_share

if TYPE_CHECKING:
    from ..geo.study.definition import Study

__all__ = ["EN", "LANGUAGES", "NBSP", "TEXTS", "Lang"]

#: Languages the maps are written in.
LANGUAGES = ("en", "ru")

#: Non-breaking space: Russian groups thousands with a space that must not wrap.
NBSP = "\u00a0"

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "no_route": "no route",
        "first_tier": "first-tier city",
        "center": "central town",
        "member": "member town (named in the source)",
        "settlement": "town in the zone",
        "population": "Population",
        "geonames": "GeoNames",
        "agglomeration": "Agglomeration",
        "region": "Region",
        "off_network": "Off the road network: <b>{join}</b> in a straight line; times include an access leg of {leg}, {leg_time} (modelled, not routed)",
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
        "layer_bands": "Drive-time bands from {city}",
        "layer_nearest": "Drive time from the nearer of {cities}",
        "layer_routes": "Fastest routes from {city}",
        "layer_towns": "Towns",
        "layer_labels": "Place names",
        "layer_context": "Roads, water and borders (OSM)",
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
        "no_route": "нет маршрута",
        "first_tier": "город первого уровня",
        "center": "центр агломерации",
        "member": "город агломерации (по источнику)",
        "settlement": "город в зоне",
        "population": "Население",
        "geonames": "GeoNames",
        "agglomeration": "Агломерация",
        "region": "Регион",
        "off_network": "Вне дорожной сети: <b>{join}</b> по прямой; время включает подъезд {leg}, {leg_time} (оценка, не маршрут)",
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
        "layer_bands": "Время в пути из г. {city}",
        "layer_nearest": "Время в пути из ближайшего города: {cities}",
        "layer_routes": "Быстрейшие маршруты из г. {city}",
        "layer_towns": "Города",
        "layer_labels": "Названия",
        "layer_context": "Дороги, вода и границы (OSM)",
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


def _missing(value: Any) -> bool:
    return value is None or not isinstance(value, int | float) or not math.isfinite(value)


def _ru_minutes(minutes: float) -> str:
    hours, mins = divmod(round(minutes), 60)
    if hours == 0:
        return f"{mins} мин"
    return f"{hours} ч {mins:02d} мин" if mins else f"{hours} ч"


@dataclass(frozen=True)
class Lang:
    """The words and number formats of one language (``"en"`` or ``"ru"``)."""

    code: str = "en"
    names: dict[str, str] = field(default_factory=dict, compare=False)
    """Russian names of places by their Latin name (used only when ``code`` is ``ru``)."""

    agglomerations: dict[str, str] = field(default_factory=dict, compare=False)
    """Russian names of agglomerations by their study name."""

    def agglomeration(self, name: object) -> str:
        """An agglomeration's name in this language (the study's name when no other)."""
        text = "" if name is None else str(name)
        return self.agglomerations.get(text, text) if self.ru else text

    def place(self, name: object) -> str:
        """A place's name in this language (the Latin name when no other is known)."""
        text = "" if name is None else str(name)
        return self.names.get(text, text) if self.ru else text

    def title(self, study: Study) -> str:
        """The study's title in this language (``title_ru`` on Russian maps, if given)."""
        ru = getattr(study, "title_ru", None)
        return str(ru) if self.ru and ru else str(study.title)

    def __post_init__(self) -> None:
        if self.code not in LANGUAGES:
            raise ValueError(f"unknown map language {self.code!r}; use one of {LANGUAGES}")

    def __call__(self, key: str, **values: Any) -> str:
        """The sentence ``key``, with ``{name}`` fields filled in."""
        text = TEXTS[self.code].get(key, TEXTS["en"][key])
        return text.format(**values) if values else text

    @property
    def ru(self) -> bool:
        return self.code == "ru"

    def _number(
        self,
        value: float | None,
        english: Callable[[float | None], str],
        russian: Callable[[float], str],
        missing: str = "–",
    ) -> str:
        # English numbers have their own formatters (which handle NaN themselves); the
        # Russian ones all say ``missing`` for a value that is None, NaN or not a number.
        if not self.ru:
            return english(value)
        if _missing(value):
            return missing
        assert value is not None
        return russian(float(value))

    def minutes(self, minutes: float | None) -> str:
        """``2 h 15 min`` / ``2 ч 15 мин``; NaN is "no route"."""
        return self._number(minutes, format_minutes, _ru_minutes, self("no_route"))

    def km(self, km: float | None) -> str:
        """``232 km`` / ``232 км``, ``3.5 km`` / ``3,5 км``; NaN is a dash."""
        return self._number(
            km, format_km, lambda v: f"{self.decimal(v, 1) if v < 10 else self.people(v)} км"
        )

    def people(self, value: float | None) -> str:
        """A whole number with thousands grouped: ``1,495,066`` / ``1 495 066``."""
        return self._number(value, format_population, lambda v: f"{round(v):,}".replace(",", NBSP))

    def share(self, share: float | None) -> str:
        """``0.937`` → ``94 %``."""
        return format_share(share)

    def decimal(self, value: float, digits: int = 1) -> str:
        """A decimal number, with a decimal comma in Russian."""
        text = f"{value:,.{digits}f}"
        return text.replace(",", NBSP).replace(".", ",") if self.ru else text

    def towns(self, n: int) -> str:
        """``1 town``, ``2 towns`` / ``1 город``, ``3 города``, ``5 городов``."""
        if not self.ru:
            return f"{n} {self('town_1') if n == 1 else self('town_n')}"
        tail, tens = n % 10, n % 100
        if tail == 1 and tens != 11:
            word = self("town_1")
        elif 2 <= tail <= 4 and not 12 <= tens <= 14:
            word = self("town_2")
        else:
            word = self("town_n")
        return f"{n} {word}"

    def join(self, names: list[str]) -> str:
        """``A and B`` / ``A и B``."""
        return self("and").join(names)


#: English, the default language of the maps.
EN = Lang("en")
