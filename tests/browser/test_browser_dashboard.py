"""The dashboard in a real browser: every page in both languages, the weight slider re-ranks,
a broken upload shows its problems, a good upload shows its ranking."""

from __future__ import annotations

import re

import pytest
from tests._browser import figure_drawn, open_page

from citynexus.data import load, write

pytestmark = pytest.mark.browser

PAGES = {"overview": "/", "explorer": "/explorer", "city": "/city/GZ", "coordination": "/coordination", "data": "/data"}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_renders(page, live_server, shots, name, lang):
    open_page(page, f"{live_server['url']}{PAGES[name]}?lang={lang}")
    nav = page.locator("header.top nav")
    assert ("总览" if lang == "zh" else "Overview") in nav.inner_text()
    page.screenshot(path=str(shots / f"{name}-{lang}.png"), full_page=True)
    assert page.js_errors == []


def _ranking(page) -> list[str]:
    return page.locator("#rerank-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.unit)")


def test_weight_slider_reranks(page, live_server, shots):
    page.goto(f"{live_server['url']}/explorer?lang=en")
    page.wait_for_function("() => document.body.dataset.reranked >= 1")
    before = _ranking(page)
    # all weight on urban agglomeration
    page.locator("#w-IND").fill("0")
    page.locator("#w-URB").fill("100")
    page.wait_for_function("() => document.body.dataset.reranked >= 2")
    page.wait_for_timeout(300)
    after = _ranking(page)
    assert sorted(before) == sorted(after) and before != after
    assert after[0] == "HK"  # highest urban-agglomeration score in the bundled data
    page.locator("#share-btn").click()
    assert "w.IND=0" in page.url and "w.URB=100" in page.url
    page.screenshot(path=str(shots / "explorer-urban-only.png"), full_page=True)


def test_broken_upload_shows_problems_and_good_upload_ranks(page, live_server, shots, tmp_path):
    folder = write(load("gba"), tmp_path / "csv")
    vals = folder / "values.csv"
    vals.write_text(
        vals.read_text(encoding="utf-8-sig").replace("SZ,2020,pm25,", "SZ,2020,pm25,n/a?"), encoding="utf-8"
    )
    page.goto(f"{live_server['url']}/data?lang=en")
    page.locator("#upload-file").set_input_files([str(folder / f"{n}.csv") for n in ("units", "indicators", "values")])
    page.locator("#upload-name").fill("broken")
    page.locator("#upload-key").fill(live_server["key"])
    page.locator("#upload-btn").click()
    err = page.locator("#upload-error")
    err.wait_for()
    assert "nothing was stored" in err.inner_text()
    row = page.locator("table.problems tbody tr").first.inner_text()
    assert "values.csv" in row and "value" in row and "n/a?" in row
    page.screenshot(path=str(shots / "upload-broken.png"), full_page=True)

    good = write(load("gba"), tmp_path / "good.xlsx")
    page.locator("#upload-file").set_input_files(str(good))
    page.locator("#upload-name").fill("my-gba")
    page.locator("#upload-btn").click()
    page.locator("#upload-ok").wait_for()
    page.locator("#upload-ok a").click()
    page.wait_for_url(re.compile(r".*dataset=my-gba.*"))
    figure_drawn(page, "#fig-ranking", timeout=30000)
    first = page.locator("#ranking-table tbody tr").first.inner_text()
    assert "Shenzhen" in first
    page.screenshot(path=str(shots / "upload-good-ranking.png"), full_page=True)


def test_upload_without_key_is_refused(page, live_server, tmp_path):
    good = write(load("gba"), tmp_path / "g.xlsx")
    page.goto(f"{live_server['url']}/data?lang=zh")
    page.locator("#upload-file").set_input_files(str(good))
    page.locator("#upload-name").fill("nokey")
    page.locator("#upload-btn").click()
    assert "API key" in page.locator("#upload-error").inner_text()
