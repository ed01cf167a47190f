"""Convergence (收敛): sigma convergence, absolute and conditional beta convergence, and the
kernel density of a variable across units per period (核密度估计).

A panel is a Series indexed by (unit, period) or a DataFrame units x periods (columns =
integer periods).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from citynexus.region.errors import RegionInputError, RegionSpecError

if TYPE_CHECKING:
    from collections.abc import Sequence


def _wide(panel: pd.DataFrame | pd.Series) -> pd.DataFrame:
    if isinstance(panel, pd.Series):
        if not isinstance(panel.index, pd.MultiIndex) or panel.index.nlevels != 2:
            raise RegionInputError("a panel Series must be indexed by (unit, period)")
        wide = panel.unstack(level=-1)
    elif isinstance(panel, pd.DataFrame):
        wide = panel
    else:
        raise RegionInputError("panel must be a Series indexed by (unit, period) or a DataFrame units x periods")
    wide = wide.astype(float)
    try:
        wide.columns = [int(c) for c in wide.columns]
    except (TypeError, ValueError) as e:
        raise RegionInputError(f"panel columns must be integer periods, got {list(wide.columns)[:5]}") from e
    return wide.sort_index(axis=1)


# ---------------------------------------------------------------------------- sigma
@dataclass
class SigmaResult:
    """Dispersion per period and its linear trend. ``converging`` is True when the trend of
    ``measure`` is negative and significant at ``alpha``."""

    table: pd.DataFrame
    measure: str
    slope: float
    se: float
    pvalue: float
    converging: bool

    def summary(self) -> pd.Series:
        return _summary(self, ("measure", "slope", "se", "pvalue", "converging"), "sigma_convergence")


def _summary(res: object, fields: tuple[str, ...], name: str) -> pd.Series:
    """The named fields of a result as one Series (one row of a comparison table)."""
    return pd.Series({f: getattr(res, f) for f in fields}, name=name)


def sigma_convergence(panel: pd.DataFrame | pd.Series, measure: str = "cv", alpha: float = 0.05) -> SigmaResult:
    """Sigma convergence (σ收敛): does the cross-unit dispersion fall over time?

    Per period t: ``sd_t`` (population standard deviation), ``cv_t = sd_t / mean_t`` and, when
    all values are positive, ``sd_log_t`` = sd of ln y (the classic sigma of Barro &
    Sala-i-Martin 1992, Journal of Political Economy 100(2): 223–251). The trend is the OLS
    slope of ``measure`` (``cv``, ``sd`` or ``sd_log``) on the period; sigma convergence holds
    when it is negative (significant at ``alpha``).
    """
    import statsmodels.api as sm

    if measure not in ("cv", "sd", "sd_log"):
        raise RegionSpecError(f"measure must be 'cv', 'sd' or 'sd_log', not {measure!r}")
    wide = _wide(panel)
    rows = []
    for p in wide.columns:
        x = wide[p].dropna().to_numpy()
        if x.size < 2:
            continue
        mean = x.mean()
        sd = x.std(ddof=0)
        rows.append(
            {
                "period": p,
                "n": x.size,
                "mean": mean,
                "sd": sd,
                "cv": sd / mean if mean != 0 else np.nan,
                "sd_log": np.log(x).std(ddof=0) if (x > 0).all() else np.nan,
            }
        )
    table = pd.DataFrame(rows).set_index("period")
    if len(table) < 3:
        raise RegionInputError(f"sigma convergence needs at least 3 periods with 2+ units, got {len(table)}")
    y = table[measure]
    if y.isna().any():
        raise RegionInputError(
            f"'{measure}' is undefined in periods {list(y.index[y.isna()])} (zero mean or values <= 0)"
        )
    fit = sm.OLS(y.to_numpy(), sm.add_constant(table.index.to_numpy(dtype=float))).fit()
    slope, se, pv = float(fit.params[1]), float(fit.bse[1]), float(fit.pvalues[1])
    return SigmaResult(table, measure, slope, se, pv, bool(slope < 0 and pv < alpha))


# ---------------------------------------------------------------------------- beta
@dataclass
class BetaResult:
    """Beta-convergence estimate.

    ``beta`` (coefficient of the initial/lagged log level), ``se``, ``t``, ``pvalue``, ``r2``,
    ``n`` (observations), ``speed`` (implied convergence speed per period, NaN when beta >= 0
    or undefined), ``half_life`` (periods to close half the gap), ``kind`` (absolute or
    conditional), ``method`` (cross-section or panel-fe), ``params`` (all coefficients).
    """

    beta: float
    se: float
    t: float
    pvalue: float
    r2: float
    n: int
    speed: float
    half_life: float
    kind: str
    method: str
    span: float
    params: pd.DataFrame = field(repr=False)

    @property
    def converging(self) -> bool:
        return self.beta < 0

    def summary(self) -> pd.Series:
        return _summary(
            self,
            ("kind", "method", "beta", "se", "t", "pvalue", "r2", "n", "span", "speed", "half_life"),
            "beta_convergence",
        )


def implied_speed(beta: float, span: float) -> float:
    """Convergence speed lambda from a growth regression over ``span`` periods.

    (1/T) ln(y_T/y_0) = a + beta ln y_0  ->  beta = -(1 - e^(-lambda T)) / T, so
    ``lambda = -ln(1 + beta T) / T`` (Barro & Sala-i-Martin 1992). NaN unless -1 < beta T < 0.
    """
    x = 1.0 + beta * span
    if not (0 < x < 1):
        return float("nan")
    return float(-np.log(x) / span)


def beta_convergence(
    panel: pd.DataFrame | pd.Series,
    controls: pd.DataFrame | None = None,
    *,
    method: str = "cross-section",
    start: int | None = None,
    end: int | None = None,
    time_effects: bool = False,
    cov_type: str = "nonrobust",
) -> BetaResult:
    """Absolute (绝对β收敛) or conditional (条件β收敛) beta convergence, OLS via statsmodels.

    ``method="cross-section"`` (Barro regression): with T = end - start,
    ``(1/T) ln(y_i,end / y_i,start) = a + beta ln y_i,start [+ gamma' X_i] + e_i``;
    ``controls``: DataFrame indexed by unit (conditional when given).

    ``method="panel-fe"``: ``ln(y_it / y_i,t-1) = a_i [+ tau_t] + beta ln y_i,t-1 [+ gamma' X_i,t-1] + e_it``
    with unit fixed effects (so it is conditional convergence: each unit converges to its own
    steady state); ``controls`` indexed by (unit, period), lagged one period. T = 1.

    beta < 0 means convergence; ``speed = -ln(1 + beta T)/T``, ``half_life = ln 2 / speed``.
    ``cov_type`` is passed to statsmodels (e.g. ``"HC1"`` for robust standard errors).
    Reference: Barro R. & Sala-i-Martin X. (1992), Convergence, Journal of Political Economy
    100(2): 223–251.
    """
    import statsmodels.api as sm

    wide = _wide(panel)
    if (wide.to_numpy()[~np.isnan(wide.to_numpy())] <= 0).any():
        raise RegionInputError("beta convergence takes logs: all values must be > 0")
    periods = list(wide.columns)
    if method == "cross-section":
        s = periods[0] if start is None else int(start)
        e = periods[-1] if end is None else int(end)
        if s not in periods or e not in periods or e <= s:
            raise RegionInputError(f"start {s} and end {e} must be periods of the panel with end > start ({periods})")
        d = wide[[s, e]].dropna()
        span = float(e - s)
        y = np.log(d[e] / d[s]) / span
        X = pd.DataFrame({"ln_y0": np.log(d[s])}, index=d.index)
        if controls is not None:
            c = controls.reindex(d.index)
            if c.isna().any().any():
                raise RegionInputError(f"controls missing for unit(s) {list(c.index[c.isna().any(axis=1)])[:5]}")
            X = X.join(c.astype(float))
        X = sm.add_constant(X, has_constant="add")
        kind = "conditional" if controls is not None else "absolute"
    elif method == "panel-fe":
        span = 1.0
        ln = np.log(wide)
        steps = []
        for p0, p1 in pairwise(periods):
            if p1 - p0 != 1:  # only consecutive periods count as one step
                continue
            steps.append(
                pd.DataFrame(
                    {
                        "unit": ln.index,
                        "period": p1,
                        "ln_y_lag": ln[p0].to_numpy(),
                        "growth": (ln[p1] - ln[p0]).to_numpy(),
                    }
                )
            )
        if not steps:
            raise RegionInputError("no consecutive periods: the panel needs at least two consecutive periods")
        long = pd.concat(steps).set_index(["unit", "period"])
        X = long[["ln_y_lag"]].copy()
        if controls is not None:
            c = controls.astype(float).copy()
            if not isinstance(c.index, pd.MultiIndex) or c.index.nlevels != 2:
                raise RegionInputError("panel controls must be indexed by (unit, period)")
            c.index = pd.MultiIndex.from_arrays(
                [c.index.get_level_values(0), c.index.get_level_values(1).astype(int) + 1], names=["unit", "period"]
            )  # X_{i,t-1} aligned with growth ending in t
            X = X.join(c)
        data = X.join(long["growth"]).dropna()
        if data.empty:
            raise RegionInputError("no consecutive periods: the panel needs at least two consecutive periods per unit")
        units = data.index.get_level_values("unit")
        dummies = pd.get_dummies(units, prefix="u", drop_first=True, dtype=float)
        dummies.index = data.index
        parts = [data.drop(columns="growth"), dummies]
        if time_effects:
            tdum = pd.get_dummies(data.index.get_level_values("period"), prefix="t", drop_first=True, dtype=float)
            tdum.index = data.index
            parts.append(tdum)
        X = sm.add_constant(pd.concat(parts, axis=1), has_constant="add")
        y = data["growth"]
        kind = "conditional"
    else:
        raise RegionSpecError(f"method must be 'cross-section' or 'panel-fe', not {method!r}")
    if len(y) <= X.shape[1]:
        raise RegionInputError(f"too few observations ({len(y)}) for {X.shape[1]} coefficients")
    fit = sm.OLS(y.to_numpy(dtype=float), X.to_numpy(dtype=float)).fit(cov_type=cov_type)
    names = list(X.columns)
    b_idx = names.index("ln_y0" if method == "cross-section" else "ln_y_lag")
    beta, se = float(fit.params[b_idx]), float(fit.bse[b_idx])
    speed = implied_speed(beta, span)
    params = pd.DataFrame({"coef": fit.params, "se": fit.bse, "t": fit.tvalues, "pvalue": fit.pvalues}, index=names)
    keep = [n for n in names if not (n.startswith("u_") or n.startswith("t_"))]
    return BetaResult(
        beta=beta,
        se=se,
        t=float(fit.tvalues[b_idx]),
        pvalue=float(fit.pvalues[b_idx]),
        r2=float(fit.rsquared),
        n=int(fit.nobs),
        speed=speed,
        half_life=float(np.log(2) / speed) if speed > 0 else float("nan"),
        kind=kind,
        method=method,
        span=span,
        params=params.loc[keep],
    )


# ---------------------------------------------------------------------------- kernel density
def kernel_density(
    panel: pd.DataFrame | pd.Series,
    grid: Sequence[float] | np.ndarray | None = None,
    points: int = 200,
    bw: str | float | None = None,
) -> pd.DataFrame:
    """Gaussian kernel density of the variable across units, per period (核密度估计).

    ``f_t(x) = 1/(n h) sum_i K((x - y_it)/h)`` with a Gaussian K, bandwidth by Scott's rule
    (``bw=None``), ``"silverman"`` or a float factor (scipy ``gaussian_kde`` ``bw_method``).
    The same grid is used for every period (default: ``points`` values spanning the pooled
    range widened by 3 bandwidths, or 10% if more). Returns a DataFrame indexed by ``x`` with one column per period.
    Reference: Silverman (1986), Density Estimation for Statistics and Data Analysis.
    """
    from scipy.stats import gaussian_kde

    wide = _wide(panel)
    vals = wide.to_numpy()[~np.isnan(wide.to_numpy())]
    if vals.size == 0:
        raise RegionInputError("the panel has no values")
    kdes = {}
    for p in wide.columns:
        x = wide[p].dropna().to_numpy()
        if x.size < 2 or np.ptp(x) == 0:
            raise RegionInputError(f"period {p}: kernel density needs at least 2 distinct values, got {x.tolist()}")
        kdes[p] = gaussian_kde(x, bw_method=bw)
    if grid is None:
        lo, hi = float(vals.min()), float(vals.max())
        h = max(float(np.sqrt(k.covariance[0, 0])) for k in kdes.values())
        pad = max(0.1 * (hi - lo), 3.0 * h)
        grid = np.linspace(lo - pad, hi + pad, int(points))
    grid = np.asarray(grid, dtype=float)
    out = {p: k(grid) for p, k in kdes.items()}
    df = pd.DataFrame(out, index=pd.Index(grid, name="x"))
    df.columns.name = "period"
    return df
