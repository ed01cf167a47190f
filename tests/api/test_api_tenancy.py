"""Many organisations on one service: keys with roles, owners on every record, private records,
the audit trail — the ownership holes of a single-key service as regression tests."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from tests.api._tenants import tenant_client
from tests.hub.hubtest_helpers import need, offer, org

from citynexus.api import create_app
from citynexus.services import audit
from citynexus.services.keys import create_key
from citynexus.store import get_engine, session_scope
from citynexus.store.app import AuditEvent


def jsonl(records) -> bytes:
    return ("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n").encode()


@pytest.fixture
def svc(db_url):
    """A client with keys of two organisations (A, B), a viewer of A and a platform operator."""
    with tenant_client(db_url) as c:
        yield c


A_RECORDS = [
    org("ORG0001", name="Alpha Robotics"),
    offer("OF1", "ORG0001", "Servo motor testing", "We test servo motors for robots."),
    need("NE1", "ORG0001", "Battery recycling partner", "Looking for battery recycling.", visibility="private"),
]


def _import(c, headers, records, **params):
    return c.post("/api/v1/hub/import", files={"file": ("hub.jsonl", jsonl(records))}, headers=headers, params=params)


def test_another_organisation_cannot_hijack_hub_records(svc):
    assert _import(svc, svc.a, A_RECORDS).status_code == 200
    hijack = [org("ORG0001", name="Hijacked by key B")]
    r = _import(svc, svc.b, hijack)
    assert r.status_code == 422
    (p,) = r.json()["problems"]
    assert "belongs to organisation 'A'" in p["problem"] and (p["line"], p["field"]) == (1, "id")
    # the kind and values a page writes the refusal with in its own language
    assert p["kind"] == "not_owner" and p["fix"] == "use an id of your own"
    assert p["values"] == {"record": "organization", "value": "'ORG0001'", "owner": "'A'", "key": "'bob'", "org": "'B'"}
    assert svc.get("/api/v1/hub/orgs/ORG0001").json()["name"] == "Alpha Robotics"
    # nor list an offer under A's organization
    r = _import(svc, svc.b, [org("ORG0009", name="B's own"), offer("OFB", "ORG0001", "Fake offer", "Listed for A.")])
    assert r.status_code == 422
    (p,) = r.json()["problems"]
    assert "only for its own organizations" in p["problem"] and (p["line"], p["field"]) == (2, "org")
    assert p["kind"] == "not_own_organization" and p["values"]["owner"] == "'A'"
    assert svc.get("/api/v1/hub/orgs/ORG0009").status_code == 404  # all or nothing
    # a viewer reads but does not write
    assert _import(svc, svc.viewer, hijack).status_code == 403


def test_record_endpoints_check_key_role_and_owner(svc):
    body = {"id": "ORG0002", "name": "Beta Labs", "kind": "university", "city": "SZ", "industries": []}
    assert svc.post("/api/v1/hub/orgs", json=body).status_code == 401
    r = svc.post("/api/v1/hub/orgs", json=body, headers=svc.a)
    assert r.status_code == 201 and r.json()["owner"] == "A"
    assert svc.post("/api/v1/hub/orgs", json=body, headers=svc.a).status_code == 409
    off = {"type": "offer", "id": "OF2", "org": "ORG0002", "kind": "service", "title": "EMC test", "text": "EMC lab"}
    assert svc.post("/api/v1/hub/offers", json=off, headers=svc.a).status_code == 201
    assert svc.get("/api/v1/hub/offers/OF2").json()["title"] == "EMC test"
    changed = {**off, "title": "EMC and safety test"}
    assert svc.put("/api/v1/hub/offers/OF2", json=changed, headers=svc.b).status_code == 403
    assert svc.delete("/api/v1/hub/offers/OF2", headers=svc.b).status_code == 403
    assert svc.put("/api/v1/hub/offers/OF2", json=changed, headers=svc.viewer).status_code == 403
    assert svc.put("/api/v1/hub/offers/OF2", json=changed, headers=svc.a).json()["title"] == "EMC and safety test"
    r = svc.put("/api/v1/hub/offers/OF2", json={**changed, "id": "OF3"}, headers=svc.a)
    assert r.status_code == 422 and "path" in r.json()["problems"][0]["problem"]
    bad = svc.post("/api/v1/hub/offers", json={**off, "id": "OF4", "kind": "nonsense"}, headers=svc.a)
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "kind"
    assert svc.get("/api/v1/hub/offers/OF4").status_code == 404
    assert svc.delete("/api/v1/hub/orgs/ORG0002", headers=svc.ops).status_code == 200  # the platform may
    assert svc.get("/api/v1/hub/offers/OF2").status_code == 404  # went with its organization


def test_private_need_is_visible_to_its_owner_and_the_platform_only(svc):
    assert _import(svc, svc.a, A_RECORDS).status_code == 200
    url = "/api/v1/hub/needs/NE1"
    assert svc.get(url).status_code == 404
    assert svc.get(url, headers=svc.b).status_code == 404
    assert svc.get(url, headers=svc.a).json()["visibility"] == "private"
    assert svc.get(url, headers=svc.viewer).status_code == 200
    assert svc.get(url, headers=svc.ops).status_code == 200
    assert svc.get(url, headers={"X-API-Key": "cnx_bad_key"}).status_code == 401


def test_platform_may_import_for_another_organisation(svc):
    r = _import(svc, svc.ops, [org("ORG0009", name="Gamma")], owner="B")
    assert r.status_code == 200
    assert svc.get("/api/v1/hub/orgs/ORG0009").json()["owner"] == "B"
    assert _import(svc, svc.a, [org("ORG0010", name="Delta")], owner="B").status_code == 403
    # B owns it now and may change it
    rec = {"name": "Gamma Ltd", "kind": "enterprise", "city": "GZ", "industries": []}
    assert svc.put("/api/v1/hub/orgs/ORG0009", json=rec, headers=svc.b).status_code == 200


def _zip_dataset(shared_data=None) -> bytes:
    import zipfile

    from citynexus.data import load, write

    buf = io.BytesIO()
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        folder = write(load("gba"), Path(tmp) / "ds")
        with zipfile.ZipFile(buf, "w") as zf:
            for name in ("units.csv", "indicators.csv", "values.csv"):
                zf.write(Path(folder) / name, name)
    return buf.getvalue()


def test_another_organisation_cannot_replace_or_delete_a_dataset(svc):
    z = _zip_dataset()
    r = svc.post("/api/v1/datasets", files={"files": ("d.zip", z)}, data={"name": "census"}, headers=svc.a)
    assert r.status_code == 201
    r = svc.post(
        "/api/v1/datasets", files={"files": ("d.zip", z)}, data={"name": "census", "replace": "true"}, headers=svc.b
    )
    assert r.status_code == 403
    assert svc.delete("/api/v1/datasets/census", headers=svc.b).status_code == 403
    assert svc.delete("/api/v1/datasets/census", headers=svc.a).status_code == 200


def test_private_build_is_not_served_to_another_organisation(svc):
    req = {"dataset": "gba", "public": False}
    r = svc.post("/api/v1/index/builds", json=req, headers=svc.a)
    assert r.status_code == 201
    rid = r.json()["id"]
    assert svc.get(f"/api/v1/index/builds/{rid}").status_code == 404
    assert svc.get(f"/api/v1/index/builds/{rid}", headers=svc.b).status_code == 404
    assert svc.get(f"/api/v1/index/builds/{rid}", headers=svc.a).status_code == 200
    # the same inputs from another organisation, public: a new row, never the private one
    theirs = svc.post("/api/v1/index/builds", json={**req, "public": True}, headers=svc.b).json()
    assert theirs["id"] != rid and theirs["cached"] is False
    assert svc.get(f"/api/v1/index/builds/{theirs['id']}").status_code == 200


def test_audit_trail_records_writes_and_detects_tampering(svc):
    _import(svc, svc.a, A_RECORDS)
    svc.post("/api/v1/hub/orgs", json={**org("ORG0003"), "type": "organization"}, headers=svc.b)
    events = audit.events(svc.eng)
    assert [(e.org, e.key_name, e.action) for e in events] == [
        ("A", "alice", "hub.import"),
        ("B", "bob", "hub.organization.create"),
    ]
    assert events[1].target_id == "ORG0003" and events[0].client
    assert audit.verify(svc.eng) == 2
    with session_scope(svc.eng) as s:
        s.get(AuditEvent, events[0].id).key_name = "mallory"
    with pytest.raises(audit.AuditError, match=f"audit event {events[0].id}"):
        audit.verify(svc.eng)


def test_admin_cli_pinned_interface(tmp_path):
    db = str(tmp_path / "cli.db")

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "citynexus.cli.main", *args, "--db", db], capture_output=True, text=True
        )

    assert run("admin", "create-org", "gz", "--name", "Guangzhou office").returncode == 0
    r = run("admin", "create-key", "ana", "--org", "gz", "--role", "editor")
    assert r.returncode == 0
    key = r.stdout.strip().splitlines()[-1]
    assert key.startswith("cnx_")
    assert " ".join(r.stdout.split()).startswith("An editor key of organisation gz.")
    bad = run("admin", "create-key", "x", "--org", "gz", "--role", "superuser")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "superuser" in bad.stderr
    eng = get_engine(db)
    with TestClient(create_app(db)) as c:
        r = c.post("/api/v1/hub/orgs", json=org("ORG0100"), headers={"X-API-Key": key})
        assert r.status_code == 201
    r = run("admin", "audit", "--json")
    events = json.loads(r.stdout)
    assert events[-1]["key_name"] == "ana" and events[-1]["org"] == "gz"
    assert events[-1]["action"] == "hub.organization.create" and events[-1]["target_id"] == "ORG0100"
    assert run("admin", "audit", "--verify").returncode == 0
    eng.dispose()


def test_audit_trail_api_and_page_are_for_admins(svc):
    _import(svc, svc.a, A_RECORDS)
    eng = svc.eng
    admin_a = {"X-API-Key": create_key(eng, "ada", org="A", role="admin")}
    assert svc.get("/api/v1/admin/audit", headers=svc.a).status_code == 403  # an editor is not an admin
    mine = svc.get("/api/v1/admin/audit", headers=admin_a).json()
    assert [e["action"] for e in mine] == ["hub.import"] and mine[0]["org"] == "A"
    assert svc.get("/api/v1/admin/audit?org=B", headers=admin_a).status_code == 403
    svc.post("/api/v1/hub/orgs", json=org("ORG0004"), headers=svc.b)
    assert len(svc.get("/api/v1/admin/audit", headers=svc.ops).json()) == 2
    page = svc.post("/admin", data={"key": admin_a["X-API-Key"]})
    assert page.status_code == 200 and "hub.import" in page.text and "ORG0004" not in page.text
    assert "alice" in page.text and 'id="audit-events"' in page.text
    bad = svc.post("/admin", data={"key": "cnx_nope_nope"})
    assert 'id="audit-error"' in bad.text and "audit-events" not in bad.text


def test_checkpoint_anchors_the_audit_trail(tmp_path):
    db = str(tmp_path / "anchor.db")

    def run(*args):
        r = subprocess.run(
            [sys.executable, "-m", "citynexus.cli.main", *args, "--db", db], capture_output=True, text=True
        )
        assert r.returncode == 0, r.stderr
        return r

    run("ledger", "init", "--origin", "test.example/anchor")
    run("ledger", "keygen", "office", "--dir", str(tmp_path))
    key = create_key(get_engine(db), "ana", role="editor")
    with TestClient(create_app(db)) as c:
        assert c.post("/api/v1/hub/orgs", json=org("ORG0200"), headers={"X-API-Key": key}).status_code == 201
    r = run("ledger", "checkpoint", "--key", str(tmp_path / "office.key"))
    assert "anchored the audit trail up to event 1" in r.stderr
    from citynexus.ledger import Ledger

    led = Ledger(db)
    anchored = led.find(type=audit.ANCHOR_TYPE)
    assert len(anchored) == 1 and anchored[0].payload == {"event": 1, "hash": audit.head(get_engine(db))[1]}
    assert led.latest_checkpoint().size == led.size  # the checkpoint covers the anchor
    assert audit.verify(get_engine(db), led) == 1
    with session_scope(get_engine(db)) as s:  # rewrite the event and its own hash: the anchor still catches it
        ev = s.get(AuditEvent, 1)
        ev.action = "hub.organization.delete"
        ev.hash = audit._chain(ev.prev_hash, audit._event_body(ev))
    with pytest.raises(audit.AuditError, match="anchors audit event 1"):
        audit.verify(get_engine(db), led)
