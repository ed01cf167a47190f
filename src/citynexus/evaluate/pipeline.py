"""``build(dataset, spec, period) -> IndexResult``: the steps chained.

Order: denominate -> screen -> impute -> (screen, if ``screen.when = "after_impute"``)
-> treat -> normalise -> weights and aggregation level by level. Every stage is a pure
function of the previous table and the spec; :func:`run_stages` and
:func:`aggregate_tree` are public so that robustness analysis can reuse them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from citynexus.evaluate import aggregate as agg
from citynexus.evaluate import weights as wts
from citynexus.evaluate.denominate import denominate
from citynexus.evaluate.errors import EvaluationError, IndexSpecError
from citynexus.evaluate.framework import Framework
from citynexus.evaluate.impute import PANEL_METHODS, impute, impute_panel
from citynexus.evaluate.normalise import normalise
from citynexus.evaluate.result import IndexResult
from citynexus.evaluate.screen import screen
from citynexus.evaluate.spec import IndexSpec
from citynexus.evaluate.treat import treat


@dataclass
class StageOutput:
    """Tables and records produced by the data stages (before aggregation)."""

    stages: dict[str, pd.DataFrame]
    log: list[dict] = field(default_factory=list)
    treatment: pd.DataFrame | None = None
    treated_points: pd.DataFrame | None = None
    imputed_cells: pd.DataFrame | None = None


def _log(log: list[dict], step: str, message: str, level: str = "info", **details: Any) -> None:
    log.append({"step": step, "level": level, "message": message, **({"details": details} if details else {})})


def _denominate_table(table, dens, fw: Framework, spec: IndexSpec, log, period=None):
    if not spec.denominate.enabled:
        return table.copy()
    by: dict[str, str | None] = {}
    scale: dict[str, float] = {}
    for c in table.columns:
        o = spec.denominate.indicators.get(c, {})
        d = o.get("by", fw.denominator.get(c))
        by[c] = None if d in (None, "", "none") else d
        scale[c] = float(o.get("scale", spec.denominate.scale))
        if by[c] and (dens is None or by[c] not in dens.columns):
            raise IndexSpecError(
                f"indicator {c} is to be divided by {by[c]!r}, which is not a denominator of the dataset; "
                f"declare it (kind = denominator) or set denominate.indicators.{c}.by = 'none'"
            )
    out, problems = denominate(table, dens if dens is not None else pd.DataFrame(index=table.index), by, scale)
    used = {c: d for c, d in by.items() if d}
    if used:
        _log(log, "denominate", f"divided {len(used)} indicators by their denominators", by=used)
    for p in problems:
        if period is not None:
            p = {**p, "period": period}
        _log(log, "denominate", f"{p['unit']} {p['indicator']}: {p['reason']}; the cell is missing", "warning", **p)
    return out


def normalise_stage(x: pd.DataFrame, fw: Framework, spec: IndexSpec) -> tuple[pd.DataFrame, list[str]]:
    """Step 5 as the spec asks: the default method and its parameters, per-indicator
    overrides, directions from the framework. Returns the normalised table and warnings."""
    n = spec.normalise
    params: dict[str, Any] = {}
    if n.method == "minmax":
        params = {"low": n.range[0], "high": n.range[1]}
    elif n.method == "zscore":
        params = {"mean": n.mean, "sd": n.sd}
    per = {k: dict(v) for k, v in n.indicators.items() if k in x.columns}
    for v in per.values():
        if v.get("method", n.method) == "minmax" and "range" in v:
            lo, hi = v.pop("range")
            v.update(low=lo, high=hi)
        if v.get("method", n.method) == "minmax" and n.method != "minmax":
            v.setdefault("low", n.range[0])
            v.setdefault("high", n.range[1])
    direction = {c: fw.direction.get(c, 1) or 1 for c in x.columns}
    try:
        return normalise(x, n.method, direction, per, **params)
    except ValueError as err:
        raise IndexSpecError(f"normalise: {err}") from None


def run_stages(
    raw: pd.DataFrame,
    denominators: pd.DataFrame | None,
    fw: Framework,
    spec: IndexSpec,
    groups: pd.DataFrame | None = None,
    panel: pd.DataFrame | None = None,
    period: int | None = None,
) -> StageOutput:
    """Denominate, screen, impute, treat and normalise one cross-section.

    ``raw``: units x indicators; ``denominators``: units x denominator codes;
    ``groups``: units x grouping columns; ``panel``: (unit, period) x (indicators +
    denominators), only needed for panel imputation methods.
    """
    log: list[dict] = []
    stages: dict[str, pd.DataFrame] = {"raw": raw.copy()}
    x = _denominate_table(raw, denominators, fw, spec, log)
    stages["denominated"] = x

    def do_screen(t: pd.DataFrame) -> pd.DataFrame:
        s, info = screen(t, spec.screen.unit_threshold, spec.screen.indicator_threshold)
        if info["dropped_units"]:
            _log(
                log,
                "screen",
                f"dropped {len(info['dropped_units'])} units with data availability below "
                f"{spec.screen.unit_threshold:.3g}: {', '.join(info['dropped_units'])}",
                "warning",
                units=info["dropped_units"],
            )
        if info["dropped_indicators"]:
            _log(
                log,
                "screen",
                f"dropped {len(info['dropped_indicators'])} indicators with availability below "
                f"{spec.screen.indicator_threshold:.3g}: {', '.join(info['dropped_indicators'])}",
                "warning",
                indicators=info["dropped_indicators"],
            )
        if s.shape[0] == 0 or s.shape[1] == 0:
            raise EvaluationError(
                "screening left no units or no indicators; lower screen.unit_threshold / screen.indicator_threshold"
            )
        return s

    if spec.screen.when == "before_impute":
        x = do_screen(x)
        stages["screened"] = x

    # impute -----------------------------------------------------------------
    m = spec.impute.method
    cells = []
    if m in PANEL_METHODS:
        if panel is None or period is None:
            raise IndexSpecError(f"impute.method = {m!r} needs panel data (several periods)")
        dcodes = [] if denominators is None else list(denominators.columns)
        parts = []
        for per, block in panel.groupby(level="period", sort=True):
            t = block.droplevel("period")[list(raw.columns)]
            d = block.droplevel("period")[dcodes] if dcodes else None
            parts.append(_denominate_table(t, d, fw, spec, [], period=per).assign(period=per))
        dp = pd.concat(parts).reset_index().set_index(["unit", "period"])
        filled, c = impute_panel(dp, m)
        x_new = filled.xs(period, level="period").reindex(index=x.index, columns=x.columns)
        x_new = x.where(x.notna(), x_new)
        c = c[(c["period"] == period) & c["unit"].isin(x.index) & c["indicator"].isin(x.columns)]
        cells.append(c.drop(columns="period"))
        x = x_new
    else:
        per_ind = spec.impute.indicators
        grp = None
        if m in ("group_mean", "group_median") or any(
            o.get("method") in ("group_mean", "group_median") for o in per_ind.values()
        ):
            gcol = spec.impute.group or "group"
            if groups is None or gcol not in groups.columns:
                avail = [] if groups is None else list(groups.columns)
                raise IndexSpecError(
                    f"impute by group needs the unit grouping column {gcol!r}; the dataset has {avail or 'none'} "
                    "-> set impute.group to one of them"
                )
            grp = groups[gcol]
        default_cols = [c for c in x.columns if c not in per_ind]
        out = x.copy()
        if default_cols:
            out[default_cols], c = impute(x[default_cols], m, grp)
            cells.append(c)
        for code, o in per_ind.items():
            if code in x.columns:
                out[[code]], c = impute(x[[code]], o["method"], grp)
                cells.append(c)
        x = out
    imputed_cells = pd.concat(cells, ignore_index=True) if cells else pd.DataFrame()
    if len(imputed_cells):
        _log(log, "impute", f"imputed {len(imputed_cells)} cells ({m})", cells=len(imputed_cells))
    left = int(x.isna().sum().sum())
    if left and m != "none":
        _log(log, "impute", f"{left} cells remain missing (no value to impute from)", "warning")
    stages["imputed"] = x

    if spec.screen.when == "after_impute":
        x = do_screen(x)
        stages["screened"] = x

    # treat -----------------------------------------------------------------
    t = spec.treat
    x, details, points = treat(
        x,
        t.method,
        t.winmax,
        t.skew_threshold,
        t.kurt_threshold,
        t.fallback,
        t.boxcox_lambda,
        {k: v for k, v in t.indicators.items() if k in x.columns},
    )
    if len(details):
        changed = details[~details["treatment"].str.startswith("none")]
        for rec in changed.to_dict("records"):
            what = rec["treatment"]
            if what == "winsorise":
                tails = [f"{u} (high)" for u in rec["winsorised_high"]] + [f"{u} (low)" for u in rec["winsorised_low"]]
                msg = f"{rec['indicator']}: winsorised {rec['n_winsorised']} points: {', '.join(tails)}"
            else:
                msg = f"{rec['indicator']}: {what} transform applied"
            _log(
                log,
                "treat",
                msg,
                indicator=rec["indicator"],
                skew_before=rec["skew_before"],
                kurt_before=rec["kurt_before"],
                skew_after=rec["skew_after"],
                kurt_after=rec["kurt_after"],
            )
    stages["treated"] = x

    # normalise ---------------------------------------------------------------
    y, warns = normalise_stage(x, fw, spec)
    for wmsg in warns:
        _log(log, "normalise", wmsg, "warning")
    stages["normalised"] = y
    return StageOutput(stages, log, details, points, imputed_cells)


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
            _log(log, "aggregate", f"{p}: {n_missing} units have no score (too few children available)", "warning")
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


@dataclass
class Inputs:
    """What :func:`run_stages` needs from a dataset for one period (see :func:`prepare`)."""

    framework: Framework
    period: int
    raw: pd.DataFrame
    denominators: pd.DataFrame | None
    groups: pd.DataFrame | None
    panel: pd.DataFrame | None


def prepare(dataset, spec: IndexSpec, period: int | None = None) -> Inputs:
    """Check ``spec`` against ``dataset`` and extract the tables of one period (default:
    the latest): raw indicators, denominators, unit groupings, and the whole panel when
    the spec imputes along time. Robustness runs call this once and then
    :func:`run_stages` / :func:`aggregate_tree` per variant."""
    spec.validate()
    fw = Framework.from_dataset(dataset)
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
    )


def build(dataset, spec: IndexSpec | None = None, period: int | None = None) -> IndexResult:
    """Build a composite index: apply ``spec`` to ``dataset`` for one ``period``
    (default: the latest). Returns an :class:`IndexResult` holding every stage table,
    the scores and ranks at every level, the weights used, a step log and provenance.
    """
    from citynexus import __version__

    spec = spec or IndexSpec()
    inp = prepare(dataset, spec, period)
    fw, period = inp.framework, inp.period
    st = run_stages(inp.raw, inp.denominators, fw, spec, inp.groups, inp.panel, period)
    extra = {"treated": st.stages["treated"], "raw": st.stages["raw"].loc[st.stages["treated"].index]}
    log = st.log
    scores, wt = aggregate_tree(st.stages["normalised"], fw, spec, extra, log)
    stages = dict(st.stages)
    stages["aggregated"] = pd.concat([st.stages["normalised"], scores], axis=1)
    ranks = scores.apply(lambda s: s.rank(ascending=False, method="min")).astype("Int64")
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
