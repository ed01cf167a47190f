"""Text the hub page fetches after load is in the page's language: the matches of a need with
their reasons (constraints, features) in English, Simplified or Traditional Chinese, the
language taken from ?lang, the cookie or Accept-Language as for the page itself."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.i18n.purity import CJK, foreign_in_chinese, simplified_in_traditional

from citynexus.i18n import t
from citynexus.i18n.fetched import localise

NEEDS = [f"ND{i:04d}" for i in range(1, 31)]


@pytest.fixture(scope="module")
def hub_client(tmp_path_factory):
    from citynexus.api import create_app
    from citynexus.services.keys import create_key
    from citynexus.store import get_engine

    db = f"sqlite:///{tmp_path_factory.mktemp('fetched') / 'f.db'}"
    with TestClient(create_app(db)) as c:
        key = create_key(get_engine(db), "fetched")
        assert c.post("/api/v1/hub/demo", headers={"X-API-Key": key}).status_code == 200
        yield c


def reason_texts(body: dict) -> list[str]:
    out = []
    for m in body["matches"]:
        r = m["reasons"]
        out += [s for k in ("met", "missed", "unverified") for s in r["constraints"][k]]
        out += [f"{f['label']}: {f['detail']}" for f in r["features"].values()]
        out.append(m["org"].get("city_name_zh") or "")
    return out


def allow_of(body: dict) -> set[str]:
    """What the demo records say themselves: certification codes held or lacked, capacity units."""
    out = set()
    for m in body["matches"]:
        attrs = m["item"].get("attributes") or {}
        out.update(str(x) for x in attrs.get("certifications", []) or [])
        if attrs.get("capacity_unit"):
            out.add(str(attrs["capacity_unit"]))
    return out


@pytest.mark.parametrize("lang", ["zh", "zh-Hant"])
def test_match_reasons_in_chinese(hub_client, lang):
    texts, allow = [], {"ISO", "CE", "GMP", "HACCP", "IATF"}
    for need in NEEDS:
        body = hub_client.get(f"/hub/needs/{need}/matches.json", params={"top": 5, "lang": lang}).json()
        texts += reason_texts(body)
        allow |= allow_of(body)
    text = "\n".join(texts)
    assert CJK.search(text) and len(texts) > 50
    assert not foreign_in_chinese(text, allow), foreign_in_chinese(text, allow)[:10]
    if lang == "zh-Hant":
        assert not simplified_in_traditional(text, allow)
        assert "廣州" in text or "深圳" in text


def test_match_reasons_follow_cookie_and_accept_language(hub_client):
    hant = hub_client.get("/hub/needs/ND0001/matches.json", headers={"Accept-Language": "zh-HK"})
    assert "Accept-Language" in hant.headers["vary"]
    en = hub_client.get("/hub/needs/ND0001/matches.json", headers={"Accept-Language": "en-GB"}).json()
    assert any("is allowed" in s or "km apart" in s or "need /" in s for s in reason_texts(en))
    zh = reason_texts(hant.json())
    assert not any("is allowed" in s or "km apart" in s for s in zh)
    missing = hub_client.get("/hub/needs/NOPE/matches.json?lang=zh")
    assert missing.status_code == 404 and "NOPE" in missing.json()["message"]
    assert hub_client.get("/hub/needs/ND0001/matches.json?top=0").status_code == 422


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("city ZS (Zhongshan/中山) is allowed", "城市中山符合要求"),
        ("located in FS/GZ, need allows only SZ, DG", "位于佛山, 广州，需求只接受深圳, 东莞"),
        ("capacity 800 t >= 500", "产能 800 t ≥ 500"),
        ("capacity 300 < required 500", "产能 300 低于要求的 500"),
        ("price 1.2e+06 over budget 1e+06", "价格 1.2e+06 超出预算 1e+06"),
        ("available only from 2026-03-01, after deadline 2026-01-31", "2026-03-01 起才可提供，晚于截止日期 2026-01-31"),
        ("SZ-HK 27 km apart", "深圳与香港相距 27 公里"),
        ("technology need / offered by service_centre", "技术需求 / 由中小企业服务中心提供"),
        ("shared industries: battery, nev", "共同产业：动力电池与储能、新能源汽车"),
        ("a reason of a kind not known yet", "a reason of a kind not known yet"),
    ],
)
def test_localise_hand_checked(english, chinese):
    cities = {"ZS": "中山", "FS": "佛山", "GZ": "广州", "SZ": "深圳", "DG": "东莞", "HK": "香港"}
    words = {
        "technology": "技术",
        "service_centre": "中小企业服务中心",
        "battery": "动力电池与储能",
        "nev": "新能源汽车",
    }
    assert localise(english, "zh", t, cities, words) == chinese
    assert localise(english, "en", t, cities, words) == english
