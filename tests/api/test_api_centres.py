"""REST face of the service network: centres, import (owner-checked, all-or-nothing), routing,
record steps checked for the party (only the SME confirms), performance, funding, talent."""

from __future__ import annotations

import json

import pytest
from tests.api._tenants import tenant_client

from citynexus.services import audit

CENTRES = [
    {
        "id": "A",
        "name": "EMC Test Centre",
        "name_zh": "电磁兼容检测中心",
        "city": "DG",
        "fields": ["emc"],
        "description": "Electromagnetic compatibility testing, radiated emission, EMC certification",
        "description_zh": "电磁兼容测试，辐射发射，电磁兼容认证",
    },
    {
        "id": "B",
        "name": "PCB Design Centre",
        "name_zh": "电路板设计中心",
        "city": "SZ",
        "fields": ["electronics_design"],
        "description": "Printed circuit board design, layout, grounding and stack-up redesign",
        "description_zh": "印制电路板设计，布线，接地与叠层重新设计",
    },
]
REQUESTS = [{"id": "R1", "sme": "s1", "city": "GZ", "text": "EMC test failed at the lab"}]


def jsonl(records) -> bytes:
    return ("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n").encode()


@pytest.fixture
def svc(db_url):
    """Keys of the organisation running the centres (cent), an SME (s1), another organisation,
    a viewer of cent and a platform operator."""
    keys = {
        "cent": ("carl", "cent", "editor"),
        "sme": ("sue", "s1", "editor"),
        "other": ("otto", "other", "editor"),
        "viewer": ("vic", "cent", "viewer"),
    }
    with tenant_client(db_url, keys, orgs=("ops",)) as c:
        yield c


def _import(c, headers, records, kind="centres", name="centres.jsonl"):
    return c.post(
        "/api/v1/centres/import", files={"file": (name, jsonl(records))}, params={"kind": kind}, headers=headers
    )


def test_reads_show_the_synthetic_demo_out_of_the_box(svc):
    body = svc.get("/api/v1/centres").json()
    assert body["synthetic"] is True and len(body["centres"]) == 15
    assert all("(synthetic)" in c["name"] for c in body["centres"])
    r = svc.post("/api/v1/centres/fund", json={"budget": 1000000})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["synthetic"] is True and out["summary"]["sum"] == 1000000.0
    assert sum(a["cents"] for a in out["allocations"]) == 100000000
    assert all(a["vs_default"] == 0 for a in out["allocations"])
    # other weights: other amounts, still the budget to the cent, the change vs the default formula
    r = svc.post(
        "/api/v1/centres/fund",
        json={"budget": "1000000", "formula": {"base_share": 0.6, "performance": {"quantity": 0.2}}},
    )
    out2 = r.json()
    assert out2["formula"]["performance"]["quality"] == pytest.approx(0.8)
    assert sum(a["cents"] for a in out2["allocations"]) == 100000000
    assert any(a["vs_default"] != 0 for a in out2["allocations"])
    for a in out2["allocations"]:
        assert a["vs_default"] == pytest.approx(a["amount"] - a["default_amount"], abs=0.011)
    perf = svc.get("/api/v1/centres/performance", params={"samples": 20}).json()
    assert perf["synthetic"] is True and len(perf["index"]) == 15
    assert all(r["rank_q05"] <= r["rank"] <= r["rank_q95"] for r in perf["index"])


