"""Use cases of the faces: the command line's record steps go through the same party checks as the
API, the synthetic demo is computed in memory when nothing is stored, formulas from JSON objects,
funding with the change vs the default formula, and the one-line summary of `citynexus demo`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from citynexus.cli.main import app
from citynexus.services import audit
from citynexus.services import centres as svc

runner = CliRunner()

CENTRES = [
    {"id": "A", "name": "Centre A", "city": "GZ", "fields": ["emc"], "description": "EMC testing"},
    {"id": "B", "name": "Centre B", "city": "SZ", "fields": ["pcb"], "description": "PCB design"},
]


def _files(tmp_path):
    c = tmp_path / "c.jsonl"
    c.write_text("\n".join(json.dumps(x) for x in CENTRES) + "\n", encoding="utf-8")
    r = tmp_path / "r.jsonl"
    r.write_text(json.dumps({"id": "R1", "sme": "S-1", "city": "SZ", "text": "EMC test failed"}) + "\n")
    return c, r


def test_command_line_record_steps_are_checked_and_audited(tmp_path):
    c, r = _files(tmp_path)
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert runner.invoke(app, ["centres", "import", str(c), "--requests", str(r), "--db", db]).exit_code == 0
    res = runner.invoke(app, ["centres", "record", "open", "A", "--request", "R1", "--db", db])
    assert res.exit_code == 0, res.output
    rid = res.output.strip()
    res = runner.invoke(app, ["centres", "record", "accept", rid, "--as", "S-1", "--db", db])
    assert res.exit_code != 0 and "only the centre accepts" in str(res.exception)
    assert runner.invoke(app, ["centres", "record", "accept", rid, "--db", db]).exit_code == 0
    assert "ledger entry 0" in runner.invoke(app, ["centres", "record", "deliver", rid, "--db", db]).output
    res = runner.invoke(app, ["centres", "record", "confirm", rid, "--rating", "5", "--by", "A", "--db", db])
    assert res.exit_code != 0 and "never the centre" in str(res.exception)
    res = runner.invoke(app, ["centres", "record", "confirm", rid, "--rating", "4", "--db", db])
    assert res.exit_code == 0 and "ledger entry 1" in res.output
    from citynexus.store import get_engine

    events = [(e.action, e.org, e.key_name) for e in audit.events(get_engine(db))]
    assert ("centres.record.confirm", "S-1", "cli") in events and ("centres.record.accept", "A", "cli") in events
    # through the installed entry point: one line, no traceback
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "citynexus.cli.main", "centres", "record", "confirm", rid, "--rating", "5"]
    p = subprocess.run([*cmd, "--by", "A", "--db", db], capture_output=True, text=True)
    assert p.returncode != 0 and "Traceback" not in p.stderr and "never the centre" in p.stderr
    out = svc.list_records(db)
    assert out["synthetic"] is False and out["records"][0]["verified"] is True


def test_the_demo_is_shown_when_nothing_is_stored(tmp_path):
    db = f"sqlite:///{tmp_path / 'empty.db'}"
    assert svc.list_centres(db)["synthetic"] is True
    m = svc.network_map(db)
    assert m["synthetic"] and len(m["nodes"]) == 15 and m["links"]
    assert all(n["lat"] is not None for n in m["nodes"])
    recs = svc.list_records(db)["records"]
    assert any(r["confirmed_by"] == "C-PCB" for r in recs)  # the demo's self-confirmation
    # nothing was written to the database by reading the demo
    import sqlalchemy as sa

    from citynexus.store import get_engine

    tables = sa.inspect(get_engine(db)).get_table_names()
    with get_engine(db).connect() as c:
        for t in ("centres_centre", "centres_record", "ledger_entry", "ledger_head"):
            if t in tables:
                assert c.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar() == 0, t


def test_formula_from_an_object_fills_complements_and_defaults():
    f = svc.formula_of({"base_share": 0.5, "performance": {"quantity": 0.2, "quality_split": {"outcomes": 0.6}}})
    assert (f.base_share, f.quantity, f.quality) == (0.5, 0.2, pytest.approx(0.8))
    assert (f.ratings, f.outcomes) == (pytest.approx(0.4), 0.6)
    assert (f.distinct_smes, f.floor_multiple) == (0.6, 0.4)  # the default's
    from citynexus.centres.errors import FormulaError

    with pytest.raises(FormulaError):
        svc.formula_of({"performance": {"quantity": 0.5, "quality": 0.6}})


def test_funding_over_the_demo_sums_to_the_budget_and_shows_the_change(tmp_path):
    db = f"sqlite:///{tmp_path / 'e.db'}"
    out = svc.fund(db, "250000.10", {"base_share": 0.9})
    assert sum(a["cents"] for a in out["allocations"]) == 25000010
    assert sum(a["vs_default"] for a in out["allocations"]) == pytest.approx(0, abs=0.02)
    flagged = {e["rule"] for e in out["excluded"] if e["flagged"]}
    assert flagged == {"self_confirmed", "affiliate"}
    line = svc.funding_summary()
    assert line.startswith("SME service centres (synthetic demo)") and "1,000,000.00 over 15 centres" in line
