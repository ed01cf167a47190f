"""``/api/v1/centres`` and ``/api/v1/talent``: the SME technology service network (中小企业技术服务网络)
— centres, request routing with referrals and teams, service records (accept, deliver, confirm; the
two last ones on the ledger), centre performance, performance-linked funding, and talent matching.

Reads need no key and show the stored network, or the SYNTHETIC demo when nothing is stored
(``"synthetic": true``); imports and record steps need an editor key of the right party. The use
cases live in :mod:`citynexus.services.centres`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from citynexus.api.deps import AUTH_RESPONSES, Db, Encoder, Owner, PathId, Writer, upload
from citynexus.api.problems import Rejections
from citynexus.api.routers.hub import IMPORT_RESPONSES
from citynexus.centres.errors import CentresImportError
from citynexus.services import centres as svc

router = APIRouter(tags=["centres"])

ID = Annotated[str, Field(min_length=1, max_length=64)]
NOT_FOUND = {404: {"description": "No such centre, request, record, talent or position"}}


#: A rejected centres file or record -> 422 with every problem (the hub's error name, as before).
_problems_or = Rejections(CentresImportError, "HubImportError")
#: The editor key's writes: what it can be refused for, and the problems of what it sent.
WRITE = {**AUTH_RESPONSES, **IMPORT_RESPONSES}


# ---------------------------------------------------------------------------- centres and requests
@router.get("/centres", summary="Service centres (the synthetic demo's when none is stored)")
def centres(db: Db) -> dict:
    """Every centre with its fields, capability text (English and Chinese), city, capacity and owner."""
    return svc.list_centres(db)


@router.get("/centres/requests", summary="SME service requests (the synthetic demo's when none is stored)")
def requests_(db: Db) -> dict:
    return svc.list_requests(db)


class NewRequest(BaseModel):
    text: str = Field(..., min_length=1, max_length=20000, description="The problem statement (Chinese or English)")
    city: str = Field(..., min_length=1, max_length=40, description="The SME's city (code or name)")
    sme: ID | None = Field(None, description="The SME (default: the key's organisation)")
    id: ID | None = Field(None, description="Request id (default: a new one)")
    industry: str | None = Field(None, max_length=100)


@router.post(
    "/centres/requests",
    status_code=201,
    summary="Submit one SME service request (editor key)",
    responses={**WRITE, 409: {"description": "A request with that id exists already"}},
)
async def create_request(body: NewRequest, w: Writer) -> Any:
    """Validated like a line of a requests file; stored for the key's organisation and audited."""
    obj = {k: v for k, v in body.model_dump().items() if v is not None}
    return await _problems_or.created(svc.create_request, w.db, w.who, obj, w.client)


@router.post(
    "/centres/import",
    summary="Import a JSON Lines or Excel file of centres or of SME requests (editor key)",
    responses=WRITE,
)
async def import_file(
    w: Writer,
    file: UploadFile = File(..., description="Centres or requests: JSON Lines (.jsonl) or Excel (.xlsx)"),
    kind: Literal["centres", "requests"] = Query("centres", description="What the file holds"),
    owner: Owner = None,
) -> Any:
    """All-or-nothing: one bad line and nothing is stored; every problem is listed with its line
    and field (422). A centre or request of another organisation is refused. Centres also become
    hub organizations of kind ``service_centre`` with their ``service`` offers."""
    name, content = await upload(file, svc.MAX_UPLOAD, "upload.jsonl")
    return await _problems_or.in_thread(svc.import_upload, w.db, w.who, name, content, kind, w.client, owner)


