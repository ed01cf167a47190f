"""The hub page's import problems and API errors after the fetch, in Chromium: on Chinese pages
(Simplified and Traditional) each problem and its fix are written from the templates of its
kind with the quoted values as code, an API error by its HTTP status with the exact English
message beside it marked as English; on English pages the API's own text. Checked with the
language-purity checker; screenshots go to test-output/browser/."""

from __future__ import annotations

import json

import pytest
from tests.browser.test_browser_fetched_lang import allow, check, hub_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

BAD = [
    {"type": "organization", "id": "bad id!", "name": 5, "kind": "castle", "city": "Atlantis", "industries": "ai"},
    {"type": "need", "id": "N-T1", "org": "ORG-NONE", "kind": "supplier", "title": "Test need", "text": "x",
     "constraints": {"deadline": "2026-13-01", "budget": -3, "colour": "red"}},
]  # fmt: skip


def bad_file(tmp_path):
    f = tmp_path / "bad.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in BAD) + "\n{not json\n", encoding="utf-8")
    return f


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
def test_import_problems_in_the_page_language(page, hub_server, allow, shots, tmp_path, lang):  # noqa: F811
    page.goto(f"{hub_server['url']}/hub?lang={lang}")
    page.locator("#import-file").set_input_files(str(bad_file(tmp_path)))
    page.locator("#import-key").fill(hub_server["key"])
    page.locator("#import-btn").click()
    page.locator("#import-result table.problems").wait_for()
    rows = page.locator("#import-result table.problems tbody tr")
    assert rows.count() >= 8
    text = page.locator("#import-result").inner_text()
    if lang == "en":
        assert "'2026-13-01' is not a date" in text and "write an ISO date YYYY-MM-DD" in text
    else:
        assert "'2026-13-01' 不是日期" in text and "未知城市 'Atlantis'" in text  # same characters in 简 and 繁
        assert "is not a date" not in text and "exact message" not in text
    check(page.content(), lang, allow | {"ORG-NONE", "N-T1", "Atlantis", "castle", "Test need"}, "hub import problems")
    page.locator("#import-result").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"hub-import-problems-{lang}.png"), full_page=True)
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
def test_api_error_in_the_page_language(page, hub_server, allow, shots, tmp_path, lang):  # noqa: F811
    page.goto(f"{hub_server['url']}/hub?lang={lang}")
    page.locator("#import-file").set_input_files(str(bad_file(tmp_path)))
    page.locator("#import-key").fill("cnx_not_a_key")
    page.locator("#import-btn").click()
    err = page.locator("#import-result-error")
    err.wait_for()
    text = err.inner_text()
    if lang == "en":
        assert "key" in text.lower()
    else:
        assert ("密钥" if lang == "zh" else "密鑰") in text
        assert err.locator("span[lang=en]").count() == 1  # the exact English message, marked
    check(page.content(), lang, allow, "hub import error")
    page.screenshot(path=str(shots / f"hub-import-401-{lang}.png"), full_page=True)
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_answer_without_json_is_labelled_by_its_status(page, hub_server, tmp_path, lang):  # noqa: F811
    """A proxy's 413 page (plain text) still gives the page-language label of the status."""
    page.route("**/api/v1/hub/import", lambda route: route.fulfill(status=413, body="Request Entity Too Large",
                                                                  content_type="text/plain"))  # fmt: skip
    page.goto(f"{hub_server['url']}/hub?lang={lang}")
    page.locator("#import-file").set_input_files(str(bad_file(tmp_path)))
    page.locator("#import-key").fill(hub_server["key"])
    page.locator("#import-btn").click()
    err = page.locator("#import-result-error")
    err.wait_for()
    assert err.inner_text().strip() == ("the upload is too large" if lang == "en" else "上传的文件过大")
    assert page.js_errors == []
