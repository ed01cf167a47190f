"""Anomaly and reporting-behaviour detectors on hand-made series and tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from citynexus.watch.anomalies import party_anomalies, series_anomalies
from citynexus.watch.errors import WatchInputError, WatchSpecError
from citynexus.watch.reporting import reporting_behaviour, revisions


def test_single_outlier_found_with_expected_value():
    x = [10.0, 10.2, 9.9, 10.1, 10.0, 9.8, 10.1, 25.0, 10.0, 10.2, 9.9, 10.1]
    res = series_anomalies(x, period=0)
    assert res.positions == [7]
    assert res.values == [25.0]
    assert res.expected[0] == pytest.approx(10.05, abs=0.2)
    assert res.scores[0] > 3.5
    assert "position 7" in res.explain("en") and "第7期" in res.explain("zh")


def test_level_shift_and_trend_are_not_outliers():
    t = np.arange(60, dtype=float)
    trend = 100 + 2 * t + np.random.default_rng(0).normal(0, 1, 60)
    assert series_anomalies(trend).positions == []
    step = np.r_[np.full(30, 10.0), np.full(30, 50.0)] + np.random.default_rng(1).normal(0, 1, 60)
    assert series_anomalies(step).positions == []


def test_seasonal_peak_is_not_an_outlier_but_a_missed_peak_is():
    rng = np.random.default_rng(2)
    n = 72
    x = 100 + 30 * (np.arange(n) % 12 == 11) + rng.normal(0, 1, n)  # every December is high
    assert series_anomalies(x, period=12).positions == []
    y = x.copy()
    y[47] = 100  # a December without the peak
    res = series_anomalies(y, period=12)
    assert 47 in res.positions
    assert res.settings["period"] == 12


def test_missing_values_and_bad_inputs():
    x = [1.0, None, 1.1, 0.9, 1.0, None, 1.05, 9.0, 1.0, 0.95, 1.0]
    assert series_anomalies(x, period=0).positions == [7]
    assert series_anomalies([]).note
    assert "nothing" in series_anomalies([None, None]).note
    assert "no variation" in series_anomalies([3.0] * 12).note
    with pytest.raises(WatchInputError):
        series_anomalies(["a", "b"])
    with pytest.raises(WatchSpecError):
        series_anomalies([1.0] * 10, threshold=0)


def _party_table(n=36, bad=20):
    rng = np.random.default_rng(3)
    rows = []
    for i in range(n):
        per = f"{2023 + i // 12}-{i % 12 + 1:02d}"
        for m, mu in (("funding", 100.0), ("rd_milestones", 5.0), ("deliveries", 40.0)):
            v = mu + rng.normal(0, mu * 0.03)
            if i == bad:
                v = mu * (0.6 if m != "rd_milestones" else 1.5)
            rows.append({"party": "p1", "metric": m, "period": per, "value": v})
    return pd.DataFrame(rows)


def test_party_isolation_forest_default_rule():
    res = party_anomalies(_party_table(), "p1")
    assert res.periods == ["2024-09"]  # only the planted period stands out
    quiet = party_anomalies(_party_table(bad=-1), "p1")
    assert quiet.periods == []  # ordinary data: no flag


def test_party_isolation_forest_flags_joint_anomaly():
    res = party_anomalies(_party_table(), "p1", contamination=0.03)
    assert "2024-09" in res.periods
    i = res.periods.index("2024-09")
    assert set(res.drivers[i]) == {"funding", "rd_milestones", "deliveries"}
    assert "2024-09" in res.explain("en")


def test_party_too_little_data_and_unknown_party():
    df = _party_table(n=4)
    assert party_anomalies(df, "p1").note
    with pytest.raises(WatchInputError, match="no report rows"):
        party_anomalies(df, "nobody")


def _reports():
    rows = []
    for party, last in (("a", 12), ("b", 8)):
        for i in range(1, last + 1):
            if party == "a" and i == 5:
                continue  # a gap
            rows.append(
                {
                    "party": party,
                    "metric": "sales",
                    "period": f"2025-{i:02d}",
                    "value": 10.0 + i,
                    "submitted": f"2025-{i:02d}-28" if i != 3 else "2025-05-02",
                }
            )
    return pd.DataFrame(rows)


def test_late_missing_stopped():
    res = reporting_behaviour(_reports(), grace_days=15)
    late = res.by_kind("late")
    # 2025-03 is due 2025-04-15 (31 March + 15 days); submitted 2025-05-02 -> 17 days late, for both parties
    assert {(f.party, f.period, f.evidence["days_late"]) for f in late} == {("a", "2025-03", 17), ("b", "2025-03", 17)}
    assert [(f.party, f.period) for f in res.by_kind("missing")] == [("a", "2025-05")]
    stopped = res.by_kind("stopped")
    assert [(f.party, f.evidence["last_period"], f.evidence["periods_silent"]) for f in stopped] == [
        ("b", "2025-08", 4)
    ]
    assert "stopped reporting" in stopped[0].explain("en") and "停止报告" in stopped[0].explain("zh")


def test_revisions():
    old = _reports()
    new = old.copy()
    new.loc[new.index[2], "value"] = 99.0
    res = revisions(old, new)
    assert len(res.findings) == 1
    f = res.findings[0]
    assert f.kind == "revised" and f.evidence["old"] == 13.0 and f.evidence["new"] == 99.0
    assert revisions(old, old).findings == []


def test_reporting_bad_table():
    with pytest.raises(WatchInputError, match="lacks column"):
        reporting_behaviour(pd.DataFrame({"party": ["a"]}))
    with pytest.raises(WatchInputError, match="not a month"):
        reporting_behaviour(pd.DataFrame({"party": ["a"], "metric": ["m"], "period": ["March"], "value": [1.0]}))
