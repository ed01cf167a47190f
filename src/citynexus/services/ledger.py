"""Use cases of the verifiable ledger shared by the API and the dashboard: status, proofs
(verified before they are returned), traces, result checks and appends.

Proofs are RFC 9162 inclusion proofs against the newest signed checkpoint covering the
entry, or, when no checkpoint covers it yet, against the current (unsigned) tree head.
"""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import Engine, func, select

from citynexus.ledger import Entry, Ledger, LedgerError, trace, verify_bundle, verify_result
from citynexus.ledger.errors import EntryError, ProofError
from citynexus.services import audit
from citynexus.services.auth import PermissionDenied, Principal, require_role
from citynexus.store import session_scope
from citynexus.store.ledger import LedgerCheckpoint, LedgerEntry, LedgerHead

INIT_HELP = (
    "this database holds no ledger yet; create one with `citynexus ledger init --db URL` "
    "(then `citynexus ledger keygen NAME` and `citynexus ledger checkpoint --key NAME.key` to sign tree heads)"
)
MAX_APPEND = 1000


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


def entry_json(e: Entry) -> dict[str, Any]:
    """A ledger entry for the faces: its index, the four hashed fields and its leaf hash (base64)."""
    return {"index": e.index, **e.as_json(), "leaf_hash": b64(e.leaf_hash)}


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


def append(led: Ledger, record: Any, who: Principal, client: str | None = None) -> dict[str, Any]:
    """Append one record ``{type, payload}`` or a list of them in one transaction (all or
    none) for ``who`` (an editor or above); the submitter is always the authenticated
    ``org/key-name`` — a record naming another submitter is refused. ``trace.event`` records
    are checked against the item's stored history. Audited. Returns the entries and the new head."""
    require_role(who, "editor", "appending to the ledger")
    records = record if isinstance(record, list) else [record]
    if not records:
        raise EntryError("nothing to append: send one record {type, payload} or a non-empty list")
    if len(records) > MAX_APPEND:
        raise EntryError(f"at most {MAX_APPEND} records per request, got {len(records)}")
    for i, r in enumerate(records):
        if isinstance(r, dict) and r.get("submitter", who.label) != who.label:
            raise PermissionDenied(
                f"record {i}: the submitter is the authenticated organisation and key ({who.label}); "
                "leave 'submitter' out"
            )
    from citynexus.ledger.entry import normalise_records
    from citynexus.ledger.trace import EVENT_TYPE, record_events

    triples = normalise_records(records, submitter=who.label)
    kinds = {t for t, _, _ in triples}
    if EVENT_TYPE in kinds:
        if kinds != {EVENT_TYPE}:
            raise EntryError(f"send '{EVENT_TYPE}' records in their own request, so that their chains are checked")
        entries = record_events(led, [p for _, p, _ in triples], who.label)
    else:
        entries = led.append_many(records, submitter=who.label)
    head = led.head()
    audit.record(
        led.engine,
        who,
        "ledger.append",
        "ledger",
        f"{entries[0].index}..{entries[-1].index}",
        client,
        {"types": sorted(kinds), "count": len(entries)},
    )
    return {"entries": [entry_json(e) for e in entries], "size": head.size, "root": b64(head.root)}
