"""A map of the strongest links: city coordinates only (no tiles, no network access)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from citynexus.network.errors import NetworkInputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from citynexus.network.result import NetworkResult


def plot_links(
    result: NetworkResult,
    top: int = 50,
    *,
    labels: int = 10,
    title: str | None = None,
    ax: Any = None,
    label_column: str | None = None,
) -> Figure:
    """Draw the ``top`` strongest links as lines between city coordinates (lon on x, lat
    on y, equirectangular), line width and opacity growing with ``r``, every city with
    coordinates as a dot sized by relative GNC, and the ``labels`` most connected cities
    named (``label_column`` of ``node_data`` if given, e.g. ``name_zh``). Returns the
    matplotlib Figure (no pyplot state is touched unless ``ax`` comes from pyplot)."""
    xy = result.coordinates()
    if xy is None or xy.empty:
        raise NetworkInputError("no city coordinates: pass coords (lat/lon) to draw a map")
    # matplotlib is loaded here, when a map is drawn, not when the package is imported
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=(10, 6), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    links = result.links[result.links["a"].isin(xy.index) & result.links["b"].isin(xy.index)].head(top)
    if len(links):
        seg = np.stack(
            [
                xy.loc[links["a"], ["lon", "lat"]].to_numpy(float),
                xy.loc[links["b"], ["lon", "lat"]].to_numpy(float),
            ],
            axis=1,
        )
        w = links["r"].to_numpy(float)
        span = w.max() - w.min()
        s = (w - w.min()) / span if span > 0 else np.ones_like(w)
        lc = LineCollection(seg[::-1], linewidths=(0.4 + 3.0 * s)[::-1], colors="tab:red", alpha=0.55, zorder=1)
        ax.add_collection(lc)
    rel = result.relative_gnc.reindex(xy.index).fillna(0).to_numpy(float)
    ax.scatter(xy["lon"], xy["lat"], s=4 + 0.6 * rel, c="tab:blue", alpha=0.8, zorder=2, edgecolors="none")
    names = result.node_data[label_column] if label_column and label_column in result.node_data else None
    for city in result.relative_gnc.reindex(xy.index).sort_values(ascending=False).head(labels).index:
        text = str(names[city]) if names is not None and isinstance(names[city], str) else str(city)
        ax.annotate(
            text,
            (xy.at[city, "lon"], xy.at[city, "lat"]),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
            zorder=3,
        )
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    ax.grid(True, lw=0.3, alpha=0.5)
    ax.set_title(title or f"{result.model}: {min(top, len(result.links))} strongest links")
    return fig
