"""The exact semantics of rules on hand-made cases; each checked with both engines."""

from __future__ import annotations

import pytest

from citynexus.agree import evaluate, status_codes
from citynexus.agree.evaluate import STATUSES

from .helpers import agreement, day, reports


def run(ag, rows, as_of):
    ev = evaluate(ag, rows, day(as_of))
    ref = [STATUSES[c] for c in status_codes([ag], rows, day(as_of), engine="cel")[0]]
    assert [r.status for r in ev.results] == ref, "vector and CEL engines disagree"
    return ev


def statuses(ev, term="T1"):
    return [(r.period, r.status) for r in ev.results if r.term == term]


def test_bare_value_breached_then_met():
    ag = agreement([{"rule": "output >= 100"}])
    rows = reports([("output", "2026Q1", 90), ("output", "2026Q2", 100), ("output", "2026Q3", 150)], [ag])
    ev = run(ag, rows, "2026-12-31")
    assert statuses(ev) == [("2026Q1", "breached"), ("2026Q2", "met"), ("2026Q3", "met"), ("2026Q4", "no_data")]
    assert ev.results[0].values == {"output": 90.0}
    assert ev.results[0].explanation == "breached: output 90 < 100"
    assert ev.results[0].explanation_zh == "未达标：output 90 < 100"
    assert ev.results[1].explanation == "met: output 100 >= 100"


def test_prev_at_first_period_without_baseline_is_no_data():
    ag = agreement([{"rule": "patents >= prev.patents"}])
    rows = reports([("patents", "2026Q1", 3), ("patents", "2026Q2", 2), ("patents", "2026Q3", 5)], [ag])
    ev = run(ag, rows, "2026-09-30")
    assert statuses(ev) == [("2026Q1", "no_data"), ("2026Q2", "breached"), ("2026Q3", "met"), ("2026Q4", "not_due")]
    assert "prev.patents" in ev.results[0].explanation
    assert ev.results[1].values == {"patents": 2.0, "prev.patents": 3.0}


def test_prev_at_first_period_uses_a_reported_baseline():
    ag = agreement([{"rule": "patents > prev.patents"}])
    rows = reports([("patents", "2025Q4", 1), ("patents", "2026Q1", 2)], [ag])
    ev = run(ag, rows, "2026-03-31")
    assert statuses(ev)[0] == ("2026Q1", "met")


def test_cum_with_gaps_adds_nothing_for_missing_periods():
    # Q1 = 2, Q2 missing, Q3 = 1, Q4 = 4; cum = 2, 2, 3, 7
    ag = agreement([{"rule": "cum.projects >= 3"}])
    rows = reports([("projects", "2026Q1", 2), ("projects", "2026Q3", 1), ("projects", "2026Q4", 4)], [ag])
    ev = run(ag, rows, "2027-01-01")
    assert statuses(ev) == [("2026Q1", "breached"), ("2026Q2", "breached"), ("2026Q3", "met"), ("2026Q4", "met")]
    assert [r.values["cum.projects"] for r in ev.results] == [2.0, 2.0, 3.0, 7.0]


def test_cum_ignores_rows_before_start_and_of_other_kinds():
    ag = agreement([{"rule": "cum.x >= 5"}])
    rows = reports([("x", "2025Q4", 100), ("x", "2026", 100), ("x", "2026-02", 100), ("x", "2026Q1", 1)], [ag])
    ev = run(ag, rows, "2026-03-31")
    assert ev.results[0].values["cum.x"] == 1.0
    assert ev.results[0].status == "breached"


def test_cum_with_nothing_reported_is_zero_not_no_data():
    ag = agreement([{"rule": "cum.x <= 0"}])
    ev = run(ag, reports([], [ag]), "2026-03-31")
    assert ev.results[0].status == "met"


def test_bare_missing_is_no_data_even_if_short_circuit_would_decide():
    # CEL would evaluate `true || missing` to true; the rule needs `b`, so it is no_data
    ag = agreement([{"rule": "a > 0 || b > 0"}])
    rows = reports([("a", "2026Q1", 1)], [ag])
    ev = run(ag, rows, "2026-03-31")
    assert ev.results[0].status == "no_data"
    assert "b not reported" in ev.results[0].explanation


def test_integer_literals_are_doubles():
    ag = agreement([{"rule": "x / 2 == 1.25 && x + 1 > 3"}])
    ev = run(ag, reports([("x", "2026Q1", 2.5)], [ag]), "2026-03-31")
    assert ev.results[0].status == "met"


