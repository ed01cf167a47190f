"""Dashboard pages of the cooperation hub (合作平台): search, needs with their matching offers,
and organization portraits (数字画像). The hub lives in the app's database; an empty hub offers
to load the bundled synthetic demo hub (a POST that needs an API key)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse

from citynexus.i18n import t, table
from citynexus.web.pages import _fig, city_names, error_page, label_texts, lang_of, render

router = APIRouter(include_in_schema=False)

NAV_ITEMS = [{"key": "hub", "href": "/hub", "label": "nav_hub"}]

PAGE_SIZE = 20
LABEL_KEYS = (
    "hub_match",
    "hub_hide",
    "hub_offer",
    "hub_org",
    "score",
    "hub_reasons",
    "hub_shared_terms",
    "hub_similarity",
    "hub_met",
    "hub_missed",
    "hub_unverified",
    "hub_features",
    "hub_no_matches",
    "hub_synthetic_badge",
    "loading",
    "hub_loaded",
    "hub_import_ok",
    "hub_line",
    "hub_field",
    "problem",
    "fix",
    "problems_found",
    "fetched_import_counts",
)


def _page_number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and int(value) >= 1 else 1


def _not_found(request: Request, message: str) -> HTMLResponse:
    return error_page(request, "hub", message)


def _encoder(request: Request):
    return getattr(request.app.state, "hub_encoder", None)


@router.get("/hub", response_class=HTMLResponse)
def hub_page(request: Request) -> HTMLResponse:
    from citynexus.errors import CityNexusError
    from citynexus.services import hub as api

    lang = lang_of(request)
    engine = request.app.state.engine
    labels = label_texts(LABEL_KEYS, lang)
    if api.is_empty(engine):
        return render(request, "hub.html", "hub", "nav_hub", view="empty", labels=labels, hub_synthetic=False)
    hub = api.hub_of(engine)
    orgs = {o.id: o for o in hub.organizations()}
    needs = [n for n in hub.needs() if n.visibility == "public"]
    counts = {"organizations": len(orgs), "offers": hub.counts()["offers"], "needs": len(needs)}
    cities = city_names(lang)
    city = request.query_params.get("city") or ""
    if city:
        needs = [n for n in needs if orgs[n.org].city == city]
    page = _page_number(request.query_params.get("page"))
    pages = max(1, -(-len(needs) // PAGE_SIZE))
    page = min(page, pages)
    shown = needs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]

    def org_row(o) -> dict:
        return {
            "id": o.id,
            "name": o.display_name(lang),
            "city": cities.get(o.city, o.city),
            "kind": o.kind,
            "synthetic": api.is_synthetic_org(o),
        }

    need_rows = [
        {"id": n.id, "title": n.title, "kind": n.kind, "lang": n.lang, "org": org_row(orgs[n.org])} for n in shown
    ]
    q = (request.query_params.get("q") or "").strip()
    target = request.query_params.get("target", "offer")
    results, error = None, None
    if q:
        if target not in ("offer", "need"):
            target = "offer"
        try:
            found = api.search(engine, _encoder(request), None, q, target, 10)
            results = [
                {
                    "id": r["id"],
                    "title": r["item"]["title"],
                    "kind": r["item"]["kind"],
                    "lang": r["item"]["lang"],
                    "score": r["score"],
                    "terms": ((r["reasons"].get("bm25") or {}).get("shared_terms") or [])[:6],
                    "similarity": (r["reasons"].get("dense") or {}).get("similarity"),
                    "org": org_row(orgs[r["org"]["id"]]),
                }
                for r in found["results"]
            ]
        except CityNexusError as err:
            error = str(err)
    synthetic = any(api.is_synthetic_org(o) for o in orgs.values())
    return render(
        request,
        "hub.html",
        "hub",
        "nav_hub",
        view="list",
        labels=labels,
        hub_synthetic=synthetic,
        counts=counts,
        needs=need_rows,
        page=page,
        pages=pages,
        city=city,
        cities=sorted(cities.items()),  # by code
        q=q,
        target=target,
        results=results,
        search_error=error,
    )


@router.get("/hub/org/{org_id}", response_class=HTMLResponse)
def portrait_page(request: Request, org_id: str) -> HTMLResponse:
    from citynexus.hub import NotFoundError
    from citynexus.report import figures as figs
    from citynexus.services import hub as api

    lang = lang_of(request)
    engine = request.app.state.engine
    try:
        p = api.portrait_of(engine, _encoder(request), None, org_id)
    except NotFoundError as err:
        return _not_found(request, str(err))
    org = api.matcher_of(engine, _encoder(request)).orgs[org_id]
    cities = city_names(lang)
    pr = p["profile"]
    figures = {}
    if p["keywords"]:
        import pandas as pd

        kw = pd.Series({k["term"]: k["weight"] for k in p["keywords"][::-1]})
        fig = figs.bars_figure(kw, t("hub_keywords", lang))
        fig.update_traces(orientation="h", x=kw.to_numpy(), y=list(kw.index))
        fig.update_layout(height=360)
        figures["fig-keywords"] = _fig(fig)
    partners = [
        {
            "org": tp["org"],
            "name": (tp.get("name_zh") or tp["name"]) if lang == "zh" else tp["name"],
            "city": cities.get(tp["city"], tp["city"]),
            "score": tp["score"],
            "pairs": tp["pairs"],
        }
        for tp in p["top_partners"]
    ]
    return render(
        request,
        "hub.html",
        "hub",
        "nav_hub",
        view="portrait",
        labels=label_texts(LABEL_KEYS, lang),
        hub_synthetic=api.is_synthetic_org(org),
        p=p,
        org_name=org.display_name(lang),
        other_name=(org.name if lang == "zh" else org.name_zh) or "",
        city=cities.get(pr["city"], pr["city"]),
        description=(pr.get("description_zh") or pr.get("description"))
        if lang == "zh"
        else (pr.get("description") or pr.get("description_zh")),
        industries=[i["zh" if lang == "zh" else "en"] for i in p["industries"]],
        partner_cities=[cities.get(c, c) for c in p["network"]["partner_cities"]],
        partners=partners,
        figures=figures,
    )


# ---------------------------------------------------------------------------- fetched after load
def _reason_words(lang: str) -> dict[str, str]:
    """Item and organisation kinds and industry codes -> their labels in ``lang``."""
    from citynexus.hub.industries import INDUSTRIES
    from citynexus.hub.industries import label as industry_label

    words = {k[len("hub_kind_") :]: v for k in table() if k.startswith("hub_kind_") for v in [t(k, lang)]}
    words.update({code: industry_label(code, lang) for code in INDUSTRIES})
    return words


def localised_matches(body: dict, lang: str) -> dict:
    """The matches of a need as the hub page shows them in ``lang`` (``en``, ``zh`` or
    ``zh-Hant``): every reason sentence written in that language (:func:`citynexus.i18n.fetched.localise`),
    each feature with a ``label``, and for ``zh-Hant`` every string converted to Traditional."""
    import json

    from citynexus.i18n import base_lang, to_hant
    from citynexus.i18n.fetched import localise

    base = base_lang(lang)
    cities, words = city_names(base), _reason_words(base)

    def say(text: str) -> str:
        return localise(text, base, t, cities, words)

    for m in body.get("matches", []):
        reasons = m.get("reasons") or {}
        con = reasons.get("constraints") or {}
        for k in ("met", "missed", "unverified"):
            con[k] = [say(x) for x in con.get(k) or []]
        for name, f in (reasons.get("features") or {}).items():
            f["label"] = t(f"fetched_feature_{name}", base) if f"fetched_feature_{name}" in table() else name
            f["detail"] = say(str(f.get("detail", "")))
        reasons.pop("summary", None)  # English prose for the API's readers; the page builds its own
    if lang == "zh-Hant":
        body = json.loads(to_hant(json.dumps(body, ensure_ascii=False)))
    return body


@router.get("/hub/needs/{need_id}/matches.json")
def need_matches_for_page(
    request: Request, need_id: str = PathParam(..., max_length=64), top: int = Query(5, ge=1, le=50)
) -> JSONResponse:
    """The matches the hub page fetches when "matches" is clicked, in the page's language
    (``?lang``, the ``lang`` cookie, Accept-Language — as the page itself)."""
    from citynexus.hub import NotFoundError
    from citynexus.services import hub as api
    from citynexus.web.pages import display_lang

    try:
        body = api.need_matches(request.app.state.engine, _encoder(request), None, need_id, top)
    except NotFoundError as err:
        return JSONResponse({"message": str(err)}, status_code=404)
    return JSONResponse(localised_matches(body, display_lang(request)), headers={"Vary": "Accept-Language, Cookie"})
