"""The service-centre pages in a real browser, English and Chinese, on a fresh database (so they
show the labelled synthetic demo): the network map draws, the inbox shows routing reasons and
referrals and routes a new statement, the performance table has names and rank intervals, the
funding simulator's sliders change the amounts which still sum to the budget, and talent matches
show reasons. Screenshots go to test-output/browser/."""

from __future__ import annotations

import re

import pytest
from tests._live import serving
from tests.api.test_api_centres import CENTRES, jsonl

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def centres_server(tmp_path_factory):
    from citynexus.api import create_app
    from citynexus.services.keys import create_key
    from citynexus.store import get_engine

    db = f"sqlite:///{tmp_path_factory.mktemp('centres') / 'centres.db'}"
    app = create_app(db)
    app.state.test_key = create_key(get_engine(db), "browser-centres", role="editor")
    with serving(app) as url:
        yield {"url": url, "key": app.state.test_key}


def _no_english_ui(page) -> None:
    """On a Chinese page the headings, table headers, tabs and labels carry Chinese text."""
    for sel in ("h1", "nav.tabs a", "table.data thead th", "label"):
        loc = page.locator(sel)
        for i in range(loc.count()):
            text = loc.nth(i).inner_text().strip()
            if text and text not in ("–",):
                assert CJK.search(text), f"{sel!r} shows {text!r} on a Chinese page"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_network_map(page, centres_server, shots, lang):
    page.goto(f"{centres_server['url']}/centres?lang={lang}", timeout=60000)
    page.locator("#fig-centres-map svg.main-svg").first.wait_for(timeout=20000)
    assert page.locator("#centres-synthetic").is_visible()
    assert page.locator("#centres-table tbody tr").count() == 15
    assert page.locator("#links-table tbody tr").count() >= 1
    # markers: one per centre, sized by SMEs served
    assert page.locator("#fig-centres-map g.scatterlayer g.trace").count() >= 3
    first = page.locator("#centres-table tbody tr").first.inner_text()
    assert ("（合成）" in first) if lang == "zh" else ("(synthetic)" in first)
    # the page's navigation entry sits in its (closed) menu, which is marked as the page's own
    assert "has-active" in page.locator("#menu-connect").get_attribute("class")
    if lang == "zh":
        _no_english_ui(page)
        assert "服务中心" in page.locator("header nav a.active").text_content()
    else:
        assert "Service centres" in page.locator("header nav a.active").text_content()
    page.screenshot(path=str(shots / f"centres-map-{lang}.png"), full_page=True)
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_inbox_with_routing_reasons_and_referrals(page, centres_server, shots, lang):
    page.goto(f"{centres_server['url']}/centres/inbox?lang={lang}", timeout=120000)
    rows = page.locator("#inbox-table tbody tr[data-request]")
    assert rows.count() == 8
    assert page.locator("#inbox-table ol.routed li").count() >= 8
    assert page.locator("#inbox-table .why").count() >= 1
    if lang == "zh":
        _no_english_ui(page)
        assert "共同词语" in page.locator("#inbox-table").inner_text()
        page.locator("#route-text").fill("EMC测试没通过，然后需要重新设计电路板的接地")
    else:
        assert "shared terms" in page.locator("#inbox-table").inner_text()
        page.locator("#route-text").fill("The EMC test failed at the lab, then we must redesign the PCB grounding")
    page.select_option("#route-city", "SZ")
    page.locator("#route-btn").click()
    page.locator("#route-result").wait_for(timeout=60000)
    result = page.locator("#route-result")
    assert result.locator("ol.routed li").count() == 3
    assert result.locator(".referral").count() == 1
    assert ("转介" if lang == "zh" else "referral") in result.inner_text()
    page.screenshot(path=str(shots / f"centres-inbox-{lang}.png"), full_page=True)
    # the web form stores a request: refused without a key, stored with one
    page.locator("#submit-text").fill(
        "我们的电池包跌落测试后外壳开裂" if lang == "zh" else "Our battery pack housing cracks"
    )
    page.locator("#submit-btn").click()
    page.locator("#submit-error").wait_for(timeout=15000)
    page.locator("#submit-key").fill(centres_server["key"])
    page.locator("#submit-btn").click()
    page.locator("#submit-ok").wait_for(timeout=15000)
    assert ("已存储为需求" if lang == "zh" else "Stored as request") in page.locator("#submit-ok").inner_text()
    page.locator("#next-page").click()
    page.wait_for_url("**page=2**", timeout=60000)
    assert page.locator("#inbox-table tbody tr[data-request]").count() == 8
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_performance_table(page, centres_server, shots, lang):
    page.goto(f"{centres_server['url']}/centres/performance?lang={lang}", timeout=120000)
    rows = page.locator("#performance-table tbody tr")
    assert rows.count() == 15
    first = rows.first
    cells = first.locator("td")
    assert cells.nth(0).inner_text() == "1"
    name = cells.nth(1).inner_text()
    assert not name.startswith("C-") and ("（合成）" in name if lang == "zh" else "(synthetic)" in name)
    lo, hi = (int(x) for x in first.locator("td.rank-interval").inner_text().split("–"))
    assert lo <= 1 <= hi
    page.locator("#fig-centres-ranks svg.main-svg").first.wait_for(timeout=20000)
    if lang == "zh":
        _no_english_ui(page)
    page.screenshot(path=str(shots / f"centres-performance-{lang}.png"), full_page=True)
    assert page.js_errors == []


