"""The SYNTHETIC demo's planted events are found by the detector meant for each, and the clean
parties are not flagged (no database: the scan itself)."""

from __future__ import annotations

import numpy as np
import pytest

from citynexus.services.watch import DEMO_EVENTS, demo_reports, scan_reports
from citynexus.watch.changepoints import ChangePointDetector

#: kind of planted event -> (alert kind, metric) that must report it.
EXPECTED = {
    "funding_drop": ("changepoint", "funding_received"),
    "rd_stall": ("changepoint", "rd_milestones"),
    "delivery_slippage": ("changepoint", "on_time_rate"),
    "reporting_stop": ("stopped", None),
}


@pytest.fixture(scope="module")
def demo():
    df, targets, planted = demo_reports()
    return df, targets, planted, scan_reports(df, targets)


def test_every_planted_event_raises_its_alert_at_the_planted_period(demo):
    df, _, planted, out = demo
    assert {p["party"] for p in planted} == set(DEMO_EVENTS)
    for ev in planted:
        kind, metric = EXPECTED[ev["kind"]]
        alerts = [a for a in out["alerts"] if a["party"] == ev["party"] and a["kind"] == kind]
        assert alerts, f"{ev['party']}: planted {ev['kind']} raised no {kind} alert"
        if kind == "changepoint":
            hit = [a for a in alerts if a["metric"] == metric]
            assert hit and hit[0]["period"] == ev["period"], (ev, alerts)
        else:  # the last reported period is the one before the stop
            last = df[df["party"] == ev["party"]]["period"].max()
            assert alerts[0]["period"] == last
        level = next(p["level"] for p in out["parties"] if p["party"] == ev["party"])
        assert level in ("medium", "high")


def test_clean_parties_raise_no_alert_and_stay_low(demo):
    _, targets, _, out = demo
    clean = {p["party"] for p in out["parties"]} - set(DEMO_EVENTS) - set(targets)
    assert len(clean) == 7
    assert not [a for a in out["alerts"] if a["party"] in clean]
    assert {p["level"] for p in out["parties"] if p["party"] in clean} == {"low"}


def test_the_rd_stall_is_a_downward_shift_of_the_counts(demo):
    """The evidence of the stall: milestones of about 9 a month fall to about 2 from month 26; the
    detector reports that position with a drop of more than two noise sigmas."""
    df, _, _, _ = demo
    x = df[(df["party"] == "SYN-0002") & (df["metric"] == "rd_milestones")].sort_values("period")["value"]
    x = x.to_numpy(float)
    assert x[:26].mean() > 3 * x[26:].mean()
    res = ChangePointDetector().fit(x).result_
    assert res.changepoints == [DEMO_EVENTS["SYN-0002"][1]]
    assert res.magnitudes[0]["delta"] < 0 and res.magnitudes[0]["sigmas"] < -2
    assert res.extra["counts"] is True
    # with free slopes the noisy counts read as a rise and a fall, cut at the top (docs/risk.md)
    assert ChangePointDetector(trend_beta=0.0).fit_predict(x) == [15]


def test_rbf_kernel_cost_misses_the_stall_that_the_default_finds(demo):
    """Why the earlier default (rbf kernel cost, 1.5 log n) missed it: the kernel cost of a segment is
    bounded by its length, so on 36 points the gain of the cut (about 4.4) stays below the penalty
    1.5 log 36 = 5.4, however large the drop."""
    df, _, _, _ = demo
    x = df[(df["party"] == "SYN-0002") & (df["metric"] == "rd_milestones")].sort_values("period")["value"]
    old = ChangePointDetector(cost="rbf", beta=1.5, search="pelt", scale_floor=0.0)
    assert old.fit_predict(x.to_numpy(float)) == []
    assert np.isclose(old.result_.penalty, 1.5 * np.log(36))
