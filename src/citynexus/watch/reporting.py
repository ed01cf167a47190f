"""Reporting behaviour: late and missing reports, parties that stop reporting, revised past values.

Input is the long report table ``party, metric, period, value`` (optional ``agreement``) with, for
lateness, a ``submitted`` column (date or timestamp of submission). A report for period ``p`` is due
``grace_days`` after the last day of ``p``; it is *late* when submitted after that, by the number of
days shown. A *missing* report is a (party, metric, period) that the party's own reporting span and
frequency call for but that has no row (or an empty value). A party *stops reporting* when its last
reported period lies ``stop_after`` or more periods before the latest period anyone reported
(``as_of``). A *revision* is a key present in two versions of the table with different values (what the
ledger shows as an edit).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from citynexus.watch.errors import WatchInputError
from citynexus.watch.periods import to_period

__all__ = ["ReportingFinding", "ReportingResult", "reporting_behaviour", "revisions"]

KEY = ["party", "metric", "period"]


@dataclass
class ReportingFinding:
    """One finding: kind (late, missing, stopped, revised), where, and the evidence."""

    kind: str
    party: str
    metric: str | None
    period: str | None
    evidence: dict[str, Any] = field(default_factory=dict)

    def explain(self, lang: str = "en") -> str:
        e = self.evidence
        if self.kind == "late":
            return (
                f"{self.party} reported {self.metric} for {self.period} {e['days_late']} day(s) late"
                if lang == "en"
                else f"{self.party}的{self.metric}（{self.period}）迟报{e['days_late']}天"
            )
        if self.kind == "missing":
            return (
                f"{self.party} has no {self.metric} report for {self.period}"
                if lang == "en"
                else f"{self.party}缺少{self.metric}（{self.period}）的报告"
            )
        if self.kind == "stopped":
            return (
                f"{self.party} stopped reporting after {e['last_period']} ({e['periods_silent']} period(s) silent)"
                if lang == "en"
                else f"{self.party}自{e['last_period']}后停止报告（已{e['periods_silent']}期未报）"
            )
        return (
            f"{self.party} revised {self.metric} for {self.period} from {e['old']:.6g} to {e['new']:.6g}"
            if lang == "en"
            else f"{self.party}将{self.metric}（{self.period}）由{e['old']:.6g}修改为{e['new']:.6g}"
        )


@dataclass
class ReportingResult:
    findings: list[ReportingFinding]
    settings: dict[str, Any]

    def by_kind(self, kind: str) -> list[ReportingFinding]:
        return [f for f in self.findings if f.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        return {"findings": [asdict(f) for f in self.findings], "settings": self.settings}


def _check(reports: pd.DataFrame) -> pd.DataFrame:
    missing = set([*KEY, "value"]) - set(reports.columns)
    if missing:
        raise WatchInputError(
            f"report table lacks column(s) {', '.join(sorted(missing))} -> columns are party, metric, period, value"
        )
    df = reports.copy()
    for c in KEY:
        df[c] = df[c].astype(str)
    df["_p"] = [to_period(p) for p in df["period"]]
    return df


def reporting_behaviour(
    reports: pd.DataFrame, grace_days: int = 15, stop_after: int = 2, as_of: str | None = None
) -> ReportingResult:
    """Late, missing and stopped reporting in a report table (see the module docstring)."""
    df = _check(reports)
    settings = {"grace_days": grace_days, "stop_after": stop_after, "as_of": as_of}
    out: list[ReportingFinding] = []
    if df.empty:
        return ReportingResult(out, settings)
    if "submitted" in df.columns:
        sub = pd.to_datetime(df["submitted"], errors="coerce", utc=True).dt.tz_localize(None)
        due = pd.Series([p.end_time.normalize() + pd.Timedelta(days=grace_days) for p in df["_p"]], index=df.index)
        late = (sub.dt.normalize() - due).dt.days
        for i in df.index[late.fillna(0) > 0]:
            r = df.loc[i]
            out.append(
                ReportingFinding(
                    "late",
                    r.party,
                    r.metric,
                    r.period,
                    {"days_late": int(late[i]), "due": str(due[i].date()), "submitted": str(sub[i])},
                )
            )
    latest = to_period(as_of) if as_of else max(df["_p"])
    for (party, metric), g in df.groupby(["party", "metric"]):
        present = {p for p, v in zip(g["_p"], g["value"]) if pd.notna(v)}
        if not present:
            continue
        first = min(g["_p"])
        end = latest.asfreq(first.freqstr, how="end") if latest.freqstr != first.freqstr else latest
        last = max(present)
        gap = (end - last).n if hasattr(end - last, "n") else int(end - last)
        # missing inside the span; periods after the last report count as "stopped", not missing
        p = first
        while p < last:
            if p not in present:
                out.append(ReportingFinding("missing", party, metric, str(p), {"expected_by": str(p.end_time.date())}))
            p = p + 1
        if gap >= stop_after:
            out.append(
                ReportingFinding(
                    "stopped",
                    party,
                    metric,
                    None,
                    {"last_period": str(last), "periods_silent": gap, "as_of": str(end)},
                )
            )
    return ReportingResult(out, settings)


def revisions(old: pd.DataFrame, new: pd.DataFrame, rtol: float = 1e-9) -> ReportingResult:
    """Values changed between two versions of a report table (same party, metric, period)."""
    a, b = _check(old), _check(new)
    m = a[[*KEY, "value"]].merge(b[[*KEY, "value"]], on=KEY, suffixes=("_old", "_new"))
    out = []
    for r in m.itertuples(index=False):
        o, n = r.value_old, r.value_new
        if pd.isna(o) and pd.isna(n):
            continue
        if pd.isna(o) or pd.isna(n) or abs(float(n) - float(o)) > rtol * max(1.0, abs(float(o))):
            o = float("nan") if pd.isna(o) else float(o)
            n = float("nan") if pd.isna(n) else float(n)
            rel = (n - o) / abs(o) if o == o and o != 0 and n == n else None
            out.append(
                ReportingFinding(
                    "revised", r.party, r.metric, r.period, {"old": o, "new": n, "delta": n - o, "rel": rel}
                )
            )
    return ReportingResult(out, {"rtol": rtol})
