"""Disparity (区域差异): Gini, Theil T and L with group decomposition, Dagum's Gini
decomposition, coefficient of variation.

All functions take a cross-section (one value per unit): a pandas Series indexed by unit,
or an array; optional ``weights`` (e.g. population, 人口加权) and ``groups`` (unit -> group
label, e.g. core cities vs others). :func:`disparity_by_period` applies them to a panel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from citynexus.region.errors import RegionInputError

ArrayLike = pd.Series | np.ndarray | Sequence[float]


# ---------------------------------------------------------------------------- input helpers
def _values(x: ArrayLike, name: str = "x", positive: bool = False) -> np.ndarray:
    a = np.asarray(x.to_numpy() if isinstance(x, pd.Series) else x, dtype=float).ravel()
    if a.size == 0:
        raise RegionInputError(f"{name} is empty; disparity needs at least one value")
    if np.isnan(a).any():
        where = ""
        if isinstance(x, pd.Series):
            where = f" (units {list(x.index[x.isna()])[:5]})"
        raise RegionInputError(f"{name} has {int(np.isnan(a).sum())} missing value(s){where}; drop or impute them")
    if np.isinf(a).any():
        raise RegionInputError(f"{name} has infinite values")
    if (a < 0).any():
        raise RegionInputError(
            f"{name} has negative values (min {a.min():.6g}); Gini/Theil/Dagum need non-negative quantities"
        )
    if positive and (a <= 0).any():
        raise RegionInputError(
            f"{name} has zero values; Theil L (mean log deviation) needs strictly positive values (log of 0)"
        )
    if a.sum() <= 0:
        raise RegionInputError(f"{name} sums to 0; disparity of an all-zero distribution is undefined")
    return a


def _per_unit(values: ArrayLike, x: ArrayLike, dtype: type, missing_message: str) -> np.ndarray:
    """``values`` as a flat array aligned with ``x``: when both are Series, reindexed to ``x``'s
    units (``missing_message`` names the first five units ``values`` lacks)."""
    if isinstance(values, pd.Series) and isinstance(x, pd.Series):
        missing = [u for u in x.index if u not in values.index]
        if missing:
            raise RegionInputError(missing_message.format(missing[:5]))
        values = values.reindex(x.index)
    return np.asarray(values.to_numpy() if isinstance(values, pd.Series) else values, dtype=dtype).ravel()


def _weights(weights: ArrayLike | None, n: int, x: ArrayLike) -> np.ndarray:
    if weights is None:
        return np.full(n, 1.0 / n)
    w = _per_unit(weights, x, float, "no weight for unit(s) {}; give a weight for every unit")
    if w.shape != (n,):
        raise RegionInputError(f"weights has {w.size} values but there are {n} units")
    if (~np.isfinite(w)).any() or (w < 0).any() or w.sum() <= 0:
        raise RegionInputError("weights must be finite, non-negative and not all zero")
    return w / w.sum()


def _groups(groups: ArrayLike | Mapping | None, x: ArrayLike, n: int) -> np.ndarray:
    if groups is None:
        raise RegionInputError("groups are required for a decomposition (unit -> group label)")
    if isinstance(groups, Mapping) and not isinstance(groups, pd.Series):
        groups = pd.Series(groups)
    g = _per_unit(groups, x, object, "unit(s) {} have no group; give a group label for every unit")
    if g.shape != (n,):
        raise RegionInputError(f"groups has {g.size} labels but there are {n} units")
    if pd.isna(pd.Series(g)).any():
        raise RegionInputError("some units have no group label (NaN)")
    return g


def _group_order(g: np.ndarray) -> list:
    return list(dict.fromkeys(g.tolist()))


# ---------------------------------------------------------------------------- Gini and CV
def abs_diff_sum(a: np.ndarray, b: np.ndarray) -> float:
    """sum_{i, r} |a_i - b_r| in O((n_a + n_b) log n_b) via sorting and cumulative sums."""
    b = np.sort(np.asarray(b, dtype=float))
    cb = np.concatenate([[0.0], np.cumsum(b)])
    a = np.asarray(a, dtype=float)
    k = np.searchsorted(b, a, side="right")
    below = a * k - cb[k]
    above = (cb[-1] - cb[k]) - a * (b.size - k)
    return max(float(below.sum() + above.sum()), 0.0)  # no negative rounding residue


def gini(x: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Gini coefficient (基尼系数).

    Unweighted: ``G = sum_i sum_j |x_i - x_j| / (2 n^2 mu)``. Weighted by w (e.g. population,
    shares p_i = w_i / sum w): ``G = sum_i sum_j p_i p_j |x_i - x_j| / (2 mu_p)`` with
    ``mu_p = sum_i p_i x_i``. Reference: Gini (1912); Lambert (2001), The Distribution and
    Redistribution of Income, ch. 2.
    """
    a = _values(x)
    p = _weights(weights, a.size, x)
    order = np.argsort(a, kind="stable")
    a, p = a[order], p[order]
    cum = np.cumsum(p)
    before = cum - p
    after = 1.0 - cum
    mu = float(p @ a)
    return max(float(np.sum(p * a * (before - after)) / mu), 0.0)


