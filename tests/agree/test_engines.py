"""Property: the vectorised numpy engine and the per-row CEL reference give the same statuses
on random rules and random reports."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citynexus.agree import agreement_from_dict, status_codes, validate_reports

METRICS = ["a", "b", "c"]

num_atom = st.one_of(
    st.sampled_from(METRICS),
    st.sampled_from([f"prev.{m}" for m in METRICS]),
    st.sampled_from([f"cum.{m}" for m in METRICS]),
    st.integers(-3, 5).map(str),
    st.sampled_from(["0.5", "1.5", "2.0", "0.0"]),
)


def _num(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        children.map(lambda x: f"-{x}"),
    )


num_expr = st.recursive(num_atom, _num, max_leaves=4)
cmp_expr = st.tuples(num_expr, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), num_expr).map(
    lambda t: f"{t[0]} {t[1]} {t[2]}"
)


def _bool(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["&&", "||"]), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        children.map(lambda x: f"!({x})"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
    )


bool_expr = st.recursive(st.one_of(cmp_expr, st.sampled_from(["true", "false"])), _bool, max_leaves=4)

PERIODS = ["2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4", "2026-02", "2026"]
report_rows = st.lists(
    st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(METRICS), st.sampled_from(PERIODS), st.integers(-2, 4)),
    max_size=25,
    unique_by=lambda r: r[:3],
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rules=st.lists(bool_expr, min_size=1, max_size=3),
    every=st.sampled_from(["quarter", "once", "month", "year"]),
    rows=report_rows,
    as_of=st.dates(dt.date(2025, 12, 1), dt.date(2027, 2, 1)),
)
def test_vector_equals_cel(rules, every, rows, as_of):
    terms = []
    for i, r in enumerate(rules):
        t = {
            "id": f"T{i}",
            "party": "AB"[i % 2],
            "text": "t",
            "text_zh": "条",
            "category": "rd",
            "every": every,
            "rule": r,
        }
        if every == "once":
            t["due"] = "2026-08-31"
        terms.append(t)
    ag = agreement_from_dict(
        {
            "id": "P1",
            "title": "t",
            "title_zh": "协议",
            "parties": ["A", "B"],
            "start": "2026-01-01",
            "end": "2026-12-31",
            "terms": terms,
        }
    )
    raw = pd.DataFrame(
        [{"agreement": "P1", "party": p, "metric": m, "period": q, "value": str(v / 2)} for p, m, q, v in rows],
        columns=["agreement", "party", "metric", "period", "value"],
    )
    rep = validate_reports(raw, [ag])
    assert status_codes([ag], rep, as_of, "vector") == status_codes([ag], rep, as_of, "cel")
