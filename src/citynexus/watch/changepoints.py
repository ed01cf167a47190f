"""Change points: regime shifts in level, trend or variance of one reported series.

:class:`ChangePointDetector` follows the ruptures / PyOD shape (``fit`` then ``predict``, or
``fit_predict``) and uses ruptures (Truong, Oudre & Vayatis, 2020, "Selective review of offline change
point detection methods", Signal Processing 167) for the search. Its one default setting was chosen on
annotated series (see ``docs/risk.md`` and ``benchmarks/bench_watch.py``):

1. drop missing values (positions are mapped back to the original index afterwards);
2. counts (all values non-negative integers) get the Anscombe (1948) transform ``2 sqrt(x + 3/8)``;
3. noise scale ``sigma = 1.4826 * MAD(diff(x)) / sqrt(2)`` (first differences are insensitive to level
   shifts and slow trends, so sigma measures the noise and not the changes; fallbacks for noise-free
   series);
4. a seasonal profile is removed when the autocorrelation of the differences at lag 4 or 12 exceeds
   ``seasonal_acf`` (:func:`seasonal_period`, :func:`seasonal_profile`);
5. search scale ``scale = max(sigma, scale_floor * sd(x))``: the noise scale, but never below
   ``scale_floor`` times the series' standard deviation (changes included), so a change must also be
   large against the series' own spread (``scale="sd"`` divides by the standard deviation alone: plain
   z-scoring);
6. robust standardisation ``z = (x - median) / scale`` and, when ``hampel > 0``, a Hampel filter: a
   point farther than ``hampel`` from the median of its ``hampel_window`` left AND right neighbours is
   replaced by their median, so a single-period outlier is not taken for a change;
7. penalised search with the cost ``cost``, the penalty ``beta * log(n)`` per change point on the
   standardised scale and minimum segment ``min_size``: binary segmentation (``search="binseg"``:
   the largest change first, Scott & Knott 1974) or exact PELT (``"pelt"``, Killick, Fearnhead &
   Eckley 2012). Costs: ``"linear"`` (:class:`CostLinearTrend`: each segment a least-squares line, whose
   slope is kept only when it lowers the segment's cost by more than ``trend_beta * log(n)``, else a
   constant mean), ``"l2"`` (piecewise-constant mean), ``"normal"`` (mean and variance), ``"rbf"``
   (kernel, median-heuristic bandwidth), ``"l1"``.

The default (:data:`DEFAULT`): ``cost="linear"`` with ``trend_beta=4``, ``search="binseg"``,
``beta=5``, ``scale_floor=0.5``, ``min_size=2``, no Hampel filter (``hampel=0``), ``seasonal_acf=0.3``.
A segment may trend, so a steady trend (population, GDP, CO2) is one segment instead of a staircase,
and a change point is a jump in level or a change of slope. It was chosen by ``selection`` in
``benchmarks/bench_watch.py``: among 2,517 settings (costs, searches, scales, penalties 1-8 log n,
minimum segments 2/3/5, Hampel on/off, slope penalties) the one with the largest worst margin over
"zero" and every ruptures baseline on both F1 and covering, averaged over 25 real annotated series
of the TCPD, with the synthetic labelled suite as a guard; the leave-one-series-out estimate of that
procedure is reported beside it (``docs/risk.md``). Magnitudes are changes of segment mean, also in
noise sigmas (``sigma``), not on the search scale.

A change point is the 0-based position at which a new segment starts (never 0).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from citynexus.watch.errors import WatchInputError, WatchSpecError
from citynexus.watch.evidence import Evidence

__all__ = ["DEFAULT", "ChangePointDetector", "ChangePointResult", "ChangePointSettings", "noise_scale"]

COSTS = ("l2", "linear", "normal", "rbf", "l1")
SEARCHES = ("pelt", "binseg")
SCALES = ("robust", "sd")


@dataclass(frozen=True)
class ChangePointSettings:
    """The knobs of the detector (the defaults are the one chosen setting)."""

    cost: str = "linear"
    beta: float = 5.0
    min_size: int = 2
    hampel: float = 0.0
    hampel_window: int = 2
    period: int | None = None
    seasonal_acf: float = 0.3
    counts: bool | None = None
    scale_floor: float = 0.5
    search: str = "binseg"
    scale: str = "robust"
    trend_beta: float = 4.0

    def __post_init__(self) -> None:
        if self.cost not in COSTS:
            raise WatchSpecError(f"cost must be one of {', '.join(COSTS)}, not {self.cost!r}")
        if not self.beta > 0:
            raise WatchSpecError(f"beta (penalty multiplier) must be > 0, not {self.beta}")
        if self.min_size < 1:
            raise WatchSpecError(f"min_size must be >= 1, not {self.min_size}")
        if self.search not in SEARCHES:
            raise WatchSpecError(f"search must be one of {', '.join(SEARCHES)}, not {self.search!r}")
        if not self.trend_beta >= 0:
            raise WatchSpecError(f"trend_beta (penalty multiplier of a slope) must be >= 0, not {self.trend_beta}")
        if self.scale not in SCALES:
            raise WatchSpecError(f"scale must be one of {', '.join(SCALES)}, not {self.scale!r}")
        if not 0 <= self.scale_floor <= 10:
            raise WatchSpecError(f"scale_floor must be between 0 and 10, not {self.scale_floor}")


#: The one default setting.
DEFAULT = ChangePointSettings()


@dataclass
class ChangePointResult(Evidence):
    """What the detector found, with its evidence.

    ``changepoints``: 0-based positions (in the original series, missing values included) where a new
    segment starts; ``segments``: one dict per segment (start, end exclusive, mean, std, n observed);
    ``magnitudes``: change of segment mean at each change point, in the series' units and in noise
    sigmas; ``values``: the series seen (None for missing); ``settings``; ``note``: why nothing was
    detected, when that is the case.
    """

    changepoints: list[int]
    segments: list[dict[str, Any]]
    magnitudes: list[dict[str, float]]
    values: list[float | None]
    settings: dict[str, Any]
    n: int
    n_observed: int
    sigma: float
    penalty: float
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def explain(self, lang: str = "en") -> str:
        """The result in words (``en`` or ``zh``)."""
        zh = lang != "en"
        if not self.changepoints:
            if zh:
                return "未发现结构变化" + (f"（{self.note}）" if self.note else "") + "。"
            return "No change point found" + (f" ({self.note})" if self.note else "") + "."
        parts = []
        for cp, mag in zip(self.changepoints, self.magnitudes):
            d = mag["delta"]
            if zh:
                parts.append(
                    f"第{cp}期起均值{'上升' if d > 0 else '下降'}{abs(d):.4g}（{abs(mag['sigmas']):.1f}倍噪声）"
                )
            else:
                parts.append(
                    f"from position {cp} the mean {'rises' if d > 0 else 'falls'} by {abs(d):.4g} "
                    f"({abs(mag['sigmas']):.1f} noise sigmas)"
                )
        if zh:
            return f"发现{len(self.changepoints)}个变化点：" + "；".join(parts) + "。"
        return f"{len(self.changepoints)} change point(s): " + "; ".join(parts) + "."


def noise_scale(x: np.ndarray) -> float:
    """Robust noise scale ``1.4826 * MAD(diff x) / sqrt(2)`` (0 when it cannot be estimated).

    Fallbacks when the MAD of the differences is 0 (e.g. a noise-free step): the mean absolute
    nonzero difference divided by 10, so a step of any size in an otherwise flat series stands out.
    """
    if x.size < 3:
        return float(np.std(x)) if x.size > 1 else 0.0
    d = np.diff(x)
    mad = float(np.median(np.abs(d - np.median(d))))
    s = 1.4826 * mad / math.sqrt(2)
    if s > 0:
        return s
    nz = np.abs(d[d != 0])
    return float(nz.mean()) / 10 if nz.size else 0.0


def _hampel(z: np.ndarray, k: float, w: int) -> np.ndarray:
    """Replace isolated outliers: a point farther than ``k`` from the median of its ``w`` left
    neighbours AND from the median of its ``w`` right neighbours (one side at the ends) is set to the
    median of both sides. A level shift agrees with one side, so it is left alone."""
    return hampel_rows(z[None, :], k, w)[0]


def hampel_rows(Z: np.ndarray, k: float, w: int) -> np.ndarray:
    """:func:`_hampel` on every row of ``Z`` at once (one series per row, no missing values)."""
    m, n = Z.shape
    if k <= 0 or n < 2 * w + 2:
        return Z
    from numpy.lib.stride_tricks import sliding_window_view

    ml = np.full((m, n), np.nan)
    mr = np.full((m, n), np.nan)
    both = np.empty((m, n))
    med = np.median(sliding_window_view(Z, w, axis=1), axis=2)  # [:, j]: median of Z[:, j .. j+w-1]
    ml[:, w:] = med[:, : n - w]  # left neighbours of i: Z[:, i-w .. i-1]
    mr[:, : n - w] = med[:, 1:]  # right neighbours of i: Z[:, i+1 .. i+w]
    full = sliding_window_view(Z, 2 * w + 1, axis=1)
    both[:, w : n - w] = np.median(np.delete(full, w, axis=2), axis=2)
    for i in (*range(w), *range(n - w, n)):  # the ends: the neighbours that exist
        both[:, i] = np.median(np.concatenate([Z[:, max(0, i - w) : i], Z[:, i + 1 : i + 1 + w]], axis=1), axis=1)
        if 0 < i < w:
            ml[:, i] = np.median(Z[:, :i], axis=1)
        if n - w <= i < n - 1:
            mr[:, i] = np.median(Z[:, i + 1 :], axis=1)
    far_l = np.isnan(ml) | (np.abs(Z - ml) > k)
    far_r = np.isnan(mr) | (np.abs(Z - mr) > k)
    out = Z.copy()
    hit = far_l & far_r
    out[hit] = both[hit]
    return out


class ChangePointDetector:
    """Offline change-point detector with one default setting.

    >>> import numpy as np
    >>> x = np.r_[np.zeros(30), np.full(30, 5.0)] + np.random.default_rng(0).normal(0, 1, 60)
    >>> ChangePointDetector().fit_predict(x)
    [30]
    """

    def __init__(self, settings: ChangePointSettings | None = None, **overrides: Any) -> None:
        base = settings or DEFAULT
        self.settings = ChangePointSettings(**{**asdict(base), **overrides}) if overrides else base
        self.result_: ChangePointResult | None = None

    # ------------------------------------------------------------------ API
    def fit(self, values: Any) -> ChangePointDetector:
        """Find the change points of ``values`` (a sequence of numbers; None/NaN = missing)."""
        raw = _as_float_array(values)
        self.result_ = self._detect(raw)
        return self

    def predict(self) -> list[int]:
        """The change points found by the last :meth:`fit`."""
        if self.result_ is None:
            raise WatchSpecError("call fit(values) before predict()")
        return list(self.result_.changepoints)

    def fit_predict(self, values: Any) -> list[int]:
        return self.fit(values).predict()

    # ------------------------------------------------------------------ core
    def prepare(self, values: Any) -> Prepared:
        """Steps 1-6 of the module docstring: the standardised series the search sees (or why there is
        nothing to search). Many penalties can be searched on one preparation (``benchmarks``)."""
        return self._prepare(_as_float_array(values))

    def _prepare(self, raw: np.ndarray) -> Prepared:
        s = self.settings
        n = raw.size
        obs = np.flatnonzero(~np.isnan(raw))
        x = raw[obs]
        prep = Prepared(raw, obs, x, x, None, 0.0, 0.0, None, False)
        if n == 0:
            prep.note = "empty series: nothing to detect"
        elif x.size == 0:
            prep.note = "every value is missing: nothing to detect"
        elif x.size < 2 * s.min_size:
            prep.note = f"only {x.size} observed value(s), fewer than 2 x min_size = {2 * s.min_size}"
        elif float(np.ptp(x)) == 0.0:
            prep.note = "constant series: nothing to detect"
        if prep.note:
            return prep
        is_counts = s.counts if s.counts is not None else bool(np.all(x >= 0) and np.all(x == np.round(x)))
        xs = 2.0 * np.sqrt(x + 0.375) if is_counts else x  # Anscombe (1948): counts -> about unit variance
        prep.counts = is_counts
        prep.sigma = noise_scale(xs)
        if prep.sigma <= 0:
            prep.note = "no variation to measure: nothing to detect"
            return prep
        period = s.period if s.period is not None else seasonal_period(xs, s.seasonal_acf)
        if period:
            prep.x_adj = xs - seasonal_profile(xs, period)
            prep.sigma = noise_scale(prep.x_adj) or prep.sigma
        else:
            prep.x_adj = xs
        prep.period = period
        prep.scale = float(search_scale(prep.sigma, float(np.std(prep.x_adj)), s))
        z = (prep.x_adj - float(np.median(prep.x_adj))) / prep.scale
        prep.z = _hampel(z, s.hampel, s.hampel_window)
        return prep

    def _detect(self, raw: np.ndarray) -> ChangePointResult:
        prep = self._prepare(raw)
        if prep.z is None:
            return self._result(prep, [], 0.0)
        s = self.settings
        penalty = s.beta * math.log(max(prep.x.size, 2))
        slope = s.trend_beta * math.log(max(prep.x.size, 2))
        bkps = search_penalties(prep.z, s.cost, [penalty], s.min_size, search=s.search, t=prep.obs, slope_penalty=slope)
        bkps = bkps[0]
        return self._result(prep, bkps, penalty)

    def _result(self, prep: Prepared, bkps: list[int], penalty: float) -> ChangePointResult:
        """The result for the breakpoints ``bkps`` found on ``prep`` (segment ends, last = len)."""
        s, x, obs, n = self.settings, prep.x, prep.obs, prep.raw.size
        seen = [None if math.isnan(v) else float(v) for v in prep.raw]
        inner = [b for b in bkps if 0 < b < x.size]
        bounds = [0, *inner, x.size] if x.size else []
        segs = [_segment(x, a, b, obs, n) for a, b in itertools.pairwise(bounds)]
        if prep.z is None:
            return ChangePointResult([], segs, [], seen, asdict(s), n, int(x.size), prep.sigma, 0.0, prep.note)
        # shift in noise sigmas on the scale the search saw (after the count transform and deseasoning)
        means = [float(prep.x_adj[a:b].mean()) for a, b in itertools.pairwise(bounds)]
        mags = [
            {"delta": segs[i + 1]["mean"] - segs[i]["mean"], "sigmas": (means[i + 1] - means[i]) / prep.sigma}
            for i in range(len(segs) - 1)
        ]
        extra = {"period": prep.period, "counts": prep.counts, "scale": prep.scale}
        cps = [int(obs[b]) for b in inner]  # positions in the observed array -> original positions
        return ChangePointResult(cps, segs, mags, seen, asdict(s), n, int(x.size), prep.sigma, penalty, extra=extra)


@dataclass
class Prepared:
    """A series made ready for the search: ``raw`` (NaN = missing), ``obs`` (positions observed),
    ``x`` (observed values), ``x_adj`` (count-transformed and deseasoned), ``z`` (standardised and
    Hampel-filtered; None when there is nothing to search, ``note`` says why), ``sigma`` (noise
    scale), ``scale`` (search scale), ``period`` (seasonal period removed), ``counts``."""

    raw: np.ndarray
    obs: np.ndarray
    x: np.ndarray
    x_adj: np.ndarray
    z: np.ndarray | None
    sigma: float
    scale: float
    period: int | None
    counts: bool
    note: str = ""


def search_scale(sigma: Any, sd: Any, s: ChangePointSettings) -> Any:
    """The scale the series is divided by before the search (scalars or arrays, elementwise):
    ``scale="robust"``: ``max(sigma, scale_floor * sd)`` (noise scale, floored by the spread);
    ``scale="sd"``: ``sd``, plain z-scoring by the series' standard deviation (changes included)."""
    return sd if s.scale == "sd" else np.maximum(sigma, s.scale_floor * sd)


