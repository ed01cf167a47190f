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
    return _ranking(b, score), dict(zip(b.children, w.tolist()))


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


# ---------------------------------------------------------------------------- weights below the top
@dataclass
class _TreeBase:
    """What re-aggregating from the normalised indicators needs, built once per
    dataset/spec/period: the aggregation order, each parent's children (as the build used
    them), their default weights, the aggregation method and the default ranks."""

    units: list[str]
    names: list[str]
    names_zh: list[str]
    top: str
    order: list[str]
    kids: dict[str, list[str]]
    default: dict[str, np.ndarray]
    methods: dict[str, tuple[str, dict]]
    columns: dict[str, np.ndarray]
    default_rank: np.ndarray


_trees = LRU(64)


def _tree(res: IndexResult, ds: Dataset) -> _TreeBase:
    def make() -> _TreeBase:
        fw = res.framework
        wt = res.weights
        order = [p for p in fw.aggregation_order() if (wt["parent"] == p).any()]
        kids, default, methods = {}, {}, {}
        for p in order:
            rows = wt[wt["parent"] == p]
            kids[p] = rows["code"].tolist()
            default[p] = rows["weight"].to_numpy(dtype=float)
            cfg = dict(res.spec.aggregate_for(p, fw.level[p]))
            method = cfg.pop("method")
            params = {"p": float(cfg.pop("p", 1.0)), "min_share": float(cfg.pop("min_share", 0.0)), **cfg}
            methods[p] = (method, params)
        norm = res.normalised
        names = ds.units.set_index("code").reindex(norm.index)
        top = res.index_code
        return _TreeBase(
            units=list(norm.index),
            names=names["name"].tolist(),
            names_zh=names["name_zh"].tolist(),
            top=top,
            order=order,
            kids=kids,
            default=default,
            methods=methods,
            columns={c: norm[c].to_numpy(dtype=float, na_value=np.nan) for c in norm.columns},
            default_rank=res.ranks[top].reindex(norm.index).astype("Float64").to_numpy(dtype=float, na_value=np.nan),
        )

    return _trees.get((digest_of(ds), res.spec.digest(), res.period), make)


def _ranks(score: np.ndarray) -> np.ndarray:
    """1 + the number of strictly better scores (a missing score ranks last)."""
    key = np.where(np.isnan(score), -np.inf, score)
    sorted_desc = np.sort(key)[::-1]
    return 1 + np.searchsorted(-sorted_desc, -key, side="left")


def _order(score: np.ndarray) -> np.ndarray:
    """Unit positions best first (stable: ties keep the dataset's order; missing scores last)."""
    return np.argsort(-np.where(np.isnan(score), -np.inf, score), kind="stable")


def _ranking(b: _RerankBase | _TreeBase, score: np.ndarray) -> list[dict]:
    """Ranking records ``{unit, name, name_zh, score, rank}`` of ``b``'s units, best first
    (competition ranks: 1 + the number of strictly better scores)."""
    ranks = _ranks(score)
    return [
        {
            "unit": b.units[i],
            "name": b.names[i],
            "name_zh": b.names_zh[i],
            "score": None if np.isnan(score[i]) else float(score[i]),
            "rank": int(ranks[i]),
        }
        for i in _order(score)
    ]


def rerank_tree(res: IndexResult, weights: dict[str, float], ds: Dataset) -> dict:
    """Re-aggregate the whole tree from the normalised indicators with new weights on any
    level (pillars and indicators) and rank.

    ``weights``: relative weights by code. A parent with at least one child named takes the
    given weights for its children (a child not named weighs 0), rescaled to sum to 1; a
    parent with no child named keeps the weights of ``res``. The same numbers as
    :func:`citynexus.evaluate.build` with those weights given in the spec
    (``[weights.parent.P] method = "given", values = {...}``); each parent's aggregation is
    one vectorised call over all units, and the inputs are cached per dataset/spec/period.

    Returns ``{"ranking": [...], "weights": {code: share within parent, for the parents
    given}, "effective": {code: product of the shares up to the top}}``; ranking records
    carry ``unit, name, name_zh, score, rank, default_rank, change`` (``change`` > 0: moved
    up that many places against the default weights)."""
    b = _tree(res, ds)
    parent_of = {c: p for p, cs in b.kids.items() for c in cs}
    unknown = [k for k in weights if k not in parent_of]
    if unknown:
        raise CityNexusError(
            f"unknown weight {unknown[0]!r}: weights name the children of {b.top} "
            f"({', '.join(b.kids.get(b.top, []))}) or of its aggregates"
        )
    shares: dict[str, np.ndarray] = {}
    for p in b.order:
        if not any(c in weights for c in b.kids[p]):
            continue
        w = np.array([float(weights.get(c, 0.0)) for c in b.kids[p]])
        if not np.isfinite(w).all() or (w < 0).any():
            raise CityNexusError("weights must be finite and >= 0")
        if w.sum() <= 0:
            raise CityNexusError(f"at least one weight must be positive (children of {p})")
        shares[p] = w / w.sum()
    cols = dict(b.columns)
    used = {p: shares.get(p, b.default[p]) for p in b.order}
    for p in b.order:
        method, params = b.methods[p]
        x = np.column_stack([cols[c] for c in b.kids[p]])
        cols[p] = aggregate_array(method, x, used[p], units=b.units, children=b.kids[p], **params)
    score = cols[b.top]
    if np.isinf(score).any():
        raise CityNexusError("these weights overflow the arithmetic: give relative weights of a moderate size")
    effective: dict[str, float] = {}

    def walk(p: str, share: float) -> None:
        for c, w in zip(b.kids.get(p, []), used.get(p, [])):
            effective[c] = share * float(w)
            walk(c, effective[c])

    walk(b.top, 1.0)
    recs = _ranking(b, score)
    for r, i in zip(recs, _order(score)):
        d = None if np.isnan(b.default_rank[i]) else int(b.default_rank[i])
        r["default_rank"], r["change"] = d, None if d is None else d - r["rank"]
    given = {c: float(w) for p, ws in shares.items() for c, w in zip(b.kids[p], ws)}
    return {"ranking": recs, "weights": given, "effective": effective}


def tree_weights(res: IndexResult) -> list[dict]:
    """The default weights of every parent of ``res``: ``[{"parent", "children": [{"code",
    "weight" (within the parent), "effective"}]}]`` in aggregation order, top first."""
    wt = res.weights
    out = []
    for p in dict.fromkeys(wt["parent"]):
        rows = wt[wt["parent"] == p]
        out.append(
            {
                "parent": p,
                "children": [
                    {"code": r["code"], "weight": float(r["weight"]), "effective": float(r["effective"])}
                    for _, r in rows.iterrows()
                ],
            }
        )
    top = res.index_code
    out.sort(key=lambda g: g["parent"] != top)
    return out
