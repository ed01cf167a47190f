"""``/api/v1/hub``: the cooperation hub (合作平台) — search, matches of a need, portraits
(public reads) and JSON Lines / Excel import and the bundled synthetic demo hub (need a key).

The hub lives in the app's database. One :class:`~citynexus.hub.Matcher` per database is
kept in memory and rebuilt when the hub changes (record counts or the newest ``updated_at``
differ, or an import went through this API); sentence vectors are cached in the database,
so a rebuild only encodes new or changed texts.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, func, select

from citynexus.api.deps import get_db, require_key
from citynexus.api.security import KeyInfo
from citynexus.hub import Hub, HubImportError, Matcher, NotFoundError, demo_path
from citynexus.store import session_scope
from citynexus.store.hub import HubNeed, HubOffer, HubOrganization

router = APIRouter(prefix="/hub", tags=["hub"])

MAX_UPLOAD = 50 * 1024 * 1024
SYNTHETIC_MARKERS = ("Synthetic demo record", "合成演示数据")


# ---------------------------------------------------------------------------- shared helpers
def hub_of(engine: Engine) -> Hub:
    """The hub stored in ``engine``'s database."""
    return Hub(engine.url.render_as_string(hide_password=False))


def state_of(engine: Engine) -> tuple:
    """A cheap fingerprint of the hub's content: counts and newest update per table."""
    with session_scope(engine) as s:
        out = []
        for table in (HubOrganization, HubOffer, HubNeed):
            n, last = s.execute(select(func.count(), func.max(table.updated_at)).select_from(table)).one()
            out.append((int(n), str(last)))
    return tuple(out)


def is_empty(engine: Engine) -> bool:
    return all(n == 0 for n, _ in state_of(engine))


_lock = threading.Lock()
_cache: dict[str, tuple[tuple, Matcher]] = {}
_generation: dict[str, int] = {}


def invalidate(engine: Engine) -> None:
    """Forget the cached matcher of ``engine`` (after an import)."""
    key = str(engine.url)
    with _lock:
        _cache.pop(key, None)
        _generation[key] = _generation.get(key, 0) + 1


def matcher_of(request: Request) -> Matcher:
    """The matcher over everything in the app's hub (built once per hub state). The encoder
    is ``app.state.hub_encoder`` when set, else the process-wide default encoder."""
    engine = request.app.state.engine
    encoder = getattr(request.app.state, "hub_encoder", None)
    key = str(engine.url)
    with _lock:
        state = (_generation.get(key, 0), state_of(engine), getattr(encoder, "name", None))
        hit = _cache.get(key)
        if hit is not None and hit[0] == state:
            return hit[1]
        m = hub_of(engine).matcher(encoder=encoder).build()
        _cache[key] = (state, m)
        return m


def graph_of(m: Matcher):
    """The organizations' match graph of a matcher (computed once per matcher)."""
    g = getattr(m, "_cnx_graph", None)
    if g is None:
        from citynexus.hub import match_graph

        with _lock:
            g = getattr(m, "_cnx_graph", None)
            if g is None:
                g = match_graph(m)
                m._cnx_graph = g
    return g


def is_synthetic_org(org) -> bool:
    """Records of the bundled demo hub say so in their descriptions."""
    return any((d or "").startswith(SYNTHETIC_MARKERS) for d in (org.description, org.description_zh))


def any_synthetic(m: Matcher) -> bool:
    return any(is_synthetic_org(o) for o in m.orgs.values())


def org_json(m: Matcher, org_id: str) -> dict[str, Any]:
    o = m.orgs.get(org_id)
    if o is None:
        return {"id": org_id}
    from citynexus.hub import cities as _cities

    c = _cities.cities().get(o.city)
    return {
        "id": o.id,
        "name": o.name,
        "name_zh": o.name_zh,
        "kind": o.kind,
        "city": o.city,
        "city_name": c.name if c else o.city,
        "city_name_zh": c.name_zh if c else o.city,
        "synthetic": is_synthetic_org(o),
    }


