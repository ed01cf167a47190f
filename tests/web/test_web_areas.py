"""Dashboard pages of the city network, the cooperation hub and the ledger, in both languages
(on SQLite and PostgreSQL): content, empty states, and bad inputs rendered as pages."""

from __future__ import annotations

import json
import re

import pytest
from tests.api._tenants import keyed_client

from citynexus.ledger import Ledger, generate_key, record_event

HUB = [
    {"type": "organization", "id": "O1", "name": "Shenzhen Cell Recycling Co.", "name_zh": "深圳电芯回收有限公司",
     "kind": "enterprise", "city": "SZ", "industries": ["battery"],
     "description": "Synthetic demo record (not a real organization): battery recycling in Shenzhen."},
    {"type": "organization", "id": "O2", "name": "Foshan Motor Works", "name_zh": "佛山电机厂", "kind": "enterprise",
     "city": "FS", "industries": ["nev"]},
    {"type": "offer", "id": "F1", "org": "O1", "kind": "service", "title": "Lithium battery recycling",
     "text": "We recycle used lithium-ion battery packs from electric vehicles.", "industries": ["battery"]},
    {"type": "need", "id": "N1", "org": "O2", "kind": "service", "title": "动力电池回收",
     "text": "寻求退役新能源汽车动力电池回收合作伙伴。", "industries": ["battery"]},
]  # fmt: skip


@pytest.fixture
def client(db_url):
    with keyed_client(db_url, "web-tests") as c:
        yield c


def both(c, path, **params):
    en = c.get(path, params={**params, "lang": "en"})
    zh = c.get(path, params={**params, "lang": "zh"})
    return en, zh


def test_navigation_lists_the_new_pages(client):
    en, zh = both(client, "/")
    for href, label_en, label_zh in (
        ("/network", "Network", "城市网络"),
        ("/hub", "Cooperation hub", "合作平台"),
        ("/ledger", "Ledger", "可信账本"),
    ):
        assert f'href="{href}?lang=en" class="">{label_en}</a>' in en.text
        assert f'href="{href}?lang=zh" class="">{label_zh}</a>' in zh.text


# ---------------------------------------------------------------------------- network
def test_network_page_both_languages(client):
    en, zh = both(client, "/network")
    assert en.status_code == zh.status_code == 200
    for r in (en, zh):
        assert 'data-plot="fig-network-map"' in r.text and 'data-plot="fig-network-bars"' in r.text
        assert 'id="network-table"' in r.text and r.text.count("<tr data-city=") == 11
    assert "Synthetic data" in en.text and "合成数据" in zh.text
    assert "Relative connectivity" in en.text and "Betweenness" in en.text and "Guangzhou" in en.text
    assert "相对连接度" in zh.text and "中介中心性" in zh.text and "广州" in zh.text
    assert '<option value="mean" selected>' in en.text
    # the first row is the best connected city with relative connectivity 100
    first = re.search(r'<tr data-city="(\w+)"><td class="num">1</td>.*?<td class="num">([\d.]+)</td>', en.text, re.S)
    assert first and first.group(2) == "100.0"


def test_network_threshold_selector(client):
    mean = client.get("/network", params={"lang": "en"}).text
    topk = client.get("/network", params={"lang": "en", "threshold": "top_k", "k": 3, "period": 2018}).text
    assert '<option value="top_k" selected>' in topk and '<option value="2018" selected>' in topk
    kept = [re.search(r"Links kept</td><td class=\"num\">(\d+) / 55", h).group(1) for h in (mean, topk)]
    assert int(kept[1]) > int(kept[0])  # top-3 keeps more links than the mean threshold


@pytest.mark.parametrize(
    ("params", "status", "needle"),
    [
        ({"dataset": "nope"}, 404, "no dataset"),
        ({"period": "abc"}, 400, "not a whole number"),
        ({"period": 1990}, 400, "period 1990"),
        ({"threshold": "median"}, 400, "threshold must be one of"),
        ({"threshold": "top_k", "k": 0}, 400, "k must be at least 1"),
    ],
)
def test_network_bad_inputs(client, params, status, needle):
    r = client.get("/network", params=params)
    assert r.status_code == status and needle in r.text and "Traceback" not in r.text


# ---------------------------------------------------------------------------- hub
def test_hub_empty_page_offers_the_demo(client):
    en, zh = both(client, "/hub")
    assert en.status_code == zh.status_code == 200
    assert "The hub is empty" in en.text and "合作平台尚无数据" in zh.text
    assert 'id="demo-form"' in en.text and "/api/v1/hub/demo" in en.text
    assert "Load the synthetic demo hub" in en.text and "载入合成演示数据" in zh.text
    assert 'id="import-form"' in zh.text


