"""Talent matching: validation, hard constraints (city, language, permit, level), both directions."""

from __future__ import annotations

import json

import pytest

from citynexus.centres import CentresImportError
from citynexus.centres.talent import (
    Position,
    Talent,
    TalentMatcher,
    check_talent,
    demo_talent,
    load_talent,
    read_talent_file,
    store_talent,
)


def T(id, langs=("en",), cities=("SZ",), level="senior", permit="citizen", summary="EMC test engineer", fld="emc"):
    return Talent(id, id, ["EMC"], fld, list(langs), list(cities), level, permit, summary)


def P(id, city="SZ", langs=("en",), min_level=None, sponsorship=False, text="EMC engineer fixing emissions"):
    return Position(id, "ORG", "EMC engineer", text, "emc", city, [], list(langs), min_level, sponsorship)


def test_check_talent_constraints():
    assert check_talent(T("a"), P("p"))[1] == []
    assert check_talent(T("a", langs=["zh"]), P("p", langs=["en"]))[1] == ["lacks language en"]
    assert "sponsorship" in check_talent(T("a", permit="needs_sponsorship"), P("p"))[1][0]
    assert check_talent(T("a", permit="needs_sponsorship"), P("p", sponsorship=True))[1] == []
    assert check_talent(T("a", level="junior"), P("p", min_level="mid"))[1] == ["level junior below the required mid"]


def test_both_directions_with_hard_constraints():
    from citynexus.hub import HashingEncoder

    talents = [
        T("ok"),
        T("far", cities=["ZQ"]),
        T("zh-only", langs=["zh"]),
        T("sponsor", permit="needs_sponsorship"),
        T("junior", level="junior"),
        T("other", summary="pastry chef baking bread", fld="food"),
    ]
    positions = [P("job", min_level="mid"), P("job-sp", sponsorship=True)]
    m = TalentMatcher(talents, positions, encoder=HashingEncoder(128))
    got = [r["talent"] for r in m.for_position("job", top=10)]
    assert "ok" in got and got[0] == "ok"
    assert not {"far", "zh-only", "sponsor", "junior"} & set(got)
    assert "sponsor" in [r["talent"] for r in m.for_position("job-sp", top=10)]
    back = m.for_talent("sponsor", top=5)
    assert [r["position"] for r in back] == ["job-sp"]
    assert "permit" in back[0]["reasons"]["summary"]
    assert m.for_talent("far") == []  # city constraint of the hub matcher
    with pytest.raises(Exception, match="no position 'nope'; positions: job, job-sp"):
        m.for_position("nope")
    with pytest.raises(Exception, match=r"no talent 'nope'; talents: .*sponsor"):
        m.for_talent("nope")


def test_bilingual_match_chinese_position_english_profile():
    """The multilingual encoder lets a Chinese position find a talent who wrote an English summary."""
    talents = [
        T("emc", langs=["en", "zh"]),
        T("cook", langs=["en", "zh"], summary="pastry chef baking bread and cakes", fld="food"),
    ]
    positions = [P("zh-job", langs=["zh"], text="负责电源产品的电磁兼容测试和辐射发射整改")]
    m = TalentMatcher(talents, positions)
    assert m.for_position("zh-job")[0]["talent"] == "emc"


def test_talent_file_validation(tmp_path):
    rows = [
        {
            "type": "talent",
            "id": "t1",
            "name": "A",
            "skills": ["x"],
            "field": "emc",
            "languages": ["English", "粤语"],
            "cities": ["深圳"],
            "level": "mid",
            "permit": "citizen",
            "summary": "EMC",
        },
        {
            "type": "talent",
            "id": "t2",
            "name": "B",
            "skills": ["x"],
            "field": "emc",
            "languages": ["klingon"],
            "cities": [],
            "level": "guru",
            "permit": "maybe",
            "summary": "x",
        },
        {
            "type": "position",
            "id": "p1",
            "org": "o",
            "title": "t",
            "text": "x",
            "field": "emc",
            "city": "Atlantis",
            "sponsorship": "yes",
        },
        {"type": "robot", "id": "r"},
    ]
    p = tmp_path / "t.jsonl"
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
    with pytest.raises(CentresImportError) as ei:
        read_talent_file(p)
    probs = {(x.line, x.field) for x in ei.value.problems}
    assert {
        (2, "languages"),
        (2, "cities"),
        (2, "level"),
        (2, "permit"),
        (3, "city"),
        (3, "sponsorship"),
        (4, "type"),
    } <= probs
    assert not any(x.line == 1 for x in ei.value.problems)
    p.write_text(json.dumps(rows[0], ensure_ascii=False))
    (t,), _ = read_talent_file(p)
    assert t.languages == ["en", "yue"] and t.cities == ["SZ"]


def test_store_roundtrip_and_demo(db_url):
    ts, ps = demo_talent()
    assert len(ts) >= 20 and len(ps) >= 10 and all("synthetic" in t.name for t in ts)
    assert {t.permit for t in ts} >= {"needs_sponsorship", "citizen"}
    store_talent(db_url, ts, ps)
    ts2, ps2 = load_talent(db_url)
    assert sorted(t.id for t in ts2) == sorted(t.id for t in ts) and len(ps2) == len(ps)