def cv(x: ArrayLike, weights: ArrayLike | None = None, ddof: int = 0) -> float:
    """Coefficient of variation (变异系数) ``sd / mean``.

    Unweighted with ``ddof`` (0 = population sd, 1 = sample sd); weighted:
    ``sqrt(sum p_i (x_i - mu_p)^2) / mu_p`` (population-weighted, Williamson 1965).
    """
    a = _values(x)
    if weights is None:
        if a.size - ddof <= 0:
            raise RegionInputError(f"cv with ddof={ddof} needs more than {ddof} values")
        return float(np.std(a, ddof=ddof) / np.mean(a))
    p = _weights(weights, a.size, x)
    mu = float(p @ a)
    return float(np.sqrt(p @ (a - mu) ** 2) / mu)


# ---------------------------------------------------------------------------- Theil
def _theil_T(a: np.ndarray, p: np.ndarray) -> float:
    s = p * a / (p @ a)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(s > 0, s * np.log(s / p), 0.0)
    return float(terms.sum())


def _theil_L(a: np.ndarray, p: np.ndarray) -> float:
    s = p * a / (p @ a)
    return float(np.sum(p * np.log(p / s)))


def theil(x: ArrayLike, weights: ArrayLike | None = None, kind: str = "T") -> float:
    """Theil index (泰尔指数).

    With population shares p_i (1/n unweighted) and income shares s_i = p_i x_i / sum_k p_k x_k:
    Theil T (GE(1)) ``= sum_i s_i ln(s_i / p_i)`` = (1/n) sum (x_i/mu) ln(x_i/mu) unweighted;
    Theil L (GE(0), mean log deviation) ``= sum_i p_i ln(p_i / s_i)``. Reference: Theil (1967),
    Economics and Information Theory; Shorrocks (1980), Econometrica 48(3): 613–625.
    """
    if kind not in ("T", "L"):
        raise RegionInputError(f"kind must be 'T' or 'L', not {kind!r}")
    a = _values(x, positive=kind == "L")
    p = _weights(weights, a.size, x)
    return _theil_T(a, p) if kind == "T" else _theil_L(a, p)


@dataclass
class TheilResult:
    """Theil decomposition: ``total = within + between``; ``groups`` has per group n, the
    population share P_g, income share S_g, mean, the group's own Theil and its contribution
    to ``within``."""

    kind: str
    total: float
    within: float
    between: float
    groups: pd.DataFrame = field(repr=False)

    def summary(self) -> pd.Series:
        return pd.Series(
            {
                "total": self.total,
                "within": self.within,
                "between": self.between,
                "within_share": self.within / self.total if self.total else np.nan,
                "between_share": self.between / self.total if self.total else np.nan,
            },
            name=f"theil_{self.kind}",
        )


