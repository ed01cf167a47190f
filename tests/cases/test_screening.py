"""Screening: Kendall's W on hand-computed examples (with and without ties, against scipy's
Friedman test), a hand-computed screening (weights, scores, ranks, rank intervals), AHP, TOPSIS,
bad inputs."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import friedmanchisquare

from citynexus.cases.errors import ScreeningError
from citynexus.cases.screening import CRITERIA, kendall_w, midranks, read_scores, screen


def test_kendall_w_no_ties_by_hand():
    # 3 jurors rank 4 cases A..D.  Rank sums R = (4, 6, 8, 12), mean m(n+1)/2 = 7.5,
    # S = 3.5^2 + 1.5^2 + 0.5^2 + 4.5^2 = 35, W = 12 S / (m^2 (n^3 - n)) = 420 / 540 = 7/9.
    r = np.array([[1, 2, 3, 4], [1, 3, 2, 4], [2, 1, 3, 4]])
    k = kendall_w(r)
    assert k.s == 35 and k.ties == 0
    assert k.w == pytest.approx(7 / 9)
    assert k.chi2 == pytest.approx(3 * 3 * 7 / 9) and k.df == 3


def test_kendall_w_with_ties_by_hand():
    # juror 3 ties A and B (mid-ranks 1.5, 1.5): R = (3.5, 6.5, 8, 12), S = 16 + 1 + 0.25 + 20.25 = 37.5,
    # T_3 = 2^3 - 2 = 6, W = 12 * 37.5 / (9 * 60 - 3 * 6) = 450 / 522.
    r = np.array([[1, 2, 3, 4], [1, 3, 2, 4], [1.5, 1.5, 3, 4]])
    k = kendall_w(r)
    assert k.s == 37.5 and k.ties == 6
    assert k.w == pytest.approx(450 / 522)
    # peer: Friedman's tie-corrected chi-square equals m (n - 1) W
    stat, p = friedmanchisquare(*r.T)
    assert k.chi2 == pytest.approx(stat) and k.p_value == pytest.approx(p)


def test_w_strength_words():
    from citynexus.cases.screening import w_strength

    assert [w_strength(x) for x in (0.05, 0.3, 0.55, 0.772, 0.95)] == [
        "very weak", "weak", "moderate", "strong", "very strong"
    ]  # fmt: skip
    assert w_strength(float("nan")) == "undefined"


def test_kendall_w_extremes_and_errors():
    assert kendall_w(np.array([[1, 2, 3], [1, 2, 3]])).w == pytest.approx(1.0)
    assert kendall_w(np.array([[1, 2, 3], [3, 2, 1]])).w == pytest.approx(0.0)
    assert list(midranks([5, 9, 9, 1])) == [3, 1.5, 1.5, 4]
    with pytest.raises(ScreeningError, match="at least 2 jurors"):
        kendall_w(np.array([[1, 2, 3]]))


# Hand-computed screening: 2 jurors, 3 cases, scale 0..10, weights (0.3, 0.2, 0.2, 0.2, 0.1)
SCORES = {
    ("J1", "A"): (8, 6, 7, 9, 10), ("J1", "B"): (6, 8, 6, 5, 4), ("J1", "C"): (4, 4, 5, 6, 6),
    ("J2", "A"): (6, 8, 7, 7, 8), ("J2", "B"): (8, 6, 8, 7, 6), ("J2", "C"): (4, 6, 3, 4, 6),
}  # fmt: skip
WEIGHTS = dict(zip(CRITERIA, (0.3, 0.2, 0.2, 0.2, 0.1)))


def _long():
    rows = [
        {"juror": j, "case": c, "criterion": k, "score": v}
        for (j, c), vals in SCORES.items()
        for k, v in zip(CRITERIA, vals)
    ]
    return pd.DataFrame(rows)


def test_screening_by_hand():
    res = screen(_long(), weights=WEIGHTS, shortlist=2)
    t = res.table.set_index("case")
    # means: A (7,7,7,8,9), B (7,7,7,6,5), C (4,5,4,5,6); scores /10 weighted:
    # A .21+.14+.14+.16+.09 = .74, B .21+.14+.14+.12+.05 = .66, C .12+.10+.08+.10+.06 = .46
    assert list(t.loc["A", list(CRITERIA)]) == [7, 7, 7, 8, 9]
    assert t["score"].to_dict() == pytest.approx({"A": 0.74, "B": 0.66, "C": 0.46})
    assert list(res.table["case"]) == ["A", "B", "C"] and list(res.table["rank"]) == [1, 2, 3]
    # juror totals: J1 A .78 B .60 C .48 (A, B, C); J2 A .70 B .72 C .44 (B, A, C)
    assert res.juror_ranks.loc["J1"].tolist() == [1, 2, 3] and res.juror_ranks.loc["J2"].tolist() == [2, 1, 3]
    # W: R = (3, 3, 6), mean 4, S = 6, W = 12 * 6 / (4 * 24) = 0.75
    assert res.agreement.w == pytest.approx(0.75)
    # weights within +-50%: w5 <= .15 so C - B = -.3w1 -.2w2 -.3w3 -.1w4 +.1w5 < 0 and A - B = .2w4 + .4w5 > 0
    assert t[["best_rank", "worst_rank"]].to_dict("list") == {"best_rank": [1, 2, 3], "worst_rank": [1, 2, 3]}
    assert res.shortlisted() == ["A", "B"] and t["robust"].tolist() == [True, True, False]


def test_rank_interval_over_all_weights_by_hand():
    res = screen(_long(), weights=WEIGHTS, tolerance=None)
    t = res.table.set_index("case")
    # any weights: all weight on criteria 1-3 ties A and B (B can reach rank 1); all weight on
    # sdg_alignment gives C .6 > B .5 (C reaches rank 2); A is never below anyone.
    assert t.loc["A", ["best_rank", "worst_rank"]].tolist() == [1, 1]
    assert t.loc["B", ["best_rank", "worst_rank"]].tolist() == [1, 3]
    assert t.loc["C", ["best_rank", "worst_rank"]].tolist() == [2, 3]


def test_ahp_weights_and_topsis():
    w = np.array([0.3, 0.2, 0.2, 0.2, 0.1])
    A = w[:, None] / w[None, :]  # perfectly consistent judgements
    res = screen(_long(), ahp_matrix=A)
    assert list(res.weights.values()) == pytest.approx(list(w)) and res.ahp_cr == pytest.approx(0, abs=1e-9)
    assert res.table["score"].tolist() == pytest.approx([0.74, 0.66, 0.46])
    top = screen(_long(), weights=WEIGHTS, method="topsis")
    from citynexus.evaluate.aggregate import topsis

    z = np.array([[7, 7, 7, 8, 9], [7, 7, 7, 6, 5], [4, 5, 4, 5, 6]]) / 10
    assert top.table.set_index("case")["score"].loc[["A", "B", "C"]].tolist() == pytest.approx(list(topsis(z, w)))
    assert "sampled" in top.interval_method
    assert (top.table["best_rank"] <= top.table["rank"]).all() and (top.table["rank"] <= top.table["worst_rank"]).all()


def test_inconsistent_ahp_is_refused():
    A = np.ones((5, 5))
    A[0, 1], A[1, 0] = 9, 1 / 9
    A[1, 2], A[2, 1] = 9, 1 / 9
    A[0, 2], A[2, 0] = 1 / 9, 9
    with pytest.raises(Exception, match="consistency ratio"):
        screen(_long(), ahp_matrix=A)


@pytest.mark.parametrize(
    "mutate, words",
    [
        (lambda d: d.assign(score=d["score"].where(d.index != 3, 11)), "not a number between 0 and 10"),
        (lambda d: d.assign(score=d["score"].astype(object).where(d.index != 3, "x")), "not a number"),
        (lambda d: d.drop(index=4), "juror J1 gave no score for case A on criterion sdg_alignment"),
        (lambda d: pd.concat([d, d.iloc[[0]]]), "more than once"),
        (lambda d: d.assign(criterion=d["criterion"].where(d.index != 0, "beauty")), "'beauty' is not a criterion"),
        (lambda d: d[d["juror"] == "J1"], "at least 2 jurors"),
    ],
)
def test_bad_scores(mutate, words):
    with pytest.raises(ScreeningError, match=words):
        screen(mutate(_long()), weights=WEIGHTS)


def test_bad_options():
    with pytest.raises(ScreeningError, match="unknown aggregation 'median'"):
        screen(_long(), method="median")
    with pytest.raises(ScreeningError, match="not a criterion"):
        screen(_long(), weights={"beauty": 1})
    with pytest.raises(ScreeningError, match="either weights or an AHP matrix"):
        screen(_long(), weights=WEIGHTS, ahp_matrix=np.eye(5))


def test_read_scores_wide_and_long(tmp_path):
    wide = pd.DataFrame([{"juror": j, "case": c, **dict(zip(CRITERIA, v))} for (j, c), v in SCORES.items()])
    wide.to_csv(tmp_path / "w.csv", index=False)
    res = screen(read_scores(tmp_path / "w.csv"), weights=WEIGHTS)
    assert res.table["score"].tolist() == pytest.approx([0.74, 0.66, 0.46])
    _long().to_json(tmp_path / "l.jsonl", orient="records", lines=True, force_ascii=False)
    assert screen(read_scores(tmp_path / "l.jsonl"), weights=WEIGHTS).agreement.w == pytest.approx(0.75)
    wide.loc[2, "impact"] = 12
    wide.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ScreeningError, match=r"bad.csv, row 4, column 'impact'"):
        screen(read_scores(tmp_path / "bad.csv"), weights=WEIGHTS)
    with pytest.raises(ScreeningError, match="no column for criterion 'innovation'"):
        pd.DataFrame({"juror": ["a"], "case": ["b"]}).to_csv(tmp_path / "x.csv", index=False)
        read_scores(tmp_path / "x.csv")
