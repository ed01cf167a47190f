"""Published results: digests recorded on publication, receipts verified offline and online."""

from __future__ import annotations

import hashlib
import json

import pytest
import sqlalchemy as sa

from citynexus.ledger import Ledger, ProofError, generate_key, publish_result, result_digests, verify_result
from citynexus.ledger.canonical import canonical_json, digest
from citynexus.ledger.errors import LedgerError

# Shaped like IndexResult.to_dict(); values are synthetic.
RESULT = {
    "index": "GBA",
    "period": 2024,
    "provenance": {"dataset_digest": "sha256:aa11", "spec_digest": "sha256:bb22", "citynexus": "0.1.0"},
    "scores": [{"unit": "SZ", "GBA": 0.8125}, {"unit": "GZ", "GBA": 0.75}, {"unit": "ZQ", "GBA": 0.1}],
    "weights": [{"code": "IND", "weight": 0.5}, {"code": "URB", "weight": 0.5}],
}


@pytest.fixture
def led(db_url):
    return Ledger.init(db_url, origin="publish.test/log")


@pytest.fixture
def key():
    return generate_key("publisher")


@pytest.fixture
def result_file(tmp_path):
    p = tmp_path / "result.json"
    p.write_text(json.dumps(RESULT, indent=1), encoding="utf-8")
    return p


def test_digests_are_canonical():
    d = result_digests(RESULT)
    assert d["result_digest"] == "sha256:" + hashlib.sha256(canonical_json(RESULT)).hexdigest()
    assert d["outputs_digest"] == digest({k: v for k, v in RESULT.items() if k != "provenance"})
    assert d["inputs_digest"] == "sha256:aa11" and d["spec_digest"] == "sha256:bb22"
    assert d["provenance"] == RESULT["provenance"]
    reordered = dict(reversed(list(RESULT.items())))
    assert result_digests(reordered)["result_digest"] == d["result_digest"]
    assert "inputs_digest" not in result_digests({"scores": [1]})


def test_publish_and_verify_offline(led, key, result_file, tmp_path):
    receipt = tmp_path / "result.json.receipt.json"
    pub = publish_result(result_file, led, submitter="analyst", signer=key, receipt_path=receipt)
    assert pub.entry.type == "result.published"
    assert pub.entry.payload["name"] == "result.json"
    assert receipt.exists()
    v = verify_result(result_file, receipt=receipt, verifiers=[key.verifier])
    assert v.index == pub.entry.index and v.signed
    # reformatting the file keeps its canonical digest
    result_file.write_text(json.dumps(RESULT, indent=4, sort_keys=True), encoding="utf-8")
    verify_result(result_file, receipt=receipt, verifiers=[key.verifier])
    # changing one number is caught
    changed = json.loads(json.dumps(RESULT))
    changed["scores"][2]["GBA"] = 0.11
    result_file.write_text(json.dumps(changed), encoding="utf-8")
    with pytest.raises(ProofError, match="changed after publication"):
        verify_result(result_file, receipt=receipt, verifiers=[key.verifier])


def test_forged_receipt_is_caught(led, key, result_file, tmp_path):
    receipt = tmp_path / "r.json"
    publish_result(result_file, led, signer=key, receipt_path=receipt)
    # someone edits the result AND the digest in the receipt: the proof no longer verifies
    changed = dict(RESULT, period=2023)
    result_file.write_text(json.dumps(changed), encoding="utf-8")
    r = json.loads(receipt.read_text())
    r["entry"]["payload"]["result_digest"] = digest(changed)
    receipt.write_text(json.dumps(r))
    with pytest.raises(ProofError):
        verify_result(result_file, receipt=receipt, verifiers=[key.verifier])


def test_verify_online_from_database(led, key, result_file):
    publish_result(result_file, led, submitter="analyst", signer=key)
    v = verify_result(result_file, ledger=led)
    assert v.entry["payload"]["result_digest"] == digest(RESULT)
    v = verify_result(result_file, ledger=led, verifiers=[key.verifier])
    assert v.signed
    other = result_file.with_name("other.json")
    other.write_text(json.dumps({"scores": []}))
    with pytest.raises(ProofError, match="never published"):
        verify_result(other, ledger=led)


def test_online_verification_needs_a_checkpoint(led, key, result_file):
    publish_result(result_file, led)  # no signer: recorded but not yet under a checkpoint
    with pytest.raises(LedgerError, match="checkpoint"):
        verify_result(result_file, ledger=led)
    led.checkpoint(key)
    verify_result(result_file, ledger=led)


def test_tampered_lookup_table_is_not_trusted(led, key, result_file):
    publish_result(result_file, led, signer=key)
    led.append("other", {"x": 1}, "me")
    led.checkpoint(key)
    with led.engine.begin() as c:
        c.execute(sa.text("UPDATE ledger_published SET entry_idx = 1"))
    with pytest.raises(ProofError, match="lookup table"):
        verify_result(result_file, ledger=led)


def test_bad_inputs(led, key, tmp_path, result_file):
    with pytest.raises(LedgerError, match="not found"):
        publish_result(tmp_path / "missing.json", led)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(LedgerError, match="not a JSON"):
        publish_result(bad, led)
    with pytest.raises(LedgerError, match="signer"):
        publish_result(result_file, led, receipt_path=tmp_path / "r.json")
    assert led.size == 0  # refused before anything was appended
    with pytest.raises(ProofError, match="not a result receipt"):
        verify_result(result_file, receipt={"format": "x"}, verifiers=[key.verifier])
