"""The explorer in a real browser: indicator weights per pillar, the live chart of effective
shares, rank-change arrows and a shared link that reproduces the ranking exactly."""

from __future__ import annotations

import pytest
from tests._browser import figure_drawn

pytestmark = pytest.mark.browser


def _rows(page) -> list[tuple[str, str, str]]:
    return page.locator("#rerank-table tbody tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.unit, r.cells[0].textContent, r.cells[3].textContent])"
    )


def _reranked(page, n: int) -> None:
    page.wait_for_function(f"() => Number(document.body.dataset.reranked) >= {n}")
    page.wait_for_timeout(250)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_indicator_weights_rerank_and_the_link_reproduces_them(page, live_server, shots, lang):
    page.goto(f"{live_server['url']}/explorer?lang={lang}")
    _reranked(page, 1)
    assert all(change == "=" for _, _, change in _rows(page))  # default weights: no change
    figure_drawn(page, "#fig-shares")
    page.locator("#g-URB summary").click()
    page.locator("#w-metro_km").fill("100")
    _reranked(page, 2)
    page.locator("#w-IND").fill("20")
    _reranked(page, 3)
    rows = _rows(page)
    assert any(c.startswith(("▲", "▼")) for _, _, c in rows)
    assert "w.metro_km=100" in page.url and "w.IND=20" in page.url and "w.pm25=" in page.url
    assert "w.rd_intensity" not in page.url  # untouched pillar: its default (entropy) weights
    bars = page.locator("#fig-shares .trace.bars").count()
    assert bars == 2
    page.screenshot(path=str(shots / f"explorer-indicators-{lang}.png"), full_page=True)
    # the address reopens with exactly these weights and this ranking
    url = page.url
    page2 = page.context.new_page()
    page2.goto(url)
    _reranked(page2, 1)
    assert _rows(page2) == rows
    assert page2.locator("#g-URB").get_attribute("open") is not None
    page2.close()
    # Reset: the dataset's own weights, no change anywhere
    page.locator("#reset-btn").click()
    page.wait_for_timeout(500)
    assert all(change == "=" for _, _, change in _rows(page)) and "w." not in page.url
    assert page.js_errors == []


def test_traditional_chinese_names_in_the_live_ranking(page, live_server, shots):
    page.goto(f"{live_server['url']}/explorer?lang=zh-Hant")
    _reranked(page, 1)
    names = page.locator("#rerank-table tbody tr td:nth-child(2)").all_inner_texts()
    assert "廣州" in names and "澳門" in names and "广州" not in names
    page.screenshot(path=str(shots / "explorer-indicators-zh-Hant.png"), full_page=True)
