"""Shared computations of the API and the dashboard, cached by the content digest of the
dataset (and spec), so repeated requests do not rebuild anything."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from citynexus.data import Dataset
from citynexus.errors import CityNexusError
from citynexus.evaluate import IndexResult, IndexSpec, build, default_spec
from citynexus.evaluate.aggregate import aggregate_array
from citynexus.store.datasets import resolve


class _LRU:
    def __init__(self, size: int = 32):
        self.size = size
        self.data: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, make):
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        value = make()
        with self.lock:
            self.data[key] = value
            while len(self.data) > self.size:
                self.data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.data.clear()


_datasets = _LRU(16)
_results = _LRU(64)
_analyses = _LRU(8)


def spec_for(ds: Dataset) -> IndexSpec:
    """The default spec of a dataset: the bundled spec for ``gba``, otherwise the generic
    default (min-max 0-100, weights from the framework, arithmetic means)."""
    if ds.name == "gba":
        return default_spec("gba")
    return IndexSpec(name=f"{ds.name} index")


def dataset(engine: Engine | None, name: str) -> Dataset:
    return resolve(engine, name)


def result(ds: Dataset, spec: IndexSpec | None = None, period: int | None = None) -> IndexResult:
    spec = spec or spec_for(ds)
    period = period or ds.periods[-1]
    key = (ds.digest(), spec.digest(), period)
    return _results.get(key, lambda: build(ds, spec, period=period))


def analysis(ds: Dataset):
    """The full cluster analysis (report/analysis.py) of a dataset with its default spec."""
    from citynexus.report.analysis import analyse

    spec = spec_for(ds)
    key = (ds.digest(), spec.digest())
    return _analyses.get(key, lambda: analyse(ds, spec))


@dataclass
class Rerank:
    ranking: pd.DataFrame
    weights: dict[str, float]


def rerank(res: IndexResult, weights: dict[str, float], ds: Dataset) -> Rerank:
    """Re-aggregate the top index from its children's scores with new weights (the spec's
    top-level aggregation method), and rank. Weights are relative (rescaled to sum to 1)."""
    top = res.index_code
    children = ds.children(top)
    unknown = [k for k in weights if k not in children]
    if unknown:
        raise CityNexusError(f"unknown weight {unknown[0]!r}: the children of {top} are {', '.join(children)}")
    w = np.array([float(weights.get(c, 0.0)) for c in children])
    if (w < 0).any() or not np.isfinite(w).all():
        raise CityNexusError("weights must be finite and >= 0")
    if w.sum() <= 0:
        raise CityNexusError("at least one weight must be positive")
    w = w / w.sum()
    level = int(ds.indicators.set_index("code").at[top, "level"])
    cfg = res.spec.aggregate_for(top, level)
    x = res.scores[children].to_numpy(dtype=float)
    method = cfg.get("method", "arithmetic")
    params = {k: v for k, v in cfg.items() if k not in ("method",)}
    score = aggregate_array(method, x, w, units=list(res.scores.index), children=children, **params)
    s = pd.Series(score, index=res.scores.index, name="score")
    rank = s.rank(ascending=False, method="min").astype("Int64")
    names = ds.units.set_index("code")
    out = pd.DataFrame({"name": names["name"], "name_zh": names["name_zh"], "score": s, "rank": rank})
    out.index.name = "unit"
    return Rerank(out.sort_values("rank"), dict(zip(children, w.tolist())))


def clear_caches() -> None:
    for c in (_datasets, _results, _analyses):
        c.clear()
