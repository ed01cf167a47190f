"""``/api/v1/hub``: the cooperation hub (合作平台) — search, matches of a need, portraits
(public reads) and JSON Lines / Excel import and the bundled synthetic demo hub (need a key).
The use cases live in :mod:`citynexus.services.hub`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Body, File, Query, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from citynexus.api.deps import (
    AUTH_RESPONSES,
    JOB_RESPONSES,
    Db,
    Encoder,
    Jobs,
    Owner,
    PathId,
    Reader,
    Writer,
    upload,
)
from citynexus.api.problems import Rejections, answer
from citynexus.hub import HubImportError, NotFoundError, demo_path
from citynexus.services import hub as svc

router = APIRouter(prefix="/hub", tags=["hub"])

MAX_UPLOAD = 50 * 1024 * 1024


#: A need or organization that is not there (or not visible to the caller) -> 404.
MISSING = {NotFoundError: 404}


IMPORT_RESPONSES = {422: {"description": "The record(s) do not validate: every problem with line and field"}}


#: A rejected hub (or centres) import -> 422 with every problem.
rejected = Rejections(HubImportError, "HubImportError")


# ---------------------------------------------------------------------------- endpoints
@router.get("/search", summary="Free-text search of offers (or needs), in Chinese or English")
def search(
    db: Db,
    encoder: Encoder,
    who: Reader,
    q: str = Query(..., min_length=1, max_length=2000, description="Search text (any language)"),
    target: str = Query("offer", pattern="^(offer|need)$", description="Search offers or needs"),
    top: int = Query(10, ge=1, le=100),
    lang: str | None = Query(None, pattern="^(zh|en)$", description="Only items written in this language"),
) -> dict:
    """Hybrid search: BM25 over jieba/English tokens fused with multilingual sentence vectors
    (reciprocal rank fusion); reasons list the shared terms and the semantic similarity.
    Private needs appear only to their owner (and the platform)."""
    return svc.search(db, encoder, who, q, target, top, lang)


@router.get(
    "/needs/{need_id}/matches",
    summary="Offers ranked for a need, with score and reasons",
    responses={404: {"description": "No such need (or a private one of another organisation)"}},
)
def need_matches(
    db: Db,
    encoder: Encoder,
    need_id: PathId,
    who: Reader,
    top: int = Query(10, ge=1, le=100),
    mode: str = Query("hybrid", pattern="^(hybrid|bm25|dense)$"),
) -> Any:
    return answer(MISSING, svc.need_matches, db, encoder, who, need_id, top, mode)


@router.get(
    "/orgs/{org_id}/portrait",
    summary="Digital portrait of an organization",
    responses={404: {"description": "No such organization"}},
)
def org_portrait(db: Db, encoder: Encoder, org_id: PathId, who: Reader) -> Any:
    """Profile, offers and needs, industries, top keywords, position in the match network and
    the best partners."""
    return answer(MISSING, svc.portrait_of, db, encoder, who, org_id)


@router.post(
    "/import",
    summary="Import a JSON Lines or Excel file of hub records (needs an editor key)",
    responses={**JOB_RESPONSES, **IMPORT_RESPONSES},
)
async def import_file(
    workers: Jobs,
    w: Writer,
    file: UploadFile = File(..., description="JSON Lines (.jsonl) or Excel (.xlsx) hub records"),
    owner: Owner = None,
) -> Any:
    """All-or-nothing: one bad line and nothing is stored; every problem is listed with its line
    (or sheet and row) and field. Re-importing an id updates it (listed under ``updated``);
    a record of another organisation is refused."""
    name, content = await upload(file, MAX_UPLOAD, "upload.jsonl")
    body = await rejected.in_thread(svc.import_upload, workers, w.db, w.who, name, content, w.client, owner)
    if isinstance(body, JSONResponse):
        return body
    return await run_in_threadpool(JSONResponse, body)  # a large report is encoded off the event loop


@router.post("/demo", summary="Load the bundled SYNTHETIC demo hub (needs an editor key)")
async def load_demo(w: Writer) -> dict:
    """Imports the bundled demo hub: invented organizations, offers and needs across the 11
    Greater Bay Area cities, in Chinese and English. No record describes a real organization."""
    content = Path(str(demo_path())).read_bytes()
    body = await run_in_threadpool(svc.import_bytes, w.db, w.who, "demo_hub.jsonl", content, w.client)
    body["synthetic"] = True
    return body


def _record_routes(kind: str, item_type: str) -> None:
    """POST /hub/{kind} and GET|PUT|DELETE /hub/{kind}/{id} for one record type."""
    label = item_type if item_type != "organization" else "organization"
    body_doc = f'One {label} record as in the import files (its "type" may be left out)'

    async def create(w: Writer, record: dict[str, Any] = Body(..., description=body_doc)) -> Any:
        return await rejected.created(svc.create_record, w.db, w.who, item_type, record, w.client)

    def read(item_id: PathId, db: Db, who: Reader) -> dict:
        return svc.get_record(db, who, item_type, item_id)

    async def replace(item_id: PathId, w: Writer, record: dict[str, Any] = Body(..., description=body_doc)) -> Any:
        return await rejected.in_thread(svc.update_record, w.db, w.who, item_type, item_id, record, w.client)

    def remove(item_id: PathId, w: Writer) -> dict:
        return svc.delete_record(w.db, w.who, item_type, item_id, w.client)

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
