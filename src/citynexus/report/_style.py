"""The look shared by every figure of the report and the dashboard: fonts, colours, layout."""

from __future__ import annotations

import plotly.graph_objects as go

FONT = "Inter, 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
PALETTE = [
    "#1f5f8b",
    "#e07a1f",
    "#2a9d8f",
    "#c0392b",
    "#7b5ea7",
    "#8c6d46",
    "#d4589c",
    "#6c757d",
    "#9bbb2b",
    "#17becf",
    "#b8860b",
]


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 15}},
        font={"family": FONT, "size": 12},
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 45},
        paper_bgcolor="white",
        plot_bgcolor="white",
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_xaxes(gridcolor="#eceff3", zeroline=False)
    fig.update_yaxes(gridcolor="#eceff3", zeroline=False)
    return fig


def _text_width(label: str, size: float) -> float:
    """Estimated width in pixels (CJK characters are about one em, Latin about 0.6 em)."""
    return sum(size if ord(ch) > 0x2E7F else 0.6 * size for ch in label) + 4
