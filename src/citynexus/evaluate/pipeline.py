"""``build(dataset, spec, period) -> IndexResult``: the steps chained.

Order: denominate -> screen -> impute -> (screen, if ``screen.when = "after_impute"``)
-> treat -> normalise -> weights and aggregation level by level. Every data stage is a
registered function of the previous table and its spec section
(:mod:`citynexus.evaluate.stages`); :func:`run_stages` and :func:`aggregate_tree` are
public so that robustness analysis can reuse them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from citynexus.evaluate import aggregate as agg
from citynexus.evaluate import weights as wts
from citynexus.evaluate._util import rank_series
from citynexus.evaluate.errors import EvaluationError, IndexSpecError
from citynexus.evaluate.impute import PANEL_METHODS
from citynexus.evaluate.result import IndexResult
from citynexus.evaluate.spec import IndexSpec
from citynexus.evaluate.stages import StageContext, log_entry, run_data_stages

if TYPE_CHECKING:
    from citynexus.evaluate.framework import Framework


@dataclass
class StageOutput:
    """Tables and records produced by the data stages (before aggregation)."""

    stages: dict[str, pd.DataFrame]
    log: list[dict] = field(default_factory=list)
    treatment: pd.DataFrame | None = None
    treated_points: pd.DataFrame | None = None
    imputed_cells: pd.DataFrame | None = None


def _log(log: list[dict], step: str, message: str, level: str = "info", **details: Any) -> None:
    log.append(log_entry(step, message, level, **details))


def run_stages(
    raw: pd.DataFrame,
    denominators: pd.DataFrame | None,
    fw: Framework,
    spec: IndexSpec,
    groups: pd.DataFrame | None = None,
    panel: pd.DataFrame | None = None,
    period: int | None = None,
) -> StageOutput:
    """Denominate, screen, impute, treat and normalise one cross-section: the stages of
    :mod:`citynexus.evaluate.stages` in the spec's order.

    ``raw``: units x indicators; ``denominators``: units x denominator codes;
    ``groups``: units x grouping columns; ``panel``: (unit, period) x (indicators +
    denominators), only needed for panel imputation methods.
    """
    ctx = StageContext(fw, spec, denominators, groups, panel, period, list(raw.columns))
    _, tables, log, rec = run_data_stages(raw, ctx)
    return StageOutput(
        {"raw": raw.copy(), **tables},
        log,
        rec.get("treatment"),
        rec.get("treated_points"),
        rec.get("imputed_cells"),
    )


def _check_given(values: dict[str, float], group: list[str], parent: str, level: int, where: str) -> np.ndarray | None:
    given = [c for c in group if c in values]
    if not given:
        return None
    if len(given) != len(group):
        missing = [c for c in group if c not in values]
        raise IndexSpecError(
            f"{where} gives weights for {', '.join(given)} but not for {', '.join(missing)} (siblings under "
            f"{parent}); give all children of {parent} or none"
        )
    w = np.array([float(values[c]) for c in group])
    if abs(w.sum() - 1.0) > 1e-6:
        raise IndexSpecError(
            f"{where}: the weights of the children of {parent} (level {level}) sum to {w.sum():.6g}, not 1; "
            f"scale them, e.g. " + ", ".join(f"{c} = {v / w.sum():.4g}" for c, v in zip(group, w))
        )
    return w


def group_weights(
    parent: str,
    children: list[str],
    data: pd.DataFrame,
    fw: Framework,
    spec: IndexSpec,
    extra_sources: dict[str, pd.DataFrame] | None = None,
) -> tuple[np.ndarray, dict]:
    """Weights of ``children`` under ``parent`` according to the spec (see
    :mod:`citynexus.evaluate.weights`). ``data``: units x children (normalised
    indicators or aggregate scores). Returns ``(weights summing to 1, info)``."""
    child_level = min(fw.level[c] for c in children)
    cfg = spec.weights_for(parent, child_level)
    method = cfg["method"]
    info: dict[str, Any] = {"method": method}
    if method == "given":
        w = None
        if "values" in cfg:
            w = _check_given(cfg["values"], children, parent, child_level, f"weights for {parent}")
        if w is None:
            w = _check_given(spec.weights.values, children, parent, child_level, "weights.values")
        if w is None:
            w = np.array([fw.weight.get(c, 1.0) for c in children])
            info["source"] = "metadata"
        else:
            info["source"] = "spec"
        return wts.given(w), info
    if method == "ahp":
        A = np.asarray(cfg["matrix"], dtype=float)
        order = cfg.get("codes")
        if A.shape[0] != len(children) and not order:
            raise IndexSpecError(
                f"the AHP matrix for {parent} is {A.shape[0]}x{A.shape[0]} but {parent} has {len(children)} children "
                f"({', '.join(children)}); give one row and column per child in this order"
            )
        w, cr = wts.ahp(A, force=bool(cfg.get("force", False)))
        if order:
            if sorted(order) != sorted(children) or len(order) != A.shape[0]:
                raise IndexSpecError(
                    f"weights.parent.{parent}.codes must list the {len(children)} children of {parent} "
                    f"({', '.join(children)}) once each, in the order of the matrix rows"
                )
            w = np.array([dict(zip(order, w))[c] for c in children])
            w = w / w.sum()
        info["cr"] = cr
        return w, info
    src = cfg.get("source", "normalised")
    x = data
    if src != "normalised" and extra_sources and src in extra_sources and child_level == 1:
        x = extra_sources[src][children]
    params = {k: v for k, v in cfg.items() if k not in ("method", "source")}
    if len(children) == 1:
        return np.ones(1), info
    w = wts.compute(method, x.to_numpy(dtype=float, na_value=np.nan), **params)
    return np.asarray(w, dtype=float), info


def aggregate_tree(
    normalised: pd.DataFrame,
    fw: Framework,
    spec: IndexSpec,
    extra_sources: dict[str, pd.DataFrame] | None = None,
    log: list[dict] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Aggregate level by level. Returns ``(scores: units x aggregates, weights table)``
    where the weights table has ``code, parent, level, method, weight`` (within the
    parent, summing to 1) and ``effective`` (product of weights up to the top)."""
    log = log if log is not None else []
    values = normalised.copy()
    scores: dict[str, np.ndarray] = {}
    wrows = []
    for p in fw.aggregation_order():
        kids = [c for c in fw.children.get(p, []) if c in values.columns]
        if not kids:
            _log(log, "aggregate", f"{p} has no children left (all screened out); it is missing", "warning")
            continue
        lvl = fw.level[p]
        w, info = group_weights(p, kids, values[kids], fw, spec, extra_sources)
        cfg = spec.aggregate_for(p, lvl)
        method = cfg.pop("method")
        x = values[kids].to_numpy(dtype=float, na_value=np.nan)
        try:
            y = agg.aggregate_array(
                method,
                x,
                w,
                p=float(cfg.pop("p", 1.0)),
                min_share=float(cfg.pop("min_share", 0.0)),
                units=list(values.index),
                children=kids,
                **cfg,
            )
        except EvaluationError as err:
            raise EvaluationError(f"aggregating {p} (level {lvl}, {method}): {err}") from None
        scores[p] = y
        values[p] = y
        for c, wc in zip(kids, w):
            wrows.append({"code": c, "parent": p, "level": fw.level[c], "method": info["method"], "weight": float(wc)})
        zero = [c for c, wc in zip(kids, w) if wc == 0]
        if zero:
            _log(
                log,
                "weights",
                f"{p}: weight 0 for {', '.join(zero)}: excluded from {p} (a weight of 0 means excluded, in the "
                "indicators table and in the spec alike)",
                parent=p,
                excluded=zero,
            )
        if info["method"] != "given" or info.get("source") == "spec":
            _log(
                log,
                "weights",
                f"{p}: {info['method']} weights " + ", ".join(f"{c}={v:.4f}" for c, v in zip(kids, w)),
                parent=p,
                **{k: v for k, v in info.items() if k != "method"},
            )
        n_missing = int(np.isnan(y).sum())
        if n_missing:
            dead = [str(u) for u, v in zip(values.index, y) if np.isnan(v)]
            shown = ", ".join(dead[:10]) + (f" and {len(dead) - 10} more" if len(dead) > 10 else "")
            _log(
                log,
                "aggregate",
                f"{p}: {n_missing} units have no score (too few children available): {shown}",
                "warning",
                parent=p,
                units=dead,
            )
    sc = pd.DataFrame(scores, index=normalised.index)
    order = sorted(sc.columns, key=lambda c: (-fw.level[c], fw.aggregates.index(c)))
    sc = sc[order]
    wt = pd.DataFrame(wrows, columns=["code", "parent", "level", "method", "weight"])
    if len(wt):
        wmap = dict(zip(wt["code"], wt["weight"]))
        wt["effective"] = [float(np.prod([wmap.get(c, 1.0) for c in fw.path(code)[:-1]])) for code in wt["code"]]
    else:
        wt["effective"] = []
    return sc, wt


