"""SDG tagger: keyword matching by hand, the fusion formula, real-encoder tagging in both
languages, and the labelled-set evaluation (hybrid vs each part, same run)."""

import math

import numpy as np
import pytest

from citynexus.cases.errors import CasesError
from citynexus.cases.evaluation import cross_validate, evaluate, folds, labelled_set, metrics, tune_alpha
from citynexus.cases.tagger import SDGTagger, default_tagger, fuse, keyword_score, minmax, zscore
from citynexus.hub.encoder import HashingEncoder


@pytest.fixture(scope="module")
def tagger():
    return SDGTagger()  # the hub's USE multilingual encoder


@pytest.fixture(scope="module")
def kw_tagger():
    return SDGTagger(encoder=HashingEncoder())


def test_the_default_tagger_is_one_per_process():
    first = default_tagger()
    assert isinstance(first, SDGTagger) and default_tagger() is first


def test_keyword_matching_by_hand(kw_tagger):
    k, matched, tcredit = kw_tagger.keyword_hits("Oceans: replanting mangroves; coral reefs.")
    # 'ocean*' (plural folded), 'mangrove*', 'coral*' are listed under goal 14 only
    assert set(matched[14]) >= {"ocean*", "mangrove*", "coral*"}
    assert "14.2" in tcredit and "14.1" in tcredit
    n14 = len(matched[14])
    assert k[13] == pytest.approx(1 - math.exp(-n14))
    # a phrase must match whole words in order: 'energy efficiency' is not in 'efficiency of energy'
    _, m2, _ = kw_tagger.keyword_hits("efficiency of energy")
    assert "energy efficiency" not in m2.get(7, []) and "energy" in m2.get(7, [])


def test_chinese_keywords_and_shared_phrases(kw_tagger):
    k, matched, _ = kw_tagger.keyword_hits("广州碳普惠平台")
    assert "碳普惠" in matched[13] and "碳" in matched[13]
    # '平台' is listed under goal 9 only -> weight 1
    assert matched[9] == ["平台"] and k[8] == pytest.approx(1 - math.exp(-1))
    # '农民工' is listed under goals 8 and 10 -> weight 1/2 each
    k2, m2, _ = kw_tagger.keyword_hits("农民工")
    assert "农民工" in m2[8] and "农民工" in m2[10]
    assert k2[9] == pytest.approx(1 - math.exp(-0.5))
    # English phrases do not fire on Chinese text and the other way round
    _, m3, _ = kw_tagger.keyword_hits("water")
    assert "饮水" not in m3.get(6, []) and "water" in m3[6]
    assert keyword_score(2) == pytest.approx(0.8646647)


def test_zscore_and_minmax_by_hand():
    v = np.array([0.0, 1.0, 2.0, 5.0])
    # mean 2, population variance (4 + 1 + 0 + 9) / 4 = 3.5
    assert zscore(v) == pytest.approx((v - 2.0) / math.sqrt(3.5))
    assert minmax(v) == pytest.approx([0.0, 0.2, 0.4, 1.0])
    assert not zscore(np.full(17, 0.3)).any() and not minmax(np.zeros(17)).any()


def test_hybrid_is_the_stated_mixture(tagger):
    tagger.alpha = 0.3
    try:
        res = tagger.tag("A city plants trees along rivers and restores wetlands.")
    finally:
        tagger.alpha = 0.5
    scores = [g.score for g in res.goals]
    assert scores == sorted(scores, reverse=True)
    by_goal = sorted(res.goals, key=lambda g: g.goal)
    e = np.array([g.encoder for g in by_goal])
    k = np.array([g.keywords for g in by_goal])
    assert k.std() > 0  # 'trees', 'rivers', 'wetlands' match, so the keyword part is not constant
    # standardise each part over the 17 goals, mix 0.3 / 0.7, scale the mix to [0, 1]
    f = 0.3 * (e - e.mean()) / e.std() + 0.7 * (k - k.mean()) / k.std()
    expected = (f - f.min()) / (f.max() - f.min())
    assert [g.score for g in by_goal] == pytest.approx(list(expected))
    for g in res.goals:
        assert 0 <= g.encoder <= 1 and 0 <= g.keywords < 1
    assert max(g.encoder for g in res.goals) == pytest.approx(1.0)
    assert min(g.encoder for g in res.goals) == pytest.approx(0.0)
    assert sorted(g.goal for g in res.goals) == list(range(1, 18))
    assert all(len(g.targets) == 3 and all(t["target"].startswith(f"{g.goal}.") for t in g.targets) for g in res.goals)


