"""The coupling figure of the coordination page in Chromium (11 lines, more than a legend can
hold): labelled at the lines' ends on a desktop and on a phone (the narrow layout keeps the
labels' margin), and the "Highlight" select box greys every line but the chosen one."""

from __future__ import annotations

import pytest
from tests._browser import browser_page, figure_drawn

pytestmark = pytest.mark.browser

NAMES = {"en": "Shenzhen", "zh": "深圳", "zh-Hant": "深圳"}


@pytest.mark.parametrize(("width", "lang"), [(1300, "en"), (390, "zh-Hant")])
def test_end_labels_and_highlight(browser, live_server, shots, width, lang):
    with browser_page(browser, width, 900) as pg:
        pg.goto(f"{live_server['url']}/coordination?lang={lang}")
        figure_drawn(pg, "#fig-coupling")
        state = pg.evaluate("""() => { const g = document.getElementById('fig-coupling');
          return {legend: g._fullLayout.showlegend, right: g._fullLayout.margin.r, n: g.data.length,
                  labels: (g.layout.annotations || []).map((a) => a.text)}; }""")
        assert state["n"] == 11 and state["legend"] is False and state["right"] >= 60, state
        assert NAMES[lang] in state["labels"]
        # the drawn labels are inside the figure, not cut at its right edge
        box = pg.locator("#fig-coupling").bounding_box()
        ends = pg.locator("#fig-coupling g.annotation").evaluate_all(
            "gs => gs.map((g) => g.getBoundingClientRect().right)"
        )
        assert max(ends) <= box["x"] + box["width"] + 1
        pg.locator("#fig-coupling g.updatemenu-header-group").click()
        pg.locator("#fig-coupling g.updatemenu-dropdown-button").nth(2).click()
        pg.wait_for_function("() => document.getElementById('fig-coupling').data[1].opacity === 1")
        opacity = pg.evaluate("() => document.getElementById('fig-coupling').data.map((d) => d.opacity)")
        assert opacity[1] == 1 and all(o < 1 for i, o in enumerate(opacity) if i != 1)
        # the select box and plotly's toolbar (shown on hover) do not overlap
        pg.locator("#fig-coupling .plot-container").hover(position={"x": 200, "y": 200})
        bar = pg.locator("#fig-coupling .modebar").bounding_box()
        menu = pg.locator("#fig-coupling g.updatemenu-header-group").bounding_box()
        if bar and width > 760:
            assert bar["y"] + bar["height"] <= menu["y"] or menu["x"] + menu["width"] <= bar["x"], (bar, menu)
        pg.mouse.move(0, 0)
        pg.wait_for_timeout(400)
        pg.locator("#fig-coupling").screenshot(path=str(shots / f"coupling-highlight-{lang}-{width}.png"))
        assert pg.js_errors == []
