"""Rank ranges under any weights (权重无关的名次区间): the best and worst rank each unit can reach.

For an aggregate computed as a weighted arithmetic mean of its children
(:math:`s_i(w) = \\sum_j w_j x_{ij}`), every weight vector in

.. math:: \\mathcal W = \\{w : \\textstyle\\sum_j w_j = 1,\\ l_j \\le w_j \\le u_j\\}

(default: the whole simplex, :math:`l = 0, u = 1`) gives a ranking. Unit *u*'s best rank
is :math:`1 + \\min_{w\\in\\mathcal W} \\#\\{i : s_i(w) > s_u(w)\\}` and its worst rank the
same with max. Both are mixed-integer linear programmes (one binary per rival):

.. math:: \\text{best: } \\min \\sum_i z_i \\ \\text{s.t.}\\ (x_i - x_u)^\\top w \\le M_i z_i,\\quad
   \\text{worst: } \\max \\sum_i y_i \\ \\text{s.t.}\\ (x_i - x_u)^\\top w \\ge 2\\delta - M_i (1 - y_i)

with big-M constants :math:`M_i` from the extreme values of :math:`(x_i - x_u)^\\top w` over
:math:`\\mathcal W` (a greedy solution of a fractional knapsack); rivals that are always or
never above are left out of the programme. Score differences within :math:`\\delta = 10^{-6}
\\max(1, \\max|x|)` count as ties (well above the solver's feasibility tolerance of 1e-7);
every reported rank is recomputed from the reported weights with that rule.

With one or two children the ranges are found exactly by a sweep over the roots of the
rivals' linear advantages (:func:`_sweep`). With more, the programmes are solved with HiGHS
through ``scipy.optimize.milp`` after a sampled estimate (often already at a proven
bound), each within ``time_limit`` seconds and all within ``time_budget``; the table
carries the ranks found and the proven bounds (``best_bound``, ``worst_bound``), equal
where the result is exact.

Beyond ``max_exact`` units (default 300) the ranges are estimated from random weight
vectors only (uniform on :math:`\\mathcal W` by rejection from a flat Dirichlet, the vertices
giving each child its largest and smallest weight, random mixtures of those vertices):
such ranges are *inner* approximations (the true best rank may be better and the worst
worse) and are labelled ``approximate``.

References: the rank robustness of composite indices over weights in Cherchye et al.
(2008), *JORS* 59(2), 239-251, and Foster, McGillivray & Seth (2013), *Econometric
Reviews* 32(1), 35-56; HiGHS: Huangfu & Hall (2018), *Math. Prog. Comp.* 10, 119-142.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from citynexus.evaluate.robustness.errors import RobustnessError, RobustnessSpecError


def _bounds(bounds, children: list[str]) -> tuple[np.ndarray, np.ndarray]:
    k = len(children)
    lo, hi = np.zeros(k), np.ones(k)
    if bounds is None:
        return lo, hi
    if isinstance(bounds, dict):
        unknown = [c for c in bounds if c not in children]
        if unknown:
            raise RobustnessSpecError(
                f"weight bounds name {unknown[0]!r}, which is not one of the children ({', '.join(children)})"
            )
        for j, c in enumerate(children):
            if c in bounds:
                lo[j], hi[j] = (float(v) for v in bounds[c])
    else:
        b = np.asarray(bounds, dtype=float)
        if b.shape != (k, 2):
            raise RobustnessSpecError(f"bounds must be a table of {k} (low, high) pairs, got shape {b.shape}")
        lo, hi = b[:, 0].copy(), b[:, 1].copy()
    if np.any(lo < 0) or np.any(hi < lo):
        raise RobustnessSpecError("every weight bound needs 0 <= low <= high")
    if lo.sum() > 1 + 1e-12 or hi.sum() < 1 - 1e-12:
        raise RobustnessSpecError(
            f"no weights satisfy the bounds: the lower bounds sum to {lo.sum():.4g} and the upper bounds to "
            f"{hi.sum():.4g}, but the weights must sum to 1"
        )
    return lo, hi


def _extremes(D: np.ndarray, lo: np.ndarray, hi: np.ndarray, maximise: bool) -> np.ndarray:
    """Row-wise max (or min) of D_i . w over {sum w = 1, lo <= w <= hi}: the greedy solution
    of a fractional knapsack (fill the largest coefficients first), vectorised over rows."""
    D = np.atleast_2d(D)
    order = np.argsort(-D if maximise else D, axis=1, kind="stable")
    caps = (hi - lo)[order]
    before = np.cumsum(caps, axis=1) - caps
    add = np.clip((1.0 - lo.sum()) - before, 0.0, caps)
    return D @ lo + np.sum(np.take_along_axis(D, order, axis=1) * add, axis=1)


def _rank_of(s: np.ndarray, u: int, delta: float) -> int:
    return int(1 + np.sum(s - s[u] > delta))


@dataclass
class RankRanges:
    """Best and worst rank per unit and the weights achieving them.

    ``table``: ``unit, nominal_rank, best_rank, worst_rank, exact`` (True when proved
    optimal by the MILP); ``best_weights`` / ``worst_weights``: units x children."""

    code: str
    children: list[str]
    table: pd.DataFrame
    best_weights: pd.DataFrame
    worst_weights: pd.DataFrame
    method: str
    approximate: bool
    delta: float
    bounds: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_csv(self, path) -> None:
        t = self.table.copy()
        t["method"] = self.method + (" (approximate)" if self.approximate else "")
        t.to_csv(path, index=False)


def rank_ranges(
    x: pd.DataFrame,
    bounds=None,
    *,
    nominal_ranks: pd.Series | None = None,
    method: str = "auto",
    max_exact: int = 300,
    n_samples: int = 20000,
    seed: int = 0,
    time_limit: float = 5.0,
    time_budget: float = 120.0,
    code: str = "",
) -> RankRanges:
    """Best and worst rank of every unit (rows of ``x``: units x children values) over
    all weight vectors within ``bounds`` (``{child: (low, high)}`` or a ``(k, 2)`` array;
    default the simplex). ``method``: ``milp`` (exact), ``sampling`` (approximate) or
    ``auto`` (exact up to ``max_exact`` units). See the module docstring.

    The table has ``best_rank`` / ``worst_rank`` (achieved by ``best_weights`` /
    ``worst_weights``) and, with the MILP, ``best_bound`` / ``worst_bound``: proven limits
    (no weighting gives a rank better than ``best_bound`` or worse than ``worst_bound``).
    ``exact`` is True where rank and bound meet on both sides. A programme that hits
    ``time_limit`` seconds, or units left when ``time_budget`` seconds are spent, keep the
    best ranks found and their proven bounds (``exact`` False)."""
    import time

    if method not in ("auto", "milp", "sampling"):
        raise RobustnessSpecError(f"method must be 'auto', 'milp' or 'sampling', got {method!r}")
    children = [str(c) for c in x.columns]
    if len(children) < 1 or len(x) < 1:
        raise RobustnessSpecError("rank ranges need at least one unit and one child")
    X = x.to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(X).any():
        i, j = np.argwhere(np.isnan(X))[0]
        raise RobustnessError(
            f"rank ranges need complete data: unit {x.index[i]} has no value for {children[j]}; impute it "
            "(impute.method) or leave the unit out"
        )
    lo, hi = _bounds(bounds, children)
    n = X.shape[0]
    delta = 1e-6 * max(1.0, float(np.abs(X).max()))
    use_milp = method == "milp" or (method == "auto" and n <= max_exact)
    # the sampled estimate first: achievable ranks (and weights) for every unit
    best, worst, bw, ww = _sampled(X, lo, hi, delta, n_samples if not use_milp else min(n_samples, 4000), seed)
    best_bound = np.full(n, np.nan)
    worst_bound = np.full(n, np.nan)
    if use_milp and X.shape[1] <= 2:
        best, worst, bw, ww = _sweep(X, lo, hi, delta)
        best_bound, worst_bound = best.astype(float), worst.astype(float)
    elif use_milp:
        t0 = time.perf_counter()
        for u in range(n):
            out_of_time = time.perf_counter() - t0 > time_budget
            r = _milp_unit(X, u, lo, hi, delta, time_limit, best[u], worst[u], skip=out_of_time)
            (rb, wb, bb), (rw, wwu, bw_) = r
            if rb is not None and rb < best[u]:
                best[u], bw[u] = rb, wb
            if rw is not None and rw > worst[u]:
                worst[u], ww[u] = rw, wwu
            best_bound[u], worst_bound[u] = bb, bw_
    units = [str(u) for u in x.index]
    table = pd.DataFrame({"unit": units})
    if nominal_ranks is not None:
        table["nominal_rank"] = nominal_ranks.reindex(x.index).to_numpy(dtype=float)
    table["best_rank"] = best
    table["worst_rank"] = worst
    if use_milp:
        table["best_bound"] = best_bound.astype(int)
        table["worst_bound"] = worst_bound.astype(int)
        table["exact"] = (best == best_bound) & (worst == worst_bound)
    else:
        table["exact"] = False
    sort = ["nominal_rank", "best_rank"] if nominal_ranks is not None else ["best_rank", "worst_rank"]
    table = table.sort_values(sort, kind="stable").reset_index(drop=True)
    if "nominal_rank" in table.columns:
        table["nominal_rank"] = table["nominal_rank"].astype("Int64")
    return RankRanges(
        code=code,
        children=children,
        table=table,
        best_weights=pd.DataFrame(bw, index=pd.Index(units, name="unit"), columns=children),
        worst_weights=pd.DataFrame(ww, index=pd.Index(units, name="unit"), columns=children),
        method="milp" if use_milp else "sampling",
        approximate=not bool(table["exact"].all()),
        delta=delta,
        bounds=pd.DataFrame({"child": children, "low": lo, "high": hi}),
    )


def _sweep(X, lo, hi, delta):
    """Exact ranges for one or two children: with w = (t, 1 - t) every rival's advantage
    d_i(t) = a_i + b_i t is linear, so the count of rivals above changes only near the roots
    of d_i(t) = delta. The best rank is reached at such a root or an end of the feasible
    interval of t, the worst inside an interval between consecutive roots: the ends, the
    roots (at levels 0, delta/2 and 2 delta, away from the tie threshold itself) and the
    midpoints between them are evaluated, in O(n) candidates per unit."""
    n, k = X.shape
    if k == 1:
        r = np.array([_rank_of(X[:, 0], u, delta) for u in range(n)])
        w = np.ones((n, 1))
        return r, r.copy(), w, w.copy()
    tl, th = max(lo[0], 1.0 - hi[1]), min(hi[0], 1.0 - lo[1])
    best = np.zeros(n, dtype=int)
    worst = np.zeros(n, dtype=int)
    bw = np.zeros((n, 2))
    ww = np.zeros((n, 2))
    for u in range(n):
        D = X - X[u]
        a, b = D[:, 1], D[:, 0] - D[:, 1]
        nz = b != 0
        # roots of d_i(t) = 0, delta / 2 and 2 delta (robustly tied / robustly above)
        roots = np.concatenate([(lev - a[nz]) / b[nz] for lev in (0.0, delta / 2, 2 * delta)])
        t = np.unique(np.concatenate([[tl, th], roots[(roots > tl) & (roots < th)]]))
        t = np.concatenate([t, (t[1:] + t[:-1]) / 2])
        W = np.column_stack([t, 1.0 - t])
        S = W @ X.T
        R = 1 + np.sum(S - S[:, [u]] > delta, axis=1)
        ib, iw = int(np.argmin(R)), int(np.argmax(R))
        bw[u], ww[u] = W[ib], W[iw]
        best[u], worst[u] = _rank_of(X @ W[ib], u, delta), _rank_of(X @ W[iw], u, delta)
    return best, worst, bw, ww


def _solve(c, A, lower, upper, lo, hi, m, time_limit):
    k = len(lo)
    cons = [LinearConstraint(np.hstack([np.ones((1, k)), np.zeros((1, m))]), 1.0, 1.0)]
    if m:
        cons.append(LinearConstraint(A, lower, upper))
    # disp = False keeps HiGHS's own log off (its output_flag), so nothing reaches stdout
    return milp(
        c,
        constraints=cons,
        integrality=np.concatenate([np.zeros(k), np.ones(m)]),
        bounds=Bounds(np.concatenate([lo, np.zeros(m)]), np.concatenate([hi, np.ones(m)])),
        options={"time_limit": float(time_limit), "disp": False},
    )


def _milp_unit(X, u, lo, hi, delta, time_limit, best_found, worst_found, skip=False):
    """((best rank or None, weights, proven best bound), (worst rank or None, weights,
    proven worst bound)) of unit ``u``; ``*_found``: ranks already achieved (sampling)."""
    n, k = X.shape
    rivals = np.array([i for i in range(n) if i != u], dtype=int)
    D = (X - X[u])[rivals]  # rivals' advantage per child
    dmin = _extremes(D, lo, hi, False)
    dmax = _extremes(D, lo, hi, True)
    # best: rivals above by more than delta whatever the weights count for sure
    best_lb = 1 + int(np.sum(dmin > delta))
    # worst: rivals that can be above by more than delta for some weights
    worst_ub = 1 + int(np.sum(dmax > delta))
    out = []
    # ---- best rank: min #{i : D_i w > 0}
    amb = (dmin <= 0) & (dmax > 0)
    if best_found <= best_lb or skip or not amb.any():
        out.append((None, None, best_lb))
    else:
        m = int(amb.sum())
        A = np.hstack([D[amb], -np.diag(dmax[amb])])  # D_i w - M_i z_i <= 0
        c = np.concatenate([np.zeros(k), np.ones(m)])
        res = _solve(c, A, -np.inf, 0.0, lo, hi, m, time_limit)
        rank = w = None
        if res.x is not None:
            w = np.clip(res.x[:k], lo, hi)
            w = w / w.sum()
            rank = _rank_of(X @ w, u, delta)
        fixed = int(np.sum(dmin > delta))
        dual = getattr(res, "mip_dual_bound", None)
        if res.status == 0 and res.fun is not None:
            dual = res.fun
        bound = (
            best_lb if dual is None or not np.isfinite(dual) else max(best_lb, 1 + fixed + int(np.ceil(dual - 1e-6)))
        )
        out.append((rank, w, bound))
    # ---- worst rank: max #{i : D_i w >= 2 delta}
    amb = (dmin < 2 * delta) & (dmax >= 2 * delta)
    if worst_found >= worst_ub or skip or not amb.any():
        out.append((None, None, worst_ub))
    else:
        m = int(amb.sum())
        M = 2 * delta - dmin[amb]
        A = np.hstack([D[amb], -np.diag(M)])  # D_i w + M_i (1 - y_i) >= 2 delta
        c = np.concatenate([np.zeros(k), -np.ones(m)])
        res = _solve(c, A, 2 * delta - M, np.inf, lo, hi, m, time_limit)
        rank = w = None
        if res.x is not None:
            w = np.clip(res.x[:k], lo, hi)
            w = w / w.sum()
            rank = _rank_of(X @ w, u, delta)
        fixed = int(np.sum(dmin >= 2 * delta))
        edge = int(np.sum((dmax > delta) & (dmax < 2 * delta)))
        dual = getattr(res, "mip_dual_bound", None)
        if res.status == 0 and res.fun is not None:
            dual = res.fun
        bound = (
            worst_ub
            if dual is None or not np.isfinite(dual)
            else min(worst_ub, 1 + fixed + edge + int(np.floor(-dual + 1e-6)))
        )
        out.append((rank, w, bound))
    return out[0], out[1]


def _ranks_with_ties(S: np.ndarray, delta: float) -> np.ndarray:
    """Rank of every column in every row of ``S`` (m, n): 1 + #{i : s_i - s_u > delta}."""
    srt = np.sort(S, axis=1)
    n = S.shape[1]
    out = np.empty(S.shape, dtype=np.int64)
    for r in range(S.shape[0]):
        out[r] = 1 + n - np.searchsorted(srt[r], S[r] + delta, side="right")
    return out


