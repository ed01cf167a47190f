"""The data stages of the pipeline as one registry of named steps.

Each stage is a function ``stage(table, section, ctx) -> StageResult``: the units x
indicators table so far, the stage's section of the :class:`IndexSpec` (``spec.treat`` for
``treat``, ...) and the :class:`StageContext` of the cross-section (framework,
denominators, unit groups, panel, period and the whole spec for stages that need another
section). The result carries the new table, the log entries of the step and any records
it keeps (treated points, imputed cells).

:data:`DATA_STAGES` lists them in pipeline order; ``screen`` runs once, before or after
``impute`` as ``screen.when`` says (:func:`stage_order`). :func:`run_data_stages` chains
them; :func:`citynexus.evaluate.build`, the vectorised robustness engine and replays all go
through it, so a stage is written once. The aggregation level by level (weights and
aggregate, incl. MCDA) is :func:`citynexus.evaluate.pipeline.aggregate_tree`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from citynexus.evaluate.denominate import denominate
from citynexus.evaluate.errors import EvaluationError, IndexSpecError
from citynexus.evaluate.impute import PANEL_METHODS, impute, impute_panel
from citynexus.evaluate.normalise import normalise
from citynexus.evaluate.screen import screen
from citynexus.evaluate.treat import treat

if TYPE_CHECKING:
    from citynexus.data.framework import Framework
    from citynexus.evaluate.spec import (
        DenominateSpec,
        ImputeSpec,
        IndexSpec,
        NormaliseSpec,
        ScreenSpec,
        TreatSpec,
    )


def log_entry(step: str, message: str, level: str = "info", **details: Any) -> dict:
    """One entry of a result's step log (``step``, ``level``, ``message``, ``details``)."""
    return {"step": step, "level": level, "message": message, **({"details": details} if details else {})}


@dataclass
class StageContext:
    """What the stages of one cross-section share besides the table."""

    framework: Framework
    spec: IndexSpec
    denominators: pd.DataFrame | None = None
    groups: pd.DataFrame | None = None
    panel: pd.DataFrame | None = None
    period: int | None = None
    #: the raw table (its columns are the indicators panel imputation fills)
    raw_columns: list[str] = field(default_factory=list)


@dataclass
class StageResult:
    """Output of one stage: the table, the log entries and records kept by the step."""

    table: pd.DataFrame
    log: list[dict] = field(default_factory=list)
    records: dict[str, pd.DataFrame] = field(default_factory=dict)


Stage = Callable[[pd.DataFrame, Any, StageContext], StageResult]
STAGES: dict[str, Stage] = {}


def stage(name: str) -> Callable[[Stage], Stage]:
    """Register a stage function under ``name`` (its spec section has the same name)."""

    def deco(func: Stage) -> Stage:
        STAGES[name] = func
        return func

    return deco


# ---------------------------------------------------------------------------- denominate
def denominate_table(
    table: pd.DataFrame,
    dens: pd.DataFrame | None,
    fw: Framework,
    section: DenominateSpec,
    period: int | None = None,
) -> StageResult:
    """Divide each indicator by its denominator (framework metadata, overridden per
    indicator in ``section.indicators``) times the scale; see
    :func:`citynexus.evaluate.denominate.denominate`."""
    if not section.enabled:
        return StageResult(table.copy())
    by: dict[str, str | None] = {}
    scale: dict[str, float] = {}
    for c in table.columns:
        o = section.indicators.get(c, {})
        d = o.get("by", fw.denominator.get(c))
        by[c] = None if d in (None, "", "none") else d
        scale[c] = float(o.get("scale", section.scale))
        if by[c] and (dens is None or by[c] not in dens.columns):
            raise IndexSpecError(
                f"indicator {c} is to be divided by {by[c]!r}, which is not a denominator of the dataset; "
                f"declare it (kind = denominator) or set denominate.indicators.{c}.by = 'none'"
            )
    out, problems = denominate(table, dens if dens is not None else pd.DataFrame(index=table.index), by, scale)
    log = []
    used = {c: d for c, d in by.items() if d}
    if used:
        log.append(log_entry("denominate", f"divided {len(used)} indicators by their denominators", by=used))
    for p in problems:
        if period is not None:
            p = {**p, "period": period}
        log.append(
            log_entry("denominate", f"{p['unit']} {p['indicator']}: {p['reason']}; the cell is missing", "warning", **p)
        )
    return StageResult(out, log)


