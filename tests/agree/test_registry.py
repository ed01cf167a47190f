"""Stored agreements, reports and runs (SQLite and PostgreSQL), ledger anchoring and verify."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import update

from citynexus.agree import AgreementError, ReportImportError
from citynexus.agree.registry import AgreementRegistry
from citynexus.store import session_scope

from .helpers import agreement

ROWS = [
    ("A", "x", "2026Q1", "1"),
    ("A", "x", "2026Q2", "-1"),
    ("B", "y", "2026Q1", "5"),
]


def raw(rows, aid="AG1"):
    return pd.DataFrame(
        [{"agreement": aid, "party": p, "metric": m, "period": q, "value": v} for p, m, q, v in rows],
        columns=["agreement", "party", "metric", "period", "value"],
    )


@pytest.fixture
def reg(db_url):
    r = AgreementRegistry(db_url)
    r.save(agreement([{"rule": "x > 0"}, {"rule": "cum.y >= 5", "party": "B", "every": "once", "due": "2026-06-30"}]))
    return r


def test_roundtrip_and_run(reg):
    assert [a.id for a in reg.list()] == ["AG1"]
    res = reg.import_reports(raw(ROWS), source="r.csv")
    assert res.rows == 3
    evs = reg.run(["AG1"], dt.date(2026, 7, 1))
    assert [(r.term, r.period, r.status) for r in evs[0].results] == [
        ("T1", "2026Q1", "met"),
        ("T1", "2026Q2", "breached"),
        ("T1", "2026Q3", "not_due"),
        ("T1", "2026Q4", "not_due"),
        ("T2", "2026-06-30", "met"),
    ]
    latest = reg.latest_run("AG1")
    assert latest["results"][1]["status"] == "breached"
    led = reg.ledger()
    assert [e.type for e in led.iter_entries()] == ["agree.reports", "agree.evaluation"]
    v = reg.verify("AG1", "T1", "2026Q2")
    assert v.ok, v.to_dict()
    assert v.status == "breached"


def test_import_all_or_nothing(reg):
    with pytest.raises(ReportImportError) as ei:
        reg.import_reports(raw([*ROWS, ("A", "x", "2026Q7", "1"), ("Z", "x", "2026Q1", "1")]))
    assert len(ei.value.problems) == 2
    assert len(reg.reports()) == 0
    assert reg.ledger().size == 0


def test_duplicate_of_a_stored_row_is_refused(reg):
    reg.import_reports(raw(ROWS))
    with pytest.raises(ReportImportError, match="already stored"):
        reg.import_reports(raw([("A", "x", "2026Q1", "3"), ("A", "x", "2026Q3", "3")]))
    assert len(reg.reports()) == 3


def test_unknown_agreement_refused(reg):
    with pytest.raises(ReportImportError, match="unknown agreement"):
        reg.import_reports(raw(ROWS, aid="NOPE"))


def test_tampered_report_fails_verify(reg):
    from citynexus.store.agree import AgreeReport

    reg.import_reports(raw(ROWS))
    reg.run(["AG1"], dt.date(2026, 7, 1))
    with session_scope(reg.engine) as s:
        s.execute(update(AgreeReport).where(AgreeReport.period == "2026Q2").values(value=9.0))
    v = reg.verify("AG1", "T1", "2026Q2")
    assert not v.ok
    failed = {c for c, ok, _ in v.checks if not ok}
    assert "reports used match the entry" in failed and "recomputed status" in failed


def test_tampered_results_fail_verify(reg):
    from citynexus.store.agree import AgreeRun

    reg.import_reports(raw(ROWS))
    reg.run(["AG1"], dt.date(2026, 7, 1))
    latest = reg.latest_run("AG1")
    res = latest["results"]
    res[1] = {**res[1], "status": "met"}
    with session_scope(reg.engine) as s:
        s.execute(update(AgreeRun).values(results=res))
    v = reg.verify("AG1", "T1", "2026Q2")
    assert v.status == "met" and not v.ok
    failed = {c for c, ok, _ in v.checks if not ok}
    assert failed == {"stored results match the entry", "recomputed status"}


def test_changed_rule_fails_verify(reg):
    """A new version keeps the old one (the old run still verifies); a stored rule rewritten in place
    no longer matches the digests in the run's ledger entry."""
    from citynexus.store.agree import AgreeVersion

    reg.import_reports(raw(ROWS))
    reg.run(["AG1"], dt.date(2026, 7, 1))
    reg.save(
        agreement([{"rule": "x > -5"}, {"rule": "cum.y >= 5", "party": "B", "every": "once", "due": "2026-06-30"}]),
        effective=dt.date(2026, 7, 1),
    )
    assert reg.verify("AG1", "T1", "2026Q2").ok  # judged by version 1, which is kept
    with session_scope(reg.engine) as s:
        row = s.get(AgreeVersion, ("AG1", 1))
        row.doc = {**row.doc, "terms": [{**row.doc["terms"][0], "rule": "x > -5"}, *row.doc["terms"][1:]]}
    v = reg.verify("AG1", "T1", "2026Q2")
    assert not v.ok
    assert ("rule version", False) in {(c, ok) for c, ok, _ in v.checks}


def test_unknown_hub_party_refused(db_url):
    from citynexus.store import get_engine
    from citynexus.store.hub import HubOrganization

    eng = get_engine(db_url)
    with session_scope(eng) as s:
        s.add(HubOrganization(id="A", name="A Co.", kind="enterprise", city="SZ"))
    reg = AgreementRegistry(db_url)
    with pytest.raises(AgreementError, match="'B' is not in the hub"):
        reg.save(agreement([{"rule": "x > 0"}]))
    assert reg.list() == []


def test_batch_rows_and_ledger_entry_are_one_transaction(reg, monkeypatch):
    """A row that appears between the duplicate check and the write (a concurrent import)
    makes the whole batch fail: no ledger entry, no batch, no rows."""
    import citynexus.agree.registry as registry_mod
    from citynexus.store.agree import AgreeReport, AgreeReportBatch

    real = registry_mod.reports_digest

    def racing(rows):
        with session_scope(reg.engine) as s:
            s.add(AgreeReportBatch(id="other", source="x", rows=1, digest="d", ledger_index=99))
            s.flush()
            s.add(
                AgreeReport(
                    batch_id="other",
                    agreement_id="AG1",
                    party="A",
                    metric="x",
                    period="2026Q1",
                    kind="quarter",
                    idx=0,
                    value=1,
                )
            )
        return real(rows)

    monkeypatch.setattr(registry_mod, "reports_digest", racing)
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        reg.import_reports(raw(ROWS))
    assert reg.ledger().size == 0
    assert set(reg.reports()["batch"]) == {"other"}


def test_a_new_version_may_not_drop_a_party_with_stored_reports(reg):
    from tests.i18n.test_problem_kinds import check

    reg.import_reports(raw(ROWS), source="r.csv")
    with pytest.raises(AgreementError, match="stored reports name party 'B', which the new version drops") as ei:
        reg.save(agreement([{"rule": "x > 0"}], parties=("A", "C")), check_hub=False)
    (p,) = ei.value.problems
    assert (p.field, p.kind, p.values) == ("parties", "party_dropped", {"value": "'B'"})
    check(p)
    assert reg.get("AG1").parties == ["A", "B"]
