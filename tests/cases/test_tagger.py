"""SDG tagger: keyword matching by hand, the fusion formula, real-encoder tagging in both
languages, and the labelled-set evaluation (hybrid vs each part, same run)."""

import math

import numpy as np
import pytest

from citynexus.cases.errors import CasesError
from citynexus.cases.evaluation import cross_validate, evaluate, folds, labelled_set, metrics, tune_alpha
from citynexus.cases.tagger import SDGTagger, default_tagger, keyword_score, minmax, zscore
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
    text = "Harbour cranes plug in to shore power."
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
    for name, size in (("seen", 64), ("heldout", 64), ("heldout2", 48)):
        items = labelled_set(name)
        assert len(items) == size and len({it["id"] for it in items}) == size
        half = size // 2
        assert sum(it["lang"] == "zh" for it in items) == half and sum(it["lang"] == "en" for it in items) == half
        assert all(1 <= g <= 17 and len(set(it["goals"])) == len(it["goals"]) for it in items for g in it["goals"])
        assert sum(len(it["goals"]) >= 2 for it in items) >= 0.9 * len(items)
    texts = [{it["text"] for it in labelled_set(n)} for n in ("seen", "heldout", "heldout2")]
    assert not (texts[0] & texts[1]) and not (texts[0] & texts[2]) and not (texts[1] & texts[2])
    parts = folds(labelled_set("heldout"), 8)
    assert [len(p) for p in parts] == [8] * 8
    assert sorted(it["id"] for p in parts for it in p) == sorted(it["id"] for it in labelled_set("heldout"))
    with pytest.raises(ValueError, match="k must be between 2"):
        folds(labelled_set("heldout"), 1)


def _rows(tagger, name):
    return {(r["method"], r["lang"]): r for r in evaluate(tagger, labelled_set(name))}


def test_hybrid_against_each_part_on_the_dev_set(tagger):
    """``heldout`` (first round's held-out set) is the dev set of the second round: z-score fusion was
    chosen on it, so this checks the choice, not how well it generalises (that is ``heldout2``)."""
    rows = _rows(tagger, "heldout")
    hyb, enc, kw = rows[("hybrid", "all")], rows[("encoder", "all")], rows[("keywords", "all")]
    for m in ("top1", "top3", "recall3"):
        assert hyb[m] > kw[m], m
        assert hyb[m] > enc[m], m


def test_hybrid_against_each_part_on_the_test_set(tagger):
    """``heldout2``: written before the second round and scored once it was fixed. Measured: hybrid
    0.875 / 0.958 / 0.698, encoder 0.812 / 0.812 / 0.611, keywords 0.875 / 0.792 / 0.562 (top-1 /
    top-3 / recall@3) — ahead of both parts on top-3 and recall@3 and of the encoder on top-1, level
    with keywords-only on top-1 (42 of 48 texts each)."""
    rows = _rows(tagger, "heldout2")
    hyb, enc, kw = rows[("hybrid", "all")], rows[("encoder", "all")], rows[("keywords", "all")]
    for m in ("top1", "top3", "recall3"):
        assert hyb[m] > enc[m], m
    assert hyb["top3"] > kw["top3"] and hyb["recall3"] > kw["recall3"]
    assert hyb["top1"] == kw["top1"] == pytest.approx(42 / 48)


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


def test_paired_comparison_on_the_test_set(tagger):
    """Text by text on heldout2 (measured): top-3 — hybrid alone right on 8 texts, the encoder alone on 1
    (exact McNemar p = 0.039), keywords alone on 0 (p = 0.0078); top-1 — 3 : 0 against the encoder
    (p = 0.25) and 3 : 3 against keywords (p = 1)."""
    from citynexus.cases.evaluation import paired

    top3 = paired(tagger, labelled_set("heldout2"), "top3")
    assert (top3["encoder"]["only_first"], top3["encoder"]["only_second"]) == (8, 1)
    assert (top3["keywords"]["only_first"], top3["keywords"]["only_second"]) == (8, 0)
    assert top3["encoder"]["p"] < 0.05 and top3["keywords"]["p"] < 0.01
    top1 = paired(tagger, labelled_set("heldout2"), "top1")
    assert top1["keywords"]["only_first"] == top1["keywords"]["only_second"] == 3
    with pytest.raises(ValueError, match="metric must be top1 or top3"):
        paired(tagger, labelled_set("heldout2")[:2], "recall3")