def _amounts(page) -> dict[str, int]:
    rows = page.locator("#fund-table tbody tr")
    return {
        rows.nth(i).get_attribute("data-centre"): int(rows.nth(i).get_attribute("data-cents"))
        for i in range(rows.count())
    }


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_funding_simulator_sliders(page, centres_server, shots, lang):
    page.goto(f"{centres_server['url']}/centres/funding?lang={lang}", timeout=60000)
    page.locator("body[data-funded='1']").wait_for(state="attached", timeout=30000)
    before = _amounts(page)
    assert len(before) == 15 and sum(before.values()) == 100_000_000
    assert page.locator("#fund-total").get_attribute("data-cents") == "100000000"
    assert all(v.strip("±0.,") == "" for v in page.locator("#fund-table td.vs-default").all_inner_texts())
    # move the base-share slider to 80 %: the amounts change and still sum to the budget
    page.locator("#w-base_share").fill("80")
    page.locator("body[data-funded='2']").wait_for(state="attached", timeout=30000)
    after = _amounts(page)
    assert after != before and sum(after.values()) == 100_000_000
    assert page.locator("#fund-total").get_attribute("data-cents") == "100000000"
    assert page.locator("#o-base_share").inner_text() == "80%"
    changes = page.locator("#fund-table td.vs-default").all_inner_texts()
    assert any(c.startswith("+") for c in changes) and any(c.startswith("−") for c in changes)
    # quantity vs quality, too
    page.locator("#w-quantity").fill("90")
    page.locator("body[data-funded='3']").wait_for(state="attached", timeout=30000)
    again = _amounts(page)
    assert again != after and sum(again.values()) == 100_000_000
    if lang == "zh":
        _no_english_ui(page)
        assert "基础" in page.locator("#fund-table").inner_text()
    page.locator("#sens-btn").click()
    page.locator("#sens-table tbody tr").first.wait_for(timeout=60000)
    assert page.locator("#sens-table tbody tr").count() == 15
    page.screenshot(path=str(shots / f"centres-funding-{lang}.png"), full_page=True)
    page.locator("#fund-reset").click()
    page.locator("body[data-funded='4']").wait_for(state="attached", timeout=30000)
    assert _amounts(page) == before
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_talent_matches_both_ways(page, centres_server, shots, lang):
    page.goto(f"{centres_server['url']}/centres/talent?lang={lang}", timeout=120000)
    rows = page.locator("#talent-results tbody tr")
    assert rows.count() >= 1
    assert ("语言" if lang == "zh" else "languages") in rows.first.inner_text()
    page.select_option("#talent-select", index=1)
    page.wait_for_url("**talent=**", timeout=60000)
    assert page.locator("#talent-results tbody tr").count() >= 1
    assert ("城市" if lang == "zh" else "city") in page.locator("#talent-results").inner_text()
    if lang == "zh":
        _no_english_ui(page)
    page.screenshot(path=str(shots / f"centres-talent-{lang}.png"), full_page=True)
    assert page.js_errors == []