def _sampled(X, lo, hi, delta, n_samples, seed):
    """Ranks reached by sampled weights: the vertices giving each child its largest and its
    smallest feasible weight, uniform draws on the simplex kept when inside the bounds, and
    random convex combinations of the vertices (always feasible)."""
    n, k = X.shape
    rng = np.random.default_rng(seed)
    eye = np.eye(k)
    V = np.vstack(
        [
            _extremes_weights(eye, lo, hi, True),
            _extremes_weights(eye, lo, hi, False),
        ]
    )
    draws = rng.dirichlet(np.ones(k), size=n_samples)
    ok = np.all((draws >= lo - 1e-12) & (draws <= hi + 1e-12), axis=1)
    mix = rng.dirichlet(np.ones(len(V)), size=n_samples // 2) @ V
    W = np.vstack([V, draws[ok], mix])
    best = np.full(n, np.iinfo(np.int64).max)
    worst = np.zeros(n, dtype=np.int64)
    bw = np.zeros((n, k))
    ww = np.zeros((n, k))
    cols = np.arange(n)
    for start in range(0, len(W), 512):
        Wc = W[start : start + 512]
        R = _ranks_with_ties(Wc @ X.T, delta)
        ib = np.argmin(R, axis=0)
        iw = np.argmax(R, axis=0)
        rb, rw = R[ib, cols], R[iw, cols]
        better = rb < best
        best = np.where(better, rb, best)
        bw[better] = Wc[ib[better]]
        worse = rw > worst
        worst = np.where(worse, rw, worst)
        ww[worse] = Wc[iw[worse]]
    return best.astype(int), worst.astype(int), bw, ww


def _extremes_weights(C: np.ndarray, lo: np.ndarray, hi: np.ndarray, maximise: bool) -> np.ndarray:
    """The weights (one row per row of ``C``) maximising (minimising) C_i . w over the
    feasible weights (the greedy fractional-knapsack solution)."""
    order = np.argsort(-C if maximise else C, axis=1, kind="stable")
    caps = (hi - lo)[order]
    before = np.cumsum(caps, axis=1) - caps
    add = np.clip((1.0 - lo.sum()) - before, 0.0, caps)
    W = np.tile(lo, (C.shape[0], 1))
    np.put_along_axis(W, order, np.take_along_axis(W, order, axis=1) + add, axis=1)
    return W


def rank_ranges_for(result, code: str | None = None, bounds=None, **kwargs) -> RankRanges:
    """Rank ranges of aggregate ``code`` (default: the top index) of an
    :class:`~citynexus.evaluate.IndexResult` over the weights of its children, the
    children's values held at the result's. Needs the arithmetic mean at that aggregate
    (the only aggregation linear in the weights) and complete children."""
    code = code or result.index_code
    fw = result.framework
    if code not in fw.aggregates:
        raise RobustnessSpecError(f"{code!r} is not an aggregate of the framework ({', '.join(fw.aggregates)})")
    m = result.spec.aggregate_for(code, fw.level[code])["method"]
    if m != "arithmetic" and not (m == "generalised" and result.spec.aggregate_for(code, fw.level[code])["p"] == 1):
        raise RobustnessSpecError(
            f"{code} is aggregated with the {m} mean; rank ranges are computed for the arithmetic mean only "
            f"(set aggregate.parent.{code}.method = 'arithmetic')"
        )
    data = result.stages["aggregated"]
    kids = [c for c in fw.children.get(code, []) if c in data.columns]
    x = data[kids]
    x = x.loc[result.scores[code].notna()]
    return rank_ranges(x, bounds, nominal_ranks=result.ranks[code].astype(float), code=code, **kwargs)
