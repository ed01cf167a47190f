"""Errors of the verifiable ledger (可验证账本).

Every error derives from :class:`citynexus.errors.CityNexusError`; the message says what
failed, where, and what to do about it.
"""

from __future__ import annotations

from citynexus.errors import CityNexusError


class LedgerError(CityNexusError):
    """Root of the ledger's errors: a log, entry, key or checkpoint cannot be used."""


class ProofError(LedgerError):
    """A Merkle inclusion or consistency proof does not verify (or is malformed)."""


class EntryError(LedgerError):
    """An entry to append is not acceptable (not JSON, missing type, not canonicalisable)."""


class CheckpointError(LedgerError):
    """A checkpoint (signed tree head) is malformed or its signature does not verify."""


class LedgerKeyError(LedgerError):
    """A signing or verification key is malformed, missing or unknown."""


class TamperError(LedgerError):
    """The stored log no longer matches itself or its signed checkpoints."""


class ForkError(TamperError):
    """The log's current tree does not extend a checkpoint already signed (a fork or a
    rewritten history); signing it, or proving against it, would certify two histories."""


class TraceError(LedgerError):
    """A traceability item or event is inconsistent (unknown item, bad event chain)."""


__all__ = [
    "CheckpointError",
    "EntryError",
    "ForkError",
    "LedgerError",
    "LedgerKeyError",
    "ProofError",
    "TamperError",
    "TraceError",
]
