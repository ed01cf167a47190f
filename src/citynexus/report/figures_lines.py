"""Line figures over time (one line per unit), shared by the report and the dashboard: a
legend for a few lines; for many (29 cities) labels at the lines' ends, spread apart, and a
select box that highlights one line and greys the others."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from citynexus.i18n import t
from citynexus.region.plots import spread_labels
from citynexus.report._style import PALETTE, _layout, _text_width

__all__ = ["bands_shapes", "spread_labels", "timeseries_figure"]

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


def bands_shapes(fig: go.Figure, bands: Sequence, lang: str = "en", alpha: float = 0.10, inside: bool = False) -> None:
    """Shade horizontal grade bands (objects with ``lower``, ``upper``, ``name``, ``name_zh``),
    named in the right margin, or ``inside`` the plot at its left edge (when the right margin
    holds the lines' labels)."""
    colors = sample_colorscale("RdYlGn", [i / max(1, len(bands) - 1) for i in range(len(bands))])
    for b, c in zip(bands, colors):
        fig.add_hrect(y0=b.lower, y1=b.upper, fillcolor=c, opacity=alpha, line_width=0, layer="below")
        name = getattr(b, "name_zh", None) if lang == "zh" else b.name
        fig.add_annotation(
            x=0.0 if inside else 1.0,
            xref="paper",
            xanchor="left",
            xshift=3 if inside else 0,
            y=(b.lower + b.upper) / 2,
            text=name or b.name,
            showarrow=False,
            font={"size": 9, "color": "#777" if inside else "#555"},
        )


#: Above this many lines a legend is unreadable: lines get direct labels and a highlight menu.
MANY_LINES = 8


def _direct_labels(fig: go.Figure, ends: list[tuple[str, float, float]], y_range, height: int, size: int = 10) -> int:
    """Label each line at its last point (``ends``: label, x, y), spread apart without
    overlaps, with a thin leader where a label moved; returns the right margin they need."""
    ys = [e[2] for e in ends]
    lo, hi = y_range if y_range else (min(ys), max(ys))
    plot_px = max(100, height - 95)
    gap = (size + 3) * (hi - lo) / plot_px if hi > lo else 1.0
    placed = spread_labels(ys, gap, lo, hi)
    for (label, x, y), py in zip(ends, placed):
        fig.add_annotation(
            x=x, y=y, ax=28, ay=py, axref="pixel", ayref="y", text=label, showarrow=True, arrowhead=0,
            arrowwidth=0.6, arrowcolor="#999", xanchor="left", font={"size": size}, standoff=2,
        )  # fmt: skip
    return int(max(_text_width(e[0], size) for e in ends)) + 70


def _highlight_menu(fig: go.Figure, labels: list[str], lang: str) -> None:
    """A select box above the plot's top right corner, below the toolbar's row (its first entry
    says what it does: "Highlight: all lines"): one line drawn strong, the others greyed out."""
    n = len(labels)
    every = {"opacity": [1.0] * n, "line.width": [2] * n}
    buttons = [{"label": t("fig_highlight_all", lang), "method": "restyle", "args": [every]}]
    for i, name in enumerate(labels):
        one = {
            "opacity": [1.0 if j == i else 0.15 for j in range(n)],
            "line.width": [4 if j == i else 1.5 for j in range(n)],
        }
        buttons.append({"label": name, "method": "restyle", "args": [one]})
    menu = {"buttons": buttons, "direction": "down", "x": 1.0, "xanchor": "right", "y": 1.01, "yanchor": "bottom",
            "showactive": True, "font": {"size": 11}, "bgcolor": "white"}  # fmt: skip
    fig.update_layout(updatemenus=[menu])


def timeseries_figure(
    panel: pd.DataFrame,
    value: str,
    names: Mapping[str, str],
    title: str,
    lang: str = "en",
    bands: Sequence | None = None,
    y_range: tuple[float, float] | None = None,
) -> go.Figure:
    """One line per unit over time (``panel`` columns ``unit, period, <value>``), with
    optional grade bands shaded behind. Up to :data:`MANY_LINES` lines have a legend; more
    lines are labelled at their ends instead (spread apart, :func:`spread_labels`) and a
    select box highlights one line and greys the others."""
    fig = go.Figure()
    ends: list[tuple[str, float, float]] = []
    for i, (unit, g) in enumerate(panel.groupby("unit", sort=False)):
        g = g.sort_values("period").dropna(subset=[value])
        name = names.get(unit, unit)
        fig.add_trace(
            go.Scatter(
                x=g["period"],
                y=g[value],
                mode="lines+markers",
                name=name,
                line={"color": PALETTE[i % len(PALETTE)], "width": 2},
                marker={"size": 5},
            )
        )
        if len(g):
            ends.append((name, float(g["period"].iloc[-1]), float(g[value].iloc[-1])))
    many = len(fig.data) > MANY_LINES
    if bands:
        bands_shapes(fig, bands, lang, inside=many)
    if y_range:
        fig.update_yaxes(range=list(y_range))
    fig.update_xaxes(title=t("period", lang), dtick=1)
    height = max(480, 14 * len(fig.data) + 140) if many else 480
    _layout(fig, title, height=height)
    if many and ends:
        right = _direct_labels(fig, ends, y_range, height)
        xs = [e[1] for e in ends] + [float(x) for x in panel["period"]]
        fig.update_xaxes(range=[min(xs) - 0.3, max(xs) + 0.3])  # the labels' leaders do not widen the axis
        _highlight_menu(fig, [tr.name for tr in fig.data], lang)
        fig.update_layout(showlegend=False, margin={"l": 60, "r": right, "t": 80, "b": 45})
        return fig
    fig.update_layout(
        margin={"l": 60, "r": 175 if bands else 20, "t": 50, "b": 45}, legend={"orientation": "h", "y": -0.18, "x": 0}
    )
    return fig
