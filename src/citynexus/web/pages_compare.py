"""Dashboard page comparing two cities (城市对比): their scores on the index, every pillar and
every indicator, each indicator with its unit, source and direction; differences highlighted."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from citynexus.i18n import t
from citynexus.web.pages import _error_page, _fig, lang_of, render

router = APIRouter(include_in_schema=False)

#: Reached from the city page ("compare with another city"), not from the menu.
NAV_ITEMS: list[dict] = []


def _unit_label(unit: str, lang: str) -> str:
    from citynexus.i18n.compare import UNITS_ZH

    return UNITS_ZH.get(unit, unit) if lang == "zh" else unit


def _source_label(source: str, lang: str) -> str:
    from citynexus.i18n.compare import SOURCES_ZH

    return SOURCES_ZH.get(source, source) if lang == "zh" else source


def _raw(v: float | None) -> str | None:
    """A raw value with at most two decimals and no trailing zeros (24,356; 49.9; 0.18)."""
    if v is None:
        return None
    text = f"{v:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _figure(rows, labels: dict[str, str], name_a: str, name_b: str, lang: str):
    """Dot plot of the two cities' indicator scores (circle and diamond, blue and orange:
    readable without colour)."""
    import plotly.graph_objects as go

    inds = [r for r in rows if r.kind == "indicator"]
    y = [labels[r.code] for r in inds]
    fig = go.Figure()
    styles = ((name_a, "score_a", "#0072B2", "circle"), (name_b, "score_b", "#E69F00", "diamond"))
    for name, attr, colour, symbol in styles:
        fig.add_trace(
            go.Scatter(
                x=[getattr(r, attr) for r in inds],
                y=y,
                mode="markers",
                name=name,
                marker={"color": colour, "symbol": symbol, "size": 10, "line": {"width": 1, "color": "#333"}},
                hovertemplate="%{y}: %{x:.1f}<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        title={"text": t("compare_chart_title", lang), "x": 0.01},
        height=max(320, 24 * len(inds) + 120),
        margin={"l": 10, "r": 20, "t": 50, "b": 40},
        xaxis={"range": [-3, 103], "title": {"text": t("compare_score", lang)}},
        yaxis={"autorange": "reversed", "automargin": True, "categoryorder": "array", "categoryarray": y},
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        template="plotly_white",
    )
    return fig


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request) -> HTMLResponse:
    from citynexus.errors import CityNexusError
    from citynexus.services import compare as service
    from citynexus.services import index as index_service
    from citynexus.web.pages import _dataset_choice, chosen_period

    lang = lang_of(request)
    q = request.query_params
    try:
        name, ds = _dataset_choice(request)
        period = chosen_period(request, ds)
        res = index_service.result(ds, period=period)
        a = q.get("a") or ds.unit_codes[0]
        b = q.get("b") or next(u for u in ds.unit_codes if u != a)
        rows = service.compare(ds, res, a, b)
    except CityNexusError as err:
        return _error_page(request, err)
    names = ds.units.set_index("code")["name_zh" if lang == "zh" else "name"]
    labels = {r.code: ds.label(r.code, lang) for r in rows}
    direction = {1: t("compare_higher_better", lang), -1: t("compare_lower_better", lang), 0: ""}
    view = [
        {
            "code": r.code,
            "kind": r.kind,
            "label": labels[r.code],
            "unit": _unit_label(r.unit, lang),
            "source": _source_label(r.source, lang),
            "direction": direction.get(r.direction, ""),
            "raw_a": _raw(r.raw_a),
            "raw_b": _raw(r.raw_b),
            "score_a": r.score_a,
            "score_b": r.score_b,
            "rank_a": r.rank_a,
            "rank_b": r.rank_b,
            "diff": r.diff,
            "notable": r.notable,
        }
        for r in rows
    ]
    figures = {"fig-compare": _fig(_figure(rows, labels, names[a], names[b], lang))}
    resp = render(
        request,
        "compare.html",
        "city",
        "compare_title",
        synthetic=ds.synthetic,
        dataset=name,
        period=res.period,
        periods=ds.periods,
        a=a,
        b=b,
        name_a=names[a],
        name_b=names[b],
        units=[{"code": c, "name": names[c]} for c in ds.unit_codes],
        rows=view,
        figures=figures,
        same=a == b,
        help=t("compare_help", lang).format(n=int(service.NOTABLE)),
    )
    return resp
