"""Dashboard pages (server-rendered) and static files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from citynexus import __version__
from citynexus.i18n import base_lang, negotiate, t, to_hant_page
from citynexus.i18n.fetched import error_labels as fetch_labels
from citynexus.web import nav_menus

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def fixed(value, digits: int = 3, sign: bool = False) -> str:
    """A number with ``digits`` decimals that never reads "-0.000" (a value that rounds to
    zero is shown as 0); ``sign``: "+" before positive values."""
    v = float(value)
    if round(v, digits) == 0:
        return f"{0.0:.{digits}f}"
    return f"{v:+.{digits}f}" if sign else f"{v:.{digits}f}"


templates.env.filters["fixed"] = fixed

#: Navigation entries: (key, href, label key). Areas append their pages here.
NAV: list[dict] = [
    {"key": "overview", "href": "/", "label": "nav_overview"},
    {"key": "explorer", "href": "/explorer", "label": "nav_explorer"},
    {"key": "city", "href": "/city", "label": "nav_city"},
    {"key": "coordination", "href": "/coordination", "label": "nav_coordination"},
    {"key": "data", "href": "/data", "label": "nav_data"},
]

static_router = APIRouter(include_in_schema=False)
router = APIRouter(include_in_schema=False)


@static_router.get("/static/vendor/plotly.min.js")
def plotly_js() -> FileResponse:
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return FileResponse(path, media_type="application/javascript", headers={"Cache-Control": "max-age=86400"})


@static_router.get("/static/{name}")
def static(name: str) -> FileResponse:
    path = (HERE / "static" / name).resolve()
    if path.parent != (HERE / "static").resolve() or not path.is_file():
        from fastapi import HTTPException

        raise HTTPException(404, "not found")
    media = {"css": "text/css", "js": "application/javascript"}.get(path.suffix[1:])
    return FileResponse(path, media_type=media)


def display_lang(request: Request) -> str:
    """The page language: ``en``, ``zh`` or ``zh-Hant`` (``?lang``, cookie, Accept-Language)."""
    return negotiate(
        request.query_params.get("lang"), request.cookies.get("lang"), request.headers.get("accept-language")
    )


def lang_of(request: Request) -> str:
    """The language the page's content is built in: ``en`` or ``zh`` (a ``zh-Hant`` page is
    built in ``zh`` and converted as a whole by :func:`render`)."""
    return base_lang(display_lang(request))


def plotly_dictionary(lang: str) -> dict[str, str]:
    """The words plotly.js draws (mode bar, hover hints) in ``lang`` (see i18n/plotly_ui.py)."""
    from citynexus.i18n.plotly_ui import dictionary

    return dictionary(lang)


def render(
    request: Request, template: str, active: str, title_key: str, synthetic: bool = False, **context
) -> HTMLResponse:
    shown = display_lang(request)
    lang = base_lang(shown)
    from urllib.parse import urlencode

    def with_lang(code: str) -> str:
        q = dict(request.query_params)
        q["lang"] = code
        return urlencode(q)

    ctx = {
        "request": request,
        "lang": shown,
        "html_lang": {"en": "en", "zh": "zh-CN", "zh-Hant": "zh-Hant"}[shown],
        "t": lambda k: page_text(t(k, lang)),
        "nav": NAV,
        "nav_top": nav_menus(NAV)[0],
        "nav_menus": nav_menus(NAV)[1],
        "active": active,
        "title": t(title_key, lang),
        "synthetic": synthetic,
        "version": __version__,
        "switch_query": with_lang("en" if lang == "zh" else "zh"),
        "lang_links": [(code, label, with_lang(code)) for code, label in LANG_LABELS],
        "plotly_locale": plotly_dictionary(lang),
        "fetch_labels": fetch_labels(lang),
        **context,
    }
    resp = templates.TemplateResponse(request, template, ctx)
    if shown == "zh-Hant":  # the Simplified page, converted as a whole (OpenCC s2hk + reviewed HK terms)
        body = to_hant_page(resp.body.decode("utf-8")).encode("utf-8")
        resp = HTMLResponse(body, status_code=resp.status_code, headers={"Vary": "Accept-Language, Cookie"})
    else:
        resp.headers["Vary"] = "Accept-Language, Cookie"
    resp.set_cookie("lang", shown, max_age=31536000, samesite="lax")
    if context.get("period") and request.query_params.get("period"):  # the year carries to the next page
        resp.set_cookie("period", str(context["period"]), max_age=31536000, samesite="lax")
    return resp


def label_texts(keys: Iterable[str], lang: str) -> dict[str, str]:
    """The texts of ``keys`` in ``lang``, for a page's script (``const L = {{ labels | tojson }}``)."""
    return {k: t(k, lang) for k in keys}


