"""REST routes of agreements (SQLite and PostgreSQL): reads public, writes need a key."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from citynexus.api import create_app
from citynexus.api.security import create_key
from citynexus.store import get_engine

from .test_cli import AGREEMENT, REPORTS


@pytest.fixture
def client(db_url):
    with TestClient(create_app(db_url)) as c:
        c.key = create_key(get_engine(db_url), "agree-tests")
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
    assert r.status_code == 400
    assert "term 'T1'" in r.json()["message"]


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
