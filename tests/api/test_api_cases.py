"""The case library's REST face: public reads (list with filters, one case, similar cases, hub
organizations, SDG tagging), and the writes that need an editor key — import (all-or-nothing,
owner-checked, audited), update, screening runs — with 401/403/404/422 and nothing stored on a bad
upload."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient
from tests.api._tenants import tenant_client

from citynexus.api import create_app
from citynexus.services import audit
from citynexus.services.keys import create_key, create_org
from citynexus.store import get_engine

CASE = {
    "id": "sz-bus-synthetic",
    "city": "Shenzhen",
    "country": "China",
    "city_zh": "深圳",
    "country_zh": "中国",
    "title_en": "All-electric bus fleet (synthetic test case)",
    "title_zh": "公交车全面电动化（合成测试案例）",
    "description_en": "A synthetic test case: the city's buses run on batteries.",
    "description_zh": "合成测试案例：城市公交车全部使用电池驱动。",
    "themes": ["transport"],
    "sdg_targets": ["11.2"],
}


def jsonl(*records) -> bytes:
    return ("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n").encode()


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """Keys of two organisations (editors A and B), a viewer of A and a platform operator."""
    with tenant_client(f"sqlite:///{tmp_path_factory.mktemp('cases-api') / 'api.db'}") as c:
        yield c


def _import(c, headers, content: bytes, name="cases.jsonl", **params):
    return c.post("/api/v1/cases/import", files={"file": (name, content)}, headers=headers, params=params)


def _user_ids(c) -> list[str]:
    return [x["id"] for x in c.get("/api/v1/cases", params={"origin": "user"}).json()["cases"]]


def test_seed_library_is_listed_without_setup_or_key(api):
    r = api.get("/api/v1/cases")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] >= 10 and all(x["seed"] for x in body["cases"][:10])
    assert body["cases"][0]["summarised_from"].startswith("Summarised from")


@pytest.mark.parametrize(
    ("params", "ids"),
    [
        ({"goal": 6}, {"seed-kampala-pit-emptying-gis", "seed-kazan-lake-chaikovoye-park"}),
        ({"goal": 11, "country": "中国"}, {"seed-xianning-safe-routes-to-school", "seed-guangzhou-elderly-canteens"}),
        ({"theme": "Recycling"}, {"seed-guangzhou-battery-recycling"}),
        ({"q": "上学"}, {"seed-xianning-safe-routes-to-school"}),
        ({"q": "pit emptying"}, {"seed-kampala-pit-emptying-gis"}),
        ({"city": "咸宁"}, {"seed-xianning-safe-routes-to-school"}),
        ({"country": "Uganda", "origin": "seed"}, {"seed-kampala-pit-emptying-gis"}),
    ],
)
def test_filters(api, params, ids):
    r = api.get("/api/v1/cases", params=params)
    assert r.status_code == 200
    assert {x["id"] for x in r.json()["cases"]} == ids


@pytest.mark.parametrize("params", [{"goal": 18}, {"goal": 0}, {"origin": "mine"}, {"q": "x" * 501}])
def test_bad_filters_are_422(api, params):
    assert api.get("/api/v1/cases", params=params).status_code == 422


def test_one_case_similar_and_unknown(api):
    r = api.get("/api/v1/cases/seed-xianning-safe-routes-to-school")
    assert r.status_code == 200
    d = r.json()
    assert d["sdg_goals"] == [3, 11] and d["sdg_goal_titles"]["11"]["zh"].startswith("建设包容")
    r = api.get("/api/v1/cases/seed-xianning-safe-routes-to-school/similar", params={"top": 3, "lang": "zh"})
    assert r.status_code == 200
    res = r.json()["results"]
    assert len(res) == 3 and all(x["case"] != "seed-xianning-safe-routes-to-school" for x in res)
    assert res == sorted(res, key=lambda x: -x["score"])
    r = api.get("/api/v1/cases/seed-xianning-safe-routes-to-school/similar", params={"goal": 2})
    assert {x["case"] for x in r.json()["results"]} <= {
        "seed-tehran-natural-pesticide", "seed-antalya-eco-farmer-card", "seed-guangzhou-elderly-canteens"
    }  # fmt: skip
    for path in ("/api/v1/cases/nope", "/api/v1/cases/nope/similar", "/api/v1/cases/nope/hub"):
        r = api.get(path)
        assert r.status_code == 404 and "no case with id 'nope'" in r.json()["message"]


def test_hub_organizations_of_an_empty_hub(api):
    r = api.get("/api/v1/cases/seed-guangzhou-battery-recycling/hub")
    assert r.status_code == 200 and r.json()["empty"] is True and r.json()["organizations"] == []


@pytest.mark.parametrize(
    ("text", "best"),
    [("社区长者饭堂为独居老人提供营养午餐", 2), ("A GIS app lets households book pit-emptying services", 6)],
)
def test_tag_a_text(api, text, best):
    r = api.post("/api/v1/cases/tag", json={"text": text, "top": 3})
    assert r.status_code == 200
    body = r.json()
    goals = body["goals"]
    assert len(goals) == 3 and goals[0]["goal"] == best
    assert [g["score"] for g in goals] == sorted((g["score"] for g in goals), reverse=True)
    assert goals[0]["phrases"] and goals[0]["targets"][0]["target"].startswith(f"{best}.")
    assert body["method"] == "hybrid"


@pytest.mark.parametrize(
    "body", [{}, {"text": ""}, {"text": "x", "top": 18}, {"text": "x", "method": "magic"}, {"text": "x" * 20001}]
)
def test_tag_bad_requests(api, body):
    assert api.post("/api/v1/cases/tag", json=body).status_code == 422


def test_import_needs_an_editor_key(api):
    assert _import(api, {}, jsonl(CASE)).status_code == 401
    assert _import(api, {"X-API-Key": "cnx_wrong"}, jsonl(CASE)).status_code == 401
    r = _import(api, api.viewer, jsonl(CASE))
    assert r.status_code == 403 and "editor" in r.json()["message"]
    assert "sz-bus-synthetic" not in _user_ids(api)


def test_bad_uploads_store_nothing(api):
    before = _user_ids(api)
    bad = dict(CASE, id="bad-1", sdg_goals=[18])
    r = _import(api, api.a, jsonl(dict(CASE, id="good-1"), bad), name="mixed.jsonl")
    assert r.status_code == 422
    body = r.json()
    assert "nothing stored" in body["message"]
    p = body["problems"][0]
    assert p["file"] == "mixed.jsonl" and p["line"] == 2 and p["field"] == "sdg_goals"
    assert "/tmp" not in json.dumps(body)  # names the upload, never a server path
    for content, name in (
        (b"{not json\n", "broken.jsonl"),
        (b"", "empty.jsonl"),
        (b"\xff\xfe\x00", "binary.jsonl"),
        (b"PK\x03\x04garbage", "broken.xlsx"),
        (jsonl(CASE), "cases.csv"),
        (jsonl(dict(CASE, id="seed-mine")), "seed.jsonl"),
    ):
        r = _import(api, api.a, content, name=name)
        assert r.status_code == 422, (name, r.text)
        assert r.json()["problems"], name
    assert _user_ids(api) == before


def test_import_update_owner_and_audit(api):
    r = _import(api, api.a, jsonl(CASE))
    assert r.status_code == 200, r.text
    assert r.json()["created"] == ["sz-bus-synthetic"]
    assert api.get("/api/v1/cases/sz-bus-synthetic").json()["owner"] == "A"
    # another organisation may not overwrite it, by import or by PUT
    hijack = dict(CASE, title_en="Hijacked by B")
    r = _import(api, api.b, jsonl(hijack))
    assert r.status_code == 422 and "belongs to organisation 'A'" in r.json()["problems"][0]["problem"]
    r = api.put("/api/v1/cases/sz-bus-synthetic", json=hijack, headers=api.b)
    assert r.status_code == 403
    assert api.get("/api/v1/cases/sz-bus-synthetic").json()["title_en"] == CASE["title_en"]
    # the owner may; the platform may; a viewer may not
    r = api.put("/api/v1/cases/sz-bus-synthetic", json=dict(CASE, year=2017), headers=api.a)
    assert r.status_code == 200 and r.json()["year"] == 2017
    assert api.put("/api/v1/cases/sz-bus-synthetic", json=CASE, headers=api.viewer).status_code == 403
    assert api.put("/api/v1/cases/sz-bus-synthetic", json=CASE, headers=api.ops).status_code == 200
    assert api.get("/api/v1/cases/sz-bus-synthetic").json()["owner"] == "A"
    # a bad record is 422 and changes nothing; seed cases and unknown ids are refused
    r = api.put("/api/v1/cases/sz-bus-synthetic", json=dict(CASE, title_zh="no Chinese"), headers=api.a)
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "title_zh"
    r = api.put("/api/v1/cases/seed-guangzhou-battery-recycling", json=CASE, headers=api.a)
    assert r.status_code == 403
    assert api.put("/api/v1/cases/nope", json=CASE, headers=api.a).status_code == 404
    assert api.put("/api/v1/cases/sz-bus-synthetic", json=CASE, headers={}).status_code == 401
    # every write was audited, refused ones not
    ev = [(e.action, e.org, e.target_id) for e in audit.events(api.eng) if e.action.startswith("cases.")]
    assert ("cases.import", "A", "cases.jsonl") in ev
    assert ev.count(("cases.update", "A", "sz-bus-synthetic")) == 1
    assert ("cases.update", "ops", "sz-bus-synthetic") in ev
    assert not any(org == "B" for _, org, _ in ev)
    assert audit.verify(api.eng) >= len(ev)


def test_platform_imports_for_another_organisation(api):
    rec = dict(CASE, id="for-b-1")
    assert _import(api, api.a, jsonl(rec), owner="B").status_code == 403
    r = _import(api, api.ops, jsonl(rec), owner="B")
    assert r.status_code == 200
    assert api.get("/api/v1/cases/for-b-1").json()["owner"] == "B"


def test_excel_import(api):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "cases"
    cols = ["id", "city", "country", "title_en", "title_zh", "description_en", "description_zh", "sdg_goals"]
    ws.append(cols)
    ws.append(["xl-1", "Foshan", "China", "Synthetic Excel case", "合成表格案例", "Synthetic.", "合成。", "6; 11"])
    buf = io.BytesIO()
    wb.save(buf)
    r = _import(api, api.a, buf.getvalue(), name="cases.xlsx")
    assert r.status_code == 200, r.text
    assert api.get("/api/v1/cases/xl-1").json()["sdg_goals"] == [6, 11]


def _scores(case_scores: dict[str, list[list[float]]]) -> list[dict]:
    """{case: [[juror 1's five scores], [juror 2's], ...]} -> wide records."""
    from citynexus.cases.screening import CRITERIA

    return [
        {"juror": f"J{j + 1}", "case": case, **dict(zip(CRITERIA, row))}
        for case, rows in case_scores.items()
        for j, row in enumerate(rows)
    ]


def test_screen_hand_computed(api):
    """Two jurors, three cases, equal weights (scale 0..10).

    Means per case: a = (8,8,8,8,8)/(6,6,6,6,6) -> 7 -> 0.7; b = 5 and 7 -> 6 -> 0.6;
    c = 2 and 4 -> 3 -> 0.3. Juror 1 ranks a(8) > b(5) > c(2), juror 2 b(7) > a(6) > c(4): ranks
    (1,2,3) and (2,1,3), R = (3,3,6), mean 4, S = 1+1+4 = 6, W = 12*6 / (4*(27-3)) = 0.75.
    Equal criterion values within each case: every weight vector gives the same score, so each
    rank interval is the rank itself."""
    scores = _scores({"a": [[8] * 5, [6] * 5], "b": [[5] * 5, [7] * 5], "c": [[2] * 5, [4] * 5]})
    body = {"scores": scores, "shortlist": 2}
    assert api.post("/api/v1/cases/screen", json=body).status_code == 401
    assert api.post("/api/v1/cases/screen", json=body, headers=api.viewer).status_code == 403
    r = api.post("/api/v1/cases/screen", json=body, headers=api.a)
    assert r.status_code == 200, r.text
    out = r.json()
    rows = {x["case"]: x for x in out["cases"]}
    assert [x["case"] for x in out["cases"]] == ["a", "b", "c"]
    assert rows["a"]["score"] == pytest.approx(0.7) and rows["b"]["score"] == pytest.approx(0.6)
    assert rows["c"]["score"] == pytest.approx(0.3)
    assert [(rows[k]["best_rank"], rows[k]["worst_rank"]) for k in "abc"] == [(1, 1), (2, 2), (3, 3)]
    assert out["agreement"]["w"] == pytest.approx(0.75) and out["agreement"]["strength"] == "strong"
    assert out["shortlist"] == ["a", "b"] and out["synthetic"] is False
    assert out["juror_ranks"]["J2"] == {"a": 2.0, "b": 1.0, "c": 3.0}
    ev = [e for e in audit.events(api.eng) if e.action == "cases.screen"]
    assert ev and ev[-1].org == "A" and ev[-1].detail["shortlist"] == ["a", "b"]


def test_screen_demo_and_long_form(api):
    r = api.post("/api/v1/cases/screen", json={}, headers=api.a)
    assert r.status_code == 200
    out = r.json()
    assert out["synthetic"] is True and out["agreement"]["w"] == pytest.approx(0.772222)
    assert out["cases"][0]["case"] == "seed-sao-paulo-informal-workers"
    assert out["titles"]["seed-sao-paulo-informal-workers"]["zh"].startswith("通过电子许可")
    wide = _scores({"a": [[8] * 5, [6] * 5], "b": [[5] * 5, [7] * 5]})
    long = [
        {"juror": x["juror"], "case": x["case"], "criterion": k, "score": v}
        for x in wide
        for k, v in x.items()
        if k not in ("juror", "case")
    ]
    r = api.post("/api/v1/cases/screen", json={"scores": long, "method": "topsis", "tolerance": None}, headers=api.a)
    assert r.status_code == 200 and r.json()["method"] == "topsis"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            {"scores": [{"juror": "J1", "case": "a", "innovation": 5}, {"juror": "J1", "case": "b", "impact": 5}]},
            "gave no score for case a",
        ),
        ({"scores": [{"juror": "J1", "case": "a", "criterion": "beauty", "score": 5}]}, "not a criterion"),
        ({"scores": [{"case": "a"}]}, "needs 'juror' and 'case'"),
        ({"scores": []}, "no juror scores"),
        ({"weights": {"beauty": 1}}, "not a criterion"),
        ({"weights": {"impact": -1}}, "non-negative"),
        ({"scores": _scores({"a": [[11] * 5, [6] * 5], "b": [[5] * 5, [7] * 5]})}, "between 0 and 10"),
    ],
)
def test_screen_bad_input_is_400_with_a_reason(api, body, words):
    r = api.post("/api/v1/cases/screen", json=body, headers=api.a)
    assert r.status_code == 400, r.text
    assert words in r.json()["message"]


@pytest.mark.parametrize("body", [{"method": "median"}, {"shortlist": 0}, {"tolerance": -1}, {"scale": [0]}])
def test_screen_bad_shape_is_422(api, body):
    assert api.post("/api/v1/cases/screen", json=body, headers=api.a).status_code == 422


def test_import_update_screen_on_each_database(db_url):
    """The writes of the REST face on SQLite and PostgreSQL: stored with the owner, audited."""
    eng = get_engine(db_url)
    create_org(eng, "A", name="Office A")
    with TestClient(create_app(db_url)) as c:
        key = {"X-API-Key": create_key(eng, "alice", org="A", role="editor")}
        assert _import(c, key, jsonl(CASE)).status_code == 200
        assert _import(c, key, jsonl(CASE, dict(CASE, id="x", sdg_goals=[99]))).status_code == 422
        r = c.put("/api/v1/cases/sz-bus-synthetic", json=dict(CASE, year=2020), headers=key)
        assert r.status_code == 200 and r.json()["owner"] == "A" and r.json()["year"] == 2020
        assert c.get("/api/v1/cases", params={"origin": "user"}).json()["count"] == 1
        assert c.post("/api/v1/cases/screen", json={}, headers=key).status_code == 200
    actions = [e.action for e in audit.events(eng)]
    assert actions == ["cases.import", "cases.update", "cases.screen"]
