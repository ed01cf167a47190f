"""KPI trajectory: will a term be met at its period end or due date?

A :class:`KpiTarget` is the small explicit form of an agreement term: ``metric OP number`` (the value
reported for the due period must satisfy it) or ``cum.metric OP number`` (the sum of the values up to
and including the due period must). :func:`trajectory` forecasts the metric from the periods reported so
far to the due period with an additive-error exponential-smoothing state-space model (ETS(A,A_d,N),
Hyndman et al. 2008, "Forecasting with Exponential Smoothing", via statsmodels' ``ETSModel``
with at least ``min_fit`` = 12 values; a least-squares linear trend with parameter uncertainty and
Student-t noise below that), simulates ``n_paths`` future sample paths, and reports the probability that the term
is breached (the share of paths that fail the rule), the median forecast with a 80 % band, and
``at_risk = probability >= risk_level`` with the lead time (periods and days from the last report to the
due date). With fewer than three values the forecast is the mean of what was reported with its standard
deviation. ``settings["model"]`` says which model was used.
"""

from __future__ import annotations

import math
import operator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from citynexus.watch.errors import WatchInputError, WatchSpecError
from citynexus.watch.evidence import Evidence
from citynexus.watch.periods import to_period

__all__ = ["KpiTarget", "TrajectoryResult", "parse_term", "trajectory"]

OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


@dataclass(frozen=True)
class KpiTarget:
    """``metric OP threshold`` due at period ``due`` (a label like ``2026Q4``, or a date ``2026-12-31``
    that is turned into the period of the series that contains it); ``cumulative`` for ``cum.metric``."""

    metric: str
    op: str
    threshold: float
    due: str
    cumulative: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise WatchSpecError(f"comparison {self.op!r} in the target for {self.metric!r}: use one of >=, >, <=, <")
        if not math.isfinite(self.threshold):
            raise WatchSpecError(f"threshold of the target for {self.metric!r} must be a finite number")

    def rule(self) -> str:
        return f"{'cum.' if self.cumulative else ''}{self.metric} {self.op} {self.threshold:g}"

    def met(self, value: float) -> bool:
        return bool(OPS[self.op](value, self.threshold))


def parse_term(rule: str, due: str, name: str = "") -> KpiTarget:
    """A target from a term rule of the form ``metric OP number`` or ``cum.metric OP number``."""
    import re

    m = re.fullmatch(r"\s*(cum\.)?([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|>|<)\s*(-?[0-9][0-9_.,eE+-]*)\s*", rule)
    if not m:
        raise WatchSpecError(f"term {rule!r} is not of the form 'metric OP number' or 'cum.metric OP number'")
    return KpiTarget(
        m.group(2), m.group(3), float(m.group(4).replace(",", "").replace("_", "")), due, bool(m.group(1)), name
    )


@dataclass
class TrajectoryResult(Evidence):
    """Forecast of a KPI to its due period, probability of breach, ``at_risk`` and lead time."""

    target: dict[str, Any]
    status: str  # met, breached (already due), at_risk, on_track, no_data
    probability_breach: float | None
    at_risk: bool
    forecast: float | None
    band: tuple[float, float] | None
    horizon: int
    lead_days: int | None
    path: list[dict[str, Any]]
    observed: list[dict[str, Any]]
    settings: dict[str, Any]
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def explain(self, lang: str = "en") -> str:
        rule = self.target["rule"]
        if self.status in ("met", "breached"):
            v = self.extra.get("value")
            if lang == "en":
                return f"{rule} is {self.status} at {self.target['due']} (value {v:.4g})."
            return f"{rule}在{self.target['due']}{'已达成' if self.status == 'met' else '已违约'}（值{v:.4g}）。"
        if self.status == "no_data":
            return f"{rule}: no reported value yet." if lang == "en" else f"{rule}：尚无报告值。"
        p = 100 * (self.probability_breach or 0.0)
        if lang == "en":
            head = "AT RISK" if self.at_risk else "on track"
            return (
                f"{rule} by {self.target['due']}: {head} — forecast {self.forecast:.4g} "
                f"(80% band {self.band[0]:.4g} to {self.band[1]:.4g}), probability of breach {p:.0f}%, "
                f"{self.horizon} period(s) and {self.lead_days} day(s) ahead."
            )
        head = "存在违约风险" if self.at_risk else "进展正常"
        return (
            f"{rule}（截止{self.target['due']}）：{head}——预测值{self.forecast:.4g}"
            f"（80%区间{self.band[0]:.4g}至{self.band[1]:.4g}），违约概率{p:.0f}%，"
            f"距截止还有{self.horizon}期、{self.lead_days}天。"
        )


def _due_period(due: str, freq: str) -> pd.Period:
    try:
        return to_period(due).asfreq(freq, how="end")
    except WatchInputError:
        try:
            return pd.Period(pd.Timestamp(due), freq=freq)
        except (ValueError, TypeError) as err:
            raise WatchInputError(f"due {due!r} is neither a period (2026-03, 2026Q1, 2026) nor a date") from err