def theil_decomposition(
    x: ArrayLike, groups: ArrayLike | Mapping, weights: ArrayLike | None = None, kind: str = "T"
) -> TheilResult:
    """Within/between decomposition of Theil T or L by groups.

    T: ``T = sum_g S_g T_g + sum_g S_g ln(S_g / P_g)``; L: ``L = sum_g P_g L_g + sum_g P_g ln(P_g / S_g)``
    where P_g, S_g are the group's population and income shares and T_g, L_g the index within
    the group (with within-group shares). Reference: Shorrocks (1980), Econometrica 48(3).
    """
    if kind not in ("T", "L"):
        raise RegionInputError(f"kind must be 'T' or 'L', not {kind!r}")
    a = _values(x, positive=kind == "L")
    p = _weights(weights, a.size, x)
    g = _groups(groups, x, a.size)
    s = p * a / (p @ a)
    rows = []
    within = between = 0.0
    for lab in _group_order(g):
        m = g == lab
        P, S = float(p[m].sum()), float(s[m].sum())
        pg = p[m] / P
        own = _theil_T(a[m], pg) if kind == "T" else _theil_L(a[m], pg)
        if kind == "T":
            w_c, b_c = S * own, (S * np.log(S / P) if S > 0 else 0.0)
        else:
            w_c, b_c = P * own, P * np.log(P / S)
        within += w_c
        between += b_c
        rows.append(
            {
                "group": lab,
                "n": int(m.sum()),
                "pop_share": P,
                "income_share": S,
                "mean": float(pg @ a[m]),
                "theil": own,
                "within_contribution": w_c,
                "between_contribution": b_c,
            }
        )
    total = _theil_T(a, p) if kind == "T" else _theil_L(a, p)
    return TheilResult(kind, total, float(within), float(between), pd.DataFrame(rows).set_index("group"))


# ---------------------------------------------------------------------------- Dagum
@dataclass
class DagumResult:
    """Dagum (1997) Gini decomposition ``G = G_w + G_nb + G_t``.

    ``within``: per group n, mean, p_j (unit share), s_j (value share), G_jj and its
    contribution p_j s_j G_jj. ``between``: per pair of groups G_jh, D_jh (relative economic
    affluence), and the net-between and transvariation contributions.
    """

    total: float
    within: float
    between_net: float
    transvariation: float
    groups: pd.DataFrame = field(repr=False)
    pairs: pd.DataFrame = field(repr=False)

    def summary(self) -> pd.Series:
        t = self.total
        return pd.Series(
            {
                "G": t,
                "G_w": self.within,
                "G_nb": self.between_net,
                "G_t": self.transvariation,
                "share_w": self.within / t if t else np.nan,
                "share_nb": self.between_net / t if t else np.nan,
                "share_t": self.transvariation / t if t else np.nan,
            },
            name="dagum",
        )


def dagum_gini(x: ArrayLike, groups: ArrayLike | Mapping) -> DagumResult:
    """Dagum's decomposition of the Gini coefficient by subgroups (Dagum 基尼系数分解).

    With k groups of sizes n_j, means Y_j, p_j = n_j/n, s_j = n_j Y_j / (n Y)::

        G    = sum_i sum_r |y_i - y_r| / (2 n^2 Y)
        G_jj = sum_i sum_r |y_ji - y_jr| / (2 n_j^2 Y_j)
        G_jh = sum_i sum_r |y_ji - y_hr| / (n_j n_h (Y_j + Y_h))
        d_jh = mean over pairs of max(y_ji - y_hr, 0),  p_jh = mean of max(y_hr - y_ji, 0)
        D_jh = |d_jh - p_jh| / (d_jh + p_jh)          (groups ordered so that Y_j >= Y_h)
        G_w  = sum_j G_jj p_j s_j
        G_nb = sum_{j<h} G_jh (p_j s_h + p_h s_j) D_jh
        G_t  = sum_{j<h} G_jh (p_j s_h + p_h s_j) (1 - D_jh)

    and G = G_w + G_nb + G_t exactly. Reference: Dagum C. (1997), A new approach to the
    decomposition of the Gini income inequality ratio, Empirical Economics 22(4): 515–531.
    """
    a = _values(x)
    g = _groups(groups, x, a.size)
    n = a.size
    Y = a.mean()
    G = abs_diff_sum(a, a) / (2 * n * n * Y)
    labels = _group_order(g)
    members = {lab: a[g == lab] for lab in labels}
    grp_rows = []
    Gw = 0.0
    for lab in labels:
        y = members[lab]
        nj, Yj = y.size, y.mean()
        pj, sj = nj / n, nj * Yj / (n * Y)
        Gjj = abs_diff_sum(y, y) / (2 * nj * nj * Yj) if Yj > 0 else 0.0
        Gw += Gjj * pj * sj
        grp_rows.append(
            {"group": lab, "n": nj, "mean": Yj, "p": pj, "s": sj, "G_jj": Gjj, "contribution": Gjj * pj * sj}
        )
    gdf = pd.DataFrame(grp_rows).set_index("group")
    pair_rows = []
    Gnb = Gt = 0.0
    for lj, lh in combinations(labels, 2):
        yj, yh = members[lj], members[lh]
        if yj.mean() < yh.mean():
            lj, lh, yj, yh = lh, lj, yh, yj
        nj, nh = yj.size, yh.size
        Yj, Yh = yj.mean(), yh.mean()
        S = abs_diff_sum(yj, yh)
        Gjh = S / (nj * nh * (Yj + Yh))
        # d_jh - p_jh = Y_j - Y_h and d_jh + p_jh = S / (n_j n_h)
        dsum = S / (nj * nh)
        Djh = (Yj - Yh) / dsum if dsum > 0 else 0.0
        weight = gdf.at[lj, "p"] * gdf.at[lh, "s"] + gdf.at[lh, "p"] * gdf.at[lj, "s"]
        nb, t = Gjh * weight * Djh, Gjh * weight * (1 - Djh)
        Gnb += nb
        Gt += t
        pair_rows.append(
            {
                "pair": f"{lj}-{lh}",
                "group_j": lj,
                "group_h": lh,
                "G_jh": Gjh,
                "d_jh": (dsum + Yj - Yh) / 2,
                "p_jh": (dsum - Yj + Yh) / 2,
                "D_jh": Djh,
                "between_net": nb,
                "transvariation": t,
            }
        )
    pdf = pd.DataFrame(
        pair_rows,
        columns=["pair", "group_j", "group_h", "G_jh", "d_jh", "p_jh", "D_jh", "between_net", "transvariation"],
    ).set_index("pair")
    return DagumResult(float(G), float(Gw), float(Gnb), float(Gt), gdf, pdf)


