"""Service records on the store and the ledger (服务记录与账本存证).

A record moves ``requested -> accepted -> delivered -> confirmed``. The centre's delivery and
the SME's confirmation (rating 1-5 and an outcome: technology adopted, certification passed,
cost saved) are each appended to the ledger (:class:`citynexus.ledger.Ledger`, an RFC 9162
Merkle log) as entries of type ``centres.delivery`` / ``centres.confirmation`` whose payload
is the record's state at that step. A record *verifies* when

1. both entry indices are stored on the record and the entries exist;
2. each entry's payload equals the payload recomputed from the stored record (so a rating
   edited in the table after confirmation no longer verifies);
3. each entry's leaf hash is included in the current tree (RFC 9162 §2.1.3 inclusion proof
   against the root computed from the stored nodes, so an edited entry no longer verifies).

Funding (:func:`ServiceBook.funding_records`) marks a record that does not verify as
``verified=False``; :func:`citynexus.centres.funding.count_records` does not count it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from citynexus.centres.errors import RecordError
from citynexus.centres.funding_records import OUTCOMES, FundingRecord, parse_outcome
from citynexus.centres.models import Centre, ServiceRequest
from citynexus.ledger import Ledger, LedgerError, merkle
from citynexus.store import get_engine, session_scope
from citynexus.store.app import LOCAL_ORG
from citynexus.store.centres import CentreRow, RequestRow, ServiceRecordRow

STATUSES = ("requested", "accepted", "delivered", "confirmed")
DELIVERY = "centres.delivery"
CONFIRMATION = "centres.confirmation"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _at(value: str | None) -> str:
    if value is None:
        return _now()
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as err:
        raise RecordError(f"time {value!r} is not an ISO 8601 date-time (e.g. 2025-03-01T09:00:00Z)") from err
    return value


# payload / JSON key -> attribute of ServiceRecordRow (the other keys are attribute names)
_ATTR = {"record": "id", "request": "request_id", "centre": "centre_id"}
DELIVERY_KEYS = ("record", "centre", "sme", "request", "period", "delivered_at")
CONFIRMATION_KEYS = (
    "record",
    "centre",
    "sme",
    "period",
    "confirmed_by",
    "rating",
    "outcome",
    "confirmed_at",
    "delivery_entry",
)
RECORD_KEYS = (
    "id",
    "request",
    "centre",
    "sme",
    "period",
    "status",
    "referred_from",
    "requested_at",
    "accepted_at",
    "delivered_at",
    "confirmed_at",
    "confirmed_by",
    "rating",
    "outcome",
    "delivery_entry",
    "confirmation_entry",
    "owner_org",
)


def _pick(r: ServiceRecordRow, keys: Sequence[str]) -> dict[str, Any]:
    """``{key: value of the row's attribute for key}`` in the order of ``keys``."""
    return {k: getattr(r, _ATTR.get(k, k)) for k in keys}


def delivery_payload(r: ServiceRecordRow) -> dict[str, Any]:
    """Payload of the ``centres.delivery`` ledger entry: the record as delivered."""
    return _pick(r, DELIVERY_KEYS)


def confirmation_payload(r: ServiceRecordRow) -> dict[str, Any]:
    """Payload of the ``centres.confirmation`` ledger entry: the record as confirmed by the SME."""
    return _pick(r, CONFIRMATION_KEYS)


def record_json(r: ServiceRecordRow) -> dict[str, Any]:
    """The stored record as the faces show it."""
    return _pick(r, RECORD_KEYS)


def _merge_keeping_owner(s, owner: str | None, row: CentreRow | RequestRow) -> None:
    """Insert or update ``row``: a stored row keeps its owner, a new one belongs to ``owner``
    (default ``local``)."""
    old = s.get(type(row), row.id)
    row.owner_org = old.owner_org if old is not None else (owner or LOCAL_ORG)
    s.merge(row)


class ServiceBook:
    """Centres, requests and service records in the database at ``url``, anchored in its ledger
    (created on first use)."""

    def __init__(self, url: str | None = None):
        self.url = url
        self.engine = get_engine(url)
        self.ledger = Ledger.init(url, origin="citynexus/centres", exist_ok=True)

    # ------------------------------------------------------------------ centres and requests
    def import_centres(
        self, centres: Iterable[Centre], register_in_hub: bool = True, owner: str | None = None, authorize=None
    ) -> int:
        """Insert or update centres (one transaction); with ``register_in_hub`` each centre also
        becomes a hub organization of kind ``service_centre`` with its ``service`` offers (one per
        language, :meth:`Centre.offers`), through the hub's own all-or-nothing import, so the
        hub's matching and portraits see the centres too. New centres belong to ``owner`` (default
        ``local``); an updated centre keeps its owner. ``authorize`` is passed to the hub import
        (its owner checks, row by row)."""
        centres = list(centres)
        if register_in_hub:
            from citynexus.hub import Hub

            recs: list[dict[str, Any]] = []
            for c in centres:
                recs.append(c.organization().to_record())
                recs += [o.to_record() for o in c.offers()]
            Hub(self.url).import_records(recs, source="centres", owner=owner, authorize=authorize)
        with session_scope(self.engine) as s:
            for c in centres:
                _merge_keeping_owner(s, owner, CentreRow.from_record(c))
        return len(centres)

    def import_requests(self, requests: Iterable[ServiceRequest], owner: str | None = None) -> int:
        """Insert or update SME requests (one transaction); new requests belong to ``owner``."""
        requests = list(requests)
        with session_scope(self.engine) as s:
            for r in requests:
                _merge_keeping_owner(s, owner, RequestRow.from_record(r))
        return len(requests)

    def owners(self, what: str = "centre") -> dict[str, str]:
        """Owner organisation of every stored centre (``what="centre"``) or request (``"request"``)."""
        table = CentreRow if what == "centre" else RequestRow
        with session_scope(self.engine) as s:
            return dict(s.execute(select(table.id, table.owner_org)).all())

    def centres(self) -> list[Centre]:
        with session_scope(self.engine) as s:
            rows = s.scalars(select(CentreRow).order_by(CentreRow.id)).all()
            return [
                Centre(
                    r.id,
                    r.name,
                    r.city,
                    list(r.fields),
                    r.description,
                    r.description_zh,
                    r.name_zh,
                    r.capacity,
                    list(r.affiliates or []),
                )
                for r in rows
            ]

    def requests(self) -> list[ServiceRequest]:
        with session_scope(self.engine) as s:
            rows = s.scalars(select(RequestRow).order_by(RequestRow.id)).all()
            return [ServiceRequest(r.id, r.sme, r.city, r.text, r.lang, r.industry) for r in rows]

    # ------------------------------------------------------------------ lifecycle
    def open(
        self,
        centre: str,
        sme: str | None = None,
        request: str | None = None,
        period: str | None = None,
        referred_from: str | None = None,
        at: str | None = None,
        record_id: str | None = None,
    ) -> str:
        """Open a record (status ``requested``) of ``centre`` for an SME or a stored request."""
        at = _at(at)
        with session_scope(self.engine) as s:
            if s.get(CentreRow, centre) is None:
                raise RecordError(f"no centre {centre!r} in the database; import the centres first")
            if referred_from is not None and s.get(CentreRow, referred_from) is None:
                raise RecordError(f"referring centre {referred_from!r} is not in the database")
            if request is not None:
                req = s.get(RequestRow, request)
                if req is None:
                    raise RecordError(f"no request {request!r} in the database; import the requests first")
                if sme is not None and sme != req.sme:
                    raise RecordError(f"request {request} belongs to SME {req.sme}, not {sme}")
                sme = req.sme
            if not sme:
                raise RecordError("a record needs the SME (sme=...) or a stored request (request=...)")
            owner = s.get(CentreRow, centre).owner_org
            rid = record_id or f"SR-{uuid.uuid4().hex[:12]}"
            if s.get(ServiceRecordRow, rid) is not None:
                raise RecordError(f"record id {rid!r} is already used")
            s.add(
                ServiceRecordRow(
                    id=rid,
                    request_id=request,
                    centre_id=centre,
                    sme=sme,
                    period=period or at[:4],
                    status="requested",
                    referred_from=referred_from,
                    requested_at=at,
                    owner_org=owner,
                )
            )
        return rid

    def _get(self, s, record_id: str, expect: str) -> ServiceRecordRow:
        r = s.get(ServiceRecordRow, record_id)
        if r is None:
            raise RecordError(f"no service record {record_id!r}")
        if r.status != expect:
            nxt = STATUSES[STATUSES.index(expect) + 1]
            raise RecordError(f"record {record_id} is {r.status}; only a {expect} record can become {nxt}")
        return r

    def accept(self, record_id: str, at: str | None = None) -> None:
        """The centre accepts the request."""
        with session_scope(self.engine) as s:
            r = self._get(s, record_id, "requested")
            r.status, r.accepted_at = "accepted", _at(at)

    def _anchor(self, record_id: str, expect: str, update, payload_of, typ: str, submitter_of) -> int:
        """Check and compute the new state (read-only session), append the ledger entry, then store
        the new state with the entry index (a second transaction that re-checks the status). The
        ledger and the records share the database but not a transaction: if the last step fails,
        the log holds an entry no record points to, which counts for nothing."""
        with session_scope(self.engine) as s:
            r = self._get(s, record_id, expect)
            update(r)
            payload, submitter = payload_of(r), submitter_of(r)
            s.expunge(r)
            s.rollback()
        entry = self.ledger.append(typ, payload, submitter=submitter)
        with session_scope(self.engine) as s:
            row = self._get(s, record_id, expect)
            update(row)
            if typ == DELIVERY:
                row.delivery_entry = entry.index
            else:
                row.confirmation_entry = entry.index
        return entry.index

    def deliver(self, record_id: str, at: str | None = None) -> int:
        """The centre reports the service delivered; appended to the ledger (submitter = centre)."""
        when = _at(at)

        def upd(r: ServiceRecordRow) -> None:
            r.status, r.delivered_at = "delivered", when

        return self._anchor(record_id, "accepted", upd, delivery_payload, DELIVERY, lambda r: r.centre_id)

    def confirm(
        self, record_id: str, rating: int, outcome: str | None = None, by: str | None = None, at: str | None = None
    ) -> int:
        """The SME confirms with a rating 1-5 and an outcome; appended to the ledger (submitter = ``by``,
        default the SME). A confirmation by anyone else is stored as such and never counted."""
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise RecordError(f"rating must be a whole number from 1 to 5, got {rating!r}")
        try:
            oc = parse_outcome(outcome)
        except ValueError as err:
            raise RecordError(f"outcome {outcome!r} is not one of {', '.join(OUTCOMES)}") from err
        when = _at(at)

        def upd(r: ServiceRecordRow) -> None:
            r.status, r.confirmed_at = "confirmed", when
            r.confirmed_by, r.rating, r.outcome = by or r.sme, rating, oc

        return self._anchor(record_id, "delivered", upd, confirmation_payload, CONFIRMATION, lambda r: r.confirmed_by)

    # ------------------------------------------------------------------ reading and verifying
    def records(self, centre: str | None = None, period: str | None = None) -> list[dict[str, Any]]:
        with session_scope(self.engine) as s:
            q = select(ServiceRecordRow).order_by(ServiceRecordRow.requested_at, ServiceRecordRow.id)
            if centre:
                q = q.where(ServiceRecordRow.centre_id == centre)
            if period:
                q = q.where(ServiceRecordRow.period == period)
            return [record_json(r) for r in s.scalars(q).all()]

    def head(self) -> tuple[int, bytes | None]:
        """(size, root) of the ledger now: verify many records against one head."""
        size = self.ledger.size
        return size, (self.ledger.root_at(size) if size else None)

    def verify(self, record: dict[str, Any], head: tuple[int, bytes | None] | None = None) -> tuple[bool, str]:
        """Whether a (confirmed) record's delivery and confirmation verify on the ledger (module
        docstring), against ``head`` (default: the current size and root)."""
        if record["status"] != "confirmed":
            return False, f"status {record['status']}, not confirmed"
        row = ServiceRecordRow(
            **{_ATTR.get(k, k): v for k, v in record.items() if k not in ("verified", "verification", "owner_org")}
        )
        size, root = head or self.head()
        for what, idx, typ, payload in (
            ("delivery", row.delivery_entry, DELIVERY, delivery_payload(row)),
            ("confirmation", row.confirmation_entry, CONFIRMATION, confirmation_payload(row)),
        ):
            if idx is None:
                return False, f"no ledger entry for the {what}"
            try:
                e = self.ledger.entry(idx)
            except LedgerError as err:
                return False, f"{what} entry {idx}: {err}"
            if idx >= size:
                return False, f"{what} entry {idx} is beyond the verified tree size {size}"
            if e.type != typ or e.payload != payload:
                return False, f"{what} entry {idx} does not match the stored record (edited after it was anchored?)"
            try:
                merkle.verify_inclusion(e.leaf_hash, idx, size, self.ledger.inclusion_proof(idx, size), root)
            except Exception as err:  # ProofError and malformed stored nodes alike
                return False, f"{what} entry {idx} is not included in the ledger tree ({err})"
        return True, "delivery and confirmation verified on the ledger"

    def funding_records(self, period: str | None = None) -> list[FundingRecord]:
        """Every record as a funding record; only confirmed records whose entries verify are
        ``confirmed and verified``."""
        head = self.head()
        return [
            FundingRecord.from_record(r, i, r["status"] == "confirmed" and self.verify(r, head)[0])
            for i, r in enumerate(self.records(period=period), start=1)
        ]

    def affiliates(self) -> dict[str, list[str]]:
        return {c.id: c.affiliates for c in self.centres()}

    def verify_funding_records(self, recs: Sequence[FundingRecord]) -> list[FundingRecord]:
        """Mark CSV records as verified only when a stored, ledger-verified confirmed record of the
        same centre, SME and period exists (one stored record vouches for one CSV row)."""
        pool: dict[tuple[str, str, str], int] = {}
        head = self.head()
        for r in self.records():
            if r["status"] == "confirmed" and self.verify(r, head)[0]:
                k = (r["centre"], r["sme"], r["period"])
                pool[k] = pool.get(k, 0) + 1
        out = []
        for rec in recs:
            k = (rec.centre, rec.sme, rec.period)
            ok = pool.get(k, 0) > 0
            if ok:
                pool[k] -= 1
            out.append(FundingRecord(**{**rec.__dict__, "verified": ok}))
        return out
