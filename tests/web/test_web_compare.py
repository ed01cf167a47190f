"""The city-vs-city page and the year that carries from page to page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_compare_shows_every_indicator_with_unit_source_direction(client):
    from citynexus.services import index as service

    html = client.get("/compare", params={"a": "SZ", "b": "HK", "lang": "en"}).text
    assert "Shenzhen" in html and "Hong Kong" in html
    ds = service.dataset(None, "gba")
    res = service.result(ds)
    for code in [*res.weights["code"], "GBA"]:
        assert f'data-code="{code}"' in html
    assert "% of GDP" in html and "↓ lower is better" in html and "synthetic (citynexus generate_gba" in html
    assert 'class="kind-pillar notable"' in html  # Shenzhen leads industrial clusters by far
    assert "-0.0" not in html and 'data-plot="fig-compare"' in html
    # the index row: the difference of the two scores
    a, b = res.scores.loc["SZ", "GBA"], res.scores.loc["HK", "GBA"]
    assert f"{a - b:+.1f}" in html


def test_compare_in_chinese_and_errors(client):
    html = client.get("/compare", params={"a": "SZ", "b": "HK", "lang": "zh"}).text
    assert "城市对比" in html and "深圳" in html and "占GDP的%" in html and "越低越好" in html
    assert "lower is better" not in html
    r = client.get("/compare", params={"a": "SZ", "b": "XX"})
    assert r.status_code == 404 and "no unit" in r.text


def test_city_page_links_to_compare(client):
    html = client.get("/city/SZ", params={"lang": "en"}).text
    assert re.search(r'id="compare-link" href="/compare\?a=SZ&(amp;)?b=\w+', html)


def test_the_year_carries_to_the_next_page(client):
    c = TestClient(client.app)
    r = c.get("/", params={"period": 2019, "lang": "en"})
    assert r.cookies.get("period") == "2019"
    for path in ("/explorer", "/city/SZ", "/compare?a=SZ&b=HK", "/"):
        html = c.get(path).text
        assert '<option value="2019" selected>' in html, path
    assert "2019" in c.get("/city/SZ").text.split("</h1>")[0]
    html = c.get("/", params={"period": 2024}).text
    assert '<option value="2024" selected>' in html and c.get("/explorer").text.count('value="2024" selected') == 1
