"""Dashboard page of the audit trail (审计日志): a form takes an admin or platform key and
shows the events that key may read, after checking the hash chain."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from citynexus.web.pages import render

router = APIRouter(include_in_schema=False)

NAV_ITEMS = [{"key": "admin", "href": "/admin", "label": "nav_admin"}]


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> HTMLResponse:
    return render(request, "admin.html", "admin", "adm_title", events=None, error=None, org="", since="")


@router.post("/admin", response_class=HTMLResponse)
def admin_events(
    request: Request,
    key: str = Form("", max_length=200),
    org: str = Form("", max_length=64),
    since: str = Form("", max_length=32),
) -> HTMLResponse:
    from citynexus.errors import CityNexusError
    from citynexus.services import audit
    from citynexus.services.keys import verify_key
    from citynexus.services.ledger import ledger_of

    engine = request.app.state.engine
    events, error, n = None, None, 0
    limiter = request.app.state.auth_limiter
    address = request.client.host if request.client else None
    try:
        limiter.check(address, key)
        try:
            who = verify_key(engine, key.strip() or None)
        except CityNexusError:
            limiter.failed(address, key)
            raise
        when = datetime.fromisoformat(since) if since.strip() else None
        n = audit.verify(engine, ledger_of(engine))
        events = audit.events_for(engine, who, org.strip() or None, when, 500)
    except ValueError:
        error = f"'{since}' is not a date (YYYY-MM-DD)"
    except CityNexusError as err:
        error = str(err)
    return render(request, "admin.html", "admin", "adm_title", events=events, error=error, org=org, since=since, n=n)
