"""The network, hub and ledger pages in a real browser (en and zh): figures draw, the threshold
selector re-renders, the synthetic demo hub loads with an API key (and not without), a need's
"match" button shows ranked offers with reasons, portraits open, and the ledger checks an
inclusion proof, traces an item and verifies an uploaded result file. Screenshots go to
test-output/browser/."""

from __future__ import annotations

import json

import httpx
import pytest
from tests._browser import plots_drawn
from tests._live import live_site, load_demo, site_db

pytestmark = pytest.mark.browser

RESULT = {"index": "GBA", "scores": {"SZ": 81.2, "GZ": 79.9}, "provenance": {"spec_digest": "sha256:0f"}}


@pytest.fixture(scope="module")
def area_server(tmp_path_factory):
    """A live server on its own database: a ledger with entries, a signed checkpoint, a traced
    container and a published result; an empty hub."""
    from citynexus.ledger import Ledger, generate_key, publish_result, record_event

    folder = tmp_path_factory.mktemp("areas")
    led = Ledger.init(site_db(folder, "areas"), origin="browser.test/ledger")
    led.append_many(
        [{"type": "kpi.report", "payload": {"city": c, "rd_share": v}} for c, v in (("SZ", 5.1), ("GZ", 3.4))],
        "gba-office",
    )
    record_event(led, "CN-2025-001", "created", "Nansha port", kind="container")
    record_event(led, "CN-2025-001", "shipped", "Nansha port", mode="sea", location="Nansha")
    record_event(led, "CN-2025-001", "transferred", "Nansha port", from_mode="sea", to_mode="rail")
    signer = generate_key("browser-key")
    publish_result(RESULT, led, signer=signer)
    with pytest.MonkeyPatch.context() as mp:  # the server verifies against its pinned key only
        mp.setenv("CITYNEXUS_LEDGER_TRUST", signer.verifier.vkey)
        with live_site(folder, "areas") as site:
            yield site


@pytest.fixture
def empty_hub_server(tmp_path):
    """A live server on a fresh database of its own, so its hub is empty whatever ran before."""
    with live_site(tmp_path, "empty-hub") as site:
        yield site


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_network_page(page, area_server, shots, lang):
    page.goto(f"{area_server['url']}/network?lang={lang}")
    plots_drawn(page)
    assert page.locator("#network-table tbody tr").count() == 11
    assert ("城市网络" if lang == "zh" else "City network") in page.locator("h1").inner_text()
    kept_mean = page.locator("#network-summary tr").first.inner_text()
    page.screenshot(path=str(shots / f"network-{lang}.png"), full_page=True)
    page.select_option("#threshold-select", "top_k")
    page.wait_for_url("**threshold=top_k**")
    plots_drawn(page)
    assert page.locator("#k-input").is_enabled()
    assert page.locator("#network-summary tr").first.inner_text() != kept_mean
    page.screenshot(path=str(shots / f"network-topk-{lang}.png"), full_page=True)
    assert page.js_errors == []


def _load_demo(server) -> None:
    if httpx.get(f"{server['url']}/api/v1/hub/search", params={"q": "x"}).json()["empty"] is False:
        return
    load_demo(server, "hub")


def test_hub_demo_needs_key_then_loads_and_matches(page, empty_hub_server, shots):
    assert httpx.get(f"{empty_hub_server['url']}/api/v1/hub/search", params={"q": "x"}).json()["empty"] is True
    page.goto(f"{empty_hub_server['url']}/hub?lang=en")
    assert "The hub is empty" in page.locator("#hub-empty").inner_text()
    page.screenshot(path=str(shots / "hub-empty-en.png"), full_page=True)
    page.locator("#demo-btn").click()
    assert "API key" in page.locator("#demo-result-error").inner_text()
    page.locator("#demo-key").fill(empty_hub_server["key"])
    page.locator("#demo-btn").click()
    page.locator("#demo-result-ok").wait_for()
    page.locator("#needs-table").wait_for(timeout=15000)
    assert "Synthetic demo hub" in page.locator("#hub-synthetic-note").inner_text()
    assert page.locator("#needs-table tbody tr[data-need]").count() == 20
    # cross-language search: a Chinese query finds listings
    page.locator("#search-q").fill("新能源汽车电池")
    page.locator("#search-btn").click()
    page.locator("#search-results").wait_for(timeout=30000)
    assert page.locator("#search-results tbody tr").count() >= 3
    # match the first need
    btn = page.locator("button.match-btn").first
    need = btn.get_attribute("data-need")
    btn.click()
    rows = page.locator(f"#matches-{need} tr.match")
    rows.first.wait_for(timeout=30000)
    assert rows.count() >= 1
    text = page.locator(f"#matches-{need}").inner_text()
    assert "synthetic" in text and ("meets" in text or "semantic similarity" in text)
    page.screenshot(path=str(shots / "hub-match-en.png"), full_page=True)
    # open the portrait of the best offer's organization
    rows.first.locator("a").first.click()
    page.wait_for_url("**/hub/org/**")
    plots_drawn(page)
    assert page.locator("#portrait-partners tbody tr").count() >= 1
    page.screenshot(path=str(shots / "hub-portrait-en.png"), full_page=True)
    assert page.js_errors == []


