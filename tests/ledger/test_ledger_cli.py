"""The ``citynexus ledger`` command group, end to end on a temporary database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from citynexus.cli.ledger import app
from citynexus.errors import CityNexusError
from citynexus.ledger import TamperError


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()

    def run(*args, ok=True, input=None):
        res = runner.invoke(app, [*args, "--db", url] if _takes_db(args[0]) else list(args), input=input)
        if ok:
            assert res.exit_code == 0, (res.output, res.exception)
        return res

    return run, tmp_path, url


def _takes_db(cmd: str) -> bool:
    return cmd not in ("verify",)


def test_full_cli_flow(env):
    run, tmp, _ = env
    run("init", "--origin", "cli.test/log")
    run("keygen", "k1", "--dir", str(tmp))
    assert (tmp / "k1.key").exists() and (tmp / "k1.pub").exists()
    (tmp / "batch.json").write_text(
        json.dumps([{"type": "kpi.report", "payload": {"city": "ZH", "v": i}} for i in range(5)])
    )
    out = run("append", "batch.json", "-s", "zhuhai-office").output
    assert "index 0..4" in out
    (tmp / "one.jsonl").write_text('{"city": "JM"}\n{"city": "ZS"}\n')
    run("append", "one.jsonl", "--type", "survey")
    cp = run("checkpoint", "--key", "k1.key", "--out", "cp.txt").stdout
    assert cp.startswith("cli.test/log\n7\n")
    run("prove", "--index", "2", "--out", "p.json")
    bundle = json.loads((tmp / "p.json").read_text())
    assert bundle["entry"]["payload"] == {"city": "ZH", "v": 2}
    assert "OK" in run("verify", "p.json", "--pubkey", "k1.pub").output
    assert "OK" in run("verify", "cp.txt", "--pubkey", "k1.pub").output
    # a tampered bundle fails
    bundle["entry"]["payload"]["v"] = 3
    (tmp / "bad.json").write_text(json.dumps(bundle))
    res = run("verify", "bad.json", "--pubkey", "k1.pub", ok=False)
    assert isinstance(res.exception, CityNexusError)
    # trace
    run("event", "LOT-1", "created", "--kind", "product_batch", "--location", "Foshan")
    run("event", "LOT-1", "shipped", "--mode", "road")
    res = run("event", "LOT-1", "created", "--kind", "product_batch", ok=False)
    assert isinstance(res.exception, CityNexusError)
    out = run("trace", "LOT-1").output
    assert "created" in out and "shipped" in out
    run("trace", "LOT-1", "--out", "trace.json")
    tr = json.loads((tmp / "trace.json").read_text())
    assert [e["entry"]["payload"]["event"] for e in tr["events"]] == ["created", "shipped"]
    # consistency between two checkpoints
    run("checkpoint", "--key", "k1.key")
    run("prove", "--from-size", "7", "--out", "c.json")
    assert "extends" in run("verify", "c.json", "--pubkey", "k1.pub").output
    # published result
    (tmp / "result.json").write_text(json.dumps({"scores": {"GZ": 0.7}, "provenance": {"spec_digest": "sha256:1"}}))
    run("publish", "result.json", "--key", "k1.key")
    assert (tmp / "result.json.receipt.json").exists()
    out = run("verify-result", "result.json", "--receipt", "result.json.receipt.json", "--pubkey", "k1.pub").output
    assert "OK" in out
    assert "OK" in run("verify-result", "result.json").output
    assert "OK" in run("verify", "result.json.receipt.json", "--pubkey", "k1.pub").output
    (tmp / "result.json").write_text(json.dumps({"scores": {"GZ": 0.8}, "provenance": {"spec_digest": "sha256:1"}}))
    res = run("verify-result", "result.json", ok=False)
    assert isinstance(res.exception, CityNexusError)
    # status, show, audit
    assert "size" in run("status").output
    assert "kpi.report" in run("show", "--last", "20").output
    assert json.loads(run("show", "--index", "0").stdout)["submitter"] == "zhuhai-office"
    assert "intact" in run("audit", "--pubkey", "k1.pub").output
    rep = json.loads(run("audit", "--json").stdout)
    assert rep["ok"] and rep["size"] == 10


def test_cli_audit_reports_tampering(env):
    run, tmp, url = env
    run("init")
    (tmp / "b.json").write_text(json.dumps([{"type": "t", "payload": {"i": i}} for i in range(6)]))
    run("append", "b.json", "-s", "me")
    eng = sa.create_engine(url)
    with eng.begin() as c:
        # a hand edit with SQL text functions (stores TEXT instead of BLOB: must not break the audit)
        c.execute(
            sa.text("UPDATE ledger_entry SET data = replace(data, :a, :b) WHERE idx = 3"), {"a": '"i":3', "b": '"i":4'}
        )
    eng.dispose()
    res = run("audit", ok=False)
    assert isinstance(res.exception, TamperError)
    assert "first tampered entry: 3" in str(res.exception)
    assert "entry 3" in res.output


def test_cli_key_rotation(env):
    run, tmp, _ = env
    run("init")
    run("keygen", "old", "--dir", str(tmp))
    (tmp / "b.json").write_text(json.dumps({"type": "t", "payload": 1}))
    run("append", "b.json")
    run("checkpoint", "-k", "old.key")
    out = run("keygen", "new", "--dir", str(tmp), "--rotate-from", "old.key").output
    assert "rotation recorded as entry 1" in out
    run("prove", "--index", "0", "-o", "p.json")
    run("verify", "p.json", "--pubkey", "new.pub")
    run("verify", "p.json", "--pubkey", "old.pub")  # the rotation checkpoint is co-signed
    res = run("keygen", "new", "--dir", str(tmp), ok=False)
    assert isinstance(res.exception, CityNexusError)  # refuses to overwrite


@pytest.mark.parametrize(
    "args",
    [
        ("append", "missing.json"),
        ("prove",),
        ("prove", "--index", "0", "--from-size", "1"),
        ("checkpoint", "--key", "nokey.key"),
        ("verify-result", "missing.json"),
    ],
)
def test_cli_user_errors_are_citynexus_errors(env, args):
    run = env[0]
    run("init")
    res = run(*args, ok=False)
    assert res.exit_code != 0
    assert isinstance(res.exception, CityNexusError), res.exception


def test_main_prints_one_line_and_exits_1(tmp_path):
    """Through the real entry point: a user error is one message on stderr, status 1."""
    env = dict(os.environ, CITYNEXUS_DB=f"sqlite:///{tmp_path / 'x.db'}")
    p = subprocess.run(
        [sys.executable, "-m", "citynexus.cli.main", "ledger", "append", str(tmp_path / "nope.json")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert p.returncode == 1
    assert "error:" in p.stderr and "Traceback" not in p.stderr
