"""The city-vs-city page in a real browser, in English, Simplified and Traditional Chinese."""

from __future__ import annotations

import pytest
from tests._browser import figure_drawn

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
def test_compare_page(page, live_server, shots, lang):
    page.goto(f"{live_server['url']}/city/SZ?lang={lang}")
    page.locator("#compare-link").click()
    page.wait_for_url("**/compare?*")
    figure_drawn(page, "#fig-compare")
    assert page.locator("#compare-table tbody tr").count() == 27  # index, 2 pillars, 24 indicators
    assert page.locator("#compare-table tr.notable").count() >= 1
    page.select_option("#compare-b", "HK")
    page.locator("#compare-form button[type=submit]").click()
    page.wait_for_url("**b=HK**")
    figure_drawn(page, "#fig-compare")
    assert page.locator("html").get_attribute("lang") == {"en": "en", "zh": "zh-CN", "zh-Hant": "zh-Hant"}[lang]
    page.screenshot(path=str(shots / f"compare-{lang}.png"), full_page=True)
    assert page.js_errors == []