def test_import_needs_an_editor_key_and_bad_files_store_nothing(svc):
    assert _import(svc, {}, CENTRES).status_code == 401
    assert _import(svc, {"X-API-Key": "cnx_bad_key"}, CENTRES).status_code == 401
    assert _import(svc, svc.viewer, CENTRES).status_code == 403
    bad = [CENTRES[0], {**CENTRES[1], "city": "Nowhere"}]
    r = _import(svc, svc.cent, bad)
    assert r.status_code == 422
    (p,) = r.json()["problems"]
    assert p["line"] == 2 and p["field"] == "city"
    assert p["kind"] == "unknown_city" and p["values"] == {"value": "'Nowhere'"}  # for a page to write in its language
    assert svc.get("/api/v1/centres").json()["synthetic"] is True  # nothing stored
    r = _import(svc, svc.cent, CENTRES)
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == 2 and r.json()["owner"] == "cent"
    body = svc.get("/api/v1/centres").json()
    assert body["synthetic"] is False and {c["id"]: c["owner"] for c in body["centres"]} == {"A": "cent", "B": "cent"}
    # another organisation cannot take the centre over
    r = _import(svc, svc.other, [{**CENTRES[0], "name": "Hijacked"}])
    assert r.status_code == 422 and "belongs to organisation 'cent'" in r.json()["problems"][0]["problem"]
    assert r.json()["problems"][0]["kind"] == "not_owner" and r.json()["problems"][0]["values"]["owner"] == "'cent'"
    assert svc.get("/api/v1/centres").json()["centres"][0]["name"] == "EMC Test Centre"
    r = svc.post("/api/v1/centres/import", files={"file": ("c.txt", b"x")}, headers=svc.cent)
    assert r.status_code == 422
    assert [(p["kind"], p["values"]["value"]) for p in r.json()["problems"]] == [("file_type_of", "'c.txt'")]
    r = _import(svc, svc.cent, [CENTRES[0], CENTRES[0]])
    assert [(p["line"], p["kind"], p["values"]) for p in r.json()["problems"]] == [
        (2, "duplicate_centre_id", {"value": repr(CENTRES[0]["id"]), "first": "1"})
    ]
    actions = [e.action for e in audit.events(svc.eng)]
    assert actions.count("centres.import.centres") == 1


def test_record_steps_are_checked_for_the_party(svc):
    assert _import(svc, svc.cent, CENTRES).status_code == 200
    assert _import(svc, svc.cent, REQUESTS, kind="requests", name="requests.jsonl").status_code == 200
    assert svc.post("/api/v1/centres/records", json={"centre": "A", "request": "R1"}).status_code == 401
    r = svc.post("/api/v1/centres/records", json={"centre": "A", "request": "R1"}, headers=svc.other)
    assert r.status_code == 403
    r = svc.post("/api/v1/centres/records", json={"centre": "Z", "sme": "s1"}, headers=svc.sme)
    assert r.status_code == 404
    r = svc.post("/api/v1/centres/records", json={"centre": "A", "request": "R1", "period": "2025"}, headers=svc.sme)
    assert r.status_code == 201, r.text
    rid = r.json()["record"]
    base = f"/api/v1/centres/records/{rid}"
    assert svc.post(f"{base}/accept", headers=svc.sme).status_code == 403  # the SME does not accept for the centre
    assert svc.post(f"{base}/accept", headers=svc.cent).status_code == 200
    assert svc.post(f"{base}/accept", headers=svc.cent).status_code == 400  # accepted already
    assert svc.post(f"{base}/deliver", headers=svc.cent).json()["ledger_entry"] == 0
    r = svc.post(f"{base}/confirm", json={"rating": 5}, headers=svc.cent)
    assert r.status_code == 403 and "never the centre" in r.json()["message"]  # a centre never confirms its own
    assert svc.post(f"{base}/confirm", json={"rating": 9}, headers=svc.sme).status_code == 422
    r = svc.post(f"{base}/confirm", json={"rating": 4, "outcome": "cost_saved"}, headers=svc.sme)
    assert r.status_code == 200 and r.json()["ledger_entry"] == 1
    assert svc.post("/api/v1/centres/records/nope/accept", headers=svc.cent).status_code == 404
    (rec,) = svc.get("/api/v1/centres/records").json()["records"]
    assert rec["status"] == "confirmed" and rec["confirmed_by"] == "s1" and rec["verified"] is True
    assert rec["owner_org"] == "cent"
    events = [(e.action, e.org) for e in audit.events(svc.eng) if e.action.startswith("centres.record")]
    assert events == [
        ("centres.record.open", "s1"),
        ("centres.record.accept", "cent"),
        ("centres.record.deliver", "cent"),
        ("centres.record.confirm", "s1"),
    ]
    # the stored record funds centre A
    out = svc.post("/api/v1/centres/fund", json={"budget": 1000}).json()
    assert out["synthetic"] is False
    amounts = {a["centre"]: a["amount"] for a in out["allocations"]}
    assert amounts["A"] > amounts["B"] and sum(amounts.values()) == pytest.approx(1000)


