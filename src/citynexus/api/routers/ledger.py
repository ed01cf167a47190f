"""``/api/v1/ledger``: the verifiable ledger (可信账本) — status, recent entries, inclusion
proofs, traces and published-result checks (public reads) and appends (need an API key).

The log is the one in the app's database, created with ``citynexus ledger init``. Proofs are
RFC 9162 inclusion proofs against the newest signed checkpoint covering the entry, or, when
no checkpoint covers it yet, against the current (unsigned) tree head; every proof is
verified here with :func:`citynexus.ledger.verify_bundle` before it is returned.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Body, File, Path, Query, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from citynexus.api.deps import Db, Writer, upload
from citynexus.api.problems import answer, error_response
from citynexus.data import limits
from citynexus.ledger.errors import EntryError, ProofError, TraceError
from citynexus.services import ledger as svc
from citynexus.services.ledger import INIT_HELP, NoLedgerError, ledger_of

router = APIRouter(prefix="/ledger", tags=["ledger"])

MAX_UPLOAD = 20 * 1024 * 1024


def _no_ledger() -> JSONResponse:
    """404: the database has no ledger (the message says how to create one)."""
    return error_response(NoLedgerError(INIT_HELP), 404)


def _on_log(db: Db, fn: Callable[..., Any], *args: Any, missing: type[Exception] | None = None) -> Any:
    """``fn(ledger, *args)`` on the database's ledger; 404 when there is none, and when ``fn``
    raises ``missing`` (no such entry or item)."""
    led = ledger_of(db)
    if led is None:
        return _no_ledger()
    return answer({missing: 404} if missing else {}, fn, led, *args)


def _recent(led: Any, type: str | None, limit: int) -> dict:
    return {"size": led.size, "entries": [svc.entry_json(e) for e in led.find(type=type, limit=limit)]}


# ---------------------------------------------------------------------------- endpoints
@router.get("/status", summary="Origin, size, root and latest signed checkpoint of the log")
def get_status(db: Db) -> dict:
    return svc.status(ledger_of(db))


@router.get("/entries", summary="Most recent entries, newest first")
def recent_entries(db: Db, limit: int = Query(20, ge=1, le=500), type: str | None = Query(None, max_length=100)) -> Any:
    return _on_log(db, _recent, type, limit)


@router.get("/entries/{index}/proof", summary="Inclusion proof of entry N (verified), as a standalone bundle")
def entry_proof(
    db: Db,
    index: int = Path(..., ge=0, description="Entry index (0-based)"),
    size: int | None = Query(None, ge=1, description="Tree size to prove against (default: newest checkpoint)"),
) -> Any:
    """The bundle (entry, proof, root, checkpoint) verifies offline with ``citynexus ledger
    verify BUNDLE.json --pubkey NAME.pub``."""
    return _on_log(db, svc.proof_of, index, size, missing=EntryError)


@router.get("/trace/{item}", summary="Event chain of a traced item, each event with its inclusion proof")
def item_trace(db: Db, item: str = Path(..., max_length=200)) -> Any:
    return _on_log(db, svc.trace_json, item, missing=TraceError)


@router.post("/verify-result", summary="Check that an uploaded result JSON file is one published on the log")
async def verify_result_upload(
    db: Db, file: UploadFile = File(..., description="The result file (JSON) to check")
) -> Any:
    """Recomputes the file's canonical digest (RFC 8785) and proves the ``result.published``
    entry that records it. Stores nothing; no key needed."""
    led = ledger_of(db)
    if led is None:
        return _no_ledger()
    name, content = await upload(file, MAX_UPLOAD, "the upload")
    try:
        obj = limits.loads(content, name)  # bounded depth and size, duplicate keys refused
    except limits.InputLimitError as err:
        raise ProofError(str(err)) from None
    except ValueError as err:
        raise ProofError(f"{name} is not a JSON file: {err}") from None
    return await run_in_threadpool(svc.verify_result_json, led, obj)


@router.post("/entries", status_code=201, summary="Append a JSON record (or a list, in one batch) (needs an API key)")
def append_entries(
    w: Writer,
    record: Any = Body(
        ...,
        description="{type, payload} or a list of them; the submitter is the key's organisation and name",
        examples=[{"type": "kpi.report", "payload": {"city": "SZ", "kpi": "rd_share", "value": 4.9}}],
    ),
) -> Any:
    """Records are appended in one transaction (all or none). ``trace.event`` records are
    checked against the item's stored history (created, inspected, shipped, transferred,
    received)."""
    return _on_log(w.db, svc.append, record, w.who, w.client)
