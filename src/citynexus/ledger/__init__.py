"""Verifiable ledger (可验证账本): an RFC 9162 Merkle log on the store, signed checkpoints,
proofs anyone can check, traceability and published-result receipts.

Main entry points::

    from citynexus.ledger import Ledger, generate_key, audit, trace, publish_result, verify_result

    led = Ledger.init(url)                               # once per database
    led.append_many([{"type": "kpi.report", "payload": {...}}], submitter="SZ")
    key = generate_key("gba-ledger-2025")
    cp = led.checkpoint(key)                             # signed tree head
    bundle = led.prove(0)                                # entry + proof + checkpoint
    verify_bundle(bundle, [key.verifier])                # no database needed
    audit(led).ok

See ``docs/ledger.md``.
"""

from __future__ import annotations

from citynexus.ledger.audit import AuditProblem, AuditReport, audit
from citynexus.ledger.canonical import canonical_json, digest
from citynexus.ledger.checkpoint import (
    Checkpoint,
    Signer,
    Verifier,
    generate_key,
    parse_checkpoint,
    read_signer,
    read_verifiers,
    sign_checkpoint,
    verify_checkpoint,
    write_key_files,
)
from citynexus.ledger.entry import Entry
from citynexus.ledger.errors import (
    CheckpointError,
    EntryError,
    LedgerError,
    LedgerKeyError,
    ProofError,
    TamperError,
    TraceError,
)
from citynexus.ledger.log import Ledger
from citynexus.ledger.publish import Publication, publish_result, result_digests, verify_result
from citynexus.ledger.trace import Trace, record_event, record_events, trace
from citynexus.ledger.verify import VerifiedEntry, verify_bundle, verify_consistency_bundle, verify_key_rotation

__all__ = [
    "AuditProblem",
    "AuditReport",
    "Checkpoint",
    "CheckpointError",
    "Entry",
    "EntryError",
    "Ledger",
    "LedgerError",
    "LedgerKeyError",
    "ProofError",
    "Publication",
    "Signer",
    "TamperError",
    "Trace",
    "TraceError",
    "VerifiedEntry",
    "Verifier",
    "audit",
    "canonical_json",
    "digest",
    "generate_key",
    "parse_checkpoint",
    "publish_result",
    "read_signer",
    "read_verifiers",
    "record_event",
    "record_events",
    "result_digests",
    "sign_checkpoint",
    "trace",
    "verify_bundle",
    "verify_checkpoint",
    "verify_consistency_bundle",
    "verify_key_rotation",
    "verify_result",
    "write_key_files",
]
