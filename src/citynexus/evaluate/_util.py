"""Small numerical helpers shared by the evaluation steps (no I/O)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.stats import rankdata

if TYPE_CHECKING:
    import pandas as pd


def skew(x: np.ndarray) -> float:
    """Bias-adjusted sample skewness G1 of the non-missing values (Excel ``SKEW``,
    e1071 type 2, COINr ``skew``).

    .. math:: G_1 = \\frac{\\sqrt{n(n-1)}}{n-2}\\,\\frac{m_3}{m_2^{3/2}},\\quad
       m_k = \\frac1n\\sum_i (x_i-\\bar x)^k

    NaN when fewer than 3 values or zero variance. Reference: Joanes & Gill (1998),
    *The Statistician* 47(1), 183-189.
    """
    return skew_kurt(x)[0]


def kurt(x: np.ndarray) -> float:
    """Bias-adjusted sample excess kurtosis G2 of the non-missing values (Excel ``KURT``,
    e1071 type 2, COINr ``kurt``).

    .. math:: G_2 = \\frac{(n-1)\\,[(n+1)(r-3)+6]}{(n-2)(n-3)},\\quad r = \\frac{n\\sum d_i^4}{(\\sum d_i^2)^2}

    NaN when fewer than 4 values or zero variance. Reference: Joanes & Gill (1998).
    """
    return skew_kurt(x)[1]


def skew_kurt(x: np.ndarray) -> tuple[float, float]:
    """``(G1, G2)`` of :func:`skew` and :func:`kurt` in one pass over the data (the two
    functions are its halves)."""
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n < 3:
        return float("nan"), float("nan")
    d = v - v.mean()
    d2 = d * d
    s2 = d2.sum()
    if s2 == 0:
        return float("nan"), float("nan")
    s3 = (d2 * d).sum()
    g1 = float(np.sqrt(n) * s3 / s2**1.5 * np.sqrt(n * (n - 1)) / (n - 2))
    if n < 4:
        return g1, float("nan")
    r = n * (d2 * d2).sum() / s2**2
    return g1, float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def rank_ascending(x: np.ndarray, axis: int = -2) -> np.ndarray:
    """Ranks along ``axis`` with 1 = smallest, ties take the minimum rank, NaN stays NaN."""
    return rankdata(np.asarray(x, dtype=float), method="min", axis=axis, nan_policy="omit")


def rank_descending(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Ranks along ``axis`` with 1 = highest, ties take the minimum rank ("1224"
    competition ranking), NaN stays NaN."""
    return rankdata(-np.asarray(x, dtype=float), method="min", axis=axis, nan_policy="omit")


def rank_desc(x: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """Descending competition ranks ("1224"): 1 = highest, ties share the minimum rank,
    missing stays missing; a DataFrame is ranked column by column. Floats (see
    :func:`rank_series` for integers). The rule of every ranking of the package."""
    return x.rank(ascending=False, method="min")


def rank_series(s: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """:func:`rank_desc` as nullable integers (``Int64``)."""
    return rank_desc(s).astype("Int64")
