"""`citynexus index build --publish` records the result in the ledger; verify-result proves it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from citynexus.cli.main import app

runner = CliRunner()


def test_build_publish_then_verify(tmp_path):
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    out = tmp_path / "out"
    assert runner.invoke(app, ["ledger", "init", "--db", db]).exit_code == 0
    r = runner.invoke(app, ["index", "build", "--data", "gba", "--out", str(out), "--publish", "--db", db])
    assert r.exit_code == 0, r.output
    assert "published result.json as entry 0" in r.output
    r = runner.invoke(app, ["ledger", "verify-result", str(out / "result.json"), "--db", db])
    assert r.exit_code != 0 and "signed checkpoint" in str(r.exception)
    assert runner.invoke(app, ["ledger", "keygen", "pub-test", "--dir", str(tmp_path)]).exit_code == 0
    r = runner.invoke(app, ["ledger", "checkpoint", "--key", str(tmp_path / "pub-test.key"), "--db", db])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["ledger", "verify-result", str(out / "result.json"), "--db", db])
    assert r.exit_code == 0, r.output
    # a changed value is refused
    doc = json.loads((out / "result.json").read_text())
    doc["provenance"]["period"] = 1999
    (out / "changed.json").write_text(json.dumps(doc))
    r = runner.invoke(app, ["ledger", "verify-result", str(out / "changed.json"), "--db", db])
    assert r.exit_code != 0


def test_publish_without_ledger_says_how_to_create_one(tmp_path):
    db = f"sqlite:///{tmp_path / 'none.db'}"
    r = runner.invoke(app, ["index", "build", "--data", "gba", "--out", str(tmp_path / "o"), "--publish", "--db", db])
    assert r.exit_code != 0
