"""Figures of the case library (plotly), shared by the dashboard pages: the SDG wheel of a case,
the criteria x cases heat map of a screening and the rank intervals of the shortlist.

Colours are colour-blind safe: Okabe & Ito (2008) blue / orange / grey for categories, cividis
for the heat map; categories are also told apart by the legend and the hover text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from citynexus.i18n import t
from citynexus.report.figures import _layout

BLUE, ORANGE, GREY, VERMILION = "#0072B2", "#E69F00", "#D9D9D9", "#D55E00"


def goal_label(g: int, lang: str) -> str:
    return f"SDG {g}" if lang == "en" else f"目标{g}"


def sdg_wheel_figure(
    scores: Mapping[int, float],
    assigned: Sequence[int],
    titles: Mapping[int, str],
    lang: str = "en",
    suggest_at: float = 0.5,
) -> go.Figure:
    """A barpolar of the 17 goals: radius = the tagger's hybrid score of the case's text for each
    goal; the goals assigned to the case in blue, goals the tagger scores at ``suggest_at`` or more
    but the case does not list in orange, the rest grey."""
    groups = (
        ("assigned", BLUE, lambda g: g in assigned),
        ("suggested", ORANGE, lambda g: g not in assigned and scores.get(g, 0.0) >= suggest_at),
        ("other", GREY, lambda g: g not in assigned and scores.get(g, 0.0) < suggest_at),
    )
    fig = go.Figure()
    for key, colour, keep in groups:
        gs = [g for g in range(1, 18) if keep(g)]
        fig.add_trace(
            go.Barpolar(
                r=[max(scores.get(g, 0.0), 0.02) for g in gs],
                theta=[goal_label(g, lang) for g in gs],
                name=t(f"cases_wheel_{key}", lang),
                marker={"color": colour, "line": {"color": "white", "width": 1}},
                customdata=[[titles.get(g, ""), scores.get(g, 0.0)] for g in gs],
                hovertemplate="%{theta}: %{customdata[0]}<br>" + t("cases_tag_score", lang)
                + " %{customdata[1]:.3f}<extra></extra>",
            )
        )  # fmt: skip
    fig.update_layout(
        polar={
            # radial ticks between goal 17 and goal 1 (the top), so they never sit on a bar
            "radialaxis": {
                "range": [0, 1],
                "tickvals": [0.5, 1],
                "gridcolor": "#e3e8ee",
                "angle": 90 + 360 / 34,
                "tickangle": 90 + 360 / 34,
                "tickfont": {"size": 9, "color": "#5b6b7b"},
            },
            "angularaxis": {
                "categoryarray": [goal_label(g, lang) for g in range(1, 18)],
                "categoryorder": "array",
                "direction": "clockwise",
                "rotation": 90,
            },
        },
        legend={"orientation": "h", "y": -0.08},
    )
    fig = _layout(fig, t("cases_wheel_title", lang), height=460)
    fig.update_layout(margin={"l": 40, "r": 40, "t": 60, "b": 40})
    return fig


def criteria_heatmap_figure(
    rows: Sequence[str], criteria: Sequence[str], values: Sequence[Sequence[float]], scale_max: float, lang: str = "en"
) -> go.Figure:
    """Cases (rows, best first) x criteria: the mean juror score, cividis colour scale."""
    fig = go.Figure(
        go.Heatmap(
            z=list(values),
            x=list(criteria),
            y=list(rows),
            zmin=0,
            zmax=scale_max,
            colorscale="Cividis",
            text=[[f"{v:.1f}" for v in r] for r in values],
            texttemplate="%{text}",
            hovertemplate="%{y}<br>%{x}: %{z:.2f}<extra></extra>",
            colorbar={"title": {"text": t("cases_mean_score", lang)}},
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(side="top")
    fig = _layout(fig, t("cases_heatmap_title", lang), height=max(320, 60 + 34 * len(rows)))
    fig.update_layout(margin={"l": 20, "r": 20, "t": 90, "b": 20})
    return fig


def rank_interval_figure(
    rows: Sequence[str],
    rank: Sequence[int],
    best: Sequence[int],
    worst: Sequence[int],
    shortlisted: Sequence[bool],
    robust: Sequence[bool],
    lang: str = "en",
) -> go.Figure:
    """Each case's rank (dot) and its best-worst rank interval (bar), best first: robust shortlist
    in blue, shortlisted but not robust in orange, the rest grey."""
    fig = go.Figure()
    for key, colour, sel in (
        ("robust", BLUE, [s and r for s, r in zip(shortlisted, robust)]),
        ("shortlisted", ORANGE, [s and not r for s, r in zip(shortlisted, robust)]),
        ("out", "#7F7F7F", [not s for s in shortlisted]),
    ):
        idx = [i for i, k in enumerate(sel) if k]
        if not idx:
            continue
        fig.add_trace(
            go.Scatter(
                x=[rank[i] for i in idx],
                y=[rows[i] for i in idx],
                mode="markers",
                name=t(f"cases_interval_{key}", lang),
                marker={"color": colour, "size": 11, "symbol": "circle"},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [worst[i] - rank[i] for i in idx],
                    "arrayminus": [rank[i] - best[i] for i in idx],
                    "color": colour,
                    "thickness": 3,
                    "width": 6,
                },
                customdata=[[best[i], worst[i]] for i in idx],
                hovertemplate="%{y}<br>" + t("cases_rank", lang) + " %{x} (%{customdata[0]}–%{customdata[1]})"
                "<extra></extra>",
            )
        )
    fig.update_yaxes(categoryorder="array", categoryarray=list(rows), autorange="reversed", automargin=True)
    fig.update_xaxes(title=t("cases_rank", lang), dtick=1, range=[0.5, max(worst) + 0.5])
    fig = _layout(fig, t("cases_interval_title", lang), height=max(320, 80 + 34 * len(rows)))
    fig.update_layout(legend={"orientation": "h", "y": -0.15}, margin={"l": 20, "r": 20, "t": 50, "b": 60})
    return fig


def tag_bars_figure(goals: Sequence[Mapping], lang: str = "en") -> go.Figure:
    """The tagged goals (best first): hybrid score bars, with the encoder and keyword parts."""
    labels = [goal_label(g["goal"], lang) for g in goals]
    fig = go.Figure()
    for key, colour in (("score", BLUE), ("encoder", ORANGE), ("keywords", "#009E73")):
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[g[key] for g in goals],
                name=t(f"cases_tag_{key}", lang),
                marker={"color": colour},
                hovertemplate="%{x}: %{y:.3f}<extra></extra>",
            )
        )
    fig.update_yaxes(range=[0, 1.05])
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.15})
    return _layout(fig, t("cases_tag_chart", lang), height=360)