#: Seasonal periods tried when none is given (quarterly, monthly).
CANDIDATE_PERIODS = (4, 12)


def seasonal_period(x: np.ndarray, threshold: float = 0.3) -> int | None:
    """The seasonal period among :data:`CANDIDATE_PERIODS` whose autocorrelation of the first
    differences is largest and above ``threshold`` (needs three full cycles), else None."""
    d = np.diff(x)
    best, best_r = None, threshold
    for p in CANDIDATE_PERIODS:
        if x.size < 3 * p or d.size <= p:
            continue
        a, b = d[:-p] - d.mean(), d[p:] - d.mean()
        den = float(np.sqrt((a * a).sum() * (b * b).sum()))
        r = float((a * b).sum() / den) if den > 0 else 0.0
        if r > best_r:
            best, best_r = p, r
    return best


def seasonal_profile(x: np.ndarray, period: int) -> np.ndarray:
    """Per-phase median of ``x`` minus its centred rolling median of one period (odd window; shorter
    at the ends) — the seasonal component of a robust classical decomposition — centred to sum zero
    over a cycle."""
    from numpy.lib.stride_tricks import sliding_window_view

    w = period + (1 - period % 2)
    h = w // 2
    n = x.size
    trend = np.empty(n)
    if n >= w:
        trend[h : n - h] = np.median(sliding_window_view(x, w), axis=1)
    for i in (*range(min(h, n)), *range(max(n - h, h), n)):
        trend[i] = float(np.median(x[max(0, i - h) : i + h + 1]))
    det = x - trend
    prof = np.array([np.median(det[i::period]) for i in range(period)])
    prof -= prof.mean()
    return np.resize(prof, x.size)


