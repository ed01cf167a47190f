"""Coupling coordination degree (耦合协调度) between n >= 2 subsystems.

For every row (a unit, or a unit in one period) with subsystem scores U_1..U_n on [0, 1]:

- coupling degree C (耦合度), by one of three models (below);
- comprehensive development index T = sum_i alpha_i U_i (综合发展指数), sum alpha_i = 1;
- coupling coordination degree D = sqrt(C * T) (耦合协调度);
- the grade of D in a band scheme (协调等级), by default the 10-level scheme;
- the relative-development type (相对发展类型): which subsystem lags.

Models of C
-----------
``standard`` (传统模型)::

    C = n * (prod_i U_i)^(1/n) / sum_i U_i        (geometric mean / arithmetic mean)

``wang`` — the corrected model of Wang Shujia, Kong Wei, Ren Liang, Zhi Dandan & Dai Binting
(2021), 国内耦合协调度模型的误区及修正 (Research on misuses and modification of coupling
coordination degree model in China), 自然资源学报 Journal of Natural Resources 36(3):
793–810, doi:10.31497/zrzyxb.20210319::

    C = sqrt( [1 - sum_{i>j} |U_i - U_j| / sum_{m=1}^{n-1} m] * [prod_i (U_i / max_j U_j)]^(1/(n-1)) )

  where sum_{m=1}^{n-1} m = n(n-1)/2 is the number of pairs, so the first factor is one minus
  the mean absolute pairwise difference; in the second factor one ratio is 1 (the leading
  subsystem), so it is the geometric mean of the other n-1 ratios to the leader. For n = 2:
  C = sqrt((1 - |U_1 - U_2|) * min/max).

``fan`` — Fan D., Ke H. & Cao R. (2024), 耦合协调度模型的修正与改进 (Modification and
improvement of coupling coordination degree model), 统计与决策 Statistics & Decision 40(22):
41–46, doi:10.13546/j.cnki.tjyjc.2024.22.007, in the form implemented by the R package
``coupling`` 0.1 (Lyu, stscl/coupling)::

    C = 1 - 2 * sqrt( (n * sum_i U_i^2 - (sum_i U_i)^2) / n^2 ) = 1 - 2 * sigma(U)

  with sigma the population standard deviation of the n scores. See docs/methods.md for
  what was and was not verified about this formula.

Edge cases (what is returned and why)
-------------------------------------
- a subsystem equal to 0 (others positive): ``standard`` and ``wang`` give C = 0 (the product
  vanishes), hence D = 0; ``fan`` gives C = 1 - 2 sigma > 0 (dispersion only), hence D > 0.
- all subsystems equal and positive: C = 1 in every model, D = sqrt(T).
- all subsystems 0: ``standard`` (0/0) and ``wang`` (0/max = 0/0) leave C undefined and
  return C = NaN; ``fan`` returns C = 1 (no dispersion). T = 0, and D = 0 in every model: since
  0 <= C <= 1 wherever it is defined, D = sqrt(C*T) <= sqrt(T) = 0 whatever value C is given.
- values outside [0, 1] or missing: :class:`RegionInputError`. ``rescale=True`` first maps each
  column linearly onto [0.01, 0.99] over all rows, ``0.01 + 0.98 (x - min)/(max - min)``, the
  pre-processing a common web tool applies by default (so results can be compared with it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from citynexus.region.errors import RegionInputError, RegionSpecError

METHODS = ("standard", "wang", "fan")


@dataclass(frozen=True)
class Band:
    """One grade band [lower, upper) of D (the last band includes its upper bound)."""

    lower: float
    upper: float
    name: str
    name_zh: str


#: The usual 10-level scheme (十级划分) of the coupling coordination degree D.
GRADES_10: tuple[Band, ...] = (
    Band(0.0, 0.1, "extreme imbalance", "极度失调"),
    Band(0.1, 0.2, "serious imbalance", "严重失调"),
    Band(0.2, 0.3, "moderate imbalance", "中度失调"),
    Band(0.3, 0.4, "mild imbalance", "轻度失调"),
    Band(0.4, 0.5, "on the verge of imbalance", "濒临失调"),
    Band(0.5, 0.6, "barely coordinated", "勉强协调"),
    Band(0.6, 0.7, "primary coordination", "初级协调"),
    Band(0.7, 0.8, "intermediate coordination", "中级协调"),
    Band(0.8, 0.9, "good coordination", "良好协调"),
    Band(0.9, 1.0, "high-quality coordination", "优质协调"),
)


def bands_from_edges(edges: Sequence[float], names: Sequence[str], names_zh: Sequence[str] | None = None) -> list[Band]:
    """Build a band scheme from ``k+1`` ascending edges (first 0, last 1) and ``k`` names.

    Example (a 5-level scheme)::

        bands_from_edges([0, .2, .4, .6, .8, 1], ["serious imbalance", "mild imbalance",
                         "barely coordinated", "moderate coordination", "high coordination"])
    """
    edges = [float(e) for e in edges]
    if len(edges) != len(names) + 1:
        raise RegionSpecError(
            f"a band scheme needs one more edge than names: got {len(edges)} edges and {len(names)} names"
        )
    zh = list(names_zh) if names_zh is not None else list(names)
    if len(zh) != len(names):
        raise RegionSpecError(f"names_zh has {len(zh)} entries but names has {len(names)}; give one per band")
    bands = [Band(edges[i], edges[i + 1], str(names[i]), str(zh[i])) for i in range(len(names))]
    return check_bands(bands)


def check_bands(levels: Sequence[Band] | Sequence[tuple]) -> list[Band]:
    """Validate a band scheme: contiguous, ascending, covering exactly [0, 1].

    Accepts :class:`Band` objects or tuples ``(lower, upper, name[, name_zh])``.
    """
    out: list[Band] = []
    for b in levels:
        if isinstance(b, Band):
            out.append(b)
        else:
            t = tuple(b)
            if len(t) not in (3, 4):
                raise RegionSpecError(f"a band must be (lower, upper, name[, name_zh]), got {t!r}")
            out.append(Band(float(t[0]), float(t[1]), str(t[2]), str(t[3] if len(t) == 4 else t[2])))
    if not out:
        raise RegionSpecError("the band scheme is empty; pass at least one band covering [0, 1]")
    if abs(out[0].lower) > 1e-12 or abs(out[-1].upper - 1.0) > 1e-12:
        raise RegionSpecError(f"bands must cover [0, 1]: they start at {out[0].lower} and end at {out[-1].upper}")
    for a, b in pairwise(out):
        if abs(a.upper - b.lower) > 1e-12:
            raise RegionSpecError(
                f"bands must be contiguous: '{a.name}' ends at {a.upper}, '{b.name}' starts at {b.lower}"
            )
    for b in out:
        if not b.upper > b.lower:
            raise RegionSpecError(f"band '{b.name}' is empty or reversed: [{b.lower}, {b.upper})")
    return out


def grade(d: np.ndarray | pd.Series | float, levels: Sequence[Band] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Band names (English, Chinese) of coupling coordination degrees ``d``.

    Band i holds lower_i <= d < upper_i; d = 1 falls in the last band. NaN gives "".
    """
    bands = check_bands(levels if levels is not None else GRADES_10)
    arr = np.atleast_1d(np.asarray(d, dtype=float))
    uppers = np.array([b.upper for b in bands[:-1]])
    idx = np.searchsorted(uppers, arr, side="right")
    en = np.array([b.name for b in bands], dtype=object)[np.clip(idx, 0, len(bands) - 1)]
    zh = np.array([b.name_zh for b in bands], dtype=object)[np.clip(idx, 0, len(bands) - 1)]
    nan = np.isnan(arr)
    en[nan] = ""
    zh[nan] = ""
    return en, zh