class RouteRequest(BaseModel):
    text: str = Field(
        ...,
        min_length=1,
        max_length=5000,
        description="The SME's problem statement, in Chinese or English",
        examples=["EMC test failed at the lab; we need to redesign the PCB"],
    )
    sme: ID = Field("SME", description="The SME's id")
    city: str | None = Field(None, max_length=40, description="The SME's city (code or name; default GZ)")
    top: int = Field(3, ge=1, le=svc.MAX_TOP, description="Centres listed")
    mode: Literal["hybrid", "bm25", "dense"] = "hybrid"
    referrals: bool = Field(True, description="Referral and team from the statement's clauses")


@router.post(
    "/centres/route",
    summary="Centres ranked for a problem statement, with reasons, a referral and a team",
    responses=IMPORT_RESPONSES,
)
def route(req: RouteRequest, db: Db, encoder: Encoder) -> Any:
    """The hub's hybrid matcher (BM25 + multilingual vectors, fused) over the centres' service
    offers; ``referral``: a second centre when a clause of the statement belongs to another field;
    ``team``: three or more centres for a cross-disciplinary case."""
    return _problems_or(
        svc.route_text,
        db,
        req.text,
        req.sme,
        req.city,
        req.top,
        req.mode,
        req.referrals,
        encoder=encoder,
    )


@router.get("/centres/inbox", summary="SME requests with their routing (one page)")
def inbox(
    db: Db,
    encoder: Encoder,
    page: int = Query(1, ge=1, le=100000),
    size: int = Query(8, ge=1, le=20),
) -> dict:
    return svc.inbox(db, page, size, encoder=encoder)


# ---------------------------------------------------------------------------- service records
@router.get("/centres/records", summary="Service records with their ledger verification")
def records(
    db: Db, centre: str | None = Query(None, max_length=64), period: str | None = Query(None, max_length=16)
) -> dict:
    return svc.list_records(db, centre, period)


class OpenRecord(BaseModel):
    centre: ID
    sme: ID | None = Field(None, description="The SME (or give a stored request)")
    request: ID | None = Field(None, description="A stored request id")
    period: str | None = Field(None, max_length=16, description="Funding period (default: the year)")
    referred_from: ID | None = Field(None, description="The centre that referred the SME")


@router.post(
    "/centres/records",
    status_code=201,
    summary="Open a service record (an editor key of the SME or of the centre)",
    responses={**AUTH_RESPONSES, **NOT_FOUND},
)
def open_record(body: OpenRecord, w: Writer) -> JSONResponse:
    out = svc.record_action(w.db, w.who, "open", client=w.client, **body.model_dump())
    return JSONResponse(out, status_code=201)


class Confirm(BaseModel):
    rating: int = Field(..., ge=1, le=5, description="The SME's rating, 1-5")
    outcome: Literal["technology_adopted", "certification_passed", "cost_saved"] | None = None


def _step(action: str):
    def step(record_id: PathId, w: Writer) -> dict:
        return svc.record_action(w.db, w.who, action, record_id, client=w.client)

    return step


for _action, _who in (("accept", "the centre"), ("deliver", "the centre; appended to the ledger")):
    router.add_api_route(
        f"/centres/records/{{record_id}}/{_action}",
        _step(_action),
        methods=["POST"],
        summary=f"{_action.capitalize()} a service record ({_who})",
        responses={**AUTH_RESPONSES, **NOT_FOUND},
    )


@router.post(
    "/centres/records/{record_id}/confirm",
    summary="Confirm a delivered service with a rating and an outcome (the SME only; on the ledger)",
    responses={**AUTH_RESPONSES, **NOT_FOUND},
)
def confirm(body: Confirm, record_id: PathId, w: Writer) -> dict:
    """Only an editor of the SME confirms; a key acting for the centre is refused (403), so a
    centre never confirms its own service."""
    return svc.record_action(
        w.db, w.who, "confirm", record_id, client=w.client, rating=body.rating, outcome=body.outcome
    )


