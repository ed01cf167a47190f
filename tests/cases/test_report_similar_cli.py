"""Shortlist report (one language per file, <html lang>, Chromium), similar cases across
languages, hub links (read-only), and the CLI (pinned JSON shapes, one-line errors)."""

import json
import os
import re
import subprocess
import sys

import pytest

from citynexus.cases.library import CaseLibrary, seed_cases
from citynexus.cases.similar import hub_links, similar_cases
from citynexus.report.cases import render_shortlist
from citynexus.services.cases import screen_cases
from tests._cli import invoke as run

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def demo_screening():
    return screen_cases("demo", db=None, shortlist=3)


def _visible_text(html: str) -> str:
    body = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_shortlist_report_one_language_per_file(demo_screening, tmp_path):
    res, cases, synthetic = demo_screening
    assert synthetic and len(cases) == 10
    en = render_shortlist(res, cases, "en", synthetic=True)
    zh = render_shortlist(res, cases, "zh", synthetic=True)
    assert '<html lang="en">' in en and '<html lang="zh-CN">' in zh
    assert not CJK.search(_visible_text(en)), CJK.findall(_visible_text(en))[:5]
    text_zh = _visible_text(zh)
    for english_label in ("Shortlisted", "Rank interval", "Juror agreement", "Innovation", "Score", "synthetic"):
        assert english_label not in text_zh
    assert "入围" in text_zh and "碳普惠平台" in text_zh and "合成数据" in text_zh
    assert "圣保罗" in text_zh and "São Paulo" not in text_zh and "Guangzhou" not in text_zh and "df" not in text_zh
    assert en.count('class="shortlisted"') == len(res.shortlisted()) == 4  # a tie at rank 3 keeps both
    with pytest.raises(ValueError):
        render_shortlist(res, cases, "fr")


def test_report_escapes_case_text(demo_screening):
    res, cases, _ = demo_screening
    from dataclasses import replace

    cid = res.table["case"].iloc[0]
    evil = {**cases, cid: replace(cases[cid], title_en="<script>alert(1)</script>")}
    html = render_shortlist(res, evil, "en")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_report_in_chromium_both_languages(demo_screening, tmp_path, page):
    res, cases, _ = demo_screening
    for lang, expected in (("en", "en"), ("zh", "zh-CN")):
        p = tmp_path / f"shortlist-{lang}.html"
        p.write_text(render_shortlist(res, cases, lang, synthetic=True), encoding="utf-8")
        page.goto(p.as_uri())
        assert page.get_attribute("html", "lang") == expected
        assert page.locator("tr.shortlisted").count() == len(res.shortlisted())
        assert page.locator("#synthetic-note").is_visible()
        assert page.js_errors == []


def test_similar_cases_cross_language():
    seeds = list(seed_cases())
    zh = similar_cases("老年人吃饭难，社区想办食堂", seeds, top=3)
    assert zh[0].case.id == "seed-guangzhou-elderly-canteens"
    en = similar_cases("children walking to school safely", seeds, top=3)
    assert en[0].case.id == "seed-xianning-safe-routes-to-school"
    # a case as the query is left out of its own results
    own = seed_cases()[0]
    assert own.id not in [r.case.id for r in similar_cases(own, seeds, top=10)]
    assert all(r.case.sdg_goals and 12 in r.case.sdg_goals for r in similar_cases("waste", seeds, goal=12))
    scores = [r.score for r in similar_cases("recycling", seeds, top=10)]
    assert scores == sorted(scores, reverse=True)


def test_hub_links_read_only(tmp_path):
    from citynexus.hub import Hub, demo_path

    db = f"sqlite:///{tmp_path / 'hub.db'}"
    hub = Hub(db)
    hub.import_file(demo_path())
    before = hub.counts()
    case = CaseLibrary(db).case("seed-guangzhou-battery-recycling")
    links = hub_links(case, hub.matcher(), top=3)
    assert 1 <= len(links) <= 3
    assert [x["score"] for x in links] == sorted((x["score"] for x in links), reverse=True)
    assert all(x["org"] and x["offers"] and x.get("name") for x in links)
    assert hub.counts() == before