def _segment(x: np.ndarray, a: int, b: int, obs: np.ndarray, n: int) -> dict[str, Any]:
    part = x[a:b]
    start = int(obs[a]) if a > 0 else 0
    end = int(obs[b]) if b < x.size else n
    return {
        "start": start,
        "end": end,
        "n_observed": int(part.size),
        "mean": float(part.mean()),
        "std": float(part.std(ddof=1)) if part.size > 1 else 0.0,
    }


def rbf_gamma(z: np.ndarray) -> float:
    """Bandwidth of the rbf kernel by the median heuristic, as ruptures computes it: ``1 / median`` of
    the squared pairwise distances (1 when that median is 0)."""
    d = z[:, None] - z[None, :]
    iu = np.triu_indices(z.size, 1)
    med = float(np.median((d * d)[iu])) if z.size > 1 else 0.0
    return 1.0 / med if med != 0 else 1.0


class CostLinearTrend:
    """Piecewise-linear cost: the residual sum of squares of a least-squares line ``y = a + b t`` fitted
    to each segment, so a segment may trend and a change point is a jump in level and/or slope. With
    ``slope_penalty`` ``p > 0`` a segment keeps its slope only when that lowers its cost by more than
    ``p`` (``error = min(RSS_mean, RSS_line + p)``: a slope is one more parameter, penalised like a change
    point's, Schwarz 1978), else it is a constant mean (the l2 cost).

    ``error(a, b) = S_yy - S_y^2/m - (S_ty - S_t S_y / m)^2 / (S_tt - S_t^2 / m)`` over the ``m`` points of
    ``[a, b)``, from cumulative sums in O(1) (the cost of ruptures' ``CostLinear`` with covariates
    ``(1, t)``, which solves a least-squares problem per segment; Bai & Perron 1998 for the model). ``t``
    is the time of each point (the observed positions, so a gap of missing values is time passing);
    centred for numerical stability. Built on ruptures' ``BaseCost`` at first use (ruptures is imported
    lazily), so ``Pelt`` and ``Binseg`` accept it as ``custom_cost``.
    """

    model = "linear"
    min_size = 2

    def __init__(self, t: np.ndarray | None = None, slope_penalty: float = 0.0) -> None:
        self.t = t
        self.slope_penalty = slope_penalty
        self.signal: np.ndarray | None = None

    def fit(self, signal: np.ndarray) -> CostLinearTrend:
        self.signal = np.asarray(signal, dtype=float).reshape(len(signal), -1)
        y = self.signal[:, 0]
        t = np.arange(y.size, dtype=float) if self.t is None else np.asarray(self.t, dtype=float)
        t = t - t.mean()
        self._c = [np.r_[0.0, np.cumsum(v)] for v in (np.ones_like(y), t, t * t, y, t * y, y * y)]
        return self

    def error(self, start: int, end: int) -> float:
        m, st, stt, sy, sty, syy = (c[end] - c[start] for c in self._c)
        r = syy - sy * sy / m
        vt = stt - st * st / m
        gain = (sty - st * sy / m) ** 2 / vt if vt > 1e-12 else 0.0
        return max(float(r - max(gain - self.slope_penalty, 0.0)), 0.0)


