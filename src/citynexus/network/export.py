"""Exports of network results: ``nodes.csv`` / ``links.csv`` and GeoJSON lines."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from citynexus.network.errors import NetworkInputError
from citynexus.network.result import NetworkResult


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig" if path.suffix == ".csv" else "utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(result: NetworkResult, folder: str | Path, extra_nodes: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write ``nodes.csv`` (``city, gnc, relative_gnc, proportional`` + node data + the
    columns of ``extra_nodes``, e.g. centralities) and ``links.csv`` (``a, b, r, r_rel``;
    directed models add ``direction = a->b``). UTF-8 with BOM so that Excel shows Chinese
    names. Each file is written to a temporary name and moved into place."""
    folder = Path(folder)
    nodes = result.nodes()
    if extra_nodes is not None and len(extra_nodes.columns):
        extra = extra_nodes.drop(columns=[c for c in extra_nodes.columns if c in nodes.columns])
        nodes = nodes.join(extra, on="city")
    links = result.links.copy()
    if result.directed:
        links["direction"] = "a->b"
    paths = {"nodes": folder / "nodes.csv", "links": folder / "links.csv"}
    _atomic_write(paths["nodes"], nodes.to_csv(index=False, float_format="%.10g"))
    _atomic_write(paths["links"], links.to_csv(index=False, float_format="%.10g"))
    return paths


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


def write_geojson(result: NetworkResult, path: str | Path, top: int | None = None) -> Path:
    """Write :func:`to_geojson` to ``path``."""
    path = Path(path)
    _atomic_write(path, json.dumps(to_geojson(result, top=top), ensure_ascii=False))
    return path
