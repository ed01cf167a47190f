"""The audit trail: one append-only event per write through the service.

Each event records who (key name, organisation, role), what (an action such as
``hub.offer.update``), the target, when and from where (the client address). Events form a
hash chain: ``hash = SHA-256(prev_hash || canonical JSON of the event)``, with ``prev_hash``
unique, so two writers can never both extend the same event (the second retries) and a
deleted or edited event breaks every hash after it. :func:`anchor` appends the chain head to
the ledger (entry type ``audit.head``), so the trail is covered by signed checkpoints;
:func:`verify` recomputes the chain and checks every anchored head.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from citynexus.errors import CityNexusError
from citynexus.ledger.canonical import canonical_json
from citynexus.services.auth import Principal
from citynexus.store import session_scope
from citynexus.store.app import AuditEvent

GENESIS = "0" * 64
ANCHOR_TYPE = "audit.head"


class AuditError(CityNexusError):
    """The audit trail does not verify."""


def _event_body(e: AuditEvent | dict) -> dict[str, Any]:
    get = e.get if isinstance(e, dict) else lambda k: getattr(e, k)
    t = get("time")
    if isinstance(t, datetime) and t.tzinfo is not None:
        t = t.astimezone(UTC).replace(tzinfo=None)
    return {
        "time": t.isoformat(timespec="milliseconds") if isinstance(t, datetime) else t,
        "key_name": get("key_name"),
        "org": get("org"),
        "role": get("role"),
        "action": get("action"),
        "target_type": get("target_type"),
        "target_id": get("target_id"),
        "client": get("client"),
        "detail": get("detail") or {},
    }


def _chain(prev: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(prev.encode() + canonical_json(body)).hexdigest()


def record(
    engine: Engine,
    who: Principal,
    action: str,
    target_type: str,
    target_id: str,
    client: str | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one event; returns its id."""
    from citynexus.store.app import utcnow

    for _ in range(20):
        with session_scope(engine) as s:
            last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
            prev = last.hash if last is not None else GENESIS
            # to the millisecond, hashed as naive UTC: what every database gives back
            t = utcnow()
            now = t.replace(microsecond=(t.microsecond // 1000) * 1000)
            fields = {
                "time": now,
                "key_name": who.key_name,
                "org": who.org,
                "role": who.role,
                "action": action,
                "target_type": target_type,
                "target_id": str(target_id)[:300],
                "client": client,
                "detail": detail or {},
            }
            ev = AuditEvent(**fields, prev_hash=prev, hash=_chain(prev, _event_body(fields)))
            s.add(ev)
            try:
                s.flush()
            except IntegrityError:  # another writer extended the chain first: retry on the new head
                s.rollback()
                continue
            return ev.id
    raise AuditError("could not append to the audit trail: too many concurrent writers, retry")


@dataclass(frozen=True)
class Event:
    id: int
    time: str
    key_name: str
    org: str
    role: str
    action: str
    target_type: str
    target_id: str
    client: str | None
    detail: dict
    hash: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def events(
    engine: Engine, org: str | None = None, since: datetime | None = None, limit: int | None = None
) -> list[Event]:
    """Events oldest first, optionally of one organisation and from ``since`` on."""
    with session_scope(engine) as s:
        q = select(AuditEvent).order_by(AuditEvent.id)
        if org is not None:
            q = q.where(AuditEvent.org == org)
        if since is not None:
            q = q.where(AuditEvent.time >= since.replace(tzinfo=None))
        if limit is not None:
            q = q.order_by(None).order_by(AuditEvent.id.desc()).limit(limit)
        rows = list(s.scalars(q))
        if limit is not None:
            rows.reverse()
        return [
            Event(
                r.id,
                _event_body(r)["time"],
                r.key_name,
                r.org,
                r.role,
                r.action,
                r.target_type,
                r.target_id,
                r.client,
                dict(r.detail or {}),
                r.hash,
            )
            for r in rows
        ]


def head(engine: Engine) -> tuple[int, str]:
    """(id, hash) of the newest event; (0, GENESIS) for an empty trail."""
    with session_scope(engine) as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
        return (0, GENESIS) if last is None else (last.id, last.hash)


def anchor(engine: Engine, ledger) -> dict[str, Any] | None:
    """Append the chain head to ``ledger`` unless it is anchored already; returns the entry
    payload written (None when there was nothing new)."""
    event_id, h = head(engine)
    if event_id == 0:
        return None
    last = ledger.find(type=ANCHOR_TYPE, limit=1)
    if last and last[0].payload.get("hash") == h:
        return None
    payload = {"event": event_id, "hash": h}
    ledger.append(ANCHOR_TYPE, payload, submitter="citynexus/audit")
    return payload


def verify(engine: Engine, ledger=None) -> int:
    """Recompute the chain (and, given a ledger, check that every anchored head is on it);
    returns the number of events; raises :class:`AuditError` naming the first bad event."""
    prev = GENESIS
    hashes: dict[int, str] = {}
    with session_scope(engine) as s:
        for r in s.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            if r.prev_hash != prev or _chain(prev, _event_body(r)) != r.hash:
                raise AuditError(f"audit event {r.id} does not verify: it or an event before it was changed or removed")
            prev = r.hash
            hashes[r.id] = r.hash
    if ledger is not None:
        for e in ledger.find(type=ANCHOR_TYPE, limit=None):
            eid, h = e.payload.get("event"), e.payload.get("hash")
            if hashes.get(eid) != h:
                raise AuditError(
                    f"ledger entry {e.index} anchors audit event {eid} with a hash the trail does not have"
                )
    return len(hashes)


def events_for(
    engine: Engine, who: Principal, org: str | None = None, since: datetime | None = None, limit: int = 200
) -> list[Event]:
    """The audit trail as ``who`` may read it: an admin sees its organisation's events, the
    platform every organisation's (or ``org``'s)."""
    from citynexus.services.auth import PermissionDenied, require_role

    require_role(who, "admin", "reading the audit trail")
    if not who.is_platform:
        if org not in (None, who.org):
            raise PermissionDenied(f"key {who.key_name!r} reads the audit trail of {who.org!r} only")
        org = who.org
    return events(engine, org=org, since=since, limit=limit)
