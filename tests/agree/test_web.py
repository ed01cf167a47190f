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


def test_parties_are_named_from_the_hub(client):
    """The agreement list names each party as the hub does (Chinese name on Chinese pages), the id
    beside it; a party the hub does not hold is shown by its id."""
    from citynexus.hub import Hub, demo_path
    from citynexus.services.agree import list_agreements

    Hub(client.db_url).import_file(demo_path())
    load_demo(AgreementRegistry(client.db_url))
    item = {a["id"]: a for a in list_agreements(client.db_url)}["DEMO-RD-01"]
    names = item["party_names"]
    assert names["ORG0001"]["en"] == "Guangzhou Ruifeng Intelligent Systems Co., Ltd."
    assert names["ORG0001"]["zh"] == "广州瑞丰智能系统有限公司"
    en = client.get("/agree", params={"lang": "en"}).text.split('data-agreement="DEMO-RD-01"')[1].split("</tr>")[0]
    zh = client.get("/agree", params={"lang": "zh"}).text.split('data-agreement="DEMO-RD-01"')[1].split("</tr>")[0]
    assert "Guangzhou Ruifeng Intelligent Systems" in en and "广州瑞丰智能系统有限公司" not in en
    assert "广州瑞丰智能系统有限公司" in zh and "Guangzhou Ruifeng" not in zh and "ORG0001" in zh
