"""The vectorised evaluation of many replications (a batch axis instead of rebuilding).

For a batch of replications (rows of sample values, one column per factor):

1. replications are grouped by the values of their non-weight factors (everything but
   ``weights_noise`` / ``weights_sets``); each group shares one spec;
2. the data stages are computed once per distinct upstream variant and cached by the
   factor values that affect them, at three depths: *prepared* (denominate, screen,
   impute, exclusion), *treated* (+ outlier treatment), *normalised* (+ normalisation);
3. the framework is aggregated level by level for the whole group at once: with
   children shared by the group (e.g. normalised indicators) and one weight vector per
   replication, the weighted mean of every unit in every replication is one matrix
   product :math:`Y = T(X) W^\\top` (:math:`T` = identity for the arithmetic mean,
   :math:`\\ln` for the geometric, :math:`1/x` for the harmonic, :math:`x^p` for the
   generalised mean, inverted afterwards); missing children are skipped and the weights
   rescaled per unit exactly as :func:`citynexus.evaluate.aggregate.arithmetic` does:
   :math:`y_{ib} = \\frac{\\sum_j T(x_{ij}) w_{bj} [x_{ij}\\ \\text{observed}]}{\\sum_j w_{bj}
   [x_{ij}\\ \\text{observed}]}`, i.e. a second product :math:`O W^\\top` with the 0/1
   matrix of observed cells. Children that already differ between replications use a
   batched product (``einsum``);
4. the top index of the whole batch is ranked with one sort (ties take the minimum rank,
   as :func:`citynexus.evaluate.build`).

The result equals one :func:`citynexus.evaluate.build` per replication (see
:func:`citynexus.evaluate.robustness.oracle.naive_evaluate`, kept as the test oracle) up
to floating-point rounding (~1e-13). Data-driven weights on children that differ between
replications and the MCDA aggregations (TOPSIS, VIKOR, GRA) fall back to a loop over the
replications of the group: correct, only slower.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from citynexus.evaluate import aggregate as agg
from citynexus.evaluate.errors import EvaluationError, IndexSpecError
from citynexus.evaluate.impute import PANEL_METHODS
from citynexus.evaluate.pipeline import build, group_weights, prepare
from citynexus.evaluate.robustness.errors import RobustnessError, RobustnessSpecError
from citynexus.evaluate.robustness.factors import (
    FACTOR_STAGES,
    ChoiceFactor,
    Factor,
    WeightSetsFactor,
    WeightsNoiseFactor,
    apply_factors,
    fit_weights_to_present,
    resolve_factors,
)
from citynexus.evaluate.stages import PREPARE_STAGES, STAGES, StageContext, run_data_stages

if TYPE_CHECKING:
    from citynexus.evaluate.spec import IndexSpec

_MEANS = ("arithmetic", "geometric", "harmonic", "generalised")


def rank_batch(scores: np.ndarray) -> np.ndarray:
    """Descending competition ranks along the last axis (1 = highest, ties take the
    minimum rank, NaN stays NaN) for every row of a ``(B, n)`` array, with one sort.

    :math:`r_{bi} = 1 + \\#\\{k : s_{bk} > s_{bi}\\}`."""
    s = np.asarray(scores, dtype=float)
    s2 = np.atleast_2d(s)
    nan = np.isnan(s2)
    v = np.where(nan, np.inf, -s2)
    order = np.argsort(v, axis=1, kind="stable")
    sv = np.take_along_axis(v, order, axis=1)
    n = s2.shape[1]
    new = np.ones_like(sv, dtype=bool)
    new[:, 1:] = sv[:, 1:] != sv[:, :-1]
    first = np.maximum.accumulate(np.where(new, np.arange(n), 0), axis=1)
    r = np.empty_like(s2)
    np.put_along_axis(r, order, first + 1.0, axis=1)
    r[nan] = np.nan
    return r.reshape(s.shape)


def present_codes(fw, columns) -> set[str]:
    """Indicators present in a variant plus every aggregate with at least one present
    child (as :func:`citynexus.evaluate.aggregate_tree` computes them)."""
    present = set(columns)
    for p in fw.aggregation_order():
        if any(c in present for c in fw.children.get(p, [])):
            present.add(p)
    return present


def _weighted_means(method: str, p: float, X: np.ndarray, W: np.ndarray, min_share: float) -> np.ndarray:
    """Batched weighted means with skipped missing children. ``X``: ``(n, k)`` shared or
    ``(B, n, k)``; ``W``: ``(B, k)``. Returns ``(B, n)``."""
    if method == "generalised":
        method = "geometric" if p == 0 else "arithmetic" if p == 1 else method
    obs = ~np.isnan(X)
    safe = np.where(obs, X, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "arithmetic":
            T = np.where(obs, X, 0.0)
        elif method == "geometric":
            T = np.where(obs, np.log(safe), 0.0)
        elif method == "harmonic":
            T = np.where(obs, 1.0 / safe, 0.0)
        else:
            T = np.where(obs, safe**p, 0.0)
    O = obs.astype(float)
    if X.ndim == 2:
        num = (T @ W.T).T
        den = (O @ W.T).T
    else:
        num = np.einsum("bnk,bk->bn", T, W)
        den = np.einsum("bnk,bk->bn", O, W)
    share = obs.mean(axis=-1) if X.shape[-1] else np.zeros(X.shape[:-1])
    dead = (den == 0) | (share < min_share - 1e-12)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        m = num / den
        if method == "arithmetic":
            y = m
        elif method == "geometric":
            y = np.exp(m)
        elif method == "harmonic":
            y = den / num
        else:
            y = m ** (1.0 / p)
    return np.where(dead, np.nan, y)


def _check_positive(method: str, p: float, X: np.ndarray, units, kids) -> None:
    if method == "arithmetic" or (method == "generalised" and p == 1):
        return
    bad = ~np.isnan(X) & (X <= 0)
    if bad.any():
        idx = np.argwhere(bad)[0]
        i, j = int(idx[-2]), int(idx[-1])
        what = {"geometric": "the geometric mean", "harmonic": "the harmonic mean"}.get(
            method, f"the generalised mean with p = {p:g}"
        )
        raise EvaluationError(
            f"{what} needs positive values: unit {units[i]}, {kids[j]} has value {X[tuple(idx)]:g}; "
            "normalise onto a positive range, e.g. min-max 1-100 (normalise.range = [1, 100])"
        )


@dataclasses.dataclass
class _Variant:
    normalised: pd.DataFrame
    extra: dict[str, pd.DataFrame]
    present: set[str]
    positions: np.ndarray  # positions of the variant's units among all units


class Engine:
    """Everything a robustness run needs, prepared once: the checked inputs of one period,
    the nominal result, the factors resolved against the framework and the weight tables
    of weight factors; plus the caches of upstream variants.

    ``evaluate(values)`` computes a batch of replications; ``naive(values)`` does the same
    by rebuilding the index once per replication (the oracle)."""

    def __init__(self, dataset, spec: IndexSpec, factors: list[Factor], period: int | None = None):
        self.spec = spec
        self.inputs = prepare(dataset, spec, period)
        fw = self.framework = self.inputs.framework
        self.factors = resolve_factors(list(factors), list(fw.indicators))
        if any(
            isinstance(f, ChoiceFactor) and any(v in PANEL_METHODS for v in self._option_values(f, "impute.method"))
            for f in self.factors
        ) and (self.inputs.panel is None):
            self.inputs = dataclasses.replace(self.inputs, panel=self.inputs.dataset.panel())
        self.nominal = build(dataset, spec, period)
        self.top = fw.top
        self.units: list[str] = [str(u) for u in self.inputs.raw.index]
        self.nominal_scores = self.nominal.scores[self.top].reindex(self.inputs.raw.index).to_numpy(dtype=float)
        self.nominal_ranks = rank_batch(self.nominal_scores[None, :])[0]
        self.weight_tables: dict[int, dict[str, np.ndarray]] = {}
        owner: dict[str, str] = {}
        for i, f in enumerate(self.factors):
            if isinstance(f, WeightsNoiseFactor | WeightSetsFactor):
                tabs = f.tables(fw, self.nominal.weights)
                for p in tabs:
                    if p in owner:
                        raise RobustnessSpecError(
                            f"factors {owner[p]!r} and {f.name!r} both set the weights of the children of {p}; "
                            "let each parent's weights come from one factor"
                        )
                    owner[p] = f.name
                self.weight_tables[i] = tabs
        self.stage_of = [f.stage for f in self.factors]
        self._cache: dict[tuple, Any] = {}

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _option_values(f: ChoiceFactor, path: str) -> list[Any]:
        return [v for i in range(f.n_options) for p, v in f.changes(i).items() if p == path]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.factors]

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    def clear_cache(self) -> None:
        self._cache.clear()

    def _key(self, row: np.ndarray, upto: str) -> tuple:
        k = FACTOR_STAGES.index(upto)
        return (upto, *tuple(float(v) for v, s in zip(row, self.stage_of) if FACTOR_STAGES.index(s) <= k))

    def describe(self, row) -> str:
        """``name=label, ...`` of one replication (for messages)."""
        return ", ".join(f"{f.name}={f.label(v)}" for f, v in zip(self.factors, row))

    def check_values(self, values) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        if v.ndim != 2 or v.shape[1] != len(self.factors):
            raise RobustnessSpecError(
                f"sample values must be a table with one column per factor ({len(self.factors)}), got shape {v.shape}"
            )
        for j, f in enumerate(self.factors):
            v[:, j] = f.check(v[:, j], "samples")
        return v

    # ------------------------------------------------------------------ upstream variants
    def _context(self, spec_g: IndexSpec, raw: pd.DataFrame) -> StageContext:
        inp = self.inputs
        return StageContext(
            self.framework, spec_g, inp.denominators, inp.groups, inp.panel, inp.period, list(raw.columns)
        )

    def _prepared(self, row, spec_g: IndexSpec, excluded: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Denominated, screened and imputed table of the variant (and its raw table)."""
        key = self._key(row, "prepare")
        hit = self._cache.get(key)
        if hit is None:
            raw = self.inputs.raw.drop(columns=excluded)
            pre, _, _, _ = run_data_stages(raw, self._context(spec_g, raw), PREPARE_STAGES)
            hit = self._cache[key] = (pre, raw.copy())
        return hit

    def _treated(self, row, spec_g, excluded) -> tuple[pd.DataFrame, pd.DataFrame]:
        key = self._key(row, "treat")
        hit = self._cache.get(key)
        if hit is None:
            pre, raw = self._prepared(row, spec_g, excluded)
            x = STAGES["treat"](pre, spec_g.treat, self._context(spec_g, raw)).table
            hit = self._cache[key] = (x, raw)
        return hit

    def variant(self, row, spec_g: IndexSpec | None = None, excluded: list[str] | None = None) -> _Variant:
        """The normalised table (and weight sources) of the upstream variant of ``row``."""
        key = self._key(row, "normalise")
        hit = self._cache.get(key)
        if hit is None:
            if spec_g is None:
                spec_g, excluded = apply_factors(self.spec, self.factors, row)
            x, raw = self._treated(row, spec_g, excluded or [])
            y = STAGES["normalise"](x, spec_g.normalise, self._context(spec_g, raw)).table
            pos = self.inputs.raw.index.get_indexer(y.index)
            hit = self._cache[key] = _Variant(
                y, {"treated": x, "raw": raw.loc[x.index]}, present_codes(self.framework, y.columns), pos
            )
        return hit

    # ------------------------------------------------------------------ weights per replication
    def override_weights(self, rows: np.ndarray, present: set[str]) -> dict[str, np.ndarray]:
        """``parent -> (B, k)`` weights over the present children of each parent whose
        weights a weight factor sets (rescaled to sum to 1 over the present children)."""
        fw = self.framework
        out: dict[str, np.ndarray] = {}
        for i, tabs in self.weight_tables.items():
            idx = rows[:, i].astype(int)
            for p, tab in tabs.items():
                if p not in present:
                    continue
                cols = [j for j, c in enumerate(fw.children[p]) if c in present]
                W = tab[np.ix_(idx, cols)]
                s = W.sum(axis=1, keepdims=True)
                if np.any(s == 0):
                    b = int(np.argmax(s[:, 0] == 0))
                    raise RobustnessError(
                        f"replication with {self.describe(rows[b])}: the weights of the remaining children of {p} "
                        "sum to 0; give them positive weights"
                    )
                W1 = W / s
                out[p] = W1 / W1.sum(axis=1, keepdims=True)
        return out

    # ------------------------------------------------------------------ aggregation of a group
    def _group_weights(
        self, p: str, kids: list[str], X: np.ndarray, is_batch: bool, spec_g: IndexSpec, v: _Variant
    ) -> np.ndarray:
        """Weights of ``kids`` under ``p`` as the spec computes them: one vector ``(k,)``
        when they do not depend on the replication, else ``(B, k)`` (data-driven weights
        on children that differ between replications)."""
        fw = self.framework
        units = list(v.normalised.index)
        wmethod = spec_g.weights_for(p, min(fw.level[c] for c in kids))["method"]
        if not is_batch or wmethod in ("given", "ahp") or len(kids) == 1:
            X0 = X[0] if is_batch else X
            w, _ = group_weights(p, kids, pd.DataFrame(X0, index=units, columns=kids), fw, spec_g, v.extra)
            return np.asarray(w, dtype=float)
        return np.array(
            [
                group_weights(p, kids, pd.DataFrame(X[b], index=units, columns=kids), fw, spec_g, v.extra)[0]
                for b in range(X.shape[0])
            ]
        )

    @staticmethod
    def _group_scores(method: str, cfg: dict, X: np.ndarray, W: np.ndarray, B: int, units, kids) -> np.ndarray:
        """The aggregate of one parent: ``(n,)`` when neither the children nor the weights
        vary, else ``(B, n)`` (means as matrix products, MCDA per replication)."""
        pp = float(cfg.pop("p", 1.0))
        ms = float(cfg.pop("min_share", 0.0))
        is_batch = X.ndim == 3
        if W.ndim == 1 and not is_batch:
            return agg.aggregate_array(method, X, W, p=pp, min_share=ms, units=units, children=kids, **cfg)
        Wb = np.broadcast_to(W, (B, len(kids))) if W.ndim == 1 else W
        if method in _MEANS:
            _check_positive(method, pp, X, units, kids)
            return _weighted_means(method, pp, X, Wb, ms)
        Xb = X if is_batch else np.broadcast_to(X, (B, *X.shape))
        return np.array(
            [
                agg.aggregate_array(method, Xb[b], Wb[b], p=pp, min_share=ms, units=units, children=kids, **cfg)
                for b in range(B)
            ]
        )

    def _aggregate_group(self, v: _Variant, spec_g: IndexSpec, rows: np.ndarray) -> np.ndarray:
        """Top-index scores ``(B, n)`` of a group of replications sharing one upstream
        variant: level by level, children shared by the group stay ``(n,)`` vectors."""
        fw = self.framework
        B = rows.shape[0]
        norm = v.normalised
        units = list(norm.index)
        over = self.override_weights(rows, v.present)
        shared: dict[str, np.ndarray] = {c: norm[c].to_numpy(dtype=float, na_value=np.nan) for c in norm.columns}
        batch: dict[str, np.ndarray] = {}
        for p in fw.aggregation_order():
            kids = [c for c in fw.children.get(p, []) if c in shared or c in batch]
            if not kids:
                continue
            lvl = fw.level[p]
            cfg = spec_g.aggregate_for(p, lvl)
            method = cfg.pop("method")
            is_batch = any(c in batch for c in kids)
            if is_batch:
                X = np.stack(
                    [batch[c] if c in batch else np.broadcast_to(shared[c], (B, len(units))) for c in kids], -1
                )
            else:
                X = np.column_stack([shared[c] for c in kids])
            try:
                W = over[p] if p in over else self._group_weights(p, kids, X, is_batch, spec_g, v)
                y = self._group_scores(method, cfg, X, W, B, units, kids)
            except EvaluationError as err:
                raise EvaluationError(f"aggregating {p} (level {lvl}, {method}): {err}") from None
            if y.ndim == 1:
                shared[p] = y
            else:
                batch[p] = y
        top = self.top
        if top in batch:
            return batch[top]
        if top in shared:
            return np.broadcast_to(shared[top], (B, len(units)))
        return np.full((B, len(units)), np.nan)

    # ------------------------------------------------------------------ public
    def evaluate(self, values) -> tuple[np.ndarray, np.ndarray]:
        """Scores and ranks of the top index, each ``(B, n_units)`` (units in
        :attr:`units` order; NaN for units screened out of a replication), for a batch of
        sample values ``(B, n_factors)``."""
        rows = self.check_values(values)
        B, n = rows.shape[0], len(self.units)
        scores = np.full((B, n), np.nan)
        nonw = [j for j, s in enumerate(self.stage_of) if s != "weights"]
        if B == 0:
            return scores, scores.copy()
        if nonw:
            _, inv = np.unique(rows[:, nonw], axis=0, return_inverse=True)
            inv = np.asarray(inv).reshape(-1)
        else:
            inv = np.zeros(B, dtype=int)
        for g in range(int(inv.max()) + 1):
            idx = np.flatnonzero(inv == g)
            row0 = rows[idx[0]]
            try:
                spec_g, excluded = apply_factors(self.spec, self.factors, row0)
                v = self.variant(row0, spec_g, excluded)
                spec_g = fit_weights_to_present(spec_g, self.framework, v.present)
                top = self._aggregate_group(v, spec_g, rows[idx])
            except (EvaluationError, IndexSpecError) as err:
                raise RobustnessError(f"replications with {self.describe(row0)}: {err}") from None
            scores[np.ix_(idx, v.positions)] = top
        return scores, rank_batch(scores)

    def naive(self, values) -> tuple[np.ndarray, np.ndarray]:
        """The oracle: one full pipeline per replication (see :mod:`.oracle`)."""
        from citynexus.evaluate.robustness.oracle import naive_evaluate

        return naive_evaluate(self, values)
