"""Evaluating agreements on reports: one status per term and period.

Semantics (exactly): for a term of party *p* with frequency *f* and each period *P* of kind *f*
from the one containing the agreement's ``start`` to the one containing its ``end``:

* ``NAME`` is *p*'s reported value of ``NAME`` for *P*; ``prev.NAME`` the value for the period
  before *P* (for the first period that is the period before the start: a baseline, if reported);
  ``cum.NAME`` the sum of *p*'s values of kind *f* from the start's period through *P* (missing
  periods add nothing, so it is 0 if nothing was reported).
* ``not_due`` if *P* ends after the as-of date; else ``no_data`` if a bare or ``prev.`` value the
  rule references is missing (or a denominator is 0); else ``met`` / ``breached`` by the rule's
  truth value.
* A ``once`` term has one result whose period is its ``due`` date (ISO ``YYYY-MM-DD``): ``not_due``
  while ``due`` is after the as-of date; otherwise it is evaluated on the reported periods that
  end on or before ``due`` (and not before the start's period): ``NAME`` is the value of the
  latest-ending such period (of the finest kind reported, if several end the same day),
  ``prev.NAME`` that of the period of the same kind just before it, ``cum.NAME`` the sum of the
  values of that kind from the start through it.

"Needs" is static: every bare and ``prev.`` name that appears in the rule, in any branch, so a
status never depends on CEL's short-circuit order.

Two engines give the same statuses: ``vector`` (each rule compiled once and evaluated over the
arrays of all its periods and parties with numpy) and ``cel`` (the reference: cel-python
evaluates each row). Reference for CEL semantics: https://github.com/google/cel-spec.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from citynexus.agree.explain import explain
from citynexus.agree.model import Agreement, Term
from citynexus.agree.periods import Period, containing
from citynexus.agree.rules import Var, compile_rule

STATUSES = ("not_due", "no_data", "met", "breached")
NOT_DUE, NO_DATA, MET, BREACHED = range(4)
_KINDS = {"month": 0, "quarter": 1, "year": 2}
_IDX_BITS = 20  # period indices (year*12+month) stay below 2**20 until year 87000


@dataclass
class TermResult:
    """The status of one term for one period, the values used and a bilingual explanation."""

    term: str
    period: str
    status: str
    party: str
    category: str
    values: dict[str, float | None] = field(default_factory=dict)
    explanation: str = ""
    explanation_zh: str = ""
    #: the stored agreement version whose rule gave the status (None: evaluated from a file)
    version: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "term": self.term,
            "period": self.period,
            "status": self.status,
            "party": self.party,
            "category": self.category,
            "values": self.values,
            "explanation": self.explanation,
            "explanation_zh": self.explanation_zh,
        }
        if self.version is not None:
            out["version"] = self.version
        return out


@dataclass
class Evaluation:
    """Every result of one agreement at an as-of date, with the digests that tie it to its
    inputs: the rule version of each term and the reports that counted."""

    agreement: str
    as_of: dt.date
    results: list[TermResult]
    rule_digests: dict[str, str]
    reports_digest: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "agreement": self.agreement,
            "as_of": self.as_of.isoformat(),
            "results": [r.to_dict() for r in self.results],
            "rule_digests": self.rule_digests,
            "reports_digest": self.reports_digest,
        }

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for r in self.results:
            out[r.status] += 1
        return out


def reports_for(reports: pd.DataFrame, agreement_id: str) -> pd.DataFrame:
    """The rows that count for an agreement, in a canonical order."""
    sub = reports[reports["agreement"] == agreement_id]
    return sub.sort_values(["party", "metric", "kind", "index"], kind="stable").reset_index(drop=True)


def reports_digest(rows: pd.DataFrame) -> str:
    """``sha256:`` digest of the canonical JSON (RFC 8785) of report rows, sorted by
    (agreement, party, metric, period): the digest anchored in the ledger for a report
    batch and for the reports an evaluation used."""
    from citynexus.ledger.canonical import digest

    recs = sorted(
        [str(a), str(p), str(m), str(q), float(v)]
        for a, p, m, q, v in zip(rows["agreement"], rows["party"], rows["metric"], rows["period"], rows["value"])
    )
    return digest(recs)


# --------------------------------------------------------------------------------------
# once terms (shared by both engines: a handful of rows, assembled in Python)
# --------------------------------------------------------------------------------------
def _once_inputs(ag: Agreement, term: Term, lookup: dict[tuple[str, str, str], dict[Period, float]]):
    """The values of a ``once`` term's variables (None where missing)."""
    due = term.due
    assert due is not None
    out: dict[Var, float | None] = {}
    for var in compile_rule(term.rule).vars:
        series = lookup.get((ag.id, term.party, var.metric), {})
        cands = [p for p in series if p.last <= due and p.index >= containing(p.kind, ag.start).index]
        if not cands:
            out[var] = None if var.scope != "cum" else 0.0
            continue
        order = {"month": 0, "quarter": 1, "year": 2}
        latest = max(cands, key=lambda p: (p.last, -order[p.kind]))
        if var.scope == "":
            out[var] = series[latest]
        elif var.scope == "prev":
            out[var] = series.get(latest.previous())
        else:
            out[var] = sum(v for p, v in series.items() if p.kind == latest.kind and p in cands and p <= latest)
    return out


