"""Signed notes and checkpoints: Go reference vector, round trips, tampering, key files."""

from __future__ import annotations

import base64
import os
import stat

import pytest

from citynexus.ledger import merkle
from citynexus.ledger.checkpoint import (
    Checkpoint,
    Signer,
    Verifier,
    generate_key,
    open_note,
    parse_checkpoint,
    read_signer,
    read_verifiers,
    sign_checkpoint,
    sign_note,
    verify_checkpoint,
    write_key_files,
)
from citynexus.ledger.errors import CheckpointError, LedgerKeyError
from citynexus.ledger.verify import rotation_statement, verify_key_rotation

# golang.org/x/mod/sumdb/note note_test.go
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"


def test_go_reference_note_signs_byte_for_byte():
    signer = Signer.parse(GO_SKEY)
    assert signer.verifier.vkey == GO_VKEY
    assert signer.skey == GO_SKEY
    assert sign_note(GO_TEXT, [signer]) == GO_TEXT + "\n" + GO_SIG


def test_go_reference_note_verifies_and_detects_change():
    v = Verifier.parse(GO_VKEY)
    assert v.key_id.hex() == "c74f20a3"
    assert open_note(GO_TEXT + "\n" + GO_SIG, [v]) == GO_TEXT
    with pytest.raises(CheckpointError, match="altered"):
        open_note(GO_TEXT.replace("cryptography", "cryptographY") + "\n" + GO_SIG, [v])


@pytest.mark.parametrize(
    "bad",
    [
        GO_VKEY[:-1],
        GO_VKEY.replace("c74f20a3", "c74f20a4"),  # key id does not match key
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+AhpjZGVm",  # wrong algorithm byte / length
        "",
    ],
)
def test_bad_verifier_keys_are_rejected(bad):
    with pytest.raises(LedgerKeyError):
        Verifier.parse(bad)


def test_bad_signer_key_rejected():
    with pytest.raises(LedgerKeyError):
        Signer.parse(GO_SKEY.replace("PRIVATE+KEY", "PUBLIC+KEY"))
    with pytest.raises(LedgerKeyError):
        Signer.parse(GO_SKEY.replace("c74f20a3", "00000000"))


def test_key_with_plus_in_base64_round_trips():
    for _ in range(40):
        k = generate_key("k")
        assert Verifier.parse(k.verifier.vkey) == k.verifier
        assert Signer.parse(k.skey).seed == k.seed


@pytest.fixture
def key():
    return generate_key("gba-ledger-test")


def _cp(key, size=5, time="2025-01-02T03:04:05Z"):
    root = merkle.root_hash([b"%d" % i for i in range(size)])
    return sign_checkpoint("example.org/log", size, root, [key], time=time), root


def test_checkpoint_format_and_round_trip(key):
    cp, root = _cp(key)
    lines = cp.note.split("\n")
    assert lines[:4] == ["example.org/log", "5", base64.b64encode(root).decode(), "time 2025-01-02T03:04:05Z"]
    assert lines[4] == ""
    assert lines[5].startswith("— gba-ledger-test ")
    got = verify_checkpoint(cp.note, [key.verifier], origin="example.org/log")
    assert (got.origin, got.size, got.root, got.time) == ("example.org/log", 5, root, "2025-01-02T03:04:05Z")
    assert got.key_names() == ["gba-ledger-test"]


def test_checkpoint_tampering_detected(key):
    cp, _ = _cp(key)
    forged = cp.note.replace("\n5\n", "\n6\n", 1)
    with pytest.raises(CheckpointError, match="altered"):
        verify_checkpoint(forged, [key.verifier])
    with pytest.raises(CheckpointError, match="no signature by a trusted key"):
        verify_checkpoint(cp.note, [generate_key("other").verifier])
    with pytest.raises(CheckpointError, match="expected"):
        verify_checkpoint(cp.note, [key.verifier], origin="another/log")
    with pytest.raises(LedgerKeyError):
        verify_checkpoint(cp.note, [])


def test_same_name_other_key_is_not_trusted(key):
    cp, _ = _cp(key)
    impostor = generate_key(key.name)  # same name, different key -> different key id
    with pytest.raises(CheckpointError):
        verify_checkpoint(cp.note, [impostor.verifier])


def test_cosigned_checkpoint_accepts_either_key(key):
    other = generate_key("witness")
    root = merkle.root_hash([b"a"])
    cp = sign_checkpoint("o", 1, root, [key, other])
    assert cp.key_names() == ["gba-ledger-test", "witness"]
    verify_checkpoint(cp.note, [other.verifier])
    verify_checkpoint(cp.note, [key.verifier])


@pytest.mark.parametrize(
    "text",
    [
        "o\n5\nAAAA\n\n— k AAAAAAAA\n",  # root not 32 bytes
        "o\nfive\n" + base64.b64encode(bytes(32)).decode() + "\n\n— k AAAAAAAA\n",
        "o\n05\n" + base64.b64encode(bytes(32)).decode() + "\n\n— k AAAAAAAA\n",
        "o\n5\n" + base64.b64encode(bytes(32)).decode() + "\n",  # no signatures
        "o\n5\n" + base64.b64encode(bytes(32)).decode() + "\n\n- k AAAAAAAA\n",  # hyphen, not em dash
        "o\n5\n" + base64.b64encode(bytes(32)).decode() + "\n\n— k AAAAAAAA",  # no final newline
        "\n5\n" + base64.b64encode(bytes(32)).decode() + "\n\n— k AAAAAAAA\n",
    ],
)
def test_malformed_checkpoints(text):
    with pytest.raises(CheckpointError):
        parse_checkpoint(text)


def test_sign_checkpoint_rejects_bad_input(key):
    with pytest.raises(CheckpointError):
        sign_checkpoint("two\nlines", 1, bytes(32), [key])
    with pytest.raises(CheckpointError):
        sign_checkpoint("o", 1, bytes(31), [key])
    with pytest.raises(LedgerKeyError):
        sign_checkpoint("o", 1, bytes(32), [])
    assert isinstance(sign_checkpoint("o", 0, merkle.EMPTY_ROOT, [key]), Checkpoint)


def test_key_files(tmp_path, key):
    priv, pub = write_key_files(key, tmp_path)
    assert stat.S_IMODE(os.stat(priv).st_mode) == 0o600
    assert read_signer(priv).seed == key.seed
    assert read_verifiers([pub]) == [key.verifier]
    assert read_verifiers([key.verifier.vkey]) == [key.verifier]
    with pytest.raises(LedgerKeyError, match="already exists"):
        write_key_files(key, tmp_path)
    with pytest.raises(LedgerKeyError, match="not found"):
        read_signer(tmp_path / "missing.key")
    with pytest.raises(LedgerKeyError):
        generate_key("bad name")


def test_key_rotation_statement(key):
    new = generate_key("next")
    stmt = rotation_statement("o", key.verifier.vkey, new.verifier.vkey)
    payload = {
        "origin": "o",
        "old": key.verifier.vkey,
        "new": new.verifier.vkey,
        "signature_old": base64.b64encode(key.sign(stmt)).decode(),
        "signature_new": base64.b64encode(new.sign(stmt)).decode(),
    }
    assert verify_key_rotation(payload, key.verifier) == new.verifier
    with pytest.raises(CheckpointError, match="not the key you trust"):
        verify_key_rotation(payload, new.verifier)
    forged = dict(payload, new=generate_key("evil").verifier.vkey)
    with pytest.raises(CheckpointError):
        verify_key_rotation(forged, key.verifier)
