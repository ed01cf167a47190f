"""The agreements page in real Chromium, in English and Chinese: the synthetic demo loads with
an API key (and not without), the status grid shows every status with its symbol, a cell opens
its explanation and ledger verification, and a bad report upload shows the problem table.
Screenshots go to test-output/browser/."""

from __future__ import annotations

import pytest

from tests._live import live_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def agree_server(tmp_path_factory):
    with live_site(tmp_path_factory.mktemp("agree"), "agree") as site:
        yield site


def test_agree_page_en_then_zh(page, agree_server, shots, tmp_path):
    url = agree_server["url"]
    page.goto(f"{url}/agree?lang=en")
    assert "No agreement is stored yet" in page.locator("#agree-empty").inner_text()
    page.locator("#demo-btn").click()
    assert "API key" in page.locator("#demo-result-error").inner_text()
    page.locator("#demo-key").fill(agree_server["key"])
    page.locator("#demo-btn").click()
    page.locator("#demo-result-ok").wait_for(timeout=30000)
    page.locator("#agree-grid").wait_for(timeout=15000)
    assert page.locator("#agree-list tbody tr").count() == 12
    assert "Synthetic" in page.locator(".synthetic").inner_text()
    # open the agreement with the planted funding drop
    page.locator('#agree-list a[href*="DEMO-RD-01"]').click()
    page.locator("#agree-grid").wait_for()
    cells = page.locator("#agree-grid a.st")
    symbols = {cells.nth(i).inner_text() for i in range(cells.count())}
    assert {"✓", "✗", "·"} <= symbols
    # the planted funding drop: the not-yet-due 2026Q4 of R&D intensity is at risk, probability on the cell
    risk = page.locator('#agree-grid tr[data-term="RD-INTENSITY"] a.st-at_risk')
    assert risk.count() == 1 and risk.inner_text().startswith("! ") and risk.inner_text().endswith("%")
    assert "AT RISK" in risk.get_attribute("title") and "probability of breach" in risk.get_attribute("title")
    assert page.locator('#agree-at-risk tr[data-term="RD-INTENSITY"]').count() == 1
    assert page.locator("#agree-versions tbody tr").count() == 1
    page.screenshot(path=str(shots / "agree-grid-en.png"), full_page=True)
    page.locator('#agree-grid tr[data-term="RD-INTENSITY"] a[data-status="breached"]').first.click()
    page.wait_for_url("**term=RD-INTENSITY**")
    expl = page.locator("#agree-explanation").inner_text()
    assert expl.startswith("breached:") and "<" in expl
    page.locator("#agree-verify-link").click()
    page.locator("#agree-verification").wait_for()
    assert "Verified" in page.locator("#agree-verification").inner_text()
    page.screenshot(path=str(shots / "agree-detail-en.png"), full_page=True)
    # the same page in Chinese
    page.locator("#lang-switch").click()
    page.wait_for_url("**lang=zh**")
    assert page.locator("#agree-explanation").inner_text().startswith("未达标：")
    assert "已验证" in page.locator("#agree-verification").inner_text()
    assert "合作协议" in page.locator("h1").inner_text()
    body = page.locator("main").inner_text()
    assert "breached:" not in body and "Status by term" not in body
    assert "有违约风险" in body and "违约概率" in page.locator("#agree-grid a.st-at_risk").first.get_attribute("title")
    page.screenshot(path=str(shots / "agree-detail-zh.png"), full_page=True)
    # Traditional Chinese: the whole page converted, the at-risk cell and the forecast too
    page.goto(f"{url}/agree?lang=zh-Hant&id=DEMO-RD-01&term=RD-INTENSITY&period=2026Q4#detail")
    body = page.locator("main").inner_text()
    assert "有違約風險" in body and "違約概率" in page.locator("#agree-risk").inner_text()
    assert "AT RISK" not in body and "违约" not in body
    page.screenshot(path=str(shots / "agree-risk-zh-Hant.png"), full_page=True)
    # a bad upload lists every problem and stores nothing
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "agreement,party,metric,period,value\nDEMO-RD-01,ORG0001,rd_spend,2026Q9,x\nNOPE,ORG0001,rd_spend,2026Q4,1\n",
        encoding="utf-8",
    )
    page.locator("#upload-file").set_input_files(str(bad))
    page.locator("#upload-key").fill(agree_server["key"])
    page.locator("#upload-btn").click()
    page.locator("#upload-result-error").wait_for(timeout=15000)
    rows = page.locator("#upload-result table.problems tbody tr")
    assert rows.count() == 3
    assert "2026Q9" in page.locator("#upload-result").inner_text()
    page.screenshot(path=str(shots / "agree-upload-zh.png"), full_page=True)
    # a bad agreement file is refused with its problem list naming the term, in the page's language
    from citynexus.agree.templates import template_text

    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text(
        template_text("joint-rd").replace('rule = "patents_filed >= 4"', 'rule = "patents_filed >="'), "utf-8"
    )
    page.locator("#add-file").set_input_files(str(bad_toml))
    page.locator("#add-key").fill(agree_server["key"])
    page.locator("#add-btn").click()
    page.locator("#add-result table.problems").wait_for(timeout=15000)
    (row,) = page.locator("#add-result table.problems tbody tr").all()
    assert "PATENTS" in row.inner_text() and "'patents_filed >='" in row.locator("td.problem code").first.inner_text()
    assert row.locator(".exact-en").count() == 0
    good = tmp_path / "good.toml"
    good.write_text(template_text("green-production"), "utf-8")
    page.locator("#add-file").set_input_files(str(good))
    page.locator("#add-btn").click()
    page.locator("#add-result-ok").wait_for(timeout=15000)
    assert "GRN-2026-001" in page.locator("#add-result-ok").inner_text()
    assert page.js_errors == []
