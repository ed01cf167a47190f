"""The blocks the pages share: the empty-state card (``_empty.html``), the figures drawn once by
``base.html`` (``_figs.html``), and the page helpers of ``web.pages`` (labels, error pages, the
dataset picker, city names)."""

from __future__ import annotations

import re

import pytest

from citynexus.i18n import t
from citynexus.web.pages import city_names, label_texts

EMPTY = [
    ("/agree", "agree-empty", "agree_none", "agree_none_help", 'id="demo-form"'),
    ("/hub", "hub-empty", "hub_empty", "hub_empty_help", "citynexus hub import demo"),
    ("/ledger", "ledger-missing", "led_none", "led_none_help", "citynexus ledger init --db URL"),
    ("/watch", "watch-empty", "watch_no_scan", "watch_no_scan_help", 'id="demo-btn"'),
]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(("url", "card", "title", "help_key", "inside"), EMPTY)
def test_an_empty_page_shows_one_card_with_its_title_help_and_content(client, url, card, title, help_key, inside, lang):
    html = client.get(f"{url}?lang={lang}").text
    m = re.search(rf'<section class="card" id="{card}">(.*?)</section>', html, re.S)
    assert m, f"{url}: no {card} card"
    body = m.group(1)
    assert f"<h2>{t(title, lang)}</h2>" in body
    assert t(help_key, lang).split("<")[0][:20] in body  # the help (some carry markup)
    assert inside in body  # what the page puts into the card
    assert html.count(f'id="{card}"') == 1


def test_each_figure_is_drawn_once_and_a_page_without_figures_has_none(client):
    for url in ("/", "/network", "/coordination"):
        html = client.get(url).text
        ids = re.findall(r'data-plot="([^"]+)"', html)
        assert ids and len(ids) == len(set(ids)), url
        for fid in ids:  # each figure has a place on the page to be drawn in
            assert f'id="{fid}"' in html, (url, fid)
    assert "data-plot=" not in client.get("/ledger").text


def test_the_dataset_picker_lists_the_bundled_datasets_and_marks_synthetic(client):
    html = client.get("/network?dataset=gba").text
    assert re.search(r'<option value="gba"[^>]*selected', html)
    assert 'role="note"' in html  # the synthetic-data note of the bundled demo


def test_a_missing_record_page_is_a_404_in_the_page_language(client):
    r = client.get("/hub/org/NOPE-1?lang=zh")
    assert r.status_code == 404
    assert "NOPE-1" in r.text
    assert t("nav_hub", "zh") in r.text


def test_label_texts_and_city_names_follow_the_language():
    assert label_texts(("loading", "problem"), "zh") == {"loading": t("loading", "zh"), "problem": t("problem", "zh")}
    assert label_texts((), "en") == {}
    assert label_texts(("no-such-label-key",), "en") == {"no-such-label-key": "no-such-label-key"}  # t's fallback
    assert city_names("en")["GZ"] == "Guangzhou" and city_names("zh")["GZ"] == "广州"
