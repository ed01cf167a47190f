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
    from collections.abc import Mapping, Sequence

_CLUSTER_COLOURS = {"HH": "#d7191c", "HL": "#fdae61", "LH": "#abd9e9", "LL": "#2c7bb6", "ns": "#eeeeee"}


def _figure(figsize: tuple[float, float]):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def plot_coupling_over_time(
    result: pd.DataFrame,
    units: Sequence[str] | None = None,
    levels: Sequence[Band] | None = None,
    title: str = "Coupling coordination degree D over time",
    names: Mapping[str, str] | None = None,
):
    """D over time per unit, on top of the grade bands (shaded, labelled on the right).

    ``result``: a panel output of :func:`~citynexus.region.coupling.coupling_coordination`
    (index (unit, period)). ``units`` picks a subset (default all). ``names`` maps unit codes to
    the names shown (default: the codes). Up to :data:`LEGEND_MAX` lines get a legend; more get
    a label at the end of each line, pushed apart so that none overlap (a legend of 29 entries
    cannot be read against 29 colours).
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
    shown = {u: (names or {}).get(str(u), str(u)) for u in d.index}
    lines = {
        u: ax.plot(periods, row.to_numpy(), marker="o", ms=3, lw=1.4, label=shown[u])[0] for u, row in d.iterrows()
    }
    ax.set_ylim(ymin, ymax)
    ax.set_xlabel("period")
    ax.set_ylabel("D")
    ax.set_title(title)
    if len(lines) <= LEGEND_MAX:
        ax.legend(fontsize=7, ncol=2, loc="upper left")
    else:
        _end_labels(ax, d, lines, shown, periods, (ymin, ymax))
    return fig


#: Most lines a figure shows with a legend; beyond it lines are labelled at their ends.
LEGEND_MAX = 8


def spread_labels(y: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Label positions near ``y`` (same order) at least ``gap`` apart and within [low, high]
    where there is room: sorted, pushed up where two are too close, then pushed back down
    from ``high``. Used by every figure that labels lines at their ends (these matplotlib
    figures and the report's plotly ones, :mod:`citynexus.report.figures_lines`).

    Reference: the end-of-line ("direct") labels of Tufte, *The Visual Display of Quantitative
    Information* (1983), with the collision avoidance of ggrepel's one-dimensional case."""
    order = sorted(range(len(y)), key=lambda i: y[i])
    pos = [float(y[i]) for i in order]
    for k in range(len(pos)):
        pos[k] = max(pos[k], low if k == 0 else pos[k - 1] + gap)
    for k in range(len(pos) - 1, -1, -1):
        pos[k] = min(pos[k], high if k == len(pos) - 1 else pos[k + 1] - gap)
    out = [0.0] * len(y)
    for k, i in enumerate(order):
        out[i] = pos[k]
    return out


def _end_labels(ax, d: pd.DataFrame, lines: dict, shown: dict, periods: list[int], ylim: tuple[float, float]) -> None:
    """A name beside the last value of every line, in the line's colour, spread apart."""
    last = d.ffill(axis=1).iloc[:, -1]
    keep = [u for u in d.index if np.isfinite(last[u])]
    gap = (ylim[1] - ylim[0]) / 42
    ys = spread_labels([float(last[u]) for u in keep], gap, ylim[0] + gap / 2, ylim[1] - gap / 2)
    x_end = periods[-1] + 0.15 * max(1, (periods[-1] - periods[0]) / 10)
    for u, y in zip(keep, ys):
        ax.annotate(
            shown[u],
            (periods[-1], float(last[u])),
            (x_end, y),
            fontsize=6.5,
            va="center",
            color=lines[u].get_color(),
            arrowprops={"arrowstyle": "-", "color": "0.7", "lw": 0.5},
        )
    ax.set_xlim(periods[0] - 0.3, periods[-1] + 0.35 * max(1, (periods[-1] - periods[0]) / 2))


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
    lisa: pd.DataFrame,
    geojson: dict | None = None,
    units: pd.DataFrame | None = None,
    title: str = "LISA clusters",
    names: Mapping[str, str] | None = None,
):
    """Map of LISA clusters (HH, LH, LL, HL, not significant) from
    :func:`~citynexus.region.spatial.local_moran`.

    With ``geojson`` (a FeatureCollection whose features carry ``properties.code``, e.g.
    :func:`~citynexus.region.geo.gba_geojson`) polygons are filled; otherwise ``units`` with
    ``code, lat, lon`` give points. ``names`` maps unit codes to the labels drawn (default: the codes).
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
            ax.text(
                biggest[:, 0].mean(),
                biggest[:, 1].mean(),
                (names or {}).get(code, code),
                fontsize=7,
                ha="center",
                va="center",
            )
    elif units is not None:
        u = units.set_index("code") if "code" in units.columns else units
        u = u.reindex(lisa.index)
        ax.scatter(u["lon"], u["lat"], c=[_CLUSTER_COLOURS[c] for c in lisa["cluster"]], s=120, edgecolors="0.3")
        for code, r in u.iterrows():
            ax.annotate(
                (names or {}).get(str(code), str(code)),
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