def skipped_cells(
    normalised: pd.DataFrame, scores: pd.DataFrame, fw: Framework, weights: pd.DataFrame | None = None
) -> list[dict]:
    """One warning per missing child value that an aggregation skipped: the unit still has
    a score for the parent, computed with the weights of the parent's other children
    rescaled to sum to 1 (see :mod:`citynexus.evaluate.aggregate`). Each record names the
    unit and the child (an ``indicator`` or, higher up, an ``aggregate``) at the top level
    and in ``details``, so ``log.json``, the API and the report carry them. Children of
    weight 0 (excluded, see ``weights``) are not named: nothing was rescaled for them."""
    values = pd.concat([normalised, scores], axis=1)
    zero = set() if weights is None or not len(weights) else set(weights.loc[weights["weight"] == 0, "code"])
    recs: list[dict] = []
    for p in fw.aggregation_order():
        if p not in scores.columns:
            continue
        kids = [c for c in fw.children.get(p, []) if c in values.columns and c not in zero]
        has = scores[p].notna()
        for c in kids:
            kind = "indicator" if c in fw.indicators else "aggregate"
            for u in values.index[values[c].isna() & has]:
                u = str(u)
                rec = log_entry(
                    "aggregate",
                    f"missing value skipped: unit {u}, {kind} {c} in {p}; the weights of the other children "
                    f"of {p} were rescaled for this unit",
                    "warning",
                    unit=u,
                    **{kind: c},
                    parent=p,
                )
                rec.update({"unit": u, kind: c, "parent": p})
                recs.append(rec)
    return recs


