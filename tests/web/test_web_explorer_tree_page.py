"""The explorer page: indicator sliders per pillar, shared links with indicator weights."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_indicator_sliders_per_pillar(client, lang):
    html = client.get("/explorer", params={"lang": lang}).text
    assert 'id="g-IND"' in html and 'id="g-URB"' in html
    assert 'id="w-rd_intensity"' in html and 'data-parent="IND" class="iweight"' in html
    assert 'id="fig-shares"' in html
    assert ("Effective share" in html) == (lang == "en") and ("实际占比" in html) == (lang == "zh")


def test_shared_link_with_indicator_weights_is_exact(client):
    r = client.get("/explorer?w.IND=60&w.URB=40&w.rd_intensity=7.5&w.fdi=0&lang=en")
    html = r.text
    assert 'id="g-IND" data-parent="IND" data-given="1" open' in html
    assert 'id="g-URB" data-parent="URB" data-given="" ' in html
    assert 'value="7.5"' in html and 'step="any"' in html
    assert 'value="60" data-default="50" id="w-IND"' in html


def test_api_rerank_with_indicator_weights(client):
    body = {"dataset": "gba", "weights": {"IND": 1, "URB": 1, "rd_intensity": 1}}
    r = client.post("/api/v1/index/rerank", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["weights"]["rd_intensity"] == 1.0 and out["weights"]["fdi"] == 0.0
    assert out["effective"]["rd_intensity"] == 0.5
    assert all(set(x) >= {"rank", "default_rank", "change"} for x in out["ranking"])
    bad = client.post("/api/v1/index/rerank", json={"weights": {"rd_intensity": 0}})
    assert bad.status_code == 400 and "children of IND" in bad.json()["message"]