def _paths(y: np.ndarray, h: int, n_paths: int, seed: int, min_fit: int) -> tuple[np.ndarray, str]:
    """``n_paths`` simulated future paths of length ``h`` (rows) and the name of the model used."""
    rng = np.random.default_rng(seed)
    if y.size >= min_fit and float(np.ptp(y)) > 0:
        import warnings

        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = ETSModel(y, error="add", trend="add", damped_trend=True).fit(disp=False)
                sims = fit.simulate(h, repetitions=n_paths, anchor="end", rng=rng)
                return np.asarray(sims, dtype=float).reshape(h, n_paths).T, "ETS(A,Ad,N)"
            except Exception:
                pass
    if y.size >= 3 and float(np.ptp(y)) > 0:
        # linear trend by least squares; paths draw the coefficients from their sampling distribution
        # and add fresh noise, so both the trend's uncertainty and the noise widen the band
        t = np.arange(y.size, dtype=float)
        X = np.c_[np.ones_like(t), t]
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        resid = y - X @ beta
        dof = max(y.size - 2, 1)
        s2 = float(resid @ resid) / dof or (float(np.std(y)) * 0.05) ** 2 or 1e-12
        cov = s2 * np.linalg.inv(X.T @ X)
        coefs = rng.multivariate_normal(beta, cov, size=n_paths)
        tf = np.arange(y.size, y.size + h, dtype=float)
        scale = np.sqrt(s2 * dof / rng.chisquare(dof, size=(n_paths, 1)))  # Student-t noise
        sims = coefs[:, :1] + coefs[:, 1:] * tf[None, :] + rng.normal(0, 1, (n_paths, h)) * scale
        return sims, "linear trend (least squares)"
    mu = float(np.mean(y))
    sd = float(np.std(y, ddof=1)) if y.size > 1 else 0.0
    return rng.normal(mu, sd or abs(mu) * 0.1 or 1.0, size=(n_paths, h)), "mean of reported values"


def trajectory(
    periods: list[str],
    values: list[float | None],
    target: KpiTarget,
    as_of: str | None = None,
    risk_level: float = 0.5,
    n_paths: int = 2000,
    seed: int = 0,
    min_fit: int = 12,
) -> TrajectoryResult:
    """Forecast ``target`` from a reported series (period labels + values; None = missing).

    ``as_of``: the current date or period (default: the last reported period); a term whose due
    period is not after it is evaluated, not forecast.
    """
    if not 0 < risk_level < 1:
        raise WatchSpecError(f"risk_level must be between 0 and 1, not {risk_level}")
    if len(periods) != len(values):
        raise WatchInputError(f"{len(periods)} periods but {len(values)} values for {target.metric!r}")
    settings = {"risk_level": risk_level, "n_paths": n_paths, "seed": seed, "min_fit": min_fit}
    tgt = {**asdict(target), "rule": target.rule()}
    obs = [(to_period(p), float(v)) for p, v in zip(periods, values) if v is not None and not pd.isna(v)]
    obs.sort(key=lambda pv: pv[0])
    observed = [{"period": str(p), "value": v} for p, v in obs]
    if not obs:
        return TrajectoryResult(tgt, "no_data", None, False, None, None, 0, None, [], [], settings, "no value")
    freq = obs[0][0].freqstr
    due = _due_period(target.due, freq)
    last = obs[-1][0]
    now = _due_period(as_of, freq) if as_of else last
    # cumulative value so far (within the series), or the value of the due period
    y = np.array([v for _, v in obs])
    upto = np.array([p <= due for p, _ in obs])
    if due <= now:
        if target.cumulative:
            value = float(y[upto].sum())
        else:
            hit = [v for p, v in obs if p == due]
            if not hit:
                return TrajectoryResult(
                    tgt, "no_data", None, False, None, None, 0, None, [], observed, settings, f"no value for {due}"
                )
            value = hit[0]
        status = "met" if target.met(value) else "breached"
        return TrajectoryResult(
            tgt,
            status,
            0.0 if status == "met" else 1.0,
            False,
            value,
            None,
            0,
            0,
            [],
            observed,
            settings,
            extra={"value": value},
        )
    h = (due - last).n
    sims, model = _paths(y, h, n_paths, seed, min_fit)
    final = sims.sum(axis=1) + float(y.sum()) if target.cumulative else sims[:, -1]
    fails = ~OPS[target.op](final, target.threshold)
    prob = float(fails.mean())
    lo, med, hi = np.quantile(final, [0.1, 0.5, 0.9])
    steps = np.cumsum(sims, axis=1) + float(y.sum()) if target.cumulative else sims
    qs = np.quantile(steps, [0.1, 0.5, 0.9], axis=0)
    path = [
        {"period": str(last + i + 1), "lo": float(qs[0, i]), "median": float(qs[1, i]), "hi": float(qs[2, i])}
        for i in range(h)
    ]
    lead_days = int((due.end_time.normalize() - now.end_time.normalize()).days)
    at_risk = prob >= risk_level
    return TrajectoryResult(
        tgt,
        "at_risk" if at_risk else "on_track",
        prob,
        at_risk,
        float(med),
        (float(lo), float(hi)),
        h,
        lead_days,
        path,
        observed,
        {**settings, "model": model},
    )
