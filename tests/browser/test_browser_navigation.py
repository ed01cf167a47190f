"""The navigation in Chromium: the overview and a few menus on one line at 1300 px in every
language, menus that open with the keyboard (Tab, Enter, Escape) and close when another opens,
the collapsed 390 px menu listing every page; and a screenshot of every dashboard page in en, zh
and zh-Hant (test-output/browser/page-<name>-<lang>.png)."""

from __future__ import annotations

import pytest
from tests._browser import browser_page, open_page

pytestmark = pytest.mark.browser

LANGS = ["en", "zh", "zh-Hant"]
GROUP = {"en": "Evaluate", "zh": "评估", "zh-Hant": "評估"}


def nav_pages() -> dict[str, str]:
    """Every page of the navigation (name -> path), with the pages reached from others."""
    from citynexus.api import create_app
    from citynexus.web.pages import NAV

    create_app("sqlite://")  # mounts every area's pages into NAV
    pages = {n["key"]: n["href"] for n in NAV}
    pages["city"] = "/city/SZ"
    pages["compare"] = "/compare?a=SZ&b=HK"
    return pages


def one_line(page) -> dict:
    return page.evaluate("""() => {
      const items = Array.from(document.querySelectorAll('#main-nav > a, #main-nav > details > summary'));
      const mids = items.map((e) => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; });
      const spread = Math.max(...mids) - Math.min(...mids);  // a second line would be a line height (~20 px) lower
      const header = document.querySelector('header.top').offsetHeight;
      return {n: items.length, rows: spread < 8 ? 1 : 2, spread, header};
    }""")


@pytest.mark.parametrize("lang", LANGS)
def test_menus_on_one_line_and_keyboard(page, live_server, shots, lang):
    page.goto(f"{live_server['url']}/coordination?lang={lang}")
    res = one_line(page)
    assert res["rows"] == 1 and res["n"] >= 4 and res["header"] < 70, res
    evaluate = page.locator("#menu-evaluate")
    assert evaluate.get_attribute("class") == "menu has-active"  # the page's own menu is marked
    assert GROUP[lang] in evaluate.locator("summary").inner_text()
    # keyboard: focus the first menu, open it with Enter, Tab into its links, Escape closes it
    page.locator("#menu-evaluate > summary").focus()
    page.keyboard.press("Enter")
    items = page.locator("#menu-evaluate .menu-items a")
    items.first.wait_for(state="visible")
    page.screenshot(path=str(shots / f"nav-menu-open-{lang}.png"))
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('#menu-evaluate') !== null")
    page.keyboard.press("Escape")
    assert evaluate.get_attribute("open") is None
    assert page.evaluate("() => document.activeElement.matches('#menu-evaluate > summary')")
    # one menu open at a time; a click elsewhere closes it
    page.locator("#menu-connect > summary").click()
    page.locator("#menu-trust > summary").click()
    page.wait_for_function("() => !document.getElementById('menu-connect').open")  # closed by the toggle event
    assert page.locator("#menu-trust").get_attribute("open") is not None
    page.locator("main").click(position={"x": 5, "y": 5})
    page.wait_for_function("() => !document.getElementById('menu-trust').open")
    assert page.js_errors == []


def test_every_page_is_in_a_menu(page, live_server):
    pages = nav_pages()
    page.goto(f"{live_server['url']}/?lang=en")
    hrefs = page.locator("#main-nav a").evaluate_all("as => as.map(a => a.getAttribute('href').split('?')[0])")
    assert {p.split("?")[0] for k, p in pages.items() if k not in ("city", "compare")} <= set(hrefs) | {"/city"}
    assert "/docs" in hrefs and len(hrefs) == len(set(hrefs))


@pytest.mark.parametrize("lang", LANGS)
def test_phone_menu_lists_every_page(browser, live_server, shots, lang):
    with browser_page(browser, 390, 844) as pg:
        pg.goto(f"{live_server['url']}/hub?lang={lang}")
        assert not pg.locator("#main-nav").is_visible()
        pg.locator("#nav-toggle").click()
        links = pg.locator("#main-nav a")
        for i in range(links.count()):
            assert links.nth(i).is_visible(), links.nth(i).inner_text()
        assert pg.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        pg.screenshot(path=str(shots / f"nav-phone-open-{lang}.png"), full_page=False)
        pg.locator("#nav-toggle").click()
        assert not pg.locator("#main-nav").is_visible()


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(nav_pages()))
def test_screenshot_of_every_page(page, live_server, shots, name, lang):
    path = nav_pages()[name]
    open_page(page, f"{live_server['url']}{path}{'&' if '?' in path else '?'}lang={lang}")
    assert page.locator("html").get_attribute("lang") == {"en": "en", "zh": "zh-CN", "zh-Hant": "zh-Hant"}[lang]
    assert one_line(page)["rows"] == 1
    page.screenshot(path=str(shots / f"page-{name}-{lang}.png"), full_page=True)
    assert page.js_errors == []