def _lookup(rows: pd.DataFrame) -> dict[tuple[str, str, str], dict[Period, float]]:
    lk: dict[tuple[str, str, str], dict[Period, float]] = defaultdict(dict)
    for a, p, m, k, i, v in zip(
        rows["agreement"], rows["party"], rows["metric"], rows["kind"], rows["index"], rows["value"]
    ):
        lk[(a, p, m)][Period(k, int(i))] = float(v)
    return lk


def _status_of(due: bool, values: dict[Var, float | None], needs, truth_zero) -> int:
    if not due:
        return NOT_DUE
    if any(values.get(v) is None for v in needs):
        return NO_DATA
    truth, zero = truth_zero()
    if zero:
        return NO_DATA
    return MET if truth else BREACHED


# --------------------------------------------------------------------------------------
# reference engine: cel-python per row
# --------------------------------------------------------------------------------------
def statuses_cel(agreements: list[Agreement], reports: pd.DataFrame, as_of: dt.date) -> list[list[int]]:
    """Reference statuses: for every agreement, the status code of each (term, period) in
    result order, each row evaluated by the CEL library on a Python dict activation."""
    lk = _lookup(reports)
    out = []
    for ag in agreements:
        codes = []
        for term in ag.terms:
            rule = compile_rule(term.rule)
            if term.every == "once":
                vals = _once_inputs(ag, term, lk)
                codes.append(
                    _status_of(term.due <= as_of, vals, rule.needs, lambda v=vals, r=rule: r.evaluate_cel(v))  # type: ignore[misc]
                )
                continue
            periods = term.periods(ag.start, ag.end)
            for i, per in enumerate(periods):
                vals: dict[Var, float | None] = {}
                for var in rule.vars:
                    series = lk.get((ag.id, term.party, var.metric), {})
                    if var.scope == "":
                        vals[var] = series.get(per)
                    elif var.scope == "prev":
                        vals[var] = series.get(per.previous())
                    else:
                        vals[var] = float(sum(series.get(q, 0.0) for q in periods[: i + 1]))
                codes.append(
                    _status_of(per.last <= as_of, vals, rule.needs, lambda v=vals, r=rule: r.evaluate_cel(v))  # type: ignore[misc]
                )
        out.append(codes)
    return out


