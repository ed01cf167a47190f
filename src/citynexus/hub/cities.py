"""City resolution for the hub: unit codes and names of the bundled ``gba`` dataset.

A city may be given as a unit code (``GZ``), an English name (``Guangzhou``, any case) or a
Chinese name (``广州``, ``广州市``, traditional ``廣州``). The table of cities is read from
``citynexus.data.load("gba").units`` (columns code, name, name_zh, lat, lon), so the hub
knows exactly the cities of the bundled dataset and nothing else.

Two cities are *neighbours* when their great-circle distance is at most ``neighbour_km``
(haversine formula, R = 6371.0088 km; Sinnott 1984, "Virtues of the haversine").
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from citynexus.hub.errors import UnknownCityError

#: Extra spellings that are not in the dataset (traditional characters, older romanisations,
#: official long names). Keys are unit codes; an alias is only used when its code exists.
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "GZ": ("廣州", "廣州市", "canton", "guangzhou city"),
    "SZ": ("shenzhen city",),
    "ZH": ("zhuhai city",),
    "FS": ("foshan city",),
    "HZ": ("惠州", "huizhou city"),
    "DG": ("東莞", "東莞市", "dongguan city"),
    "ZS": ("zhongshan city",),
    "JM": ("江門", "江門市", "jiangmen city"),
    "ZQ": ("肇慶", "肇慶市", "zhaoqing city"),
    "HK": ("香港特别行政区", "香港特別行政區", "hksar", "hong kong sar", "hongkong"),
    "MO": ("澳門", "澳门特别行政区", "澳門特別行政區", "macau", "macao sar", "macau sar"),
}


@dataclass(frozen=True)
class City:
    """One city of the hub."""

    code: str
    name: str
    name_zh: str
    lat: float
    lon: float


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).strip().lower()
    return " ".join(s.split())


def load_units():
    """The units table of the bundled ``gba`` dataset (a DataFrame)."""
    from citynexus.data import load

    return load("gba").units


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, City], dict[str, str]]:
    units = load_units()
    cities: dict[str, City] = {}
    alias: dict[str, str] = {}
    for row in units.itertuples(index=False):
        code = str(row.code)
        lat = float(getattr(row, "lat", float("nan")))
        lon = float(getattr(row, "lon", float("nan")))
        c = City(code, str(row.name), str(row.name_zh), lat, lon)
        cities[code] = c
        names = {code, c.name, c.name_zh, *EXTRA_ALIASES.get(code, ())}
        for suffix in ("市", "特别行政区", "特別行政區"):
            if c.name_zh.endswith(suffix):
                names.add(c.name_zh[: -len(suffix)])
        for n in names:
            alias[_norm(n)] = code
            # the same name with the Chinese suffix 市 added
            if any("\u4e00" <= ch <= "\u9fff" for ch in n) and not n.endswith("市"):
                alias.setdefault(_norm(n + "市"), code)
    return cities, alias


def clear_cache() -> None:
    """Forget the city table (after the bundled dataset changed, or in tests)."""
    _tables.cache_clear()
    neighbours.cache_clear()


def cities() -> dict[str, City]:
    """All cities by unit code."""
    return dict(_tables()[0])


def names(lang: str) -> dict[str, str]:
    """Unit code -> the city's name for a page in ``lang``: the Chinese name for ``"zh"``, the
    English one otherwise."""
    return {c.code: (c.name_zh if lang == "zh" else c.name) for c in _tables()[0].values()}


def resolve_city(value: object) -> str:
    """The unit code of a city given by code, English or Chinese name.

    Raises :class:`UnknownCityError` naming the accepted values when nothing matches.
    """
    if not isinstance(value, str) or not value.strip():
        raise UnknownCityError(f"city must be a non-empty text, got {value!r}")
    _, alias = _tables()
    code = alias.get(_norm(value))
    if code is None:
        known = ", ".join(f"{c.code} ({c.name}/{c.name_zh})" for c in _tables()[0].values())
        raise UnknownCityError(f"unknown city {value!r}; use a unit code or name of the gba dataset: {known}")
    return code


def distance_km(a: str, b: str) -> float:
    """Great-circle distance between two cities (haversine; NaN when a position is missing).

    d = 2 R asin( sqrt( sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2) ) ), R = 6371.0088 km.
    """
    ca, cb = _tables()[0][a], _tables()[0][b]
    p1, p2 = math.radians(ca.lat), math.radians(cb.lat)
    dp, dl = p2 - p1, math.radians(cb.lon - ca.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


@lru_cache(maxsize=16)
def neighbours(code: str, neighbour_km: float = 70.0) -> frozenset[str]:
    """Cities (other than ``code``) within ``neighbour_km`` of ``code``."""
    out = set()
    for other in _tables()[0]:
        if other != code:
            d = distance_km(code, other)
            if d == d and d <= neighbour_km:
                out.add(other)
    return frozenset(out)
