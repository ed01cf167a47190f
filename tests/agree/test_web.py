"""The agreements dashboard page in both languages (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from citynexus.agree.demo import load_demo
from citynexus.agree.registry import AgreementRegistry
from citynexus.api import create_app


@pytest.fixture
def client(db_url):
    with TestClient(create_app(db_url)) as c:
        c.db_url = db_url
        yield c


def test_empty_state_both_languages(client):
    en = client.get("/agree", params={"lang": "en"})
    zh = client.get("/agree", params={"lang": "zh"})
    assert en.status_code == zh.status_code == 200
    assert 'id="agree-empty"' in en.text and "No agreement is stored yet" in en.text
    assert "尚未保存任何协议" in zh.text and "No agreement is stored yet" not in zh.text
    assert 'href="/agree?lang=en"' in en.text  # in the navigation


def test_grid_drilldown_and_verify(client):
    load_demo(AgreementRegistry(client.db_url))
    en = client.get("/agree", params={"lang": "en", "id": "DEMO-RD-01"})
    assert en.status_code == 200
    assert "Synthetic" in en.text  # the synthetic banner
    grid = en.text.split('id="agree-grid"')[1].split("</table>")[0]
    assert grid.count('data-term="') == 3
    assert 'data-status="breached"' in grid and 'data-status="met"' in grid and 'data-status="not_due"' in grid
    # every cell carries a symbol, not only a colour
    assert re.search(r'class="st st-breached[^"]*" data-status="breached"[^>]*>✗<', grid)
    d = client.get(
        "/agree",
        params={"lang": "zh", "id": "DEMO-RD-01", "term": "RD-INTENSITY", "period": "2025Q3", "verify": "1"},
    )
    assert "未达标：" in d.text and "研发" in d.text
    assert 'id="agree-verification"' in d.text and "已验证" in d.text
    assert "breached:" not in d.text  # no English explanation on the Chinese page
    nf = client.get("/agree", params={"id": "NOPE"})
    assert nf.status_code == 200 and 'id="agree-error"' in nf.text