def test_no_phrase_means_the_encoder_order(tagger):
    text = "Tugboats and cranes at the quay plug in while moored."
    _, matched, _ = tagger.keyword_hits(text)
    assert not matched  # nothing to standardise on the keyword side: z = 0, the encoder decides
    assert tagger.tag(text).top(17) == tagger.tag(text, method="encoder").top(17)


def test_short_stems_do_not_match_longer_words(kw_tagger):
    # 'bus' (transport, 11.2) must not fire on 'business' (it did as the stem 'bus*')
    assert 11 not in kw_tagger.keyword_hits("Coaching for small business owners")[1]
    assert "buses" in kw_tagger.keyword_hits("Electric buses on every route")[1][11]


def test_methods_rank_by_their_own_side(tagger):
    text = "社区长者饭堂为独居老人提供助餐服务"
    enc = tagger.tag(text, method="encoder")
    kw = tagger.tag(text, method="keywords")
    assert [g.goal for g in enc.goals] == [g.goal for g in sorted(enc.goals, key=lambda g: (-g.encoder, g.goal))]
    assert kw.goals[0].keywords == max(g.keywords for g in kw.goals)
    assert kw.encoder_name == "none"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Safe routes to school so that children can walk without traffic danger", {11, 3, 4}),
        ("儿童友好安全上学路", {11, 3, 4}),
        ("A GIS app to book pit-emptying services for household latrines", {6}),
        ("坎帕拉的厕坑清掏服务地理信息系统应用", {6}),
        ("广州碳普惠平台鼓励市民低碳出行", {13}),
        ("Recycling of used electric-vehicle batteries", {12}),
    ],
)
def test_tags_in_both_languages(tagger, text, expected):
    res = tagger.tag(text)
    assert expected & set(res.top(3)), (text, res.top(5))
    js = res.to_json(top=3)
    assert [g["goal"] for g in js["goals"]] == res.top(3)
    assert js["goals"][0]["score"] >= js["goals"][1]["score"] >= js["goals"][2]["score"]
    assert js["lang"] == ("zh" if any("\u4e00" <= c <= "\u9fff" for c in text) else "en")


def test_bad_inputs(tagger):
    with pytest.raises(CasesError, match="text 1 is empty"):
        tagger.tag("   ")
    with pytest.raises(CasesError, match="unknown tagging method 'bert'"):
        tagger.tag("water", method="bert")
    with pytest.raises(CasesError, match="alpha must be between 0 and 1"):
        SDGTagger(alpha=1.5)


def test_metrics_by_hand():
    ranked = [[1, 2, 3], [4, 5, 6], [7, 1, 2]]
    gold = [[2, 1], [6, 9, 8], [1, 7]]
    m = metrics(ranked, gold)
    # top-1: 1 in {2,1} yes; 4 no; 7 yes -> 2/3. top-3 (primary in top 3): 2 yes, 6 yes, 1 yes -> 1.
    # recall@3: 2/2, 1/3, 2/2 -> (1 + 1/3 + 1)/3
    assert m["top1"] == pytest.approx(2 / 3) and m["top3"] == 1.0
    assert m["recall3"] == pytest.approx((1 + 1 / 3 + 1) / 3)


