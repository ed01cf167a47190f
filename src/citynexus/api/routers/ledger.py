"""``/api/v1/ledger``: the verifiable ledger (可信账本) — status, recent entries, inclusion
proofs, traces and published-result checks (public reads) and appends (need an API key).

The log is the one in the app's database, created with ``citynexus ledger init``. Proofs are
RFC 9162 inclusion proofs against the newest signed checkpoint covering the entry, or, when
no checkpoint covers it yet, against the current (unsigned) tree head; every proof is
verified here with :func:`citynexus.ledger.verify_bundle` before it is returned.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, File, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from citynexus.api.deps import client_of, get_db, read_upload, require_key
from citynexus.data import limits
from citynexus.ledger.errors import EntryError, ProofError, TraceError
from citynexus.services.auth import Principal
from citynexus.services.ledger import (
    INIT_HELP,
    NoLedgerError,
    append,
    entry_json,
    ledger_of,
    proof_of,
    status,
    trace_json,
    verify_result_json,
)

router = APIRouter(prefix="/ledger", tags=["ledger"])

MAX_UPLOAD = 20 * 1024 * 1024


def error(err: Exception, status: int) -> JSONResponse:
    return JSONResponse({"error": type(err).__name__, "message": str(err)}, status_code=status)


# ---------------------------------------------------------------------------- endpoints
@router.get("/status", summary="Origin, size, root and latest signed checkpoint of the log")
def get_status(db: Engine = Depends(get_db)) -> dict:
    return status(ledger_of(db))


@router.get("/entries", summary="Most recent entries, newest first")
def recent_entries(
    limit: int = Query(20, ge=1, le=500), type: str | None = Query(None, max_length=100), db: Engine = Depends(get_db)
) -> Any:
    led = ledger_of(db)
    if led is None:
        return error(NoLedgerError(INIT_HELP), 404)
    return {"size": led.size, "entries": [entry_json(e) for e in led.find(type=type, limit=limit)]}


@router.get("/entries/{index}/proof", summary="Inclusion proof of entry N (verified), as a standalone bundle")
def entry_proof(
    index: int = Path(..., ge=0, description="Entry index (0-based)"),
    size: int | None = Query(None, ge=1, description="Tree size to prove against (default: newest checkpoint)"),
    db: Engine = Depends(get_db),
) -> Any:
    """The bundle (entry, proof, root, checkpoint) verifies offline with ``citynexus ledger
    verify BUNDLE.json --pubkey NAME.pub``."""
    led = ledger_of(db)
    if led is None:
        return error(NoLedgerError(INIT_HELP), 404)
    try:
        return proof_of(led, index, size)
    except EntryError as err:
        return error(err, 404)


@router.get("/trace/{item}", summary="Event chain of a traced item, each event with its inclusion proof")
def item_trace(item: str = Path(..., max_length=200), db: Engine = Depends(get_db)) -> Any:
    led = ledger_of(db)
    if led is None:
        return error(NoLedgerError(INIT_HELP), 404)
    try:
        return trace_json(led, item)
    except TraceError as err:
        return error(err, 404)


@router.post("/verify-result", summary="Check that an uploaded result JSON file is one published on the log")
async def verify_result_upload(
    file: UploadFile = File(..., description="The result file (JSON) to check"), db: Engine = Depends(get_db)
) -> Any:
    """Recomputes the file's canonical digest (RFC 8785) and proves the ``result.published``
    entry that records it. Stores nothing; no key needed."""
    led = ledger_of(db)
    if led is None:
        return error(NoLedgerError(INIT_HELP), 404)
    content = await read_upload(file, MAX_UPLOAD)
    name = file.filename or "the upload"
    try:
        obj = limits.loads(content, name)  # bounded depth and size, duplicate keys refused
    except limits.InputLimitError as err:
        raise ProofError(str(err)) from None
    except ValueError as err:
        raise ProofError(f"{name} is not a JSON file: {err}") from None
    return await run_in_threadpool(verify_result_json, led, obj)


@router.post("/entries", status_code=201, summary="Append a JSON record (or a list, in one batch) (needs an API key)")
def append_entries(
    request: Request,
    record: Any = Body(
        ...,
        description="{type, payload} or a list of them; the submitter is the key's organisation and name",
        examples=[{"type": "kpi.report", "payload": {"city": "SZ", "kpi": "rd_share", "value": 4.9}}],
    ),
    who: Principal = Depends(require_key),
) -> Any:
    """Records are appended in one transaction (all or none). ``trace.event`` records are
    checked against the item's stored history (created, inspected, shipped, transferred,
    received)."""
    led = ledger_of(request.app.state.engine)
    if led is None:
        return error(NoLedgerError(INIT_HELP), 404)
    return append(led, record, who, client_of(request))
