"""No page or report mixes languages: the visible text of every dashboard page and of the
report, in English, Simplified and Traditional Chinese, carries no word of the other language
(names and codes excepted)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from citynexus.api import create_app
from citynexus.data import load
from tests.i18n.purity import foreign_in_chinese, foreign_in_english, names_allow_list, visible_text

PAGES = [
    "/",
    "/explorer",
    "/city/SZ",
    "/coordination",
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
    from citynexus.report.analysis import analyse

    spec, robust = read_spec(default_spec_path("gba"))
    return analyse(load("gba"), spec, factors=robust.factors, samples=40, seed=1)


def check(text: str, lang: str, allow: set[str], where: str) -> None:
    bad = foreign_in_english(text, allow) if lang == "en" else foreign_in_chinese(text, allow)
    assert not bad, f"{where} ({lang}) mixes languages:\n" + "\n".join(bad[:40])


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
@pytest.mark.parametrize("path", PAGES)
def test_dashboard_pages_are_in_one_language(client, allow, path, lang):
    r = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
    assert r.status_code in (200, 404)
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
    from citynexus.report.analysis import analyse
    from citynexus.report.html import render_report
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
