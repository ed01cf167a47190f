"""The service network the faces show (服务网络状态): the stored centres, requests and service
records with the ids of the records that verify on the ledger, or — when no centre is stored —
the SYNTHETIC demo computed in memory from the seeded generator (``synthetic: true``). Cached per
stored state (a digest of the rows and the ledger size), so a write is seen on the next read.

The use cases of the sibling modules take the app's engine (or a database URL) and, for writes,
the Principal behind the request (:mod:`citynexus.services.auth`); every write checks role and
ownership there and appends one audit event.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from citynexus.services.cache import LRU


def _url(db) -> str | None:
    """A database URL from an engine, a URL or None (the default database)."""
    from sqlalchemy import Engine

    if isinstance(db, Engine):
        return db.url.render_as_string(hide_password=False)
    return db


def _book(db):
    from citynexus.centres.lifecycle import ServiceBook

    return ServiceBook(_url(db))


@dataclass
class Network:
    """What the faces show: centres, requests, service records and the ids of the records whose
    delivery and confirmation verify on the ledger (the synthetic demo: every confirmed one —
    it is computed in memory and anchored nowhere)."""

    synthetic: bool
    centres: list
    requests: list
    records: list[dict[str, Any]]
    verified: set[str]
    owners: dict[str, str] = field(default_factory=dict)
    digest: str = ""

    def centre(self, cid: str):
        return next((c for c in self.centres if c.id == cid), None)

    def funding_records(self) -> list:
        from citynexus.centres.funding import FundingRecord

        return [FundingRecord.from_record(r, i, r["id"] in self.verified) for i, r in enumerate(self.records, start=1)]

    def affiliates(self) -> dict[str, list[str]]:
        return {c.id: list(c.affiliates) for c in self.centres}


_demo_cache = LRU(2)
_stored_cache = LRU(8)


def _iso(t) -> str | None:
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%SZ")


def demo_network() -> Network:
    """The SYNTHETIC demo network (``citynexus.centres.demo.generate``) in memory."""

    def make() -> Network:
        from citynexus.centres.demo import generate

        g = generate()
        recs = []
        for e in g["records"]:
            st = e["status"]
            confirmed = st == "confirmed"
            recs.append(
                {
                    "id": e["id"],
                    "request": None,
                    "centre": e["centre"],
                    "sme": e["sme"],
                    "period": e["period"],
                    "status": st,
                    "referred_from": e["referred_from"],
                    "requested_at": _iso(e["requested_at"]),
                    "accepted_at": _iso(e["accepted_at"]),
                    "delivered_at": _iso(e.get("delivered_at")) if st in ("delivered", "confirmed") else None,
                    "confirmed_at": _iso(e.get("confirmed_at")) if confirmed else None,
                    "confirmed_by": e["confirmed_by"] if confirmed else None,
                    "rating": e["rating"] if confirmed else None,
                    "outcome": e["outcome"] if confirmed else None,
                    "owner_org": "demo",
                }
            )
        verified = {r["id"] for r in recs if r["status"] == "confirmed"}
        return Network(True, g["centres"], g["requests"], recs, verified, {c.id: "demo" for c in g["centres"]}, "demo")

    return _demo_cache.get("demo", make)


def _stored(db) -> Network:
    """The stored network of ``db`` (records verified on its ledger; cached per stored state).
    With no centre stored nothing is opened for writing (no ledger is created by a read)."""
    from sqlalchemy import func, select

    from citynexus.store import get_engine, session_scope
    from citynexus.store.centres import CentreRow

    with session_scope(get_engine(_url(db))) as s:
        if not s.scalar(select(func.count()).select_from(CentreRow)):
            return Network(False, [], [], [], set(), {}, "empty")
    book = _book(db)
    centres = book.centres()
    records = book.records()
    requests = book.requests()
    size = book.ledger.size
    digest = hashlib.sha256(
        json.dumps(
            [[c.to_record() for c in centres], records, [r.to_record() for r in requests], size],
            sort_keys=True,
            default=str,
        ).encode()
    ).hexdigest()

    def make() -> Network:
        head = book.head()
        verified = {r["id"] for r in records if r["status"] == "confirmed" and book.verify(r, head)[0]}
        return Network(False, centres, requests, records, verified, book.owners(), digest)

    return _stored_cache.get((book.url, digest), make)


def network(db) -> Network:
    """The stored network, or the synthetic demo when no centre is stored."""
    net = _stored(db)
    return net if net.centres else demo_network()


def _centre_json(c, owners: dict[str, str]) -> dict[str, Any]:
    return {**c.to_record(), "owner": owners.get(c.id)}


def list_centres(db) -> dict[str, Any]:
    """Every centre (stored, or the synthetic demo's) with its fields, city and owner."""
    net = network(db)
    return {"synthetic": net.synthetic, "centres": [_centre_json(c, net.owners) for c in net.centres]}


def list_requests(db) -> dict[str, Any]:
    net = network(db)
    return {"synthetic": net.synthetic, "requests": [r.to_record() for r in net.requests]}