def test_route_ranks_centres_with_reasons_and_a_referral(svc):
    assert _import(svc, svc.cent, CENTRES).status_code == 200
    r = svc.post(
        "/api/v1/centres/route",
        json={"text": "The EMC test failed at the lab, then we must redesign the PCB grounding", "city": "SZ"},
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["synthetic"] is False and set(out["centres"]) == {"A", "B"}
    assert out["ranking"][0]["reasons"]["summary"]
    assert out["referral"] is not None and out["referral"]["centre"] != out["centres"][0]
    assert svc.post("/api/v1/centres/route", json={"text": ""}).status_code == 422
    assert svc.post("/api/v1/centres/route", json={"text": "x", "city": "Atlantis"}).status_code == 422
    assert svc.post("/api/v1/centres/route", json={"text": "x", "top": 0}).status_code == 422
    inbox = svc.get("/api/v1/centres/inbox").json()
    assert inbox["synthetic"] is False and inbox["total"] == 0


def test_funding_bad_input_is_refused(svc):
    recs = [
        {"centre": "A", "sme": "s1", "period": "2025", "confirmed": True, "rating": 5},
        {"centre": "A", "sme": "s2", "period": "2025", "confirmed": False, "rating": None},
        {"centre": "B", "sme": "s3", "period": "2025", "confirmed": True, "rating": 4, "confirmed_by": "B"},
    ]
    r = svc.post("/api/v1/centres/fund", json={"budget": "100.00", "records": recs})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["summary"]["sum"] == 100.0 and out["summary"]["flagged_records"] == 1
    assert {a["centre"] for a in out["allocations"]} == {"A", "B"}
    bad = [*recs, {"centre": "A", "sme": "s4", "period": "2025", "confirmed": "maybe", "rating": 3}]
    r = svc.post("/api/v1/centres/fund", json={"budget": 100, "records": bad})
    assert r.status_code == 422 and r.json()["problems"][0]["line"] == 5
    r = svc.post("/api/v1/centres/fund", json={"budget": 100, "formula": {"base_share": 2}})
    assert r.status_code == 400 and "base_share" in r.json()["message"]
    r = svc.post("/api/v1/centres/fund", json={"budget": 100, "formula": {"colour": "red"}})
    assert r.status_code == 400
    assert svc.post("/api/v1/centres/fund", json={"budget": "-5"}).status_code == 400
    csv = "centre,sme,period,confirmed,rating\nA,s1,2025,true,5\nB,s2,2025,true,2\n"
    r = svc.post("/api/v1/centres/fund", json={"budget": 10, "records_csv": csv, "compare": {"base_share": 0.9}})
    assert r.status_code == 200 and len(r.json()["comparison"]["rows"]) == 2
    r = svc.post("/api/v1/centres/fund", json={"budget": 10, "records_csv": csv, "sensitivity": True})
    sens = r.json()["sensitivity"]["centres"]
    assert {c["centre"] for c in sens} == {"A", "B"} and all(c["p05"] <= c["nominal"] <= c["p95"] for c in sens)


def test_talent_pool_match_and_import(svc):
    pool = svc.get("/api/v1/talent").json()
    assert pool["synthetic"] is True and pool["talents"] and pool["positions"]
    pid = pool["positions"][0]["id"]
    r = svc.get("/api/v1/talent/match", params={"position": pid, "top": 3})
    assert r.status_code == 200, r.text
    m = r.json()["matches"]
    assert m and all(x["reasons"]["talent_constraints"] for x in m)
    assert svc.get("/api/v1/talent/match", params={"position": "nope"}).status_code == 404
    assert svc.get("/api/v1/talent/match").status_code == 400
    tid = pool["talents"][0]["id"]
    assert svc.get("/api/v1/talent/match", params={"talent": tid}).status_code == 200
    recs = [{k: v for k, v in t.items()} | {"type": "talent"} for t in pool["talents"][:2]] + [
        p | {"type": "position"} for p in pool["positions"][:1]
    ]
    files = {"file": ("talent.jsonl", jsonl(recs))}
    assert svc.post("/api/v1/talent/import", files=files).status_code == 401
    r = svc.post("/api/v1/talent/import", files=files, headers=svc.cent)
    assert r.status_code == 200, r.text
    assert r.json()["talents"] == 2 and r.json()["positions"] == 1
    stored = svc.get("/api/v1/talent").json()
    assert stored["synthetic"] is False and len(stored["talents"]) == 2
    r = svc.post("/api/v1/talent/import", files=files, headers=svc.other)
    assert r.status_code == 422 and "belongs to organisation 'cent'" in r.json()["problems"][0]["problem"]
    assert r.json()["problems"][0]["kind"] == "not_owner" and r.json()["problems"][0]["values"]["owner"] == "'cent'"
    bad = {"file": ("t.jsonl", jsonl([{"type": "talent", "id": "X"}]))}
    r = svc.post("/api/v1/talent/import", files=bad, headers=svc.other)
    assert r.status_code == 422 and r.json()["problems"]
    assert len(svc.get("/api/v1/talent").json()["talents"]) == 2


def test_one_request_from_the_web_form(svc):
    body = {"text": "我们的电池包在跌落测试中外壳开裂", "city": "深圳"}
    assert svc.post("/api/v1/centres/requests", json=body).status_code == 401
    assert svc.post("/api/v1/centres/requests", json=body, headers=svc.viewer).status_code == 403
    r = svc.post("/api/v1/centres/requests", json=body, headers=svc.sme)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["sme"] == "s1" and out["city"] == "SZ" and out["lang"] == "zh" and out["owner"] == "s1"
    again = svc.post("/api/v1/centres/requests", json={**body, "id": out["id"]}, headers=svc.sme)
    assert again.status_code == 409
    bad = svc.post("/api/v1/centres/requests", json={"text": "x", "city": "Atlantis", "id": "R-bad"}, headers=svc.sme)
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "city"
    from citynexus.centres.lifecycle import ServiceBook

    assert [q.id for q in ServiceBook(svc.eng.url.render_as_string(hide_password=False)).requests()] == [out["id"]]
    assert "centres.request.create" in [e.action for e in audit.events(svc.eng)]


def test_centres_from_an_excel_upload(svc, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "centres"
    cols = ["id", "name", "name_zh", "city", "fields", "description", "description_zh"]
    ws.append(cols)
    for c in CENTRES:
        ws.append([c[k] if k != "fields" else ";".join(c[k]) for k in cols])
    p = tmp_path / "centres.xlsx"
    wb.save(p)
    r = svc.post("/api/v1/centres/import", files={"file": ("centres.xlsx", p.read_bytes())}, headers=svc.cent)
    assert r.status_code == 200, r.text
    assert r.json()["ids"] == ["A", "B"]
    ws.cell(row=3, column=4, value="Nowhere")
    wb.save(p)
    r = svc.post("/api/v1/centres/import", files={"file": ("centres.xlsx", p.read_bytes())}, headers=svc.cent)
    assert r.status_code == 422 and r.json()["problems"][0]["line"] == 3
    assert {c["city"] for c in svc.get("/api/v1/centres").json()["centres"]} == {"DG", "SZ"}


def test_import_limits_the_dashboard_card_relies_on(svc):
    """The import card of the centres page names these answers: a file past the size limit is
    413 and stores nothing, a viewer key is 403 whatever it sends, a file type other than JSON
    Lines or Excel is 422 with one whole-file problem naming the types."""
    big = jsonl(CENTRES) + b" " * (svc_limit() - len(jsonl(CENTRES)) + 1)
    r = svc.post("/api/v1/centres/import", files={"file": ("centres.jsonl", big)}, headers=svc.cent)
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "UploadTooLarge" and "larger than 20 MiB" in r.json()["message"]
    assert svc.get("/api/v1/centres").json()["synthetic"] is True  # nothing stored
    # the key is checked before the file is read, its role by the service after: a viewer's
    # oversized file is too large, a viewer's file of the right size forbidden
    r = svc.post("/api/v1/centres/import", files={"file": ("centres.jsonl", big)}, headers=svc.viewer)
    assert r.status_code == 413
    r = _import(svc, svc.viewer, REQUESTS, kind="requests", name="requests.jsonl")
    assert r.status_code == 403 and "needs the role editor or above; key 'vic' is a viewer" in r.json()["message"]
    r = _import(svc, svc.cent, CENTRES, name="centres.json")
    assert r.status_code == 422
    (p,) = r.json()["problems"]
    assert (p["line"], p["field"], p["kind"]) == (0, "(file)", "file_type_of")
    assert p["values"] == {"value": "'centres.json'", "allowed": ".jsonl, .ndjson, .xlsx"}
    # exactly at the limit is accepted (a JSON Lines file may end in blank space)
    ok = jsonl(CENTRES) + b" " * (svc_limit() - len(jsonl(CENTRES)))
    r = svc.post("/api/v1/centres/import", files={"file": ("centres.jsonl", ok)}, headers=svc.cent)
    assert r.status_code == 200, r.text
    assert r.json() == {"source": "centres.jsonl", "kind": "centres", "stored": 2, "ids": ["A", "B"], "owner": "cent"}


def svc_limit() -> int:
    from citynexus.services import centres

    return centres.MAX_UPLOAD
