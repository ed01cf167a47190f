"""REST API of the city network, the cooperation hub and the ledger (on SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import json

import pytest
from tests.api._tenants import keyed_client

from citynexus.data import load
from citynexus.ledger import Ledger, generate_key, verify_bundle
from citynexus.network import gravity

# A small bilingual hub: a Chinese need that an English offer answers, and a near-miss that
# violates the need's city constraint.
HUB = [
    {"type": "organization", "id": "O1", "name": "Shenzhen Cell Recycling Co.", "name_zh": "深圳电芯回收有限公司",
     "kind": "enterprise", "city": "SZ", "industries": ["battery"], "certifications": ["ISO 14001"]},
    {"type": "organization", "id": "O2", "name": "Foshan Motor Works", "name_zh": "佛山电机厂", "kind": "enterprise",
     "city": "佛山", "industries": ["nev"]},
    {"type": "organization", "id": "O3", "name": "Macao Logistics Hub", "kind": "enterprise", "city": "Macao",
     "industries": ["logistics"]},
    {"type": "offer", "id": "F1", "org": "O1", "kind": "service", "title": "Lithium battery recycling",
     "text": "We recycle used lithium-ion battery packs from electric vehicles and recover cobalt and nickel.",
     "industries": ["battery"]},
    {"type": "offer", "id": "F2", "org": "O3", "kind": "service", "title": "Battery recycling logistics",
     "text": "Collection and transport of used electric vehicle batteries for recycling.",
     "industries": ["logistics"]},
    {"type": "offer", "id": "F3", "org": "O3", "kind": "service", "title": "Cross-border cold chain",
     "text": "Refrigerated trucking between Macao and the mainland.", "industries": ["logistics"]},
    {"type": "need", "id": "N1", "org": "O2", "kind": "service", "title": "动力电池回收",
     "text": "我厂每年产生大量退役新能源汽车动力电池，寻求电池回收合作伙伴。", "industries": ["battery"],
     "constraints": {"cities": ["SZ", "FS", "GZ"]}},
]  # fmt: skip


def jsonl(records) -> bytes:
    return ("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n").encode()


@pytest.fixture
def client(db_url):
    with keyed_client(db_url, "tester") as c:
        yield c


@pytest.fixture
def hub_client(client, encoder):
    r = client.post("/api/v1/hub/import", files={"file": ("hub.jsonl", jsonl(HUB))}, headers={"X-API-Key": client.key})
    assert r.status_code == 200, r.text
    return client


def auth(c) -> dict:
    return {"X-API-Key": c.key}


# ---------------------------------------------------------------------------- network
def test_gravity_network_matches_the_domain_model(client):
    r = client.get("/api/v1/network/gravity", params={"dataset": "gba"})
    assert r.status_code == 200
    body = r.json()
    assert body["synthetic"] is True and body["model"] == "gravity-classic" and body["threshold"] == "mean"
    ds = load("gba")
    t = ds.table(codes=["gdp", "population"])
    ref = gravity(t["gdp"], population=t["population"], coords=ds.units.set_index("code")[["lat", "lon"]])
    nodes = {n["city"]: n for n in body["nodes"]}
    assert set(nodes) == set(ds.unit_codes)
    for c in ds.unit_codes:
        assert nodes[c]["gnc"] == pytest.approx(ref.gnc[c])
        assert nodes[c]["relative_gnc"] == pytest.approx(ref.relative_gnc[c])
    rel = [n["relative_gnc"] for n in body["nodes"]]
    assert rel == sorted(rel, reverse=True) and rel[0] == pytest.approx(100)
    assert [n["rank"] for n in body["nodes"]] == list(range(1, 12))
    assert len(body["links"]) == 55  # all pairs of 11 cities
    mean = sum(lk["r"] for lk in body["links"]) / 55
    assert all(lk["r"] >= mean for lk in body["kept_links"])
    assert body["summary"]["links_kept"] == len(body["kept_links"])
    # degree on the kept network = number of kept links touching the city
    for c, n in nodes.items():
        assert n["degree"] == sum(c in (lk["a"], lk["b"]) for lk in body["kept_links"])
        assert {"strength", "betweenness", "closeness", "name_zh"} <= set(n)


def test_gravity_top_k_and_period(client):
    r = client.get("/api/v1/network/gravity", params={"threshold": "top_k", "k": 2, "period": 2016})
    body = r.json()
    assert r.status_code == 200 and body["period"] == 2016 and body["k"] == 2
    # every city keeps at least its 2 strongest links
    assert all(n["degree"] >= 2 for n in body["nodes"])


@pytest.mark.parametrize(
    ("params", "status", "needle"),
    [
        ({"dataset": "nope"}, 404, "nope"),
        ({"period": 1990}, 400, "period 1990"),
        ({"threshold": "median"}, 422, "threshold"),
        ({"k": 0}, 422, "k"),
        ({"beta": -1}, 422, "beta"),
    ],
)
def test_gravity_bad_inputs(client, params, status, needle):
    r = client.get("/api/v1/network/gravity", params=params)
    assert r.status_code == status
    assert needle in r.json()["message"] and r.json()["error"]


# ---------------------------------------------------------------------------- hub
def test_hub_empty(client):
    r = client.get("/api/v1/hub/search", params={"q": "battery"})
    assert r.status_code == 200 and r.json()["empty"] is True and r.json()["results"] == []
    assert client.get("/api/v1/hub/needs/N1/matches").status_code == 404
    assert client.get("/api/v1/hub/orgs/O1/portrait").status_code == 404


def test_hub_search_cross_language(hub_client):
    r = hub_client.get("/api/v1/hub/search", params={"q": "电池回收", "top": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["empty"] is False and body["synthetic"] is False
    ids = [x["id"] for x in body["results"]]
    assert ids[0] in ("F1", "F2") and "F3" not in ids[:2]
    first = body["results"][0]
    assert first["org"]["city_name_zh"] in ("深圳", "澳门") and first["item"]["title"]
    assert "dense" in first["reasons"]
    needs = hub_client.get("/api/v1/hub/search", params={"q": "battery recycling", "target": "need"}).json()
    assert [x["id"] for x in needs["results"]] == ["N1"]


def test_hub_need_matches_respect_constraints(hub_client):
    r = hub_client.get("/api/v1/hub/needs/N1/matches", params={"top": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["need"]["id"] == "N1" and body["need"]["org"]["city"] == "FS"
    ids = [m["id"] for m in body["matches"]]
    # F2 and F3 are offered from Macao, outside the need's allowed cities
    assert ids == ["F1"]
    m = body["matches"][0]
    assert m["score"] > 0 and m["org"]["id"] == "O1"
    assert any("SZ" in s for s in m["reasons"]["constraints"]["met"])


def test_hub_portrait(hub_client):
    r = hub_client.get("/api/v1/hub/orgs/O2/portrait")
    assert r.status_code == 200
    p = r.json()
    assert p["profile"]["city"] == "FS" and p["profile"]["name_zh"] == "佛山电机厂"
    assert [n["id"] for n in p["needs"]] == ["N1"]
    assert p["top_partners"][0]["org"] == "O1" and p["network"]["partners"] == 1
    assert p["synthetic"] is False


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/hub/needs/NOPE/matches", 404),
        ("/api/v1/hub/orgs/NOPE/portrait", 404),
        ("/api/v1/hub/needs/N1/matches?top=0", 422),
        ("/api/v1/hub/needs/N1/matches?mode=magic", 422),
        ("/api/v1/hub/search?q=", 422),
        ("/api/v1/hub/search", 422),
        ("/api/v1/hub/search?q=x&target=org", 422),
        ("/api/v1/hub/search?q=%20%20", 400),
    ],
)
def test_hub_bad_reads(hub_client, path, status):
    r = hub_client.get(path)
    assert r.status_code == status and r.json()["message"]


def test_hub_import_needs_a_key_and_is_all_or_nothing(client):
    f = {"file": ("hub.jsonl", jsonl(HUB))}
    r = client.post("/api/v1/hub/import", files=f)
    assert r.status_code == 401 and "API key" in r.json()["message"]
    r = client.post("/api/v1/hub/import", files=f, headers={"X-API-Key": "cnx_bad_key"})
    assert r.status_code == 401
    bad = [*HUB[:3], {**HUB[3], "org": "O9"}, {**HUB[4], "kind": "spaceship"}, {**HUB[0], "id": "O7", "city": "Paris"}]
    lines = jsonl(bad).decode().splitlines()
    lines.insert(2, "{not json")
    r = client.post(
        "/api/v1/hub/import", files={"file": ("bad.jsonl", "\n".join(lines).encode())}, headers=auth(client)
    )
    assert r.status_code == 422
    body = r.json()
    assert "nothing stored" in body["message"] and "bad.jsonl" in body["message"]
    found = {(p["line"], p["field"]) for p in body["problems"]}
    assert {(3, "(json)"), (5, "org"), (6, "kind"), (7, "city")} <= found
    # nothing was stored
    assert client.get("/api/v1/hub/search", params={"q": "battery"}).json()["empty"] is True
    r = client.post("/api/v1/hub/import", files={"file": ("x.csv", b"a,b")}, headers=auth(client))
    assert r.status_code == 422 and ".jsonl" in r.json()["problems"][0]["fix"]


def test_hub_reimport_updates(hub_client):
    changed = [{**HUB[5], "title": "Cross-border cold chain logistics"}]
    r = hub_client.post("/api/v1/hub/import", files={"file": ("u.jsonl", jsonl(changed))}, headers=auth(hub_client))
    assert r.status_code == 200
    body = r.json()
    assert body["updated"]["offer"] == ["F3"] and body["counts"]["offers"] == 3 and "updated" in body["summary"]
    res = hub_client.get("/api/v1/hub/search", params={"q": "cold chain logistics", "top": 1}).json()
    assert res["results"][0]["item"]["title"] == "Cross-border cold chain logistics"


def test_hub_demo_needs_a_key(client):
    assert client.post("/api/v1/hub/demo").status_code == 401
    assert client.get("/api/v1/hub/search", params={"q": "x"}).json()["empty"] is True


# ---------------------------------------------------------------------------- ledger
@pytest.fixture
def ledger(client, monkeypatch):
    led = Ledger.init(client.db_url, origin="test.example/ledger")
    led.append_many([{"type": "kpi.report", "payload": {"city": c, "rd": i}} for i, c in enumerate("ABCDEF")], "SZ")
    key = generate_key("test-key")
    led.checkpoint(key)
    monkeypatch.setenv("CITYNEXUS_LEDGER_TRUST", key.verifier.vkey)  # the pinned key of the server
    led.key = key
    return led


def test_ledger_status_without_ledger(client):
    r = client.get("/api/v1/ledger/status")
    assert r.status_code == 200
    assert r.json()["initialised"] is False and "citynexus ledger init" in r.json()["message"]
    for path in ("/api/v1/ledger/entries/0/proof", "/api/v1/ledger/entries", "/api/v1/ledger/trace/X"):
        r = client.get(path)
        assert r.status_code == 404 and "ledger init" in r.json()["message"]
    r = client.post("/api/v1/ledger/entries", json={"type": "a", "payload": 1}, headers=auth(client))
    assert r.status_code == 404


def test_ledger_status(client, ledger):
    s = client.get("/api/v1/ledger/status").json()
    assert s["initialised"] and s["origin"] == "test.example/ledger" and s["size"] == 6
    assert base64.b64decode(s["root"]) == ledger.root_at()
    assert s["latest_checkpoint"]["size"] == 6 and s["latest_checkpoint"]["covers_all"]
    assert s["latest_checkpoint"]["key"] == "test-key" and s["entry_types"] == {"kpi.report": 6}
    r = client.get("/api/v1/ledger/entries", params={"limit": 2})
    assert [e["index"] for e in r.json()["entries"]] == [5, 4]


def test_ledger_proof_verifies_offline(client, ledger):
    r = client.get("/api/v1/ledger/entries/3/proof")
    assert r.status_code == 200
    b = r.json()
    assert b["verified"]["ok"] and b["verified"]["signed"] and b["tree_size"] == 6
    # the bundle verifies with the public key alone
    v = verify_bundle({k: v for k, v in b.items() if k != "verified"}, [ledger.key.verifier])
    assert v.index == 3 and v.entry["payload"] == {"city": "D", "rd": 3}
    # an entry newer than the checkpoint is proved against the unsigned head
    ledger.append("kpi.report", {"city": "G"}, "SZ")
    b = client.get("/api/v1/ledger/entries/6/proof").json()
    assert b["verified"]["signed"] is False and b["tree_size"] == 7 and b["checkpoint"] is None
    b = client.get("/api/v1/ledger/entries/2/proof", params={"size": 4}).json()
    assert b["tree_size"] == 4 and base64.b64decode(b["root"]) == ledger.root_at(4)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/ledger/entries/99/proof", 404),
        ("/api/v1/ledger/entries/-1/proof", 422),
        ("/api/v1/ledger/entries/abc/proof", 422),
        ("/api/v1/ledger/entries/2/proof?size=2", 400),
        ("/api/v1/ledger/entries/2/proof?size=50", 400),
        ("/api/v1/ledger/trace/nothing-here", 404),
    ],
)
def test_ledger_bad_reads(client, ledger, path, status):
    r = client.get(path)
    assert r.status_code == status and r.json()["message"]


def test_ledger_append(client, ledger):
    rec = {"type": "kpi.report", "payload": {"city": "ZH", "rd": 3.1}}
    r = client.post("/api/v1/ledger/entries", json=rec)
    assert r.status_code == 401 and ledger.size == 6
    r = client.post("/api/v1/ledger/entries", json=rec, headers={"Authorization": f"Bearer {client.key}"})
    assert r.status_code == 201
    body = r.json()
    e = body["entries"][0]
    # the submitter is the authenticated organisation and key, never a field the client sets
    assert e["index"] == 6 and e["submitter"] == "local/tester" and body["size"] == 7
    assert base64.b64decode(body["root"]) == ledger.root_at()
    r = client.post("/api/v1/ledger/entries", json=[rec, {**rec, "submitter": "ZH office"}], headers=auth(client))
    assert r.status_code == 403 and "submitter" in r.json()["message"] and ledger.size == 7
    r = client.post("/api/v1/ledger/entries", json=[rec, {**rec, "submitter": "local/tester"}], headers=auth(client))
    assert [x["index"] for x in r.json()["entries"]] == [7, 8]


@pytest.mark.parametrize(
    "payload",
    [
        {"payload": {"a": 1}},  # no type
        {"type": "x"},  # no payload
        {"type": "", "payload": 1},
        {"type": "x", "payload": 1, "extra": True},
        [],
        [{"type": "x", "payload": 1}, "not an object"],
        {"type": "x", "payload": 1.5e308 * 10},  # inf cannot be canonical JSON
    ],
)
def test_ledger_append_bad_records_store_nothing(client, ledger, payload):
    if isinstance(payload, dict) and payload.get("payload") == float("inf"):
        r = client.post(
            "/api/v1/ledger/entries",
            content=b'{"type": "x", "payload": 1e999}',
            headers={**auth(client), "Content-Type": "application/json"},
        )
    else:
        r = client.post("/api/v1/ledger/entries", json=payload, headers=auth(client))
    assert r.status_code in (400, 422) and r.json()["message"]
    assert ledger.size == 6


def test_ledger_trace_events_are_checked(client, ledger):
    def ev(**p):
        return {"type": "trace.event", "payload": {"item": "BATCH-1", **p}}

    r = client.post("/api/v1/ledger/entries", json=ev(event="shipped", mode="sea"), headers=auth(client))
    assert r.status_code == 400 and ledger.size == 6  # not created yet
    r = client.post(
        "/api/v1/ledger/entries",
        json=[ev(event="created", kind="product_batch"), ev(event="shipped", mode="sea", location="Nansha")],
        headers=auth(client),
    )
    assert r.status_code == 201
    r = client.post(
        "/api/v1/ledger/entries",
        json=[ev(event="received"), {"type": "kpi.report", "payload": {}}],
        headers=auth(client),
    )
    assert r.status_code == 400 and "own request" in r.json()["message"]
    tr = client.get("/api/v1/ledger/trace/BATCH-1").json()
    assert tr["kind"] == "product_batch" and tr["in_transit"] and tr["mode"] == "sea"
    assert [e["payload"]["event"] for e in tr["events"]] == ["created", "shipped"]
    assert [e["index"] for e in tr["events"]] == [6, 7] and tr["signed"] is False


def test_ledger_verify_result(client, ledger):
    from citynexus.ledger import publish_result

    result = {"scores": {"SZ": 81.2, "GZ": 79.9}, "provenance": {"spec_digest": "sha256:abc"}}
    publish_result(result, ledger, signer=ledger.key)
    # key order and indentation do not matter (canonical JSON), values do
    same = json.dumps({"provenance": result["provenance"], "scores": result["scores"]}, indent=1).encode()
    r = client.post("/api/v1/ledger/verify-result", files={"file": ("result.json", same)})
    assert r.status_code == 200
    body = r.json()
    assert body["verified"] and body["index"] == 6 and body["signed"] and body["result_digest"].startswith("sha256:")
    changed = json.dumps({**result, "scores": {"SZ": 91.2, "GZ": 79.9}}).encode()
    r = client.post("/api/v1/ledger/verify-result", files={"file": ("result.json", changed)})
    assert r.status_code == 400 and "never published" in r.json()["message"]
    r = client.post("/api/v1/ledger/verify-result", files={"file": ("result.json", b"{oops")})
    assert r.status_code == 400 and "not a JSON file" in r.json()["message"]
    r = client.post("/api/v1/ledger/verify-result", files={"file": ("result.json", b"[1, 2]")})
    assert r.status_code == 400
