"""``/api/v1/watch``: risk early warning (风险预警) — scan a report table, partners ranked by risk,
alerts and their workflow, a series with its detections, change points of a series, and an SME's
credit report with its ledger proofs. The use cases live in :mod:`citynexus.services.watch`.

Reads of the SYNTHETIC demo and of credit reports (computed from the public ledger) need no key;
a scan and its alerts are read by the organisation that ran it, the party an alert is about and
the platform; writes need an editor key and are audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Query, UploadFile
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from citynexus.api.deps import Db, Reader, Writer, upload
from citynexus.api.problems import answer
from citynexus.services import watch as svc

router = APIRouter(prefix="/watch", tags=["watch"])

MAX_UPLOAD = 10 * 1024 * 1024
MAX_VALUES = 100_000

NOT_FOUND = {404: {"description": "No such (or no visible) scan, party, series, alert or record"}}
CONFLICT = {409: {"description": "The alert cannot move to this status from the one it has"}}


#: What is not there (or not visible) -> 404; an alert move its status does not allow -> 409.
STATUSES: dict[type[Exception], int] = {svc.WatchNotFoundError: 404, svc.WatchConflictError: 409}


def _call(fn, *args, **kwargs) -> Any:
    """``fn(*args, **kwargs)`` with the watch errors answered by :data:`STATUSES`."""
    return answer(STATUSES, fn, *args, **kwargs)


#: A party, metric or SME named in the path.
Name = Annotated[str, PathParam(max_length=200)]


class Series(BaseModel):
    values: list[float | None] = Field(
        ..., min_length=1, max_length=MAX_VALUES, description="The series in order; null is a missing value"
    )
    t: list[str] | None = Field(None, max_length=MAX_VALUES, description="Optional labels, one per value")
    lang: str = Field("en", pattern="^(en|zh)$")


class Move(BaseModel):
    note: str | None = Field(None, max_length=2000, description="A note kept with the alert")


# ---------------------------------------------------------------------------- endpoints
@router.post(
    "/scan",
    summary="Scan a report table (CSV or Excel party,metric,period,value), or your stored reports (editor key)",
    responses=NOT_FOUND,
)
async def scan(
    w: Writer,
    file: UploadFile | None = File(None, description="CSV (UTF-8) or .xlsx: party,metric,period,value[,submitted]"),
    as_of: str | None = Query(None, max_length=32, description="Current period (default: the latest reported)"),
    source: str = Query(
        "ledger", pattern="^(ledger|agreements)$", description="Without a file: verified ledger reports or agreements"
    ),
) -> Any:
    """Every detector on every series, partner risk and alerts. Without a file, scans the verified
    reports (``kpi.report`` ledger entries) of the key's organisation, or with ``source=agreements`` the
    reports stored with its agreements, every ``metric OP number`` term a KPI target. At most 10 MiB, 100,000 rows and
    300 parties; the scan and its alerts (deduplicated) belong to the key's organisation; audited."""
    if file is None:
        fn = svc.scan_agreements if source == "agreements" else svc.scan_stored
        return await run_in_threadpool(_call, fn, w.db, w.who, w.client, as_of)
    name, content = await upload(file, MAX_UPLOAD, "upload.csv")
    return await run_in_threadpool(_call, svc.scan_upload, w.db, w.who, name, content, w.client, as_of)


@router.get("/risk", summary="Parties of the latest scan, highest risk first, with top reasons", responses=NOT_FOUND)
def risk(
    db: Db,
    who: Reader,
    lang: str | None = Query(None, pattern="^(en|zh)$", description="Also give `reasons` in this language"),
    top: int | None = Query(None, ge=1, le=1000),
) -> Any:
    """Score in [0, 1], level (low < 0.25 ≤ medium < 0.5 ≤ high), score per category (funding, R&D,
    supply chain, compliance) and the top reasons in English and Chinese."""
    return _call(svc.risk_ranking, db, who, lang, top)


@router.get("/risk/{party}", summary="One party's risk, metrics and alerts", responses=NOT_FOUND)
def party_risk(db: Db, who: Reader, party: Name, lang: str | None = Query(None, pattern="^(en|zh)$")) -> Any:
    return _call(svc.party_risk, db, who, party, lang)


@router.get("/alerts", summary="Alerts you may see, highest score first")
def alerts(
    db: Db,
    who: Reader,
    status: str | None = Query(None, pattern="^(open|acknowledged|resolved)$"),
    party: str | None = Query(None, max_length=200),
    evidence: bool = Query(False, description="Include the series with the detection marked"),
    lang: str | None = Query(None, pattern="^(en|zh)$", description="Also `name` and `message` in this language"),
) -> Any:
    """Without a key: the public (SYNTHETIC demo) alerts. With a key: also the alerts of the key's
    organisation's scans and the alerts about the organisation itself; the platform sees all."""
    return _call(svc.alerts_for, db, who, status, party, evidence, lang)


def _mover(status: str, doc: str):
    """The endpoint that moves an alert to ``status`` (its OpenAPI description: ``doc``)."""

    def move(
        alert_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
        w: Writer,
        body: Move | None = Body(None),
    ) -> Any:
        return _call(svc.move_alert, w.db, w.who, alert_id, status, body.note if body else None, w.client)

    move.__doc__ = doc
    return move


for _name, _action, _status, _doc in (
    (
        "acknowledge",
        "ack",
        "acknowledged",
        "open -> acknowledged. Asking again changes nothing (``unchanged: true``); audited.",
    ),
    ("resolve", "resolve", "resolved", "open or acknowledged -> resolved; a resolved alert stays resolved. Audited."),
):
    router.add_api_route(
        f"/alerts/{{alert_id}}/{_action}",
        _mover(_status, _doc),
        methods=["POST"],
        name=_name,
        summary=f"{_name.capitalize()} an alert (editor key of its organisation)",
        responses={**NOT_FOUND, **CONFLICT},
    )


@router.get(
    "/series/{party}/{metric}",
    summary="A party's series with change points, outliers and the forecast band",
    responses=NOT_FOUND,
)
async def series(db: Db, who: Reader, party: Name, metric: Name) -> Any:
    return await run_in_threadpool(_call, svc.series_of, db, who, party, metric)


@router.get(
    "/credit/{sme}",
    summary="Credit report of an SME from verified ledger records, with a proof per entry",
    responses=NOT_FOUND,
)
async def credit(
    db: Db,
    sme: Name,
    lang: str = Query("en", pattern="^(en|zh)$"),
    proofs: bool = Query(True, description="Attach a proof bundle per ledger entry"),
) -> Any:
    """Points, probability of default, reason codes and each input with the ledger entries it came
    from; each proof bundle verifies offline with ``citynexus ledger verify``. The card is fitted on
    a SYNTHETIC SME portfolio (``model_note``)."""
    return await run_in_threadpool(_call, svc.credit_of, db, sme, lang, proofs)


@router.post("/changepoints", summary="Change points of one series with the default setting")
def changepoints(body: Series) -> Any:
    """The same default as ``citynexus watch changepoints FILE.csv --json``: 0-based positions at
    which a new segment starts (never 0)."""
    return svc.changepoints_of_values(body.values, body.t, body.lang)


@router.post("/demo", summary="Load the SYNTHETIC demo partner reports and scan them (editor key)")
async def demo(w: Writer) -> Any:
    """Idempotent: a second call adds nothing to the ledger and deduplicates the alerts."""
    return await run_in_threadpool(svc.load_demo, w.db, w.who, w.client)
