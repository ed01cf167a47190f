"""Datasets, index results, re-ranking and rank bounds for every face, cached by the content
digest of the dataset (and spec), so repeated requests do not rebuild anything."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from citynexus.data import Dataset
from citynexus.errors import CityNexusError
from citynexus.evaluate import IndexResult, IndexSpec, build
from citynexus.evaluate.aggregate import aggregate_array
from citynexus.services.cache import LRU
from citynexus.store.datasets import resolve

_datasets = LRU(16)
_results = LRU(64)
_analyses = LRU(8)


def spec_for(ds: Dataset) -> IndexSpec:
    """The default spec of a dataset (:func:`citynexus.evaluate.spec.spec_for_dataset`)."""
    from citynexus.evaluate.spec import spec_for_dataset

    return spec_for_dataset(ds)


def digest_of(ds: Dataset) -> str:
    """The dataset's content digest, computed once per loaded object."""
    d = getattr(ds, "_cnx_digest", None)
    if d is None:
        d = ds.digest()
        object.__setattr__(ds, "_cnx_digest", d)
    return d


def dataset(engine: Engine | None, name: str) -> Dataset:
    """A bundled or stored dataset, loaded once per content digest (a stored dataset is
    re-read only when its stored digest changes)."""
    from citynexus.data.bundled import available, load

    if name in available():
        return _datasets.get(("bundled", name), lambda: _with_digest(load(name)))
    from sqlalchemy import select

    from citynexus.store import session_scope
    from citynexus.store.app import StoredDataset

    if engine is not None:
        with session_scope(engine) as s:
            dig = s.scalar(select(StoredDataset.digest).where(StoredDataset.name == name))
        if dig is not None:
            return _datasets.get((name, dig), lambda: _with_digest(resolve(engine, name), dig))
    return resolve(engine, name)  # raises DatasetNotFoundError with the message


def _with_digest(ds: Dataset, digest: str | None = None) -> Dataset:
    object.__setattr__(ds, "_cnx_digest", digest or ds.digest())
    return ds


def result(ds: Dataset, spec: IndexSpec | None = None, period: int | None = None) -> IndexResult:
    spec = spec or spec_for(ds)
    period = period or ds.periods[-1]
    key = (digest_of(ds), spec.digest(), period)
    return _results.get(key, lambda: build(ds, spec, period=period))


def analysis(ds: Dataset):
    """The full cluster analysis (report/analysis.py) of a dataset with its default spec."""
    from citynexus.services.analysis import analyse

    spec = spec_for(ds)
    key = (digest_of(ds), spec.digest())
    return _analyses.get(key, lambda: analyse(ds, spec))


@dataclass
class Rerank:
    ranking: pd.DataFrame
    weights: dict[str, float]


@dataclass
class _RerankBase:
    units: list[str]
    names: list[str]
    names_zh: list[str]
    children: list[str]
    x: np.ndarray
    method: str
    params: dict


_bases = LRU(64)


def _base(res: IndexResult, ds: Dataset) -> _RerankBase:
    def make() -> _RerankBase:
        top = res.index_code
        children = ds.children(top)
        level = int(ds.indicators.set_index("code").at[top, "level"])
        cfg = dict(res.spec.aggregate_for(top, level))
        names = ds.units.set_index("code").reindex(res.scores.index)
        return _RerankBase(
            units=list(res.scores.index),
            names=names["name"].tolist(),
            names_zh=names["name_zh"].tolist(),
            children=children,
            x=res.scores[children].to_numpy(dtype=float),
            method=cfg.pop("method", "arithmetic"),
            params=cfg,
        )

    return _bases.get((digest_of(ds), res.spec.digest(), res.period), make)


def rerank_records(res: IndexResult, weights: dict[str, float], ds: Dataset) -> tuple[list[dict], dict[str, float]]:
    """Re-aggregate the top index from its children's scores with new weights (the spec's
    top-level aggregation method) and rank (1 = best, ties take the minimum rank). Weights
    are relative: rescaled to sum to 1. Returns ranking records and the weights used."""
    b = _base(res, ds)
    unknown = [k for k in weights if k not in b.children]
    if unknown:
        raise CityNexusError(
            f"unknown weight {unknown[0]!r}: the children of {res.index_code} are {', '.join(b.children)}"
        )
    w = np.array([float(weights.get(c, 0.0)) for c in b.children])
    if not np.isfinite(w).all() or (w < 0).any():
        raise CityNexusError("weights must be finite and >= 0")
    if w.sum() <= 0:
        raise CityNexusError("at least one weight must be positive")
    w = w / w.sum()
    score = aggregate_array(b.method, b.x, w, units=b.units, children=b.children, **b.params)
    if np.isinf(score).any() or (np.isnan(score) & ~np.isnan(b.x).all(axis=1)).any():
        raise CityNexusError("these weights overflow the arithmetic: give relative weights of a moderate size")
    key = np.where(np.isnan(score), -np.inf, score)
    order = np.argsort(-key, kind="stable")
    # rank = 1 + number of strictly better scores
    sorted_desc = np.sort(key)[::-1]
    ranks = 1 + np.searchsorted(-sorted_desc, -key, side="left")
    recs = [
        {
            "unit": b.units[i],
            "name": b.names[i],
            "name_zh": b.names_zh[i],
            "score": None if np.isnan(score[i]) else float(score[i]),
            "rank": int(ranks[i]),
        }
        for i in order
    ]
    return recs, dict(zip(b.children, w.tolist()))


def rerank(res: IndexResult, weights: dict[str, float], ds: Dataset) -> Rerank:
    """:func:`rerank_records` as a DataFrame indexed by unit."""
    recs, used = rerank_records(res, weights, ds)
    df = pd.DataFrame(recs).set_index("unit")
    df["rank"] = df["rank"].astype("Int64")
    return Rerank(df, used)


_bounds = LRU(32)


def rank_bounds(ds: Dataset, res: IndexResult) -> pd.DataFrame | None:
    """Best and worst rank of every unit over all weights of the top index's children
    (exact MILP; cached), indexed by unit with columns ``best``, ``worst``, ``exact``; None
    when the top aggregation is not linear in the weights."""
    from citynexus.evaluate.robustness import RobustnessError, rank_ranges_for

    def make():
        try:
            rr = rank_ranges_for(res)
        except RobustnessError:
            return None
        t = rr.table.set_index("unit")
        return pd.DataFrame(
            {"best": t["best_rank"].astype(int), "worst": t["worst_rank"].astype(int), "exact": t["exact"]}
        )

    return _bounds.get((digest_of(ds), res.spec.digest(), res.period), make)
