"""KPI trajectories on hand-made series: a term is flagged at_risk before it is breached."""

from __future__ import annotations

import numpy as np
import pytest

from citynexus.watch.errors import WatchInputError, WatchSpecError
from citynexus.watch.trajectory import KpiTarget, parse_term, trajectory

MONTHS = [f"{2024 + i // 12}-{i % 12 + 1:02d}" for i in range(36)]


def test_parse_term():
    t = parse_term("cum.deliveries >= 1,200", "2026Q4")
    assert (t.metric, t.op, t.threshold, t.cumulative) == ("deliveries", ">=", 1200.0, True)
    assert t.rule() == "cum.deliveries >= 1200"
    assert parse_term("defect_rate < 0.02", "2026").op == "<"
    with pytest.raises(WatchSpecError, match="not of the form"):
        parse_term("deliveries == 5", "2026")
    with pytest.raises(WatchSpecError, match="comparison"):
        KpiTarget("x", "!=", 1, "2026")


def test_declining_series_is_at_risk_before_due():
    rng = np.random.default_rng(0)
    y = 100 - 1.5 * np.arange(18) + rng.normal(0, 1, 18)  # falls ~1.5 a month
    res = trajectory(MONTHS[:18], list(y), parse_term("output >= 75", "2025-12"))
    # linear extrapolation to 2025-12 (index 23): 100 - 1.5 * 23 = 65.5 < 75
    assert res.status == "at_risk" and res.at_risk
    assert res.probability_breach > 0.8
    assert res.horizon == 6 and res.lead_days == 184  # 30 June -> 31 December
    assert res.band[0] < res.forecast < res.band[1]
    assert len(res.path) == 6 and res.path[-1]["period"] == "2025-12"
    assert "AT RISK" in res.explain("en") and "违约风险" in res.explain("zh")


def test_healthy_series_on_track():
    rng = np.random.default_rng(1)
    y = 50 + 0.5 * np.arange(18) + rng.normal(0, 1, 18)
    res = trajectory(MONTHS[:18], list(y), parse_term("output >= 40", "2025-12"))
    assert res.status == "on_track" and res.probability_breach < 0.05


def test_cumulative_target():
    qs = ["2026Q1", "2026Q2", "2026Q3"]
    res = trajectory(qs, [9.0, 10.0, 11.0], parse_term("cum.units >= 42", "2026Q4"))
    # a linear trend says ~12 in Q4, total ~42: breach probability near one half
    assert 0.2 < res.probability_breach < 0.8
    low = trajectory(qs, [9.0, 10.0, 11.0], parse_term("cum.units >= 30", "2026Q4"))
    assert low.probability_breach == 0.0  # 30 already reported; a fourth quarter near 12 keeps it above
    assert low.status == "on_track"


def test_already_due_met_or_breached():
    res = trajectory(MONTHS[:6], [1, 2, 3, 4, 5, 6], parse_term("x >= 3", "2024-03"))
    assert res.status == "met" and res.extra["value"] == 3
    res = trajectory(MONTHS[:6], [1, 2, 3, 4, 5, 6], parse_term("cum.x >= 30", "2024-06"))
    assert res.status == "breached" and res.extra["value"] == 21
    res = trajectory(MONTHS[:6], [1, 2, None, 4, 5, 6], parse_term("x >= 3", "2024-03"))
    assert res.status == "no_data"


def test_due_as_date_and_bad_inputs():
    res = trajectory(MONTHS[:12], list(np.linspace(10, 20, 12)), parse_term("x >= 0", "2025-06-30"))
    assert res.horizon == 6
    assert trajectory([], [], parse_term("x >= 1", "2026")).status == "no_data"
    assert trajectory(MONTHS[:3], [None, None, None], parse_term("x >= 1", "2026-01")).status == "no_data"
    with pytest.raises(WatchInputError, match="neither"):
        trajectory(MONTHS[:3], [1, 2, 3], parse_term("x >= 1", "soon"))
    with pytest.raises(WatchInputError, match="values"):
        trajectory(MONTHS[:3], [1, 2], parse_term("x >= 1", "2026"))
    with pytest.raises(WatchSpecError):
        trajectory(MONTHS[:3], [1, 2, 3], parse_term("x >= 1", "2026"), risk_level=1.5)


def test_probability_is_calibrated_on_noise():
    # a flat series at 100 with sd 5: P(value at h=1 < 100) should be near one half
    rng = np.random.default_rng(3)
    y = 100 + rng.normal(0, 5, 30)
    y = y - y.mean() + 100
    res = trajectory(MONTHS[:30], list(y), parse_term("x >= 100", "2026-07"))
    assert 0.3 < res.probability_breach < 0.7