# ---------------------------------------------------------------------------- performance and funding
@router.get("/centres/performance", summary="Centre performance per year and the composite index with rank intervals")
def performance(
    db: Db,
    year: int | None = Query(None, ge=1900, le=2200),
    samples: int | None = Query(None, ge=20, le=1000, description="Replications of the rank uncertainty"),
) -> dict:
    """Distinct SMEs, confirmed services, ratings, outcomes, response time, repeat use, referrals
    given and taken; the index (evaluation engine, spec ``centres/specs/performance.toml``) with
    5-95 % rank intervals; the referral network's centralities and the gaps between fields."""
    return svc.performance(db, year, samples)


Weight = Annotated[float, Field(ge=0, le=1)]


class FundRequest(BaseModel):
    budget: Annotated[float, Field(ge=0, le=1e15)] | Annotated[str, Field(max_length=40)] = Field(
        ..., description="Budget to allocate, to the cent", examples=[1000000]
    )
    formula: dict[str, Any] | None = Field(
        None,
        description="Formula in the layout of the TOML file (base_share; performance.quantity / quality and their "
        "splits; limits). Missing keys take the default's values; a missing complement is 1 minus the other.",
        examples=[{"base_share": 0.4, "performance": {"quantity": 0.6}}],
    )
    compare: dict[str, Any] | None = Field(None, description="A second formula: scenario comparison")
    records: list[dict[str, Any]] | None = Field(
        None,
        max_length=200000,
        description="Records {centre, sme, period, confirmed, rating[, confirmed_by, outcome, affiliated]}; "
        "without records (and records_csv) the stored ledger-verified records are used (the synthetic demo's "
        "when none is stored)",
    )
    records_csv: str | None = Field(None, max_length=50_000_000, description="The same records as CSV text")
    sensitivity: bool = Field(
        False, description="Also each amount's 5-95 % range and Sobol indices when the weights vary ±50 %"
    )


@router.post(
    "/centres/fund",
    summary="Allocate a budget over the centres with a funding formula (no key needed)",
    responses=IMPORT_RESPONSES,
)
def fund(req: FundRequest, db: Db) -> Any:
    """Only SME-confirmed records count; repeats of one SME in a period count once; self-confirmed
    and affiliate records are flagged and not counted. Amounts sum to the budget exactly; each row
    carries its explanation, its amount under the default formula and the change (``vs_default``)."""
    return _problems_or(
        svc.fund,
        db,
        str(req.budget),
        req.formula,
        req.records,
        req.records_csv,
        req.compare,
        sensitivity=req.sensitivity,
    )


# ---------------------------------------------------------------------------- talent
@router.get("/talent", summary="Talent profiles and positions (the synthetic demo's when none is stored)")
def talent_pool(db: Db) -> dict:
    from dataclasses import asdict

    pool = svc.talent_pool(db)
    return {
        "synthetic": pool["synthetic"],
        "talents": [asdict(t) for t in pool["talents"]],
        "positions": [asdict(p) for p in pool["positions"]],
    }


@router.get(
    "/talent/match",
    summary="Talents for a position, or positions for a talent, with hard constraints and reasons",
    responses=NOT_FOUND,
)
def talent_match(
    db: Db,
    encoder: Encoder,
    position: str | None = Query(None, max_length=64),
    talent: str | None = Query(None, max_length=64),
    top: int = Query(5, ge=1, le=50),
) -> dict:
    """City, languages, work permit and level are hard constraints; the reasons list the shared
    terms, the semantic similarity and every constraint met."""
    return svc.talent_match(db, position, talent, top, encoder=encoder)


@router.post(
    "/talent/import",
    summary="Import a JSON Lines file of talent profiles and positions (editor key)",
    responses=WRITE,
)
async def talent_import(
    w: Writer,
    file: UploadFile = File(..., description="JSON Lines of talent and position records"),
    owner: Owner = None,
) -> Any:
    name, content = await upload(file, svc.MAX_UPLOAD, "talent.jsonl")
    return await _problems_or.in_thread(svc.import_talent_upload, w.db, w.who, name, content, w.client, owner)