def test_division_by_zero_is_no_data():
    ag = agreement([{"rule": "rd / revenue >= 0.05"}])
    ev = run(ag, reports([("rd", "2026Q1", 1), ("revenue", "2026Q1", 0)], [ag]), "2026-03-31")
    assert ev.results[0].status == "no_data"
    assert "division by zero" in ev.results[0].explanation


def test_not_due_boundary_is_the_period_end():
    ag = agreement([{"rule": "x > 0"}])
    rows = reports([("x", "2026Q1", 1)], [ag])
    assert run(ag, rows, "2026-03-30").results[0].status == "not_due"
    assert run(ag, rows, "2026-03-31").results[0].status == "met"


@pytest.mark.parametrize(
    ("every", "first", "n", "rows"),
    [
        ("month", "2026-01", 12, [("x", "2026-01", 1), ("x", "2026-02", -1)]),
        ("quarter", "2026Q1", 4, [("x", "2026Q1", 1), ("x", "2026Q2", -1)]),
        ("year", "2026", 2, [("x", "2026", 1), ("x", "2027", -1)]),
    ],
)
def test_month_quarter_year_periods(every, first, n, rows):
    ag = agreement([{"rule": "x > 0", "every": every}], end="2027-12-31" if every == "year" else "2026-12-31")
    ev = run(ag, reports(rows, [ag]), "2030-01-01")
    assert len(ev.results) == n
    assert ev.results[0].period == first
    assert [r.status for r in ev.results[:2]] == ["met", "breached"]
    assert all(r.status == "no_data" for r in ev.results[2:])


def test_periods_cover_partial_first_and_last_quarter():
    ag = agreement([{"rule": "x > 0"}], start="2026-02-15", end="2026-07-01")
    ev = run(ag, reports([], [ag]), "2026-01-01")
    assert [r.period for r in ev.results] == ["2026Q1", "2026Q2", "2026Q3"]


def test_once_before_and_after_due():
    ag = agreement([{"rule": "cum.staff_trained >= 50", "every": "once", "due": "2026-06-30"}])
    rows = reports(
        [("staff_trained", "2026Q1", 20), ("staff_trained", "2026Q2", 35), ("staff_trained", "2026Q3", 99)], [ag]
    )
    before = run(ag, rows, "2026-06-29")
    assert [(r.period, r.status) for r in before.results] == [("2026-06-30", "not_due")]
    after = run(ag, rows, "2026-07-01")
    assert [(r.period, r.status) for r in after.results] == [("2026-06-30", "met")]
    assert after.results[0].values == {"cum.staff_trained": 55.0}  # Q3 ends after due: not counted


def test_once_bare_is_latest_period_before_due():
    ag = agreement([{"rule": "certified_share >= 0.8", "every": "once", "due": "2026-08-15"}])
    rows = reports(
        [("certified_share", "2026Q1", 0.5), ("certified_share", "2026Q2", 0.85), ("certified_share", "2026Q3", 0.1)],
        [ag],
    )
    ev = run(ag, rows, "2026-12-31")
    assert ev.results[0].status == "met"
    assert ev.results[0].values == {"certified_share": 0.85}


def test_once_without_any_report_is_no_data():
    ag = agreement([{"rule": "x > 0", "every": "once", "due": "2026-06-30"}])
    assert run(ag, reports([], [ag]), "2026-12-31").results[0].status == "no_data"


def test_only_the_party_of_the_term_counts():
    ag = agreement([{"rule": "x > 0"}])
    rows = reports([("B", "x", "2026Q1", 5)], [ag])
    assert run(ag, rows, "2026-03-31").results[0].status == "no_data"


def test_metric_labels_and_units_in_explanations():
    ag = agreement(
        [{"rule": "rd_share >= 5.0"}],
        metrics={"rd_share": {"label": "R&D share", "label_zh": "研发投入占比", "unit": "%"}},
    )
    ev = run(ag, reports([("rd_share", "2026Q1", 4.1)], [ag]), "2026-03-31")
    assert ev.results[0].explanation == "breached: R&D share 4.1% < 5%"
    assert ev.results[0].explanation_zh == "未达标：研发投入占比 4.1% < 5%"


def test_ternary_and_negation():
    ag = agreement([{"rule": "big > 0.0 ? !(x < 10) : x >= 1"}])
    rows = reports([("big", "2026Q1", 1), ("x", "2026Q1", 12), ("big", "2026Q2", 0), ("x", "2026Q2", 0.5)], [ag])
    ev = run(ag, rows, "2026-06-30")
    assert [r.status for r in ev.results[:2]] == ["met", "breached"]
