"""The risk radar pages without a browser: an empty database offers the demo, unknown parties and
SMEs answer 404 in the page language, the alert list is empty but renders."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from citynexus.api import create_app


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(f"sqlite:///{tmp_path / 'w.db'}")) as c:
        yield c


@pytest.mark.parametrize(("lang", "text"), [("en", "Load the synthetic demo"), ("zh", "载入合成演示数据")])
def test_empty_radar_offers_the_demo(client, lang, text):
    r = client.get("/watch", params={"lang": lang})
    assert r.status_code == 200 and text in r.text and 'id="demo-btn"' in r.text
    assert client.post("/api/v1/watch/demo").status_code == 401


@pytest.mark.parametrize(("lang", "text"), [("en", "Nothing to show"), ("zh", "相关内容")])
def test_unknown_party_and_sme_are_404_pages(client, lang, text):
    for url in ("/watch/party/NOPE", "/watch/credit/NOPE"):
        r = client.get(url, params={"lang": lang})
        assert r.status_code == 404 and text in r.text


def test_empty_alert_list_renders(client):
    r = client.get("/watch/alerts", params={"lang": "zh", "status": "bogus"})
    assert r.status_code == 200 and "暂无预警" in r.text
