"""``/api/v1/hub``: the cooperation hub (合作平台) — search, matches of a need, portraits
(public reads) and JSON Lines / Excel import and the bundled synthetic demo hub (need a key).
The use cases live in :mod:`citynexus.services.hub`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Body, Depends, File, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from citynexus.api.deps import AUTH_RESPONSES, client_of, get_db, optional_key, read_upload, require_key
from citynexus.api.problems import problems_response
from citynexus.hub import HubImportError, NotFoundError, demo_path
from citynexus.services import hub as svc
from citynexus.services.auth import Principal

router = APIRouter(prefix="/hub", tags=["hub"])

MAX_UPLOAD = 50 * 1024 * 1024


def _encoder(request: Request):
    """The app's hub encoder (``app.state.hub_encoder``; None: the process-wide default)."""
    return getattr(request.app.state, "hub_encoder", None)


def not_found(err: Exception) -> JSONResponse:
    return JSONResponse({"error": type(err).__name__, "message": str(err)}, status_code=404)


IMPORT_RESPONSES = {422: {"description": "The record(s) do not validate: every problem with line and field"}}


def import_problems(err: HubImportError) -> JSONResponse:
    """422 with every problem of a rejected hub (or centres) import."""
    return problems_response(err, "HubImportError")


# ---------------------------------------------------------------------------- endpoints
@router.get("/search", summary="Free-text search of offers (or needs), in Chinese or English")
def search(
    request: Request,
    q: str = Query(..., min_length=1, max_length=2000, description="Search text (any language)"),
    target: str = Query("offer", pattern="^(offer|need)$", description="Search offers or needs"),
    top: int = Query(10, ge=1, le=100),
    lang: str | None = Query(None, pattern="^(zh|en)$", description="Only items written in this language"),
    who: Principal | None = Depends(optional_key),
) -> dict:
    """Hybrid search: BM25 over jieba/English tokens fused with multilingual sentence vectors
    (reciprocal rank fusion); reasons list the shared terms and the semantic similarity.
    Private needs appear only to their owner (and the platform)."""
    return svc.search(request.app.state.engine, _encoder(request), who, q, target, top, lang)


@router.get(
    "/needs/{need_id}/matches",
    summary="Offers ranked for a need, with score and reasons",
    responses={404: {"description": "No such need (or a private one of another organisation)"}},
)
def need_matches(
    request: Request,
    need_id: str = PathParam(..., max_length=64),
    top: int = Query(10, ge=1, le=100),
    mode: str = Query("hybrid", pattern="^(hybrid|bm25|dense)$"),
    who: Principal | None = Depends(optional_key),
) -> Any:
    try:
        return svc.need_matches(request.app.state.engine, _encoder(request), who, need_id, top, mode)
    except NotFoundError as err:
        return not_found(err)


@router.get(
    "/orgs/{org_id}/portrait",
    summary="Digital portrait of an organization",
    responses={404: {"description": "No such organization"}},
)
def org_portrait(
    request: Request, org_id: str = PathParam(..., max_length=64), who: Principal | None = Depends(optional_key)
) -> Any:
    """Profile, offers and needs, industries, top keywords, position in the match network and
    the best partners."""
    try:
        return svc.portrait_of(request.app.state.engine, _encoder(request), who, org_id)
    except NotFoundError as err:
        return not_found(err)


@router.post("/import", summary="Import a JSON Lines or Excel file of hub records (needs an editor key)")
async def import_file(
    request: Request,
    file: UploadFile = File(..., description="JSON Lines (.jsonl) or Excel (.xlsx) hub records"),
    owner: str | None = Query(None, max_length=64, description="Owner of new records (platform keys only)"),
    db: Engine = Depends(get_db),
    who: Principal = Depends(require_key),
) -> Any:
    """All-or-nothing: one bad line and nothing is stored; every problem is listed with its line
    (or sheet and row) and field. Re-importing an id updates it (listed under ``updated``);
    a record of another organisation is refused."""
    content = await read_upload(file, MAX_UPLOAD)
    try:
        return await run_in_threadpool(
            svc.import_bytes, db, who, file.filename or "upload.jsonl", content, client_of(request), owner
        )
    except HubImportError as err:
        return import_problems(err)


@router.post("/demo", summary="Load the bundled SYNTHETIC demo hub (needs an editor key)")
async def load_demo(request: Request, db: Engine = Depends(get_db), who: Principal = Depends(require_key)) -> dict:
    """Imports the bundled demo hub: invented organizations, offers and needs across the 11
    Greater Bay Area cities, in Chinese and English. No record describes a real organization."""
    content = Path(str(demo_path())).read_bytes()
    body = await run_in_threadpool(svc.import_bytes, db, who, "demo_hub.jsonl", content, client_of(request))
    body["synthetic"] = True
    return body


def _record_routes(kind: str, item_type: str) -> None:
    """POST /hub/{kind} and GET|PUT|DELETE /hub/{kind}/{id} for one record type."""
    label = item_type if item_type != "organization" else "organization"
    body_doc = f'One {label} record as in the import files (its "type" may be left out)'

    def problems_or(fn, *args):
        try:
            return fn(*args)
        except HubImportError as err:
            return import_problems(err)

    async def create(
        request: Request,
        record: dict[str, Any] = Body(..., description=body_doc),
        db: Engine = Depends(get_db),
        who: Principal = Depends(require_key),
    ) -> Any:
        out = await run_in_threadpool(problems_or, svc.create_record, db, who, item_type, record, client_of(request))
        return out if isinstance(out, JSONResponse) else JSONResponse(out, status_code=201)

    def read(
        item_id: str = PathParam(..., max_length=64),
        db: Engine = Depends(get_db),
        who: Principal | None = Depends(optional_key),
    ) -> dict:
        return svc.get_record(db, who, item_type, item_id)

    async def replace(
        request: Request,
        item_id: str = PathParam(..., max_length=64),
        record: dict[str, Any] = Body(..., description=body_doc),
        db: Engine = Depends(get_db),
        who: Principal = Depends(require_key),
    ) -> Any:
        return await run_in_threadpool(
            problems_or, svc.update_record, db, who, item_type, item_id, record, client_of(request)
        )

    def remove(
        request: Request,
        item_id: str = PathParam(..., max_length=64),
        db: Engine = Depends(get_db),
        who: Principal = Depends(require_key),
    ) -> dict:
        return svc.delete_record(db, who, item_type, item_id, client_of(request))

    write = {**AUTH_RESPONSES, **IMPORT_RESPONSES}
    missing = {404: {"description": "No such record"}}
    one = f"/{kind}/{{item_id}}"
    for path, endpoint, method, summary, responses in (
        (f"/{kind}", create, "POST", f"Create one {label} (editor key)", {**write, 409: {"description": EXISTS}}),
        (one, read, "GET", f"One {label} and its owner", {**AUTH_RESPONSES, 404: {"description": PRIVATE}}),
        (one, replace, "PUT", f"Replace one {label} (its owner's editor key)", {**write, **missing}),
        (one, remove, "DELETE", f"Delete one {label} (its owner's editor key)", {**AUTH_RESPONSES, **missing}),
    ):
        status = 201 if method == "POST" else None
        router.add_api_route(path, endpoint, methods=[method], status_code=status, summary=summary, responses=responses)


EXISTS = "A record with that id exists already"
PRIVATE = "No such record (or a private one of another organisation)"


for _kind, _type in svc.RECORD_TYPES.items():
    _record_routes(_kind, _type)
