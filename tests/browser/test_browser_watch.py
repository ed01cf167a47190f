"""The risk radar in a real browser (en and zh): partners ranked by risk with level badges, reasons
and per-category bars; a party's series with change points, outliers and the forecast band; the
alert workflow with an API key (and not without); the credit report with its ledger proofs.
Screenshots go to test-output/browser/."""

from __future__ import annotations

import json

import pytest
from tests._browser import assert_no_english, figure_drawn
from tests._live import live_site, site_db

pytestmark = pytest.mark.browser

#: Latin words allowed on a Chinese page (abbreviations, the command hint, file formats).
ALLOWED_LATIN = {
    "API",
    "KPI",
    "JSON",
    "citynexus",
    "ledger",
    "verify",
    "entry",
    "proof",
    "json",
    "pubkey",
    "NAME",
    "pub",
}


@pytest.fixture(scope="module")
def watch_server(tmp_path_factory):
    """A live server whose database holds the SYNTHETIC watch demo (ledger reports, a scan, alerts)."""
    from tests.api.test_api_watch import reports_csv

    from citynexus.services.keys import create_key, create_org, verify_key
    from citynexus.services.watch import scan_upload, seed_demo
    from citynexus.store import get_engine

    folder = tmp_path_factory.mktemp("watch")
    db = site_db(folder, "watch")
    seed_demo(db)
    with live_site(folder, "watch", role="editor") as site:
        eng = get_engine(db)
        site["viewer"] = create_key(eng, "browser-watch-viewer", role="viewer")
        # an organisation with a private scan of its own partners
        create_org(eng, "X", name="Office X")
        site["x"] = create_key(eng, "xavier", org="X", role="editor")
        scan_upload(eng, verify_key(eng, site["x"]), "partners.csv", reports_csv())
        yield site