def linear_trend_cost(t: np.ndarray | None = None, slope_penalty: float = 0.0) -> Any:
    """A :class:`CostLinearTrend` that ruptures recognises as a cost (a ``BaseCost`` subclass)."""
    from ruptures.base import BaseCost

    cls = _COST_CLASS.get("linear")
    if cls is None:
        cls = _COST_CLASS["linear"] = type("RupturesCostLinearTrend", (CostLinearTrend, BaseCost), {})
    return cls(t, slope_penalty)


_COST_CLASS: dict[str, type] = {}


def search_penalties(
    z: np.ndarray,
    cost: str,
    penalties: list[float],
    min_size: int,
    gamma: float | None = None,
    search: str = "pelt",
    t: np.ndarray | None = None,
    slope_penalty: float = 0.0,
) -> list[list[int]]:
    """Penalised search with ruptures for each penalty in ``penalties`` on one fitted cost — PELT
    (exact) or binary segmentation (greedy: the largest change first, Scott & Knott 1974); returns,
    per penalty, the breakpoints as ruptures does (segment ends, last = len). Binary segmentation
    keeps its splits between penalties, so a sweep of penalties costs little more than one. ``t``: the
    time of each point for the ``linear`` cost (default ``0 .. len - 1``), ``slope_penalty`` its price of
    a slope (:class:`CostLinearTrend`)."""
    import ruptures as rpt

    signal = z.reshape(-1, 1)
    g = (rbf_gamma(z) if gamma is None else gamma) if cost == "rbf" else None
    custom = linear_trend_cost(t, slope_penalty) if cost == "linear" else None
    if search == "binseg":
        params = None if g is None else {"gamma": g}
        algo = rpt.Binseg(model=cost, custom_cost=custom, min_size=min_size, jump=1, params=params)
    elif cost == "l2":  # KernelCPD with the linear kernel is the l2 cost, searched by PELT in compiled code
        algo = rpt.KernelCPD(kernel="linear", min_size=min_size)
    elif cost == "rbf":
        algo = rpt.KernelCPD(kernel="rbf", min_size=min_size, params={"gamma": g})
    else:
        algo = rpt.Pelt(model=cost, custom_cost=custom, min_size=min_size, jump=1)
    algo.fit(signal)
    return [list(algo.predict(pen=p)) for p in penalties]


def _as_float_array(values: Any) -> np.ndarray:
    try:
        arr = np.asarray(
            [np.nan if v is None or (isinstance(v, str) and not v.strip()) else v for v in values], dtype=float
        )
    except (TypeError, ValueError) as err:
        raise WatchInputError(f"a series must hold numbers (missing = None/NaN/empty): {err}") from err
    if arr.ndim != 1:
        raise WatchInputError(f"a series must be one-dimensional, got shape {arr.shape}")
    if np.isinf(arr).any():
        raise WatchInputError(f"a series holds an infinite value at position {int(np.flatnonzero(np.isinf(arr))[0])}")
    return arr