@stage("denominate")
def denominate_stage(x: pd.DataFrame, section: DenominateSpec, ctx: StageContext) -> StageResult:
    """Step 1: ratios to the denominators."""
    return denominate_table(x, ctx.denominators, ctx.framework, section)


# ---------------------------------------------------------------------------- screen
@stage("screen")
def screen_stage(x: pd.DataFrame, section: ScreenSpec, ctx: StageContext) -> StageResult:
    """Step 2: drop units and indicators whose data availability is below the thresholds."""
    s, info = screen(x, section.unit_threshold, section.indicator_threshold)
    log = []
    if info["dropped_units"]:
        log.append(
            log_entry(
                "screen",
                f"dropped {len(info['dropped_units'])} units with data availability below "
                f"{section.unit_threshold:.3g}: {', '.join(info['dropped_units'])}",
                "warning",
                units=info["dropped_units"],
            )
        )
    if info["dropped_indicators"]:
        log.append(
            log_entry(
                "screen",
                f"dropped {len(info['dropped_indicators'])} indicators with availability below "
                f"{section.indicator_threshold:.3g}: {', '.join(info['dropped_indicators'])}",
                "warning",
                indicators=info["dropped_indicators"],
            )
        )
    if s.shape[0] == 0 or s.shape[1] == 0:
        raise EvaluationError(
            "screening left no units or no indicators; lower screen.unit_threshold / screen.indicator_threshold"
        )
    return StageResult(s, log)


