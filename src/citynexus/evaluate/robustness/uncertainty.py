"""Uncertainty analysis (不确定性分析): how much do ranks move over the replications?

For N replications (seeded Monte Carlo, or a replay file) and every unit *i* with nominal
rank :math:`r^0_i` and replication ranks :math:`r_{bi}`:

- mean, median and the 5th / 95th percentiles of :math:`r_{\\cdot i}` (quantiles with
  linear interpolation between order statistics, Hyndman & Fan 1996 type 7 — numpy's
  and R's default);
- :math:`P(r_{\\cdot i} \\le k)` for each ``k`` in ``top_k``;
- the mean absolute rank shift :math:`\\bar S_i = \\frac1N\\sum_b |r_{bi} - r^0_i|`, and per
  replication :math:`S_b = \\frac1n\\sum_i |r_{bi} - r^0_i|` (the output COINr's
  ``get_sensitivity`` analyses);
- the same summary of the scores.

Units screened out of a replication have no rank there; statistics use the replications
in which the unit is ranked (column ``n``). Reference: Saisana, Saltelli & Tarantola
(2005), *J. R. Stat. Soc. A* 168(2), 307-323; COINr ``get_sensitivity``.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from citynexus.evaluate.robustness.distributed import run_batches
from citynexus.evaluate.robustness.sample import random_sample, read_samples, samples_frame

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from citynexus.evaluate.robustness.factors import Factor

UNCERTAINTY_COLUMNS = ("unit", "nominal_rank", "mean_rank", "median_rank", "q05", "q95")


def _nan_stats(a: np.ndarray, qs: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(a, axis=0)
        q = np.nanquantile(a, qs, axis=0, method="linear")
    return mean, q


def rank_shift(ranks: np.ndarray, nominal_ranks: np.ndarray) -> np.ndarray:
    """Mean absolute rank shift of every replication: :math:`S_b = \\mathrm{mean}_i |r_{bi} - r^0_i|`
    over the units ranked in both."""
    d = np.abs(np.asarray(ranks, dtype=float) - np.asarray(nominal_ranks, dtype=float)[None, :])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(d, axis=1)


def summarise(
    ranks: np.ndarray,
    scores: np.ndarray,
    nominal_ranks: np.ndarray,
    nominal_scores: np.ndarray,
    units: Sequence[str],
    top_k: Sequence[int] = (3, 10),
) -> pd.DataFrame:
    """The per-unit uncertainty table (see the module docstring), sorted by nominal rank.

    Columns: ``unit, nominal_rank, mean_rank, median_rank, q05, q95``, then ``p_top{k}``
    for each k, ``mean_abs_shift``, ``nominal_score, mean_score, median_score,
    q05_score, q95_score`` and ``n`` (replications in which the unit is ranked)."""
    ranks = np.asarray(ranks, dtype=float)
    scores = np.asarray(scores, dtype=float)
    mr, qr = _nan_stats(ranks, [0.05, 0.5, 0.95])
    ms, qs = _nan_stats(scores, [0.05, 0.5, 0.95])
    ranked = ~np.isnan(ranks)
    n = ranked.sum(axis=0)
    df = pd.DataFrame(
        {
            "unit": list(units),
            "nominal_rank": np.asarray(nominal_ranks, dtype=float),
            "mean_rank": mr,
            "median_rank": qr[1],
            "q05": qr[0],
            "q95": qr[2],
        }
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        for k in top_k:
            df[f"p_top{k}"] = np.where(n > 0, ((ranks <= k) & ranked).sum(axis=0) / np.maximum(n, 1), np.nan)
        shift = np.abs(ranks - np.asarray(nominal_ranks, dtype=float)[None, :])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            df["mean_abs_shift"] = np.nanmean(shift, axis=0)
    df["nominal_score"] = np.asarray(nominal_scores, dtype=float)
    df["mean_score"] = ms
    df["median_score"] = qs[1]
    df["q05_score"] = qs[0]
    df["q95_score"] = qs[2]
    df["n"] = n.astype(int)
    df = df.sort_values(["nominal_rank", "mean_rank"], na_position="last", kind="stable").reset_index(drop=True)
    df["nominal_rank"] = df["nominal_rank"].astype("Int64")
    return df


@dataclass
class UncertaintyResult:
    """Ranks and scores of every replication and their summary.

    ``ranks`` / ``scores``: ``(N, n_units)`` arrays (units in ``units`` order);
    ``samples``: the sample table (``replication`` + one column per factor);
    ``summary``: the table of :func:`summarise`; ``shift``: :math:`S_b` per replication."""

    units: list[str]
    factors: list[Factor]
    samples: pd.DataFrame
    scores: np.ndarray
    ranks: np.ndarray
    nominal_scores: np.ndarray
    nominal_ranks: np.ndarray
    top_k: list[int] = field(default_factory=lambda: [3, 10])
    index_code: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> pd.DataFrame:
        return summarise(self.ranks, self.scores, self.nominal_ranks, self.nominal_scores, self.units, self.top_k)

    @property
    def shift(self) -> np.ndarray:
        return rank_shift(self.ranks, self.nominal_ranks)

    @property
    def mean_shift(self) -> float:
        """Mean over replications of :math:`S_b`."""
        s = self.shift
        return float(np.nanmean(s)) if np.isfinite(s).any() else float("nan")

    def ranks_frame(self) -> pd.DataFrame:
        """Units x replications (``ranks.csv``), nullable integers."""
        df = pd.DataFrame(self.ranks.T, index=pd.Index(self.units, name="unit"))
        df.columns = [str(i) for i in range(1, self.ranks.shape[0] + 1)]
        return df.astype("Int64")

    def scores_frame(self) -> pd.DataFrame:
        """Units x replications of the top-index score (``scores.csv``)."""
        df = pd.DataFrame(self.scores.T, index=pd.Index(self.units, name="unit"))
        df.columns = [str(i) for i in range(1, self.scores.shape[0] + 1)]
        return df

    def to_csv(self, folder: str | Path) -> list[Path]:
        """Write ``uncertainty.csv``, ``samples.csv`` (replayable), ``ranks.csv``,
        ``scores.csv`` and ``uncertainty.json`` (run settings and mean rank shift)."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        files = [out / "uncertainty.csv", out / "samples.csv", out / "ranks.csv", out / "scores.csv"]
        self.summary.to_csv(files[0], index=False)
        self.samples.to_csv(files[1], index=False)
        self.ranks_frame().to_csv(files[2])
        self.scores_frame().to_csv(files[3])
        meta = {
            "index": self.index_code,
            "replications": int(self.ranks.shape[0]),
            "factors": [f.to_dict() for f in self.factors],
            "mean_abs_rank_shift": self.mean_shift,
            **self.meta,
        }
        p = out / "uncertainty.json"
        p.write_text(json.dumps(meta, indent=1, default=str), encoding="utf-8")
        files.append(p)
        return files