# --------------------------------------------------------------------------------------
# vectorised engine
# --------------------------------------------------------------------------------------
@dataclass
class _Group:
    """All periodic (agreement, term) items sharing one rule text, as flat slot arrays."""

    rule: str
    items: list[tuple[int, int]] = field(default_factory=list)  # (agreement index, term index)
    lengths: list[int] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    kinds: list[int] = field(default_factory=list)
    codes: dict[Var, list[int]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class VectorRun:
    """Output of :func:`statuses_vector`: per group the slot arrays (status codes, values of
    every variable, period kind and index) and where each item's slots start."""

    groups: list[_Group]
    status: list[np.ndarray]
    values: list[dict[Var, np.ndarray]]
    period_index: list[np.ndarray]
    offsets: list[np.ndarray]

    def codes(self, agreements: list[Agreement], once: dict[tuple[int, int], int]) -> list[list[int]]:
        """Status codes per agreement in result order (the shape :func:`statuses_cel` gives)."""
        per_item: dict[tuple[int, int], np.ndarray] = {}
        for g, st, off in zip(self.groups, self.status, self.offsets):
            for k, item in enumerate(g.items):
                per_item[item] = st[off[k] : off[k + 1]]
        out = []
        for ai, ag in enumerate(agreements):
            codes: list[int] = []
            for ti, term in enumerate(ag.terms):
                if term.every == "once":
                    codes.append(once[(ai, ti)])
                else:
                    codes.extend(per_item[(ai, ti)].tolist())
            out.append(codes)
        return out


def _last_ordinals(kind: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Ordinal of the last day of each (kind, index) period, computed once per distinct period."""
    key = (kind.astype(np.int64) << _IDX_BITS) | index.astype(np.int64)
    uniq, inv = np.unique(key, return_inverse=True)
    names = {v: k for k, v in _KINDS.items()}
    last = np.array(
        [Period(names[int(u >> _IDX_BITS)], int(u & ((1 << _IDX_BITS) - 1))).last.toordinal() for u in uniq]
    )
    return last[inv] if len(uniq) else np.zeros(0, dtype=np.int64)


def statuses_vector(agreements: list[Agreement], reports: pd.DataFrame, as_of: dt.date) -> VectorRun:
    """Statuses of every periodic term of every agreement: each distinct rule compiled once and
    evaluated with numpy over the flat array of all its (agreement, term, period) slots.

    Report values are found by binary search on an integer key
    ``(series code, period kind, period index)``; ``cum`` is a segmented cumulative sum."""
    # encode report series (agreement, party, metric) as integer codes
    series_key = (
        reports["agreement"].astype(str)
        + "\x1f"
        + reports["party"].astype(str)
        + "\x1f"
        + reports["metric"].astype(str)
    )
    codes_arr, uniques = pd.factorize(series_key, sort=False)
    code_of = {s: i for i, s in enumerate(uniques)}
    kind_arr = pd.Categorical(reports["kind"], categories=list(_KINDS)).codes.astype(np.int64)
    rkey = (
        (codes_arr.astype(np.int64) << (_IDX_BITS + 2))
        | (kind_arr << _IDX_BITS)
        | reports["index"].to_numpy(dtype=np.int64)
    )
    order = np.argsort(rkey, kind="stable")
    skeys = rkey[order]
    svals = reports["value"].to_numpy(dtype=float)[order]

    groups: dict[str, _Group] = {}
    span_of: dict[tuple[str, dt.date, dt.date], tuple[int, int]] = {}
    for ai, ag in enumerate(agreements):
        for ti, term in enumerate(ag.terms):
            if term.every == "once":
                continue
            g = groups.get(term.rule)
            if g is None:
                g = groups[term.rule] = _Group(term.rule)
            k = (term.every, ag.start, ag.end)
            ab = span_of.get(k)
            if ab is None:
                ab = span_of[k] = (containing(term.every, ag.start).index, containing(term.every, ag.end).index)
            a, b = ab
            g.items.append((ai, ti))
            g.lengths.append(b - a + 1)
            g.starts.append(a)
            g.kinds.append(_KINDS[term.every])
            prefix = f"{ag.id}\x1f{term.party}\x1f"
            for var in compile_rule(term.rule).vars:
                g.codes[var].append(code_of.get(prefix + var.metric, -1))

    asof = as_of.toordinal()
    run = VectorRun([], [], [], [], [])
    for g in groups.values():
        rule = compile_rule(g.rule)
        lengths = np.asarray(g.lengths, dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        n = int(offsets[-1])
        item_of = np.repeat(np.arange(len(lengths)), lengths)
        pos = np.arange(n) - offsets[item_of]
        pidx = np.asarray(g.starts, dtype=np.int64)[item_of] + pos
        kinds = np.asarray(g.kinds, dtype=np.int64)[item_of]
        values: dict[Var, np.ndarray] = {}
        for var in rule.vars:
            code = np.asarray(g.codes[var], dtype=np.int64)[item_of]
            idx = pidx - 1 if var.scope == "prev" else pidx
            key = (code << (_IDX_BITS + 2)) | (kinds << _IDX_BITS) | idx
            at = np.searchsorted(skeys, key)
            at_c = np.minimum(at, max(len(skeys) - 1, 0))
            hit = (code >= 0) & (at < len(skeys))
            if len(skeys):
                hit &= skeys[at_c] == key
            v = np.where(hit, svals[at_c] if len(skeys) else np.nan, np.nan)
            if var.scope == "cum":
                filled = np.nan_to_num(v, nan=0.0)
                cs = np.cumsum(filled)
                base = np.concatenate([[0.0], cs])[offsets[:-1]][item_of]
                v = cs - base
            values[var] = v
        due = _last_ordinals(kinds, pidx) <= asof
        missing = np.zeros(n, dtype=bool)
        for var in rule.needs:
            missing |= np.isnan(values[var])
        if values:
            safe = {k: np.nan_to_num(v, nan=0.0) for k, v in values.items()}
            truth, zero = rule.evaluate_arrays(safe)
        else:
            truth, zero = rule.evaluate_arrays({Var("", "_"): np.zeros(n)})
        status = np.where(truth, MET, BREACHED)
        status = np.where(zero, NO_DATA, status)
        status = np.where(missing, NO_DATA, status)
        status = np.where(due, status, NOT_DUE).astype(np.int8)
        run.groups.append(g)
        run.status.append(status)
        run.values.append(values)
        run.period_index.append(pidx)
        run.offsets.append(offsets)
    return run


def _once_codes(agreements: list[Agreement], reports: pd.DataFrame, as_of: dt.date):
    lk = None
    codes: dict[tuple[int, int], int] = {}
    inputs: dict[tuple[int, int], dict[Var, float | None]] = {}
    for ai, ag in enumerate(agreements):
        for ti, term in enumerate(ag.terms):
            if term.every != "once":
                continue
            if lk is None:
                lk = _lookup(reports)
            rule = compile_rule(term.rule)
            vals = _once_inputs(ag, term, lk)
            inputs[(ai, ti)] = vals

            def tz(v=vals, r=rule):
                arrs = {k: np.array([0.0 if x is None else x]) for k, x in v.items()} or {Var("", "_"): np.zeros(1)}
                t, z = r.evaluate_arrays(arrs)
                return bool(t[0]), bool(z[0])

            codes[(ai, ti)] = _status_of(term.due <= as_of, vals, rule.needs, tz)
    return codes, inputs


def status_codes(
    agreements: list[Agreement], reports: pd.DataFrame, as_of: dt.date, engine: str = "vector"
) -> list[list[int]]:
    """Status codes (index into :data:`STATUSES`) per agreement in result order."""
    if engine == "cel":
        return statuses_cel(agreements, reports, as_of)
    if engine != "vector":
        raise ValueError(f"unknown engine {engine!r}: use 'vector' or 'cel'")
    run = statuses_vector(agreements, reports, as_of)
    once, _ = _once_codes(agreements, reports, as_of)
    return run.codes(agreements, once)


def evaluate(
    agreement: Agreement | Iterable[Agreement],
    reports: pd.DataFrame,
    as_of: dt.date | None = None,
    engine: str = "vector",
) -> Evaluation | list[Evaluation]:
    """Evaluate one agreement (or several) on validated report rows (see
    :func:`citynexus.agree.reports.validate_reports`); ``as_of`` defaults to today. Every term
    and period gets a :class:`TermResult` with the values used and a bilingual explanation."""
    single = isinstance(agreement, Agreement)
    ags = [agreement] if single else list(agreement)  # type: ignore[list-item]
    as_of = as_of or dt.date.today()
    ids = {a.id for a in ags}
    rows = reports[reports["agreement"].isin(ids)] if len(reports) else reports
    if engine == "cel":
        codes = statuses_cel(ags, rows, as_of)
    run = statuses_vector(ags, rows, as_of)
    once, once_inputs = _once_codes(ags, rows, as_of)
    vec_codes = run.codes(ags, once)
    if engine != "cel":
        codes = vec_codes
    # values per item from the vector run (the same inputs both engines use)
    item_vals: dict[tuple[int, int], tuple[np.ndarray, dict[Var, np.ndarray]]] = {}
    for g, vals, pidx, off in zip(run.groups, run.values, run.period_index, run.offsets):
        for k, item in enumerate(g.items):
            sl = slice(int(off[k]), int(off[k + 1]))
            item_vals[item] = (pidx[sl], {v: a[sl] for v, a in vals.items()})
    out = []
    for ai, ag in enumerate(ags):
        results: list[TermResult] = []
        c = iter(codes[ai])
        for ti, term in enumerate(ag.terms):
            rule = compile_rule(term.rule)
            if term.every == "once":
                vals = once_inputs[(ai, ti)]
                labels = [(term.due.isoformat(), term.due, vals)]  # type: ignore[union-attr]
            else:
                pidx, arrs = item_vals[(ai, ti)]
                labels = []
                for j, ix in enumerate(pidx):
                    per = Period(term.every, int(ix))
                    vj = {v: (None if np.isnan(a[j]) else float(a[j])) for v, a in arrs.items()}
                    labels.append((per.label, per.last, vj))
            for label, last, vals in labels:
                st = STATUSES[next(c)]
                en, zh = explain(rule, st, vals, ag.metrics, last, as_of)
                results.append(
                    TermResult(
                        term=term.id,
                        period=label,
                        status=st,
                        party=term.party,
                        category=term.category,
                        values={v.name: x for v, x in vals.items()},
                        explanation=en,
                        explanation_zh=zh,
                    )
                )
        sub = rows[rows["agreement"] == ag.id] if len(rows) else rows
        out.append(
            Evaluation(
                agreement=ag.id,
                as_of=as_of,
                results=results,
                rule_digests={t.id: t.rule_digest for t in ag.terms},
                reports_digest=reports_digest(sub),
            )
        )
    return out[0] if single else out
