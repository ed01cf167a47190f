"""The stored log: appends, proofs from stored nodes, checkpoints, bundles, audit, rotation."""

from __future__ import annotations

import base64
import json
import threading

import pytest
import sqlalchemy as sa

from citynexus.ledger import (
    EntryError,
    Ledger,
    LedgerError,
    ProofError,
    audit,
    generate_key,
    merkle,
    verify_bundle,
    verify_consistency_bundle,
    verify_key_rotation,
)
from citynexus.ledger.checkpoint import CheckpointError, LedgerKeyError
from citynexus.ledger.errors import TamperError
from citynexus.ledger.verify import consistency_bundle


@pytest.fixture
def led(db_url):
    return Ledger.init(db_url, origin="test.example/ledger")


@pytest.fixture
def key():
    return generate_key("test-key")


def _records(n, start=0):
    return [{"type": "kpi.report", "payload": {"city": "SZ", "n": start + i, "value": 1.25 * i}} for i in range(n)]


def test_init_and_empty_log(led, db_url):
    assert led.size == 0
    assert led.root_at() == merkle.EMPTY_ROOT
    assert led.origin == "test.example/ledger"
    with pytest.raises(LedgerError, match="already holds a ledger"):
        Ledger.init(db_url)
    assert Ledger.init(db_url, exist_ok=True).origin == "test.example/ledger"


def test_uninitialised_database_is_explained(tmp_path):
    led = Ledger(f"sqlite:///{tmp_path / 'none.db'}")
    with pytest.raises(LedgerError, match="ledger init"):
        led.append("x", {}, "me")
    with pytest.raises(LedgerError, match="ledger init"):
        led.head()