def test_labelled_sets_shape():
    for name, size in (("seen", 64), ("heldout", 64), ("heldout2", 48), ("heldout3", 84)):
        items = labelled_set(name)
        assert len(items) == size and len({it["id"] for it in items}) == size
        half = size // 2
        assert sum(it["lang"] == "zh" for it in items) == half and sum(it["lang"] == "en" for it in items) == half
        assert all(1 <= g <= 17 and len(set(it["goals"])) == len(it["goals"]) for it in items for g in it["goals"])
        assert sum(len(it["goals"]) >= 2 for it in items) >= 0.9 * len(items)
    names = ("seen", "heldout", "heldout2", "heldout3")
    texts = [{it["text"] for it in labelled_set(n)} for n in names]
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            assert not (texts[i] & texts[j]), (names[i], names[j])
    parts = folds(labelled_set("heldout"), 8)
    assert [len(p) for p in parts] == [8] * 8
    assert sorted(it["id"] for p in parts for it in p) == sorted(it["id"] for it in labelled_set("heldout"))
    with pytest.raises(ValueError, match="k must be between 2"):
        folds(labelled_set("heldout"), 1)


def test_heldout3_schema_and_labels():
    """The test set of the third round: exactly the keys of the other sets, ids T01..T84, 2 or 3 distinct
    goals in 1..17 per text (primary first), Chinese texts in Chinese, English texts without Chinese."""
    import re

    items = labelled_set("heldout3")
    keys = {tuple(sorted(it)) for n in ("seen", "heldout", "heldout2") for it in labelled_set(n)}
    assert {tuple(sorted(it)) for it in items} == keys == {("goals", "id", "lang", "text")}
    assert [it["id"] for it in items] == [f"T{i:02d}" for i in range(1, 85)]
    cjk = re.compile(r"[\u3400-\u9fff]")
    for it in items:
        assert it["lang"] in ("en", "zh") and isinstance(it["text"], str) and 10 <= len(it["text"]) <= 200
        assert bool(cjk.search(it["text"])) == (it["lang"] == "zh"), it["id"]
        g = it["goals"]
        assert 2 <= len(g) <= 3 and len(set(g)) == len(g), it["id"]
        assert all(isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= 17 for x in g), it["id"]
    # every goal is the primary goal of at least one text
    assert {it["goals"][0] for it in items} == set(range(1, 18))


def _rows(tagger, name):
    return {(r["method"], r["lang"]): r for r in evaluate(tagger, labelled_set(name))}


# Texts right (top-1 / top-3) per method on the dev sets of the third round, measured after the
# ontology was extended from these sets' misses (so the keyword side has seen them: optimistic).
DEV_COUNTS = {
    "heldout": {"hybrid": (59, 60), "encoder": (54, 50), "keywords": (58, 60)},
    "heldout2": {"hybrid": (44, 48), "encoder": (39, 39), "keywords": (43, 47)},
}


@pytest.mark.parametrize("name", sorted(DEV_COUNTS))
def test_hybrid_against_each_part_on_the_dev_sets(tagger, name):
    """``heldout`` and ``heldout2`` are dev data of the third round (the 131 added phrases come from their
    misses and those of ``seen``), so this pins the measured counts rather than claiming generalisation;
    ``heldout3`` is the test set (docs/cases.md). The hybrid is ahead of or level with each part on both
    and ahead on recall@3."""
    rows = _rows(tagger, name)
    n = len(labelled_set(name))
    for method, (t1, t3) in DEV_COUNTS[name].items():
        assert round(rows[(method, "all")]["top1"] * n) == t1, method
        assert round(rows[(method, "all")]["top3"] * n) == t3, method
    hyb = rows[("hybrid", "all")]
    for part in ("encoder", "keywords"):
        assert hyb["recall3"] > rows[(part, "all")]["recall3"], part
        assert hyb["top1"] > rows[(part, "all")]["top1"] and hyb["top3"] >= rows[(part, "all")]["top3"], part


def test_alpha_tuning_leaves_the_tagger_alone(tagger):
    dev = labelled_set("heldout")[:16]
    a = tune_alpha(tagger, dev, grid=(0.2, 0.5))
    assert a in (0.2, 0.5) and tagger.alpha == 0.5
    rows, chosen = cross_validate(tagger, dev, k=2)
    assert len(chosen) == 2 and tagger.alpha == 0.5
    assert {r["n"] for r in rows if r["lang"] == "all"} == {16}


