"""Hub integration: drafts from a match, and the compliance record of an organization."""

from __future__ import annotations

import datetime as dt

import pytest

from citynexus.agree import agreement_from_dict
from citynexus.agree.hub import compliance_summary, draft_from_match, template_for
from citynexus.hub.models import Need, Offer, Organization

from .helpers import agreement


def need(kind="capacity", **kw):
    return Need(id="N1", org="BUY", kind=kind, title="Need precision parts", text="CNC parts", **kw)


def offer(kind="capacity", **kw):
    return Offer(id="O1", org="SUP", kind=kind, title="CNC machining capacity", text="5-axis CNC", **kw)


ORGS = {
    "BUY": Organization(id="BUY", name="Buyer Co.", kind="enterprise", city="SZ", name_zh="采购公司"),
    "SUP": Organization(id="SUP", name="Supplier Co.", kind="enterprise", city="DG", name_zh="供应公司"),
}


def test_capacity_draft_fills_both_parties_and_min_capacity():
    d = draft_from_match(need(constraints={"min_capacity": 2500}), offer(), ORGS, start=dt.date(2026, 1, 1))
    assert d.parties == ["SUP", "BUY"]
    assert d.visibility == "private"  # a draft is for its parties
    assert {t.party for t in d.terms} == {"SUP"}
    assert d.term("OUTPUT").rule == "output >= 2500.0"
    assert "2,500" in d.term("OUTPUT").text and "2,500" in d.term("OUTPUT").text_zh
    assert "Supplier Co." in d.title and "供应公司" in d.title_zh
    assert d.start == dt.date(2026, 1, 1) and d.end == dt.date(2027, 12, 31)
    assert "N1" in d.clauses[0]["text"]
    # the draft is a valid agreement (round trip through the validator)
    assert agreement_from_dict(d.to_dict()).to_dict() == d.to_dict()


@pytest.mark.parametrize(
    ("n", "o", "tpl"),
    [
        (need("technology"), offer("patent"), "joint-rd"),
        (need("talent"), offer("talent"), "talent-training"),
        (need("service", industries=["data"]), offer("service"), "data-verification"),
        (
            Need(id="N2", org="BUY", kind="technology", title="低碳涂装工艺", text="降低能耗"),
            offer("technology"),
            "green-production",
        ),
    ],
)
def test_template_choice(n, o, tpl):
    assert template_for(n, o) == tpl
    d = draft_from_match(n, o, ORGS, start=dt.date(2026, 4, 1))
    assert set(d.parties) == {"SUP", "BUY"}
    for t in d.terms:
        if t.due:
            assert d.start <= t.due <= d.end


def test_compliance_summary_by_category():
    a = agreement(
        [{"rule": "x > 0", "category": "green"}, {"rule": "y > 0", "category": "rd"}, {"rule": "z > 0", "party": "B"}]
    )
    run = {
        "as_of": "2026-12-31",
        "results": [
            {"term": "T1", "period": "2026Q1", "status": "met", "party": "A", "category": "green"},
            {"term": "T1", "period": "2026Q2", "status": "breached", "party": "A", "category": "green"},
            {"term": "T1", "period": "2026Q3", "status": "met", "party": "A", "category": "green"},
            {"term": "T1", "period": "2026Q4", "status": "no_data", "party": "A", "category": "green"},
            {"term": "T2", "period": "2026Q1", "status": "breached", "party": "A", "category": "rd"},
            {"term": "T3", "period": "2026Q1", "status": "met", "party": "B", "category": "rd"},
        ],
    }
    s = compliance_summary("A", [a], {"AG1": run})
    assert s["by_category"]["green"]["met"] == 2 and s["by_category"]["green"]["breached"] == 1
    assert s["by_category"]["green"]["met_share"] == pytest.approx(2 / 3)
    assert s["by_category"]["green"]["no_data"] == 1
    assert s["by_category"]["rd"]["breached_share"] == 1.0
    assert s["overall"]["met"] == 2 and s["overall"]["breached"] == 2
    assert [x["id"] for x in s["agreements"]] == ["AG1"]
    assert compliance_summary("Z", [a], {"AG1": run})["agreements"] == []
    b = compliance_summary("B", [a], {"AG1": run})
    assert b["by_category"] == {
        "rd": {"met": 1, "breached": 0, "no_data": 0, "not_due": 0, "met_share": 1.0, "breached_share": 0.0}
    }
