"""Dashboard pages of the SME technology service network (中小企业技术服务网络): the centre network map,
the request inbox with routing reasons and referrals (each of the two with a card that imports a
file of centres or of requests), the performance table, the funding
simulator (sliders for the formula's weights, recomputed live through ``POST /api/v1/centres/fund``)
and talent matching. They show the stored network, or the SYNTHETIC demo (labelled) when no centre
is stored. Every visible string comes from the i18n catalog ``i18n/catalog/centres.toml``."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from citynexus.i18n import t
from citynexus.web.pages import _fig, city_names, error_page, label_texts, lang_of, render

router = APIRouter(include_in_schema=False)

NAV_ITEMS = [{"key": "centres", "href": "/centres", "label": "nav_centres"}]

TABS = [
    ("map", "/centres", "centres_tab_map"),
    ("inbox", "/centres/inbox", "centres_tab_inbox"),
    ("performance", "/centres/performance", "centres_tab_performance"),
    ("funding", "/centres/funding", "centres_tab_funding"),
    ("talent", "/centres/talent", "centres_tab_talent"),
]
DEFAULT_BUDGET = "1000000"
#: Okabe & Ito (2008), a palette safe for the common colour-vision deficiencies
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442", "#000000"]


def _encoder(request: Request):
    return getattr(request.app.state, "hub_encoder", None)


def _page(request: Request, view: str, answer: dict[str, Any], *fields: str, **ctx: Any) -> HTMLResponse:
    """The centres page on tab ``view``: ``answer`` is the service's answer for the view (its
    ``synthetic`` flag labels the demo; each of ``fields`` is passed on under its own name),
    ``ctx`` the view's other template values."""
    title = dict((k, lbl) for k, _, lbl in TABS)[view]
    ctx |= {f: answer[f] for f in fields}
    return render(request, "centres.html", "centres", title, view=view, tabs=TABS, demo=answer["synthetic"], **ctx)


#: The words of the import card's script (``CNX.uploadForm``, ``CNX.importProblemsTable``).
IMPORT_LABELS = (
    "loading",
    "problems_found",
    "hub_line",
    "hub_field",
    "problem",
    "fix",
    "centres_import_stored_centres",
    "centres_import_stored_requests",
    "centres_import_no_file",
    "centres_import_no_key",
    "centres_import_err_401",
    "centres_import_err_403",
    "centres_import_err_413",
)