def _no_english(page) -> None:
    assert_no_english(page, ALLOWED_LATIN)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_radar_ranks_parties_with_reasons_and_categories(page, watch_server, shots, lang):
    page.goto(f"{watch_server['url']}/watch?lang={lang}")
    rows = page.locator("#radar-table tbody tr")
    assert rows.count() == 12
    first = rows.nth(0)
    assert first.get_attribute("data-party") == "SYN-0003"
    assert ("Synthetic partner 3" if lang == "en" else "合成合作方3") in first.inner_text()
    assert first.locator(".risk-high").inner_text() == ("high" if lang == "en" else "高")
    reasons = first.locator("ul.reasons li").all_inner_texts()
    assert reasons and ("On-time delivery rate" if lang == "en" else "准时交付率") in reasons[0]
    scores = [float(x) for x in page.locator("#radar-table tbody td.num").all_inner_texts()]
    assert scores == sorted(scores, reverse=True)
    figure_drawn(page, "#fig-categories", timeout=20000)
    fig = json.loads(page.locator("script[data-plot='fig-categories']").text_content())
    assert [tr["name"] for tr in fig["data"]] == (
        ["Funding status", "R&D progress", "Supply-chain stability", "Compliance"]
        if lang == "en"
        else ["资金状况", "研发进展", "供应链稳定性", "合规"]
    )
    assert page.locator(".synthetic").count() == 1
    assert page.locator("#alerts-table tbody tr").count() >= 3
    if lang == "zh":
        _no_english(page)
    page.screenshot(path=str(shots / f"watch-radar-{lang}.png"), full_page=True)
    assert not page.js_errors


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_party_series_show_change_points_outliers_and_band(page, watch_server, shots, lang):
    page.goto(f"{watch_server['url']}/watch?lang={lang}")
    page.click("#radar-table a[href^='/watch/party/SYN-0001']")
    page.wait_for_selector(".series-card")
    assert page.locator(".series-card").count() == 4
    for i in range(4):
        figure_drawn(page, f"#fig-series-{i}", timeout=20000)
    card = page.locator(".series-card[data-metric='funding_received']")
    fid = card.locator(".plot").get_attribute("id")
    fig = json.loads(page.locator(f"script[data-plot='{fid}']").text_content())
    shapes = fig["layout"].get("shapes", [])
    assert any(s.get("type") == "line" and s.get("x0") == "2026-05" for s in shapes)  # the planted funding drop
    names = [tr.get("name") for tr in fig["data"]]
    assert ("80% forecast band" if lang == "en" else "80%预测区间") in names
    assert page.locator("#party-reasons li").first.inner_text().startswith("Funding" if lang == "en" else "到位资金")
    if lang == "zh":
        _no_english(page)
    page.screenshot(path=str(shots / f"watch-party-{lang}.png"), full_page=True)
    # the delivery slippage party: the outlier diamond and the KPI target line
    page.goto(f"{watch_server['url']}/watch/party/SYN-0003?lang={lang}")
    figure_drawn(page, "#fig-series-0", timeout=20000)
    fid = page.locator(".series-card[data-metric='on_time_rate'] .plot").get_attribute("id")
    fig = json.loads(page.locator(f"script[data-plot='{fid}']").text_content())
    assert any(tr.get("marker", {}).get("symbol") == "diamond" for tr in fig["data"])
    assert any(s.get("type") == "line" and s.get("y0") == 0.9 for s in fig["layout"].get("shapes", []))
    page.screenshot(path=str(shots / f"watch-party-slippage-{lang}.png"), full_page=True)
    # an alert links to its series
    page.goto(f"{watch_server['url']}/watch/alerts?lang={lang}")
    page.locator("#alerts-table a.alert-series[href*='SYN-0001']").first.click()
    page.wait_for_selector("#series-funding_received .main-svg")
    assert page.url.endswith("#series-funding_received")
    assert not page.js_errors


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_alert_acknowledge_needs_a_key(page, watch_server, shots, lang):
    page.goto(f"{watch_server['url']}/watch/alerts?status=open&lang={lang}")
    row = page.locator("#alerts-table tbody tr").first
    aid = row.get_attribute("data-alert")
    row.locator(".ack-btn").click()
    page.wait_for_selector("#watch-error")
    assert ("API key" if lang == "en" else "API 密钥") in page.inner_text("#watch-error")
    page.fill("#watch-key", watch_server["viewer"])  # a viewer may not change alerts
    row.locator(".ack-btn").click()
    forbidden = "may not change this alert" if lang == "en" else "无权修改此预警"
    page.wait_for_selector(f"#watch-error:has-text('{forbidden}')")
    page.fill("#watch-key", watch_server["key"])
    row.locator(".ack-btn").click()
    page.wait_for_selector("#watch-ok")
    done = "acknowledged" if lang == "en" else "已确认"
    assert row.locator(".alert-status").inner_text() == done
    assert row.locator(".ack-btn").count() == 0 and row.locator(".resolve-btn").count() == 1
    page.screenshot(path=str(shots / f"watch-alerts-{lang}.png"), full_page=True)
    page.goto(f"{watch_server['url']}/watch/alerts?status=acknowledged&lang={lang}")
    assert page.locator(f"#alerts-table tr[data-alert='{aid}'] .alert-status").inner_text() == done
    if lang == "zh":
        _no_english(page)
    assert not page.js_errors


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_credit_report_lists_inputs_with_ledger_proofs(page, watch_server, shots, lang):
    page.goto(f"{watch_server['url']}/watch/party/SYN-0003?lang={lang}")
    page.click("#credit-link")
    page.wait_for_selector("#credit-inputs")
    assert page.locator("#credit-inputs tbody tr").count() == 6
    assert float(page.inner_text("#credit-score")) > 300
    assert "citynexus ledger verify" in page.inner_text("#verify-hint")
    assert page.locator("#credit-reasons li").count() >= 1
    if lang == "zh":
        _no_english(page)
    page.screenshot(path=str(shots / f"watch-credit-{lang}.png"), full_page=True)
    page.locator("#credit-inputs tr[data-input='on_time_share'] a[href^='/ledger']").first.click()
    page.wait_for_selector("#proof-ok")
    assert not page.js_errors


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_organisation_sees_and_moves_its_own_alerts_with_its_key(page, watch_server, shots, lang):
    page.goto(f"{watch_server['url']}/watch/alerts?lang={lang}")
    assert "P1" not in page.inner_text("#alerts-table")  # private: not shown without the key
    page.fill("#watch-key", watch_server["x"])
    page.click("#mine-btn")
    page.wait_for_selector("#alerts-table tbody tr[data-alert] >> text=P1")
    rows = page.locator("#alerts-table tbody tr[data-alert]")
    assert "SYN-" not in page.inner_text("#alerts-table")  # "Synthetic partner" names, no codes
    row = rows.filter(has_text="P1").first
    if row.locator(".ack-btn").count():
        row.locator(".ack-btn").click()
    else:  # acknowledged in the other language's run
        row.locator(".resolve-btn").click()
    page.wait_for_selector("#watch-ok >> text=#")
    assert row.locator(".alert-status").get_attribute("data-status") in ("acknowledged", "resolved")
    if lang == "zh":
        _no_english(page)
    page.screenshot(path=str(shots / f"watch-alerts-own-{lang}.png"), full_page=True)
    assert not page.js_errors