def city_names(lang: str) -> dict[str, str]:
    """City code -> its name in ``lang`` (the hub's cities: the cluster's eleven and the others known)."""
    from citynexus.hub.cities import names

    return names(lang)


def error_page(
    request: Request,
    area: str,
    message: str,
    status: int = 404,
    *,
    translated: str | None = None,
    title: str = "not_found",
    heading: str = "err_title",
) -> HTMLResponse:
    """The error page of an area (404: the record asked for is not there; 400: the request
    cannot be answered as given; 503: the database is away). ``message`` is the English error;
    the page shows ``translated`` (default: ``message`` in the page's language when its shape is
    known, :func:`citynexus.i18n.errors.translate_error`; commands in backticks as code) with the
    English beside it, or the English marked as English."""
    from citynexus.i18n.errors import translate_error

    if translated is None:
        translated = translate_error(message, lang_of(request))
    shown = page_text(translated) if translated is not None else None
    resp = render(
        request, "error.html", area, title, message=message, translated=translated, shown=shown, heading=heading
    )
    resp.status_code = status
    return resp


def page_text(text: str):
    """A label as page text: a command or file layout the label sets in backticks
    (`` `citynexus watch scan` ``) is shown as code, the rest escaped; a label without
    backticks is returned unchanged (escaped by the template as usual)."""
    if "`" not in text:
        return text
    from markupsafe import Markup, escape

    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: plain text
        return text
    return Markup("").join(escape(x) if i % 2 == 0 else Markup("<code>%s</code>") % x for i, x in enumerate(parts))


#: The language switcher: each language named in itself.
LANG_LABELS = (("en", "English"), ("zh", "中文"), ("zh-Hant", "繁體"))


# ---------------------------------------------------------------------------- helpers
_geo_cache: dict[str, dict | None] = {}


def _geojson(ds) -> dict | None:
    """City boundaries when every unit of the dataset is a GBA city, else None (maps then
    use coordinates)."""
    from citynexus.region.geo import GBA_CITIES

    if not set(ds.unit_codes) <= set(GBA_CITIES):
        return None
    if "gba" not in _geo_cache:
        from citynexus.report.html import geojson_or_none

        _geo_cache["gba"] = geojson_or_none([])
    return _geo_cache["gba"]


def _fig(fig) -> dict:
    import json

    return json.loads(fig.to_json())


def _dataset_choice(request: Request):
    from citynexus.services import index as service

    name = request.query_params.get("dataset", "gba")
    ds = service.dataset(request.app.state.engine, name)
    return name, ds


def picker(request: Request, name: str, ds) -> dict:
    """What the dataset picker of a page about dataset ``name`` shows: whether it is synthetic,
    its name, every dataset to choose from and its periods (``render(..., **picker(...))``)."""
    return {"synthetic": ds.synthetic, "dataset": name, "datasets": _datasets(request), "periods": ds.periods}


def _datasets(request: Request) -> list[dict]:
    from citynexus.data.bundled import available
    from citynexus.services import index as service
    from citynexus.store.datasets import list_stored

    out = []
    for n in available():
        d = service.dataset(None, n)  # loaded once, not copied per request
        out.append(
            {
                "name": n,
                "units": len(d.units),
                "indicators": len(d.codes("indicator")),
                "periods": d.periods,
                "synthetic": d.synthetic,
                "bundled": True,
            }
        )
    for d in list_stored(request.app.state.engine):
        out.append({**d, "synthetic": False})
    return out


def chosen_period(request: Request, ds) -> int:
    """The year of a page: ``?period`` (refused with a message when it is not a year of the
    dataset), else the year chosen on an earlier page (the ``period`` cookie, when the
    dataset has it), else the latest year."""
    from citynexus.errors import CityNexusError

    period = request.query_params.get("period")
    if period:
        if not period.isdigit():
            raise CityNexusError(f"period '{period}' is not a year; periods present: {ds.periods}")
        if int(period) not in ds.periods:
            raise CityNexusError(f"period {period} has no data; periods present: {ds.periods}")
        return int(period)
    remembered = request.cookies.get("period", "")
    if remembered.isdigit() and int(remembered) in ds.periods:
        return int(remembered)
    return ds.periods[-1]


def _error_page(request: Request, err: Exception) -> HTMLResponse:
    message = str(err)
    return error_page(request, "", message, 404 if message.startswith(("no dataset", "no unit")) else 400)


def unavailable_page(request: Request, message: str) -> HTMLResponse:
    """The page of a database that is unavailable or busy (503, ``Retry-After``): ``message``
    is one of the two generic sentences, never the driver's text."""
    resp = error_page(request, "", message, 503, title="err_db_title", heading="err_db_title")
    resp.headers["Retry-After"] = "2"
    return resp