def item_json(m: Matcher, item_type: str, item_id: str) -> dict[str, Any]:
    it = (m.offers if item_type == "offer" else m.needs).get(item_id)
    if it is None:
        return {"id": item_id}
    extra = {"attributes": it.attributes} if item_type == "offer" else {"constraints": it.constraints}
    return {
        "id": it.id,
        "kind": it.kind,
        "title": it.title,
        "text": it.text,
        "lang": it.lang,
        "industries": it.industries,
        **extra,
    }


def match_json(m: Matcher, match) -> dict[str, Any]:
    """A ranked match with the matched item and its organization spelled out."""
    return {
        "type": match.item_type,
        "id": match.item_id,
        "score": round(match.score, 6),
        "item": item_json(m, match.item_type, match.item_id),
        "org": org_json(m, match.org),
        "reasons": match.reasons,
    }


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


def import_bytes(engine: Engine, filename: str, content: bytes) -> dict[str, Any]:
    """Import an uploaded .jsonl or .xlsx file (all-or-nothing); raises HubImportError."""
    suffix = Path(filename).suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".json", ".xlsx"):
        from citynexus.hub import ImportProblem

        raise HubImportError(
            [
                ImportProblem(
                    0, "(file)", f"cannot import {filename!r}", "upload a JSON Lines (.jsonl) or Excel (.xlsx) file"
                )
            ],
            filename,
        )
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"upload{suffix}"
        p.write_bytes(content)
        hub = hub_of(engine)
        try:
            report = hub.import_file(p)
        except HubImportError as err:
            err.source = filename
            raise
    invalidate(engine)
    body = report.to_json()
    body["source"] = filename
    body["summary"] = report.summary().replace(str(p), filename)
    body["counts"] = hub.counts()
    return body


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
    if is_empty(engine):
        return {"query": q, "target": target, "empty": True, "synthetic": False, "results": []}
    m = matcher_of(request)
    res = m.search(q, top=top, target=target, lang=lang)
    return {
        "query": q,
        "target": target,
        "empty": False,
        "synthetic": any_synthetic(m),
        "results": [match_json(m, r) for r in res],
    }


@router.get("/needs/{need_id}/matches", summary="Offers ranked for a need, with score and reasons")
def need_matches(
    request: Request,
    need_id: str = PathParam(..., max_length=64),
    top: int = Query(10, ge=1, le=100),
    mode: str = Query("hybrid", pattern="^(hybrid|bm25|dense)$"),
) -> Any:
    if is_empty(request.app.state.engine):
        return not_found(NotFoundError(f"no need with id {need_id!r}: the hub is empty"))
    m = matcher_of(request)
    try:
        res = m.match_need(need_id, top=top, mode=mode)
    except NotFoundError as err:
        return not_found(err)
    need = m.needs[need_id]
    return {
        "need": {**item_json(m, "need", need_id), "org": org_json(m, need.org)},
        "mode": mode,
        "synthetic": any_synthetic(m),
        "matches": [match_json(m, r) for r in res],
    }


@router.get("/orgs/{org_id}/portrait", summary="Digital portrait of an organization")
def org_portrait(request: Request, org_id: str = PathParam(..., max_length=64)) -> Any:
    """Profile, offers and needs, industries, top keywords, position in the match network and
    the best partners."""
    from citynexus.hub import portrait

    if is_empty(request.app.state.engine):
        return not_found(NotFoundError(f"no organization with id {org_id!r}: the hub is empty"))
    m = matcher_of(request)
    if org_id not in m.orgs:
        return not_found(NotFoundError(f"no organization with id {org_id!r} in the hub"))
    p = portrait(m, org_id, graph=graph_of(m))
    p["synthetic"] = is_synthetic_org(m.orgs[org_id])
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
        return import_bytes(db, file.filename or "upload.jsonl", content)
    except HubImportError as err:
        return import_problems(err)


@router.post("/demo", summary="Load the bundled SYNTHETIC demo hub (needs an API key)")
def load_demo(db: Engine = Depends(get_db), _key: KeyInfo = Depends(require_key)) -> dict:
    """Imports the bundled demo hub: invented organizations, offers and needs across the 11
    Greater Bay Area cities, in Chinese and English. No record describes a real organization."""
    body = import_bytes(db, "demo_hub.jsonl", Path(str(demo_path())).read_bytes())
    body["synthetic"] = True
    return body
