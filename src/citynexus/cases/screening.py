"""Juried screening of cases (案例评审): criteria scored by several jurors, aggregated with the
evaluation engine, juror agreement (Kendall's W) and each case's rank interval.

Input: one score per juror, case and criterion (default criteria :data:`CRITERIA`: innovation,
replicability, sustainability, impact, SDG alignment) on a stated scale (default 0..10).

1. **Criterion values** — the mean over jurors, :math:`\\bar x_{ic} = \\frac1m \\sum_j x_{jic}`,
   rescaled to [0, 1] by the scale: :math:`z_{ic} = (\\bar x_{ic} - lo)/(hi - lo)`.
2. **Weights** — given (normalised to sum 1) or AHP from a pairwise matrix
   (:func:`citynexus.evaluate.weights.ahp`, Saaty 1980; CR < 0.1 required).
3. **Score** — weighted arithmetic mean :math:`s_i = \\sum_c w_c z_{ic}`
   (:func:`citynexus.evaluate.aggregate.arithmetic`) or TOPSIS closeness
   (:func:`citynexus.evaluate.aggregate.topsis`, Hwang & Yoon 1981). Rank 1 = best; equal
   scores share the better rank.
4. **Juror agreement** — each juror's own scores aggregated the same way rank the cases; Kendall's
   coefficient of concordance with tie correction (Kendall & Babington Smith 1939; Siegel &
   Castellan 1988, *Nonparametric Statistics*, §9.4):

   .. math:: W = \\frac{12 S}{m^2 (n^3 - n) - m \\sum_j T_j},\\quad S = \\sum_i (R_i - \\bar R)^2,
      \\quad T_j = \\sum_{g} (t_g^3 - t_g)

   with :math:`R_i` the sum of the ranks (mid-ranks for ties) case *i* gets from the *m* jurors,
   :math:`t_g` the sizes of juror *j*'s tie groups; :math:`\\chi^2 = m (n - 1) W` with
   :math:`n - 1` degrees of freedom (large-sample test). Also per criterion.
5. **Rank interval** — the best and worst rank each case can reach when every weight may move
   within ``tolerance`` of its value (:math:`w_c (1 \\pm tol)`, clipped to [0, 1]; ``tolerance =
   None``: any weights on the simplex). For the arithmetic mean this is exact
   (:func:`citynexus.evaluate.robustness.rank_ranges`, a MILP); for TOPSIS it is estimated from
   random weight vectors within the same bounds (an inner approximation, labelled so).
6. **Shortlist** — the ``shortlist`` best-ranked cases (a tie at the cut keeps every tied case);
   ``robust`` marks those whose worst rank
   is still within the shortlist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from citynexus.cases.errors import ScreeningError

CRITERIA = ("innovation", "replicability", "sustainability", "impact", "sdg_alignment")
METHODS = ("arithmetic", "topsis")


# ------------------------------------------------------------------------------ Kendall's W
@dataclass
class KendallW:
    """Kendall's W for ``m`` jurors ranking ``n`` cases (tie-corrected), its chi-square test."""

    w: float
    m: int
    n: int
    s: float
    ties: float
    chi2: float
    df: int
    p_value: float

    def to_json(self) -> dict[str, Any]:
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def midranks(scores: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """Ranks 1..n of one juror's scores (1 = best), ties sharing their mean rank."""
    from scipy.stats import rankdata

    x = -np.asarray(scores, dtype=float) if higher_is_better else np.asarray(scores, dtype=float)
    return rankdata(x, method="average")


def kendall_w(ranks: np.ndarray) -> KendallW:
    """Kendall's W of a ``(m jurors, n cases)`` matrix of ranks (mid-ranks for ties); see the
    module docstring for the formula. ``n >= 2`` cases and ``m >= 2`` jurors are needed."""
    from scipy.stats import chi2 as chi2_dist

    r = np.asarray(ranks, dtype=float)
    if r.ndim != 2 or r.shape[0] < 2 or r.shape[1] < 2:
        raise ScreeningError(f"Kendall's W needs at least 2 jurors and 2 cases; got a {r.shape} table of ranks")
    if np.isnan(r).any():
        raise ScreeningError("Kendall's W needs every juror to rank every case; a rank is missing")
    m, n = r.shape
    totals = r.sum(axis=0)
    s = float(np.sum((totals - m * (n + 1) / 2.0) ** 2))
    ties = 0.0
    for row in r:
        _, counts = np.unique(row, return_counts=True)
        ties += float(np.sum(counts.astype(float) ** 3 - counts))
    denom = m**2 * (n**3 - n) - m * ties
    w = 12.0 * s / denom if denom > 0 else float("nan")  # every juror tied every case: undefined
    chi2 = m * (n - 1) * w
    p = float(chi2_dist.sf(chi2, n - 1)) if np.isfinite(chi2) else float("nan")
    return KendallW(w=float(w), m=m, n=n, s=s, ties=ties, chi2=float(chi2), df=n - 1, p_value=p)


# ------------------------------------------------------------------------------ scores input
def read_scores(path: str | Path, criteria: tuple[str, ...] = CRITERIA) -> pd.DataFrame:
    """Juror scores from CSV, JSON Lines or Excel, long (``juror, case, criterion, score``) or wide
    (``juror, case`` and one column per criterion). Returns the long table; problems name the
    file, row and column."""
    p = Path(path)
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv":
            df = pd.read_csv(p, dtype={"juror": str, "case": str})
        elif suffix in (".jsonl", ".ndjson"):
            df = pd.read_json(p, lines=True, dtype={"juror": str, "case": str})
        elif suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(p, dtype={"juror": str, "case": str})
        else:
            raise ScreeningError(f"{p}: unsupported file type {suffix!r}; use .csv, .jsonl or .xlsx")
    except ScreeningError:
        raise
    except Exception as err:
        raise ScreeningError(f"{p}: cannot read the scores: {err}") from err
    df.columns = [str(c).strip().lower() for c in df.columns]
    for col in ("juror", "case"):
        if col not in df.columns:
            raise ScreeningError(f"{p}: no column '{col}'; the header needs juror, case and the scores")
    if "criterion" in df.columns:
        if "score" not in df.columns:
            raise ScreeningError(f"{p}: a long table needs a column 'score' beside 'criterion'")
        long = df[["juror", "case", "criterion", "score"]].copy()
        long["_row"] = np.arange(len(df)) + 2
        long["_col"] = "score"
    else:
        missing = [c for c in criteria if c not in df.columns]
        if missing:
            raise ScreeningError(
                f"{p}: no column for criterion '{missing[0]}'; give one column per criterion "
                f"({', '.join(criteria)}) or a long table with columns criterion and score"
            )
        df["_row"] = np.arange(len(df)) + 2
        long = df.melt(id_vars=["juror", "case", "_row"], value_vars=list(criteria), var_name="criterion",
                       value_name="score")  # fmt: skip
        long["_col"] = long["criterion"]
    long["source"] = str(p)
    return long


def _check_scores(df: pd.DataFrame, criteria: tuple[str, ...], scale: tuple[float, float]) -> pd.DataFrame:
    lo, hi = scale
    if not hi > lo:
        raise ScreeningError(f"the score scale must have high > low, got {scale}")
    d = df.copy()
    if "_row" not in d.columns:
        d["_row"] = np.arange(len(d)) + 1
    src = str(d["source"].iloc[0]) + ", " if "source" in d.columns and len(d) else ""
    for col in ("juror", "case", "criterion", "score"):
        if col not in d.columns:
            raise ScreeningError(f"the scores need a column '{col}'")
    d["juror"] = d["juror"].astype(str).str.strip()
    d["case"] = d["case"].astype(str).str.strip()
    d["criterion"] = d["criterion"].astype(str).str.strip().str.lower()
    bad = d[~d["criterion"].isin(criteria)]
    if len(bad):
        r = bad.iloc[0]
        raise ScreeningError(
            f"{src}row {r['_row']}, column 'criterion': {r['criterion']!r} is not a criterion of this screening "
            f"({', '.join(criteria)})"
        )
    num = pd.to_numeric(d["score"], errors="coerce")
    bad = d[num.isna() | (num < lo) | (num > hi)]
    if len(bad):
        r = bad.iloc[0]
        raise ScreeningError(
            f"{src}row {r['_row']}, column '{r.get('_col', 'score')}': score {r['score']!r} "
            f"of juror {r['juror']} for case {r['case']} is not a number between {lo:g} and {hi:g}; fix the score "
            "or set the scale"
        )
    d["score"] = num.astype(float)
    dup = d[d.duplicated(["juror", "case", "criterion"], keep=False)]
    if len(dup):
        r = dup.iloc[0]
        raise ScreeningError(
            f"{src}row {r['_row']}: juror {r['juror']} scored case {r['case']} on {r['criterion']} more than once; "
            "keep one score"
        )
    jurors, cases = sorted(d["juror"].unique()), list(dict.fromkeys(d["case"]))
    if len(cases) < 2:
        raise ScreeningError("a screening needs at least 2 cases")
    have = set(zip(d["juror"], d["case"], d["criterion"]))
    for j in jurors:
        for c in cases:
            for k in criteria:
                if (j, c, k) not in have:
                    raise ScreeningError(
                        f"{src}juror {j} gave no score for case {c} on criterion {k}; every juror scores every "
                        "case on every criterion (give the missing score or remove the juror)"
                    )
    return d


# ------------------------------------------------------------------------------ screening
@dataclass
class ScreeningResult:
    """``table``: one row per case (criterion means, ``score``, ``rank``, ``best_rank``,
    ``worst_rank``, ``shortlisted``, ``robust``), best first; ``weights`` used; juror
    ``agreement`` (overall and per criterion) and the per-juror ranks."""

    table: pd.DataFrame
    weights: dict[str, float]
    method: str
    criteria: tuple[str, ...]
    agreement: KendallW
    agreement_by_criterion: dict[str, KendallW]
    juror_ranks: pd.DataFrame
    shortlist: int
    tolerance: float | None
    interval_method: str
    ahp_cr: float | None = None
    jurors: list[str] = field(default_factory=list)

    def shortlisted(self) -> list[str]:
        return list(self.table.loc[self.table["shortlisted"], "case"])

    def to_json(self) -> dict[str, Any]:
        t = self.table.copy()
        rows = []
        for rec in t.to_dict(orient="records"):
            rows.append({k: (round(v, 6) if isinstance(v, float) else (v.item() if hasattr(v, "item") else v))
                         for k, v in rec.items()})  # fmt: skip
        return {
            "method": self.method,
            "criteria": list(self.criteria),
            "weights": {k: round(v, 6) for k, v in self.weights.items()},
            "ahp_cr": None if self.ahp_cr is None else round(self.ahp_cr, 6),
            "jurors": self.jurors,
            "agreement": self.agreement.to_json(),
            "agreement_by_criterion": {k: v.to_json() for k, v in self.agreement_by_criterion.items()},
            "rank_interval": {"tolerance": self.tolerance, "method": self.interval_method},
            "shortlist": self.shortlisted(),
            "cases": rows,
        }


def _weights(criteria, weights, ahp_matrix) -> tuple[np.ndarray, float | None]:
    from citynexus.evaluate.weights import ahp

    if weights is not None and ahp_matrix is not None:
        raise ScreeningError("give either weights or an AHP matrix, not both")
    if ahp_matrix is not None:
        A = np.asarray(ahp_matrix, dtype=float)
        if A.shape != (len(criteria), len(criteria)):
            raise ScreeningError(
                f"the AHP matrix must be {len(criteria)} x {len(criteria)} (criteria {', '.join(criteria)}), "
                f"got {A.shape}"
            )
        w, cr = ahp(A)
        return np.asarray(w, dtype=float), float(cr)
    if weights is None:
        return np.full(len(criteria), 1.0 / len(criteria)), None
    unknown = [k for k in weights if k not in criteria]
    if unknown:
        raise ScreeningError(f"weight for {unknown[0]!r}, which is not a criterion ({', '.join(criteria)})")
    w = np.array([float(weights.get(c, 0.0)) for c in criteria])
    if np.any(~np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ScreeningError("weights must be non-negative numbers with a positive sum")
    return w / w.sum(), None


def _aggregate(z: np.ndarray, w: np.ndarray, method: str) -> np.ndarray:
    from citynexus.evaluate.aggregate import arithmetic, topsis

    if method == "arithmetic":
        return arithmetic(z, w)
    return topsis(z, w)


def _competition_rank(s: np.ndarray) -> np.ndarray:
    """1 + the number of cases with a strictly higher score (ties share the better rank)."""
    return np.array([1 + int(np.sum(s > v + 1e-12)) for v in s])


def _bounds(w: np.ndarray, tolerance: float | None) -> np.ndarray | None:
    if tolerance is None:
        return None
    if tolerance < 0:
        raise ScreeningError(f"the weight tolerance must be >= 0, got {tolerance}")
    lo = np.clip(w * (1 - tolerance), 0, 1)
    hi = np.clip(w * (1 + tolerance), 0, 1)
    return np.column_stack([lo, hi])


def _sampled_intervals(z, w, bounds, n_samples=4000, seed=0):
    rng = np.random.default_rng(seed)
    k = len(w)
    lo, hi = (np.zeros(k), np.ones(k)) if bounds is None else (bounds[:, 0], bounds[:, 1])
    W = [w]
    while len(W) < n_samples:
        cand = rng.dirichlet(np.ones(k), size=4 * n_samples)
        if bounds is not None:
            cand = lo + cand * (hi - lo)
            cand = cand / cand.sum(axis=1, keepdims=True)
            cand = cand[np.all((cand >= lo - 1e-12) & (cand <= hi + 1e-12), axis=1)]
        W.extend(cand[: n_samples - len(W)])
    ranks = np.array([_competition_rank(_aggregate(z, wi, "topsis")) for wi in W])
    return ranks.min(axis=0), ranks.max(axis=0)


def screen(
    scores: pd.DataFrame,
    *,
    criteria: tuple[str, ...] = CRITERIA,
    weights: dict[str, float] | None = None,
    ahp_matrix=None,
    method: str = "arithmetic",
    scale: tuple[float, float] = (0.0, 10.0),
    shortlist: int = 3,
    tolerance: float | None = 0.5,
) -> ScreeningResult:
    """Screen cases from long juror scores (``juror, case, criterion, score``); see the module
    docstring for every step."""
    from citynexus.evaluate.robustness import rank_ranges

    if method not in METHODS:
        raise ScreeningError(f"unknown aggregation {method!r}; choose one of {', '.join(METHODS)}")
    criteria = tuple(criteria)
    if len(set(criteria)) != len(criteria) or not criteria:
        raise ScreeningError("criteria must be distinct and at least one")
    d = _check_scores(scores, criteria, scale)
    if shortlist < 1:
        raise ScreeningError(f"the shortlist must hold at least 1 case, got {shortlist}")
    w, cr = _weights(criteria, weights, ahp_matrix)
    lo, hi = scale
    cases = list(dict.fromkeys(d["case"]))
    jurors = sorted(d["juror"].unique())
    cube = d.pivot_table(index=["juror", "case"], columns="criterion", values="score")[list(criteria)]
    means = cube.groupby(level="case").mean().reindex(cases)
    z = ((means - lo) / (hi - lo)).to_numpy()
    s = _aggregate(z, w, method)
    rank = _competition_rank(s)
    # juror agreement on the overall ranking and per criterion
    jr = {}
    for j in jurors:
        zj = ((cube.loc[j].reindex(cases) - lo) / (hi - lo)).to_numpy()
        jr[j] = midranks(_aggregate(zj, w, method))
    juror_ranks = pd.DataFrame(jr, index=pd.Index(cases, name="case")).T
    agreement = kendall_w(juror_ranks.to_numpy()) if len(jurors) >= 2 else None
    if agreement is None:
        raise ScreeningError("juror agreement needs at least 2 jurors; add the scores of another juror")
    by_crit = {}
    for c in criteria:
        rk = np.array([midranks(cube.loc[j, c].reindex(cases).to_numpy()) for j in jurors])
        by_crit[c] = kendall_w(rk)
    bounds = _bounds(w, tolerance)
    if method == "arithmetic":
        rr = rank_ranges(pd.DataFrame(z, index=cases, columns=list(criteria)), bounds=bounds, method="auto")
        t = rr.table.set_index("unit").reindex(cases)
        best, worst = t["best_rank"].to_numpy(int), t["worst_rank"].to_numpy(int)
        if rr.method == "sampling":
            interval_method = "sampled weights (inner approximation)"
        elif bool(t["exact"].all()):
            interval_method = "exact (MILP)"
        else:
            interval_method = "MILP within time limit (bounds proven)"
    else:
        best, worst = _sampled_intervals(z, w, bounds)
        interval_method = "sampled weights (inner approximation)"
    table = means.reset_index(drop=True)
    table.columns = list(criteria)
    table.insert(0, "case", cases)
    table["score"] = s
    table["rank"] = rank
    table["best_rank"] = np.minimum(best, rank)
    table["worst_rank"] = np.maximum(worst, rank)
    table = table.sort_values(["rank", "case"], kind="stable").reset_index(drop=True)
    k = min(shortlist, len(cases))
    table["shortlisted"] = table["rank"] <= table["rank"].iloc[k - 1]
    table["robust"] = table["shortlisted"] & (table["worst_rank"] <= k)
    return ScreeningResult(
        table=table,
        weights=dict(zip(criteria, map(float, w))),
        method=method,
        criteria=criteria,
        agreement=agreement,
        agreement_by_criterion=by_crit,
        juror_ranks=juror_ranks,
        shortlist=k,
        tolerance=tolerance,
        interval_method=interval_method,
        ahp_cr=cr,
        jurors=jurors,
    )


def w_strength(w: float) -> str:
    """A reading of W: the nearest of the anchors of Schmidt (1997, *Decision Sciences* 28(3),
    763-774) — 0.1 very weak, 0.3 weak, 0.5 moderate, 0.7 strong, 0.9 very strong (Schmidt:
    "unusually strong") — i.e. cuts at 0.2, 0.4, 0.6 and 0.8."""
    if not math.isfinite(w):
        return "undefined"
    for cut, name in ((0.2, "very weak"), (0.4, "weak"), (0.6, "moderate"), (0.8, "strong")):
        if w < cut:
            return name
    return "very strong"
