"""The pinned ``citynexus agree check`` interface, run as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

AGREEMENT = """
id = "JRD-1"
title = "Joint R&D"
title_zh = "联合研发"
parties = ["ORG0001", "ORG0002"]
start = 2026-01-01
end = 2026-12-31

[[terms]]
id = "T1"
party = "ORG0001"
text = "R&D share at least 5%"
text_zh = "研发投入占比不低于5%"
category = "rd"
every = "quarter"
rule = "rd_share >= 5"

[[terms]]
id = "T2"
party = "ORG0002"
text = "Training done by June"
text_zh = "六月底前完成培训"
category = "talent"
every = "once"
due = 2026-06-30
rule = "cum.trained >= 10"
"""

REPORTS = """agreement,party,metric,period,value
JRD-1,ORG0001,rd_share,2026Q1,4.1
JRD-1,ORG0001,rd_share,2026Q2,5.2
JRD-1,ORG0002,trained,2026Q1,6
JRD-1,ORG0002,trained,2026Q2,6
OTHER,ORG0009,rd_share,2026Q1,1
"""


def cli(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "citynexus.cli.main", "agree", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


@pytest.fixture
def files(tmp_path):
    a = tmp_path / "deal.toml"
    a.write_text(AGREEMENT, encoding="utf-8")
    r = tmp_path / "reports.csv"
    r.write_text(REPORTS, encoding="utf-8")
    return a, r


def test_check_json(files):
    a, r = files
    out = cli("check", str(a), "--reports", str(r), "--as-of", "2026-07-15", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["agreement"] == "JRD-1"
    got = [(x["term"], x["period"], x["status"]) for x in doc["results"]]
    assert got == [
        ("T1", "2026Q1", "breached"),
        ("T1", "2026Q2", "met"),
        ("T1", "2026Q3", "not_due"),
        ("T1", "2026Q4", "not_due"),
        ("T2", "2026-06-30", "met"),
    ]


def test_check_as_of_defaults_to_today(files):
    a, r = files
    out = cli("check", str(a), "--reports", str(r), "--json")
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)["results"]) == 5


def test_bad_agreement_one_line_no_traceback(files):
    a, r = files
    a.write_text(AGREEMENT.replace('rule = "rd_share >= 5"', 'rule = "rd_share >= "'), encoding="utf-8")
    out = cli("check", str(a), "--reports", str(r), "--json")
    assert out.returncode != 0
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert "term 'T1'" in lines[0] and "deal.toml" in lines[0] and "column" in lines[0]


def test_bad_as_of_is_a_usage_error(files):
    a, r = files
    out = cli("check", str(a), "--reports", str(r), "--as-of", "July", "--json")
    assert out.returncode != 0 and "Traceback" not in out.stderr


def test_bad_reports_listed_without_traceback(files):
    a, r = files
    r.write_text(REPORTS + "JRD-1,ORG0001,rd_share,2026Q9,x\n", encoding="utf-8")
    out = cli("check", str(a), "--reports", str(r), "--json")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr and "2026Q9" in out.stderr


def test_validate(files):
    a, _ = files
    out = cli("validate", str(a))
    assert out.returncode == 0 and "valid" in out.stdout


@pytest.mark.slow  # nine subprocesses
def test_store_status_verify_graph_and_tamper(files, tmp_path):
    import sqlite3

    a, _r = files
    db = str(tmp_path / "cli.db")
    assert cli("add", str(a), "--db", db).returncode == 0
    only = tmp_path / "only.csv"
    only.write_text("\n".join(x for x in REPORTS.splitlines() if not x.startswith("OTHER")) + "\n", encoding="utf-8")
    imp = cli("import-reports", str(only), "--db", db, "--json")
    assert imp.returncode == 0, imp.stderr
    assert json.loads(imp.stdout)["rows"] == 4
    again = cli("import-reports", str(only), "--db", db)
    assert again.returncode == 1 and "4 problems found in only.csv" in again.stderr
    st = cli("status", "--db", db, "--as-of", "2026-07-15", "--json")
    assert st.returncode == 0, st.stderr
    assert [x["status"] for x in json.loads(st.stdout)[0]["results"]][:2] == ["breached", "met"]
    ok = cli("verify", "JRD-1", "T1", "2026Q1", "--db", db, "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["ok"] is True
    q = cli("graph", "--db", db, "--sparql", "SELECT ?t WHERE { ?t a cnx:Term }", "--json")
    assert q.returncode == 0 and len(json.loads(q.stdout)) == 2
    with sqlite3.connect(db) as con:
        con.execute("UPDATE agree_reports SET value = 9 WHERE period = '2026Q1' AND metric = 'rd_share'")
    bad = cli("verify", "JRD-1", "T1", "2026Q1", "--db", db)
    assert bad.returncode == 1 and "NOT verified" in bad.stdout and "Traceback" not in bad.stderr
    missing = cli("verify", "NOPE", "T1", "2026Q1", "--db", db)
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
