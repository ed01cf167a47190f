"""The text the agree, centres, watch, ledger and cases pages show after a form is sent —
refusals (no key, a bad key), problem lists and failed checks — is in the page's language on
Simplified and Traditional Chinese pages: the label of the error's status or kind, the API's
exact English message beside it marked as English. Driven in Chromium and checked with the
language-purity checker on the page's visible text; screenshots go to test-output/browser/."""

from __future__ import annotations

import json

import pytest
from tests._live import live_site, load_demo, site_db
from tests.browser.test_browser_fetched_lang import check
from tests.i18n.purity import names_allow_list

pytestmark = pytest.mark.browser

RESULT = {"index": "GBA", "scores": {"SZ": 81.2, "GZ": 79.9}, "provenance": {"spec_digest": "sha256:0f"}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A live server with the SYNTHETIC agree and watch demos, a ledger with a published result."""
    from citynexus.ledger import Ledger, generate_key, publish_result
    from citynexus.services.watch import seed_demo

    folder = tmp_path_factory.mktemp("fetched-areas")
    db = site_db(folder, "fetched-areas")
    seed_demo(db)
    led = Ledger.init(db, origin="browser.test/ledger", exist_ok=True)
    signer = generate_key("browser-key")
    publish_result(RESULT, led, signer=signer)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CITYNEXUS_LEDGER_TRUST", signer.verifier.vkey)
        with live_site(folder, "fetched-areas", role="editor") as site:
            load_demo(site, "agree")
            yield site


@pytest.fixture(scope="module")
def allow() -> set[str]:
    from citynexus.data import load

    return names_allow_list(load("gba"))


LANGS = ["zh", "zh-Hant"]


def shown(page, sel: str) -> str:
    """The HTML of the part of the page that shows what the form's fetch brought (the rest of the
    page is checked by the page-text tests)."""
    return page.locator(sel).evaluate("(el) => el.outerHTML")


def exact_en(page, sel: str) -> str:
    """The English message marked as English inside ``sel`` (one, and not empty)."""
    loc = page.locator(f"{sel} span[lang=en]")
    assert loc.count() == 1, page.locator(sel).inner_html()
    text = loc.inner_text()
    assert text.strip()
    return text


@pytest.mark.parametrize("lang", LANGS)
def test_agree_upload_refusal_and_problems(page, server, allow, shots, tmp_path, lang):
    bad = tmp_path / "bad.csv"
    bad.write_text("agreement,party,metric,period,value\nDEMO-RD-01,ORG0001,rd_spend,2026Q9,x\n", encoding="utf-8")
    page.goto(f"{server['url']}/agree?lang={lang}")
    page.locator("#upload-file").set_input_files(str(bad))
    page.locator("#upload-key").fill("cnx_not_a_key")
    page.locator("#upload-btn").click()
    page.locator("#upload-result-error").wait_for(timeout=15000)
    assert "API" in page.locator("#upload-result-error").inner_text() and exact_en(page, "#upload-result-error")
    check(shown(page, "#upload-result"), lang, allow, "agree refusal")
    page.locator("#upload-file").set_input_files(str(bad))
    page.locator("#upload-key").fill(server["key"])
    page.locator("#upload-btn").click()
    page.locator("#upload-result table.problems").wait_for(timeout=15000)
    rows = page.locator("#upload-result table.problems tbody tr")
    # known kinds (bad_period, report_not_number): written from the templates, the quoted values as code
    assert rows.count() == 2 and "'2026Q9'" in rows.first.locator("td.problem code").first.inner_text()
    assert page.locator("#upload-result table.problems .exact-en").count() == 0
    check(shown(page, "#upload-result"), lang, allow, "agree problems")
    page.locator("#upload-result").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"agree-upload-problems-{lang}.png"), full_page=True)
    assert page.js_errors == []


BAD_AGREEMENT = """id = "bad id"
title = "Joint R&D"
parties = ["ORG0001", "ORG0001", "ORG9999"]
start = 2026-01-01
end = 2025-06-30

