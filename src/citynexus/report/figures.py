"""Figure builders shared by the HTML report and the dashboard (plotly).

Every builder takes pandas objects and returns a ``plotly.graph_objects.Figure``; the
report inlines the figures with plotly's JavaScript from the installed package, and the
dashboard sends ``fig.to_json()`` to the browser. Maps are drawn as filled polygons on plain
longitude/latitude axes (equal aspect), so they need no map tiles and no network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from citynexus.i18n import t
from citynexus.region.geo import outer_rings
from citynexus.report._style import PALETTE, _layout, _text_width
from citynexus.report.figures_lines import (  # noqa: F401  (the line figures are built there, used from here)
    MANY_LINES,
    bands_shapes,
    spread_labels,
    timeseries_figure,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

LISA_COLORS = {"HH": "#d7191c", "HL": "#fdae61", "LH": "#abd9e9", "LL": "#2c7bb6", "ns": "#d9d9d9"}
LISA_LABELS = {
    "HH": ("High-High (hot spot)", "高-高（热点）"),
    "HL": ("High-Low (outlier)", "高-低（异常）"),
    "LH": ("Low-High (outlier)", "低-高（异常）"),
    "LL": ("Low-Low (cold spot)", "低-低（冷点）"),
    "ns": ("not significant", "不显著"),
}


def ranking_figure(table: pd.DataFrame, lang: str = "en", title: str | None = None) -> go.Figure:
    """Scores as horizontal bars with rank-uncertainty annotations.

    ``table`` columns: ``name``, ``score``, ``rank`` and optionally ``q05``/``q95`` (5th
    and 95th percentile of rank over the uncertainty samples), ``best``/``worst``.
    """
    df = table.sort_values("rank", ascending=False)
    has_range = {"q05", "q95"} <= set(df.columns)
    text = []
    for _, r in df.iterrows():
        s = f"#{int(r['rank'])}"
        if has_range and pd.notna(r["q05"]):
            s += f"  [{r['q05']:.0f}–{r['q95']:.0f}]"
        text.append(s)
    fig = go.Figure(
        go.Bar(
            x=df["score"],
            y=df["name"],
            orientation="h",
            marker={"color": "#1f5f8b"},
            text=text,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.2f} (%{text})<extra></extra>",
        )
    )
    fig.update_xaxes(title=t("score", lang))
    note = f" — {t('rank_range', lang)}" if has_range else ""
    return _layout(fig, title or (t("ranking", lang) + note), height=max(320, 34 * len(df) + 90))


def rank_uncertainty_figure(unc: pd.DataFrame, names: Mapping[str, str], lang: str = "en") -> go.Figure:
    """Dots at the nominal rank with 5–95 % bars (``unc`` columns ``unit, nominal_rank,
    median_rank, q05, q95``)."""
    df = unc.sort_values("nominal_rank")
    y = [names.get(u, u) for u in df["unit"]]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=df["median_rank"],
            y=y,
            mode="markers",
            marker={"color": "#e07a1f", "size": 8, "symbol": "diamond"},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": df["q95"] - df["median_rank"],
                "arrayminus": df["median_rank"] - df["q05"],
                "color": "#e07a1f",
                "thickness": 2,
            },
            name="median, 5–95%" if lang == "en" else "中位数，5–95%",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=df["nominal_rank"],
            y=y,
            mode="markers",
            marker={"color": "#1f5f8b", "size": 10},
            name="nominal" if lang == "en" else "名义排名",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=t("rank", lang), dtick=1)
    return _layout(fig, t("rank_range", lang), height=max(320, 30 * len(df) + 100))


def _color(v: float, lo: float, hi: float, scale: str) -> str:
    if v != v:
        return "#eeeeee"
    f = 0.5 if hi <= lo else (v - lo) / (hi - lo)
    return sample_colorscale(scale, [float(np.clip(f, 0, 1))])[0]


def _add_boundaries(fig: go.Figure, geojson: Mapping, fill, line: dict, hover: Mapping[str, str] | None = None) -> None:
    """One filled outline trace per outer ring of every feature; ``fill(code)`` gives the
    colour; with ``hover``, hovering a region shows its text."""
    for feat in geojson["features"]:
        code = feat["properties"].get("code")
        for ring in outer_rings(feat["geometry"]):
            tip = (
                {"hoverinfo": "skip"}
                if hover is None
                else {"hoverinfo": "text", "text": hover.get(code, code), "hoveron": "fills"}
            )
            fig.add_trace(
                go.Scatter(
                    x=ring[:, 0],
                    y=ring[:, 1],
                    mode="lines",
                    fill="toself",
                    fillcolor=fill(code),
                    line=line,
                    showlegend=False,
                    **tip,
                )
            )


def _map_base(geojson: Mapping, fills: Mapping[str, str], hover: Mapping[str, str]) -> go.Figure:
    fig = go.Figure()
    _add_boundaries(fig, geojson, lambda c: fills.get(c, "#eeeeee"), {"color": "white", "width": 0.8}, hover)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / np.cos(np.deg2rad(22.6)))
    return fig


#: Label offsets tried in turn (pixels right, pixels down); the first that overlaps no
#: placed label wins; a label away from its point gets a thin leader line.
OFFSETS = [(0, 0), (0, -16), (0, 16), (44, 0), (-44, 0), (40, -20), (-40, -20), (40, 20), (-40, 20), (0, -34),
           (0, 34), (66, -10), (-66, -10), (66, 14), (-66, 14), (50, -40), (-50, -40), (50, 40), (-50, 40)]  # fmt: skip


def place_labels(
    points: pd.DataFrame,
    width: float = 380,
    height: float = 300,
    size: float = 11,
    extent: tuple[float, float, float, float] | None = None,
) -> list[dict]:
    """Greedy label placement without overlaps: ``points`` (lon, lat, label) -> plotly
    annotations. Points are projected onto a ``width`` x ``height`` plot area of equal
    aspect (the map's; ``extent`` = lon_min, lon_max, lat_min, lat_max of the drawn map,
    default the points' own; the default size is a small plot, so that labels stay apart on
    narrow screens too), and each label takes the first of :data:`OFFSETS` whose box overlaps
    neither a placed label nor another city's point; if none is free, the least-overlapping
    one is used.

    Reference: a greedy variant of the fixed-position point labelling of Christensen, Marks &
    Shieber (1995), ACM Transactions on Graphics 14(3): 203-232."""
    pts = points.dropna(subset=["lon", "lat"])
    if pts.empty:
        return []
    kx = float(np.cos(np.deg2rad(pts["lat"].mean())))
    xs, ys = pts["lon"].to_numpy(float) * kx, pts["lat"].to_numpy(float)
    x0, x1, y0, y1 = (
        (extent[0] * kx, extent[1] * kx, extent[2], extent[3]) if extent else (xs.min(), xs.max(), ys.min(), ys.max())
    )
    span = max(float(x1 - x0) / width, float(y1 - y0) / height) or 1e-9
    px = (xs - x0) / span
    py = (y1 - ys) / span
    boxes: list[tuple[float, float, float, float]] = []
    dots = [(x - 4, y - 4, x + 4, y + 4) for x, y in zip(px, py)]

    def overlap(b, others) -> float:
        area = 0.0
        for o in others:
            w = min(b[2], o[2]) - max(b[0], o[0])
            h = min(b[3], o[3]) - max(b[1], o[1])
            if w > 0 and h > 0:
                area += w * h
        return area

    out = []
    order = np.argsort(-py)  # place from the bottom up: a stable, deterministic order
    for i in order:
        label = str(pts["label"].iloc[i])
        w, h = _text_width(label, size), size + 4
        best, best_cost = None, None
        own = [d for j, d in enumerate(dots) if j != i]
        for dx, dy in OFFSETS:
            cx, cy = px[i] + dx, py[i] + dy
            b = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            cost = overlap(b, boxes) + overlap(b, own)
            if best_cost is None or cost < best_cost - 1e-9:
                best, best_cost = (dx, dy, b), cost
            if cost == 0:
                break
        dx, dy, b = best
        boxes.append(b)
        moved = (dx, dy) != (0, 0)
        out.append(
            {
                "x": float(pts["lon"].iloc[i]),
                "y": float(pts["lat"].iloc[i]),
                "text": label,
                "showarrow": moved,
                "ax": dx,
                "ay": dy,
                "arrowhead": 0,
                "arrowwidth": 0.8,
                "arrowcolor": "#555555",
                "standoff": 2,
                "font": {"size": size, "color": "#1b1b1b"},
                "bgcolor": "rgba(255,255,255,0.7)",
                "borderpad": 1,
            }
        )
    return out


def _labels(fig: go.Figure, points: pd.DataFrame, extent=None) -> None:
    """City names without overlaps (:func:`place_labels`)."""
    fig.update_layout(annotations=[*(fig.layout.annotations or ()), *place_labels(points, extent=extent)])


def _extent(geojson: Mapping) -> tuple[float, float, float, float]:
    rings = [r for f in geojson["features"] for r in outer_rings(f["geometry"])]
    allp = np.vstack(rings)
    return float(allp[:, 0].min()), float(allp[:, 0].max()), float(allp[:, 1].min()), float(allp[:, 1].max())


def _coloured_map(
    geojson: Mapping | None, fills: Mapping[str, str], hover: Mapping[str, str], pts: pd.DataFrame
) -> go.Figure:
    """Cities filled with ``fills`` (by code): polygons from ``geojson``, or, without
    boundaries, circles at the coordinates in ``pts`` (columns lon, lat, label)."""
    if geojson is not None:
        fig = _map_base(geojson, fills, hover)
        _labels(fig, pts, _extent(geojson))
        return fig
    fig = go.Figure(
        go.Scatter(
            x=pts["lon"],
            y=pts["lat"],
            mode="markers",
            hovertext=[hover.get(c, c) for c in pts.index],
            hoverinfo="text",
            showlegend=False,
            marker={
                "size": 22,
                "color": [fills.get(c, "#eeeeee") for c in pts.index],
                "line": {"color": "white", "width": 1},
            },
        )
    )
    fig.update_xaxes(title="lon")
    fig.update_yaxes(title="lat", scaleanchor="x", scaleratio=1 / np.cos(np.deg2rad(float(pts["lat"].mean()))))
    _labels(fig, pts)
    return fig


def choropleth_figure(
    geojson: Mapping | None,
    values: pd.Series,
    units: pd.DataFrame,
    title: str,
    lang: str = "en",
    colorscale: str = "Viridis",
    fmt: str = "{:.1f}",
    scale_title: str | None = None,
) -> go.Figure:
    """A map of the cities coloured by ``values`` (indexed by unit code), with a titled
    colour scale (``scale_title``, default the word "score" in ``lang``). Without boundaries
    (``geojson=None``) the cities are drawn as circles at their coordinates; names are placed
    without overlaps (:func:`place_labels`)."""
    u = units.set_index("code")
    name_col = "name_zh" if lang == "zh" else "name"
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    hover = {c: f"{u.at[c, name_col] or u.at[c, 'name']}: {fmt.format(v)}" for c, v in values.items() if c in u.index}
    pts = pd.DataFrame(
        {"lon": u["lon"], "lat": u["lat"], "label": [u.at[c, name_col] or u.at[c, "name"] for c in u.index]},
        index=u.index,
    )
    fills = {c: _color(float(v), lo, hi, colorscale) for c, v in values.items()}
    fig = _coloured_map(geojson, fills, hover, pts.loc[[c for c in values.index if c in pts.index]])
    # colour bar
    fig.add_trace(
        go.Scatter(
            x=[pts["lon"].mean()],
            y=[pts["lat"].mean()],
            mode="markers",
            hoverinfo="skip",
            showlegend=False,
            marker={
                "size": 0.1,
                "opacity": 0,
                "color": [lo],
                "cmin": lo,
                "cmax": hi,
                "colorscale": colorscale,
                "showscale": True,
                "colorbar": {
                    "thickness": 12,
                    "len": 0.8,
                    "title": {"text": scale_title or t("score", lang), "side": "right"},
                },
            },
        )
    )
    return _layout(fig, title, height=460)


def lisa_map_figure(
    geojson: Mapping | None, quadrant: pd.Series, units: pd.DataFrame, lang: str = "en", title: str | None = None
) -> go.Figure:
    """LISA cluster map: ``quadrant`` (by unit code) holds HH, HL, LH, LL or ns."""
    u = units.set_index("code")
    name_col = "name_zh" if lang == "zh" else "name"
    label = {k: v[1] if lang == "zh" else v[0] for k, v in LISA_LABELS.items()}
    fills = {c: LISA_COLORS.get(q, "#d9d9d9") for c, q in quadrant.items()}
    hover = {c: f"{u.at[c, name_col]}: {label.get(q, q)}" for c, q in quadrant.items() if c in u.index}
    pts = pd.DataFrame({"lon": u["lon"], "lat": u["lat"], "label": u[name_col]}, index=u.index).loc[quadrant.index]
    fig = _coloured_map(geojson, fills, hover, pts)
    for q in ("HH", "HL", "LH", "LL", "ns"):  # legend entries
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=label[q],
                marker={"size": 12, "color": LISA_COLORS[q], "symbol": "square"},
            )
        )
    fig.update_layout(legend={"orientation": "h", "y": -0.02})
    return _layout(fig, title or t("lisa", lang), height=480)


#: A radar with more axes than this numbers them instead of naming them around the circle.
RADAR_NAMED_AXES = 8


def radar_key(columns: Sequence[str], labels: Mapping[str, str]) -> list[dict] | None:
    """``[{"n", "code", "label"}]``: the numbered axes of :func:`radar_figure`, or None when
    the axes carry their names."""
    if len(columns) <= RADAR_NAMED_AXES:
        return None
    return [{"n": i + 1, "code": c, "label": labels.get(c, c)} for i, c in enumerate(columns)]


def radar_figure(
    pillars: pd.DataFrame, unit: str, labels: Mapping[str, str], unit_name: str, lang: str = "en"
) -> go.Figure:
    """Radar of one unit's pillar scores against the cluster mean (``pillars``: units x
    pillars).

    With more than :data:`RADAR_NAMED_AXES` axes the names no longer fit around the circle
    without overlapping: the axes are then numbered 1, 2, ... (the names are in the hover
    text, and :func:`radar_key` gives the numbered list to show beside the figure)."""
    cols = list(pillars.columns)
    theta, hover = radar_axes(cols, labels)
    mine = [*pillars.loc[unit, cols].tolist(), pillars.loc[unit, cols[0]]]
    mean = pillars[cols].mean()
    avg = [*mean.tolist(), mean.iloc[0]]
    fig = go.Figure()
    fig.add_trace(
        go.Scatterpolar(
            r=avg,
            theta=theta,
            name="cluster mean" if lang == "en" else "城市群均值",
            line={"color": "#9aa5b1", "dash": "dot"},
            customdata=hover,
            hovertemplate="%{customdata}: %{r:.1f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatterpolar(
            r=mine,
            theta=theta,
            name=unit_name,
            fill="toself",
            line={"color": "#1f5f8b"},
            fillcolor="rgba(31,95,139,0.25)",
            customdata=hover,
            hovertemplate="%{customdata}: %{r:.1f}<extra>" + unit_name + "</extra>",
        )
    )
    fig.update_layout(polar=radar_polar(len(cols)), legend={"orientation": "h", "y": -0.1})
    return _layout(fig, unit_name, height=380)


def radar_axes(columns: Sequence[str], labels: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(theta, hover) of a closed radar over ``columns``: the axes' names, or their numbers
    1, 2, ... when there are more than :data:`RADAR_NAMED_AXES` (see :func:`radar_key`)."""
    names = [labels.get(c, c) for c in columns]
    ticks = [str(i + 1) for i in range(len(columns))] if len(columns) > RADAR_NAMED_AXES else names
    return [*ticks, ticks[0]], [*names, names[0]]


