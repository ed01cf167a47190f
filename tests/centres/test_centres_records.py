"""Service records on the store and the ledger: lifecycle, verification, tampering (SQLite + PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from citynexus.centres import RecordError
from citynexus.centres.funding import allocate, parse_records_csv
from citynexus.centres.lifecycle import ServiceBook
from citynexus.centres.models import Centre, ServiceRequest
from citynexus.store import get_engine, session_scope
from citynexus.store.centres import ServiceRecordRow

CENTRES = [
    Centre("A", "Centre A", "GZ", ["emc"], "EMC testing", affiliates=["s-aff"]),
    Centre("B", "Centre B", "SZ", ["pcb"], "PCB design"),
]


def _book(url) -> ServiceBook:
    b = ServiceBook(url)
    b.import_centres(CENTRES)
    b.import_requests([ServiceRequest("R1", "s1", "GZ", "EMC test failed")])
    return b


def _served(b: ServiceBook, centre: str, sme: str, rating: int = 5, by: str | None = None, **kw) -> str:
    rid = b.open(centre, sme=sme, period="2025", **kw)
    b.accept(rid)
    b.deliver(rid)
    b.confirm(rid, rating, "cost saved", by=by)
    return rid


def test_lifecycle_and_ledger_entries(db_url):
    b = _book(db_url)
    rid = b.open("A", request="R1", period="2025", at="2025-01-02T08:00:00Z")
    with pytest.raises(RecordError, match="only a delivered record can become confirmed"):
        b.confirm(rid, 5)
    b.accept(rid, at="2025-01-02T12:00:00Z")
    with pytest.raises(RecordError, match="is accepted; only a requested"):
        b.accept(rid)
    d = b.deliver(rid, at="2025-01-10T12:00:00Z")
    c = b.confirm(rid, 4, "technology adopted", at="2025-01-11T12:00:00Z")
    assert (d, c) == (0, 1)
    (rec,) = b.records()
    assert rec["status"] == "confirmed" and rec["sme"] == "s1" and rec["outcome"] == "technology_adopted"
    assert b.ledger.entry(d).type == "centres.delivery" and b.ledger.entry(d).submitter == "A"
    assert b.ledger.entry(c).payload["rating"] == 4 and b.ledger.entry(c).submitter == "s1"
    assert b.verify(rec) == (True, "delivery and confirmation verified on the ledger")
    with pytest.raises(RecordError, match="rating"):
        b.confirm(b.open("A", sme="s2"), 6)
    with pytest.raises(RecordError, match="no centre"):
        b.open("Z", sme="s1")
    with pytest.raises(RecordError, match="belongs to SME s1"):
        b.open("A", request="R1", sme="other")


def test_only_verified_records_fund(db_url):
    b = _book(db_url)
    good = _served(b, "A", "s1")
    edited = _served(b, "B", "s2")
    tampered = _served(b, "B", "s3")
    unanchored = _served(b, "B", "s4")
    _served(b, "B", "s5", by="B")
    _served(b, "A", "s-aff")
    open_only = b.open("B", sme="s6", period="2025")
    eng = get_engine(db_url)
    with session_scope(eng) as s:
        s.get(ServiceRecordRow, edited).rating = 1  # edited after anchoring
        s.get(ServiceRecordRow, unanchored).confirmation_entry = None  # no ledger entry
        idx = s.get(ServiceRecordRow, tampered).confirmation_entry
    with eng.begin() as conn:  # alter the stored entry itself
        data = conn.execute(sa.text("SELECT data FROM ledger_entry WHERE idx = :i"), {"i": idx}).scalar_one()
        forged = bytes(data).replace(b'"rating":5', b'"rating":4')
        conn.execute(sa.text("UPDATE ledger_entry SET data = :d WHERE idx = :i"), {"d": forged, "i": idx})
    by_id = {r["id"]: r for r in b.records()}
    assert b.verify(by_id[good])[0]
    assert "does not match" in b.verify(by_id[edited])[1]
    assert not b.verify(by_id[tampered])[0]
    assert "no ledger entry" in b.verify(by_id[unanchored])[1]
    assert b.verify(by_id[open_only])[0] is False
    recs = b.funding_records()
    alloc = allocate(recs, "1000", affiliates=b.affiliates())
    rules = sorted(e["rule"] for e in alloc.excluded)
    assert rules == ["affiliate", "self_confirmed", "unconfirmed", "unverified", "unverified", "unverified"]
    m = {r["centre"]: r["metrics"] for r in alloc.rows}
    assert m["A"]["confirmed_services"] == 1 and m["B"]["confirmed_services"] == 0
    assert sum(r["cents"] for r in alloc.rows) == 100000
    # CSV rows are vouched for one by one by stored, verified records
    csv = parse_records_csv(
        "centre,sme,period,confirmed,rating\nA,s1,2025,true,5\nA,s1,2025,true,5\nB,s2,2025,true,5\n"
    )
    checked = b.verify_funding_records(csv)
    assert [r.verified for r in checked] == [True, False, False]


def test_record_actions_check_the_party_and_are_audited(db_url):
    from citynexus.services import audit
    from citynexus.services.auth import PermissionDenied, Principal
    from citynexus.services.centres import record_action

    _book(db_url)
    sme = Principal(1, "k-sme", "s1", "editor")
    centre = Principal(2, "k-a", "A", "editor")
    other = Principal(3, "k-b", "B", "editor")
    viewer = Principal(4, "k-v", "s1", "viewer")
    with pytest.raises(PermissionDenied):
        record_action(db_url, other, "open", centre="A", sme="s1")
    with pytest.raises(PermissionDenied, match="role editor"):
        record_action(db_url, viewer, "open", centre="A", sme="s1")
    rid = record_action(db_url, sme, "open", centre="A", request="R1", period="2025")["record"]
    with pytest.raises(PermissionDenied):
        record_action(db_url, sme, "accept", rid)
    record_action(db_url, centre, "accept", rid)
    record_action(db_url, centre, "deliver", rid)
    with pytest.raises(PermissionDenied, match="belongs to organisation 's1'"):
        record_action(db_url, centre, "confirm", rid, rating=5)  # a centre cannot confirm its own service
    out = record_action(db_url, sme, "confirm", rid, rating=4, outcome="cost saved")
    assert out["ledger_entry"] == 1
    b = ServiceBook(db_url)
    (rec,) = b.records()
    assert rec["confirmed_by"] == "s1" and b.verify(rec)[0]
    actions = [e.action for e in audit.events(b.engine)]
    assert actions.count("centres.record.open") == 1 and "centres.record.confirm" in actions


def test_centres_become_hub_organizations(db_url):
    from citynexus.hub import Hub

    _book(db_url)
    hub = Hub(db_url)
    orgs = {o.id: o for o in hub.organizations()}
    assert orgs["A"].kind == "service_centre" and orgs["A"].city == "GZ"
    offers = {o.id: o for o in hub.offers("A")}
    assert offers["A:en"].kind == "service" and offers["A:en"].attributes["fields"] == ["emc"]