[[terms]]
id = "T1"
party = "ORG0002"
text = "R&D share"
text_zh = "研发占比"
category = "rd"
every = "weekly"
rule = "rd_share >="
"""


@pytest.mark.parametrize("lang", LANGS)
def test_agree_refused_agreement_problems(page, server, allow, shots, tmp_path, lang):
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD_AGREEMENT, encoding="utf-8")
    page.goto(f"{server['url']}/agree?lang={lang}")
    page.locator("#add-file").set_input_files(str(bad))
    page.locator("#add-key").fill(server["key"])
    page.locator("#add-btn").click()
    page.locator("#add-result table.problems").wait_for(timeout=15000)
    rows = page.locator("#add-result table.problems tbody tr")
    assert rows.count() == 7, page.locator("#add-result").inner_text()
    # every kind is known: no "other problem" label, no English beside it
    assert page.locator("#add-result table.problems .exact-en").count() == 0
    text = page.locator("#add-result table.problems").inner_text()
    assert "'ORG9999'" in text and "'rd_share >='" in text and "T1" in text
    check(shown(page, "#add-result"), lang, allow, "agree refused agreement")
    page.locator("#add-result").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"agree-refused-agreement-{lang}.png"), full_page=True)
    assert page.js_errors == []


@pytest.mark.parametrize("lang", LANGS)
def test_centres_request_refused(page, server, allow, shots, lang):
    page.goto(f"{server['url']}/centres/inbox?lang={lang}", timeout=60000)
    page.locator("#submit-text").fill("我们的电池包跌落测试后外壳开裂")
    page.locator("#submit-btn").click()
    page.locator("#submit-error").wait_for(timeout=15000)
    assert "API" in page.locator("#submit-error").inner_text() and exact_en(page, "#submit-error")
    check(shown(page, "#submit-result"), lang, allow, "centres refusal")
    # with a key, a bad SME id: the problem list is written from its kind's templates (no English beside)
    page.locator("#submit-sme").fill("bad id!")
    page.locator("#submit-key").fill(server["key"])
    page.locator("#submit-btn").click()
    page.locator("#submit-result table.problems").wait_for(timeout=15000)
    table = page.locator("#submit-result table.problems")
    assert table.locator("tbody tr").count() == 1 and "bad id!" in table.locator("td.problem code").inner_text()
    assert table.locator(".exact-en").count() == 0
    check(shown(page, "#submit-result"), lang, allow, "centres request problems")
    page.screenshot(path=str(shots / f"centres-submit-refused-{lang}.png"), full_page=True)
    assert page.js_errors == []


@pytest.mark.parametrize("lang", LANGS)
def test_watch_alerts_bad_key(page, server, allow, shots, lang):
    page.goto(f"{server['url']}/watch/alerts?lang={lang}")
    page.fill("#watch-key", "cnx_not_a_key")
    page.locator("#mine-btn").click()
    page.wait_for_selector("#watch-error")
    assert ("密钥" if lang == "zh" else "密鑰") in page.inner_text("#watch-error")
    check(shown(page, "#watch-msg"), lang, allow, "watch bad key")
    page.screenshot(path=str(shots / f"watch-bad-key-{lang}.png"), full_page=True)
    assert page.js_errors == []


@pytest.mark.parametrize("lang", LANGS)
def test_ledger_failed_checks(page, server, allow, shots, tmp_path, lang):
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps({**RESULT, "scores": {"SZ": 99.0, "GZ": 79.9}}), encoding="utf-8")
    page.goto(f"{server['url']}/ledger?lang={lang}")
    page.locator("#result-file").set_input_files(str(changed))
    page.locator("#result-btn").click()
    page.locator("#result-error").wait_for()
    assert "never published" in exact_en(page, "#result-error")
    check(shown(page, "#result-out"), lang, allow, "ledger verify-result")
    page.goto(f"{server['url']}/ledger?proof=99999&lang={lang}#proof")
    page.locator("#proof-error").wait_for()
    assert "no entry 99999" in exact_en(page, "#proof-error")
    assert "未找到" in page.locator("#proof-error").inner_text()  # the same characters in 简 and 繁
    check(shown(page, "#proof-error"), lang, allow, "ledger proof look-up")
    page.screenshot(path=str(shots / f"ledger-proof-error-{lang}.png"), full_page=True)
    assert page.js_errors == []


@pytest.mark.parametrize("lang", LANGS)
def test_cases_screening_upload_problem(page, server, allow, shots, tmp_path, lang):
    bad = tmp_path / "scores.csv"
    bad.write_text("juror,case,criterion,score\nJ1,C1,impact,abc\n", encoding="utf-8")
    page.goto(f"{server['url']}/cases/screening?lang={lang}")
    page.locator("#upload-card summary").click()
    page.set_input_files("#upload-file", str(bad))
    page.locator("#upload-key").fill(server["key"])
    page.locator("#upload-btn").click()
    page.locator("#upload-error").wait_for()
    assert exact_en(page, "#upload-error")
    check(shown(page, "#upload-error"), lang, allow, "cases screening upload")
    page.screenshot(path=str(shots / f"cases-upload-problem-{lang}.png"), full_page=True)
    assert page.js_errors == []


@pytest.mark.parametrize("lang", LANGS)
def test_centres_funding_bad_budget(page, server, allow, shots, lang):
    page.goto(f"{server['url']}/centres/funding?lang={lang}", timeout=60000)
    page.wait_for_function("() => Number(document.body.dataset.funded || 0) >= 1")
    page.locator("#budget").fill("abc")
    page.locator("#budget").dispatch_event("change")
    page.wait_for_function("() => document.getElementById('fund-error').textContent.length > 0")
    assert exact_en(page, "#fund-error") and "请求无效" not in page.locator("#fund-error").inner_text()  # one label
    check(shown(page, "#fund-error"), lang, allow, "centres funding error")
    page.screenshot(path=str(shots / f"centres-funding-error-{lang}.png"), full_page=True)
    assert page.js_errors == []
