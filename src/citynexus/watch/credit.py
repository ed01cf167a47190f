"""Credit signal for supply-chain finance: a transparent WoE scorecard from verified records.

Modelling (the classic credit-scorecard pipeline; Siddiqi, 2006, "Credit Risk Scorecards", Wiley;
Thomas, Edelman & Crook, 2002, "Credit Scoring and its Applications"):

1. **Binning.** Numeric features: candidate edges at the quantiles of the training data (``max_bins``),
   then adjacent bins are merged while a bin holds less than ``min_share`` of the rows or, with
   ``monotone``, while the bad rate is not monotone (the pair with the closest bad rates goes first).
   Categorical features: one bin per category, categories with less than ``min_share`` pooled.
2. **Weight of evidence** of bin ``i``: ``WoE_i = ln((b_i / B) / (g_i / G))`` with 0.5 added to every
   count (so empty cells stay finite); positive WoE = riskier than average. Information value
   ``IV = sum_i (b_i / B - g_i / G) WoE_i``.
3. **Logistic regression** of bad (1) on the WoE-coded features (scikit-learn, L2, C=1).
4. **Points.** ``score = offset - factor ln(odds_bad)`` with ``factor = PDO / ln 2`` and
   ``offset = base_score + factor ln(1 / base_odds)``, so ``base_score`` points mean good:bad odds of
   ``base_odds``:1 and every ``PDO`` points double them. A feature in bin ``i`` contributes
   ``-factor * beta_j * WoE_ij`` points; the base points are ``offset - factor * intercept``.
5. **Reason codes.** For one applicant, the features with the largest shortfall between the best
   points the feature can give and the points received, in words.

:class:`WoEScorecard` does 1–5. :func:`ks_statistic` and :func:`auc` score a ranking.
:func:`sme_inputs` computes an SME's inputs from ledger entries only (and, for an agreement evaluation
run, the stored results its entry's digest proves), each with the entry indices it came from;
:func:`credit_report` scores them and attaches a proof bundle per entry.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from citynexus.watch.errors import WatchInputError, WatchSpecError

__all__ = [
    "SME_FEATURES",
    "WoEScorecard",
    "auc",
    "credit_report",
    "ks_statistic",
    "sme_inputs",
    "stored_evaluations",
]


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` (higher = more likely bad) by the rank statistic."""
    from scipy.stats import rankdata

    y = np.asarray(y).astype(bool)
    r = rankdata(score)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        raise WatchSpecError("AUC needs both bad and good cases")
    return float((r[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def ks_statistic(y: np.ndarray, score: np.ndarray) -> float:
    """Kolmogorov–Smirnov statistic: the largest gap between the score distributions of bads and goods."""
    y = np.asarray(y).astype(bool)
    s = np.asarray(score, dtype=float)
    grid = np.unique(s)
    bad = np.searchsorted(np.sort(s[y]), grid, side="right") / max(y.sum(), 1)
    good = np.searchsorted(np.sort(s[~y]), grid, side="right") / max((~y).sum(), 1)
    return float(np.max(np.abs(bad - good)))


@dataclass
class FeatureBins:
    """Bins of one feature: numeric edges (right-closed intervals) or category groups, with WoE."""

    name: str
    kind: str  # "numeric" or "categorical"
    edges: list[float] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)
    woe: list[float] = field(default_factory=list)
    bad: list[int] = field(default_factory=list)
    good: list[int] = field(default_factory=list)
    iv: float = 0.0

    def labels(self) -> list[str]:
        if self.kind == "numeric":
            e = [-math.inf, *self.edges, math.inf]
            return [f"({a:.4g}, {b:.4g}]" for a, b in itertools.pairwise(e)]
        return [", ".join(g) for g in self.groups]

    def index(self, values: pd.Series) -> np.ndarray:
        if self.kind == "numeric":
            v = pd.to_numeric(values, errors="coerce").to_numpy(float)
            if np.isnan(v).any():
                raise WatchInputError(f"feature {self.name!r} has missing or non-numeric values")
            return np.searchsorted(np.asarray(self.edges), v, side="left")
        lookup = {c: i for i, g in enumerate(self.groups) for c in g}
        other = next((i for i, g in enumerate(self.groups) if "(other)" in g), None)
        out = []
        for c in values.astype(str):
            if c in lookup:
                out.append(lookup[c])
            elif other is not None:
                out.append(other)
            else:
                raise WatchInputError(f"feature {self.name!r}: category {c!r} was not seen in training")
        return np.asarray(out, dtype=int)


def _woe(bad: np.ndarray, good: np.ndarray) -> tuple[np.ndarray, float]:
    b = (bad + 0.5) / (bad.sum() + 0.5 * bad.size)
    g = (good + 0.5) / (good.sum() + 0.5 * good.size)
    w = np.log(b / g)
    return w, float(((b - g) * w).sum())


def _bin_numeric(x: np.ndarray, y: np.ndarray, max_bins: int, min_share: float, monotone: bool) -> list[float]:
    qs = np.unique(np.quantile(x, np.linspace(0, 1, max_bins + 1)[1:-1]))
    edges = [float(q) for q in qs if q < x.max()]
    n = x.size

    def counts(ed: list[float]) -> tuple[np.ndarray, np.ndarray]:
        idx = np.searchsorted(np.asarray(ed), x, side="left")
        k = len(ed) + 1
        return np.bincount(idx, weights=y, minlength=k), np.bincount(idx, minlength=k).astype(float)

    while edges:
        bad, tot = counts(edges)
        rate = bad / np.maximum(tot, 1)
        small = np.flatnonzero(tot < min_share * n)
        if small.size:
            i = int(small[0])
            # merge with the neighbour of closer bad rate
            j = (
                i - 1
                if i == len(tot) - 1 or (i > 0 and abs(rate[i] - rate[i - 1]) <= abs(rate[i] - rate[i + 1]))
                else i
            )
            edges.pop(j)
            continue
        if monotone and len(rate) > 2:
            d = np.diff(rate)
            sign = np.sign(d.sum()) or 1.0
            bad_steps = np.flatnonzero(np.sign(d) == -sign)
            if bad_steps.size:
                j = int(bad_steps[np.argmin(np.abs(d[bad_steps]))])
                edges.pop(j)
                continue
        break
    return edges


class WoEScorecard:
    """A points scorecard: binning, WoE, logistic regression, points and reason codes (module docstring)."""

    def __init__(
        self,
        max_bins: int = 8,
        min_share: float = 0.05,
        monotone: bool = True,
        pdo: float = 20.0,
        base_score: float = 600.0,
        base_odds: float = 50.0,
        C: float = 1.0,
    ) -> None:
        if not 0 < min_share < 0.5:
            raise WatchSpecError(f"min_share must be between 0 and 0.5, not {min_share}")
        self.max_bins, self.min_share, self.monotone = max_bins, min_share, monotone
        self.pdo, self.base_score, self.base_odds, self.C = pdo, base_score, base_odds, C
        self.bins_: dict[str, FeatureBins] = {}

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        return self.base_score + self.factor * math.log(1 / self.base_odds)

    def fit(self, X: pd.DataFrame, y: Any) -> WoEScorecard:
        from sklearn.linear_model import LogisticRegression

        yv = np.asarray(y).astype(float)
        if set(np.unique(yv)) - {0.0, 1.0} or yv.sum() == 0 or yv.sum() == yv.size:
            raise WatchInputError("the target must be 0 (good) / 1 (bad) with both present")
        if len(X) != yv.size:
            raise WatchInputError(f"{len(X)} rows of features but {yv.size} targets")
        self.bins_ = {}
        for col in X.columns:
            s = X[col]
            if pd.api.types.is_numeric_dtype(s):
                x = s.to_numpy(float)
                if np.isnan(x).any():
                    raise WatchInputError(f"feature {col!r} has missing values; fill or drop them first")
                fb = FeatureBins(str(col), "numeric", _bin_numeric(x, yv, self.max_bins, self.min_share, self.monotone))
            else:
                vc = s.astype(str).value_counts()
                keep = [c for c, k in vc.items() if k >= self.min_share * len(s)]
                rare = [c for c in vc.index if c not in keep]
                groups = [[c] for c in keep] + ([[*rare, "(other)"]] if rare else [["(other)"]])
                fb = FeatureBins(str(col), "categorical", groups=groups)
            idx = fb.index(s)
            k = len(fb.edges) + 1 if fb.kind == "numeric" else len(fb.groups)
            bad = np.bincount(idx, weights=yv, minlength=k)
            good = np.bincount(idx, weights=1 - yv, minlength=k)
            w, iv = _woe(bad, good)
            fb.woe, fb.bad, fb.good, fb.iv = w.tolist(), bad.astype(int).tolist(), good.astype(int).tolist(), iv
            self.bins_[str(col)] = fb
        W = self.transform(X)
        self.model_ = LogisticRegression(C=self.C, max_iter=1000).fit(W, yv)
        self.coef_ = dict(zip(self.bins_, self.model_.coef_[0].tolist()))
        self.intercept_ = float(self.model_.intercept_[0])
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """The WoE-coded feature matrix."""
        cols = []
        for name, fb in self.bins_.items():
            if name not in X.columns:
                raise WatchInputError(f"feature {name!r} is missing")
            cols.append(np.asarray(fb.woe)[fb.index(X[name])])
        return np.column_stack(cols)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probability of bad."""
        return self.model_.predict_proba(self.transform(X))[:, 1]

    def base_points(self) -> float:
        return self.offset - self.factor * self.intercept_

    def points_table(self) -> pd.DataFrame:
        """feature, bin, WoE, points, bads, goods — the whole card."""
        rows = []
        for name, fb in self.bins_.items():
            for lab, w, b, g in zip(fb.labels(), fb.woe, fb.bad, fb.good):
                rows.append({"feature": name, "bin": lab, "woe": w, "points": -self.factor * self.coef_[name] * w,
                             "bad": b, "good": g, "iv": fb.iv})  # fmt: skip
        return pd.DataFrame(rows)

    def score(self, X: pd.DataFrame) -> np.ndarray:
        """Points (higher = better credit)."""
        W = self.transform(X)
        coef = np.asarray([self.coef_[n] for n in self.bins_])
        return self.base_points() - self.factor * (W * coef).sum(axis=1)

    def explain(self, row: pd.Series | dict[str, Any], top: int = 3) -> dict[str, Any]:
        """Points of one applicant per feature and the reason codes (largest shortfalls first)."""
        X = pd.DataFrame([dict(row)])
        parts = []
        for name, fb in self.bins_.items():
            i = int(fb.index(X[name])[0])
            pts = [-self.factor * self.coef_[name] * w for w in fb.woe]
            parts.append({"feature": name, "value": X[name].iloc[0], "bin": fb.labels()[i], "points": pts[i],
                          "max_points": max(pts), "shortfall": max(pts) - pts[i]})  # fmt: skip
        total = self.base_points() + sum(p["points"] for p in parts)
        reasons = [p for p in sorted(parts, key=lambda p: -p["shortfall"]) if p["shortfall"] > 1e-9][:top]
        return {"score": total, "base_points": self.base_points(), "features": parts, "reasons": reasons}


# ---------------------------------------------------------------------------- SMEs from verified records
#: The inputs of the SME credit card and how each is computed from ledger entries.
SME_FEATURES = {
    "on_time_share": "share of delivery reports (metric on_time_rate, mean) or delivery records on time",
    "kpi_compliance": "share of verified agreement-term evaluations met among those met or breached",
    "breach_severity": "mean severity (0..1) of breached evaluations; 0 without breaches",
    "risk_level": "partner-risk level from the watch scan of the verified reports: 0 low, 1 medium, 2 high",
    "tenure_months": "months from the first to the last verified report",
    "reporting_discipline": "share of reports submitted within 15 days of the period end",
}

REPORT_TYPES = ("kpi.report", "watch.report")
EVAL_TYPES = ("agree.evaluation", "kpi.evaluation")

#: stored results of agreement evaluation runs by the ledger index of their entry: ``(agreement, results)``
StoredRuns = Mapping[int, tuple[str, list[dict[str, Any]]]]


def stored_evaluations(db_url: str | None = None) -> StoredRuns:
    """The evaluation runs stored by :mod:`citynexus.agree` in the database at ``db_url`` (default:
    ``$CITYNEXUS_DB``), keyed by the ledger index of each run's ``agree.evaluation`` entry. Empty when
    the database has no agreement tables yet."""
    from sqlalchemy import inspect, select

    from citynexus.store import get_engine, session_scope
    from citynexus.store.agree import AgreeRun

    engine = get_engine(db_url)
    if not inspect(engine).has_table(AgreeRun.__tablename__):
        return {}
    with session_scope(engine) as s:
        rows = s.execute(select(AgreeRun.ledger_index, AgreeRun.agreement_id, AgreeRun.results)).all()
    return {int(i): (str(a), list(r)) for i, a, r in rows}


@dataclass(frozen=True)
class _Decision:
    """One met/breached evaluation of a term for a period and the ledger entry that proves it."""

    key: tuple[str, str, str]  # (agreement or "", term, period)
    met: bool
    severity: float
    index: int


def _decisions(evals: list[Any], party: str, runs: StoredRuns | None) -> list[_Decision]:
    """Met/breached evaluations of ``party`` from two shapes of evaluation entries:

    * one result per entry (payload ``party, term, period, status[, severity]``): the entry is the record;
    * one ``agree.evaluation`` entry per run of :class:`citynexus.agree.registry.AgreementRegistry`
      (payload ``run, agreement, results_digest, ...``): its results are the stored run with that ledger
      index, counted only if their RFC 8785 digest equals the entry's ``results_digest`` and the run is of
      the entry's agreement (a stored result that does not match its entry counts for nothing). A breach
      has severity 1. Where several verified runs judged the same (agreement, term, period), the newest
      entry counts.
    """
    from citynexus.ledger.canonical import digest

    out: dict[tuple[str, str, str], _Decision] = {}
    for e in sorted(evals, key=lambda e: int(e.index)):
        p = e.payload
        if "results_digest" in p:
            stored = (runs or {}).get(int(e.index))
            if stored is None or stored[0] != p.get("agreement") or digest(stored[1]) != p["results_digest"]:
                continue
            for r in stored[1]:
                if str(r.get("party")) == party and r.get("status") in ("met", "breached"):
                    key = (stored[0], str(r.get("term")), str(r.get("period")))
                    out[key] = _Decision(key, r["status"] == "met", 0.0 if r["status"] == "met" else 1.0, int(e.index))
        elif str(p.get("party")) == party and p.get("status") in ("met", "breached"):
            key = (str(p.get("agreement", "")), str(p.get("term")), str(p.get("period")))
            sev = 0.0 if p["status"] == "met" else float(p.get("severity", 1.0))
            out[key] = _Decision(key, p["status"] == "met", sev, int(e.index))
    return list(out.values())


def sme_inputs(
    entries: list[Any], party: str, grace_days: int = 15, runs: StoredRuns | None = None
) -> dict[str, dict[str, Any]]:
    """The SME credit inputs of ``party`` from ledger entries (objects with ``index``, ``type`` and a
    ``payload`` dict). Reports: payload ``party, metric, period, value[, submitted]``; evaluations: one
    result per entry (payload ``party, term, period, status (met|breached|...)[, severity]``) or one
    agreement evaluation run per entry whose results are read from ``runs`` (:func:`stored_evaluations`)
    and checked against the entry's digest (see :func:`_decisions`). Each input is
    ``{"value", "entries": [ledger indices], "definition"}``; nothing else goes in."""
    from citynexus.watch.periods import to_period
    from citynexus.watch.scan import scan

    reps = [e for e in entries if e.type in REPORT_TYPES and str(e.payload.get("party")) == party]
    decided = _decisions([e for e in entries if e.type in EVAL_TYPES], party, runs)
    if not reps and not decided:
        raise WatchInputError(f"no verified report or evaluation of party {party!r} in the ledger")
    out: dict[str, dict[str, Any]] = {}

    def put(name: str, value: float, used: list[Any]) -> None:
        """``used``: entries, or decisions (several may come from one run's entry): each index once, in order."""
        idx = sorted({int(e.index) for e in used})
        out[name] = {"value": float(value), "entries": idx, "definition": SME_FEATURES[name]}

    otd = [e for e in reps if e.payload.get("metric") == "on_time_rate" and e.payload.get("value") is not None]
    put("on_time_share", float(np.mean([float(e.payload["value"]) for e in otd])) if otd else 0.0, otd)
    met = [d for d in decided if d.met]
    put("kpi_compliance", len(met) / len(decided) if decided else 0.0, decided)
    br = [d for d in decided if not d.met]
    put("breach_severity", float(np.mean([d.severity for d in br])) if br else 0.0, br)
    if reps:
        df = pd.DataFrame([e.payload for e in reps])
        res = scan(df[[c for c in ("party", "metric", "period", "value", "submitted") if c in df.columns]])
        lvl = {"low": 0, "medium": 1, "high": 2}[res.parties[0].level] if res.parties else 0
        put("risk_level", lvl, reps)
        ps = [to_period(e.payload["period"]) for e in reps]
        first, last = min(ps), max(ps)
        months = (last.asfreq("M", how="end") - first.asfreq("M", how="start")).n
        put("tenure_months", months, reps)
        sub = [e for e in reps if e.payload.get("submitted")]
        ok = [
            e for e in sub
            if pd.Timestamp(e.payload["submitted"]).normalize()
            <= to_period(e.payload["period"]).end_time.normalize() + pd.Timedelta(days=grace_days)
        ]  # fmt: skip
        put("reporting_discipline", len(ok) / len(sub) if sub else 0.0, sub)
    else:
        put("risk_level", 0, [])
        put("tenure_months", 0, [])
        put("reporting_discipline", 0.0, [])
    return out


def credit_report(
    card: WoEScorecard, inputs: dict[str, dict[str, Any]], prove: Any = None, lang: str = "en", top: int = 3
) -> dict[str, Any]:
    """Score an SME's inputs with ``card``; reason codes in words; with ``prove(index) -> bundle`` (e.g.
    ``Ledger.prove``) every entry used is attached with its proof so a financier can verify offline."""
    row = {k: v["value"] for k, v in inputs.items()}
    ex = card.explain(row, top=top)
    words = []
    for r in ex["reasons"]:
        if lang == "en":
            words.append(f"{r['feature']} = {r['value']:.4g} (bin {r['bin']}) gives {r['points']:.0f} of "
                         f"{r['max_points']:.0f} possible points")  # fmt: skip
        else:
            words.append(
                f"{r['feature']} = {r['value']:.4g}（区间{r['bin']}）得{r['points']:.0f}分，满分{r['max_points']:.0f}分"
            )
    proofs = {}
    if prove is not None:
        for v in inputs.values():
            for i in v["entries"]:
                if i not in proofs:
                    proofs[i] = prove(i)
    pd_bad = 1 / (1 + math.exp((ex["score"] - card.offset) / card.factor))
    return {
        "score": ex["score"],
        "probability_bad": pd_bad,
        "base_points": ex["base_points"],
        "inputs": {
            k: {**v, "points": next(p["points"] for p in ex["features"] if p["feature"] == k)}
            for k, v in inputs.items()
        },
        "reasons": words,
        "proofs": proofs,
        "card": {"pdo": card.pdo, "base_score": card.base_score, "base_odds": card.base_odds},
    }
