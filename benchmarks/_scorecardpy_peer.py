"""scorecardpy's own scorecard, run in the peer environment ``.venv-peers`` (scorecardpy 0.1.9.7, its
last release, needs pandas < 3; the project runs pandas 3). Called by ``bench_watch_credit.py``:

    .venv-peers/bin/python benchmarks/_scorecardpy_peer.py DIR

reads ``DIR/train.csv`` (features and ``y``) and ``DIR/test.csv`` (features), fits ``woebin`` ->
``woebin_ply`` -> logistic regression -> ``scorecard`` on the training rows, and writes the test rows'
points as ``DIR/scores.csv`` (column ``score``, higher = better credit, scorecardpy's convention), and
the seconds the fit and scoring took as ``DIR/seconds.txt``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd
import scorecardpy as sc
from sklearn.linear_model import LogisticRegression


def main(folder: Path) -> None:
    tr = pd.read_csv(folder / "train.csv")
    te = pd.read_csv(folder / "test.csv")
    t0 = time.perf_counter()
    bins = sc.woebin(tr, y="y", print_step=0)
    trw = sc.woebin_ply(tr, bins, print_step=0)
    X = [c for c in trw.columns if c != "y"]
    lr = LogisticRegression(max_iter=1000).fit(trw[X], trw["y"])
    card = sc.scorecard(bins, lr, X)
    score = sc.scorecard_ply(te, card, print_step=0)["score"]
    (folder / "seconds.txt").write_text(f"{time.perf_counter() - t0:.6f}\n")
    score.to_frame("score").to_csv(folder / "scores.csv", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