@dataclass
class Inputs:
    """What :func:`run_stages` needs from a dataset for one period (see :func:`prepare`)."""

    framework: Framework
    period: int
    raw: pd.DataFrame
    denominators: pd.DataFrame | None
    groups: pd.DataFrame | None
    panel: pd.DataFrame | None
    #: the dataset the inputs come from, after the spec's [select]
    dataset: Any = None


def prepare(dataset, spec: IndexSpec, period: int | None = None) -> Inputs:
    """Check ``spec`` against ``dataset`` and extract the tables of one period (default:
    the latest): raw indicators, denominators, unit groupings, and the whole panel when
    the spec imputes along time. Robustness runs call this once and then
    :func:`run_stages` / :func:`aggregate_tree` per variant."""
    spec.validate()
    dataset = spec.select.apply(dataset)
    fw = dataset.framework
    if not fw.aggregates:
        raise IndexSpecError("the dataset's framework has no aggregates: add a parent (index) for the indicators")
    if period is None:
        period = dataset.periods[-1]
    if period not in dataset.periods:
        raise IndexSpecError(f"period {period} has no data; periods present: {dataset.periods}")
    _check_codes(spec, fw, dataset)
    dcodes = dataset.codes("denominator")
    return Inputs(
        framework=fw,
        period=int(period),
        raw=dataset.table(period),
        denominators=dataset.table(period, codes=dcodes) if dcodes else None,
        groups=dataset.units.set_index("code")[dataset.groups] if dataset.groups else None,
        panel=dataset.panel() if spec.impute.method in PANEL_METHODS else None,
        dataset=dataset,
    )


