"""``/api/v1/hub``: the cooperation hub (合作平台) — search, matches of a need, portraits
(public reads) and JSON Lines / Excel import and the bundled synthetic demo hub (need a key).
The use cases live in :mod:`citynexus.services.hub`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from citynexus.api.deps import get_db, require_key
from citynexus.hub import HubImportError, Matcher, NotFoundError, demo_path
from citynexus.services import hub as svc
from citynexus.services.keys import KeyInfo

router = APIRouter(prefix="/hub", tags=["hub"])

MAX_UPLOAD = 50 * 1024 * 1024


def matcher_of(request: Request) -> Matcher:
    """The matcher of the app's hub, with ``app.state.hub_encoder`` when one is set."""
    return svc.matcher_of(request.app.state.engine, getattr(request.app.state, "hub_encoder", None))


def not_found(err: Exception) -> JSONResponse:
    return JSONResponse({"error": type(err).__name__, "message": str(err)}, status_code=404)


def import_problems(err: HubImportError) -> JSONResponse:
    problems = [
        {"line": p.line, "sheet": p.sheet, "field": p.field, "problem": p.problem, "fix": p.fix} for p in err.problems
    ]
    n = len(problems)
    return JSONResponse(
        {
            "error": "HubImportError",
            "message": f"import rejected, nothing stored: {n} problem{'s' if n != 1 else ''}"
            + (f" in {err.source}" if err.source else ""),
            "problems": problems,
        },
        status_code=422,
    )


# ---------------------------------------------------------------------------- endpoints
@router.get("/search", summary="Free-text search of offers (or needs), in Chinese or English")
def search(
    request: Request,
    q: str = Query(..., min_length=1, max_length=2000, description="Search text (any language)"),
    target: str = Query("offer", pattern="^(offer|need)$", description="Search offers or needs"),
    top: int = Query(10, ge=1, le=100),
    lang: str | None = Query(None, pattern="^(zh|en)$", description="Only items written in this language"),
) -> dict:
    """Hybrid search: BM25 over jieba/English tokens fused with multilingual sentence vectors
    (reciprocal rank fusion); reasons list the shared terms and the semantic similarity."""
    engine = request.app.state.engine
    if not q.strip():
        from citynexus.errors import CityNexusError

        raise CityNexusError("the search text is empty: type a few words, e.g. 'battery recycling' or '电池回收'")
    if svc.is_empty(engine):
        return {"query": q, "target": target, "empty": True, "synthetic": False, "results": []}
    m = matcher_of(request)
    res = m.search(q, top=top, target=target, lang=lang)
    return {
        "query": q,
        "target": target,
        "empty": False,
        "synthetic": svc.any_synthetic(m),
        "results": [svc.match_json(m, r) for r in res],
    }


@router.get("/needs/{need_id}/matches", summary="Offers ranked for a need, with score and reasons")
def need_matches(
    request: Request,
    need_id: str = PathParam(..., max_length=64),
    top: int = Query(10, ge=1, le=100),
    mode: str = Query("hybrid", pattern="^(hybrid|bm25|dense)$"),
) -> Any:
    if svc.is_empty(request.app.state.engine):
        return not_found(NotFoundError(f"no need with id {need_id!r}: the hub is empty"))
    m = matcher_of(request)
    try:
        res = m.match_need(need_id, top=top, mode=mode)
    except NotFoundError as err:
        return not_found(err)
    need = m.needs[need_id]
    return {
        "need": {**svc.item_json(m, "need", need_id), "org": svc.org_json(m, need.org)},
        "mode": mode,
        "synthetic": svc.any_synthetic(m),
        "matches": [svc.match_json(m, r) for r in res],
    }


@router.get("/orgs/{org_id}/portrait", summary="Digital portrait of an organization")
def org_portrait(request: Request, org_id: str = PathParam(..., max_length=64)) -> Any:
    """Profile, offers and needs, industries, top keywords, position in the match network and
    the best partners."""
    from citynexus.hub import portrait

    if svc.is_empty(request.app.state.engine):
        return not_found(NotFoundError(f"no organization with id {org_id!r}: the hub is empty"))
    m = matcher_of(request)
    if org_id not in m.orgs:
        return not_found(NotFoundError(f"no organization with id {org_id!r} in the hub"))
    p = portrait(m, org_id, graph=svc.graph_of(m))
    p["synthetic"] = svc.is_synthetic_org(m.orgs[org_id])
    return p


@router.post("/import", summary="Import a JSON Lines or Excel file of hub records (needs an API key)")
async def import_file(
    file: UploadFile = File(..., description="JSON Lines (.jsonl) or Excel (.xlsx) hub records"),
    db: Engine = Depends(get_db),
    _key: KeyInfo = Depends(require_key),
) -> Any:
    """All-or-nothing: one bad line and nothing is stored; every problem is listed with its line
    (or sheet and row) and field. Re-importing an id updates it (listed under ``updated``)."""
    content = await file.read()
    if len(content) > MAX_UPLOAD:
        from citynexus.errors import CityNexusError

        raise CityNexusError(f"{file.filename} is larger than {MAX_UPLOAD // 2**20} MiB")
    try:
        return svc.import_bytes(db, file.filename or "upload.jsonl", content)
    except HubImportError as err:
        return import_problems(err)


@router.post("/demo", summary="Load the bundled SYNTHETIC demo hub (needs an API key)")
def load_demo(db: Engine = Depends(get_db), _key: KeyInfo = Depends(require_key)) -> dict:
    """Imports the bundled demo hub: invented organizations, offers and needs across the 11
    Greater Bay Area cities, in Chinese and English. No record describes a real organization."""
    body = svc.import_bytes(db, "demo_hub.jsonl", Path(str(demo_path())).read_bytes())
    body["synthetic"] = True
    return body
