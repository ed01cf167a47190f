"""Step 7 — aggregate the children of an aggregate into one score per unit.

Mean-type functions take ``x`` of shape ``(..., n_units, k_children)`` and weights
``w`` of shape ``(k,)`` or ``(..., k)`` (a batch axis in front is allowed) and return
``(..., n_units)``. Missing children are skipped and the remaining weights rescaled to
sum to 1; with ``min_share`` > 0 a unit whose share of available children is below it
gets a missing score instead (COINr ``dat_thresh``).

MCDA methods (TOPSIS, VIKOR, grey relational analysis) take one ``(n, k)`` matrix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from citynexus.evaluate.errors import EvaluationError
from citynexus.evaluate.registry import Param, add, common_options, method, methods, register

if TYPE_CHECKING:
    from collections.abc import Sequence

common_options(
    "aggregate",
    (Param("min_share", float, 0.0, "below this share of available children the aggregate is missing"),),
)


def _prep(x, w, min_share: float):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    w = np.expand_dims(w, -2)  # (..., 1, k)
    obs = ~np.isnan(x)
    wo = np.where(obs, w, 0.0)
    wsum = wo.sum(axis=-1)
    share = obs.mean(axis=-1) if x.shape[-1] else np.zeros(x.shape[:-1])
    dead = (wsum == 0) | (share < min_share - 1e-12)
    return x, wo, wsum, dead


def _where_bad(x, bad, units, children, what, hint):
    idx = np.argwhere(bad)[0]
    i, j = int(idx[-2]), int(idx[-1])
    u = units[i] if units is not None else f"row {i}"
    c = children[j] if children is not None else f"column {j}"
    return EvaluationError(f"{what}: unit {u}, {c} has value {x[tuple(idx)]:g}; {hint}")


@register("aggregate", summary="weighted arithmetic mean", family="mean")
def arithmetic(x, w, min_share: float = 0.0) -> np.ndarray:
    """Weighted arithmetic mean :math:`y_i = \\sum_j w_j x_{ij} / \\sum_{j \\in O_i} w_j`
    over the available children :math:`O_i`. Reference: OECD/JRC (2008) Handbook, §6.2;
    COINr ``a_amean``."""
    x, wo, wsum, dead = _prep(x, w, min_share)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.nansum(np.where(np.isnan(x), 0.0, x) * wo, axis=-1) / wsum
    return np.where(dead, np.nan, y)


def _positive(x, units, children, problem: str) -> np.ndarray:
    """``x`` as floats, or an error naming the first unit and child whose value is <= 0."""
    x = np.asarray(x, dtype=float)
    bad = ~np.isnan(x) & (x <= 0)
    if bad.any():
        raise _where_bad(
            x,
            bad,
            units,
            children,
            problem,
            "normalise onto a positive range, e.g. min-max 1-100 (normalise.range = [1, 100])",
        )
    return x


@register("aggregate", summary="weighted geometric mean (values > 0)", family="mean")
def geometric(x, w, min_share: float = 0.0, units: Sequence | None = None, children: Sequence | None = None):
    """Weighted geometric mean :math:`y_i = \\exp\\big(\\sum_j w_j \\ln x_{ij} / \\sum_{j\\in O_i} w_j\\big)`.

    Refuses values <= 0 (naming the unit and child). Reference: OECD/JRC (2008) Handbook,
    §6.2; COINr ``a_gmean``.
    """
    x = _positive(x, units, children, "the geometric mean needs positive values")
    x, wo, wsum, dead = _prep(x, w, min_share)
    with np.errstate(invalid="ignore", divide="ignore"):
        lx = np.where(np.isnan(x), 0.0, np.log(np.where(np.isnan(x), 1.0, x)))
        y = np.exp(np.sum(lx * wo, axis=-1) / wsum)
    return np.where(dead, np.nan, y)


@register("aggregate", summary="weighted harmonic mean (values > 0)", family="mean")
def harmonic(x, w, min_share: float = 0.0, units: Sequence | None = None, children: Sequence | None = None):
    """Weighted harmonic mean :math:`y_i = \\sum_{j\\in O_i} w_j / \\sum_j (w_j / x_{ij})`.

    Refuses zeros (and negative values). Reference: COINr ``a_hmean``."""
    x = _positive(
        x, units, children, "the harmonic mean needs values > 0 (a zero would make it 0 whatever the other values)"
    )
    x, wo, wsum, dead = _prep(x, w, min_share)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = np.where(np.isnan(x), 0.0, 1.0 / np.where(np.isnan(x), 1.0, x))
        y = wsum / np.sum(wo * inv, axis=-1)
    return np.where(dead, np.nan, y)


@register("aggregate", params=(Param("p", float, 1.0),), summary="weighted power mean of order p", family="mean")
def generalised(
    x, w, p: float = 1.0, min_share: float = 0.0, units: Sequence | None = None, children: Sequence | None = None
):
    """Weighted generalised (power) mean :math:`y_i = \\big(\\sum_j w_j x_{ij}^p / \\sum_{j\\in O_i} w_j\\big)^{1/p}`;
    :math:`p = 1` arithmetic, :math:`p \\to 0` geometric, :math:`p = -1` harmonic. Needs
    positive values unless p is 1. Reference: COINr ``a_genmean``; Hardy, Littlewood &
    Pólya (1934) *Inequalities*."""
    if p == 0:
        return geometric(x, w, min_share, units, children)
    if p == 1:
        return arithmetic(x, w, min_share)
    x = _positive(x, units, children, f"the generalised mean with p = {p:g} needs positive values")
    x, wo, wsum, dead = _prep(x, w, min_share)
    with np.errstate(invalid="ignore", divide="ignore"):
        xp = np.where(np.isnan(x), 0.0, np.where(np.isnan(x), 1.0, x) ** p)
        y = (np.sum(xp * wo, axis=-1) / wsum) ** (1.0 / p)
    return np.where(dead, np.nan, y)


def _orient(x, types):
    x = np.asarray(x, dtype=float)
    if types is None:
        return x
    return x * np.asarray(types, dtype=float)


def _minmax01(x):
    lo = np.nanmin(x, axis=0)
    hi = np.nanmax(x, axis=0)
    rng = np.where(hi > lo, hi - lo, 1.0)
    return (x - lo) / rng


def topsis(x, w, types=None, normalisation: str = "vector") -> np.ndarray:
    """TOPSIS closeness to the ideal (Hwang & Yoon 1981, *Multiple Attribute Decision
    Making*, Springer).

    Cost criteria (``types`` = -1) are turned into benefits first. Normalisation
    ``vector`` (Hwang & Yoon: :math:`r_{ij} = x_{ij}/\\sqrt{\\sum_i x_{ij}^2}`, benefit
    columns only, so ``types`` must be all +1), ``minmax`` (pymcdm's default:
    :math:`(x - \\min)/(\\max - \\min)`) or ``none``. With :math:`v_{ij} = w_j r_{ij}`,
    :math:`v^+_j = \\max_i v_{ij}`, :math:`v^-_j = \\min_i v_{ij}`:

    .. math:: D^\\pm_i = \\sqrt{\\sum_j (v_{ij} - v^\\pm_j)^2},\\qquad C_i = \\frac{D^-_i}{D^+_i + D^-_i}

    Missing cells are left out of the unit's distances. Returns :math:`C \\in [0, 1]`
    (higher is better).
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if normalisation == "vector":
        if types is not None and np.any(np.asarray(types) < 0):
            xt = np.array(x, copy=True)
            t = np.asarray(types)
            # cost columns: pymcdm-style vector normalisation 1 - x/||x||
            norm = np.sqrt(np.nansum(xt**2, axis=0))
            r = xt / np.where(norm > 0, norm, 1.0)
            r = np.where(t < 0, 1.0 - r, r)
        else:
            norm = np.sqrt(np.nansum(x**2, axis=0))
            r = x / np.where(norm > 0, norm, 1.0)
    elif normalisation == "minmax":
        r = _minmax01(_orient(x, types))
    elif normalisation == "none":
        r = _orient(x, types)
    else:
        raise ValueError("normalisation must be 'vector', 'minmax' or 'none'")
    v = r * w
    pis = np.nanmax(v, axis=0)
    nis = np.nanmin(v, axis=0)
    dp = np.sqrt(np.nansum((v - pis) ** 2, axis=1))
    dm = np.sqrt(np.nansum((v - nis) ** 2, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = dm / (dp + dm)
    c = np.where((dp + dm) == 0, 0.5, c)
    return np.where(np.all(np.isnan(x), axis=1), np.nan, c)


class VikorResult(NamedTuple):
    """Result of :func:`vikor`: group utility ``S``, individual regret ``R`` and the
    compromise index ``Q`` per unit (lower is better for all three)."""

    S: np.ndarray
    R: np.ndarray
    Q: np.ndarray


def vikor(x, w, types=None, v: float = 0.5) -> VikorResult:
    """VIKOR (Opricovic & Tzeng 2004, *EJOR* 156(2), 445-455).

    With :math:`f^*_j = \\max_i f_{ij}`, :math:`f^-_j = \\min_i f_{ij}` (after turning cost
    criteria into benefits):

    .. math:: S_i = \\sum_j w_j \\frac{f^*_j - f_{ij}}{f^*_j - f^-_j},\\quad
       R_i = \\max_j w_j \\frac{f^*_j - f_{ij}}{f^*_j - f^-_j},\\quad
       Q_i = v\\frac{S_i - S^*}{S^- - S^*} + (1-v)\\frac{R_i - R^*}{R^- - R^*}

    (:math:`S^* = \\min S`, :math:`S^- = \\max S`, likewise R). Lower Q is better. A
    criterion with equal values for every unit contributes 0; missing cells are skipped.
    Returns a :class:`VikorResult` (``S``, ``R``, ``Q``; it unpacks as ``S, R, Q``).
    """
    f = _orient(x, types)
    w = np.asarray(w, dtype=float)
    fs = np.nanmax(f, axis=0)
    fm = np.nanmin(f, axis=0)
    rng = fs - fm
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(rng > 0, w * (fs - f) / np.where(rng > 0, rng, 1.0), 0.0)
    d = np.where(np.isnan(f), np.nan, d)
    S = np.nansum(d, axis=1)
    R = np.nanmax(np.where(np.isnan(d), -np.inf, d), axis=1)
    allnan = np.all(np.isnan(f), axis=1)
    S = np.where(allnan, np.nan, S)
    R = np.where(allnan, np.nan, R)

    def part(a):
        lo, hi = np.nanmin(a), np.nanmax(a)
        return np.zeros_like(a) if hi == lo else (a - lo) / (hi - lo)

    Q = v * part(S) + (1 - v) * part(R)
    return VikorResult(S, R, Q)


def gra(x, w, types=None, rho: float = 0.5, normalise: bool = True) -> np.ndarray:
    """Grey relational grade against the ideal series (Deng 1982, *Systems & Control
    Letters* 1(5), 288-294).

    Columns are min-max scaled to [0, 1] (benefit orientation) when ``normalise``; the
    reference is the column maximum :math:`x_{0j}`. With
    :math:`\\Delta_{ij} = |x_{0j} - x_{ij}|` and global :math:`\\Delta_{min}, \\Delta_{max}`:

    .. math:: \\xi_{ij} = \\frac{\\Delta_{min} + \\rho\\Delta_{max}}{\\Delta_{ij} + \\rho\\Delta_{max}},\\qquad
       \\gamma_i = \\sum_j w_j \\xi_{ij}

    (distinguishing coefficient :math:`\\rho` = 0.5; weights rescaled over available
    cells). Returns :math:`\\gamma \\in (0, 1]`.
    """
    z = _orient(x, types)
    if normalise:
        z = _minmax01(z)
    ref = np.nanmax(z, axis=0)
    delta = np.abs(ref - z)
    dmin, dmax = np.nanmin(delta), np.nanmax(delta)
    if dmax == 0:
        xi = np.where(np.isnan(z), np.nan, 1.0)
    else:
        xi = (dmin + rho * dmax) / (delta + rho * dmax)
    return arithmetic(xi, w)


_SCALE = Param("scale", float, 100.0, "scores are put on 0-scale, higher is better")


def _topsis_score(x, w, normalisation: str = "vector") -> np.ndarray:
    return topsis(x, w, normalisation=normalisation)


def _vikor_score(x, w, v: float = 0.5) -> np.ndarray:
    return 1.0 - vikor(x, w, v=float(v)).Q


def _gra_score(x, w, rho: float = 0.5) -> np.ndarray:
    return gra(x, w, rho=float(rho))


add(
    "aggregate",
    "topsis",
    _topsis_score,
    (Param("normalisation", str, "vector", "vector, minmax or none"), _SCALE),
    "TOPSIS closeness to the ideal; score = scale * C",
    "mcda",
)
add("aggregate", "vikor", _vikor_score, (Param("v", float, 0.5), _SCALE), "VIKOR; score = scale * (1 - Q)", "mcda")
add(
    "aggregate",
    "gra",
    _gra_score,
    (Param("rho", float, 0.5), _SCALE),
    "grey relational grade; score = scale * grade",
    "mcda",
)

AGGREGATE_METHODS = methods("aggregate")


def aggregate_array(
    method_name: str,
    x: np.ndarray,
    w: np.ndarray,
    *,
    p: float = 1.0,
    min_share: float = 0.0,
    units: Sequence | None = None,
    children: Sequence | None = None,
    scale: float = 100.0,
    **params,
) -> np.ndarray:
    """Dispatch by name through the registry. MCDA outputs are put on a 0-``scale``
    "higher is better" scale: TOPSIS ``scale * C``, VIKOR ``scale * (1 - Q)``, GRA
    ``scale * gamma``."""
    try:
        m = method("aggregate", method_name)
    except KeyError:
        raise ValueError(f"unknown aggregation {method_name!r}; choose one of {', '.join(AGGREGATE_METHODS)}") from None
    if m.family == "mean":
        kw: dict = {"min_share": min_share}
        if method_name != "arithmetic":
            kw.update(units=units, children=children)
        if method_name == "generalised":
            kw["p"] = p
        return m.func(x, w, **kw)
    x = np.asarray(x, dtype=float)
    share = (~np.isnan(x)).mean(axis=-1)
    dead = (share == 0) | (share < min_share - 1e-12)
    y = scale * m.func(x, w, **{k: params[k] for k in m.param_names if k in params})
    return np.where(dead, np.nan, y)