@pytest.fixture
def hub_client(client, encoder):
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in HUB).encode()
    r = client.post("/api/v1/hub/import", files={"file": ("h.jsonl", body)}, headers={"X-API-Key": client.key})
    assert r.status_code == 200
    return client


def test_hub_page_lists_needs_and_searches(hub_client):
    en, zh = both(hub_client, "/hub")
    assert en.status_code == zh.status_code == 200
    assert 'data-need="N1"' in en.text and 'class="match-btn"' in en.text
    assert "2 organizations" in en.text and "2 家机构" in zh.text
    # O1 is labelled synthetic (demo record), so the page says the hub holds synthetic data
    assert 'id="hub-synthetic-note"' in en.text and "Synthetic demo hub" in en.text and "合成演示数据" in zh.text
    r = hub_client.get("/hub", params={"q": "电池回收", "lang": "zh"})
    assert (
        'id="search-results"' in r.text and "Lithium battery recycling" in r.text and "深圳电芯回收有限公司" in r.text
    )
    r = hub_client.get("/hub", params={"q": "battery", "target": "need", "lang": "en"})
    assert 'id="search-results"' in r.text and "动力电池回收" in r.text
    r = hub_client.get("/hub", params={"city": "SZ", "page": "x", "lang": "en"})
    assert r.status_code == 200 and 'data-need="N1"' not in r.text  # N1 belongs to a Foshan organization


def test_hub_portrait_page(hub_client):
    en, zh = both(hub_client, "/hub/org/O1")
    assert en.status_code == zh.status_code == 200
    assert "Shenzhen Cell Recycling Co." in en.text and "深圳电芯回收有限公司" in zh.text
    assert 'id="portrait-partners"' in en.text and "/hub/org/O2" in en.text
    assert 'data-plot="fig-keywords"' in en.text and "Print" in en.text and "打印" in zh.text
    assert 'class="badge synthetic-badge">synthetic<' in en.text
    en2 = hub_client.get("/hub/org/O2", params={"lang": "en"}).text
    assert 'class="badge synthetic-badge">synthetic<' not in en2 and 'data-need="N1"' in en2


@pytest.mark.parametrize("path", ["/hub/org/NOPE", "/hub/org/O1"])
def test_hub_portrait_not_found(client, path):
    r = client.get(path, params={"lang": "en"})  # the hub is empty
    assert r.status_code == 404 and "no organization" in r.text


# ---------------------------------------------------------------------------- ledger
def test_ledger_page_without_ledger(client):
    en, zh = both(client, "/ledger")
    assert en.status_code == zh.status_code == 200
    assert "No ledger in this database yet" in en.text and "此数据库尚未创建账本" in zh.text
    assert "citynexus ledger init" in en.text and "citynexus ledger init" in zh.text


@pytest.fixture
def ledger(client, monkeypatch):
    led = Ledger.init(client.db_url, origin="web.test/ledger")
    led.append_many([{"type": "kpi.report", "payload": {"city": c}} for c in ("SZ", "GZ", "HK")], "gba-office")
    key = generate_key("web-key")
    led.checkpoint(key)
    monkeypatch.setenv("CITYNEXUS_LEDGER_TRUST", key.verifier.vkey)  # the pinned key of the server
    record_event(led, "C-42", "created", "port", kind="container")
    record_event(led, "C-42", "shipped", "port", mode="sea", location="Nansha")
    return led


def test_ledger_page_status_and_entries(client, ledger):
    en, zh = both(client, "/ledger")
    assert en.status_code == zh.status_code == 200
    assert "web.test/ledger" in en.text and 'id="ledger-size">5<' in en.text
    assert "newer entries not yet signed" in en.text and "较新条目尚未签名" in zh.text
    assert en.text.count('href="/ledger?proof=') == 5 and "gba-office" in en.text
    assert "Check an inclusion proof" in en.text and "验证包含证明" in zh.text


def test_ledger_page_proof_and_trace(client, ledger):
    en, zh = both(client, "/ledger", proof=1, item="C-42")
    assert 'id="proof-ok"' in en.text and "against the signed checkpoint" in en.text
    assert "基于签名检查点" in zh.text
    assert en.text.count("<li>") >= 1  # proof hashes
    assert 'id="trace-table"' in en.text and "Nansha" in en.text and "in transit" in en.text
    assert "运输中" in zh.text
    r = client.get("/ledger", params={"proof": 4, "lang": "en"})
    assert "against the current unsigned tree head" in r.text


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"proof": "abc"}, "not a whole number"),
        ({"proof": "99"}, "no entry 99"),
        ({"item": "UNKNOWN"}, "no events recorded"),
    ],
)
def test_ledger_page_bad_inputs(client, ledger, params, needle):
    r = client.get("/ledger", params={**params, "lang": "en"})
    assert r.status_code == 200 and needle in r.text and "Traceback" not in r.text