# ---------------------------------------------------------------------------- pages
@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    from citynexus.errors import CityNexusError
    from citynexus.report import figures as figs
    from citynexus.services import index as service

    lang = lang_of(request)
    try:
        name, ds = _dataset_choice(request)
        period = chosen_period(request, ds)
        res = service.result(ds, period=period)
    except (CityNexusError, ValueError) as err:
        return _error_page(request, err)
    top = res.index_code
    names = ds.units.set_index("code")["name_zh" if lang == "zh" else "name"]
    table = res.ranking().assign(name=names)
    bounds = _rank_bounds(ds, res)
    if bounds is not None:
        table["best"] = bounds["best"]
        table["worst"] = bounds["worst"]
    figures = {
        "fig-ranking": _fig(figs.ranking_figure(table, lang, title=f"{ds.label(top, lang)} — {period}")),
        "fig-map": _fig(
            figs.choropleth_figure(
                _geojson(ds), res.scores[top], ds.units, f"{t('map', lang)}: {ds.label(top, lang)} ({period})", lang
            )
        ),
    }
    rows = [
        {
            "unit": u,
            "name": r["name"],
            "score": r["score"],
            "rank": int(r["rank"]),
            "best": None if bounds is None else int(bounds.at[u, "best"]),
            "worst": None if bounds is None else int(bounds.at[u, "worst"]),
        }
        for u, r in table.sort_values("rank").iterrows()
    ]
    return render(
        request,
        "overview.html",
        "overview",
        "nav_overview",
        **picker(request, name, ds),
        period=period,
        figures=figures,
        rows=rows,
        index_name=ds.label(top, lang),
    )


def _rank_bounds(ds, res):
    """Best and worst rank of each unit under any weights of the top level's children
    (exact, by mixed-integer programming), or None when the top level is not an arithmetic
    mean (the only aggregation linear in the weights)."""
    from citynexus.services import index as service

    return service.rank_bounds(ds, res)


@router.get("/explorer", response_class=HTMLResponse)
def explorer(request: Request) -> HTMLResponse:
    from citynexus.errors import CityNexusError
    from citynexus.services import index as service

    try:
        name, ds = _dataset_choice(request)
        res = service.result(ds, period=chosen_period(request, ds))
    except CityNexusError as err:
        return _error_page(request, err)
    lang = lang_of(request)
    top = res.index_code
    children = ds.children(top)
    w = res.weights.set_index("code")["weight"] if "code" in res.weights.columns else {}
    from citynexus.web.explorer import group_given, slider_values

    sliders, exact = slider_values(children, {c: float(w.get(c, 1.0)) for c in children}, request.query_params)
    groups = {g["parent"]: g["children"] for g in service.tree_weights(res)}
    for s_ in sliders:
        s_["label"] = ds.label(s_["code"], lang)
        kids = groups.get(s_["code"])
        if kids:  # the pillar's indicators: weights within the pillar, expandable
            codes = [k["code"] for k in kids]
            rows, ex = slider_values(codes, {k["code"]: k["weight"] for k in kids}, request.query_params)
            for r in rows:
                r["label"] = ds.label(r["code"], lang)
            s_["children"] = rows
            s_["child_step"] = "1" if ex else "any"
            s_["given"] = group_given(codes, request.query_params)
    tree = {
        "labels": {c: ds.label(c, lang) for g in groups.values() for c in (k["code"] for k in g)},
        "parents": {k["code"]: p for p, g in groups.items() for k in g},
        "pillars": children,
        # the cities' names in the page's language (converted with the page for zh-Hant)
        "names": {u: str(n) for u, n in ds.units.set_index("code")["name_zh" if lang == "zh" else "name"].items()},
        # in framework order (tojson sorts the keys of the mappings above)
        "order": [k["code"] for g in groups.values() for k in g],
    }
    bounds = _rank_bounds(ds, res)
    names = ds.units.set_index("code")["name_zh" if lang == "zh" else "name"]
    brows = None
    if bounds is not None:
        brows = [
            {"unit": u, "name": names[u], "best": int(r["best"]), "worst": int(r["worst"])}
            for u, r in bounds.sort_values("best").iterrows()
        ]
    labels = {
        k: t(k, lang)
        for k in (
            "rank",
            "city",
            "score",
            "copied",
            "explorer_all_zero",
            "explorer_shares_title",
            "explorer_share_axis",
            "explorer_up",
            "explorer_down",
            "explorer_same",
        )
    }
    return render(
        request,
        "explorer.html",
        "explorer",
        "nav_explorer",
        **picker(request, name, ds),
        sliders=sliders,
        step="1" if exact else "any",
        period=res.period,
        bounds=brows,
        labels=labels,
        tree=tree,
        index_name=ds.label(top, lang),
    )


