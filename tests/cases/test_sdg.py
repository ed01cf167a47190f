"""The shipped SDG reference data: 17 goals, 169 targets, numbering, both languages."""

import re

from citynexus.cases import sdg

# targets per goal in A/RES/70/1: (numbered outcome targets, lettered means-of-implementation targets)
PER_GOAL = {
    1: (5, 2), 2: (5, 3), 3: (9, 4), 4: (7, 3), 5: (6, 3), 6: (6, 2), 7: (3, 2), 8: (10, 2), 9: (5, 3),
    10: (7, 3), 11: (7, 3), 12: (8, 3), 13: (3, 2), 14: (7, 3), 15: (9, 3), 16: (10, 2), 17: (19, 0),
}  # fmt: skip


def test_seventeen_goals_both_languages():
    gs = sdg.goals()
    assert [g.number for g in gs] == list(range(1, 18))
    for g in gs:
        assert g.title_en.strip() and g.title_zh.strip()
        assert re.search(r"[\u4e00-\u9fff]", g.title_zh), g
        assert not re.search(r"[\u4e00-\u9fff]", g.title_en), g
    assert sdg.goal(11).title_en == "Make cities and human settlements inclusive, safe, resilient and sustainable"
    assert sdg.goal(1).title_zh == "在全世界消除一切形式的贫穷"  # the Open SDG zh-Hans wording (data/README.md)


def test_169_targets_numbered_as_in_the_resolution():
    ts = sdg.targets()
    assert len(ts) == 169
    expected = []
    for g, (n_num, n_let) in PER_GOAL.items():
        expected += [f"{g}.{i}" for i in range(1, n_num + 1)]
        expected += [f"{g}.{chr(ord('a') + i)}" for i in range(n_let)]
    assert [t.id for t in ts] == expected
    assert ts[0].id == "1.1" and ts[-1].id == "17.19"
    assert {"1.a", "1.b", "3.d", "17.19", "16.10", "8.10"} <= {t.id for t in ts}
    for t in ts:
        assert sdg.TARGET_RE.match(t.id), t.id
        assert t.goal == int(t.id.split(".")[0])
        assert len(t.text_en) > 20 and len(t.text_zh) > 8, t.id
        assert re.search(r"[\u4e00-\u9fff]", t.text_zh), t.id
        assert not re.search(r"[\u4e00-\u9fff]", t.text_en), t.id


def test_target_lookup():
    assert sdg.is_target_id("11.7") and not sdg.is_target_id("11.8") and not sdg.is_target_id("18.1")
    assert "public spaces" in sdg.target_index()["11.7"].text_en
    assert sdg.target_index()["3.2"].goal == 3


def test_source_named_beside_the_data():
    from importlib import resources

    readme = resources.files("citynexus.cases").joinpath("data/README.md").read_text(encoding="utf-8")
    assert "A/RES/70/1" in readme and "not verified" in readme.lower()


def test_chinese_targets_follow_the_cited_un_wording():
    """Spot checks against the UN Chinese wording named in data/README.md (open-sdg/sdg-translations,
    zh-Hans global_targets.yml), written with full-width punctuation."""
    idx = sdg.target_index()
    assert idx["11.2"].text_zh.startswith(
        "到2030年，向所有人提供安全、负担得起的、易于利用、可持续的交通运输系统，改善道路安全"
    )
    assert idx["3.6"].text_zh == "到2020年，全球道路交通事故造成的死伤人数减半"
    assert idx["1.1"].text_zh.startswith("到2030年，在全球所有人口中消除极端贫困")
    assert idx["17.14"].text_zh == "加强可持续发展政策的一致性"
    # complete, not abridged: 2.5 keeps its second clause after the full-width semicolon
    assert "；根据国际商定原则获取及公正、公平地分享利用遗传资源" in idx["2.5"].text_zh
    # no ASCII comma, semicolon or colon is left in the Chinese texts
    assert not any(c in t.text_zh for t in sdg.targets() for c in ",;:")


def test_readme_names_the_chinese_source_and_what_is_unverified():
    from importlib import resources

    readme = resources.files("citynexus.cases").joinpath("data/README.md").read_text(encoding="utf-8")
    assert "open-sdg/sdg-translations" in readme and "0b6388ab9521004b3ce42e1b5f17d6627db22295" in readme
    assert "Goal titles, Chinese: **not verified**" in readme