def test_batched_append_matches_pure_merkle(led):
    entries = led.append_many(_records(45), submitter="SZ-statistics")
    entries += led.append_many(_records(22, 45), submitter="GZ-statistics")
    assert [e.index for e in entries] == list(range(67))
    data = [e.data for e in entries]
    assert led.size == 67
    assert led.root_at() == merkle.root_hash(data)
    assert led.count_nodes() == 2 * 67 - bin(67).count("1")
    for size in (1, 2, 3, 31, 32, 33, 45, 64, 67):
        assert led.root_at(size) == merkle.root_hash(data[:size])
        for idx in {0, size // 2, size - 1}:
            assert led.inclusion_proof(idx, size) == merkle.inclusion_proof(data, idx, size)
    for s1, s2 in [(1, 67), (3, 45), (32, 64), (45, 67), (66, 67), (67, 67)]:
        want = merkle.consistency_proof(data, s1, s2) if s1 != s2 else []
        assert led.consistency_proof(s1, s2) == want
    e = led.entry(46)
    assert e.payload == {"city": "SZ", "n": 46, "value": 1.25}
    assert e.submitter == "GZ-statistics"
    # the stored bytes are the RFC 8785 canonical form of the four fields
    assert e.data == json.dumps(e.as_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def test_canonical_json_is_key_order_independent(led):
    a = led.append("t", {"b": 1, "a": [1, 2.5, "中文"]}, "me")
    assert a.data.startswith(b'{"payload":{"a":[1,2.5,"\xe4\xb8\xad\xe6\x96\x87"],"b":1}')


@pytest.mark.parametrize(
    "bad",
    [
        [{"type": "", "payload": 1}],
        [{"type": "x"}],
        [{"type": "x", "payload": float("nan")}],
        [{"type": "x", "payload": 2**60}],
        [{"type": "x", "payload": {1: "non-string key"}}],
        [{"type": "x", "payload": 1, "extra": 2}],
        ["not an object"],
        [{"type": "x", "payload": 1, "submitter": ""}],
    ],
)
def test_bad_records_are_refused_and_nothing_is_stored(led, bad):
    led.append_many(_records(3), submitter="me")
    batch = _records(4) + bad
    with pytest.raises(EntryError, match="record"):
        led.append_many(batch, submitter="me")
    assert led.size == 3
    assert audit(led).ok


def test_failed_batch_rolls_back_everything(led):
    led.append_many(_records(5), submitter="me")

    def refuse(session, triples):
        raise LedgerError("refused by check")

    with pytest.raises(LedgerError, match="refused"):
        led.append_many(_records(10), submitter="me", check=refuse)
    assert led.size == 5
    assert led.count_nodes() == 2 * 5 - 2
    assert audit(led).ok


def test_concurrent_appenders_do_not_collide(led):
    errors = []

    def work(who):
        try:
            for k in range(5):
                led.append_many(_records(4, k * 4), submitter=who)
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert led.size == 60
    assert audit(led).ok


def test_entry_and_proof_errors(led):
    led.append_many(_records(4), submitter="me")
    with pytest.raises(EntryError, match=r"0\.\.3"):
        led.entry(4)
    with pytest.raises(ProofError):
        led.inclusion_proof(4)
    with pytest.raises(ProofError, match="not available"):
        led.inclusion_proof(0, 5)
    with pytest.raises(ProofError):
        led.consistency_proof(0, 3)
    with pytest.raises(LedgerError, match="checkpoint"):
        led.prove(0)


def test_checkpoint_prove_and_standalone_verify(led, key):
    led.append_many(_records(10), submitter="me")
    cp1 = led.checkpoint(key)
    led.append_many(_records(7, 10), submitter="me")
    cp2 = led.checkpoint(key)
    assert (cp1.size, cp2.size) == (10, 17)
    assert [c.size for c in led.checkpoints()] == [10, 17]
    bundle = json.loads(json.dumps(led.prove(3)))  # through JSON, as a file would be
    assert bundle["tree_size"] == 17
    v = verify_bundle(bundle, [key.verifier])
    assert (v.index, v.signed, v.entry["payload"]["n"]) == (3, True, 3)
    # against an older checkpoint
    v = verify_bundle(led.prove(3, size=10), [key.verifier])
    assert v.tree_size == 10
    # altered entry in the bundle
    bad = json.loads(json.dumps(bundle))
    bad["entry"]["payload"]["value"] = 999
    with pytest.raises(ProofError):
        verify_bundle(bad, [key.verifier])
    # moved index
    bad = dict(bundle, index=4)
    with pytest.raises(ProofError):
        verify_bundle(bad, [key.verifier])
    # other key
    with pytest.raises(CheckpointError):
        verify_bundle(bundle, [generate_key("x").verifier])
    with pytest.raises(LedgerKeyError):
        verify_bundle(bundle, [])
    # an unsigned proof (size without checkpoint) needs a trusted root
    unsigned = led.prove(3, size=12)
    assert unsigned["checkpoint"] is None
    with pytest.raises(ProofError, match="no signed checkpoint"):
        verify_bundle(unsigned, [key.verifier])
    assert verify_bundle(unsigned, trusted_root=led.root_at(12)).signed is False
    # consistency between the two checkpoints
    cb = consistency_bundle(cp1, cp2, led.consistency_proof(10, 17))
    old, new = verify_consistency_bundle(cb, [key.verifier])
    assert (old.size, new.size) == (10, 17)
    cb["proof"][0] = base64.b64encode(bytes(32)).decode()
    with pytest.raises(ProofError):
        verify_consistency_bundle(cb, [key.verifier])


def test_audit_clean_log(led, key):
    led.append_many(_records(50), submitter="me")
    led.checkpoint(key)
    led.append_many(_records(3, 50), submitter="me")
    led.checkpoint(key)
    rep = audit(led, [key.verifier], chunk_level=3)  # small chunks exercise the chunked comparison
    assert rep.ok, rep.problems
    assert rep.entries_checked == 53
    assert rep.nodes_checked == 2 * 53 - bin(53).count("1")
    assert rep.checkpoints_checked == 2
    assert rep.keys_from == "given"
    assert audit(led).keys_from == "database"


def _exec(led, sql, **params):
    with led.engine.begin() as c:
        c.execute(sa.text(sql), params)


def test_audit_names_tampered_entry(led, key):
    led.append_many(_records(40), submitter="me")
    led.checkpoint(key)
    e = led.entry(17)
    forged = e.data.replace(b'"value":21.25', b'"value":99')
    assert forged != e.data
    _exec(led, "UPDATE ledger_entry SET data = :d WHERE idx = 17", d=forged)
    rep = audit(led, [key.verifier], chunk_level=2)
    assert not rep.ok
    assert rep.first_tampered_entry == 17
    assert any(p.kind == "entry" and p.entry == 17 and "altered" in p.message for p in rep.problems)
    # the signed checkpoint no longer matches either
    assert any(p.kind == "checkpoint" and p.span == (0, 39) for p in rep.problems)


def test_audit_finds_rewritten_history_via_checkpoint(led, key):
    """An attacker rewrites an entry AND every stored hash (a self-consistent forged tree):
    only the signed checkpoints reveal it, and the audit narrows it to the entries between
    the last matching checkpoint and the first broken one."""
    led.append_many(_records(20), submitter="me")
    led.checkpoint(key)
    led.append_many(_records(20, 20), submitter="me")
    led.checkpoint(key)
    entries = list(led.iter_entries())
    forged = entries[25].data.replace(b'"n":25', b'"n":2500')
    datas = [x.data for x in entries]
    datas[25] = forged
    levels = merkle.tree_levels([merkle.leaf_hash(d) for d in datas])
    _exec(led, "UPDATE ledger_entry SET data = :d WHERE idx = 25", d=forged)
    with led.engine.begin() as c:
        for lv, row in enumerate(levels):
            for i, h in enumerate(row):
                c.execute(
                    sa.text("UPDATE ledger_node SET hash = :h WHERE level = :l AND idx = :i"), {"h": h, "l": lv, "i": i}
                )
        c.execute(sa.text("UPDATE ledger_head SET root = :r"), {"r": merkle.root_hash(datas)})
    rep = audit(led, [key.verifier])
    assert not rep.ok
    kinds = {p.kind for p in rep.problems}
    assert "entry" not in kinds and "node" not in kinds  # the forged tree is self-consistent
    cp_problem = next(p for p in rep.problems if p.kind == "checkpoint")
    assert "20..39" in cp_problem.message
    assert rep.first_tampered_entry is None  # cannot be pinned to one entry...
    assert rep.suspect_span == (20, 39)  # ...but to the entries after the last matching checkpoint
    assert any(p.kind == "consistency" for p in rep.problems)


def test_audit_finds_altered_node_and_missing_rows(led):
    led.append_many(_records(33), submitter="me")
    _exec(led, "UPDATE ledger_node SET hash = :h WHERE level = 2 AND idx = 3", h=bytes(32))
    rep = audit(led, chunk_level=3)
    assert any(p.kind == "node" and "level 2, index 3" in p.message for p in rep.problems)
    assert rep.first_tampered_entry is None
    assert rep.suspect_span == (12, 15)


def test_audit_finds_deleted_entry(led):
    led.append_many(_records(10), submitter="me")
    _exec(led, "DELETE FROM ledger_entry WHERE idx = 4")
    rep = audit(led)
    assert rep.first_tampered_entry == 4
    assert any("missing" in p.message for p in rep.problems)


def test_audit_finds_forged_checkpoint_signature(led, key):
    led.append_many(_records(5), submitter="me")
    cp = led.checkpoint(key)
    _exec(led, "UPDATE ledger_checkpoint SET note = :n", n=cp.note.replace("\n5\n", "\n4\n"))
    rep = audit(led, [key.verifier])
    assert any(p.kind == "checkpoint" and "altered" in p.message for p in rep.problems)


def test_audit_detects_changed_query_columns(led):
    led.append_many(_records(3), submitter="me")
    _exec(led, "UPDATE ledger_entry SET submitter = 'someone else' WHERE idx = 1")
    rep = audit(led)
    assert rep.first_tampered_entry == 1


def test_proofs_refuse_a_damaged_tree(led):
    led.append_many(_records(8), submitter="me")
    _exec(led, "DELETE FROM ledger_node WHERE level = 1 AND idx = 1")
    with pytest.raises(TamperError, match="audit"):
        led.inclusion_proof(0)


def test_key_rotation(led, key):
    led.append_many(_records(3), submitter="me")
    led.checkpoint(key)
    new = generate_key("test-key-2")
    entry, cp = led.rotate_key(key, new)
    assert entry.type == "key.rotation"
    assert verify_key_rotation(entry.payload, key.verifier) == new.verifier
    assert set(cp.key_names()) == {"test-key", "test-key-2"}
    led.append_many(_records(2, 3), submitter="me")
    led.checkpoint(new)
    b = led.prove(0)
    verify_bundle(b, [new.verifier])
    with pytest.raises(CheckpointError):
        verify_bundle(b, [key.verifier])  # newest checkpoint is signed by the new key only
    rep = audit(led)
    assert rep.ok, rep.problems
    assert {v.name for v in led.known_keys(include_retired=False)} == {"test-key-2"}
    with pytest.raises(LedgerError):
        led.rotate_key(new, new)


def test_audit_checks_successive_checkpoints(led, key):
    """A validly signed checkpoint that shrinks the log, or that signs a different history
    (a fork / split view), is reported even though its signature is fine."""
    from citynexus.ledger.checkpoint import sign_checkpoint
    from citynexus.store import session_scope
    from citynexus.store.ledger import LedgerCheckpoint

    entries = led.append_many(_records(6), submitter="me")
    led.checkpoint(key)
    data = [e.data for e in entries]
    shrunk = sign_checkpoint(led.origin, 4, merkle.root_hash(data[:4]), [key])
    forked = sign_checkpoint(led.origin, 6, merkle.root_hash([*data[:5], b"other"]), [key])
    with session_scope(led.engine) as s:
        for cp in (shrunk, forked):
            s.add(
                LedgerCheckpoint(size=cp.size, root=cp.root, time=cp.time, key_name=key.name, key_id="x", note=cp.note)
            )
    rep = audit(led, [key.verifier])
    msgs = [p.message for p in rep.problems if p.kind == "consistency"]
    assert any("smaller than the previous 6" in m for m in msgs)
    assert any("sizes 4 and 6 are not consistent" in m for m in msgs)
    assert any(p.kind == "checkpoint" and "fork" in p.message for p in rep.problems)
    assert not any(p.kind in ("entry", "node") for p in rep.problems)  # the stored log itself is intact
