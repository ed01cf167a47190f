"""``/api/v1/cases``: the case library (案例库) — list with filters, one case, cases like it, hub
organizations offering relevant services, SDG tagging of a text (public reads), and JSON Lines /
Excel import, updates and juried screening runs (need an editor key). The use cases live in
:mod:`citynexus.services.cases`."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Body, File, Query, UploadFile
from fastapi import Path as PathParam
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool

from citynexus.api.deps import Db, Encoder, Writer, upload
from citynexus.api.problems import Rejections
from citynexus.cases.errors import CaseImportError
from citynexus.services import cases as svc

router = APIRouter(prefix="/cases", tags=["cases"])

MAX_UPLOAD = 20 * 1024 * 1024
CASE_ID = PathParam(..., min_length=1, max_length=64, description="A case id (`GET /api/v1/cases` lists them)")
NOT_FOUND = {404: {"description": "No case with this id"}}
IMPORT_RESPONSES = {422: {"description": "The case file does not validate: nothing stored; every problem listed"}}


#: A rejected case file or case -> 422 with every problem.
rejected = Rejections(CaseImportError, "CaseImportError")


# ---------------------------------------------------------------------------- reads
@router.get("", summary="The case library (seed and user cases), filtered")
def list_cases(
    db: Db,
    goal: int | None = Query(None, ge=1, le=17, description="Only cases tagged with this SDG (1..17)"),
    country: str | None = Query(None, max_length=200, description="Country, English or Chinese name"),
    city: str | None = Query(None, max_length=200, description="City, English or Chinese name"),
    theme: str | None = Query(None, max_length=200, description="Only cases with this theme"),
    q: str | None = Query(None, max_length=500, description="Words that must all occur (either language)"),
    origin: str | None = Query(None, pattern="^(seed|user)$", description="seed (shipped) or user (imported)"),
) -> dict:
    """Seed cases first, then the imported ones; every filter is optional."""
    return svc.search_json(db, goal=goal, country=country, city=city, theme=theme, q=q, origin=origin)


class TagRequest(BaseModel):
    text: str = Field(..., min_length=1, max_length=20000, description="A practice or problem, Chinese or English")
    method: str = Field("hybrid", pattern="^(hybrid|encoder|keywords)$")
    top: int = Field(5, ge=1, le=17, description="How many goals to return, best first")
    lang: str | None = Field(None, pattern="^(en|zh)$", description="Language of goal and target texts")


@router.post("/tag", summary="SDG goals and targets of a text, with scores and the phrases that matched")
async def tag(body: TagRequest) -> dict:
    """Hybrid of the multilingual sentence encoder and the bilingual keyword ontology (see
    docs/cases.md); ``{"goals": [{"goal": N, "score": x, "encoder", "keywords", "phrases",
    "targets"}, ...], "targets": [...], "lang", "method", "encoder"}``, best first."""
    return await run_in_threadpool(svc.tag_json, body.text, body.method, body.top, body.lang)


@router.get("/{case_id}", summary="One case with its SDG goal and target texts", responses=NOT_FOUND)
def get_case(db: Db, case_id: str = CASE_ID) -> dict:
    return svc.case_json(db, case_id)


@router.get("/{case_id}/similar", summary="Cases like this one, across languages", responses=NOT_FOUND)
async def similar(
    db: Db,
    case_id: str = CASE_ID,
    top: int = Query(5, ge=1, le=50),
    goal: int | None = Query(None, ge=1, le=17, description="Only cases tagged with this SDG"),
    lang: str = Query("en", pattern="^(en|zh)$", description="Language of titles and places"),
) -> dict:
    """Similarity = the larger cosine of the query case to a case's English and Chinese texts
    (multilingual sentence encoder); the case itself is left out."""
    return await run_in_threadpool(svc.similar_json, db, case_id, top, goal, lang)


@router.get("/{case_id}/hub", summary="Hub organizations offering services relevant to a case", responses=NOT_FOUND)
async def hub_organizations(db: Db, encoder: Encoder, case_id: str = CASE_ID, top: int = Query(5, ge=1, le=50)) -> dict:
    """The case's texts and themes searched against the hub's offers (BM25 + sentence vectors),
    grouped by organization; an empty hub answers ``"empty": true``."""
    return await run_in_threadpool(svc.hub_organizations, db, case_id, top, encoder)


# ---------------------------------------------------------------------------- writes
@router.post(
    "/import", summary="Import a JSON Lines or Excel file of cases (needs an editor key)", responses=IMPORT_RESPONSES
)
async def import_file(
    w: Writer,
    file: UploadFile = File(..., description="Cases as JSON Lines (.jsonl) or Excel (.xlsx, sheets cases/evidence)"),
    owner: str | None = Query(None, max_length=64, description="Owner of new cases (platform keys only)"),
) -> Any:
    """All-or-nothing: one bad line and nothing is stored; every problem is listed with file,
    line (or sheet and row) and field. An existing id is updated, only by its owner organisation;
    ids ``seed-...`` are reserved for the shipped cases."""
    name, content = await upload(file, MAX_UPLOAD, "upload.jsonl")
    return await rejected.in_thread(svc.import_upload, w.db, w.who, name, content, w.client, owner)


@router.put(
    "/{case_id}",
    summary="Replace a stored case (needs an editor key of its owner)",
    responses={**NOT_FOUND, **IMPORT_RESPONSES},
)
async def update_case(
    w: Writer,
    case_id: str = CASE_ID,
    record: dict[str, Any] = Body(..., description="One case in the import schema (its id may be left out)"),
) -> Any:
    """Seed cases cannot be changed (403); a case of another organisation neither (403)."""
    return await rejected.in_thread(svc.update_case, w.db, w.who, case_id, record, w.client)


class ScreenRequest(BaseModel):
    scores: list[dict[str, Any]] | None = Field(
        None,
        max_length=20000,
        description="Juror scores, long ({juror, case, criterion, score}) or wide ({juror, case, innovation, "
        "replicability, sustainability, impact, sdg_alignment}); leave out for the bundled SYNTHETIC demo scores",
    )
    weights: dict[str, float] | None = Field(None, description="Criterion weights (normalised); default equal")
    ahp: list[list[float]] | None = Field(None, max_length=20, description="AHP pairwise matrix instead of weights")
    method: str = Field("arithmetic", pattern="^(arithmetic|topsis)$")
    scale: tuple[float, float] = Field((0.0, 10.0), description="Lowest and highest possible score")
    shortlist: int = Field(3, ge=1, le=100)
    tolerance: float | None = Field(0.5, ge=0, le=10, description="Weights move within ±tolerance (null: any weights)")

    @field_validator("weights", "scale", "ahp")
    @classmethod
    def _finite(cls, v):
        vals = (list(v.values()) if isinstance(v, dict) else
                [x for row in v for x in row] if v and isinstance(v[0], list) else list(v or ()))  # fmt: skip
        if any(not math.isfinite(x) or abs(x) > 1e9 for x in vals):
            raise ValueError("numbers must be finite and below 1e9")
        return v


@router.post("/screen", summary="Juror scores -> screening board and shortlist (needs an editor key)")
async def screen(body: ScreenRequest, w: Writer) -> dict:
    """Criterion means over jurors, weighted arithmetic mean or TOPSIS, rank and rank interval under
    the weight tolerance, shortlist (robust = still inside at its worst rank), Kendall's W overall
    and per criterion. Audited. At most 60 cases."""
    if body.scores is not None and len({str(r.get("case")) for r in body.scores if isinstance(r, dict)}) > 60:
        from citynexus.cases.errors import ScreeningError

        raise ScreeningError("at most 60 cases per screening request; split the cases or use `citynexus cases screen`")
    return await run_in_threadpool(
        svc.screening_board, w.db, w.who, body.scores, body.weights, body.ahp, body.method, body.scale, body.shortlist,
        body.tolerance, w.client,
    )  # fmt: skip
