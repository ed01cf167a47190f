"""Dashboard pages of risk early warning (风险雷达): partners ranked by risk with reasons and per-category
bars, a party's series with change points, outliers and the forecast band, the alert workflow
(acknowledge / resolve with an editor key) and an SME's credit report with its ledger proofs.

The pages show what an anonymous reader may see: the public SYNTHETIC demo (``citynexus demo``,
``citynexus watch demo`` or the page's load button) and credit reports from the public ledger.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from citynexus.i18n import t
from citynexus.web.pages import _fig, error_page, label_texts, lang_of, render

router = APIRouter(include_in_schema=False)

NAV_ITEMS = [{"key": "watch", "href": "/watch", "label": "nav_watch"}]

#: Okabe & Ito (2008) colour-blind-safe colours.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "pink": "#CC79A7",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "black": "#000000",
}
CATEGORY_COLOURS = {
    "funding": OKABE_ITO["blue"],
    "rd": OKABE_ITO["orange"],
    "supply_chain": OKABE_ITO["green"],
    "compliance": OKABE_ITO["pink"],
}
CATEGORIES = ("funding", "rd", "supply_chain", "compliance")
LABEL_KEYS = (
    "watch_need_key",
    "watch_done",
    "watch_failed",
    "watch_demo_loaded",
    "loading",
    "watch_status_acknowledged",
    "watch_status_resolved",
    "watch_err_401",
    "watch_err_403",
    "watch_err_404",
    "watch_err_409",
    "watch_err_429",
)


def _not_found(request: Request, what: str) -> HTMLResponse:
    english, shown = (t("watch_not_found", lang).format(what=what) for lang in ("en", lang_of(request)))
    return error_page(request, "watch", english, translated=shown)


def _alert_rows(alerts: list[dict], lang: str) -> list[dict]:
    from citynexus.services.watch import humanise, metric_name, party_name

    return [
        {
            **a,
            "name": party_name(a["party"], lang),
            "message": humanise(a["message_zh"] if lang == "zh" else a["message_en"], lang),
            "metric_name": metric_name(a["metric"], lang) if a["metric"] else "",
            "kind_label": t(f"watch_kind_{a['kind']}", lang),
            "category_label": t(f"watch_cat_{a['category']}", lang),
        }
        for a in alerts
    ]


def categories_figure(parties: list[dict], lang: str):
    """Horizontal grouped bars: each party's score per category (0-1), colour-blind-safe colours."""
    import plotly.graph_objects as go

    from citynexus.report.figures import _layout

    names = [p["name"] for p in parties][::-1]
    fig = go.Figure()
    for c in CATEGORIES:
        fig.add_trace(
            go.Bar(
                y=names,
                x=[p["categories"].get(c, {}).get("score", 0.0) for p in parties][::-1],
                name=t(f"watch_cat_{c}", lang),
                orientation="h",
                marker={"color": CATEGORY_COLOURS[c]},
                hovertemplate="%{y}: %{x:.2f}<extra>" + t(f"watch_cat_{c}", lang) + "</extra>",
            )
        )
    _layout(fig, t("watch_categories", lang), height=max(320, 60 + 34 * len(parties)))
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.08}, margin={"l": 150})
    fig.update_xaxes(range=[0, 1])
    return fig


def _legend_line(fig, name: str, color: str, dash: str) -> None:
    """A legend entry for lines drawn as shapes (``add_vline``/``add_hline`` have none): an
    empty trace in the same colour and dash."""
    import plotly.graph_objects as go

    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line={"color": color, "dash": dash}, name=name))


