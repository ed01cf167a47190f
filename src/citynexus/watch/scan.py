"""Scan a long report table: every detector on every series, partner risk, alert candidates.

:func:`scan` takes the long table ``party, metric, period, value`` (optional ``agreement`` and
``submitted``), optional KPI targets per party, and optionally the previous version of the table (for
revisions). Per (party, metric) it builds the series over the party's reported span (gaps = missing),
runs the default :class:`~citynexus.watch.changepoints.ChangePointDetector` and
:func:`~citynexus.watch.anomalies.series_anomalies`, turns adverse findings into
:class:`~citynexus.watch.risk.Signal` objects, adds reporting behaviour and KPI trajectories, and combines
them with :func:`~citynexus.watch.risk.combine`. Each alert candidate carries the series with the
detection marked (``series`` = periods and values, ``marks`` = the flagged periods) and a fingerprint
for deduplication (party, kind, metric, period).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from citynexus.watch.anomalies import party_anomalies, series_anomalies
from citynexus.watch.changepoints import ChangePointDetector
from citynexus.watch.errors import WatchInputError
from citynexus.watch.periods import period_index
from citynexus.watch.reporting import reporting_behaviour, revisions
from citynexus.watch.risk import PartyRisk, Signal, category_of, combine, higher_is_better
from citynexus.watch.trajectory import KpiTarget, trajectory

__all__ = ["ScanResult", "build_series", "scan", "scan_parties"]

#: A signal becomes an alert from this contribution (weight x strength) on.
ALERT_FROM = 0.2


@dataclass
class ScanResult:
    parties: list[PartyRisk]
    alerts: list[dict[str, Any]]
    settings: dict[str, Any] = field(default_factory=dict)

    def ranking(self) -> list[PartyRisk]:
        return sorted(self.parties, key=lambda p: -p.score)


def _check(reports: pd.DataFrame) -> pd.DataFrame:
    need = ["party", "metric", "period", "value"]
    if missing := [c for c in need if c not in reports.columns]:
        raise WatchInputError(
            f"report table lacks column(s) {', '.join(missing)} -> columns are party, metric, period, value"
        )
    df = reports.copy()
    for c in ("party", "metric", "period"):
        df[c] = df[c].astype(str)
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    return df


def build_series(g: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """Periods (complete range from first to last report, gaps included) and values of one series."""
    labels_in = [str(p) for p in g["period"]]
    try:
        per = dict(zip(period_index(labels_in), g["value"]))
    except WatchInputError as err:
        who = f"{g['party'].iloc[0]}, {g['metric'].iloc[0]}" if "party" in g and "metric" in g else "a series"
        raise WatchInputError(f"{who}: {err}") from None
    lo, hi = min(per), max(per)
    labels, vals = [], []
    p = lo
    while p <= hi:
        labels.append(str(p))
        v = per.get(p)
        vals.append(np.nan if v is None or pd.isna(v) else float(v))
        p = p + 1
    return labels, np.asarray(vals, dtype=float)


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def _series_signals(
    party: str, metric: str, labels: list[str], x: np.ndarray, category: str, up_good: bool
) -> list[Signal]:
    out: list[Signal] = []
    n = len(labels)
    series = {"periods": labels, "values": [None if np.isnan(v) else float(v) for v in x]}
    cp = ChangePointDetector().fit(x).result_
    if cp is not None and cp.changepoints:
        pos = cp.changepoints[-1]
        mag = cp.magnitudes[-1]
        adverse = mag["delta"] < 0 if up_good else mag["delta"] > 0
        if adverse:
            s = min(1.0, abs(mag["sigmas"]) / 4)  # the latest segment is still in force
            before, after = cp.segments[-2]["mean"], cp.segments[-1]["mean"]
            pct = f" ({(after - before) / abs(before):+.0%})" if before else ""
            out.append(
                Signal(
                    "changepoint",
                    category,
                    s,
                    metric,
                    labels[pos],
                    f"{metric} shifted from {before:.4g} to {after:.4g}{pct} from {labels[pos]}",
                    f"{metric}自{labels[pos]}起由{before:.4g}变为{after:.4g}{pct}",
                    {
                        "series": series,
                        "marks": [labels[pos]],
                        "changepoints": [labels[c] for c in cp.changepoints],
                        "magnitude": mag,
                        "settings": cp.settings,
                    },
                )
            )
    an = series_anomalies(x)
    for p, v, e, sc in zip(an.positions, an.values, an.expected, an.scores):
        if p < n - 3:
            continue
        adverse = v < e if up_good else v > e
        if adverse:
            out.append(
                Signal(
                    "anomaly",
                    category,
                    min(1.0, abs(sc) / 10),
                    metric,
                    labels[p],
                    f"{metric} was {v:.4g} in {labels[p]}, about {e:.4g} expected",
                    f"{metric}在{labels[p]}为{v:.4g}，预期约{e:.4g}",
                    {"series": series, "marks": [labels[p]], "score": sc, "settings": an.settings},
                )
            )
    return out


def scan_parties(
    df: pd.DataFrame,
    targets: dict[str, list[KpiTarget]] | None = None,
    previous: pd.DataFrame | None = None,
    as_of: str | None = None,
    categories: dict[str, str] | None = None,
    lower_is_better: set[str] | None = None,
) -> ScanResult:
    """:func:`scan` on an already checked table (also one Dask batch: a subset of parties)."""
    signals: dict[str, list[Signal]] = {str(p): [] for p in df["party"].unique()}
    for (party, metric), g in df.groupby(["party", "metric"], sort=True):
        labels, x = build_series(g)
        cat = category_of(metric, categories)
        signals[party] += _series_signals(party, metric, labels, x, cat, higher_is_better(metric, lower_is_better))
    # periods where a party's metrics together look unusual (IsolationForest), within the last 3 periods
    for party, g in df.groupby("party", sort=True):
        pa = party_anomalies(g, party)
        for per, drv, z in zip(pa.periods, pa.drivers, pa.extra.get("robust_z", [])):
            if per not in pa.extra.get("last_periods", []):
                continue
            top = list(drv)[:3]
            cat = category_of(top[0], categories)
            signals[party].append(
                Signal(
                    "anomaly", cat, min(1.0, z / 10), None, per,
                    f"{per}: unusual combination of {', '.join(top)} (isolation-forest score {z:.1f} robust sd)",
                    f"{per}：{'、'.join(top)}组合异常（孤立森林得分{z:.1f}个稳健标准差）",
                    {"drivers": drv, "robust_z": z, "settings": pa.settings},
                )
            )  # fmt: skip
    # reporting behaviour -> compliance
    rep = reporting_behaviour(df, as_of=as_of) if len(df) else None
    if rep is not None:
        by: dict[tuple[str, str], list] = {}
        for f in rep.findings:
            by.setdefault((f.party, f.kind), []).append(f)
        for (party, kind), fs in by.items():
            if kind == "stopped":
                metrics = [str(f.metric) for f in fs]
                last = max(f.evidence["last_period"] for f in fs)
                silent = min(f.evidence["periods_silent"] for f in fs)
                signals[party].append(
                    Signal(
                        "stopped",
                        "compliance",
                        1.0,
                        None,
                        last,
                        f"{party} stopped reporting {', '.join(metrics)} after {last} ({silent} period(s) silent)",
                        f"{party}自{last}后停止报告{'、'.join(metrics)}（已{silent}期未报）",
                        {"stopped": [f.evidence | {"metric": f.metric} for f in fs]},
                    )
                )
            elif kind == "missing":
                s = min(1.0, len(fs) / 3)
                periods = [f"{f.metric} {f.period}" for f in fs]
                signals[party].append(
                    Signal(
                        "missing",
                        "compliance",
                        s,
                        None,
                        fs[-1].period,
                        f"{len(fs)} report(s) missing ({', '.join(periods[:3])})",
                        f"缺报{len(fs)}次（{'、'.join(periods[:3])}）",
                        {"missing": periods},
                    )
                )
            elif kind == "late":
                days = float(np.mean([f.evidence["days_late"] for f in fs]))
                total = int((df["party"] == party).sum())
                share = len(fs) / max(total, 1)
                signals[party].append(
                    Signal(
                        "late",
                        "compliance",
                        min(1.0, share / 0.2) * min(1.0, days / 30),
                        None,
                        fs[-1].period,
                        f"{len(fs)} of {total} reports late ({share:.0%}), {days:.0f} days late on average",
                        f"{total}份报告中{len(fs)}份迟报（{share:.0%}），平均迟{days:.0f}天",
                        {"late": [f.evidence | {"metric": f.metric, "period": f.period} for f in fs]},
                    )
                )
    if previous is not None:
        prev = _check(previous)
        prev = prev[prev["party"].isin(df["party"].unique())]
        rev = revisions(prev, df)
        by_party: dict[str, list] = {}
        for f in rev.findings:
            by_party.setdefault(f.party, []).append(f)
        for party, fs in by_party.items():
            signals[party].append(
                Signal(
                    "revised",
                    "compliance",
                    min(1.0, len(fs) / 2),
                    fs[0].metric,
                    fs[0].period,
                    f"{len(fs)} past value(s) revised; e.g. " + fs[0].explain("en"),
                    f"修改历史数据{len(fs)}处，例如" + fs[0].explain("zh"),
                    {"revisions": [{"metric": f.metric, "period": f.period, **f.evidence} for f in fs]},
                )
            )
    for party, tlist in (targets or {}).items():
        if party not in signals:
            continue
        sub = df[df["party"] == party]
        for t in tlist:
            g = sub[sub["metric"] == t.metric]
            if g.empty:
                continue
            labels, x = build_series(g)
            res = trajectory(labels, [None if np.isnan(v) else v for v in x], t, as_of=as_of)
            cat = category_of(t.metric, categories)
            if res.status == "breached":
                signals[party].append(
                    Signal(
                        "breached",
                        cat,
                        1.0,
                        t.metric,
                        t.due,
                        res.explain("en"),
                        res.explain("zh"),
                        {"trajectory": res.to_dict()},
                    )
                )
            elif res.status in ("at_risk", "on_track") and (res.probability_breach or 0) > 0.1:
                signals[party].append(
                    Signal(
                        "trajectory",
                        cat,
                        float(res.probability_breach),
                        t.metric,
                        t.due,
                        res.explain("en"),
                        res.explain("zh"),
                        {"trajectory": res.to_dict()},
                    )
                )
    parties = [combine(p, s) for p, s in signals.items()]
    alerts = []
    for pr in parties:
        for s in pr.signals:
            if s.contribution < ALERT_FROM:
                continue
            alerts.append(
                {
                    "fingerprint": _fingerprint(pr.party, s.kind, s.metric, s.period),
                    "party": pr.party,
                    "category": s.category,
                    "kind": s.kind,
                    "metric": s.metric,
                    "period": s.period,
                    "score": s.contribution,
                    "level": "high" if s.contribution >= 0.5 else "medium",
                    "message_en": s.text_en,
                    "message_zh": s.text_zh,
                    "evidence": s.evidence,
                }
            )
    return ScanResult(parties, alerts, {"alert_from": ALERT_FROM, "as_of": as_of})


def scan(
    reports: pd.DataFrame,
    targets: dict[str, list[KpiTarget]] | None = None,
    previous: pd.DataFrame | None = None,
    as_of: str | None = None,
    categories: dict[str, str] | None = None,
    lower_is_better: Iterable[str] | None = None,
) -> ScanResult:
    """Scan every party of a report table (see the module docstring)."""
    df = _check(reports)
    return scan_parties(df, targets, previous, as_of, categories, set(lower_is_better or ()))
