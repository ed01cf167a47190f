"""Dashboard pages render in both languages; errors are pages, not tracebacks."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from citynexus.i18n import negotiate

PAGES = ["/", "/explorer", "/city/SZ", "/coordination", "/data"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_in_english_and_chinese(client, path):
    en = client.get(path, params={"lang": "en"})
    zh = client.get(path, params={"lang": "zh"})
    assert en.status_code == zh.status_code == 200
    assert "Synthetic data" in en.text or path == "/data"
    assert "合成数据" in zh.text or path == "/data"
    assert "Overview" in en.text and "总览" in zh.text
    assert '<html lang="zh-CN">' in zh.text and '<html lang="en">' in en.text


def test_overview_shows_map_ranking_and_period(client):
    r = client.get("/", params={"period": 2019, "lang": "en"})
    assert 'data-plot="fig-map"' in r.text and 'data-plot="fig-ranking"' in r.text
    assert '<option value="2019" selected>' in r.text
    assert "Shenzhen" in r.text


def test_explorer_sliders_and_shared_weights(client):
    # a shared link reopens with exactly its weights (issue 16: not re-expressed as percentages)
    r = client.get("/explorer", params={"w.IND": 3, "w.URB": 1, "lang": "en"})
    assert 'id="w-IND"' in r.text and 'step="1" value="3"' in r.text and 'step="1" value="1"' in r.text
    r = client.get("/explorer?w.IND=99&w.URB=8&lang=en")
    assert 'value="99" data-default="50"' in r.text and 'value="8" data-default="50"' in r.text


def test_city_profile_parts(client):
    r = client.get("/city/HK", params={"lang": "zh"})
    assert "香港" in r.text and 'data-plot="fig-radar"' in r.text and 'data-plot="fig-trend"' in r.text
    assert 'id="obstacles"' in r.text and 'id="peers"' in r.text


@pytest.mark.parametrize(
    ("path", "status", "needle"),
    [
        ("/city/XX", 404, "no unit"),
        ("/?dataset=nope", 404, "no dataset"),
        ("/?period=1999", 400, "period 1999"),
        ("/?period=abc", 400, "is not a year"),
    ],
)
def test_error_pages(client, path, status, needle):
    r = client.get(path)
    assert r.status_code == status and needle in r.text and "Traceback" not in r.text


def test_language_negotiation():
    assert negotiate(None, None, "zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert negotiate(None, None, "en-GB,en;q=0.9,zh;q=0.5") == "en"
    assert negotiate(None, None, "fr-FR, zh;q=0.7, en;q=0.3") == "zh"
    assert negotiate("en", "zh", "zh") == "en"
    assert negotiate(None, "zh", "en") == "zh"
    assert negotiate("xx", None, None) == "en"


def test_accept_language_header_picks_chinese(client):
    c = TestClient(client.app)
    r = c.get("/coordination", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "协调发展" in r.text and r.cookies.get("lang") == "zh"


def test_static_assets(client):
    assert client.get("/static/vendor/plotly.min.js").status_code == 200
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/../pages.py").status_code == 404
    assert client.get("/static/nope.css").status_code == 404


def test_rank_ranges_under_any_weights(client):
    """The overview and the explorer show each city's best and worst rank under any weights
    of the two subsystems; the nominal rank lies in between, and the extremes are reached
    with all weight on one subsystem (two children: the simplex is a segment)."""
    import re

    from citynexus.data import load
    from citynexus.evaluate import build, default_spec

    res = build(load("gba"), default_spec("gba"))
    # the latest year, whatever year an earlier request left in the client's period cookie
    html = client.get("/", params={"lang": "en", "period": res.period}).text
    rows = re.findall(
        r'<td class="num">(\d+)</td><td><a href="/city/(\w+)\?[^"]*">[^<]*</a></td>\s*'
        r'<td class="num">[\d.]+</td>\s*<td class="num">(\d+)–(\d+)</td>',
        html,
    )
    assert len(rows) == 11
    for rank, unit, best, worst in rows:
        assert int(best) <= int(rank) <= int(worst)
        # with two subsystems the extreme weightings are (1, 0) and (0, 1)
        ends = [int(res.scores[c].rank(ascending=False, method="min")[unit]) for c in ("IND", "URB")]
        assert int(best) <= min(ends) and int(worst) >= max(ends)
    assert 'id="bounds-table"' in client.get("/explorer").text
