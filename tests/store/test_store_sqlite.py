"""SQLite for concurrent use: WAL and a busy timeout on every connection, and a locked
database turned into one clear "busy, retry" message by the CLI."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from citynexus.ledger import Ledger
from citynexus.store import StoreBusyError, StoreError, busy_timeout, dispose_all, get_engine, session_scope
from citynexus.store.ledger import LedgerHead

REPO = Path(__file__).resolve().parents[2]


def test_every_connection_uses_wal_and_busy_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYNEXUS_DB_BUSY_TIMEOUT", "2.5")
    eng = get_engine(f"sqlite:///{tmp_path / 'w.db'}")
    conns = [eng.connect() for _ in range(3)]  # distinct pooled connections
    try:
        for c in conns:
            assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert c.execute(text("PRAGMA busy_timeout")).scalar() == 2500
            assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        for c in conns:
            c.close()
        dispose_all()


def test_busy_timeout_setting(monkeypatch):
    monkeypatch.delenv("CITYNEXUS_DB_BUSY_TIMEOUT", raising=False)
    assert busy_timeout() == 30.0
    monkeypatch.setenv("CITYNEXUS_DB_BUSY_TIMEOUT", "soon")
    with pytest.raises(StoreError, match="not a number of seconds"):
        busy_timeout()
    monkeypatch.setenv("CITYNEXUS_DB_BUSY_TIMEOUT", "-1")
    with pytest.raises(StoreError, match="zero or more"):
        busy_timeout()


def test_reader_not_blocked_by_writer(tmp_path):
    """WAL: a reader sees the last committed state while another connection writes."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    led = Ledger.init(url, origin="wal.test/log")
    led.append("a", 1, "x")
    holder = sqlite3.connect(tmp_path / "r.db")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE ledger_head SET version = version + 1")
    try:
        assert led.size == 1 and led.entry(0).payload == 1
    finally:
        holder.rollback()
        holder.close()
        dispose_all()


def test_locked_database_is_a_busy_error(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYNEXUS_DB_BUSY_TIMEOUT", "0.3")
    url = f"sqlite:///{tmp_path / 'b.db'}"
    led = Ledger.init(url, origin="busy.test/log")
    holder = sqlite3.connect(tmp_path / "b.db")
    holder.execute("BEGIN IMMEDIATE")
    try:
        t0 = time.monotonic()
        with pytest.raises(StoreBusyError, match=r"database is busy.*retry"):
            led.append("a", 1, "x")
        assert time.monotonic() - t0 >= 0.25  # it waited for the lock first
        with pytest.raises(StoreBusyError), session_scope(led.engine) as s:
            s.get(LedgerHead, 1).version += 1
    finally:
        holder.rollback()
        holder.close()
    assert led.append("a", 1, "x").index == 0  # and works once the lock is gone
    dispose_all()


def test_cli_write_on_locked_database_says_busy(tmp_path):
    """Another connection holds the write lock; a CLI ``ledger append`` in a subprocess
    prints one line saying the database is busy and to retry, exit status 75, no traceback."""
    db = tmp_path / "cli.db"
    Ledger.init(f"sqlite:///{db}", origin="busy.cli/log")
    dispose_all()
    (tmp_path / "r.json").write_text(json.dumps({"type": "kpi.report", "payload": {"v": 1}}))
    holder = sqlite3.connect(db)
    holder.execute("BEGIN IMMEDIATE")
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), CITYNEXUS_DB_BUSY_TIMEOUT="0.5", COLUMNS="400")
    cmd = [sys.executable, "-m", "citynexus.cli.main", "ledger", "append", str(tmp_path / "r.json"), "--db", str(db)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    finally:
        holder.rollback()
        holder.close()
    assert r.returncode == 75, r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "database is busy" in lines[0] and "retry" in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)  # lock released: works
    assert r.returncode == 0 and "appended 1 entry" in r.stdout
