"""Dashboard page of agreements (合作协议): the agreements list, a colour-blind-safe term x
period status grid, the drill-down explanation of one result with its ledger verification,
and report upload with the problem table."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from citynexus.i18n import t
from citynexus.web.pages import label_texts, lang_of, render

router = APIRouter(include_in_schema=False)

NAV_ITEMS = [{"key": "agree", "href": "/agree", "label": "agree_nav"}]

STATUSES = ("met", "breached", "no_data", "not_due")
#: symbol of each status: colour is never the only cue
SYMBOLS = {"met": "✓", "breached": "✗", "no_data": "?", "not_due": "·", "at_risk": "!"}
#: the grid's legend: a not-yet-due cell whose forecast reaches the risk level shows "at risk"
LEGEND = (*STATUSES, "at_risk")
#: the forecast models of :func:`citynexus.watch.trajectory.trajectory`, by the name it reports
MODEL_KEYS = {
    "ETS(A,Ad,N)": "agree_model_ets",
    "linear trend (least squares)": "agree_model_linear",
    "mean of reported values": "agree_model_mean",
}
LABEL_KEYS = (
    "loading",
    "problems_found",
    "file",
    "row",
    "column",
    "problem",
    "fix",
    "agree_import_ok",
    "agree_rows",
    "agree_demo_loaded",
    "agree_added",
    "agree_terms",
    "agree_col_term",
    "agree_col_key",
)


def check_label(name: str, lang: str) -> str:
    """A verification check's name in the page's language (``report batch at ledger entry N`` keeps its N)."""
    if name.startswith("report batch at ledger entry "):
        return f"{t('agree_check_report_batch', lang)} {name.rsplit(' ', 1)[1]}"
    return t("agree_check_" + name.replace(" ", "_"), lang)


@router.get("/agree", response_class=HTMLResponse)
def agree_page(request: Request) -> HTMLResponse:
    from citynexus.errors import CityNexusError
    from citynexus.services import agree as svc

    lang = lang_of(request)
    db = request.app.state.engine.url.render_as_string(hide_password=False)
    texts = label_texts(LABEL_KEYS, lang)
    status_labels = {s: t(f"agree_status_{s}", lang) for s in LEGEND}
    items = svc.list_agreements(db, viewer=None)  # the dashboard shows what anyone may see
    q = request.query_params
    sel = q.get("id", "").strip() or (items[0]["id"] if items else "")
    view, error = None, None
    if sel:
        try:
            view = svc.agreement_view(sel, db, viewer=None)
        except CityNexusError:
            error = f"{t('agree_not_found', lang)}: {sel}"
    detail, verification = None, None
    term, period = q.get("term", "").strip(), q.get("period", "").strip()
    if view and term and period:
        detail = view["cells"].get(term, {}).get(period)
        if detail is not None and q.get("verify"):
            try:
                verification = svc.verify_status(sel, term, period, db, viewer=None)
            except CityNexusError as err:
                verification = {"ok": False, "checks": [{"check": "verify", "ok": False, "detail": str(err)}]}
            for c in verification["checks"]:
                c["label"] = check_label(c["check"], lang)
    synthetic = any(a["synthetic"] for a in items)
    terms = view["terms"] if view else {}
    return render(
        request,
        "agree.html",
        "agree",
        "agree_nav",
        synthetic=synthetic,
        synthetic_note="agree_synthetic_note",
        labels=texts,
        items=items,
        sel=sel,
        view=view,
        terms=terms,
        error=error,
        term=term,
        period=period,
        detail=detail,
        verification=verification,
        statuses=STATUSES,
        legend=LEGEND,
        zh=lang == "zh",  # content in Chinese (a zh-Hant page is built in zh and converted whole)
        model_labels={m: t(k, lang) for m, k in MODEL_KEYS.items()},
        status_labels=status_labels,
        symbols=SYMBOLS,
    )
