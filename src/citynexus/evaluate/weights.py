"""Step 6 — weights of the children of one aggregate.

Data-driven methods take a matrix ``x`` of shape ``(..., n_units, k_children)`` (a
batch axis in front is allowed where noted) and return weights of shape ``(..., k)``
summing to 1. Missing values are ignored column-wise where the method allows it.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from citynexus.evaluate.errors import EvaluationError, InconsistentJudgementsError, IndexSpecError
from citynexus.evaluate.registry import Param, common_options, method, methods, register

common_options(
    "weights",
    (Param("source", str, "normalised", "data of data-driven weights: normalised, treated or raw (level 1)"),),
)

#: Saaty's random consistency index RI for n = 1..15 (Saaty 1980, Table 1.7).
RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59)


@register(
    "weights",
    params=(Param("values", dict, None, "CODE = weight (default: the metadata weights)"),),
    summary="weights given in the spec or the metadata, relative within the parent",
)
def given(w) -> np.ndarray:
    """Weights from metadata, relative within the parent (any positive scale):
    :math:`w_j = v_j / \\sum_k v_k`."""
    w = np.asarray(w, dtype=float)
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise IndexSpecError(f"weights must be finite and non-negative, got {w.tolist()}")
    s = w.sum(axis=-1, keepdims=True)
    if np.any(s == 0):
        raise IndexSpecError("the weights of a group sum to 0; give at least one positive weight")
    return w / s


@register("weights", summary="1/k")
def equal(x) -> np.ndarray:
    """Equal weights :math:`w_j = 1/k`."""
    k = np.shape(x)[-1]
    return np.full((*np.shape(x)[:-2], k), 1.0 / k)


def _entropy_from_shares(p: np.ndarray, n_obs: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -np.nansum(plogp, axis=-2) / np.log(np.maximum(n_obs, 2))
    d = 1.0 - e
    s = d.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = d / s
    return np.where(s == 0, 1.0 / d.shape[-1], w)


@register("weights", summary="entropy weights of the raw shares (pymcdm variant)")
def entropy(x) -> np.ndarray:
    """Entropy weights, **pymcdm variant** (shares of the raw column); batch-capable.

    .. math:: p_{ij} = \\frac{x_{ij}}{\\sum_i x_{ij}},\\quad
       e_j = -\\frac{1}{\\ln n}\\sum_i p_{ij}\\ln p_{ij},\\quad
       w_j = \\frac{1 - e_j}{\\sum_k (1 - e_k)}

    with :math:`0 \\ln 0 = 0` (pymcdm instead sets :math:`e_j = 0` for a column containing a
    zero; the two agree on columns without zeros). Needs non-negative data.
    Reference: Shannon (1948); Zeleny (1982) *Multiple Criteria Decision Making*;
    pymcdm ``entropy_weights``.
    """
    x = np.asarray(x, dtype=float)
    if np.nanmin(x) < 0:
        raise EvaluationError(
            "entropy weights (pymcdm variant) need non-negative values; this group has negative values "
            "(e.g. z-scores) -> use method 'entropy_minmax' or a min-max normalisation"
        )
    n_obs = np.sum(~np.isnan(x), axis=-2)
    s = np.nansum(x, axis=-2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / s
    return _entropy_from_shares(p, n_obs)


@register("weights", params=(Param("shift", float, 1e-4),), summary="entropy weights after min-max scaling and a shift")
def entropy_minmax(x, shift: float = 1e-4) -> np.ndarray:
    """Entropy weights, **min-max-then-shift variant** common in Chinese studies
    (熵值法); batch-capable.

    .. math:: z_{ij} = \\frac{x_{ij} - \\min_i x_{ij}}{\\max_i x_{ij} - \\min_i x_{ij}} + \\delta,\\quad
       p_{ij} = z_{ij} / \\textstyle\\sum_i z_{ij}

    then :math:`e_j, w_j` as in :func:`entropy`; :math:`\\delta` = ``shift`` (default 1e-4)
    keeps logarithms defined. The input is assumed already oriented (higher = better).
    Unlike :func:`entropy`, the result does not depend on the column's location or scale.
    Reference: e.g. 郭显光 (1998) 《数量经济技术经济研究》; Zhu, Tian & Yan (2020) *Math. Probl. Eng.*
    """
    x = np.asarray(x, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanmin(x, axis=-2, keepdims=True)
        hi = np.nanmax(x, axis=-2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(hi > lo, (x - lo) / (hi - lo), 0.0) + shift
    z = np.where(np.isnan(x), np.nan, z)
    n_obs = np.sum(~np.isnan(x), axis=-2)
    p = z / np.nansum(z, axis=-2, keepdims=True)
    return _entropy_from_shares(p, n_obs)


@register("weights", summary="CRITIC: contrast times conflict")
def critic(x) -> np.ndarray:
    """CRITIC weights (Diakoulaki, Mavrotas & Papayannakis 1995, *Computers & OR* 22(7)).

    Columns are min-max scaled to [0, 1]; :math:`\\sigma_j` their sample sd and
    :math:`r_{jk}` Pearson correlations:

    .. math:: C_j = \\sigma_j \\sum_k (1 - r_{jk}),\\qquad w_j = C_j / \\sum_k C_k

    Rows with a missing value are dropped (listwise). Matches pymcdm ``critic_weights``.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim > 2:
        return np.stack([critic(b) for b in x.reshape((-1, *x.shape[-2:]))]).reshape((*x.shape[:-2], x.shape[-1]))
    x = x[~np.isnan(x).any(axis=1)]
    if x.shape[0] < 3:
        raise EvaluationError("CRITIC weights need at least 3 units with complete data in the group")
    lo, hi = x.min(axis=0), x.max(axis=0)
    rng = np.where(hi > lo, hi - lo, 1.0)
    z = (x - lo) / rng
    s = z.std(axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(z, rowvar=False)
    r = np.nan_to_num(np.atleast_2d(r), nan=0.0)
    c = s * np.sum(1 - r, axis=0)
    return c / c.sum() if c.sum() > 0 else np.full(x.shape[1], 1 / x.shape[1])


@register("weights", summary="proportional to the sample standard deviation")
def std(x) -> np.ndarray:
    """Standard-deviation weights :math:`w_j = \\sigma_j / \\sum_k \\sigma_k` (sample sd,
    :math:`n-1`); batch-capable. Reference: pymcdm ``standard_deviation_weights``."""
    x = np.asarray(x, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = np.nanstd(x, axis=-2, ddof=1)
    tot = s.sum(axis=-1, keepdims=True)
    return np.where(tot > 0, s / np.where(tot > 0, tot, 1), 1.0 / s.shape[-1])


def varimax(loadings: np.ndarray, gamma: float = 1.0, max_iter: int = 500, tol: float = 1e-10) -> np.ndarray:
    """Varimax rotation of a loading matrix (Kaiser 1958, *Psychometrika* 23, 187-200)."""
    p, k = loadings.shape
    if k < 2:
        return loadings.copy()
    R = np.eye(k)
    d = 0.0
    for _ in range(max_iter):
        L = loadings @ R
        u, s, vt = np.linalg.svd(loadings.T @ (L**3 - (gamma / p) * L @ np.diag(np.sum(L**2, axis=0))))
        R = u @ vt
        d_new = s.sum()
        if d != 0 and d_new / d < 1 + tol:
            break
        d = d_new
    return loadings @ R


@register(
    "weights",
    params=(Param("min_eigenvalue", float, 1.0), Param("min_share", float, 0.10), Param("rotate", bool, True)),
    summary="OECD/JRC PCA weights (varimax-rotated loadings)",
)
def pca(x, min_eigenvalue: float = 1.0, min_share: float = 0.10, rotate: bool = True) -> np.ndarray:
    """PCA-based weights following the OECD/JRC Handbook (2008, §6.1, Tables 17-18).

    1. standardise the columns and take the eigen-decomposition of their correlation
       matrix;
    2. retain the components with eigenvalue > ``min_eigenvalue`` that each explain more
       than ``min_share`` of the variance (at least one);
    3. rotate the retained loadings (varimax);
    4. square the loadings and scale each factor's column to unit sum;
    5. give each indicator the factor on which its squared loading is largest; its weight
       is that scaled squared loading times the factor's share of the variance explained
       by the retained factors; finally scale the weights to sum to 1.

    Rows with a missing value are dropped (listwise).
    """
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    n, k = x.shape
    if n < 3 or k < 2:
        return np.full(k, 1.0 / k)
    sd = x.std(axis=0, ddof=1)
    z = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    corr = np.corrcoef(z, rowvar=False)
    corr = np.nan_to_num(corr, nan=0.0)
    np.fill_diagonal(corr, 1.0)
    vals, vecs = np.linalg.eigh(corr)
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    share = vals / vals.sum()
    keep = (vals > min_eigenvalue) & (share > min_share)
    if not keep.any():
        keep[0] = True
    load = vecs[:, keep] * np.sqrt(np.maximum(vals[keep], 0))
    if rotate:
        load = varimax(load)
    sq = load**2
    sq_scaled = sq / sq.sum(axis=0, keepdims=True)
    expl = sq.sum(axis=0)  # variance explained by each (rotated) factor
    fshare = expl / expl.sum()
    best = np.argmax(sq_scaled, axis=1)
    w = sq_scaled[np.arange(k), best] * fshare[best]
    return w / w.sum()


class AHPResult(NamedTuple):
    """Result of :func:`ahp`: the weights (summing to 1) and Saaty's consistency ratio."""

    weights: np.ndarray
    cr: float


@register(
    "weights",
    params=(Param("matrix", list, required=True), Param("codes", list), Param("force", bool, False)),
    summary="AHP principal eigenvector; CR >= 0.1 refused unless force",
)
def ahp(matrix, force: bool = False, tol: float = 1e-6) -> AHPResult:
    """AHP weights from a pairwise comparison matrix (Saaty 1980, *The Analytic Hierarchy
    Process*): the principal right eigenvector :math:`A w = \\lambda_{max} w`, scaled to sum
    1. Consistency: :math:`CI = (\\lambda_{max} - n)/(n - 1)`, :math:`CR = CI / RI_n` with
    Saaty's random indices (:data:`RANDOM_INDEX`); CR = 0 for n <= 2.

    Refuses a matrix that is not square, not positive, without unit diagonal or not
    reciprocal (:math:`a_{ji} = 1/a_{ij}`), and one with CR >= 0.1 unless ``force``.
    Returns an :class:`AHPResult` (``weights``, ``cr``; it unpacks as ``w, cr``).
    """
    A = np.asarray(matrix, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise IndexSpecError(f"an AHP matrix must be square; got shape {A.shape}")
    n = A.shape[0]
    if np.any(~np.isfinite(A)) or np.any(A <= 0):
        raise IndexSpecError("AHP judgements must be positive numbers (Saaty scale 1/9 .. 9)")
    if not np.allclose(np.diag(A), 1.0, rtol=0, atol=tol):
        raise IndexSpecError("the diagonal of an AHP matrix must be 1 (each criterion equals itself)")
    bad = np.argwhere(np.abs(A * A.T - 1.0) > tol)
    if len(bad):
        i, j = bad[0]
        raise IndexSpecError(
            f"the AHP matrix is not reciprocal: a[{i + 1},{j + 1}] = {A[i, j]:g} but a[{j + 1},{i + 1}] = "
            f"{A[j, i]:g}; set a[{j + 1},{i + 1}] = 1/{A[i, j]:g} = {1 / A[i, j]:.6g}"
        )
    vals, vecs = np.linalg.eig(A)
    i = int(np.argmax(vals.real))
    lam = float(vals[i].real)
    w = np.abs(vecs[:, i].real)
    w = w / w.sum()
    if n <= 2:
        cr = 0.0
    else:
        ri = RANDOM_INDEX[n - 1] if n <= len(RANDOM_INDEX) else RANDOM_INDEX[-1]
        cr = ((lam - n) / (n - 1)) / ri
    if cr >= 0.1 and not force:
        raise InconsistentJudgementsError(
            f"AHP consistency ratio CR = {cr:.3f} >= 0.1: the pairwise judgements contradict each other; "
            "revise the comparisons (look for a > b > c but c >= a) or set force = true to accept them"
        )
    return AHPResult(w, float(cr))


WEIGHT_METHODS = methods("weights")


def compute(method_name: str, x=None, **params) -> np.ndarray:
    """Dispatch by name through the registry: ``given`` (needs ``values``), ``ahp`` (needs
    ``matrix``; returns the weights only), and the data-driven methods on ``x`` with the
    registered parameters found in ``params`` (others are ignored)."""
    try:
        m = method("weights", method_name)
    except KeyError:
        raise IndexSpecError(
            f"unknown weighting method {method_name!r}; choose one of {', '.join(WEIGHT_METHODS)}"
        ) from None
    if method_name == "given":
        return given(params["values"])
    if method_name == "ahp":
        return ahp(params["matrix"], force=bool(params.get("force", False))).weights
    return m.func(x, **{k: params[k] for k in m.param_names if k in params})
