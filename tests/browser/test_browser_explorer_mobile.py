"""Shared explorer links in Chromium (exact weights, live address, Reset, all-zero message),
the 390 px layout of every page (no horizontal overflow, a collapsing menu), and screenshots of
each page and of the report in the three languages (``test-output/browser``)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from tests._browser import browser_page, open_page

pytestmark = pytest.mark.browser

PAGES = {
    "overview": "/",
    "explorer": "/explorer",
    "city": "/city/GZ",
    "coordination": "/coordination",
    "network": "/network",
    "hub": "/hub",
    "ledger": "/ledger",
    "data": "/data",
}


def _ranking(page) -> list[str]:
    return page.locator("#rerank-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.unit)")


def _weights(page) -> dict[str, str]:
    return {c: page.locator(f"#w-{c}").input_value() for c in ("IND", "URB")}


def test_shared_link_round_trip(page, live_server, shots):
    base = live_server["url"]
    page.goto(f"{base}/explorer?w.IND=99&w.URB=8&lang=en")
    page.wait_for_function("() => Number(document.body.dataset.reranked) >= 1")
    assert _weights(page) == {"IND": "99", "URB": "8"}
    shared = _ranking(page)
    # the same ranking as the API gives for those weights
    r = page.request.post(f"{base}/api/v1/index/rerank", data={"dataset": "gba", "weights": {"IND": 99, "URB": 8}})
    assert shared == [x["unit"] for x in r.json()["ranking"]]
    page.screenshot(path=str(shots / "explorer-shared-99-8.png"), full_page=True)
    # the address follows the sliders
    page.locator("#w-URB").fill("60")
    page.wait_for_function("() => location.search.includes('w.URB=60')")
    q = parse_qs(urlparse(page.url).query)
    assert q["w.IND"] == ["99"] and q["w.URB"] == ["60"]
    # reopening that address gives the same sliders and ranking
    page.wait_for_function("() => Number(document.body.dataset.reranked) >= 2")
    page.wait_for_timeout(200)
    moved = _ranking(page)
    page2 = page.context.new_page()
    page2.goto(page.url)
    page2.wait_for_function("() => Number(document.body.dataset.reranked) >= 1")
    assert _weights(page2) == {"IND": "99", "URB": "60"} and _ranking(page2) == moved
    page2.close()
    # Reset: the dataset's weights, and no weights in the address
    page.locator("#reset-btn").click()
    page.wait_for_function("() => !location.search.includes('w.')")
    assert _weights(page) == {"IND": "50", "URB": "50"}
    # all weights zero: a message instead of a stale ranking
    page.locator("#w-IND").fill("0")
    page.locator("#w-URB").fill("0")
    page.wait_for_function("() => document.body.dataset.reranked === 'zero'")
    assert page.locator("#all-zero").is_visible() and not page.locator("#rerank-table").is_visible()
    page.screenshot(path=str(shots / "explorer-all-zero.png"), full_page=True)
    assert page.js_errors == []


@pytest.fixture
def phone(browser):
    with browser_page(browser, 390, 844, device_scale_factor=1) as pg:
        yield pg


OVERFLOW = """() => {
  const w = document.documentElement.clientWidth;
  const wide = [];
  document.querySelectorAll('body *').forEach((el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return;
    let p = el.parentElement, clipped = false;
    while (p && p !== document.body) {
      const s = getComputedStyle(p);
      if (['auto', 'scroll', 'hidden'].includes(s.overflowX)) { clipped = true; break; }
      p = p.parentElement;
    }
    if (!clipped && r.right > w + 1) wide.push(el.tagName + (el.id ? '#' + el.id : '') + '.' + el.className);
  });
  return {scroll: document.documentElement.scrollWidth, width: w, wide: wide.slice(0, 8)};
}"""


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
@pytest.mark.parametrize("name", list(PAGES))
def test_390px_layout(phone, live_server, shots, name, lang):
    open_page(phone, f"{live_server['url']}{PAGES[name]}?lang={lang}")
    res = phone.evaluate(OVERFLOW)
    assert res["scroll"] <= res["width"], f"{name} overflows at 390 px: {res}"
    # the menu collapses behind a button, and opens
    toggle = phone.locator("#nav-toggle")
    assert toggle.is_visible()
    nav = phone.locator("header.top nav")
    assert not nav.is_visible()
    toggle.click()
    nav.wait_for(state="visible")
    phone.screenshot(path=str(shots / f"mobile-{name}-{lang}-menu.png"), full_page=False)
    toggle.click()
    phone.screenshot(path=str(shots / f"mobile-{name}-{lang}.png"), full_page=True)
    assert phone.js_errors == []


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh-Hant"])
@pytest.mark.parametrize("name", list(PAGES))
def test_traditional_pages_render(page, live_server, shots, name, lang):
    page.goto(f"{live_server['url']}{PAGES[name]}?lang={lang}")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-Hant"
    assert "總覽" in page.locator("header.top nav").inner_text()
    page.screenshot(path=str(shots / f"{name}-{lang}.png"), full_page=True)
    assert page.js_errors == []


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
def test_report_screenshots(browser, tmp_path, lang):
    from citynexus.data import load
    from citynexus.evaluate.spec import default_spec
    from citynexus.report.html import build_figures, geojson_or_none, write_report
    from citynexus.services.analysis import analyse

    a = analyse(load("gba"), default_spec("gba"))
    gj = geojson_or_none([])
    path = write_report(a, tmp_path, lang, gj)
    n = len(build_figures(a, lang, gj))
    for width, tag in ((1300, ""), (390, "-390px")):
        with browser_page(browser, width, 900, offline=True) as pg:
            pg.goto(path.as_uri())
            pg.wait_for_function(f"window.CNX_RENDERED && window.CNX_RENDERED.length === {n}", timeout=30000)
            if width == 390:
                res = pg.evaluate(OVERFLOW)
                assert res["scroll"] <= res["width"], f"report overflows at 390 px: {res}"
            from tests.conftest import OUT

            (OUT.parent / "report").mkdir(parents=True, exist_ok=True)
            pg.screenshot(path=str(OUT.parent / "report" / f"report-{lang}{tag}.png"), full_page=True)


def test_data_page_messages(page, live_server, shots, tmp_path):
    from citynexus.data import load, write

    good = write(load("gba"), tmp_path / "mine.xlsx")
    base = live_server["url"]
    # validate only: the result is labelled and says nothing was stored
    page.goto(f"{base}/data?lang=en")
    page.locator("#upload-file").set_input_files(str(good))
    page.locator("#upload-name").fill("checked-only")
    page.locator("#validate-btn").click()
    ok = page.locator("#validate-ok")
    ok.wait_for()
    text = ok.inner_text()
    assert "nothing was stored" in text and "11 units" in text and "2015–2024" in text
    names = [r["name"] for r in page.request.get(f"{base}/api/v1/datasets").json()]
    assert "checked-only" not in names
    # a broken workbook: the user's file name, not the server's
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a workbook")
    page.locator("#upload-file").set_input_files(str(bad))
    page.locator("#validate-btn").click()
    page.locator("#upload-error").wait_for()
    table = page.locator("table.problems").inner_text()
    assert "broken.xlsx" in table and "upload.xlsx" not in table and "/tmp/" not in table
    # upload: the list refreshes; a second upload of the same name is refused unless replace is chosen
    page.locator("#upload-file").set_input_files(str(good))
    page.locator("#upload-name").fill("mine-once")
    page.locator("#upload-key").fill(live_server["key"])
    page.locator("#upload-btn").click()
    page.locator("#upload-ok").wait_for()
    page.wait_for_function("() => Number(document.body.dataset.listRefreshed) >= 1")
    assert "mine-once" in page.locator("#datasets").inner_text()
    assert "11 units" in page.locator("#upload-ok").inner_text()
    page.locator("#upload-btn").click()
    page.locator("#upload-error").wait_for()
    assert not page.locator("#upload-replace").is_checked()
    page.locator("#upload-replace").check()
    page.locator("#upload-btn").click()
    page.locator("#upload-ok").wait_for()
    page.screenshot(path=str(shots / "data-upload-replaced.png"), full_page=True)
    # in Chinese, each problem is described in Chinese (the exact English text beside it, marked English)
    page.goto(f"{base}/data?lang=zh")
    page.locator("#upload-file").set_input_files(str(bad))
    page.locator("#validate-btn").click()
    page.locator("#upload-error").wait_for()
    cell = page.locator("table.problems tbody tr td").nth(3)
    assert "无法读取数据" in cell.inner_text() and cell.locator("span[lang=en]").count() == 1
    page.screenshot(path=str(shots / "data-problems-zh.png"), full_page=True)
    assert page.js_errors == []