def build(dataset, spec: IndexSpec | None = None, period: int | None = None) -> IndexResult:
    """Build a composite index: apply ``spec`` to ``dataset`` for one ``period``
    (default: the latest). Returns an :class:`IndexResult` holding every stage table,
    the scores and ranks at every level, the weights used, a step log and provenance.
    """
    from citynexus import __version__

    spec = spec or IndexSpec()
    inp = prepare(dataset, spec, period)
    dataset = inp.dataset  # as [select] chose it
    fw, period = inp.framework, inp.period
    st = run_stages(inp.raw, inp.denominators, fw, spec, inp.groups, inp.panel, period)
    extra = {"treated": st.stages["treated"], "raw": st.stages["raw"].loc[st.stages["treated"].index]}
    log = st.log
    scores, wt = aggregate_tree(st.stages["normalised"], fw, spec, extra, log)
    log.extend(skipped_cells(st.stages["normalised"], scores, fw, wt))
    stages = dict(st.stages)
    stages["aggregated"] = pd.concat([st.stages["normalised"], scores], axis=1)
    ranks = rank_series(scores)
    provenance = {
        "dataset": getattr(dataset, "name", ""),
        "dataset_digest": dataset.digest(),
        "spec_digest": spec.digest(),
        "citynexus_version": __version__,
        "period": int(period),
        "synthetic": bool(getattr(dataset, "synthetic", False)),
    }
    return IndexResult(
        spec=spec,
        period=int(period),
        framework=fw,
        stages=stages,
        scores=scores,
        ranks=ranks,
        weights=wt,
        log=log,
        treatment=st.treatment if st.treatment is not None else pd.DataFrame(),
        treated_points=st.treated_points if st.treated_points is not None else pd.DataFrame(),
        imputed=st.imputed_cells if st.imputed_cells is not None else pd.DataFrame(),
        units=dataset.units.set_index("code"),
        provenance=provenance,
    )


def _check_codes(spec: IndexSpec, fw: Framework, dataset) -> None:
    known = set(fw.indicators) | set(fw.aggregates)
    inds = set(fw.indicators)
    for sec, table in (
        ("denominate.indicators", spec.denominate.indicators),
        ("impute.indicators", spec.impute.indicators),
        ("treat.indicators", spec.treat.indicators),
        ("normalise.indicators", spec.normalise.indicators),
    ):
        for code in table:
            if code not in inds:
                raise IndexSpecError(f"{sec}.{code}: {code!r} is not an indicator of the dataset")
    for code in spec.weights.values:
        if code not in known:
            raise IndexSpecError(f"weights.values.{code}: {code!r} is not an indicator or aggregate of the dataset")
    for sec, table in (("weights.parent", spec.weights.parent), ("aggregate.parent", spec.aggregate.parent)):
        for code in table:
            if code not in fw.aggregates:
                raise IndexSpecError(f"{sec}.{code}: {code!r} is not an aggregate of the dataset")
    for code, o in spec.normalise.indicators.items():
        if o.get("method") == "dist2ref" and o.get("ref") not in set(dataset.unit_codes):
            raise IndexSpecError(f"normalise.indicators.{code}.ref: {o.get('ref')!r} is not a unit code")