# ---------------------------------------------------------------------------- the import cards
# the centres of the API's import tests (A: an EMC test centre in Dongguan, B: a PCB design centre)
REQUESTS = [
    {"id": "R1", "sme": "S-1", "city": "GZ", "text": "The EMC test failed at the lab: radiated emission too high"},
    {"id": "R2", "sme": "S-2", "city": "深圳", "text": "电路板需要重新布线和接地设计"},
]


@pytest.fixture
def import_server(tmp_path):
    """A live server on a fresh database (the synthetic demo shows until centres are imported),
    with an editor and a viewer key of the organisation that runs the centres."""
    from citynexus.api import create_app
    from citynexus.services.keys import create_key, create_org
    from citynexus.store import get_engine

    db = f"sqlite:///{tmp_path / 'import.db'}"
    eng = get_engine(db)
    create_org(eng, "cent", name="Centres office")
    keys = {
        "editor": create_key(eng, "browser-editor", org="cent", role="editor"),
        "viewer": create_key(eng, "browser-viewer", org="cent", role="viewer"),
    }
    with serving(create_app(db)) as url:
        yield {"url": url, **keys}


def _send(page, name: str, file: tuple[str, bytes] | None, key: str) -> None:
    if file is not None:
        page.locator(f"#{name}-file").set_input_files(
            files=[{"name": file[0], "mimeType": "application/octet-stream", "buffer": file[1]}]
        )
    page.locator(f"#{name}-key").fill(key)
    page.locator(f"#{name}-btn").click()


def _stored(page, name: str, file: tuple[str, bytes], key: str) -> str:
    """Send ``file`` with card ``name`` and return the success message it shows before the page
    reloads (waiting for the reload)."""
    with page.expect_navigation(timeout=120000):
        _send(page, name, file, key)
        ok = page.locator(f"#{name}-result-ok")
        ok.wait_for(timeout=30000)
        return ok.inner_text()


@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_import_cards_store_centres_then_requests(page, import_server, shots, lang):
    """A good centres file on the map tab and a good requests file on the inbox tab: the count the
    import answers is shown, then the page reloads with the stored network instead of the demo."""
    url = import_server["url"]
    page.goto(f"{url}/centres?lang={lang}", timeout=60000)
    assert page.locator("#centres-synthetic").is_visible()
    assert page.locator("#centres-table tbody tr").count() == 15
    said = _stored(page, "centres-import", ("centres.jsonl", jsonl(CENTRES)), import_server["editor"])
    if lang == "en":
        assert said == "✓ Centres stored: 2 (from centres.jsonl, owned by cent)"
    else:
        assert said == "✓ 已保存服務中心 2 個（來自 centres.jsonl，歸屬機構 cent）"
    page.locator("#fig-centres-map svg.main-svg").first.wait_for(timeout=20000)
    assert page.locator("#centres-synthetic").count() == 0  # the stored network, not the demo
    assert page.locator("#year-select").count() == 0  # no service record yet: no year to pick
    rows = page.locator("#centres-table tbody tr")
    assert sorted(rows.nth(i).get_attribute("data-centre") for i in range(rows.count())) == ["A", "B"]
    assert ("電磁兼容檢測中心" if lang == "zh-Hant" else "EMC Test Centre") in page.locator(
        "#centres-table"
    ).inner_text()
    if lang != "en":
        _no_english_ui(page)
    page.screenshot(path=str(shots / f"centres-import-map-{lang}.png"), full_page=True)

    page.goto(f"{url}/centres/inbox?lang={lang}", timeout=120000)
    assert page.locator("#inbox-table tbody tr[data-request]").count() == 0
    said = _stored(page, "requests-import", ("requests.jsonl", jsonl(REQUESTS)), import_server["editor"])
    if lang == "en":
        assert said == "✓ Requests stored: 2 (from requests.jsonl, owned by cent)"
    else:
        assert said == "✓ 已保存需求 2 條（來自 requests.jsonl，歸屬機構 cent）"
    rows = page.locator("#inbox-table tbody tr[data-request]")
    rows.first.wait_for(timeout=120000)
    assert [rows.nth(i).get_attribute("data-request") for i in range(rows.count())] == ["R1", "R2"]
    routed = page.locator("#inbox-table tr[data-request='R1'] ol.routed li").first.inner_text()
    assert ("電磁兼容檢測中心" if lang == "zh-Hant" else "EMC Test Centre") in routed
    if lang != "en":
        _no_english_ui(page)
    page.locator("#requests-import-card").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"centres-import-inbox-{lang}.png"), full_page=True)
    assert page.js_errors == []


