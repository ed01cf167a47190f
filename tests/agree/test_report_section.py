"""The agreements section of the HTML report: one table per stored agreement (terms, category, status
counts of the newest run, at-risk periods), labelled synthetic for the demo, in one language."""

from __future__ import annotations

from pathlib import Path

import pytest

from citynexus.agree.demo import load_demo
from citynexus.agree.registry import AgreementRegistry
from citynexus.i18n import to_hant_page
from citynexus.report.agreements import agreement_tables, agreements_section
from tests.i18n.purity import foreign_in_chinese, foreign_in_english, simplified_in_traditional, visible_text


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('report-agree') / 'demo.db'}"
    load_demo(AgreementRegistry(url))
    return url


def test_no_database_or_no_agreement_gives_no_section(tmp_path):
    missing = tmp_path / "none.db"
    assert agreements_section("en", f"sqlite:///{missing}") == ""
    assert not missing.exists()  # the report never creates a database
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    AgreementRegistry(empty)
    assert agreements_section("zh", empty) == ""


def test_tables_count_the_newest_run(demo_db):
    from citynexus.services.agree import list_agreements

    tables = {a["id"]: a for a in agreement_tables(demo_db)}
    assert len(tables) == 12
    listed = {a["id"]: a["counts"] for a in list_agreements(demo_db)}
    for aid, a in tables.items():  # the per-term counts add up to the run's counts
        total: dict[str, int] = {}
        for r in a["rows"]:
            for s, n in r["counts"].items():
                total[s] = total.get(s, 0) + n
        assert {k: v for k, v in total.items() if v} == listed[aid], aid
    rd = {r["term"]["id"]: r for r in tables["DEMO-RD-01"]["rows"]}
    assert [x["period"] for x in rd["RD-INTENSITY"]["at_risk"]] == ["2026Q4"]  # the planted funding drop
    assert rd["RD-INTENSITY"]["counts"]["breached"] >= 4 and rd["JOINT-PROJECTS"]["at_risk"] == []


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hant"])
def test_section_is_in_one_language_and_labelled_synthetic(demo_db, lang):
    html = agreements_section("en" if lang == "en" else "zh", demo_db)
    if lang == "zh-Hant":
        html = to_hant_page(html)
    assert html.count('<table class="data agreement"') == 12 and 'id="agreements-synthetic"' in html
    text = visible_text(f"<html><body>{html}</body></html>")
    bad = foreign_in_english(text, set()) if lang == "en" else foreign_in_chinese(text, set())
    if lang == "zh-Hant":
        bad += simplified_in_traditional(text, set())
    assert not bad, bad[:10]
    want = {"en": "Synthetic", "zh": "合成", "zh-Hant": "合成"}[lang]
    assert want in text and {"en": "at risk", "zh": "有违约风险", "zh-Hant": "有違約風險"}[lang] in text


@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_report_shows_the_section_of_the_default_database(demo_db, monkeypatch, lang):
    from citynexus.data import load
    from citynexus.evaluate.spec import spec_for_dataset
    from citynexus.report.html import render_report
    from citynexus.services.analysis import analyse

    ds = load("gba")
    a = analyse(ds, spec_for_dataset(ds))
    monkeypatch.setenv("CITYNEXUS_DB", demo_db)
    page = render_report(a, lang, None, inline_js=False)
    assert page.count('id="agreements"') == 1 and page.index('id="agreements"') < page.index('id="methods"')
    assert ("Agreements" if lang == "en" else "合作協議") in page.split('id="agreements"')[1][:200]
    monkeypatch.setenv("CITYNEXUS_DB", f"sqlite:///{Path(demo_db[10:]).parent / 'other.db'}")
    assert 'id="agreements"' not in render_report(a, lang, None, inline_js=False)


def test_demo_summary_counts_the_at_risk_periods(demo_db):
    import re

    from citynexus.services.agree import demo_summary

    line = demo_summary(demo_db)
    n = int(re.search(r"\((\d+) of them at risk of breach\)", line).group(1))
    # the planted funding drop, delivery slippage and R&D stall are among them (tests above and test_risk)
    assert 3 <= n <= 8 and line.startswith("Agreements (SYNTHETIC demo): 12 agreements")


def test_report_holds_public_agreements_only(tmp_path):
    """A report is passed on: a private agreement (a draft between its parties) stays out of it
    unless the caller asks for everything, as the command line may."""
    import dataclasses

    from citynexus.services.agree import ALL

    url = f"sqlite:///{tmp_path / 'private.db'}"
    reg = AgreementRegistry(url)
    load_demo(reg)
    secret = dataclasses.replace(reg.get("DEMO-RD-01"), id="PRIVATE-01", visibility="private")
    reg.save(secret, check_hub=False, owner="ORG0001")
    shown = {a["id"] for a in agreement_tables(url)}
    assert "PRIVATE-01" not in shown and "DEMO-RD-01" in shown
    assert "PRIVATE-01" in {a["id"] for a in agreement_tables(url, ALL)}
    assert "PRIVATE-01" not in agreements_section("en", url)