def _engine(dataset, spec, factors, period, engine):
    from citynexus.evaluate.robustness.vectorised import Engine

    if engine is not None:
        return engine
    return Engine(dataset, spec, factors, period)


def uncertainty(
    dataset=None,
    spec=None,
    factors: list[Factor] | None = None,
    n: int = 500,
    seed: int = 0,
    *,
    replay: str | Path | np.ndarray | None = None,
    period: int | None = None,
    top_k: Sequence[int] = (3, 10),
    batch_size: int = 2048,
    scheduler: Any = None,
    progress: Callable[[int], None] | None = None,
    engine=None,
    naive: bool = False,
) -> UncertaintyResult:
    """Uncertainty analysis of ``dataset`` under ``spec`` with ``factors``.

    ``n`` replications drawn with ``seed`` (:func:`random_sample`), or exactly the
    replications of ``replay`` (a samples CSV path or an ``(N, d)`` array). ``scheduler``:
    run the batches on a Dask cluster (same numbers as locally). ``engine``: a prepared
    :class:`~citynexus.evaluate.robustness.vectorised.Engine` (then ``dataset``, ``spec``
    and ``factors`` are not needed). ``naive``: rebuild once per replication instead (the
    slow reference path)."""
    eng = _engine(dataset, spec, factors or [], period, engine)
    if replay is None:
        values = random_sample(eng.factors, n, seed)
        source = {"design": "monte carlo", "seed": seed}
    elif isinstance(replay, str | Path):
        values = read_samples(replay, eng.factors)
        source = {"design": "replay", "file": str(replay)}
    else:
        values = eng.check_values(replay)
        source = {"design": "given"}
    if naive:
        from citynexus.evaluate.robustness.oracle import naive_evaluate

        scores, ranks = naive_evaluate(eng, values, progress)
    else:
        scores, ranks = run_batches(eng, values, batch_size, scheduler, progress)
    return UncertaintyResult(
        units=list(eng.units),
        factors=list(eng.factors),
        samples=samples_frame(values, eng.factors),
        scores=scores,
        ranks=ranks,
        nominal_scores=eng.nominal_scores,
        nominal_ranks=eng.nominal_ranks,
        top_k=list(top_k),
        index_code=eng.top,
        meta=source,
    )
