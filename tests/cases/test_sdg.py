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
    assert sdg.goal(1).title_zh == "在全世界消除一切形式的贫困"


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
