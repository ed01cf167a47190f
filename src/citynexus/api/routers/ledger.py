"""``/api/v1/ledger``: the verifiable ledger (可信账本) — status, recent entries, inclusion
proofs, traces and published-result checks (public reads) and appends (need an API key).

The log is the one in the app's database, created with ``citynexus ledger init``. Proofs are
RFC 9162 inclusion proofs against the newest signed checkpoint covering the entry, or, when
no checkpoint covers it yet, against the current (unsigned) tree head; every proof is
verified here with :func:`citynexus.ledger.verify_bundle` before it is returned.
"""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Body, Depends, File, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, func, select

from citynexus.api.deps import get_db, require_key
from citynexus.api.security import KeyInfo
from citynexus.errors import CityNexusError
from citynexus.ledger import Ledger, LedgerError, trace, verify_bundle, verify_result
from citynexus.ledger.errors import EntryError, ProofError, TraceError
from citynexus.store import session_scope
from citynexus.store.ledger import LedgerCheckpoint, LedgerEntry, LedgerHead

router = APIRouter(prefix="/ledger", tags=["ledger"])

INIT_HELP = (
    "this database holds no ledger yet; create one with `citynexus ledger init --db URL` "
    "(then `citynexus ledger keygen NAME` and `citynexus ledger checkpoint --key NAME.key` to sign tree heads)"
)
MAX_APPEND = 1000
MAX_UPLOAD = 20 * 1024 * 1024


class NoLedgerError(LedgerError):
    """The database has no ledger."""


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def ledger_of(engine: Engine) -> Ledger | None:
    """The ledger of the app's database, or None when none was initialised."""
    with session_scope(engine) as s:
        if s.get(LedgerHead, 1) is None:
            return None
    return Ledger(engine.url.render_as_string(hide_password=False))


def require_ledger(engine: Engine) -> Ledger:
    led = ledger_of(engine)
    if led is None:
        raise NoLedgerError(INIT_HELP)
    return led


def error(err: Exception, status: int) -> JSONResponse:
    return JSONResponse({"error": type(err).__name__, "message": str(err)}, status_code=status)


def entry_json(e) -> dict[str, Any]:
    return {
        "index": e.index,
        "type": e.type,
        "submitter": e.submitter,
        "time": e.time,
        "payload": e.payload,
        "leaf_hash": b64(e.leaf_hash),
    }


def status(led: Ledger | None) -> dict[str, Any]:
    """Origin, size, root and latest checkpoint of the log (``initialised: false`` and how to
    create one when there is none)."""
    if led is None:
        return {"initialised": False, "message": INIT_HELP}
    head = led.head()
    cp = led.latest_checkpoint()
    with session_scope(led.engine) as s:
        row = s.get(LedgerHead, 1)
        created = row.created
        n_cp = s.execute(select(func.count()).select_from(LedgerCheckpoint)).scalar_one()
        types = dict(
            s.execute(
                select(LedgerEntry.type, func.count()).group_by(LedgerEntry.type).order_by(LedgerEntry.type)
            ).all()
        )
        key_name = None
        if cp is not None:
            key_name = s.execute(
                select(LedgerCheckpoint.key_name).order_by(LedgerCheckpoint.id.desc()).limit(1)
            ).scalar_one_or_none()
    return {
        "initialised": True,
        "origin": head.origin,
        "created": created,
        "size": head.size,
        "root": b64(head.root),
        "root_hex": head.root.hex(),
        "checkpoints": int(n_cp),
        "latest_checkpoint": None
        if cp is None
        else {
            "size": cp.size,
            "root": b64(cp.root),
            "time": cp.time,
            "key": key_name,
            "covers_all": cp.size == head.size,
            "note": cp.note,
        },
        "entry_types": {k: int(v) for k, v in types.items()},
        "keys": [v.name for v in led.known_keys()],
    }