def import_card(kind: str, lang: str) -> dict[str, Any]:
    """The import card of a tab: ``kind`` ``centres`` (the map) or ``requests`` (the inbox), posted
    to ``POST /api/v1/centres/import?kind=...`` with the types and size limit the service accepts."""
    from citynexus.services import centres as svc

    labels = label_texts(IMPORT_LABELS, lang)
    labels["centres_import_err_413"] = labels["centres_import_err_413"].format(limit=svc.MAX_UPLOAD // 2**20)
    return {
        "name": f"{kind}-import",
        "title": f"centres_import_{kind}",
        "help": f"centres_import_{kind}_help",
        "accept": ",".join(svc.UPLOAD_TYPES),
        "url": f"/api/v1/centres/import?kind={kind}",
        "labels": labels,
    }


def _error(request: Request, err: Exception) -> HTMLResponse:
    return error_page(request, "centres", str(err), 400)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _field(f: str, lang: str) -> str:
    key = f"centres_field_{f}"
    text = t(key, lang)
    return f.replace("_", " ") if text == key else text


def _names(centres, lang: str) -> dict[str, str]:
    return {c.id: c.display_name(lang) for c in centres}


# ---------------------------------------------------------------------------- map
def map_figure(m: dict[str, Any], lang: str):
    """Centres at their cities (several in one city spread on a small circle), sized by SMEs
    served; referral links as lines (width and darkness by the number of referrals)."""
    import plotly.graph_objects as go

    zh = lang == "zh"
    pos: dict[str, tuple[float, float]] = {}
    where: dict[str, str] = {}
    away: dict[str, float] = {}
    by_city: dict[str, list[dict]] = {}
    for n in m["nodes"]:
        if n["lat"] is not None:
            by_city.setdefault(n["city"], []).append(n)
    coords = {c["code"]: (c["lon"], c["lat"]) for c in m["cities"] if c["lat"] == c["lat"]}
    for code, group in by_city.items():
        # centres fan out on the side away from the nearest other city, labels pointing outwards
        x0, y0 = group[0]["lon"], group[0]["lat"]
        others = [(math.hypot(x - x0, y - y0), x, y) for k, (x, y) in coords.items() if k != code]
        _, xn, yn = min(others) if others else (0, x0, y0 - 1)
        away[code] = math.atan2(y0 - yn, x0 - xn)
        k = len(group)
        for i, n in enumerate(group):
            a = away[code] + math.radians(55) * (i - (k - 1) / 2)
            r = 0.075 if k == 1 else 0.11
            dx, dy = r * math.cos(a), r * math.sin(a)
            pos[n["id"]] = (x0 + dx / math.cos(math.radians(y0)), y0 + dy)
            if dy > 0.4 * r:
                where[n["id"]] = "top center"
            elif dy < -0.4 * r:
                where[n["id"]] = "bottom center"
            else:
                where[n["id"]] = "middle right" if dx > 0 else "middle left"
    fig = go.Figure()
    cities = [c for c in m["cities"] if c["lat"] == c["lat"]]
    fig.add_trace(
        go.Scatter(
            x=[c["lon"] for c in cities],
            y=[c["lat"] for c in cities],
            mode="markers+text",
            text=[c["name_zh"] if zh else c["name"] for c in cities],
            textposition=[
                "top center" if c["code"] in away and math.sin(away[c["code"]]) < -0.4 else "bottom center"
                for c in cities
            ],
            textfont={"color": "#5b6b7b", "size": 12},
            marker={"size": 8, "color": "#9aa8b6", "symbol": "square"},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    nmax = max([x["n"] for x in m["links"]] or [1])
    names = {n["id"]: (n["name_zh"] if zh else n["name"]) for n in m["nodes"]}
    for link in m["links"]:
        if link["from"] in pos and link["to"] in pos:
            (x0, y0), (x1, y1) = pos[link["from"]], pos[link["to"]]
            alpha = 0.35 + 0.6 * link["n"] / nmax
            fig.add_trace(
                go.Scatter(
                    x=[x0, x1],
                    y=[y0, y1],
                    mode="lines",
                    line={"width": 1 + 2.5 * link["n"] / nmax, "color": f"rgba(0,114,178,{alpha:.2f})"},
                    hoverinfo="text",
                    text=f"{names[link['from']]} → {names[link['to']]}: {link['n']}",
                    showlegend=False,
                )
            )
    smax = max([n["smes"] for n in m["nodes"]] or [1]) or 1
    shown = [n for n in m["nodes"] if n["id"] in pos]
    fig.add_trace(
        go.Scatter(
            x=[pos[n["id"]][0] for n in shown],
            y=[pos[n["id"]][1] for n in shown],
            mode="markers+text",
            text=[_field(n["fields"][0], lang) if n["fields"] else "" for n in shown],
            textposition=[where[n["id"]] for n in shown],
            textfont={"size": 10, "color": "#1b2733"},
            marker={
                "size": [10 + 26 * math.sqrt(n["smes"] / smax) for n in shown],
                "color": OKABE_ITO[0],
                "line": {"width": 1, "color": "#7a4f00"},
                "opacity": 0.9,
            },
            hovertext=[
                f"{n['name_zh'] if zh else n['name']}<br>{t('centres_smes_served', lang)}: {n['smes']}" for n in shown
            ],
            hoverinfo="text",
            showlegend=False,
        )
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(22.6)))
    fig.update_layout(
        title={"text": t("centres_map_title", lang) + (f" ({m['year']})" if m["years"] else ""), "font": {"size": 15}},
        height=620,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        plot_bgcolor="white",
        paper_bgcolor="white",
        font={"family": 'Inter, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif'},
    )
    return fig


@router.get("/centres", response_class=HTMLResponse)
def centres_map(request: Request) -> HTMLResponse:
    from citynexus.errors import CityNexusError
    from citynexus.services import centres as svc

    lang = lang_of(request)
    year = request.query_params.get("year")
    try:
        m = svc.network_map(request.app.state.engine, int(year) if year and year.isdigit() else None)
    except CityNexusError as err:
        return _error(request, err)
    zh = lang == "zh"
    names = {n["id"]: (n["name_zh"] if zh else n["name"]) for n in m["nodes"]}
    rows = sorted(
        (
            {
                "id": n["id"],
                "name": names[n["id"]],
                "city": n["city_name_zh"] if zh else n["city_name"],
                "fields": ", ".join(_field(f, lang) for f in n["fields"]),
                "smes": n["smes"],
                "given": sum(x["n"] for x in m["links"] if x["from"] == n["id"]),
                "taken": sum(x["n"] for x in m["links"] if x["to"] == n["id"]),
            }
            for n in m["nodes"]
        ),
        key=lambda r: (-r["smes"], r["name"]),
    )
    links = sorted(
        ({"a": names.get(x["from"], x["from"]), "b": names.get(x["to"], x["to"]), "n": x["n"]} for x in m["links"]),
        key=lambda r: (-r["n"], r["a"]),
    )
    return _page(
        request,
        "map",
        m,
        "year",
        "years",
        figures={"fig-centres-map": _fig(map_figure(m, lang))},
        rows=rows,
        links=links,
        upload=import_card("centres", lang),
    )


# ---------------------------------------------------------------------------- inbox
def _why(reasons: dict[str, Any], lang: str) -> str:
    """The matcher's reasons in the page's language (shared terms are the text's own words)."""
    parts = []
    terms = ((reasons.get("bm25") or {}).get("shared_terms") or [])[:6]
    if terms:
        parts.append(f"{t('hub_shared_terms', lang)}: {', '.join(terms)}")
    sim = (reasons.get("dense") or {}).get("similarity")
    if sim is not None:
        parts.append(f"{t('hub_similarity', lang)} {sim:.2f}")
    return "; ".join(parts)


def routing_view(routing: dict[str, Any], names: dict[str, str], lang: str) -> dict[str, Any]:
    roles = {"lead": t("centres_team_lead", lang), "member": t("centres_team_member", lang)}
    top = routing["ranking"][0] if routing["ranking"] else None
    ref = routing.get("referral")
    return {
        "centres": [{"id": c, "name": names.get(c, c)} for c in routing["centres"]],
        "why": _why(top["reasons"], lang) if top else "",
        "referral": {"id": ref["centre"], "name": names.get(ref["centre"], ref["centre"]), "clause": ref["clause"]}
        if ref
        else None,
        "team": [
            {"name": names.get(m["centre"], m["centre"]), "role": roles.get(m["role"], m["role"])}
            for m in routing["team"]
        ]
        if routing.get("team")
        else [],
    }


@router.get("/centres/inbox", response_class=HTMLResponse)
def centres_inbox(request: Request) -> HTMLResponse:
    from citynexus.errors import CityNexusError
    from citynexus.services import centres as svc

    lang = lang_of(request)
    engine = request.app.state.engine
    q = request.query_params
    page = int(q["page"]) if (q.get("page") or "").isdigit() and int(q["page"]) >= 1 else 1
    try:
        box = svc.inbox(engine, page, encoder=_encoder(request))
    except CityNexusError as err:
        return _error(request, err)
    net = svc.network(engine)
    names = _names(net.centres, lang)
    cities = city_names(lang)
    items = [
        {
            "id": it["request"]["id"],
            "sme": it["request"]["sme"],
            "city": cities.get(it["request"]["city"], it["request"]["city"]),
            "text": it["request"]["text"],
            "routing": routing_view(it["routing"], names, lang),
        }
        for it in box["items"]
    ]
    text = (q.get("text") or "").strip()[:5000]
    city = q.get("city") or "GZ"
    new, new_error = None, None
    if text:
        try:
            new = routing_view(svc.route_text(engine, text, city=city, encoder=_encoder(request)), names, lang)
        except CityNexusError as err:
            new_error = str(err)
    return _page(
        request,
        "inbox",
        box,
        "page",
        "pages",
        "total",
        items=items,
        text=text,
        city=city,
        cities=sorted(cities.items()),  # by code
        new=new,
        new_error=new_error,
        submit_labels=label_texts(("centres_submitted", "hub_field", "problem", "fix"), lang),
        upload=import_card("requests", lang),
    )


# ---------------------------------------------------------------------------- performance
@router.get("/centres/performance", response_class=HTMLResponse)
def centres_performance(request: Request) -> HTMLResponse:
    from citynexus.errors import CityNexusError
    from citynexus.services import centres as svc

    lang = lang_of(request)
    engine = request.app.state.engine
    year = request.query_params.get("year")
    try:
        rep = svc.performance(engine, int(year) if year and year.isdigit() else None)
    except CityNexusError as err:
        return _error(request, err)
    net = svc.network(engine)
    names = _names(net.centres, lang)
    ind = {r["centre"]: r for r in rep["indicators"] if r["year"] == rep["year"]}
    rows = []
    for r in rep["index"]:
        i = ind.get(r["centre"], {})
        rows.append(
            {
                "id": r["centre"],
                "name": names.get(r["centre"], r["centre"]),
                "rank": r["rank"],
                "score": r["score"],
                "q05": r["rank_q05"],
                "q95": r["rank_q95"],
                **{k: i.get(k) for k in ind.get(r["centre"], {}) if k not in ("centre", "year")},
            }
        )
    figures = {}
    unc = [r for r in rep["index"] if r["rank_q05"] is not None and r["rank_median"] is not None]
    if unc:
        import pandas as pd

        from citynexus.report.figures import rank_uncertainty_figure

        df = pd.DataFrame(
            {
                "unit": [r["centre"] for r in unc],
                "nominal_rank": [r["rank"] for r in unc],
                "median_rank": [r["rank_median"] for r in unc],
                "q05": [r["rank_q05"] for r in unc],
                "q95": [r["rank_q95"] for r in unc],
            }
        )
        figures["fig-centres-ranks"] = _fig(rank_uncertainty_figure(df, names, lang))
    cen = sorted(rep["network"]["centrality"], key=lambda r: -(r.get("betweenness") or 0))[:3]
    central = [{"name": names.get(r["centre"], r["centre"]), "b": r.get("betweenness") or 0} for r in cen]
    return _page(
        request,
        "performance",
        rep,
        "year",
        "years",
        rows=rows,
        central=central,
        gaps=len(rep["network"]["gaps"]),
        figures=figures,
    )


# ---------------------------------------------------------------------------- funding
@router.get("/centres/funding", response_class=HTMLResponse)
def centres_funding(request: Request) -> HTMLResponse:
    from citynexus.centres.funding import Formula
    from citynexus.errors import CityNexusError
    from citynexus.services import centres as svc

    lang = lang_of(request)
    engine = request.app.state.engine
    try:
        out = svc.fund(engine, DEFAULT_BUDGET)
    except CityNexusError as err:
        return _error(request, err)
    f = Formula.default()
    sliders = [
        {"id": "base_share", "label": _cap(t("centres_base_share", lang)), "value": round(f.base_share * 100)},
        {"id": "quantity", "label": _cap(t("centres_quantity", lang)), "value": round(f.quantity * 100)},
        {
            "id": "distinct_smes",
            "label": _cap(t("centres_smes_vs_services", lang)),
            "value": round(f.distinct_smes * 100),
        },
        {"id": "ratings", "label": _cap(t("centres_ratings_vs_outcomes", lang)), "value": round(f.ratings * 100)},
    ]
    net = svc.network(engine)
    centre_names = {c.id: c.display_name(lang) for c in net.centres}
    label_keys = [
        "centres_part_base",
        "centres_part_distinct_smes",
        "centres_part_confirmed_services",
        "centres_part_ratings",
        "centres_part_outcomes",
        "centres_bound_cap",
        "centres_bound_floor",
        "centres_not_counted",
        "centres_rule_unconfirmed",
        "centres_rule_self_confirmed",
        "centres_rule_affiliate",
        "centres_rule_unverified",
        "centres_fund_error",
    ]
    return _page(
        request,
        "funding",
        out,
        initial=out,
        sliders=sliders,
        budget=DEFAULT_BUDGET,
        centre_names=centre_names,
        labels=label_texts(label_keys, lang),
    )


# ---------------------------------------------------------------------------- talent
def _talent_name(name: str, synthetic: bool, lang: str) -> str:
    """A synthetic demo talent's name in the page's language (real names are shown as they are)."""
    import re

    m = re.fullmatch(r"Demo talent (\d+) \(synthetic\)", name)
    if synthetic and lang == "zh" and m:
        return f"{t('centres_demo_talent', lang)} {m.group(1)}（合成）"
    return name


def _talent_reasons(reasons: dict[str, Any], tal, pos, lang: str) -> list[str]:
    out = []
    why = _why(reasons, lang)
    if why:
        out.append(why)
    if tal is not None:
        langs = ", ".join(t(f"centres_lang_{x}", lang) for x in tal.languages)
        out.append(f"{t('centres_languages', lang)}: {langs}")
        out.append(f"{t('centres_permit', lang)}: {t(f'centres_permit_{tal.permit}', lang)}")
        out.append(f"{t('centres_level', lang)}: {t(f'centres_level_{tal.level}', lang)}")
    if pos is not None:
        out.append(f"{t('centres_city_ok', lang)}: {city_names(lang).get(pos.city, pos.city)}")
    return out


@router.get("/centres/talent", response_class=HTMLResponse)
def centres_talent(request: Request) -> HTMLResponse:
    from citynexus.errors import CityNexusError
    from citynexus.services import centres as svc

    lang = lang_of(request)
    engine = request.app.state.engine
    q = request.query_params
    pool = svc.talent_pool(engine)
    talents = {x.id: x for x in pool["talents"]}
    positions = {x.id: x for x in pool["positions"]}
    position = q.get("position") or None
    talent = None if position else (q.get("talent") or None)
    if not position and not talent and positions:
        position = next(iter(positions))
    cities = city_names(lang)
    syn = pool["synthetic"]

    def tname(x) -> str:
        return _talent_name(x.name, syn, lang)

    def langs(xs) -> str:
        return ", ".join(t(f"centres_lang_{v}", lang) for v in xs)

    chosen = None
    if position and position in positions:
        p = positions[position]
        rows = [
            (t("centres_org", lang), p.org),
            (t("city", lang), cities.get(p.city, p.city)),
            (t("centres_field", lang), _field(p.field, lang)),
            (t("centres_description", lang), p.text),
        ]
        if p.languages:
            rows.append((t("centres_languages", lang), langs(p.languages)))
        if p.min_level:
            rows.append((t("centres_level", lang), t(f"centres_level_{p.min_level}", lang)))
        if p.sponsorship:
            rows.append((t("centres_permit", lang), t("centres_sponsorship", lang)))
        chosen = {"title": p.title, "rows": rows}
    elif talent and talent in talents:
        x = talents[talent]
        chosen = {
            "title": tname(x),
            "rows": [
                (t("centres_field", lang), _field(x.field, lang)),
                (t("centres_skills", lang), ", ".join(x.skills)),
                (t("centres_languages", lang), langs(x.languages)),
                (t("centres_cities", lang), ", ".join(cities.get(c, c) for c in x.cities)),
                (t("centres_level", lang), t(f"centres_level_{x.level}", lang)),
                (t("centres_permit", lang), t(f"centres_permit_{x.permit}", lang)),
                (t("centres_summary", lang), x.summary),
            ],
        }
    results, error = [], None
    try:
        if position or talent:
            res = svc.talent_match(engine, position, talent, 5, encoder=_encoder(request))
            for m in res["matches"]:
                tal = talents.get(m.get("talent") or talent)
                pos = positions.get(m.get("position") or position)
                other = tal if position else pos
                results.append(
                    {
                        "id": other.id,
                        "name": tname(other) if position else other.title,
                        "detail": ", ".join(tal.skills) if position else cities.get(pos.city, pos.city),
                        "score": m["score"],
                        "reasons": _talent_reasons(m["reasons"], tal, pos, lang),
                    }
                )
    except CityNexusError as err:
        error = str(err)
    return _page(
        request,
        "talent",
        pool,
        positions=[
            {"id": p.id, "title": p.title, "org": p.org, "city": cities.get(p.city, p.city)} for p in positions.values()
        ],
        talents=[{"id": x.id, "name": tname(x), "field": _field(x.field, lang)} for x in talents.values()],
        chosen=chosen,
        position=position,
        talent=talent,
        results=results,
        error=error,
    )
