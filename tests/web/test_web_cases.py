"""The case library's pages through the test client: every page answers in both languages with
the seed library and no setup; the screening board's upload checks the key like the API and
names the uploaded file in its problems."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from citynexus.api import create_app
from citynexus.services import audit
from citynexus.services.cases import demo_scores_path
from citynexus.services.keys import create_key, create_org
from citynexus.store import get_engine


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    db = f"sqlite:///{tmp_path_factory.mktemp('cases-web') / 'web.db'}"
    eng = get_engine(db)
    create_org(eng, "A", name="Office A")
    with TestClient(create_app(db)) as c:
        c.eng = eng
        c.editor = create_key(eng, "ed", org="A", role="editor")
        c.viewer = create_key(eng, "vi", org="A", role="viewer")
        yield c


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
@pytest.mark.parametrize(
    "path",
    ["/cases", "/cases?goal=6", "/cases/case/seed-guangzhou-carbon-inclusion", "/cases/screening", "/cases/tag?text=x"],
)
def test_pages_answer(web, path, lang):
    r = web.get(path, params={"lang": lang})
    assert r.status_code == 200
    assert f'lang="{ {"en": "en", "zh": "zh-CN", "zh-Hant": "zh-Hant"}[lang] }"' in r.text
    if lang == "zh-Hant":  # the Simplified page converted as a whole: 案例库 -> 案例庫
        assert "案例庫" in r.text and "案例库" not in r.text


def test_unknown_case_is_404_in_the_page_language(web):
    r = web.get("/cases/case/nope", params={"lang": "zh"})
    assert r.status_code == 404 and "没有编号为" in r.text


def _post(web, key, content=None, name="scores.csv", **form):
    files = {"file": (name, content if content is not None else demo_scores_path().read_bytes())}
    return web.post("/cases/screening", params={"lang": "en"}, data={"key": key or "", **form}, files=files)


def test_upload_needs_an_editor_key_and_is_audited(web):
    r = _post(web, None)
    assert r.status_code == 401 and 'id="upload-error"' in r.text and "SYNTHETIC" in r.text
    assert _post(web, "cnx_wrong").status_code == 401
    assert _post(web, web.viewer).status_code == 403
    n = len([e for e in audit.events(web.eng) if e.action == "cases.screen"])
    r = _post(web, web.editor, method="topsis", shortlist="2")
    assert r.status_code == 200 and 'id="upload-done"' in r.text
    assert "SYNTHETIC" not in r.text  # the uploaded scores are the user's, not the demo's
    assert r.text.count('class="shortlisted"') == 2
    assert len([e for e in audit.events(web.eng) if e.action == "cases.screen"]) == n + 1


def test_upload_problems_name_the_file(web):
    row = "J1,seed-guangzhou-newborn-health,"
    bad = demo_scores_path().read_text().replace(row + "6", row + "16")
    r = _post(web, web.editor, bad.encode(), name="mine.csv")
    assert r.status_code == 400
    assert "mine.csv" in r.text and "between 0 and 10" in r.text and "/tmp" not in r.text
    r = _post(web, web.editor, b"x", name="mine.pdf")
    assert r.status_code == 400 and "mine.pdf" in r.text


def test_library_pages_through_many_cases(tmp_path):
    import json

    db = f"sqlite:///{tmp_path / 'many.db'}"
    eng = get_engine(db)
    create_org(eng, "A", name="Office A")
    key = create_key(eng, "ed", org="A", role="editor")
    recs = [
        {"id": f"syn-{i:02d}", "city": "Foshan", "country": "China", "title_en": f"Synthetic case {i}",
         "title_zh": f"合成案例{i}", "description_en": "Synthetic.", "description_zh": "合成。", "sdg_goals": [9]}
        for i in range(35)
    ]  # fmt: skip
    content = "\n".join(json.dumps(r, ensure_ascii=False) for r in recs).encode()
    with TestClient(create_app(db)) as c:
        r = c.post("/api/v1/cases/import", files={"file": ("many.jsonl", content)}, headers={"X-API-Key": key})
        assert r.status_code == 200
        first = c.get("/cases", params={"lang": "en"}).text
        assert first.count('class="card case-card"') == 30 and 'id="next-page"' in first
        assert "<strong>45</strong> of 45" in first
        second = c.get("/cases", params={"lang": "en", "page": 2}).text
        assert second.count('class="card case-card"') == 15 and "syn-34" in second and 'id="prev-page"' in second
        only9 = c.get("/cases", params={"lang": "en", "goal": 9, "page": 2}).text
        assert only9.count('class="card case-card"') == 6  # 35 synthetic + Kampala = 36, page 2 holds 6
        assert "goal=9" in only9.split('id="prev-page"')[0].rsplit("href=", 1)[1]


def test_user_case_page_shows_evidence_and_provenance(web):
    import json

    rec = {
        "id": "web-ev-1", "city": "Shenzhen", "country": "China", "city_zh": "深圳", "country_zh": "中国",
        "title_en": "Synthetic bus case", "title_zh": "合成公交案例", "description_en": "Synthetic.",
        "description_zh": "合成。", "sdg_goals": [11], "source_url": "https://example.org/case", "licence": "CC-BY-4.0",
        "evidence": [{"indicator": "electric buses (synthetic)", "unit": "%", "before": 10, "after": 100,
                      "year_before": 2012, "year_after": 2017, "source": "synthetic test data"}],
    }  # fmt: skip
    r = web.post(
        "/api/v1/cases/import",
        files={"file": ("ev.jsonl", json.dumps(rec, ensure_ascii=False).encode())},
        headers={"X-API-Key": web.editor},
    )
    assert r.status_code == 200
    page = web.get("/cases/case/web-ev-1", params={"lang": "zh"}).text
    assert 'id="case-evidence"' in page and "electric buses (synthetic)" in page and "+90" in page
    assert 'href="https://example.org/case"' in page and "CC-BY-4.0" in page and "用户导入" in page
    assert "合成公交案例" in page and "深圳" in page