def radar_polar(n_axes: int, top: float | None = None) -> dict:
    """The polar layout of a radar of ``n_axes`` axes (radial range 0..``top`` when given):
    numbered axes start at the top and run clockwise, with the radial scale between axes 1
    and 2, clear of their numbers."""
    polar: dict = {"radialaxis": {"visible": True, "gridcolor": "#dde3ea"}}
    if top is not None:
        polar["radialaxis"]["range"] = [0, top]
    if n_axes > RADAR_NAMED_AXES:
        polar["angularaxis"] = {"rotation": 90, "direction": "clockwise"}
        polar["radialaxis"].update(angle=90 - 180 / n_axes, tickfont={"size": 9})
    else:
        polar["angularaxis"] = {"tickfont": {"size": 10}}
    return polar


def stacked_bars_figure(
    table: pd.DataFrame, title: str, labels: Mapping[str, str] | None = None, y_title: str = ""
) -> go.Figure:
    """Stacked bars: index on x (e.g. period), one bar segment per column (e.g. within,
    between, transvariation contributions)."""
    fig = go.Figure()
    for i, c in enumerate(table.columns):
        fig.add_trace(
            go.Bar(
                x=[str(x) for x in table.index],
                y=table[c],
                name=(labels or {}).get(c, c),
                marker={"color": PALETTE[i % len(PALETTE)]},
            )
        )
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.15})
    fig.update_yaxes(title=y_title)
    return _layout(fig, title)


