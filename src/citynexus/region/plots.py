"""Matplotlib figures for region analytics. Each function returns a ``Figure`` (nothing is
shown or saved; call ``fig.savefig(path)``). Labels are English with the Chinese term in
the title where a CJK font is available."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from citynexus.region.coupling import GRADES_10, Band, check_bands
from citynexus.region.errors import RegionInputError
from citynexus.region.geo import outer_rings

if TYPE_CHECKING:
    from collections.abc import Sequence

_CLUSTER_COLOURS = {"HH": "#d7191c", "HL": "#fdae61", "LH": "#abd9e9", "LL": "#2c7bb6", "ns": "#eeeeee"}


def _figure(figsize: tuple[float, float]):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def plot_coupling_over_time(
    result: pd.DataFrame,
    units: Sequence[str] | None = None,
    levels: Sequence[Band] | None = None,
    title: str = "Coupling coordination degree D over time",
):
    """D over time per unit, on top of the grade bands (shaded, labelled on the right).

    ``result``: a panel output of :func:`~citynexus.region.coupling.coupling_coordination`
    (index (unit, period)). ``units`` picks a subset (default all).
    """
    if not isinstance(result.index, pd.MultiIndex) or "period" not in (result.index.names or []):
        raise RegionInputError("plot_coupling_over_time needs a panel result indexed by (unit, period)")
    bands = check_bands(levels if levels is not None else GRADES_10)
    d = result["D"].unstack("period")
    if units is not None:
        missing = [u for u in units if u not in d.index]
        if missing:
            raise RegionInputError(f"unit(s) {missing} are not in the result")
        d = d.loc[list(units)]
    fig = _figure((8, 5))
    ax = fig.add_subplot()
    grey = np.linspace(0.97, 0.85, len(bands))
    for b, g in zip(bands, grey):
        ax.axhspan(b.lower, b.upper, color=str(g), zorder=0)
    lo, hi = float(np.nanmin(d.to_numpy())), float(np.nanmax(d.to_numpy()))
    pad = 0.05
    ymin, ymax = max(0.0, lo - pad), min(1.0, hi + pad)
    for b in bands:
        mid = (max(b.lower, ymin) + min(b.upper, ymax)) / 2
        if b.upper > ymin and b.lower < ymax:
            ax.text(1.01, mid, b.name, transform=ax.get_yaxis_transform(), fontsize=7, va="center", color="0.35")
    periods = [int(p) for p in d.columns]
    for unit, row in d.iterrows():
        ax.plot(periods, row.to_numpy(), marker="o", ms=3, lw=1.4, label=str(unit))
    ax.set_ylim(ymin, ymax)
    ax.set_xlabel("period")
    ax.set_ylabel("D")
    ax.set_title(title)
    ax.legend(fontsize=7, ncol=2, loc="upper left")
    return fig


def plot_kernel_density(density: pd.DataFrame, title: str = "Kernel density across units", xlabel: str = "value"):
    """Density curves per period (output of :func:`~citynexus.region.convergence.kernel_density`),
    coloured from early (light) to late (dark)."""
    from matplotlib import colormaps

    if density.empty:
        raise RegionInputError("the density table is empty")
    fig = _figure((7, 4.5))
    ax = fig.add_subplot()
    cmap = colormaps["viridis"]
    k = density.shape[1]
    for i, p in enumerate(density.columns):
        ax.plot(density.index.to_numpy(), density[p].to_numpy(), color=cmap(i / max(k - 1, 1)), lw=1.5, label=str(p))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.legend(fontsize=7, ncol=2, title="period")
    return fig


def plot_lisa_map(
    lisa: pd.DataFrame, geojson: dict | None = None, units: pd.DataFrame | None = None, title: str = "LISA clusters"
):
    """Map of LISA clusters (HH, LH, LL, HL, not significant) from
    :func:`~citynexus.region.spatial.local_moran`.

    With ``geojson`` (a FeatureCollection whose features carry ``properties.code``, e.g.
    :func:`~citynexus.region.geo.gba_geojson`) polygons are filled; otherwise ``units`` with
    ``code, lat, lon`` give points.
    """
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    if "cluster" not in lisa.columns:
        raise RegionInputError("lisa must be the output of local_moran (column 'cluster')")
    fig = _figure((7, 6))
    ax = fig.add_subplot()
    if geojson is not None:
        polys, colours = [], []
        for f in geojson.get("features", []):
            code = str(f.get("properties", {}).get("code", f.get("id")))
            cl = lisa["cluster"].get(code, "ns")
            for ring in outer_rings(f["geometry"], strict=True):
                polys.append(ring)
                colours.append(_CLUSTER_COLOURS[cl])
        if not polys:
            raise RegionInputError("the GeoJSON has no polygon features")
        ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors="0.3", linewidths=0.4))
        allxy = np.vstack(polys)
        ax.set_xlim(allxy[:, 0].min(), allxy[:, 0].max())
        ax.set_ylim(allxy[:, 1].min(), allxy[:, 1].max())
        for f in geojson["features"]:
            code = str(f.get("properties", {}).get("code", f.get("id")))
            biggest = max(outer_rings(f["geometry"], strict=True), key=len)
            ax.text(biggest[:, 0].mean(), biggest[:, 1].mean(), code, fontsize=7, ha="center", va="center")
    elif units is not None:
        u = units.set_index("code") if "code" in units.columns else units
        u = u.reindex(lisa.index)
        ax.scatter(u["lon"], u["lat"], c=[_CLUSTER_COLOURS[c] for c in lisa["cluster"]], s=120, edgecolors="0.3")
        for code, r in u.iterrows():
            ax.annotate(
                str(code),
                (r["lon"], r["lat"]),
                fontsize=7,
                ha="center",
                va="bottom",
                xytext=(0, 7),
                textcoords="offset points",
            )
    else:
        raise RegionInputError("plot_lisa_map needs geojson (polygons) or units (lat/lon points)")
    ax.set_aspect(1 / np.cos(np.deg2rad(np.mean(ax.get_ylim()))))
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title(title)
    ax.legend(
        handles=[Patch(facecolor=c, edgecolor="0.3", label=k) for k, c in _CLUSTER_COLOURS.items()],
        fontsize=7,
        loc="lower right",
    )
    return fig
