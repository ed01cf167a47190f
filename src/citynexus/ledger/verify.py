"""Standalone verification (独立验证): no database, only an entry, its proof, a signed
checkpoint and the log's public key.

A *proof bundle* (JSON, written by ``citynexus ledger prove``) holds::

    {"format": "citynexus-ledger-proof/1",
     "index": 17, "tree_size": 1042,
     "entry": {"type": ..., "payload": ..., "submitter": ..., "time": ...},
     "leaf_hash": "<base64>", "proof": ["<base64>", ...], "root": "<base64>",
     "checkpoint": "<signed note text>"}

:func:`verify_bundle` recomputes the leaf from the entry (RFC 8785 canonical JSON,
RFC 9162 leaf hash), checks the checkpoint's Ed25519 signature with the given public keys
and verifies the inclusion proof against the checkpoint's root. ``leaf_hash`` and ``root``
in the bundle are informative only: they are recomputed or taken from the signed note.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citynexus.ledger import merkle
from citynexus.ledger.canonical import canonical_json
from citynexus.ledger.checkpoint import Checkpoint, Verifier, parse_checkpoint, verify_checkpoint
from citynexus.ledger.errors import CheckpointError, LedgerError, LedgerKeyError, ProofError

PROOF_FORMAT = "citynexus-ledger-proof/1"
CONSISTENCY_FORMAT = "citynexus-ledger-consistency/1"


@dataclass(frozen=True)
class VerifiedEntry:
    """An entry proved to be at ``index`` of the log signed in ``checkpoint`` (or, when
    ``signed`` is False, of a tree whose root the caller supplied)."""

    index: int
    entry: dict[str, Any]
    checkpoint: Checkpoint | None
    tree_size: int
    root: bytes
    signed: bool


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise ProofError(f"{what} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as err:
        raise ProofError(f"{what} is not valid base64") from err


def load_json(path_or_obj: Path | str | dict) -> dict[str, Any]:
    """A JSON object from a file path or as given. A file is parsed with
    :func:`citynexus.data.limits.loads`: a duplicated key (e.g. a forged first ``"payload"``
    followed by the genuine one) is refused, never resolved in favour of one value."""
    if isinstance(path_or_obj, dict):
        return path_or_obj
    p = Path(path_or_obj)
    if not p.exists():
        raise LedgerError(f"file {p} not found")
    from citynexus.data.limits import InputLimitError, JSONSyntaxError, loads

    try:
        obj = loads(p.read_bytes(), source=str(p))
    except JSONSyntaxError as err:
        raise LedgerError(f"{p} is not a JSON file: {err}") from err
    except InputLimitError as err:  # duplicate keys, too deep, too large: never guess which value counts
        raise ProofError(f"refusing {p}: {err}") from err
    if not isinstance(obj, dict):
        raise LedgerError(f"{p} must hold a JSON object")
    return obj


def verify_bundle(
    bundle: Path | str | dict[str, Any],
    verifiers: Sequence[Verifier] = (),
    trusted_root: bytes | None = None,
    origin: str | None = None,
) -> VerifiedEntry:
    """Verify a proof bundle without any database.

    With ``verifiers`` (public keys), the bundle's checkpoint must carry a valid signature
    by one of them and its size must equal the bundle's ``tree_size``; the proof is
    checked against the signed root. Without a checkpoint, ``trusted_root`` (a root the
    caller obtained some other trusted way) is required. Raises ProofError,
    CheckpointError or LedgerKeyError; returns the verified entry.
    """
    b = load_json(bundle)
    if b.get("format") != PROOF_FORMAT:
        raise ProofError(f"not a citynexus proof bundle (format {b.get('format')!r}, expected {PROOF_FORMAT!r})")
    for k in ("index", "tree_size", "entry", "proof"):
        if k not in b:
            raise ProofError(f"the proof bundle lacks '{k}'")
    entry = b["entry"]
    if not isinstance(entry, dict) or set(entry) != {"type", "payload", "submitter", "time"}:
        raise ProofError("the bundle's entry must be an object with exactly type, payload, submitter and time")
    if not isinstance(b["proof"], list):
        raise ProofError("the bundle's proof must be a list of base64 hashes")
    proof = [_b64(p, f"proof[{i}]") for i, p in enumerate(b["proof"])]
    index, size = b["index"], b["tree_size"]
    cp: Checkpoint | None = None
    if b.get("checkpoint"):
        if not verifiers:
            raise LedgerKeyError("pass the log's public key (NAME.pub) to check the bundle's signed checkpoint")
        cp = verify_checkpoint(b["checkpoint"], verifiers, origin=origin)
        if cp.size != size:
            raise ProofError(f"the bundle proves against size {size} but its checkpoint has size {cp.size}")
        root = cp.root
        if trusted_root is not None and trusted_root != root:
            raise ProofError("the signed checkpoint's root differs from the trusted root given")
    elif trusted_root is not None:
        root = trusted_root
    else:
        raise ProofError(
            "the bundle carries no signed checkpoint; sign one ('citynexus ledger checkpoint') and prove again, "
            "or supply a root you trust"
        )
    lh = merkle.leaf_hash(canonical_json(entry))
    merkle.verify_inclusion(lh, index, size, proof, root)
    return VerifiedEntry(index, entry, cp, size, root, cp is not None)


def consistency_bundle(old: Checkpoint, new: Checkpoint, proof: Sequence[bytes]) -> dict[str, Any]:
    """A JSON object holding two checkpoints and the consistency proof between them."""
    return {
        "format": CONSISTENCY_FORMAT,
        "old": old.note,
        "new": new.note,
        "proof": [base64.b64encode(p).decode() for p in proof],
    }


def verify_consistency_bundle(
    bundle: Path | str | dict[str, Any], verifiers: Sequence[Verifier]
) -> tuple[Checkpoint, Checkpoint]:
    """Check that the new checkpoint's tree extends the old one's (both signed by a
    trusted key, same origin). Raises on failure; returns ``(old, new)``."""
    b = load_json(bundle)
    if b.get("format") != CONSISTENCY_FORMAT:
        raise ProofError(f"not a consistency bundle (format {b.get('format')!r}, expected {CONSISTENCY_FORMAT!r})")
    old = verify_checkpoint(b.get("old") or "", verifiers)
    new = verify_checkpoint(b.get("new") or "", verifiers, origin=old.origin)
    proof = [_b64(p, f"proof[{i}]") for i, p in enumerate(b.get("proof") or [])]
    merkle.verify_consistency(old.size, new.size, proof, old.root, new.root)
    return old, new


def detect_bundle(obj: dict[str, Any]) -> str:
    """``"inclusion"``, ``"consistency"`` or ``"receipt"`` (a published-result receipt)."""
    fmt = obj.get("format")
    if fmt == PROOF_FORMAT:
        return "inclusion"
    if fmt == CONSISTENCY_FORMAT:
        return "consistency"
    if fmt == "citynexus-result-receipt/1":
        return "receipt"
    raise LedgerError(f"unknown proof file format {fmt!r}")


# --------------------------------------------------------------------------- key rotation


def rotation_statement(origin: str, old_vkey: str, new_vkey: str) -> bytes:
    """The text both keys sign when checkpoint signing moves from ``old`` to ``new``."""
    return f"citynexus ledger key rotation\n{origin}\nold {old_vkey}\nnew {new_vkey}\n".encode()


def verify_key_rotation(payload: dict[str, Any], trusted_old: Verifier) -> Verifier:
    """Given a ``key.rotation`` entry's payload and the old key you trust, check both
    signatures over the rotation statement and return the new key to trust."""
    try:
        old = Verifier.parse(payload["old"])
        new = Verifier.parse(payload["new"])
        sig_old = base64.b64decode(payload["signature_old"], validate=True)
        sig_new = base64.b64decode(payload["signature_new"], validate=True)
        origin = payload["origin"]
    except (KeyError, TypeError, binascii.Error) as err:
        raise CheckpointError(f"not a key rotation statement: {err}") from err
    if old != trusted_old:
        raise CheckpointError(f"the rotation hands over from key {old.name!r}, which is not the key you trust")
    stmt = rotation_statement(origin, old.vkey, new.vkey)
    if not old.verify(stmt, sig_old):
        raise CheckpointError("the old key's signature on the rotation statement does not verify")
    if not new.verify(stmt, sig_new):
        raise CheckpointError("the new key's signature on the rotation statement does not verify")
    return new


__all__ = [
    "CONSISTENCY_FORMAT",
    "PROOF_FORMAT",
    "VerifiedEntry",
    "consistency_bundle",
    "detect_bundle",
    "parse_checkpoint",
    "rotation_statement",
    "verify_bundle",
    "verify_consistency_bundle",
    "verify_key_rotation",
]