# ---------------------------------------------------------------------------- panel helper
def disparity_by_period(
    panel: pd.DataFrame | pd.Series,
    groups: Mapping | pd.Series | None = None,
    weights: pd.DataFrame | pd.Series | None = None,
) -> pd.DataFrame:
    """Disparity measures per period of a panel.

    ``panel``: a Series indexed by (unit, period), or a DataFrame units x periods. ``weights``
    the same shape (e.g. population) or None. Returns one row per period with ``mean, cv,
    gini, theil_T, theil_L`` (L only when all values are positive) and, with ``groups``, the
    Theil T within/between parts and Dagum's ``G_w, G_nb, G_t``. Unit-periods with missing
    values are dropped per period.
    """
    wide = _wide(panel, "panel")
    wwide = _wide(weights, "weights") if weights is not None else None
    rows = []
    for period in wide.columns:
        x = wide[period].dropna()
        if x.size == 0:
            continue
        w = None
        if wwide is not None:
            if period not in wwide.columns:
                raise RegionInputError(f"weights have no period {period}")
            w = wwide[period].reindex(x.index)
            if w.isna().any():
                raise RegionInputError(f"weights missing for unit(s) {list(w.index[w.isna()])[:5]} in period {period}")
        row = {
            "period": period,
            "n": int(x.size),
            "mean": float(x.mean()),
            "cv": cv(x, w),
            "gini": gini(x, w),
            "theil_T": theil(x, w, "T"),
            "theil_L": theil(x, w, "L") if (x > 0).all() else np.nan,
        }
        if groups is not None:
            td = theil_decomposition(x, groups, w, "T")
            row.update({"theil_T_within": td.within, "theil_T_between": td.between})
            dg = dagum_gini(x, groups)
            row.update({"G_w": dg.within, "G_nb": dg.between_net, "G_t": dg.transvariation})
        rows.append(row)
    return pd.DataFrame(rows).set_index("period")


def _wide(panel: pd.DataFrame | pd.Series, name: str) -> pd.DataFrame:
    if isinstance(panel, pd.Series):
        if not isinstance(panel.index, pd.MultiIndex) or panel.index.nlevels != 2:
            raise RegionInputError(f"{name} as a Series must be indexed by (unit, period)")
        return panel.unstack(level=-1)
    if isinstance(panel, pd.DataFrame):
        return panel
    raise RegionInputError(f"{name} must be a Series indexed by (unit, period) or a DataFrame units x periods")
