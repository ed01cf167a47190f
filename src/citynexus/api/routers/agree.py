"""``/api/v1/agree``: agreements with KPI terms (合作协议) — list, check files, store, import
reports, evaluate, verify, knowledge graph and organization compliance. Reads are public;
writes need an API key. Thin: each route validates its input and calls
:mod:`citynexus.services.agree`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Path, Query, UploadFile
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from citynexus.api.deps import AUTH_RESPONSES, Db, PathId, Reader, Writer, read_upload, upload
from citynexus.services import agree as svc

router = APIRouter(prefix="/agree", tags=["agree"])
MAX_UPLOAD = 20 * 1024 * 1024
ERRORS: dict[int | str, dict] = {
    400: {"description": "A bad date or query, or a file that cannot be read (the message says what)"},
    422: {"description": "An agreement or reports file that does not validate: every problem with where and fix"},
}
#: The answers of an endpoint that reads a key and checks what it is asked: a bad request, the key's checks.
CHECKED = {**ERRORS, **AUTH_RESPONSES}


def _url(db: Db) -> str:
    """The database URL the agreement services open (password kept: they connect with it)."""
    return db.url.render_as_string(hide_password=False)


#: The app's database, as the URL the agreement services take.
Url = Annotated[str, Depends(_url)]


def _date(value: str | None, name: str = "as_of") -> dt.date | None:
    from citynexus.agree.errors import AgreeError

    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise AgreeError(f"{name} {value!r} is not a date; write YYYY-MM-DD") from None


async def _read(f: UploadFile) -> bytes:
    return await read_upload(f, MAX_UPLOAD)


@router.get(
    "/agreements", summary="Stored agreements with the status counts of their newest run", responses=AUTH_RESPONSES
)
def agreements(url: Url, who: Reader) -> list[dict[str, Any]]:
    return svc.list_agreements(url, who)


@router.get("/agreements/{agreement_id}", summary="One agreement and its term x period status grid", responses=CHECKED)
def agreement(agreement_id: PathId, url: Url, who: Reader) -> dict[str, Any]:
    return svc.agreement_view(agreement_id, url, who)


@router.get(
    "/agreements/{agreement_id}/versions",
    summary="Every stored version of an agreement (effective date, digests, terms changed)",
    responses=CHECKED,
)
def versions(agreement_id: PathId, url: Url, who: Reader) -> list[dict[str, Any]]:
    return svc.agreement_versions(agreement_id, url, who)


@router.post(
    "/check",
    summary="Evaluate an agreement file on a report file (nothing is stored)",
    responses={**ERRORS, 422: {"description": "The reports have problems (all listed)"}},
)
async def check(
    agreement: UploadFile = File(..., description="Agreement TOML"),
    reports: UploadFile | None = File(None, description="Reports: CSV, .xlsx or JSON"),
    as_of: str | None = Query(None, description="YYYY-MM-DD (default: today)"),
) -> dict[str, Any]:
    rep = await _read(reports) if reports is not None else None
    return await run_in_threadpool(
        svc.check_upload,
        agreement.filename or "agreement.toml",
        await _read(agreement),
        reports.filename if reports else None,
        rep,
        _date(as_of),
    )


@router.post(
    "/agreements",
    summary="Validate and store an agreement TOML (needs an editor key; replacing needs its owner)",
    responses=CHECKED,
)
async def add(
    w: Writer,
    file: UploadFile = File(...),
    effective: str | None = Query(None, description="A changed agreement's new version applies from (YYYY-MM-DD)"),
) -> dict[str, Any]:
    name, content = await upload(file, MAX_UPLOAD, "agreement.toml")
    return await run_in_threadpool(
        svc.add_agreement_upload, name, content, _url(w.db), w.who, w.client, _date(effective, "effective")
    )


@router.post(
    "/reports",
    summary="Import reports, all-or-nothing, anchored in the ledger (needs an editor key of the owner or a party)",
    responses={**CHECKED, 422: {"description": "The reports have problems (all listed)"}},
)
async def reports(w: Writer, file: UploadFile = File(...)) -> dict[str, Any]:
    name, content = await upload(file, MAX_UPLOAD, "reports.csv")
    return await run_in_threadpool(svc.import_reports_upload, name, content, _url(w.db), w.who, w.client)


@router.post(
    "/run",
    summary="Evaluate stored agreements; each run is stored and anchored (needs an editor key)",
    responses=CHECKED,
)
def run(w: Writer, as_of: str | None = Query(None), agreement: list[str] | None = Query(None)) -> list[dict[str, Any]]:
    return svc.run_status(_url(w.db), agreement, _date(as_of), w.who, w.client)


@router.get("/verify/{agreement_id}/{term}/{period}", summary="Prove a shown status from the ledger", responses=CHECKED)
def verify(
    agreement_id: PathId,
    url: Url,
    who: Reader,
    term: str = Path(..., max_length=64),
    period: str = Path(..., max_length=16),
    run: int | None = Query(None),
) -> dict[str, Any]:
    return svc.verify_status(agreement_id, term, period, url, run, who)


@router.get(
    "/graph",
    summary="Compliance knowledge graph as Turtle or JSON-LD",
    response_class=PlainTextResponse,
    responses=AUTH_RESPONSES,
)
def graph(url: Url, who: Reader, fmt: str = Query("turtle", alias="format", pattern="^(turtle|ttl|json-ld|jsonld)$")):
    media = "application/ld+json" if fmt.startswith("json") else "text/turtle"
    return PlainTextResponse(svc.graph_text(url, fmt, who), media_type=media)


@router.get("/graph/query", summary="Canned question or SPARQL SELECT over the knowledge graph", responses=CHECKED)
def graph_query(
    url: Url,
    who: Reader,
    ask: str | None = Query(None, pattern="^(breached-green|depends-on|at-risk)$"),
    arg: str | None = Query(None, max_length=200),
    sparql: str | None = Query(None, max_length=5000),
) -> list[dict[str, Any]]:
    return svc.graph_query(url, ask, arg, sparql, who)


@router.get(
    "/orgs/{org_id}/compliance",
    summary="An organization's agreements and compliance record",
    responses=AUTH_RESPONSES,
)
def compliance(org_id: PathId, url: Url, who: Reader) -> dict[str, Any]:
    return svc.organization_compliance(org_id, url, who)


@router.post(
    "/demo",
    summary="Store and evaluate the SYNTHETIC demo agreements (needs an editor key)",
    responses=AUTH_RESPONSES,
)
def demo(w: Writer) -> dict[str, Any]:
    body = svc.load_demo_data(_url(w.db), None, w.who, w.client)
    body["synthetic"] = True
    return body
