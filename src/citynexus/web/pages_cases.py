"""Dashboard pages of the case library (案例库): the library with SDG, country/region, theme and
text filters; a case page (SDG wheel, goals and targets, evidence, source and licence, cases like
this, hub organizations offering relevant services); the screening board (criteria x cases, juror
agreement, shortlist with rank intervals) and a "tag a text" box. The shipped seed cases are shown
with no setup (a read: nothing is written); the demo screening's juror scores are synthetic and
labelled so. Every page goes through :mod:`citynexus.services.cases`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from citynexus.i18n import t, table
from citynexus.web.errtext import error_pair
from citynexus.web.pages import _fig, error_page, lang_of, render

router = APIRouter(include_in_schema=False)

NAV_ITEMS = [{"key": "cases", "href": "/cases", "label": "nav_cases"}]
PAGE_SIZE = 30

#: The official SDG colours (UN SDG communication guidelines), for the goal chips; every chip also
#: carries its goal number, so colour is never the only cue.
SDG_COLOURS = {
    1: "#E5243B", 2: "#DDA63A", 3: "#4C9F38", 4: "#C5192D", 5: "#FF3A21", 6: "#26BDE2", 7: "#FCC30B",
    8: "#A21942", 9: "#FD6925", 10: "#DD1367", 11: "#FD9D24", 12: "#BF8B2E", 13: "#3F7E44", 14: "#0A97D9",
    15: "#56C02B", 16: "#00689D", 17: "#19486A",
}  # fmt: skip
DARK_TEXT = {7}  # yellow chip: dark number for contrast


def theme_label(theme: str, lang: str) -> str:
    """A theme in the page's language (seed themes are translated; user themes shown as written)."""
    key = f"cases_theme_{theme}"
    return t(key, lang) if key in table() else theme


def _goals(lang: str) -> list[dict]:
    from citynexus.cases import sdg

    return [
        {"n": g.number, "title": g.title(lang), "colour": SDG_COLOURS[g.number],
         "ink": "#1b2733" if g.number in DARK_TEXT else "white"}
        for g in sdg.goals()
    ]  # fmt: skip


def _row(c, lang: str) -> dict:
    city, country = c.place(lang)
    return {
        "id": c.id,
        "title": c.title(lang),
        "description": c.description(lang),
        "city": city,
        "country": country,
        "year": c.year,
        "goals": c.sdg_goals,
        "themes": [theme_label(x, lang) for x in c.themes],
        "seed": c.seed,
    }


def _not_found(request: Request, message: str) -> HTMLResponse:
    return error_page(request, "cases", message)


def _int(v: str | None, lo: int, hi: int) -> int | None:
    return int(v) if v and v.isdigit() and lo <= int(v) <= hi else None