def series_figure(s: dict, lang: str):
    """The reported series, change points as dashed vertical lines, outliers as diamonds, the 80%
    forecast band shaded with its median dashed (and the KPI threshold when there is a target)."""
    import plotly.graph_objects as go

    from citynexus.report.figures import _layout
    from citynexus.services.watch import metric_name

    fig = go.Figure()
    fc = s.get("forecast")
    if fc and fc["periods"] and not fc.get("cumulative"):
        xs = [s["periods"][-1], *fc["periods"]]
        last = next((v for v in reversed(s["values"]) if v is not None), None)
        fig.add_trace(
            go.Scatter(
                x=xs + xs[::-1],
                y=[last, *fc["hi"], *[last, *fc["lo"]][::-1]],
                fill="toself",
                fillcolor="rgba(86,180,233,0.25)",
                line={"width": 0},
                mode="lines",
                name=t("watch_band", lang),
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[last, *fc["median"]],
                mode="lines",
                line={"color": OKABE_ITO["sky"], "dash": "dash", "width": 2},
                name=t("watch_forecast", lang),
            )
        )
    fig.add_trace(
        go.Scatter(
            x=s["periods"],
            y=s["values"],
            mode="lines+markers",
            line={"color": OKABE_ITO["blue"], "width": 2},
            marker={"size": 4},
            name=t("watch_observed", lang),
            connectgaps=False,
        )
    )
    if s["anomalies"]:
        fig.add_trace(
            go.Scatter(
                x=[a["period"] for a in s["anomalies"]],
                y=[a["value"] for a in s["anomalies"]],
                mode="markers",
                marker={"symbol": "diamond", "size": 12, "color": OKABE_ITO["vermillion"], "line": {"width": 1}},
                name=t("watch_anomaly", lang),
            )
        )
    for i, c in enumerate(s["changepoints"]):
        fig.add_vline(x=c["period"], line={"color": OKABE_ITO["black"], "dash": "dash", "width": 1.5})
        if i == 0:  # one legend entry for the lines
            _legend_line(fig, t("watch_changepoint", lang), OKABE_ITO["black"], "dash")
    if fc and fc.get("target") and not fc.get("cumulative"):
        from citynexus.watch.trajectory import parse_term

        tg = parse_term(fc["target"]["rule"], fc["target"]["due"])
        fig.add_hline(y=tg.threshold, line={"color": OKABE_ITO["orange"], "dash": "dot", "width": 2})
        _legend_line(fig, f"{t('watch_target_line', lang)} {tg.op} {tg.threshold:g}", OKABE_ITO["orange"], "dot")
    _layout(fig, metric_name(s["metric"], lang), height=330)
    fig.update_layout(legend={"orientation": "h", "y": -0.2}, margin={"b": 70})
    order = list(s["periods"]) + (list(fc["periods"]) if fc else [])
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=order, nticks=12)
    return fig


@router.get("/watch", response_class=HTMLResponse)
def radar_page(request: Request) -> HTMLResponse:
    from citynexus.services import watch as svc

    lang = lang_of(request)
    engine = request.app.state.engine
    labels = label_texts(LABEL_KEYS, lang)
    try:
        rk = svc.risk_ranking(engine, None, lang)
    except svc.WatchNotFoundError:
        return render(request, "watch.html", "watch", "nav_watch", view="empty", labels=labels)
    parties = rk["parties"]
    for p in parties:
        p["level_label"] = t(f"watch_level_{p['level']}", lang)
        p["cats"] = [
            {
                "key": c,
                "label": t(f"watch_cat_{c}", lang),
                "score": p["categories"].get(c, {}).get("score", 0.0),
                "level": p["categories"].get(c, {}).get("level", "low"),
            }
            for c in CATEGORIES
        ]
    figures = {"fig-categories": _fig(categories_figure(parties, lang))}
    alerts = _alert_rows(svc.alerts_for(engine, None, status="open"), lang)
    return render(
        request,
        "watch.html",
        "watch",
        "nav_watch",
        watch_synthetic=rk["scan"]["synthetic"],
        view="radar",
        labels=labels,
        parties=parties,
        scan=rk["scan"],
        figures=figures,
        open_alerts=alerts[:5],
        n_open=len(alerts),
    )


