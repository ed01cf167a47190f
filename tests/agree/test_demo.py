"""The synthetic demo: deterministic, valid, and showing the planted events."""

from __future__ import annotations

import datetime as dt

from citynexus.agree import evaluate, read_reports
from citynexus.agree.demo import DEMO_AS_OF, demo_agreements, demo_folder, demo_reports_path, load_demo
from citynexus.agree.demo.generate_demo import generate
from citynexus.agree.registry import AgreementRegistry


def _statuses():
    ags = demo_agreements()
    rows = read_reports(demo_reports_path(), ags)
    return {ev.agreement: {(r.term, r.period): r.status for r in ev.results} for ev in evaluate(ags, rows, DEMO_AS_OF)}


def test_generator_is_deterministic_and_matches_the_shipped_files(tmp_path):
    generate(tmp_path)
    for name in ("agreements.json", "reports.csv"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (demo_folder() / name).read_text(encoding="utf-8")


def test_demo_is_labelled_synthetic_and_uses_demo_hub_parties():
    import json

    from citynexus.hub import demo_path

    orgs = {
        json.loads(line)["id"]
        for line in demo_path().read_text(encoding="utf-8").splitlines()
        if "organization" in line
    }
    for a in demo_agreements():
        assert a.synthetic and a.title.startswith("[synthetic]") and a.title_zh.startswith("【合成】")
        assert set(a.parties) <= orgs


def test_planted_events_show():
    st = _statuses()
    rd1 = st["DEMO-RD-01"]
    assert rd1[("RD-INTENSITY", "2025Q2")] == "met"
    assert all(rd1[("RD-INTENSITY", q)] == "breached" for q in ("2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"))
    assert st["DEMO-RD-02"][("PATENTS", "2025")] == "breached"
    cap1 = st["DEMO-CAP-01"]
    assert cap1[("ON-TIME", "2026Q2")] == cap1[("ON-TIME", "2026Q3")] == "breached"
    grn1 = st["DEMO-GRN-01"]
    assert all(grn1[("ENERGY-PER-UNIT", q)] == "no_data" for q in ("2026Q1", "2026Q2", "2026Q3"))
    assert st["DEMO-CAP-02"][("DEFECTS", "2026Q3")] == "met"  # soon to breach, not yet
    every = [s for d in st.values() for s in d.values()]
    assert {"met", "breached", "no_data", "not_due"} <= set(every)


def test_load_demo_into_a_database(tmp_path):
    reg = AgreementRegistry(f"sqlite:///{tmp_path / 'demo.db'}")
    r = load_demo(reg, dt.date(2026, 10, 15))
    assert r == {"agreements": 12, "reports": 526, "evaluated": 12}
    again = load_demo(reg, None)
    assert again["agreements"] == 0 and again["reports"] == 0
    assert reg.verify("DEMO-RD-01", "RD-INTENSITY", "2025Q3").ok
    from citynexus.store import dispose_all

    dispose_all()
