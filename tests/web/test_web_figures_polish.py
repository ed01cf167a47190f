"""Figures and numbers of the dashboard: numbered radar axes when the names would overlap,
ranks as integers, no negative zero."""

from __future__ import annotations

import json
import re

import pytest

from citynexus.web.pages import fixed


def test_fixed_never_reads_negative_zero():
    assert fixed(-0.00004) == "0.000" and fixed(-0.0) == "0.000"
    assert fixed(0.0304, 3, True) == "+0.030" and fixed(-0.0304, 3, True) == "-0.030"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_radar_with_many_axes_is_numbered_with_a_key(client, lang):
    html = client.get("/city/GZ", params={"lang": lang}).text
    fig = json.loads(re.search(r'data-plot="fig-radar">(.*?)</script>', html, re.S).group(1))
    theta = fig["data"][1]["theta"]
    assert theta[:3] == ["1", "2", "3"]  # 24 indicators: numbers around the circle
    key = re.search(r'<ol class="radar-key" id="radar-key">(.*?)</ol>', html, re.S).group(1)
    assert key.count("<li") == len(theta) - 1
    assert ("Population density" in key) == (lang == "en") and ("人口密度" in key) == (lang == "zh")


@pytest.mark.parametrize("path", ["/", "/explorer", "/city/SZ", "/coordination", "/compare?a=SZ&b=HK", "/network"])
def test_no_negative_zero_and_integer_ranks(client, path):
    for lang in ("en", "zh"):
        html = client.get(path, params={"lang": lang}).text
        text = re.sub(r"<script.*?</script>", "", html, flags=re.S)
        assert not re.search(r"-0\.0+(?![0-9])", text), path
        assert not re.search(r"#\d+\.\d", text), path  # ranks: "#3", never "#3.0"


def test_city_trend_says_it_is_on_the_pooled_scale(client):
    html = client.get("/city/SZ", params={"lang": "en"}).text
    fig = json.loads(re.search(r'data-plot="fig-trend">(.*?)</script>', html, re.S).group(1))
    assert "pooled panel scale" in fig["layout"]["title"]["text"]


def test_lisa_and_network_maps_draw_the_boundaries(client):
    html = client.get("/coordination", params={"lang": "en"}).text
    for fid in ("fig-lisa", "fig-network"):
        fig = json.loads(re.search(rf'data-plot="{fid}">(.*?)</script>', html, re.S).group(1))
        rings = [tr for tr in fig["data"] if tr.get("fill") == "toself" and tr.get("mode") == "lines"]
        assert len(rings) >= 11, fid  # at least one boundary ring per city (islands add more)
