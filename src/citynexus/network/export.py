"""Exports of network results as text: ``nodes.csv`` / ``links.csv`` and GeoJSON lines.

Pure functions (results in, strings or dicts out); files are written at the edge by
:func:`citynexus.data.network_io.write_texts`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from citynexus.network.errors import NetworkInputError

if TYPE_CHECKING:
    import pandas as pd

    from citynexus.network.result import NetworkResult


def csv_texts(result: NetworkResult, extra_nodes: pd.DataFrame | None = None) -> dict[str, str]:
    """The texts of ``nodes.csv`` (``city, gnc, relative_gnc, proportional`` + node data + the
    columns of ``extra_nodes``, e.g. centralities) and ``links.csv`` (``a, b, r, r_rel``;
    directed models add ``direction = a->b``), numbers with 10 significant digits. Returns
    ``{"nodes.csv": text, "links.csv": text}``; write them with
    :func:`citynexus.data.network_io.write_texts` (UTF-8 with BOM, atomic)."""
    nodes = result.nodes()
    if extra_nodes is not None and len(extra_nodes.columns):
        extra = extra_nodes.drop(columns=[c for c in extra_nodes.columns if c in nodes.columns])
        nodes = nodes.join(extra, on="city")
    links = result.links.copy()
    if result.directed:
        links["direction"] = "a->b"
    return {
        "nodes.csv": nodes.to_csv(index=False, float_format="%.10g"),
        "links.csv": links.to_csv(index=False, float_format="%.10g"),
    }


def to_geojson(result: NetworkResult, top: int | None = None, points: bool = True) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (RFC 7946): one ``LineString`` per link between the two
    cities' coordinates (``[lon, lat]``), with properties ``a, b, r, r_rel`` (and
    ``directed``), strongest first; optionally one ``Point`` per city with its GNC. Links
    to cities without coordinates are skipped. Lines are straight in lon/lat; a line that
    would cross the antimeridian is drawn the long way round."""
    xy = result.coordinates()
    if xy is None or xy.empty:
        raise NetworkInputError("no city coordinates: pass coords (lat/lon) to build GeoJSON or a map")
    links = result.links if top is None else result.links.head(top)
    feats: list[dict[str, Any]] = []
    lat, lon = xy["lat"].to_dict(), xy["lon"].to_dict()
    for a, b, r, rr in zip(links["a"], links["b"], links["r"], links["r_rel"]):
        if a not in lat or b not in lat:
            continue
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[lon[a], lat[a]], [lon[b], lat[b]]]},
                "properties": {
                    "a": str(a),
                    "b": str(b),
                    "r": float(r),
                    "r_rel": float(rr),
                    "directed": result.directed,
                },
            }
        )
    if points:
        for city in xy.index:
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon[city], lat[city]]},
                    "properties": {
                        "city": str(city),
                        "gnc": float(result.gnc[city]),
                        "relative_gnc": float(result.relative_gnc[city]),
                    },
                }
            )
    return {"type": "FeatureCollection", "features": feats}


def geojson_text(result: NetworkResult, top: int | None = None) -> str:
    """:func:`to_geojson` as JSON text (UTF-8 characters kept, not escaped)."""
    return json.dumps(to_geojson(result, top=top), ensure_ascii=False)