# ---------------------------------------------------------------------------- C models
def coupling_degree(U: np.ndarray, method: str = "wang") -> np.ndarray:
    """Coupling degree C of each row of ``U`` (rows x n subsystems, values on [0, 1]).

    Vectorised over rows; no validation (see :func:`coupling_coordination`). Formulas in the
    module docstring. Returns NaN where C is undefined (all subsystems 0 under ``standard``
    or ``wang``).
    """
    U = np.asarray(U, dtype=float)
    n = U.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "standard":
            gm = np.exp(np.mean(np.log(U), axis=1))
            C = gm / np.mean(U, axis=1)
        elif method == "wang":
            S = np.sort(U, axis=1)
            coef = 2.0 * np.arange(1, n + 1) - n - 1.0  # sum_{i<j} |u_i - u_j| of sorted values
            mean_abs_diff = (S @ coef) / (n * (n - 1) / 2.0)
            first = np.clip(1.0 - mean_abs_diff, 0.0, None)
            mx = S[:, -1]
            ratios = U / mx[:, None]
            second = np.prod(ratios, axis=1) ** (1.0 / (n - 1))
            C = np.sqrt(first * second)
        elif method == "fan":
            s1 = U.sum(axis=1)
            s2 = (U * U).sum(axis=1)
            var = np.clip((n * s2 - s1 * s1) / (n * n), 0.0, None)
            C = 1.0 - 2.0 * np.sqrt(var)
        else:
            raise RegionSpecError(f"unknown coupling method {method!r}; choose one of {', '.join(METHODS)}")
    return np.clip(C, 0.0, 1.0)


