"""Dashboard pages (server-rendered) and static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from citynexus import __version__
from citynexus.web.i18n import negotiate, t

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))

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


def lang_of(request: Request) -> str:
    return negotiate(
        request.query_params.get("lang"), request.cookies.get("lang"), request.headers.get("accept-language")
    )


def render(
    request: Request, template: str, active: str, title_key: str, synthetic: bool = False, **context
) -> HTMLResponse:
    lang = lang_of(request)
    q = dict(request.query_params)
    q["lang"] = "en" if lang == "zh" else "zh"
    from urllib.parse import urlencode

    ctx = {
        "request": request,
        "lang": lang,
        "t": lambda k: t(k, lang),
        "nav": NAV,
        "active": active,
        "title": t(title_key, lang),
        "synthetic": synthetic,
        "version": __version__,
        "switch_query": urlencode(q),
        **context,
    }
    resp = templates.TemplateResponse(request, template, ctx)
    resp.set_cookie("lang", lang, max_age=31536000, samesite="lax")
    return resp