def proof_of(led: Ledger, index: int, size: int | None = None) -> dict[str, Any]:
    """The proof bundle of entry ``index`` (signed checkpoint when one covers it, else the
    unsigned root at ``size`` or the current size), verified; adds ``verified``."""
    current = led.size
    if not 0 <= index < current:
        raise EntryError(f"no entry {index}: the log holds entries 0..{current - 1}" if current else "the log is empty")
    if size is not None and not index < size <= current:
        raise ProofError(f"tree size {size} must be greater than the index {index} and at most the log size {current}")
    from citynexus.ledger.trust import trusted_keys, verify_trusted

    # signatures are checked with keys pinned in the server configuration (CITYNEXUS_LEDGER_TRUST),
    # never with keys read from this database; without pinned keys the proof is against the unsigned head
    pinned = trusted_keys()
    if pinned and size is None and led.latest_checkpoint(min_size=index + 1) is not None:
        bundle = led.prove(index)
    else:
        bundle = led.prove(index, size=size if size is not None else current)
    if bundle.get("checkpoint") and pinned:
        v = verify_trusted(bundle, pinned)
    else:
        bundle["checkpoint"] = None
        v = verify_bundle(bundle, trusted_root=led.root_at(bundle["tree_size"]))
    bundle["verified"] = {
        "ok": True,
        "signed": v.signed,
        "tree_size": v.tree_size,
        "root": b64(v.root),
        "checkpoint_time": v.checkpoint.time if v.checkpoint else None,
        "how": "inclusion proof checked against the signed checkpoint's root (signature by a pinned key)"
        if v.signed
        else "inclusion proof checked against the current (unsigned) tree head: "
        + (
            "no signed checkpoint covers this entry"
            if pinned
            else "no pinned public key is configured (CITYNEXUS_LEDGER_TRUST), so no signature is trusted"
        ),
    }
    return bundle


def trace_json(led: Ledger, item: str) -> dict[str, Any]:
    tr = trace(led, item)
    return {
        "item": tr.item,
        "kind": tr.kind,
        "in_transit": tr.in_transit,
        "mode": tr.mode,
        "tree_size": tr.tree_size,
        "root": b64(tr.root),
        "signed": tr.signed,
        "checkpoint": tr.checkpoint,
        "events": [{**entry_json(ev.entry), "proof": [b64(p) for p in ev.proof]} for ev in tr.events],
    }


def verify_result_json(led: Ledger, obj: Any) -> dict[str, Any]:
    """Check that a result JSON object is one that was published on this log."""
    from citynexus.ledger.publish import receipt_summary
    from citynexus.ledger.trust import NO_TRUST_HELP, trusted_keys

    if not isinstance(obj, dict):
        raise ProofError("a result file must hold a JSON object")
    pinned = trusted_keys()  # never the keys recorded in this database
    if not pinned:
        raise LedgerError(f"cannot check the publication's signature: {NO_TRUST_HELP}")
    v = verify_result(obj, ledger=led, verifiers=pinned)
    return {"verified": True, **receipt_summary(v), "entry": v.entry}


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
    content = await file.read()
    if len(content) > MAX_UPLOAD:
        raise CityNexusError(f"{file.filename} is larger than {MAX_UPLOAD // 2**20} MiB")
    from citynexus.data.limits import JSONSyntaxError, loads

    try:  # depth, size and duplicate keys checked before parsing: a clear 400, never a RecursionError
        obj = loads(content, source=file.filename or "the upload", max_bytes=MAX_UPLOAD)
    except JSONSyntaxError as err:
        raise ProofError(f"{file.filename or 'the upload'} is not a JSON file: {err}") from err
    return verify_result_json(led, obj)


@router.post("/entries", status_code=201, summary="Append a JSON record (or a list, in one batch) (needs an API key)")
def append_entries(
    request: Request,
    record: Any = Body(
        ...,
        description="{type, payload, submitter?} or a list of them; submitter defaults to the API key's name",
        examples=[{"type": "kpi.report", "payload": {"city": "SZ", "kpi": "rd_share", "value": 4.9}}],
    ),
    key: KeyInfo = Depends(require_key),
) -> Any:
    """Records are appended in one transaction (all or none). ``trace.event`` records are
    checked against the item's stored history (created, inspected, shipped, transferred,
    received)."""
    led = ledger_of(request.app.state.engine)
    if led is None:
        return error(NoLedgerError(INIT_HELP), 404)
    records = record if isinstance(record, list) else [record]
    if not records:
        raise EntryError("nothing to append: send one record {type, payload} or a non-empty list")
    if len(records) > MAX_APPEND:
        raise EntryError(f"at most {MAX_APPEND} records per request, got {len(records)}")
    from citynexus.ledger.log import normalise_records
    from citynexus.ledger.trace import EVENT_TYPE, record_events

    triples = normalise_records(records, submitter=key.name)
    kinds = {t for t, _, _ in triples}
    if EVENT_TYPE in kinds:
        if kinds != {EVENT_TYPE} or len({s for _, _, s in triples}) != 1:
            raise EntryError(
                f"send '{EVENT_TYPE}' records in their own request (one submitter), so that their chains are checked"
            )
        entries = record_events(led, [p for _, p, _ in triples], triples[0][2])
    else:
        entries = led.append_many(records, submitter=key.name)
    head = led.head()
    return {"entries": [entry_json(e) for e in entries], "size": head.size, "root": b64(head.root)}
