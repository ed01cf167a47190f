"""REST routes of agreements (SQLite and PostgreSQL): reads public, writes need a key."""

from __future__ import annotations

import pytest

from citynexus.services.keys import create_key
from citynexus.store import get_engine
from tests.api._tenants import keyed_client

from .test_cli import AGREEMENT, REPORTS


@pytest.fixture
def client(db_url):
    with keyed_client(db_url, "agree-tests") as c:
        yield c


def test_check_upload_is_public_and_stores_nothing(client):
    r = client.post(
        "/api/v1/agree/check",
        params={"as_of": "2026-07-15"},
        files={"agreement": ("deal.toml", AGREEMENT.encode()), "reports": ("r.csv", REPORTS.encode())},
    )
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["results"]] == ["breached", "met", "not_due", "not_due", "met"]
    assert client.get("/api/v1/agree/agreements").json() == []


def test_bad_agreement_upload_names_the_term(client):
    bad = AGREEMENT.replace('rule = "rd_share >= 5"', 'rule = "rd_share >="')
    r = client.post("/api/v1/agree/check", files={"agreement": ("deal.toml", bad.encode())})
    assert r.status_code == 422  # read, but it does not validate: every problem listed, like a refused import
    assert "term 'T1'" in r.json()["message"]
    # every problem with its kind and the values its sentence quotes, for a page to write in its language
    (p,) = r.json()["problems"]
    assert (p["term"], p["field"], p["kind"]) == ("T1", "rule", "bad_rule_at")
    assert p["values"]["rule"] == "'rd_share >='" and p["problem"].startswith("rule 'rd_share >=' does not compile")


def test_store_import_run_verify_graph(client):
    h = {"X-API-Key": client.key}
    assert client.post("/api/v1/agree/agreements", files={"file": ("d.toml", AGREEMENT.encode())}).status_code == 401
    r = client.post("/api/v1/agree/agreements", files={"file": ("d.toml", AGREEMENT.encode())}, headers=h)
    assert r.status_code == 200, r.text
    only = "\n".join(line for line in REPORTS.splitlines() if not line.startswith("OTHER"))
    bad = only + "\nJRD-1,ORG0001,rd_share,2026Q9,abc\n"
    r = client.post("/api/v1/agree/reports", files={"file": ("r.csv", bad.encode())}, headers=h)
    assert r.status_code == 422
    probs = r.json()["problems"]
    assert {(p["row"], p["column"]) for p in probs} == {(6, "period"), (6, "value")}
    assert {(p["kind"], p["values"]["value"]) for p in probs} == {
        ("bad_period", "'2026Q9'"),
        ("report_not_number", "'abc'"),
    }
    assert all(p["file"] == "r.csv" for p in probs)
    r = client.post("/api/v1/agree/reports", files={"file": ("r.csv", only.encode())}, headers=h)
    assert r.status_code == 200 and r.json()["rows"] == 4
    r = client.post("/api/v1/agree/run", params={"as_of": "2026-07-15"}, headers=h)
    assert r.status_code == 200
    view = client.get("/api/v1/agree/agreements/JRD-1").json()
    assert view["cells"]["T1"]["2026Q1"]["status"] == "breached"
    assert view["periods"][:2] == ["2026Q1", "2026Q2"]
    v = client.get("/api/v1/agree/verify/JRD-1/T1/2026Q1").json()
    assert v["ok"] and v["status"] == "breached"
    ttl = client.get("/api/v1/agree/graph")
    assert ttl.status_code == 200 and "cnx:Term" in ttl.text
    q = client.get("/api/v1/agree/graph/query", params={"sparql": "SELECT ?t WHERE { ?t a cnx:Term }"}).json()
    assert len(q) == 2
    c = client.get("/api/v1/agree/orgs/ORG0001/compliance").json()
    assert c["by_category"]["rd"]["breached"] == 1 and c["by_category"]["rd"]["met"] == 1


def test_roles_and_ownership(client, db_url):
    from citynexus.services import audit
    from citynexus.services.keys import create_org

    eng = get_engine(db_url)
    for code in ("ORG0001", "OTHER"):
        create_org(eng, code, code)
    viewer = create_key(eng, "viewer", org="ORG0001", role="viewer")
    party = create_key(eng, "party-editor", org="ORG0001", role="editor")
    other = create_key(eng, "other-editor", org="OTHER", role="editor")
    up = {"file": ("d.toml", AGREEMENT.encode())}
    assert client.post("/api/v1/agree/agreements", files=up, headers={"X-API-Key": viewer}).status_code == 403
    assert client.post("/api/v1/agree/agreements", files=up, headers={"X-API-Key": other}).status_code == 200
    # replacing it needs its owner organisation
    r = client.post("/api/v1/agree/agreements", files=up, headers={"X-API-Key": party})
    assert r.status_code == 403 and "OTHER" in r.json()["message"]
    rows = "agreement,party,metric,period,value\nJRD-1,ORG0001,rd_share,2026Q1,4.1\n"
    # a party (ORG0001) may report; an unrelated organisation may not
    third = create_key(eng, "third", org="ORG0001", role="editor")
    create_org(eng, "THIRD", "Third")
    outsider = create_key(eng, "outsider", org="THIRD", role="editor")
    files = {"file": ("r.csv", rows.encode())}
    r = client.post("/api/v1/agree/reports", files=files, headers={"X-API-Key": outsider})
    assert r.status_code == 403
    r = client.post("/api/v1/agree/reports", files=files, headers={"X-API-Key": third})
    assert r.status_code == 200, r.text
    actions = [e.action for e in audit.events(eng)]
    assert "agree.agreement.store" in actions and "agree.reports.import" in actions
    from citynexus.ledger import Ledger

    assert Ledger(db_url).entry(0).submitter == "ORG0001/third"


def test_private_agreements_are_seen_by_owner_and_parties_only(client, db_url):
    from citynexus.services.keys import create_org

    eng = get_engine(db_url)
    for code in ("ORG0002", "OWNER", "THIRD"):
        create_org(eng, code, code)
    owner = create_key(eng, "owner", org="OWNER", role="editor")
    party = create_key(eng, "party", org="ORG0002", role="viewer")
    third = create_key(eng, "third", org="THIRD", role="viewer")
    private = 'visibility = "private"\n' + AGREEMENT
    r = client.post(
        "/api/v1/agree/agreements", files={"file": ("p.toml", private.encode())}, headers={"X-API-Key": owner}
    )
    assert r.status_code == 200, r.text
    ids = lambda key: [a["id"] for a in client.get("/api/v1/agree/agreements", headers=key).json()]  # noqa: E731
    assert ids({}) == [] and ids({"X-API-Key": third}) == []
    assert ids({"X-API-Key": owner}) == ["JRD-1"] and ids({"X-API-Key": party}) == ["JRD-1"]
    # a private agreement is answered like a missing one (404) to anyone but its owner and parties
    assert client.get("/api/v1/agree/agreements/JRD-1").status_code == 404
    assert client.get("/api/v1/agree/agreements/JRD-1", headers={"X-API-Key": third}).status_code == 404
    assert client.get("/api/v1/agree/agreements/JRD-1", headers={"X-API-Key": party}).status_code == 200
    ttl = client.get("/api/v1/agree/graph").text
    assert "JRD-1" not in ttl
    assert "JRD-1" in client.get("/api/v1/agree/graph", headers={"X-API-Key": owner}).text
    assert client.get("/api/v1/agree/orgs/ORG0001/compliance").json()["agreements"] == []
    # the dashboard shows what anyone may see
    assert "JRD-1" not in client.get("/agree").text
