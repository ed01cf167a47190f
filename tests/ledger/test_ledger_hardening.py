"""Ledger trust under attack: signed forks, inconsistent proofs, poison entries, ambiguous
bundles and keys read from the database the attacker rewrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import delete, func, insert, select, update
from typer.testing import CliRunner

from citynexus.ledger import EntryError, Ledger, ProofError, audit, generate_key, merkle, verify_bundle
from citynexus.ledger.entry import MAX_ENTRY_DEPTH, entry_data
from citynexus.ledger.errors import ForkError, LedgerKeyError
from citynexus.ledger.trust import load_trust_file, parse_trust, trusted_keys, verify_trusted
from citynexus.store import session_scope
from citynexus.store.ledger import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerNode


def rewrite_history(led: Ledger, index: int, payload, keep: int | None = None) -> None:
    """What an attacker with write access to the database does: replace entry ``index``
    (and optionally drop every entry from ``keep`` on), then rebuild every tree node and the
    head so that the stored tree agrees with itself again."""
    with session_scope(led.engine) as s:
        if keep is not None:
            s.execute(delete(LedgerEntry).where(LedgerEntry.idx >= keep))
        row = s.get(LedgerEntry, index)
        obj = json.loads(bytes(row.data))
        row.data = entry_data(obj["type"], payload, obj["submitter"], obj["time"])
        s.flush()
        datas = [bytes(d) for d in s.execute(select(LedgerEntry.data).order_by(LedgerEntry.idx)).scalars()]
        s.execute(delete(LedgerNode))
        cr = merkle.CompactRange()
        nodes = []
        for d in datas:
            nodes += [{"level": lv, "idx": i, "hash": h} for lv, i, h in cr.append(merkle.leaf_hash(d))]
        s.execute(insert(LedgerNode), nodes)
        s.execute(update(LedgerHead).where(LedgerHead.id == 1).values(size=cr.size, root=cr.root()))


def n_checkpoints(led: Ledger) -> int:
    with session_scope(led.engine) as s:
        return s.execute(select(func.count()).select_from(LedgerCheckpoint)).scalar_one()


@pytest.fixture
def signed(db_url):
    led = Ledger.init(db_url, origin="hardening.test/log")
    led.append_many([{"type": "kpi.report", "payload": {"city": c, "v": i}} for i, c in enumerate("ABCDEF")], "SZ")
    key = generate_key("gba-ledger")
    led.checkpoint(key)
    return led, key


# ------------------------------------------------------------------------- never sign a fork


def test_checkpoint_extends_the_last_signed_one(signed):
    led, key = signed
    led.append("kpi.report", {"city": "G"}, "SZ")
    cp = led.checkpoint(key)
    assert cp.size == 7 and n_checkpoints(led) == 2
    assert led.checkpoint(key).size == 7  # same head again is fine
    assert led.checkpoint_problems() == []


def test_checkpoint_refuses_rewritten_history(signed):
    led, key = signed
    rewrite_history(led, 2, {"city": "C", "v": 999})
    assert led.root_at() != led.checkpoints()[-1].root
    with pytest.raises(ForkError, match=r"does not extend the checkpoint of size 6.*nothing was signed"):
        led.checkpoint(key)
    led.append("kpi.report", {"city": "G"}, "SZ")  # growing the forged tree does not help
    with pytest.raises(ForkError, match="would certify a fork"):
        led.checkpoint(key)
    assert n_checkpoints(led) == 1


def test_checkpoint_refuses_rolled_back_log(signed):
    led, key = signed
    rewrite_history(led, 1, {"city": "B", "v": 1}, keep=4)
    assert led.size == 4
    with pytest.raises(ForkError, match=r"holds 4 entries but the checkpoint of size 6.*entries were removed"):
        led.checkpoint(key)
    assert n_checkpoints(led) == 1


def test_checkpoint_ignores_attacker_signed_checkpoint(signed):
    """An attacker rewrites history and signs it with a same-named key of their own: our
    signer still measures against the last checkpoint *it* signed."""
    led, key = signed
    rewrite_history(led, 0, {"city": "A", "v": -1})
    led.checkpoint(generate_key("gba-ledger"))  # attacker's key, same name, no history signed by it
    with pytest.raises(ForkError):
        led.checkpoint(key)


def test_checkpoint_refuses_entry_not_matching_its_leaf(signed):
    led, key = signed
    led.append("kpi.report", {"city": "G"}, "SZ")
    with session_scope(led.engine) as s:
        row = s.get(LedgerEntry, 6)
        row.data = bytes(row.data).replace(b'"G"', b'"H"')
    with pytest.raises(ForkError, match="entry 6 does not hash to its stored leaf"):
        led.checkpoint(key)


def test_checkpoint_refuses_head_not_matching_tree(signed):
    led, key = signed
    with session_scope(led.engine) as s:
        s.execute(update(LedgerHead).where(LedgerHead.id == 1).values(root=b"\x00" * 32))
    with pytest.raises(ForkError, match="head root is not the root of the stored tree"):
        led.checkpoint(key)


# ------------------------------------------------------------------------- proofs of a fork


def test_prove_refuses_inconsistent_checkpoints_or_warns(signed):
    led, key = signed
    verify_bundle(led.prove(3), [key.verifier])
    rewrite_history(led, 2, {"city": "C", "v": 999})
    problems = led.checkpoint_problems()
    assert len(problems) == 1 and "does not match the stored tree" in problems[0]
    with pytest.raises(ForkError, match="refusing to prove: 1 signed checkpoint"):
        led.prove(3)
    b = led.prove(3, size=6, allow_inconsistent=True)
    assert b["warnings"] == problems


def test_cli_prove_refuses_and_warns(signed, tmp_path):
    from citynexus.cli.ledger import app

    led, _ = signed
    url = led.url
    rewrite_history(led, 2, {"city": "C", "v": 999})
    runner = CliRunner()
    res = runner.invoke(app, ["prove", "--index", "1", "--db", url])
    assert isinstance(res.exception, ForkError) and "--allow-inconsistent" in str(res.exception)
    out = tmp_path / "p.json"
    res = runner.invoke(
        app, ["prove", "--index", "1", "--size", "6", "--allow-inconsistent", "-o", str(out), "--db", url]
    )
    assert res.exit_code == 0, res.output
    assert "warning:" in res.output and json.loads(out.read_text())["warnings"]


# ------------------------------------------------------------------------- poison entries


def _nested(depth: int):
    v: object = 1
    for _ in range(depth):
        v = {"a": v}
    return v


def test_900_level_entry_refused_with_nothing_stored(signed):
    led, key = signed
    before = (led.size, led.root_at())
    with pytest.raises(EntryError, match=f"nested more than {MAX_ENTRY_DEPTH} levels deep.*nothing was stored"):
        led.append("kpi.report", _nested(900), "SZ")
    with pytest.raises(EntryError, match="record 1"):
        led.append_many([{"type": "ok", "payload": 1}, {"type": "deep", "payload": [_nested(20000)]}], "SZ")
    assert (led.size, led.root_at()) == before
    assert [e.index for e in led.find(limit=100)] == list(range(5, -1, -1))
    assert audit(led, [key.verifier]).ok
    led.append("kpi.report", _nested(MAX_ENTRY_DEPTH - 1), "SZ")  # within the limit
    verify_bundle(led.prove(6, size=7), trusted_root=led.root_at())


def test_oversized_and_uncanonical_payloads_refused(signed):
    led, _ = signed
    with pytest.raises(EntryError, match="the limit is 1048576 bytes"):
        led.append("blob", "x" * (1 << 20), "SZ")
    with pytest.raises(EntryError, match="canonical JSON"):
        led.append("nan", {"v": float("nan")}, "SZ")
    with pytest.raises(EntryError, match="canonical JSON"):
        led.append("big", {"v": 2**60}, "SZ")
    assert led.size == 6


# ------------------------------------------------------------------------- ambiguous bundles


def test_verify_rejects_duplicated_json_key(signed, tmp_path):
    """A bundle whose entry carries ``"payload"`` twice — a forged first value, then the
    genuine one that the proof covers — is refused, never printed as OK."""
    from citynexus.cli.ledger import app

    led, key = signed
    bundle = led.prove(2)
    text = json.dumps(bundle)
    genuine = json.dumps(bundle["entry"]["payload"])
    forged = text.replace('"payload": ' + genuine, '"payload": {"city": "C", "v": 1000000}, "payload": ' + genuine)
    assert forged != text and json.loads(forged)["entry"]["payload"] == bundle["entry"]["payload"]
    p = tmp_path / "forged.json"
    p.write_text(forged)
    (tmp_path / "k.pub").write_text(key.verifier.vkey + "\n")
    with pytest.raises(ProofError, match="duplicate key 'payload'"):
        verify_bundle(p, [key.verifier])
    res = CliRunner().invoke(app, ["verify", str(p), "--pubkey", str(tmp_path / "k.pub")])
    assert res.exit_code != 0 and "OK" not in res.output
    assert "duplicate key 'payload'" in str(res.exception)
    env = dict(os.environ, PYTHONPATH="src")
    r = subprocess.run(
        [sys.executable, "-m", "citynexus.cli.main", "ledger", "verify", str(p), "--pubkey", str(tmp_path / "k.pub")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 1 and "OK" not in r.stdout
    assert "duplicate key 'payload'" in r.stderr and "Traceback" not in r.stderr


# ------------------------------------------------------------------------- pinned keys


def test_trust_file_and_environment(tmp_path, monkeypatch):
    k1, k2 = generate_key("log-2025"), generate_key("log-2026")
    f = tmp_path / "trust.txt"
    f.write_text(f"# pinned keys\n{k1.verifier.vkey}\n\n{k2.verifier.vkey}  # after rotation\n")
    assert load_trust_file(f) == [k1.verifier, k2.verifier]
    monkeypatch.delenv("CITYNEXUS_LEDGER_TRUST", raising=False)
    assert trusted_keys() is None
    monkeypatch.setenv("CITYNEXUS_LEDGER_TRUST", str(f))
    assert trusted_keys() == [k1.verifier, k2.verifier]
    monkeypatch.setenv("CITYNEXUS_LEDGER_TRUST", f"{k1.verifier.vkey}, {k2.verifier.vkey}")
    assert trusted_keys() == [k1.verifier, k2.verifier]
    bad = tmp_path / "bad.txt"
    bad.write_text(f"{k1.verifier.vkey}\nnot-a-key\n")
    with pytest.raises(LedgerKeyError, match=r"bad\.txt, line 2"):
        load_trust_file(bad)
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(LedgerKeyError, match="holds no key"):
        load_trust_file(tmp_path / "empty.txt")
    with pytest.raises(LedgerKeyError, match="cannot read"):
        trusted_keys(str(tmp_path / "missing.txt"))
    assert parse_trust("") == []


def test_verify_trusted_never_falls_back_to_database_keys(signed):
    led, key = signed
    bundle = led.prove(1)
    with pytest.raises(LedgerKeyError, match="no pinned ledger public key"):
        verify_trusted(bundle, [])
    assert verify_trusted(bundle, [key.verifier]).signed
    impostor = generate_key("gba-ledger")  # same name, other key
    with pytest.raises(Exception, match="no signature by a trusted key"):
        verify_trusted(bundle, [impostor.verifier])


def test_api_does_not_show_db_rewrite_with_same_named_key_as_verified(signed, monkeypatch):
    """The attacker rewrites entry 2, rebuilds the tree, and signs a checkpoint with a key of
    the *same name* that they also record in the database. With the genuine key pinned, the
    API and the /ledger page refuse the proof instead of showing 'verified, signed'."""
    from fastapi.testclient import TestClient

    from citynexus.api import create_app

    led, key = signed
    monkeypatch.setenv("CITYNEXUS_LEDGER_TRUST", key.verifier.vkey)
    with TestClient(create_app(led.url)) as c:
        good = c.get("/api/v1/ledger/entries/2/proof").json()
        assert good["verified"]["ok"] and good["verified"]["signed"]
        rewrite_history(led, 2, {"city": "C", "v": 1000000})
        with session_scope(led.engine) as s:
            s.execute(delete(LedgerCheckpoint))  # hide the genuine checkpoint
        led.checkpoint(generate_key("gba-ledger"))  # attacker signs; its key lands in ledger_key
        assert "gba-ledger" in {v.name for v in led.known_keys()}
        r = c.get("/api/v1/ledger/entries/2/proof")
        assert r.status_code >= 400, r.json()
        assert "no signature by a trusted key" in r.json()["message"]
        page = c.get("/ledger", params={"proof": 2, "lang": "en"})
        assert 'id="proof-ok"' not in page.text and 'id="proof-error"' in page.text
        # without any pinned key nothing is claimed as signed
        monkeypatch.delenv("CITYNEXUS_LEDGER_TRUST")
        b = c.get("/api/v1/ledger/entries/2/proof").json()
        assert b["verified"]["signed"] is False and "no pinned public key" in b["verified"]["how"]


def test_api_verify_result_deep_or_ambiguous_json_is_400(signed, monkeypatch):
    from fastapi.testclient import TestClient

    from citynexus.api import create_app
    from citynexus.ledger import publish_result

    led, key = signed
    result = {"scores": {"SZ": 81.2}}
    publish_result(result, led, signer=key)
    with TestClient(create_app(led.url)) as c:
        monkeypatch.delenv("CITYNEXUS_LEDGER_TRUST", raising=False)
        r = c.post("/api/v1/ledger/verify-result", files={"file": ("r.json", json.dumps(result).encode())})
        assert r.status_code == 400 and "no pinned ledger public key" in r.json()["message"]
        monkeypatch.setenv("CITYNEXUS_LEDGER_TRUST", key.verifier.vkey)
        r = c.post("/api/v1/ledger/verify-result", files={"file": ("r.json", json.dumps(result).encode())})
        assert r.status_code == 200 and r.json()["signed"]
        deep = b"[" * 20000 + b"]" * 20000
        r = c.post("/api/v1/ledger/verify-result", files={"file": ("deep.json", deep)})
        assert r.status_code == 400 and "nested" in r.json()["message"] and "deep" in r.json()["message"]
        dup = b'{"scores": {"SZ": 99.9}, "scores": {"SZ": 81.2}}'
        r = c.post("/api/v1/ledger/verify-result", files={"file": ("dup.json", dup)})
        assert r.status_code == 400 and "'scores'" in r.json()["message"]  # the duplicated key is named
    assert led.size == 7


def test_cli_append_of_deep_file_is_one_error(signed, tmp_path):
    from citynexus.cli.ledger import app

    led, _ = signed
    f = tmp_path / "deep.json"
    f.write_text('{"type": "x", "payload": ' + "[" * 20000 + "]" * 20000 + "}")
    res = CliRunner().invoke(app, ["append", str(f), "--db", led.url])
    assert isinstance(res.exception, EntryError) and "nested 20001 levels deep" in str(res.exception)
    g = tmp_path / "dup.jsonl"
    g.write_text('{"type": "x", "payload": 1}\n{"type": "x", "payload": 1, "payload": 2}\n')
    res = CliRunner().invoke(app, ["append", str(g), "--db", led.url])
    assert isinstance(res.exception, EntryError) and "line 2: duplicate key 'payload'" in str(res.exception)
    assert led.size == 6


def test_cli_verify_defaults_to_pinned_keys(signed, tmp_path, monkeypatch):
    from citynexus.cli.ledger import app

    led, key = signed
    p = tmp_path / "b.json"
    p.write_text(json.dumps(led.prove(3)))
    monkeypatch.delenv("CITYNEXUS_LEDGER_TRUST", raising=False)
    res = CliRunner().invoke(app, ["verify", str(p)])
    assert isinstance(res.exception, LedgerKeyError) and "CITYNEXUS_LEDGER_TRUST" in str(res.exception)
    monkeypatch.setenv("CITYNEXUS_LEDGER_TRUST", key.verifier.vkey)
    res = CliRunner().invoke(app, ["verify", str(p)])
    assert res.exit_code == 0 and "OK" in res.output
    monkeypatch.setenv("CITYNEXUS_LEDGER_TRUST", generate_key("gba-ledger").verifier.vkey)  # same name, other key
    res = CliRunner().invoke(app, ["verify", str(p)])
    assert res.exit_code != 0 and "no signature by a trusted key" in str(res.exception)


def test_checkpoint_kept_outside_the_database_blocks_a_fork(signed, tmp_path):
    """Deleting every checkpoint from the database hides the fork from the database check;
    the checkpoint the signer kept itself still refuses it."""
    led, key = signed
    kept = led.checkpoints()[-1].note
    rewrite_history(led, 2, {"city": "C", "v": 999})
    with session_scope(led.engine) as s:
        s.execute(delete(LedgerCheckpoint))
    with pytest.raises(ForkError, match="does not extend the checkpoint of size 6"):
        led.checkpoint(key, known=[kept])
    other_log = Ledger.init(f"sqlite:///{tmp_path / 'other.db'}", origin="other/log")
    other_log.append("a", 1, "x")
    other_cp = other_log.checkpoint(key).note
    assert n_checkpoints(led) == 0
    led.checkpoint(key, known=[other_cp])  # another log's checkpoint does not constrain this one
    with pytest.raises(ForkError, match="does not verify"):
        led.checkpoint(generate_key("intruder"), known=[kept])  # kept note not signed by the signing key


def test_cli_checkpoint_keeps_state_beside_the_key(tmp_path):
    from citynexus.cli.ledger import app
    from citynexus.ledger import write_key_files

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    led = Ledger.init(url, origin="state.test/log")
    led.append_many([{"type": "kpi.report", "payload": {"v": i}} for i in range(4)], "SZ")
    key = generate_key("state-key")
    priv, _ = write_key_files(key, tmp_path)
    runner = CliRunner()
    res = runner.invoke(app, ["checkpoint", "--key", str(priv), "--db", url])
    assert res.exit_code == 0, res.output
    state = priv.with_name(priv.name + ".checkpoints.json")
    assert json.loads(state.read_text())["state.test/log"].startswith("state.test/log\n4\n")
    rewrite_history(led, 1, {"v": 100})
    with session_scope(led.engine) as s:
        s.execute(delete(LedgerCheckpoint))
    res = runner.invoke(app, ["checkpoint", "--key", str(priv), "--db", url])
    assert isinstance(res.exception, ForkError), res.output
    assert n_checkpoints(led) == 0
    state.write_text('{"state.test/log": "x", "state.test/log": "y"}')
    res = runner.invoke(app, ["checkpoint", "--key", str(priv), "--db", url])
    assert "damaged" in str(res.exception) and "duplicate key" in str(res.exception)
