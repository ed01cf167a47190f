"""Step 4 — outlier treatment (COINr-compatible by default).

Per indicator: test skewness and kurtosis; if the indicator fails, winsorise point by
point up to ``winmax`` points; if it still fails, discard the winsorisation and apply a
log transform to the original values instead. Also offers Box–Cox and none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats as sps

from citynexus.evaluate._util import skew_kurt
from citynexus.evaluate.registry import Param, add, methods

if TYPE_CHECKING:
    from collections.abc import Mapping

_TEST = (
    Param("skew_threshold", float, 2.0, "pass when |skewness| is below it"),
    Param("kurt_threshold", float, 3.5, "... or the excess kurtosis is below it"),
    Param("force", bool, False, "treat even indicators that pass the test"),
)
add(
    "treat",
    "winsorise",
    params=(
        Param("winmax", int, 5, "at most this many points winsorised"),
        *_TEST,
        Param("fallback", str, "log", "transform used when winsorising is not enough: log, boxcox or none"),
        Param("boxcox_lambda", float, None, "lambda of a Box-Cox fallback (default: maximum likelihood)"),
    ),
    summary="COINr rule: winsorise point by point, else the fallback transform",
)
add("treat", "log", params=_TEST, summary="COIN Tool log transform of failing indicators")
add(
    "treat",
    "boxcox",
    params=(*_TEST, Param("boxcox_lambda", float, None, "lambda (default: maximum likelihood)")),
    summary="Box-Cox transform of failing indicators",
)
add("treat", "none", summary="no treatment")

TREAT_METHODS = methods("treat")
#: transforms a winsorisation can fall back to (every method but ``winsorise`` itself)
FALLBACKS = tuple(m for m in TREAT_METHODS if m != "winsorise")


def check_skew_kurt(x: np.ndarray, skew_threshold: float = 2.0, kurt_threshold: float = 3.5) -> bool | None:
    """COINr's outlier test: pass when :math:`|G_1| < t_s` **or** :math:`G_2 < t_k`.

    Returns None when skewness or kurtosis is undefined (fewer than 4 values, or zero
    variance): such an indicator is left untreated. Reference: COINr ``check_SkewKurt``.
    """
    return _passes(*skew_kurt(x), skew_threshold, kurt_threshold)


def _passes(s: float, k: float, skew_threshold: float, kurt_threshold: float) -> bool | None:
    if np.isnan(s) or np.isnan(k):
        return None
    return bool(abs(s) < skew_threshold or k < kurt_threshold)


def _clip_extreme(x: np.ndarray, obs: np.ndarray, high: bool) -> np.ndarray | None:
    """Set (in place) every point equal to the upper (``high``) or lower extreme of ``x``
    to the most extreme value among the other points; returns their positions, or None
    when no other point is observed."""
    pick = np.nanmax if high else np.nanmin
    idx = np.where(obs & (x == pick(x)))[0]
    others = np.delete(x, idx)
    if np.all(np.isnan(others)):
        return None
    x[idx] = pick(others)
    return idx


@dataclass
class WinsoriseResult:
    x: np.ndarray
    nwin: int
    #: per point: "" (untouched), "high" or "low"
    tails: np.ndarray
    passed: bool | None
    iterations: int = 0


def winsorise(
    x: np.ndarray,
    winmax: int | None = 5,
    skew_threshold: float = 2.0,
    kurt_threshold: float = 3.5,
    force: bool = False,
) -> WinsoriseResult:
    """Iterative winsorisation as COINr ``winsorise`` does it.

    While the vector fails :func:`check_skew_kurt` (or ``force``) and the count of
    winsorised points is below ``winmax`` (checked before each iteration): take the tail
    given by the sign of the current skewness (:math:`G_1 \\ge 0` -> upper), set every
    point equal to that tail's extreme to the most extreme value among the other points
    (:math:`x_{(n)} \\to \\max_{i \\notin \\text{argmax}} x_i`), recount and re-test. Missing
    values are ignored and kept.

    The count is COINr's ``nwin = length(imax) + length(imin)`` of the last iteration on
    each tail; because clipped points tie with the new extreme, this equals the number of
    points changed so far.

    Reference: COINr ``winsorise()`` (Becker et al., JRC); OECD/JRC (2008) Handbook.
    """
    x = np.array(x, dtype=float, copy=True)
    obs = ~np.isnan(x)
    imax: np.ndarray = np.array([], dtype=int)
    imin: np.ndarray = np.array([], dtype=int)
    nwin = 0
    sk, ku = skew_kurt(x)
    passed = _passes(sk, ku, skew_threshold, kurt_threshold)
    it = 0

    def below() -> bool:
        return winmax is None or nwin < winmax

    while (passed is False or (force and passed is not None)) and below():
        it += 1
        high = bool(sk >= 0)
        hit = _clip_extreme(x, obs, high)
        if hit is None:
            break
        if high:
            imax = hit
        else:
            imin = hit
        nwin = len(imax) + len(imin)
        sk, ku = skew_kurt(x)
        passed = _passes(sk, ku, skew_threshold, kurt_threshold)
        if passed is None:
            break
    tails = np.full(x.shape, "", dtype=object)
    tails[imax] = "high"
    tails[imin] = "low"
    return WinsoriseResult(x=x, nwin=int(nwin), tails=tails, passed=passed, iterations=it)


def log_ct(x: np.ndarray) -> np.ndarray:
    """COIN Tool log transform: :math:`x' = \\ln\\big(x - \\min x + 0.01(\\max x - \\min x)\\big)`.

    Reference: COINr ``log_CT``; JRC COIN Tool.
    """
    x = np.asarray(x, dtype=float)
    mn, mx = np.nanmin(x), np.nanmax(x)
    with np.errstate(divide="ignore"):
        return np.log(x - mn + 0.01 * (mx - mn))


def boxcox(x: np.ndarray, lam: float | None = None) -> tuple[np.ndarray, float]:
    """Box–Cox transform after the COINr shift :math:`x \\to x - \\min x + 1`:

    .. math:: x' = (x^\\lambda - 1)/\\lambda \\ (\\lambda \\ne 0),\\qquad x' = \\ln x \\ (\\lambda = 0)

    With ``lam=None`` the λ maximising the normal log-likelihood of the shifted values is
    used (``scipy.stats.boxcox_normmax``, method "mle"). Returns ``(values, lambda)``.
    Reference: Box & Cox (1964), *JRSS B* 26(2), 211-252; COINr ``boxcox``.
    """
    x = np.asarray(x, dtype=float)
    y = x - np.nanmin(x) + 1.0
    if lam is None:
        obs = y[~np.isnan(y)]
        lam = float(sps.boxcox_normmax(obs, method="mle")) if np.ptp(obs) > 0 else 1.0
    if lam == 0:
        return np.log(y), 0.0
    return (y**lam - 1.0) / lam, float(lam)


@dataclass
class TreatOptions:
    """Options of :func:`treat` for one indicator."""

    method: str = "winsorise"
    winmax: int | None = 5
    skew_threshold: float = 2.0
    kurt_threshold: float = 3.5
    fallback: str = "log"
    boxcox_lambda: float | None = None
    force: bool = False
    extra: dict = field(default_factory=dict)


def treat_vector(x: np.ndarray, opt: TreatOptions) -> tuple[np.ndarray, dict, np.ndarray]:
    """Treat one indicator (see :func:`treat`). Returns (treated values, details,
    per-point marks: "" / "winsorised high" / "winsorised low" / "log" / "boxcox")."""
    x = np.asarray(x, dtype=float)
    marks = np.full(x.shape, "", dtype=object)
    sk0, ku0 = skew_kurt(x)
    det: dict = {
        "skew_before": sk0,
        "kurt_before": ku0,
        "passed_before": None,
        "treatment": "none",
        "n_winsorised": 0,
        "winsorised_high": [],
        "winsorised_low": [],
        "lambda": None,
        "skew_after": float("nan"),
        "kurt_after": float("nan"),
        "passed_after": None,
    }
    passed = _passes(sk0, ku0, opt.skew_threshold, opt.kurt_threshold)
    det["passed_before"] = passed
    out = x
    if opt.method == "none" or passed is None or (passed and not opt.force):
        if passed is None and opt.method != "none":
            det["treatment"] = "none (skew/kurtosis undefined: fewer than 4 values or constant)"
    elif opt.method == "winsorise":
        w = winsorise(x, opt.winmax, opt.skew_threshold, opt.kurt_threshold, opt.force)
        if w.passed is False and opt.fallback != "none":
            out, marks, det = _transform(x, opt.fallback, opt.boxcox_lambda, marks, det)
            det["winsorise_attempted"] = w.nwin
        else:
            out = w.x
            det["treatment"] = "winsorise"
            det["n_winsorised"] = w.nwin
            marks[w.tails == "high"] = "winsorised high"
            marks[w.tails == "low"] = "winsorised low"
    else:
        out, marks, det = _transform(x, opt.method, opt.boxcox_lambda, marks, det)
    if out is x:
        det["skew_after"], det["kurt_after"] = sk0, ku0
    else:
        det["skew_after"], det["kurt_after"] = skew_kurt(out)
    det["passed_after"] = _passes(det["skew_after"], det["kurt_after"], opt.skew_threshold, opt.kurt_threshold)
    return out, det, marks


def _transform(x, how, lam, marks, det):
    obs = ~np.isnan(x)
    if how == "log":
        out = log_ct(x)
        det["treatment"] = "log"
    else:
        out, used = boxcox(x, lam)
        det["treatment"] = "boxcox"
        det["lambda"] = used
    marks[obs] = det["treatment"]
    return out, marks, det


def treat(
    table: pd.DataFrame,
    method: str = "winsorise",
    winmax: int | None = 5,
    skew_threshold: float = 2.0,
    kurt_threshold: float = 3.5,
    fallback: str = "log",
    boxcox_lambda: float | None = None,
    per_indicator: Mapping[str, Mapping] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Treat outliers column by column.

    Test (COINr ``check_SkewKurt``): an indicator passes when :math:`|G_1| < 2` or
    :math:`G_2 < 3.5` (bias-adjusted sample skewness and excess kurtosis, as Excel SKEW
    and KURT). ``method``:

    - ``winsorise`` (default): :func:`winsorise` up to ``winmax`` points; if the
      indicator still fails, the winsorisation is discarded and ``fallback`` (``log`` =
      :func:`log_ct`, ``boxcox``, or ``none`` = keep the winsorised values) is applied to
      the original values;
    - ``log`` / ``boxcox``: apply the transform to failing indicators;
    - ``none``: no treatment.

    ``per_indicator`` maps an indicator code to overrides of these options.

    Returns ``(treated table, details, points)``: details has one row per indicator
    (skew/kurtosis before and after, pass flags, treatment, number winsorised, units
    clipped on each tail, Box–Cox λ); points one row per changed cell (``unit,
    indicator, treatment, before, after``).

    Reference: COINr ``Treat()``; OECD/JRC (2008) Handbook, step 5.
    """
    base = TreatOptions(method, winmax, skew_threshold, kurt_threshold, fallback, boxcox_lambda)
    per_indicator = per_indicator or {}
    out = table.astype(float).copy()
    rows = []
    points: list[pd.DataFrame] = []
    units = np.asarray(table.index)
    for col in table.columns:
        opt = TreatOptions(**{**base.__dict__, **dict(per_indicator.get(col, {}))})
        before = out[col].to_numpy()
        after, det, marks = treat_vector(before, opt)
        out[col] = after
        det["winsorised_high"] = [str(u) for u in units[marks == "winsorised high"]]
        det["winsorised_low"] = [str(u) for u in units[marks == "winsorised low"]]
        rows.append({"indicator": col, **det})
        hit = np.where(marks != "")[0]
        if len(hit):
            points.append(
                pd.DataFrame(
                    {
                        "unit": units[hit],
                        "indicator": col,
                        "treatment": marks[hit].astype(str),
                        "before": before[hit],
                        "after": after[hit],
                    }
                )
            )
    details = pd.DataFrame(rows)
    cols = ["unit", "indicator", "treatment", "before", "after"]
    pts = pd.concat(points, ignore_index=True)[cols] if points else pd.DataFrame(columns=cols)
    return out, details, pts