def test_mcnemar_by_hand():
    from citynexus.cases.evaluation import mcnemar

    # 3 texts only the first gets right, none only the second: p = 2 * 0.5**3 = 0.25
    r = mcnemar([True, True, True, False, True], [False, False, False, False, True])
    assert (r["only_first"], r["only_second"]) == (3, 0) and r["p"] == pytest.approx(0.25)
    # 8 against 1: p = 2 * (C(9,0) + C(9,1)) / 2**9 = 20 / 512
    r = mcnemar([True] * 8 + [False] + [True] * 5, [False] * 8 + [True] + [True] * 5)
    assert (r["only_first"], r["only_second"]) == (8, 1) and r["p"] == pytest.approx(20 / 512)
    assert mcnemar([True, False], [True, False])["p"] == 1.0
    with pytest.raises(ValueError, match="same texts"):
        mcnemar([True], [True, False])


def test_paired_comparison_on_a_dev_set(tagger):
    """Text by text on heldout2 (a dev set now; measured): top-3 — hybrid alone right on 9 texts, the
    encoder alone on 0 (exact McNemar p = 2 / 2**9), keywords 1 : 0; top-1 — 5 : 0 against the encoder and
    3 : 2 against keywords (p = 1)."""
    from citynexus.cases.evaluation import paired

    top3 = paired(tagger, labelled_set("heldout2"), "top3")
    assert (top3["encoder"]["only_first"], top3["encoder"]["only_second"]) == (9, 0)
    assert top3["encoder"]["p"] == pytest.approx(2 / 2**9)
    assert (top3["keywords"]["only_first"], top3["keywords"]["only_second"]) == (1, 0)
    top1 = paired(tagger, labelled_set("heldout2"), "top1")
    assert (top1["encoder"]["only_first"], top1["encoder"]["only_second"]) == (5, 0)
    assert (top1["keywords"]["only_first"], top1["keywords"]["only_second"]) == (3, 2)
    assert top1["keywords"]["p"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="metric must be top1 or top3"):
        paired(tagger, labelled_set("heldout2")[:2], "recall3")


def test_phrases_added_from_the_dev_sets(kw_tagger):
    # 'shore power' / '岸电' serve goals 7 and 13: weight 1/2 on each
    for text in ("Ships use shore power at berth", "港口岸电"):
        k, matched, _ = kw_tagger.keyword_hits(text)
        assert 7 in matched and 13 in matched, text
        assert k[6] == pytest.approx(1 - math.exp(-0.5)) and k[12] == pytest.approx(1 - math.exp(-0.5))
    # 'port' is a whole word (no prefix): it must not fire on 'portal' or 'important'
    assert 14 not in kw_tagger.keyword_hits("An important online portal")[1]
    assert "port" in kw_tagger.keyword_hits("Cranes in the port")[1][14]
    # 'court' is a whole word too: not 'courtyard'
    assert 16 not in kw_tagger.keyword_hits("A shaded courtyard")[1]


def test_fusion_on_hand_made_scores():
    r2, r3 = math.sqrt(2), math.sqrt(3)
    e = np.array([1.0, 0.0, 0.5, 0.5])  # mean 0.5, sd sqrt(0.125): z = (sqrt 2, -sqrt 2, 0, 0)
    k = np.array([0.0, keyword_score(2), 0.0, 0.0])  # one goal of four hit: z = (-1/sqrt 3, sqrt 3, ...)
    f = np.array([(r2 - 1 / r3) / 2, (r3 - r2) / 2, -1 / (2 * r3), -1 / (2 * r3)])
    h = fuse(e, k, 0.5)
    assert h == pytest.approx((f - f.min()) / (f.max() - f.min()))
    assert h[0] == 1.0 and h[2] == h[3] == 0.0 and h[1] == pytest.approx(0.6330, abs=1e-4)
    # the strength of a lone hit does not matter after standardising (one weak phrase = five strong ones)
    assert fuse(e, np.array([0.0, 0.1, 0.0, 0.0])) == pytest.approx(h)
    # alpha = 1 / 0 give each part alone (min-max scaled); a constant part leaves the other in charge
    assert fuse(e, k, 1.0) == pytest.approx(minmax(e)) and fuse(e, k, 0.0) == pytest.approx(minmax(k))
    assert fuse(e, np.zeros(4), 0.5) == pytest.approx(minmax(e))
    assert not fuse(np.full(4, 0.2), np.zeros(4)).any()
    # 17 goals, one phrase for one goal: z = sqrt(16) = 4 for it
    k17 = np.zeros(17)
    k17[5] = 0.3
    assert zscore(k17)[5] == pytest.approx(4.0)