def test_hub_pages_in_chinese(page, area_server, shots):
    _load_demo(area_server)
    page.goto(f"{area_server['url']}/hub?lang=zh")
    assert "合成演示数据" in page.locator("#hub-synthetic-note").inner_text()
    btn = page.locator("button.match-btn").nth(1)
    need = btn.get_attribute("data-need")
    btn.click()
    page.locator(f"#matches-{need} tr.match").first.wait_for(timeout=30000)
    assert "匹配理由" in page.locator(f"#matches-{need}").inner_text()
    assert btn.inner_text() == "收起"
    page.screenshot(path=str(shots / "hub-match-zh.png"), full_page=True)
    page.goto(f"{area_server['url']}/hub/org/ORG0002?lang=zh")
    plots_drawn(page)
    assert "基本信息" in page.locator("#portrait-profile").inner_text()
    page.screenshot(path=str(shots / "hub-portrait-zh.png"), full_page=True)
    assert page.js_errors == []


def test_hub_import_shows_problems(page, area_server, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({"type": "offer", "id": "X1", "org": "NOBODY", "kind": "service", "title": "t", "text": "t"})
        + "\n{oops\n",
        encoding="utf-8",
    )
    _load_demo(area_server)
    page.goto(f"{area_server['url']}/hub?lang=en")
    page.locator("#import-file").set_input_files(str(bad))
    page.locator("#import-key").fill(area_server["key"])
    page.locator("#import-btn").click()
    assert "nothing was stored" in page.locator("#import-result-error").inner_text()
    rows = page.locator("#import-result table.problems tbody tr")
    assert rows.count() == 2
    assert "org" in rows.nth(0).inner_text() and "NOBODY" in rows.nth(0).inner_text()
    assert "(json)" in rows.nth(1).inner_text()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_ledger_page(page, area_server, shots, lang, tmp_path):
    page.goto(f"{area_server['url']}/ledger?lang={lang}")
    assert page.locator("#ledger-size").inner_text() == "6"
    assert page.locator("#ledger-entries tbody tr").count() == 6
    page.locator("#proof-n").fill("1")
    page.locator("#proof-btn").click()
    page.locator("#proof-ok").wait_for()
    assert page.locator("#proof-hashes li").count() >= 1
    page.locator("#trace-item").fill("CN-2025-001")
    page.locator("#trace-btn").click()
    page.locator("#trace-table").wait_for()
    assert page.locator("#trace-table tbody tr").count() == 3
    assert page.locator("#proof-ok").is_visible()  # the proof check stays on the page
    good = tmp_path / "result.json"
    good.write_text(json.dumps(RESULT, indent=2), encoding="utf-8")
    page.locator("#result-file").set_input_files(str(good))
    page.locator("#result-btn").click()
    page.locator("#result-ok").wait_for()
    page.screenshot(path=str(shots / f"ledger-{lang}.png"), full_page=True)
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps({**RESULT, "scores": {"SZ": 99.0, "GZ": 79.9}}), encoding="utf-8")
    page.locator("#result-file").set_input_files(str(changed))
    page.locator("#result-btn").click()
    assert "never published" in page.locator("#result-error").inner_text()
    assert page.js_errors == []