# ---------------------------------------------------------------------------- input handling
def _split_panel(scores: pd.DataFrame, subsystems: Sequence[str] | None) -> tuple[pd.DataFrame, list[str]]:
    df = scores
    if "unit" in df.columns and "period" in df.columns:
        df = df.set_index(["unit", "period"])
    elif "unit" in df.columns:
        df = df.set_index("unit")
    if subsystems is None:
        cols = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
        other = [c for c in df.columns if c not in cols]
        if other:
            raise RegionInputError(
                f"columns {other} are not numeric; pass subsystems=[...] naming the score columns "
                "(or drop the text columns)"
            )
    else:
        cols = list(subsystems)
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise RegionInputError(f"subsystem columns {missing} are not in the scores (columns: {list(df.columns)})")
    return df[cols].astype(float), [str(c) for c in cols]


def rescale_01(df: pd.DataFrame, low: float = 0.01, high: float = 0.99) -> pd.DataFrame:
    """Map every column linearly onto [low, high] over all rows:
    ``low + (high - low) (x - min) / (max - min)``."""
    mn, mx = df.min(), df.max()
    const = [str(c) for c in df.columns if not mx[c] > mn[c]]
    if const:
        raise RegionInputError(f"cannot rescale constant column(s) {const}: max equals min")
    return low + (high - low) * (df - mn) / (mx - mn)


def _alpha(alpha: Sequence[float] | Mapping[str, float] | None, cols: list[str]) -> np.ndarray:
    n = len(cols)
    if alpha is None:
        return np.full(n, 1.0 / n)
    if isinstance(alpha, Mapping):
        missing = [c for c in cols if c not in alpha]
        extra = [k for k in alpha if k not in cols]
        if missing or extra:
            raise RegionSpecError(f"alpha must name exactly the subsystems {cols}; missing {missing}, unknown {extra}")
        a = np.array([float(alpha[c]) for c in cols])
    else:
        a = np.asarray(list(alpha), dtype=float)
        if a.shape != (n,):
            raise RegionSpecError(f"alpha has {a.size} weights but there are {n} subsystems {cols}")
    if np.any(~np.isfinite(a)) or np.any(a < 0):
        raise RegionSpecError(f"alpha must be finite and non-negative, got {a.tolist()}")
    if abs(a.sum() - 1.0) > 1e-9:
        raise RegionSpecError(f"alpha must sum to 1 (T is a weighted mean), got sum {a.sum():.6g}: {a.tolist()}")
    return a


def _check_range(df: pd.DataFrame) -> None:
    arr = df.to_numpy()
    if np.isnan(arr).any():
        r, c = np.argwhere(np.isnan(arr))[0]
        raise RegionInputError(
            f"missing score at row {df.index[r]!r}, column '{df.columns[c]}' ({int(np.isnan(arr).sum())} missing in "
            "all); impute or drop those rows first"
        )
    bad = (arr < -1e-12) | (arr > 1 + 1e-12)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise RegionInputError(
            f"score {arr[r, c]:.6g} at row {df.index[r]!r}, column '{df.columns[c]}' is outside [0, 1] "
            f"({int(bad.sum())} such values); normalise the scores to [0, 1] first, or pass rescale=True "
            "to min-max them onto [0.01, 0.99]"
        )


