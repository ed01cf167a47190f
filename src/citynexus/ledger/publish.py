"""Published results (发布结果存证): record a result file's digests on the log and prove
later that a file is the one published.

:func:`publish_result` reads any JSON result file (for instance the ``result.json`` of
``citynexus index build``) and appends a ``result.published`` entry whose payload is::

    {"result_digest":  "sha256:<hex>",   # canonical JSON (RFC 8785) of the whole file
     "outputs_digest": "sha256:<hex>",   # the same without its "provenance" member
     "inputs_digest":  "...",            # from provenance, when present (see below)
     "spec_digest":    "...",
     "provenance":     {...},            # the file's "provenance" object, verbatim
     "name": "result.json", "note": "..."}

Digests are over canonical JSON, so re-indenting or re-ordering the keys of the file does
not change them, while any change of a value does. ``inputs_digest``/``spec_digest`` are
taken from the arguments, else from the provenance keys ``inputs_digest``, ``data_digest``,
``dataset_digest`` and ``spec_digest`` when they hold strings.

:func:`verify_result` recomputes the digest and proves the matching entry: offline from a
*receipt* (written next to the result by ``publish_result(..., receipt_path=...)``) plus the
public key, or from the database.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from citynexus.ledger.canonical import digest
from citynexus.ledger.checkpoint import Signer, Verifier
from citynexus.ledger.entry import Entry
from citynexus.ledger.errors import LedgerError, ProofError
from citynexus.ledger.log import Ledger
from citynexus.ledger.verify import VerifiedEntry, load_json, verify_bundle
from citynexus.store import session_scope
from citynexus.store.ledger import LedgerPublished

ENTRY_TYPE = "result.published"
RECEIPT_FORMAT = "citynexus-result-receipt/1"
_INPUT_KEYS = ("inputs_digest", "data_digest", "dataset_digest", "input_digest")
_SPEC_KEYS = ("spec_digest",)


def result_digests(result: dict[str, Any]) -> dict[str, Any]:
    """The digests :func:`publish_result` records for a result object."""
    out: dict[str, Any] = {"result_digest": digest(result)}
    prov = result.get("provenance")
    out["outputs_digest"] = digest({k: v for k, v in result.items() if k != "provenance"})
    if isinstance(prov, dict):
        out["provenance"] = prov
        for key, names in (("inputs_digest", _INPUT_KEYS), ("spec_digest", _SPEC_KEYS)):
            for n in names:
                if isinstance(prov.get(n), str):
                    out[key] = prov[n]
                    break
    return out


@dataclass(frozen=True)
class Publication:
    """What :func:`publish_result` did: the entry, and the receipt if one was made."""

    entry: Entry
    receipt: dict[str, Any] | None
    receipt_path: Path | None


def publish_result(
    result: Path | str | dict[str, Any],
    ledger: Ledger | None = None,
    *,
    db_url: str | None = None,
    submitter: str = "citynexus",
    signer: Signer | Sequence[Signer] | None = None,
    receipt_path: Path | str | None = None,
    inputs_digest: str | None = None,
    spec_digest: str | None = None,
    note: str | None = None,
) -> Publication:
    """Append the digests of a result (a JSON file path or an already-loaded object) to
    the log. With ``signer``, also sign a checkpoint at once and build a receipt — a proof
    bundle anyone can check offline with the public key — written to ``receipt_path`` when
    given (suggested: ``result.json.receipt.json``)."""
    if receipt_path is not None and signer is None:
        raise LedgerError("a receipt needs a signed checkpoint: pass signer= (the ledger signing key)")
    led = ledger or Ledger(db_url)
    obj = load_json(result)
    payload = result_digests(obj)
    if inputs_digest:
        payload["inputs_digest"] = inputs_digest
    if spec_digest:
        payload["spec_digest"] = spec_digest
    if not isinstance(result, dict):
        payload["name"] = Path(result).name
    if note:
        payload["note"] = note
    entry = led.append(ENTRY_TYPE, payload, submitter)
    receipt = None
    out_path = None
    if signer is not None:
        led.checkpoint(signer)
        receipt = dict(led.prove(entry.index))
        receipt["format"] = RECEIPT_FORMAT
        if receipt_path is not None:
            import json

            out_path = Path(receipt_path)
            out_path.write_text(json.dumps(receipt, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return Publication(entry, receipt, out_path)


def _as_bundle(receipt: dict[str, Any]) -> dict[str, Any]:
    from citynexus.ledger.verify import PROOF_FORMAT

    if receipt.get("format") != RECEIPT_FORMAT:
        raise ProofError(f"not a result receipt (format {receipt.get('format')!r}, expected {RECEIPT_FORMAT!r})")
    return {**receipt, "format": PROOF_FORMAT}


def verify_result(
    path: Path | str | dict[str, Any],
    *,
    receipt: Path | str | dict[str, Any] | None = None,
    ledger: Ledger | None = None,
    db_url: str | None = None,
    verifiers: Sequence[Verifier] | None = None,
) -> VerifiedEntry:
    """Prove that the result file at ``path`` is one that was published.

    Offline (``receipt`` given): the receipt's entry must record this file's canonical
    digest and its inclusion proof must verify against its checkpoint signed by one of
    ``verifiers``. Online (no receipt): the database is searched for an entry with this
    digest; it is proved against the newest checkpoint covering it, with ``verifiers`` or
    else the keys recorded in the database. Raises ProofError (not published, or proof
    fails); returns the verified entry.
    """
    obj = load_json(path)
    want = digest(obj)
    if receipt is not None:
        bundle = _as_bundle(load_json(receipt))
        ent = bundle.get("entry") or {}
        if ent.get("type") != ENTRY_TYPE or (ent.get("payload") or {}).get("result_digest") != want:
            raise ProofError(
                f"this file's digest {want} is not the one recorded in the receipt "
                f"({(ent.get('payload') or {}).get('result_digest')}): the file was changed after publication "
                "or the receipt belongs to another result"
            )
        return verify_bundle(bundle, verifiers or ())
    led = ledger or Ledger(db_url)
    with session_scope(led.engine) as s:
        idxs = (
            s.execute(
                select(LedgerPublished.entry_idx)
                .where(LedgerPublished.digest == want)
                .order_by(LedgerPublished.entry_idx)
            )
            .scalars()
            .all()
        )
    if not idxs:
        raise ProofError(f"no published result has digest {want}: this file was never published or was changed since")
    idx = idxs[0]
    entry = led.entry(idx)
    if entry.type != ENTRY_TYPE or entry.payload.get("result_digest") != want:
        raise ProofError(f"entry {idx} does not record digest {want} (the lookup table was altered; run ledger audit)")
    keys = list(verifiers) if verifiers else led.known_keys()
    bundle = led.prove(idx)
    return verify_bundle(bundle, keys)


def receipt_summary(v: VerifiedEntry) -> dict[str, Any]:
    """A short JSON summary of a verified publication."""
    p = v.entry.get("payload", {})
    return {
        "index": v.index,
        "tree_size": v.tree_size,
        "root": base64.b64encode(v.root).decode(),
        "signed": v.signed,
        "result_digest": p.get("result_digest"),
        "published": v.entry.get("time"),
        "submitter": v.entry.get("submitter"),
    }
