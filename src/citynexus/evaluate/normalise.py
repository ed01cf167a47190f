"""Step 5 — normalise indicators onto a common scale.

Every function works on an array whose **second-to-last axis is the units** and last
axis the indicators, so a batch of variants ``(..., n_units, n_indicators)`` is
normalised in one call. Missing values (NaN) stay missing. The direction is applied
first (:math:`x \\to d_j x`, :math:`d_j \\in \\{+1,-1\\}`), so after normalisation higher is
always better.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from citynexus.evaluate._util import rank_ascending
from citynexus.evaluate.registry import Param, method, methods, register

_U = -2  # units axis


def _dir(x: np.ndarray, direction) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if direction is None:
        return x
    return x * np.asarray(direction, dtype=float)


def _range(x):
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmin(x, axis=_U, keepdims=True), np.nanmax(x, axis=_U, keepdims=True)


def zero_range(x: np.ndarray) -> np.ndarray:
    """Boolean mask over indicators (last axis) whose observed values are all equal."""
    lo, hi = _range(np.asarray(x, dtype=float))
    return np.squeeze(hi - lo == 0, axis=_U)


@register(
    "normalise",
    params=(Param("range", tuple, (0.0, 100.0), "target interval [low, high]"),),
    summary="rescale onto [low, high]",
)
def minmax(x, direction=None, low: float = 0.0, high: float = 100.0) -> np.ndarray:
    """Min-max: :math:`y = l + (u-l)\\,\\frac{x - \\min x}{\\max x - \\min x}`.

    A column with zero range gets the midpoint :math:`(l+u)/2` (it carries no
    information to rank units; COINr returns NaN). Reference: OECD/JRC (2008) Handbook,
    §5.2; COINr ``n_minmax``.
    """
    x = _dir(x, direction)
    lo, hi = _range(x)
    rng = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        y = low + (high - low) * (x - lo) / rng
    y = np.where((rng == 0) & ~np.isnan(x), (low + high) / 2.0, y)
    return y


@register(
    "normalise", params=(Param("mean", float, 0.0), Param("sd", float, 1.0)), summary="standardise to mean and sd"
)
def zscore(x, direction=None, mean: float = 0.0, sd: float = 1.0) -> np.ndarray:
    """Standardisation: :math:`y = m + s\\,(x - \\bar x)/\\hat\\sigma_x` with the sample standard
    deviation (:math:`n-1`). Zero variance gives :math:`y = m`. Reference: OECD/JRC (2008)
    Handbook, §5.2; COINr ``n_zscore``.
    """
    x = _dir(x, direction)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mu = np.nanmean(x, axis=_U, keepdims=True)
        s = np.nanstd(x, axis=_U, ddof=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = mean + sd * (x - mu) / s
    return np.where((s == 0) & ~np.isnan(x), mean, y)


@register("normalise", summary="ranks, 1 = worst")
def rank(x, direction=None) -> np.ndarray:
    """Ranks, 1 = worst; ties take the minimum rank (COINr ``n_rank``)."""
    return rank_ascending(_dir(x, direction), axis=_U)


@register("normalise", summary="percentile ranks in [0, 1]")
def percentile(x, direction=None) -> np.ndarray:
    """Percentile rank :math:`y = (r - 1)/(n_{obs} - 1) \\in [0, 1]` with ``rank``'s ranks
    (COINr ``n_prank``). A single observed value gives 0.5."""
    x = _dir(x, direction)
    r = rank_ascending(x, axis=_U)
    n = np.sum(~np.isnan(x), axis=_U, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = (r - 1) / (n - 1)
    return np.where((n == 1) & ~np.isnan(x), 0.5, y)


@register("normalise", summary="Borda score (units beaten)")
def borda(x, direction=None) -> np.ndarray:
    """Borda score :math:`y = r - 1` (number of units beaten; COINr ``n_borda``)."""
    return rank(x, direction) - 1.0


@register(
    "normalise",
    params=(
        Param("lower", float, required=True),
        Param("upper", float, required=True),
        Param("scale", float, 100.0),
        Param("clip", bool, True),
    ),
    summary="fixed bounds in the indicator's units",
)
def goalposts(x, direction=None, lower=None, upper=None, scale: float = 100.0, clip: bool = True) -> np.ndarray:
    """Goalposts: fixed bounds :math:`[L_j, U_j]` in the indicator's own units.

    :math:`y = s\\,(x - L)/(U - L)` for positive direction, :math:`y = s\\,(U - x)/(U - L)`
    for negative direction; with ``clip`` values outside are set to 0 or ``s``.
    Reference: UNDP Human Development Index technical notes; COINr ``n_goalposts``.
    """
    x = np.asarray(x, dtype=float)
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    d = np.ones(x.shape[-1]) if direction is None else np.asarray(direction, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(d > 0, (x - lo) / (hi - lo), (hi - x) / (hi - lo))
    if clip:
        y = np.clip(y, 0.0, 1.0)
    return y * scale


@register("normalise", summary="distance to the maximum")
def dist2max(x, direction=None) -> np.ndarray:
    """Distance to the maximum: :math:`y = 1 - (\\max x - x)/(\\max x - \\min x)` (equals
    min-max onto [0, 1]; zero range gives 1). Reference: COINr ``n_dist2max``."""
    x = _dir(x, direction)
    lo, hi = _range(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = 1 - (hi - x) / (hi - lo)
    return np.where((hi - lo == 0) & ~np.isnan(x), 1.0, y)


def _distance_to(x: np.ndarray, goal: np.ndarray, cap: bool) -> np.ndarray:
    """:math:`y = 1 - (g - x)/(g - \\min x)` for an oriented ``x`` and goal ``g``; with
    ``cap``, values beyond the goal score 1."""
    lo, _ = _range(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = 1 - (goal - x) / (goal - lo)
    if cap:
        y = np.where(y > 1, 1.0, y)
    return y


@register(
    "normalise",
    params=(Param("target", float, required=True), Param("cap", bool, False)),
    summary="distance to a target",
)
def dist2target(x, direction=None, target=None, cap: bool = False) -> np.ndarray:
    """Distance to a target :math:`t_j` (given in the indicator's own units; multiplied by
    the direction like the data): :math:`y = 1 - (t - x)/(t - \\min x)`; with ``cap``,
    values beyond the target score 1. Reference: COINr ``n_dist2targ``."""
    d = np.ones(np.shape(x)[-1]) if direction is None else np.asarray(direction, dtype=float)
    x = _dir(x, d)
    return _distance_to(x, np.asarray(target, dtype=float) * d, cap)


@register(
    "normalise",
    params=(Param("ref", str, required=True), Param("cap", bool, False)),
    summary="distance to a reference unit",
)
def dist2ref(x, direction=None, ref: int = 0, cap: bool = False) -> np.ndarray:
    """Distance to a reference unit (row index ``ref``):
    :math:`y = 1 - (x_{ref} - x)/(x_{ref} - \\min x)`; with ``cap``, values above the
    reference score 1. Reference: COINr ``n_dist2ref``."""
    x = _dir(x, direction)
    return _distance_to(x, np.take(x, [ref], axis=_U), cap)


@register("normalise", summary="fraction of the maximum")
def fracmax(x, direction=None) -> np.ndarray:
    """Fraction of the maximum: :math:`y = x / \\max x` (COINr ``n_fracmax``)."""
    x = _dir(x, direction)
    _, hi = _range(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return x / hi


@register("normalise", summary="no rescaling (direction applied)")
def none(x, direction=None) -> np.ndarray:
    """No rescaling (the direction is still applied)."""
    return _dir(x, direction)


NORMALISE_METHODS = methods("normalise")


def method_func(name: str):
    """The function of the normalisation ``name`` (``KeyError`` when unknown)."""
    return method("normalise", name).func


def normalise_array(x: np.ndarray, method: str, direction=None, **params) -> np.ndarray:
    """Apply one method to every column of ``x`` (shape ``(..., n, m)``)."""
    try:
        f = method_func(method)
    except KeyError:
        raise ValueError(f"unknown normalisation {method!r}; choose one of {', '.join(NORMALISE_METHODS)}") from None
    if method == "minmax" and "range" in params:
        lo, hi = params.pop("range")
        params.update(low=lo, high=hi)
    return f(x, direction, **params)


def normalise(
    table: pd.DataFrame,
    method: str = "minmax",
    direction: Mapping[str, int] | Sequence[int] | None = None,
    per_indicator: Mapping[str, Mapping] | None = None,
    **params,
) -> tuple[pd.DataFrame, list[str]]:
    """Normalise a units x indicators table (see the module functions for formulas).

    ``direction``: mapping code -> +1/-1 (default +1). ``params`` go to the method
    (``range=(0, 100)`` or ``low``/``high`` for minmax; ``mean``/``sd`` for zscore;
    ``lower``/``upper``/``scale`` for goalposts; ``target`` for dist2target; ``ref`` (unit
    code) for dist2ref). ``per_indicator`` maps a code to ``{"method": ..., params}``.

    Returns the normalised table and warnings (zero-range columns, targets below the
    minimum, missing reference values).
    """
    cols = list(table.columns)
    if direction is None:
        d = np.ones(len(cols))
    elif isinstance(direction, Mapping):
        d = np.array([float(direction.get(c, 1)) for c in cols])
    else:
        d = np.asarray(direction, dtype=float)
    per_indicator = per_indicator or {}
    x = table.to_numpy(dtype=float, na_value=np.nan)
    warnings: list[str] = []
    zr = zero_range(x) if x.size else np.zeros(len(cols), bool)
    if not per_indicator and method not in ("dist2ref", "goalposts", "dist2target"):
        # fast path: one vectorised call for the whole table
        out = normalise_array(x, method, d, **dict(params))
        for j in np.where(zr)[0]:
            warnings.append(_zero_range_message(cols[j], method))
        return pd.DataFrame(out, index=table.index, columns=table.columns), warnings
    out = np.full_like(x, np.nan)
    for j, c in enumerate(cols):
        own = dict(per_indicator.get(c, {}))
        m = own.pop("method", method)
        p = {**(params if m == method else {}), **own}
        if m == "dist2ref":
            ref = p.get("ref")
            if ref not in list(table.index):
                raise ValueError(f"reference unit {ref!r} for dist2ref is not among the units")
            p["ref"] = list(table.index).index(ref)
            if np.isnan(x[p["ref"], j]):
                warnings.append(f"{c}: the reference unit {ref} has no value; the column is missing")
        if m == "goalposts" and (p.get("lower") is None or p.get("upper") is None):
            raise ValueError(f"goalposts for {c} need 'lower' and 'upper'")
        if m == "dist2target" and p.get("target") is None:
            raise ValueError(f"dist2target for {c} needs a 'target'")
        if zr[j]:
            warnings.append(_zero_range_message(c, m))
        col = normalise_array(x[:, [j]], m, d[[j]], **p)
        out[:, j] = col[:, 0]
    return pd.DataFrame(out, index=table.index, columns=table.columns), warnings


def _zero_range_message(code: str, method: str) -> str:
    result = {
        "minmax": "the midpoint of the range",
        "zscore": "the target mean",
        "dist2max": "1",
        "rank": "rank 1 for every unit",
        "borda": "0 for every unit",
        "percentile": "0 for every unit",
        "goalposts": "the usual goalpost scores",
        "none": "the values unchanged",
        "fracmax": "1 (or missing when the value is 0)",
    }.get(method, "missing or constant values")
    return f"{code}: all observed values are equal (zero range); {method} gives {result}"
