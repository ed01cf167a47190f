"""The credit signal reads what agreements really write: one ``agree.evaluation`` ledger entry per run,
whose stored results count only when they still hash to the entry's digest (SQLite and PostgreSQL).
Hand-made agreements and reports (synthetic)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select

from citynexus.agree import agreement_from_dict
from citynexus.agree.registry import AgreementRegistry
from citynexus.services.watch import credit_for
from citynexus.store import session_scope
from citynexus.store.agree import AgreeRun
from citynexus.watch.credit import sme_inputs, stored_evaluations
from citynexus.watch.errors import WatchInputError


def _agreement(aid: str, party: str):
    term = {"id": "OUT", "party": party, "text": "output", "text_zh": "产量", "category": "capacity",
            "every": "quarter", "rule": "output >= 100"}  # fmt: skip
    return agreement_from_dict(
        {"id": aid, "title": "t", "title_zh": "t", "parties": [party, "BUYER"], "start": "2026-01-01",
         "end": "2026-12-31", "terms": [term]},
        source=f"{aid}.toml",
    )  # fmt: skip


def _deal(reg: AgreementRegistry, aid: str, party: str, value: float, as_of: list[str]) -> list[int]:
    reg.save(_agreement(aid, party), check_hub=False)
    raw = pd.DataFrame(
        [{"agreement": aid, "party": party, "metric": "output", "period": q, "value": str(value)}
         for q in ("2026Q1", "2026Q2", "2026Q3")]
    )  # fmt: skip
    reg.import_reports(raw, source=f"{aid}.csv")
    out = []
    for d in as_of:
        reg.run([aid], dt.date.fromisoformat(d))
        out.append(reg.latest_run(aid)["ledger_index"])
    return out


def test_met_terms_score_better_and_tampered_runs_count_for_nothing(db_url):
    reg = AgreementRegistry(db_url)
    (good_run,) = _deal(reg, "AG-GOOD", "SME-GOOD", 150, ["2026-10-15"])
    first, second = _deal(reg, "AG-BAD", "SME-BAD", 50, ["2026-07-15", "2026-10-15"])
    good, bad = credit_for("SME-GOOD", db_url, proofs=False), credit_for("SME-BAD", db_url, proofs=False)
    # three quarters judged: all met for one SME, all breached for the other
    kc = good["inputs"]["kpi_compliance"]
    assert kc["value"] == 1.0 and kc["entries"] == [good_run]
    assert bad["inputs"]["kpi_compliance"]["value"] == 0.0 and bad["inputs"]["breach_severity"]["value"] == 1.0
    # the newer run re-judges 2026Q1 and 2026Q2: each (term, period) counts once, from the newest entry
    runs = stored_evaluations(db_url)
    led = reg.ledger()
    entries = list(led.iter_entries())
    assert sme_inputs(entries, "SME-BAD", runs=runs)["kpi_compliance"]["entries"] == [second]
    assert good["score"] > bad["score"]
    # a cheat rewrites the stored newest run of SME-BAD as met: it no longer matches its ledger entry, so only the
    # older verified run counts (Q1 and Q2 breached) and the rewritten "met" never does
    with session_scope(reg.engine) as s:
        row = s.execute(select(AgreeRun).where(AgreeRun.ledger_index == second)).scalar_one()
        row.results = [{**r, "status": "met"} for r in row.results]
    tampered = sme_inputs(entries, "SME-BAD", runs=stored_evaluations(db_url))
    assert tampered["kpi_compliance"]["value"] == 0.0 and tampered["kpi_compliance"]["entries"] == [first]
    assert credit_for("SME-BAD", db_url, proofs=False)["score"] == pytest.approx(bad["score"])
    # with the older run rewritten too, nothing of SME-BAD is verified
    with session_scope(reg.engine) as s:
        row = s.execute(select(AgreeRun).where(AgreeRun.ledger_index == first)).scalar_one()
        row.results = [{**r, "status": "met"} for r in row.results]
    with pytest.raises(WatchInputError, match="no verified"):
        credit_for("SME-BAD", db_url, proofs=False)


def test_a_run_entry_without_its_stored_run_or_of_another_agreement_counts_for_nothing(db_url, tmp_path):
    reg = AgreementRegistry(db_url)
    (idx,) = _deal(reg, "AG-GOOD", "SME-GOOD", 150, ["2026-10-15"])
    entries = list(reg.ledger().iter_entries())
    runs = stored_evaluations(db_url)
    assert sme_inputs(entries, "SME-GOOD", runs=runs)["kpi_compliance"]["value"] == 1.0
    with pytest.raises(WatchInputError):
        sme_inputs(entries, "SME-GOOD")  # no stored runs given: the digest cannot be checked
    with pytest.raises(WatchInputError):
        sme_inputs(entries, "SME-GOOD", runs={idx: ("AG-OTHER", runs[idx][1])})
    assert stored_evaluations(f"sqlite:///{tmp_path / 'empty.db'}") == {}  # no agreement tables yet