@router.get("/watch/party/{party}", response_class=HTMLResponse)
def party_page(request: Request, party: str) -> HTMLResponse:
    from citynexus.services import watch as svc

    lang = lang_of(request)
    engine = request.app.state.engine
    try:
        p = svc.party_risk(engine, None, party, lang)
    except svc.WatchNotFoundError:
        return _not_found(request, party)
    figures, series = {}, []
    for i, m in enumerate(p["metrics"]):
        s = svc.series_of(engine, None, party, m)
        figures[f"fig-series-{i}"] = _fig(series_figure(s, lang))
        fc = s.get("forecast") or {}
        series.append(
            {
                "id": f"fig-series-{i}",
                "metric": m,
                "name": svc.metric_name(m, lang),
                "changes": [c["period"] for c in s["changepoints"]],
                "anomalies": [a["period"] for a in s["anomalies"]],
                "target": fc.get("target"),
                "probability_breach": fc.get("probability_breach"),
                "explanation": svc.humanise(s["explanation_zh"] if lang == "zh" else s["explanation_en"], lang),
            }
        )
    p["level_label"] = t(f"watch_level_{p['level']}", lang)
    cats = [
        {
            "label": t(f"watch_cat_{c}", lang),
            "score": p["categories"].get(c, {}).get("score", 0.0),
            "level": p["categories"].get(c, {}).get("level", "low"),
            "level_label": t(f"watch_level_{p['categories'].get(c, {}).get('level', 'low')}", lang),
        }
        for c in CATEGORIES
    ]
    return render(
        request,
        "watch.html",
        "watch",
        "watch_party_page",
        watch_synthetic=p["scan"]["synthetic"],
        view="party",
        labels=label_texts(LABEL_KEYS, lang),
        p=p,
        cats=cats,
        series=series,
        alerts=_alert_rows(p["alerts"], lang),
        figures=figures,
    )


def _maps(lang: str) -> dict:
    """Labels the alert list's script needs to draw rows fetched with a key."""
    from citynexus.i18n import keys

    def group(prefix: str) -> dict[str, str]:
        return {k[len(prefix) :]: t(k, lang) for k in keys(prefix)}

    return {
        "kinds": group("watch_kind_"),
        "cats": group("watch_cat_"),
        "levels": group("watch_level_"),
        "statuses": group("watch_status_"),
        "ack": t("watch_ack", lang),
        "resolve": t("watch_resolve", lang),
        "none": t("watch_no_alert", lang),
    }


@router.get("/watch/alerts", response_class=HTMLResponse)
def alerts_page(request: Request) -> HTMLResponse:
    from citynexus.services import watch as svc

    lang = lang_of(request)
    status = request.query_params.get("status") or None
    if status not in (None, "open", "acknowledged", "resolved"):
        status = None
    alerts = _alert_rows(svc.alerts_for(request.app.state.engine, None, status=status), lang)
    return render(
        request,
        "watch.html",
        "watch",
        "watch_alerts",
        watch_synthetic=any(a["public"] for a in alerts),
        view="alerts",
        labels=label_texts(LABEL_KEYS, lang),
        maps=_maps(lang),
        alerts=alerts,
        status=status or "",
    )


@router.get("/watch/credit/{sme}", response_class=HTMLResponse)
def credit_page(request: Request, sme: str) -> HTMLResponse:
    from citynexus.services import watch as svc

    lang = lang_of(request)
    try:
        rep = svc.credit_of(request.app.state.engine, sme, lang, proofs=False)
    except svc.WatchNotFoundError:
        return _not_found(request, sme)
    inputs = [
        {
            "key": k,
            "label": t(f"watch_input_{k}", lang),
            "value": v["value"],
            "points": v["points"],
            "entries": v["entries"],
        }
        for k, v in rep["inputs"].items()
    ]
    reasons = [_reason_text(r, lang) for r in rep["reasons"]]
    return render(
        request,
        "watch.html",
        "watch",
        "watch_credit",
        watch_synthetic=True,
        view="credit",
        labels=label_texts(LABEL_KEYS, lang),
        rep=rep,
        name=svc.party_name(sme, lang),
        sme=sme,
        inputs=inputs,
        reasons=reasons,
    )


def _reason_text(r: str, lang: str) -> str:
    """A reason code in the page language: the input's code replaced by its label."""
    from citynexus.i18n import keys

    for key in sorted((k[len("watch_input_") :] for k in keys("watch_input_")), key=len, reverse=True):
        r = r.replace(key, t(f"watch_input_{key}", lang))
    return re.sub(r"\binf\b", "∞", r)
