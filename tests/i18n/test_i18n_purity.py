"""No page or report mixes languages: the visible text of every dashboard page and of the
report, in English, Simplified and Traditional Chinese, carries no word of the other language
(names and codes excepted)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from citynexus.api import create_app
from citynexus.data import load
from tests.i18n.purity import (
    foreign_in_chinese,
    foreign_in_english,
    names_allow_list,
    simplified_in_traditional,
    visible_text,
)

PAGES = [
    "/",
    "/explorer",
    "/city/SZ",
    "/coordination",
    "/compare?a=SZ&b=HK",
    "/data",
    "/network",
    "/hub",
    "/ledger",
    "/city/NOPE",
    "/?dataset=no-such-dataset",
    "/?period=1999",
]


#: What the requests above type in (echoed by the error pages as given).
USER_INPUT = {"NOPE", "no-such-dataset"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    db = tmp_path_factory.mktemp("purity") / "web.db"
    with TestClient(create_app(f"sqlite:///{db}"), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def allow():
    return names_allow_list(load("gba"))


@pytest.fixture(scope="module")
def gba_analysis():
    from citynexus.evaluate.robustness import read_spec
    from citynexus.evaluate.spec import default_spec_path
    from citynexus.services.analysis import analyse

    spec, robust = read_spec(default_spec_path("gba"))
    return analyse(load("gba"), spec, factors=robust.factors, samples=40, seed=1)


def check(text: str, lang: str, allow: set[str], where: str) -> None:
    bad = foreign_in_english(text, allow) if lang == "en" else foreign_in_chinese(text, allow)
    if lang == "zh-Hant":
        bad += [f"Simplified: {ln}" for ln in simplified_in_traditional(text, allow)]
    assert not bad, f"{where} ({lang}) mixes languages:\n" + "\n".join(bad[:40])


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
@pytest.mark.parametrize("path", PAGES)
def test_dashboard_pages_are_in_one_language(client, allow, path, lang):
    r = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
    assert r.status_code in (200, 400, 404)
    want = {"en": '<html lang="en"', "zh": '<html lang="zh-CN"', "zh-Hant": '<html lang="zh-Hant"'}[lang]
    assert want in r.text
    check(visible_text(r.text), lang, allow | USER_INPUT, path)


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
def test_report_is_in_one_language(gba_analysis, allow, lang):
    from citynexus.report.html import geojson_or_none, render_report

    html = render_report(gba_analysis, lang, geojson_or_none([]), inline_js=False)
    check(visible_text(html), lang, allow, "report")


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
def test_report_of_own_data_is_in_one_language(shared_data, tmp_path, lang):
    from citynexus.data import open_dataset
    from citynexus.evaluate.spec import spec_for_dataset
    from citynexus.report.html import render_report
    from citynexus.services.analysis import analyse
    from tests.report._census import build_census_dataset

    ds = open_dataset(build_census_dataset(shared_data, tmp_path / "c"))
    a = analyse(ds, spec_for_dataset(ds))
    html = render_report(a, lang, None, inline_js=False)
    check(visible_text(html), lang, names_allow_list(ds), "census report")


def test_the_checker_catches_mixing(allow):
    assert foreign_in_english("Coupling coordination 耦合协调度", allow)
    assert not foreign_in_english("Shenzhen 深圳 ranks first", allow)  # names are allowed
    assert foreign_in_chinese("耦合协调度 primary coordination", allow)
    assert not foreign_in_chinese("深圳 Shenzhen 排名第一，Moran's I = 0.3", allow)
    assert simplified_in_traditional("耦合协调度等级", allow)
    assert not simplified_in_traditional("耦合協調度等級", allow)


@pytest.mark.parametrize(
    ("header", "lang"),
    [("zh-CN,zh;q=0.9", "zh-CN"), ("zh-HK,zh;q=0.9,en;q=0.5", "zh-Hant"), ("zh-MO", "zh-Hant"), ("en-GB", "en")],
)
def test_accept_language_without_lang(tmp_path, header, lang):
    with TestClient(create_app(f"sqlite:///{tmp_path / 'a.db'}")) as c:
        r = c.get("/explorer?w.IND=99&w.URB=8", headers={"Accept-Language": header})
    assert f'<html lang="{lang}"' in r.text
    if lang == "zh-Hant":
        assert "大灣區" in r.text and "大湾区" not in r.text
    assert "Accept-Language" in r.headers.get("vary", "")


def test_traditional_terms():
    from citynexus.i18n import negotiate, t, to_hant

    assert to_hant("粤港澳大湾区城市群") == "粵港澳大灣區城市群"  # HK usage: 群, not 羣
    assert to_hant("基尼系数") == "堅尼系數"  # C&SD's term for the Gini coefficient
    assert to_hant("上传文件") == "上載檔案"
    assert t("coupling", "zh-Hant") == "耦合協調度"
    assert to_hant("citynexus <b>2024</b>") == "citynexus <b>2024</b>"
    assert negotiate(None, None, "zh-Hant") == "zh-Hant" and negotiate(None, None, "zh-TW") == "zh-Hant"
    assert negotiate(None, None, "zh-SG") == "zh" and negotiate(None, None, "zh-Hans-HK") == "zh"


HUB = [
    {"type": "organization", "id": "O1", "name": "Shenzhen Cell Recycling Co.", "name_zh": "深圳电芯回收有限公司",
     "kind": "enterprise", "city": "SZ", "industries": ["battery"],
     "description": "Synthetic demo record (not a real organization): battery recycling in Shenzhen."},
    {"type": "organization", "id": "O2", "name": "Foshan Motor Works", "name_zh": "佛山电机厂", "kind": "institute",
     "city": "FS", "industries": ["nev"]},
    {"type": "offer", "id": "F1", "org": "O1", "kind": "technology", "title": "Lithium battery recycling",
     "text": "We recycle used lithium-ion battery packs from electric vehicles.", "industries": ["battery"]},
    {"type": "need", "id": "N1", "org": "O2", "kind": "service", "title": "动力电池回收",
     "text": "寻求退役新能源汽车动力电池回收合作伙伴。", "industries": ["battery"]},
]  # fmt: skip


@pytest.fixture(scope="module")
def full_client(tmp_path_factory):
    """A dashboard whose hub and ledger hold records."""
    import json

    from citynexus.ledger import Ledger, generate_key, record_event
    from citynexus.services.keys import create_key
    from citynexus.store import get_engine

    url = f"sqlite:///{tmp_path_factory.mktemp('full') / 'full.db'}"
    with TestClient(create_app(url)) as c:
        key = create_key(get_engine(url), "purity")
        body = "\n".join(json.dumps(r, ensure_ascii=False) for r in HUB).encode()
        assert c.post("/api/v1/hub/import", files={"file": ("h.jsonl", body)}, headers={"X-API-Key": key}).is_success
        led = Ledger.init(url, origin="purity.test/ledger")
        led.append_many([{"type": "kpi.report", "payload": {"city": u}} for u in ("SZ", "GZ")], "gba-office")
        led.checkpoint(generate_key("purity-key"))
        record_event(led, "C-42", "created", "port", kind="container")
        record_event(led, "C-42", "shipped", "port", mode="sea", location="Nansha")
        yield c


def hub_allow() -> set[str]:
    out = set()
    for r in HUB:
        out.update(str(r[k]) for k in ("id", "name", "name_zh", "title", "text", "description", "org") if k in r)
    # what the ledger entries above say (their payloads are data, shown as given)
    out.update({"purity.test/ledger", "gba-office", "C-42", "port", "Nansha", "purity-key"})
    out.add("battery")  # the query typed in, echoed, and the shared term the match reasons name
    return out


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
@pytest.mark.parametrize(
    "path", ["/hub", "/hub?q=battery", "/hub/org/O1", "/hub/org/O2", "/ledger", "/ledger?proof=1&item=C-42"]
)
def test_hub_and_ledger_pages_with_records(full_client, allow, path, lang):
    r = full_client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
    assert r.status_code == 200
    check(visible_text(r.text), lang, allow | hub_allow(), path)