def _refusal(page, name: str) -> str:
    err = page.locator(f"#{name}-result-error")
    err.wait_for(timeout=30000)
    return err.inner_text()


@pytest.mark.parametrize("lang", ["zh-Hant", "en"])
def test_import_card_refusals_in_the_page_language(page, import_server, shots, lang):
    """Every refusal the card can meet says what went wrong in the page's words (no file, no key,
    a wrong key, a viewer key, a file too large), a wrong file type and a bad file list their problems
    in a table written from the problem kinds — on a Traditional Chinese page, without English."""
    from tests.browser.test_browser_fetched_lang import check
    from tests.i18n.purity import names_allow_list

    from citynexus.data import load
    from citynexus.i18n import t

    allow = names_allow_list(load("gba"))  # names and codes (the fix of an unknown city names the dataset)
    url, name = import_server["url"], "centres-import"
    page.goto(f"{url}/centres?lang={lang}", timeout=60000)
    page.locator(f"#{name}-btn").click()
    assert _refusal(page, name) == t("centres_import_no_file", lang)
    good = ("centres.jsonl", jsonl(CENTRES))
    _send(page, name, good, "")
    assert _refusal(page, name) == t("centres_import_no_key", lang)
    _send(page, name, good, "cnx_not_a_key")
    assert _refusal(page, name) == t("centres_import_err_401", lang)
    _send(page, name, good, import_server["viewer"])
    assert _refusal(page, name) == t("centres_import_err_403", lang)
    _send(page, name, ("big.jsonl", b" " * (20 * 2**20 + 1)), import_server["editor"])
    assert _refusal(page, name) == t("centres_import_err_413", lang).format(limit=20)
    check(page.locator(f"#{name}-result").evaluate("(el) => el.outerHTML"), lang, allow, "too large")
    # a wrong type: one problem of the whole file, written from its kind with the accepted types
    _send(page, name, ("centres.csv", b"id,name\n"), import_server["editor"])
    table = page.locator(f"#{name}-result table.problems")
    table.wait_for(timeout=30000)
    assert table.locator("tbody tr").count() == 1
    assert table.locator("tbody td").first.inner_text() == "–"
    assert "'centres.csv'" in table.locator("td.problem").inner_text()
    fix = table.locator("td.fix").inner_text()  # the accepted types (en: the API's words, zh: the template's)
    assert all(x in fix for x in (".jsonl", ".ndjson", ".xlsx")), fix
    # a bad file: an unknown city and a centre without a field, each row with its line and field
    bad = jsonl([CENTRES[0], {**CENTRES[1], "city": "Nowhere"}, {**CENTRES[1], "id": "X", "fields": []}])
    _send(page, name, ("centres.jsonl", bad), import_server["editor"])
    page.locator(f"#{name}-result td.problem", has_text="Nowhere").wait_for(timeout=30000)
    rows = table.locator("tbody tr")
    cells = [rows.nth(i).locator("td") for i in range(rows.count())]
    assert [(c.nth(0).inner_text(), c.nth(1).inner_text()) for c in cells] == [("2", "city"), ("3", "fields")]
    assert table.locator(".exact-en").count() == 0  # every kind is known: no English beside
    assert page.locator(f"#{name}-result-error").inner_text() == t("problems_found", lang) + ": 2"
    check(page.locator(f"#{name}-result").evaluate("(el) => el.outerHTML"), lang, allow, "bad centres file")
    if lang != "en":
        _no_english_ui(page)
    page.locator(f"#{name}-card").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"centres-import-problems-{lang}.png"), full_page=True)
    # nothing was stored by any of them
    page.reload()
    assert page.locator("#centres-synthetic").is_visible()
    assert page.js_errors == []