@router.get("/city", response_class=HTMLResponse)
@router.get("/city/{code}", response_class=HTMLResponse)
def city(request: Request, code: str | None = None) -> HTMLResponse:
    from citynexus.errors import CityNexusError
    from citynexus.report import figures as figs
    from citynexus.services import index as service

    lang = lang_of(request)
    try:
        name, ds = _dataset_choice(request)
        res = service.result(ds, period=chosen_period(request, ds))
        code = code or ds.unit_codes[0]
        if code not in ds.unit_codes:
            raise CityNexusError(f"no unit '{code}' in dataset {name}; units: {', '.join(ds.unit_codes)}")
        a = service.analysis(ds) if len(ds.periods) > 1 else None
    except CityNexusError as err:
        return _error_page(request, err)
    top = res.index_code
    names = ds.units.set_index("code")["name_zh" if lang == "zh" else "name"]
    children = ds.children(top)
    table = res.scores[children] if len(children) >= 3 else res.normalised
    labels = {c: ds.label(c, lang) for c in table.columns}
    figures = {"fig-radar": _fig(figs.radar_figure(table, code, labels, names[code], lang))}
    radar_key = figs.radar_key(list(table.columns), labels)
    if a is not None:
        panel = a.panel_scores[a.panel_scores["unit"] == code]
        long = panel.melt(
            id_vars=["unit", "period"], value_vars=[top, *children], var_name="series", value_name="score"
        )
        long = long.assign(unit=long["series"])
        figures["fig-trend"] = _fig(
            figs.timeseries_figure(
                long,
                "score",
                {c: ds.label(c, lang) for c in [top, *children]},
                f"{t('trend', lang)}: {names[code]} ({t('trend_pooled_scale', lang)})",
                lang,
            )
        )
    ex = res.explain(code)
    strengths = [
        {"code": c, "label": ds.label(c, lang), "value": float(r["value"]), "rank": int(r["rank"])}
        for c, r in ex.strengths.iterrows()
    ]
    obst = []
    if a is not None and "indicators" in a.obstacles:
        o = a.obstacles["indicators"].loc[code].sort_values(ascending=False).head(5)
        obst = [{"code": c, "label": ds.label(c, lang), "value": float(v)} for c, v in o.items()]
    scores = res.scores[top]
    peers = (scores - scores[code]).abs().drop(code).sort_values().head(3)
    peer_rows = [
        {"code": p, "name": names[p], "score": float(scores[p]), "rank": int(res.ranks[top][p])} for p in peers.index
    ]
    units = [{"code": c, "name": names[c]} for c in ds.unit_codes]
    return render(
        request,
        "city.html",
        "city",
        "nav_city",
        synthetic=ds.synthetic,
        dataset=name,
        code=code,
        city_name=names[code],
        units=units,
        figures=figures,
        radar_key=radar_key,
        strengths=strengths,
        obstacles=obst,
        peers=peer_rows,
        score=float(scores[code]),
        rank=int(res.ranks[top][code]),
        n=len(scores),
        period=res.period,
        periods=ds.periods,
    )


@router.get("/coordination", response_class=HTMLResponse)
def coordination(request: Request) -> HTMLResponse:
    from citynexus.errors import CityNexusError
    from citynexus.report.html import build_figures
    from citynexus.services import index as service

    lang = lang_of(request)
    try:
        name, ds = _dataset_choice(request)
        a = service.analysis(ds)
    except CityNexusError as err:
        return _error_page(request, err)
    from citynexus.report.html import grade_in
    from citynexus.services.analysis import note_text

    all_figs = build_figures(a, lang, _geojson(ds))
    figures = {f"fig-{k}": _fig(all_figs[k]) for k in ("coupling", "disparity", "lisa", "network") if k in all_figs}
    change = a.coupling_change.reset_index()
    names = a.names(lang)
    rows = [
        {
            "name": names.get(r["unit"], r["unit"]),
            "D_first": r["D_first"],
            "D_last": r["D_last"],
            "change": r["change"],
            "grade": grade_in(a, r["grade_last"], lang),
        }
        for _, r in change.iterrows()
    ]
    return render(
        request,
        "coordination.html",
        "coordination",
        "nav_coordination",
        synthetic=ds.synthetic,
        dataset=name,
        figures=figures,
        rows=rows,
        moran=a.moran,
        model=a.coupling_label(lang),
        notes=[note_text(n, lang) for n in a.notes],
    )


@router.get("/data", response_class=HTMLResponse)
def data_page(request: Request) -> HTMLResponse:
    lang = lang_of(request)
    labels = {
        k: t(k, lang) for k in ("file", "row", "column", "problem", "fix", "problems_found", "uploaded", "loading")
    }
    return render(request, "data.html", "data", "nav_data", datasets=_datasets(request), labels=labels)