def test_cli_pinned_shapes(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    r = run(["cases", "tag", "Kampala GIS app for pit-emptying services", "--json"], db)
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    goals = out["goals"]
    assert goals and all(set(g) >= {"goal", "score"} for g in goals)
    assert all(1 <= g["goal"] <= 17 for g in goals) and goals[0]["goal"] == 6
    assert [g["score"] for g in goals] == sorted((g["score"] for g in goals), reverse=True)
    r = run(["cases", "tag", "坎帕拉厕坑清掏服务的手机应用", "--json", "--top", "3"], db)
    out = json.loads(r.stdout)
    assert out["lang"] == "zh" and len(out["goals"]) == 3 and out["goals"][0]["goal"] == 6
    r = run(["cases", "list", "--json"], db)
    listed = json.loads(r.stdout)
    assert len(listed) == 10 and all(c["seed"] for c in listed)


def test_cli_import_list_show_screen_similar(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    src = tmp_path / "c.jsonl"
    rec = {"id": "u1", "city": "Foshan", "country": "China", "title_en": "Synthetic test case: river clean-up",
           "title_zh": "合成测试案例：河道整治", "description_en": "Synthetic: a river is cleaned.",
           "description_zh": "合成：整治河道。", "sdg_goals": [6]}  # fmt: skip
    src.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    r = run(["cases", "import", str(src), "--json"], db)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["created"] == ["u1"]
    listed = json.loads(run(["cases", "list", "--json", "--origin", "user"], db).stdout)
    assert [c["id"] for c in listed] == ["u1"] and listed[0]["seed"] is False
    r = run(["cases", "list", "--lang", "zh", "--goal", "6"], db)
    assert "合成测试案例" in r.stdout and "种子案例" in r.stdout
    shown = json.loads(run(["cases", "show", "seed-kampala-pit-emptying-gis", "--json"], db).stdout)
    assert "6.2" in shown["sdg_target_texts"] and shown["sdg_target_texts"]["6.2"]["zh"]
    report = tmp_path / "sl.html"
    r = run(["cases", "screen", "demo", "--json", "--report", str(report), "--lang", "zh", "--method", "topsis"], db)
    out = json.loads(r.stdout)
    assert out["synthetic"] is True and len(out["shortlist"]) >= 3 and 0 <= out["agreement"]["w"] <= 1
    assert '<html lang="zh-CN">' in report.read_text(encoding="utf-8")
    sim = json.loads(run(["cases", "similar", "u1", "--json", "--top", "2"], db).stdout)
    assert sim["query"] == "u1" and len(sim["results"]) == 2 and "u1" not in [x["case"] for x in sim["results"]]


def test_cli_errors_are_one_line(tmp_path, capsys, monkeypatch):
    from citynexus.cli.main import main

    db = str(tmp_path / "e.db")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "city": "A"}\n{oops\n', encoding="utf-8")
    cases = (
        (["cases", "show", "nope"], "no case with id 'nope'"),
        (["cases", "screen", str(tmp_path / "missing.csv")], "cannot read the scores"),
        (["cases", "screen", "demo", "--weights", "beauty=1"], "not a criterion"),
        (["cases", "tag", "water", "--method", "bert"], "unknown tagging method"),
    )
    for args, words in cases:  # in-process, through main() as the console script runs it
        monkeypatch.setattr(sys, "argv", ["citynexus", *args, *(["--db", db] if args[1] != "tag" else [])])
        with pytest.raises(SystemExit) as ei:
            main()
        err = " ".join(capsys.readouterr().err.split())
        assert ei.value.code == 1 and words in err and "Traceback" not in err, (args, err)
    # and once as a real process
    p = subprocess.run([sys.executable, "-m", "citynexus.cli.main", "cases", "import", str(bad), "--db", db],
                       capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "500"})  # fmt: skip
    assert p.returncode == 1 and "line 2, field '(json)'" in p.stderr and "line 1, field 'country'" in p.stderr
    assert "Traceback" not in p.stderr


def test_list_without_a_usable_default_database_still_lists_the_seeds(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CITYNEXUS_DB"}
    env |= {"HOME": str(tmp_path / "none"), "XDG_DATA_HOME": "/proc/no-such-dir"}
    p = subprocess.run([sys.executable, "-m", "citynexus.cli.main", "cases", "list", "--json"], capture_output=True,
                       text=True, timeout=120, env=env)  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert len(json.loads(p.stdout)) == 10 and "seed cases only" in p.stderr
