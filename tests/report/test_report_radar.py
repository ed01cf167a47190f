"""The report's profile radar: with more axes than fit as names (the 24 indicators of the GBA
demo) the axes are numbered and a key lists them in the report's language, as on the city page
(one axis builder serves both)."""

from __future__ import annotations

import json
import re

import pytest

from citynexus.data import load


@pytest.fixture(scope="module")
def analysis():
    from citynexus.evaluate.spec import default_spec
    from citynexus.services.analysis import analyse

    return analyse(load("gba"), default_spec("gba"))


@pytest.mark.parametrize(
    ("lang", "first"), [("en", "Strategic emerging industries value added"), ("zh-Hant", "戰略性新興產業增加值佔比")]
)
def test_numbered_axes_with_a_key(analysis, lang, first):
    from citynexus.report.html import render_report

    html = render_report(analysis, lang, None, inline_js=False)
    key = re.search(r'<ol class="radar-key" id="radar-key">(.*?)</ol>', html, re.S).group(1)
    items = re.findall(r'<li value="(\d+)">([^<]+)</li>', key)
    assert len(items) == 24 and items[0] == ("1", first)
    from citynexus.report.html import radar_with_menu

    fig = json.loads(radar_with_menu(analysis, "en").to_json())
    city = fig["data"][1]
    assert city["theta"][:3] == ["1", "2", "3"] and city["theta"][-1] == "1"  # closed
    assert city["customdata"][0] == "Strategic emerging industries value added"
    assert fig["layout"]["polar"]["angularaxis"]["direction"] == "clockwise"