# ---------------------------------------------------------------------------- relative type
def relative_type(
    U: np.ndarray, names: Sequence[str], type_bands: tuple[float, float] = (0.8, 1.2)
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Relative-development type of each row: (type, type_zh, lagging).

    n = 2 (the usual rule on E = U_1/U_2): E <= low -> subsystem 1 lags (U1滞后型);
    low < E <= high -> synchronous (同步型); E > high -> subsystem 2 lags (U2滞后型).
    n >= 3: E_i = U_i / max_j U_j (ratio to the leading subsystem); every i with E_i <= low
    lags; none -> synchronous. 0/0 counts as E = 1 (all zero is synchronous).
    """
    low, high = float(type_bands[0]), float(type_bands[1])
    if not (0 < low <= 1 <= high):
        raise RegionSpecError(f"type_bands must satisfy 0 < low <= 1 <= high, got {type_bands}")
    U = np.asarray(U, dtype=float)
    m, n = U.shape
    names = [str(x) for x in names]
    lag = np.zeros((m, n), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        if n == 2:
            E = U[:, 0] / U[:, 1]
            E = np.where((U[:, 0] == 0) & (U[:, 1] == 0), 1.0, E)
            lag[:, 0] = low >= E
            lag[:, 1] = high < E
        else:
            mx = U.max(axis=1)
            E = U / mx[:, None]
            E = np.where(mx[:, None] == 0, 1.0, E)
            lag = low >= E
    # label each distinct lag pattern once (at most 2^n patterns), then broadcast
    code = lag.astype(np.int64) @ (1 << np.arange(n, dtype=np.int64))
    uniq, inv = np.unique(code, return_inverse=True)
    labels_en, labels_zh, labels_lag = [], [], []
    for c in uniq:
        who = [names[i] for i in range(n) if (int(c) >> i) & 1]
        labels_lag.append(",".join(who))
        labels_en.append(f"{'+'.join(who)} lagging" if who else "synchronous")
        labels_zh.append(f"{'+'.join(who)}滞后型" if who else "同步型")
    typ = np.array(labels_en, dtype=object)[inv]
    typ_zh = np.array(labels_zh, dtype=object)[inv]
    lagging = np.array(labels_lag, dtype=object)[inv]
    return typ, typ_zh, lagging


# ---------------------------------------------------------------------------- main entry
def coupling_coordination(
    scores: pd.DataFrame,
    method: str = "wang",
    alpha: Sequence[float] | Mapping[str, float] | None = None,
    levels: Sequence[Band] | None = None,
    *,
    subsystems: Sequence[str] | None = None,
    rescale: bool = False,
    type_bands: tuple[float, float] = (0.8, 1.2),
) -> pd.DataFrame:
    """Coupling coordination degree of n >= 2 subsystems, per row.

    Parameters
    ----------
    scores
        Rows = units (index = unit code) or unit-period rows (a MultiIndex ``(unit, period)``,
        or columns ``unit`` and ``period``); columns = subsystem scores on [0, 1].
    method
        ``"wang"`` (default; Wang et al. 2021 corrected model), ``"standard"`` or ``"fan"``
        (Fan, Ke & Cao 2024). Formulas in the module docstring.
    alpha
        Weights of the subsystems in T (sequence in column order or mapping); equal by
        default; non-negative and summing to 1.
    levels
        Band scheme for ``grade`` (default :data:`GRADES_10`); see :func:`bands_from_edges`.
    subsystems
        Which columns are subsystem scores (default: every numeric column).
    rescale
        Min-max every column onto [0.01, 0.99] over all rows before computing (explicit
        opt-in; off by default because it changes the scores).
    type_bands
        (low, high) ratio bands of the relative-development type, see :func:`relative_type`.

    Returns
    -------
    DataFrame with the input index and columns ``C, T, D, grade, grade_zh, type, type_zh,
    lagging``; for panel input also ``dD`` (change of D from the unit's previous period).

    ``T = sum_i alpha_i U_i``, ``D = sqrt(C T)`` (D = 0 where T = 0).
    """
    if method not in METHODS:
        raise RegionSpecError(f"unknown coupling method {method!r}; choose one of {', '.join(METHODS)}")
    if not isinstance(scores, pd.DataFrame):
        raise RegionInputError(f"scores must be a pandas DataFrame (rows x subsystems), got {type(scores).__name__}")
    df, cols = _split_panel(scores, subsystems)
    if len(cols) < 2:
        raise RegionInputError(f"coupling needs at least 2 subsystem columns, got {cols}")
    if len(df) == 0:
        raise RegionInputError("scores have no rows")
    if rescale:
        if df.isna().any().any():
            raise RegionInputError("cannot rescale scores with missing values; impute or drop those rows first")
        df = rescale_01(df)
    _check_range(df)
    bands = check_bands(levels if levels is not None else GRADES_10)
    a = _alpha(alpha, cols)
    U = np.clip(df.to_numpy(dtype=float), 0.0, 1.0)
    C = coupling_degree(U, method)
    T = U @ a
    with np.errstate(invalid="ignore"):
        D = np.sqrt(C * T)
    D = np.where(T <= 0, 0.0, D)
    g_en, g_zh = grade(D, bands)
    typ, typ_zh, lagging = relative_type(U, cols, type_bands)
    out = pd.DataFrame(
        {
            "C": C,
            "T": T,
            "D": D,
            "grade": g_en,
            "grade_zh": g_zh,
            "type": typ,
            "type_zh": typ_zh,
            "lagging": lagging,
        },
        index=df.index,
    )
    for c in ("grade", "grade_zh", "type", "type_zh", "lagging"):
        out[c] = out[c].astype(str)
    if isinstance(df.index, pd.MultiIndex) and "period" in (df.index.names or []):
        unit_level = [n for n in df.index.names if n != "period"]
        units = (
            pd.MultiIndex.from_frame(df.index.to_frame()[unit_level])
            if len(unit_level) > 1
            else (df.index.get_level_values(unit_level[0]))
        )
        ucode = pd.factorize(units)[0]
        per = df.index.get_level_values("period").to_numpy()
        order = np.lexsort((per, ucode))
        dsorted = D[order]
        same = np.r_[False, ucode[order][1:] == ucode[order][:-1]]
        diff = np.where(same, dsorted - np.r_[np.nan, dsorted[:-1]], np.nan)
        dD = np.empty_like(D)
        dD[order] = diff
        out["dD"] = dD
    return out


def coupling_change(result: pd.DataFrame, levels: Sequence[Band] | None = None) -> pd.DataFrame:
    """Change of D over time per unit, from a panel result of :func:`coupling_coordination`.

    Per unit: first and last period, D in each, ``change = D_last - D_first``,
    ``annual_change = change / (last - first)``, the OLS ``slope`` of D on period (trend per
    period), and the grade in the first and last period.
    """
    if not isinstance(result.index, pd.MultiIndex) or "period" not in (result.index.names or []):
        raise RegionInputError("coupling_change needs a panel result indexed by (unit, period)")
    unit_level = next(n for n in result.index.names if n != "period")
    d = result["D"].reset_index()
    d = d.sort_values("period", kind="stable")  # units keep their order of appearance
    rows = []
    for unit, g in d.groupby(unit_level, sort=False):
        p = g["period"].to_numpy(dtype=float)
        v = g["D"].to_numpy(dtype=float)
        span = p[-1] - p[0]
        slope = float(np.polyfit(p, v, 1)[0]) if len(p) >= 2 and span > 0 else float("nan")
        rows.append(
            {
                "unit": unit,
                "first_period": int(p[0]),
                "last_period": int(p[-1]),
                "D_first": v[0],
                "D_last": v[-1],
                "change": v[-1] - v[0],
                "annual_change": (v[-1] - v[0]) / span if span > 0 else float("nan"),
                "slope": slope,
            }
        )
    out = pd.DataFrame(rows).set_index("unit")
    out["grade_first"] = grade(out["D_first"].to_numpy(), levels)[0].astype(str)
    out["grade_last"] = grade(out["D_last"].to_numpy(), levels)[0].astype(str)
    return out