@router.get("/cases", response_class=HTMLResponse)
def library_page(request: Request) -> HTMLResponse:
    from citynexus.services import cases as svc

    lang = lang_of(request)
    engine = request.app.state.engine
    qp = request.query_params
    goal = _int(qp.get("goal"), 1, 17)
    country = (qp.get("country") or "").strip()[:200]
    theme = (qp.get("theme") or "").strip()[:200]
    q = (qp.get("q") or "").strip()[:500]
    cases = svc.find_cases(engine, goal=goal, country=country or None, theme=theme or None, q=q or None)
    f = svc.facets(engine)
    countries = [
        {"value": e["country"], "label": e["country"] if lang == "en" else e["country_zh"], "n": e["n"]}
        for e in f["countries"]
    ]
    themes = sorted(
        ({"value": k, "label": theme_label(k, lang), "n": n} for k, n in f["themes"].items()), key=lambda d: d["label"]
    )
    goals = _goals(lang)
    for g in goals:
        g["count"] = f["goals"][g["n"]]
    pages = max(1, -(-len(cases) // PAGE_SIZE))
    page = min(_int(qp.get("page"), 1, 10**6) or 1, pages)
    shown = cases[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    from urllib.parse import urlencode

    keep = {k: v for k, v in (("lang", lang), ("goal", goal), ("country", country), ("theme", theme), ("q", q)) if v}
    return render(
        request,
        "cases.html",
        "cases",
        "nav_cases",
        view="library",
        goals=goals,
        goal=goal,
        country=country,
        theme=theme,
        q=q,
        countries=countries,
        themes=themes,
        total=f["total"],
        n_found=len(cases),
        rows=[_row(c, lang) for c in shown],
        any_seed=any(c.seed for c in shown),
        page=page,
        pages=pages,
        prev_query=urlencode(keep | {"page": page - 1}),
        next_query=urlencode(keep | {"page": page + 1}),
    )


@router.get("/cases/case/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str) -> HTMLResponse:
    from citynexus.cases import sdg
    from citynexus.cases.errors import CaseNotFoundError
    from citynexus.errors import CityNexusError
    from citynexus.report.cases_figures import sdg_wheel_figure
    from citynexus.services import cases as svc

    lang = lang_of(request)
    engine = request.app.state.engine
    try:
        c = svc.get_case(engine, case_id)
    except CaseNotFoundError as err:
        return _not_found(request, str(err) if lang == "en" else f"没有编号为 {case_id!r} 的案例。")
    scores = svc.case_goal_scores(c)
    titles = {g.number: g.title(lang) for g in sdg.goals()}
    wheel = sdg_wheel_figure(scores, c.sdg_goals, titles, lang)
    idx = sdg.target_index()
    goal_rows = [
        {"n": g, "title": titles[g], "colour": SDG_COLOURS[g], "ink": "#1b2733" if g in DARK_TEXT else "white",
         "score": scores.get(g, 0.0),
         "targets": [{"id": x, "text": idx[x].text(lang)} for x in c.sdg_targets if idx[x].goal == g]}
        for g in c.sdg_goals
    ]  # fmt: skip
    similar = svc.similar_json(engine, c.id, top=5, lang=lang)["results"]
    hub_error = None
    try:
        hub = svc.hub_organizations(engine, c.id, top=5, encoder=getattr(request.app.state, "hub_encoder", None))
        for o in hub["organizations"]:
            o["display"] = (
                (o.get("name_zh") or o.get("name") or o["org"]) if lang != "en" else (o.get("name") or o["org"])
            )
    except CityNexusError as err:  # the hub is an extra: the case page still renders
        hub, hub_error = {"empty": True, "organizations": []}, error_pair(err, lang, "fetched_failed")
    row = _row(c, lang)
    return render(
        request,
        "cases.html",
        "cases",
        "nav_cases",
        view="case",
        c=c,
        row=row,
        goal_rows=goal_rows,
        evidence=[e.__dict__ | {"change": e.change} for e in c.evidence],
        similar=similar,
        hub=hub,
        hub_error=hub_error,
        figures={"fig-wheel": _fig(wheel)},
    )


def _board_settings(values) -> tuple[str, float | None, str, int]:
    method = values.get("method") if values.get("method") in ("arithmetic", "topsis") else "arithmetic"
    tol_raw = values.get("tolerance", "0.5")
    tolerance = None if tol_raw == "any" else {"0.25": 0.25, "0.5": 0.5, "1": 1.0}.get(tol_raw, 0.5)
    tol_value = "any" if tolerance is None else {0.25: "0.25", 0.5: "0.5", 1.0: "1"}[tolerance]
    shortlist = _int(values.get("shortlist"), 1, 10) or 3
    return method, tolerance, tol_value, shortlist


@router.get("/cases/screening", response_class=HTMLResponse)
def screening_page(request: Request) -> HTMLResponse:
    from citynexus.services import cases as svc

    method, tolerance, tol_value, shortlist = _board_settings(request.query_params)
    b = svc.screening_board(request.app.state.engine, None, None, method=method, shortlist=shortlist,
                            tolerance=tolerance)  # fmt: skip
    return _board(request, b, method, tolerance, tol_value, shortlist)


MAX_SCORES_UPLOAD = 5 * 1024 * 1024


@router.post("/cases/screening", response_class=HTMLResponse)
async def screening_upload(request: Request) -> HTMLResponse:
    """Screen an uploaded score file with an editor's API key (the key is checked like the API's,
    failures counted against key guessing); on a problem the demo board is shown with the reason."""
    from starlette.concurrency import run_in_threadpool

    from citynexus.errors import CityNexusError
    from citynexus.services import cases as svc
    from citynexus.services.auth import AuthError, PermissionDenied
    from citynexus.services.keys import verify_key

    lang = lang_of(request)
    form = await request.form()
    method, tolerance, tol_value, shortlist = _board_settings(form)
    key = str(form.get("key") or "").strip() or None
    upload = form.get("file")
    engine = request.app.state.engine
    error = None
    try:
        if upload is None or not getattr(upload, "filename", ""):
            raise CityNexusError(t("cases_upload_no_file", lang))
        content = await upload.read(MAX_SCORES_UPLOAD + 1)
        if len(content) > MAX_SCORES_UPLOAD:
            raise CityNexusError(t("cases_upload_too_large", lang))
        limiter = request.app.state.auth_limiter
        address = request.client.host if request.client else None
        limiter.check(address, key)
        try:
            who = verify_key(engine, key)
        except AuthError:
            if key is not None:
                limiter.failed(address, key)
            raise
        b = await run_in_threadpool(
            svc.screen_upload, engine, who, upload.filename, content, method, shortlist, tolerance, address
        )
        return _board(request, b, method, tolerance, tol_value, shortlist, uploaded=upload.filename)
    except AuthError:
        error, status = (t("cases_upload_key", lang), ""), 401
    except PermissionDenied:
        error, status = (t("cases_upload_editor", lang), ""), 403
    except CityNexusError as err:  # (label, exact English): the message quotes the file
        error, status = error_pair(err, lang, "cases_upload_problem"), 400
    b = svc.screening_board(engine, None, None, method=method, shortlist=shortlist, tolerance=tolerance)
    resp = _board(request, b, method, tolerance, tol_value, shortlist, upload_error=error)
    resp.status_code = status
    return resp


def _board(
    request: Request, b: dict, method: str, tolerance: float | None, tol_value: str, shortlist: int, **extra
) -> HTMLResponse:
    from citynexus.report.cases_figures import criteria_heatmap_figure, rank_interval_figure

    lang = lang_of(request)
    crit = b["criteria"]
    rows = []
    for r in b["cases"]:
        ti = b["titles"].get(r["case"], {})
        name = ti.get(lang, r["case"])
        city = ti.get(f"city_{lang}", "")
        rows.append(r | {"title": name, "city": city, "goals": ti.get("sdg_goals", [])})
    labels = [f"{r['title']} ({r['city']})" if r["city"] else r["title"] for r in rows]
    width = 38 if lang == "en" else 20  # Chinese characters are about twice as wide
    short = [lbl if len(lbl) <= width else lbl[: width - 2] + "…" for lbl in labels]
    crit_labels = [t(f"cases_crit_{c}", lang) for c in crit]
    heat = criteria_heatmap_figure(short, crit_labels, [[r[c] for c in crit] for r in rows], 10.0, lang)
    ranks = rank_interval_figure(
        short, [r["rank"] for r in rows], [r["best_rank"] for r in rows], [r["worst_rank"] for r in rows],
        [r["shortlisted"] for r in rows], [r["robust"] for r in rows], lang,
    )  # fmt: skip
    how = b["rank_interval"]["method"]
    if lang != "en":
        from citynexus.report.cases import _zh_interval

        how = _zh_interval(how)
    if tolerance is None:
        note = t("cases_interval_note_any", lang).format(how=how)
    else:
        note = t("cases_interval_note", lang).format(tol=f"±{tolerance:.0%}", how=how)
    agreement = [("cases_overall", b["agreement"])]
    agreement += [(f"cases_crit_{c}", b["agreement_by_criterion"][c]) for c in crit]
    jurors = b["jurors"]
    juror_rows = [{"title": r["title"], "ranks": [b["juror_ranks"][j][r["case"]] for j in jurors]} for r in rows]
    return render(
        request,
        "cases.html",
        "cases",
        "nav_cases",
        view="screening",
        board_synthetic=b["synthetic"],
        board=b,
        rows=rows,
        criteria=crit,
        method=method,
        tol_value=tol_value,
        shortlist=shortlist,
        interval_note=note,
        agreement=agreement,
        jurors=jurors,
        juror_rows=juror_rows,
        figures={"fig-heat": _fig(heat), "fig-ranks": _fig(ranks)},
        uploaded=extra.get("uploaded"),
        upload_error=extra.get("upload_error"),
    )


@router.get("/cases/tag", response_class=HTMLResponse)
def tag_page(request: Request) -> HTMLResponse:
    from citynexus.errors import CityNexusError
    from citynexus.report.cases_figures import tag_bars_figure
    from citynexus.services import cases as svc

    lang = lang_of(request)
    qp = request.query_params
    text = (qp.get("text") or "").strip()[:5000]
    method = qp.get("method") if qp.get("method") in ("hybrid", "encoder", "keywords") else "hybrid"
    result, error, similar, figures = None, None, [], {}
    if text:
        try:
            result = svc.tag_json(text, method=method, top=5, lang=lang)
            figures = {"fig-tag": _fig(tag_bars_figure(result["goals"], lang))}
            similar = svc.similar_text(request.app.state.engine, text, top=3, lang=lang)["results"]
        except CityNexusError as err:
            error = error_pair(err, lang)
    goals = {g["n"]: g for g in _goals(lang)}
    return render(
        request,
        "cases.html",
        "cases",
        "nav_cases",
        view="tag",
        text=text,
        method=method,
        result=result,
        error=error,
        similar=similar,
        goal_info=goals,
        figures=figures,
    )