# ---------------------------------------------------------------------------- impute
def _impute_panel(x: pd.DataFrame, section: ImputeSpec, ctx: StageContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    m = section.method
    if ctx.panel is None or ctx.period is None:
        raise IndexSpecError(f"impute.method = {m!r} needs panel data (several periods)")
    dcodes = [] if ctx.denominators is None else list(ctx.denominators.columns)
    parts = []
    for per, block in ctx.panel.groupby(level="period", sort=True):
        t = block.droplevel("period")[list(ctx.raw_columns)]
        d = block.droplevel("period")[dcodes] if dcodes else None
        parts.append(denominate_table(t, d, ctx.framework, ctx.spec.denominate, period=per).table.assign(period=per))
    dp = pd.concat(parts).reset_index().set_index(["unit", "period"])
    filled, c = impute_panel(dp, m)
    x_new = filled.xs(ctx.period, level="period").reindex(index=x.index, columns=x.columns)
    x_new = x.where(x.notna(), x_new)
    c = c[(c["period"] == ctx.period) & c["unit"].isin(x.index) & c["indicator"].isin(x.columns)]
    return x_new, c.drop(columns="period")


def _impute_cross_section(x: pd.DataFrame, section: ImputeSpec, ctx: StageContext) -> tuple[pd.DataFrame, list]:
    m, per_ind = section.method, section.indicators
    grp = None
    if m in ("group_mean", "group_median") or any(
        o.get("method") in ("group_mean", "group_median") for o in per_ind.values()
    ):
        gcol = section.group or "group"
        groups = ctx.groups
        if groups is None or gcol not in groups.columns:
            avail = [] if groups is None else list(groups.columns)
            raise IndexSpecError(
                f"impute by group needs the unit grouping column {gcol!r}; the dataset has {avail or 'none'} "
                "-> set impute.group to one of them"
            )
        grp = groups[gcol]
    cells = []
    default_cols = [c for c in x.columns if c not in per_ind]
    out = x.copy()
    if default_cols:
        out[default_cols], c = impute(x[default_cols], m, grp)
        cells.append(c)
    for code, o in per_ind.items():
        if code in x.columns:
            out[[code]], c = impute(x[[code]], o["method"], grp)
            cells.append(c)
    return out, cells


@stage("impute")
def impute_stage(x: pd.DataFrame, section: ImputeSpec, ctx: StageContext) -> StageResult:
    """Step 3: fill missing cells, across units (``mean``, ``group_median``, ...) or
    along time (panel methods, on the denominated panel)."""
    m = section.method
    if m in PANEL_METHODS:
        x, c = _impute_panel(x, section, ctx)
        cells = [c]
    else:
        x, cells = _impute_cross_section(x, section, ctx)
    imputed = pd.concat(cells, ignore_index=True) if cells else pd.DataFrame()
    log = []
    if len(imputed):
        log.append(log_entry("impute", f"imputed {len(imputed)} cells ({m})", cells=len(imputed)))
    left = int(x.isna().sum().sum())
    if left and m != "none":
        log.append(log_entry("impute", f"{left} cells remain missing (no value to impute from)", "warning"))
    return StageResult(x, log, {"imputed_cells": imputed})


# ---------------------------------------------------------------------------- treat
def _treat_log(details: pd.DataFrame) -> list[dict]:
    log = []
    if not len(details):
        return log
    changed = details[~details["treatment"].str.startswith("none")]
    for rec in changed.to_dict("records"):
        what = rec["treatment"]
        if what == "winsorise":
            tails = [f"{u} (high)" for u in rec["winsorised_high"]] + [f"{u} (low)" for u in rec["winsorised_low"]]
            msg = f"{rec['indicator']}: winsorised {rec['n_winsorised']} points: {', '.join(tails)}"
        else:
            msg = f"{rec['indicator']}: {what} transform applied"
        log.append(
            log_entry(
                "treat",
                msg,
                indicator=rec["indicator"],
                skew_before=rec["skew_before"],
                kurt_before=rec["kurt_before"],
                skew_after=rec["skew_after"],
                kurt_after=rec["kurt_after"],
            )
        )
    return log


@stage("treat")
def treat_stage(x: pd.DataFrame, section: TreatSpec, ctx: StageContext) -> StageResult:
    """Step 4: outlier treatment (see :func:`citynexus.evaluate.treat.treat`)."""
    out, details, points = treat(
        x,
        method=section.method,
        winmax=section.winmax,
        skew_threshold=section.skew_threshold,
        kurt_threshold=section.kurt_threshold,
        fallback=section.fallback,
        boxcox_lambda=section.boxcox_lambda,
        per_indicator={k: v for k, v in section.indicators.items() if k in x.columns},
    )
    return StageResult(out, _treat_log(details), {"treatment": details, "treated_points": points})


# ---------------------------------------------------------------------------- normalise
def _normalise_options(x: pd.DataFrame, n: NormaliseSpec) -> tuple[dict[str, Any], dict[str, dict]]:
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
    return params, per


@stage("normalise")
def normalise_stage(x: pd.DataFrame, section: NormaliseSpec, ctx: StageContext) -> StageResult:
    """Step 5 as the spec asks: the default method and its parameters, per-indicator
    overrides, directions from the framework; warnings go to the log."""
    params, per = _normalise_options(x, section)
    direction = {c: ctx.framework.direction.get(c, 1) or 1 for c in x.columns}
    try:
        y, warns = normalise(x, section.method, direction, per, **params)
    except ValueError as err:
        raise IndexSpecError(f"normalise: {err}") from None
    return StageResult(y, [log_entry("normalise", w, "warning") for w in warns])


# ---------------------------------------------------------------------------- chaining
DATA_STAGES = ("denominate", "screen", "impute", "treat", "normalise")
#: the stages whose output robustness variants share at each depth (see the engine)
PREPARE_STAGES = ("denominate", "screen", "impute")


def stage_order(spec: IndexSpec, names: Iterable[str] = DATA_STAGES) -> list[str]:
    """``names`` in the order the spec runs them (``screen`` after ``impute`` when
    ``screen.when = "after_impute"``)."""
    names = list(names)
    if spec.screen.when == "after_impute" and "screen" in names and "impute" in names:
        names.remove("screen")
        names.insert(names.index("impute") + 1, "screen")
    return names


#: the name each stage's output table has in ``IndexResult.stages``
STAGE_TABLES = {
    "denominate": "denominated",
    "screen": "screened",
    "impute": "imputed",
    "treat": "treated",
    "normalise": "normalised",
}


def run_data_stages(
    table: pd.DataFrame, ctx: StageContext, names: Iterable[str] = DATA_STAGES
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], list[dict], dict[str, pd.DataFrame]]:
    """Run the named stages (in the spec's order) from ``table``. Returns the last table,
    the table after each stage (by :data:`STAGE_TABLES` name), the log and the records."""
    tables: dict[str, pd.DataFrame] = {}
    log: list[dict] = []
    records: dict[str, pd.DataFrame] = {}
    x = table
    for name in stage_order(ctx.spec, names):
        res = STAGES[name](x, getattr(ctx.spec, name), ctx)
        x = res.table
        tables[STAGE_TABLES[name]] = x
        log.extend(res.log)
        records.update(res.records)
    return x, tables, log, records