def bars_figure(
    values: pd.Series, title: str, errors: tuple[pd.Series, pd.Series] | None = None, y_title: str = ""
) -> go.Figure:
    """Simple vertical bars (e.g. Sobol indices) with optional asymmetric error bars."""
    err = None
    if errors is not None:
        err = {
            "type": "data",
            "symmetric": False,
            "array": (errors[1] - values).clip(lower=0),
            "arrayminus": (values - errors[0]).clip(lower=0),
        }
    fig = go.Figure(go.Bar(x=[str(i) for i in values.index], y=values, error_y=err, marker={"color": "#1f5f8b"}))
    fig.update_yaxes(title=y_title)
    return _layout(fig, title)


def network_figure(
    links: pd.DataFrame,
    units: pd.DataFrame,
    strength: pd.Series,
    title: str,
    lang: str = "en",
    top: int = 30,
    geojson: Mapping | None = None,
) -> go.Figure:
    """Strongest links between cities drawn on coordinates (``links``: a, b, r), over the
    city boundaries when ``geojson`` is given; names placed without overlaps."""
    u = units.set_index("code")
    name_col = "name_zh" if lang == "zh" else "name"
    best = links.nlargest(top, "r")
    wmax = float(best["r"].max()) if len(best) else 1.0
    fig = go.Figure()
    extent = None
    if geojson is not None:
        _add_boundaries(fig, geojson, lambda _: "#f1f4f7", {"color": "#b9c4cf", "width": 0.7})
        extent = _extent(geojson)
    for _, r in best.iterrows():
        if r["a"] in u.index and r["b"] in u.index:
            na, nb = u.at[r["a"], name_col] or r["a"], u.at[r["b"], name_col] or r["b"]
            fig.add_trace(
                go.Scatter(
                    x=[u.at[r["a"], "lon"], u.at[r["b"], "lon"]],
                    y=[u.at[r["a"], "lat"], u.at[r["b"], "lat"]],
                    mode="lines",
                    line={"width": 0.5 + 6 * float(r["r"]) / wmax, "color": "rgba(31,95,139,0.55)"},
                    hoverinfo="text",
                    text=f"{na}–{nb}: {r['r']:.3g}",
                    showlegend=False,
                )
            )
    s = strength.reindex(u.index).fillna(0)
    fig.add_trace(
        go.Scatter(
            x=u["lon"],
            y=u["lat"],
            mode="markers",
            marker={"size": 8 + 22 * s / (s.max() or 1), "color": "#e07a1f"},
            hovertext=[f"{u.at[c, name_col]}: {s[c]:.3g}" for c in u.index],
            hoverinfo="text",
            showlegend=False,
        )
    )
    _labels(fig, pd.DataFrame({"lon": u["lon"], "lat": u["lat"], "label": u[name_col]}, index=u.index), extent)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / np.cos(np.deg2rad(float(u["lat"].mean()))))
    return _layout(fig, title, height=480)