@pytest.mark.parametrize(
    "e, k, alpha, message",
    [
        (np.zeros(17), np.zeros(16), 0.5, "same length"),
        (np.zeros((2, 17)), np.zeros((2, 17)), 0.5, "same length"),
        (np.zeros(1), np.zeros(1), 0.5, "same length"),
        (np.array([0.1, np.nan, 0.3]), np.zeros(3), 0.5, "NaN or infinite"),
        (np.zeros(3), np.array([0.0, np.inf, 0.0]), 0.5, "NaN or infinite"),
        (np.zeros(3), np.zeros(3), 1.5, "alpha must be between 0 and 1"),
    ],
)
def test_fusion_refuses_bad_score_lists(e, k, alpha, message):
    with pytest.raises(CasesError, match=message):
        fuse(e, k, alpha)


# heldout3: written and committed before the third round changed anything, scored once after the tagger
# was frozen (benchmarks/bench_cases.py). Texts right of 84 (top-1, top-3), measured:
TEST_COUNTS = {"hybrid": (67, 70), "encoder": (61, 61), "keywords": (56, 49)}


def test_hybrid_against_each_part_on_the_test_set(tagger):
    """Measured on heldout3: hybrid 0.798 / 0.833 / 0.661 (top-1 / top-3 / recall@3), encoder-only
    0.726 / 0.726 / 0.603, keywords-only 0.667 / 0.583 / 0.456 — the hybrid ahead of each part on every
    metric. Pinned so that a change to the tagger shows up here; not a target to tune towards."""
    items = labelled_set("heldout3")
    rows = {(r["method"], r["lang"]): r for r in evaluate(tagger, items)}
    for method, (t1, t3) in TEST_COUNTS.items():
        assert round(rows[(method, "all")]["top1"] * 84) == t1, method
        assert round(rows[(method, "all")]["top3"] * 84) == t3, method
    hyb = rows[("hybrid", "all")]
    assert hyb["recall3"] == pytest.approx(0.661, abs=5e-4)
    for part in ("encoder", "keywords"):
        for m in ("top1", "top3", "recall3"):
            assert hyb[m] > rows[(part, "all")][m], (part, m)


def test_paired_comparison_on_the_test_set(tagger):
    """heldout3, text by text (measured): top-1 — hybrid alone right 8, encoder alone 2 (exact McNemar
    p = 112/1024), keywords alone 4 against 15 (p = 0.019); top-3 — 10 : 1 against the encoder
    (p = 24/2048) and 23 : 2 against keywords (p = 652/2**25)."""
    from citynexus.cases.evaluation import paired

    items = labelled_set("heldout3")
    top1, top3 = paired(tagger, items, "top1"), paired(tagger, items, "top3")
    got = {(m, part): (r[part]["only_first"], r[part]["only_second"]) for m, r in (("top1", top1), ("top3", top3))
           for part in ("encoder", "keywords")}  # fmt: skip
    assert got == {("top1", "encoder"): (8, 2), ("top1", "keywords"): (15, 4),
                   ("top3", "encoder"): (10, 1), ("top3", "keywords"): (23, 2)}  # fmt: skip
    assert top1["encoder"]["p"] == pytest.approx(112 / 1024)
    assert top3["encoder"]["p"] == pytest.approx(24 / 2048)
    assert top3["keywords"]["p"] == pytest.approx(652 / 2**25)
    assert top1["keywords"]["p"] == pytest.approx(2 * sum(math.comb(19, i) for i in range(5)) / 2**19)
