"""Verify the ledger inside a database backup before it is restored (备份中账本的验证).

:func:`verify_backup` recomputes the RFC 9162 tree from the backup's entries and checks,
without any database:

1. entries are ``0..size-1``, each a canonical entry (RFC 8785) whose query columns agree;
2. the stored tree nodes are exactly the nodes recomputed from the entries (a changed
   entry names itself: its leaf no longer matches);
3. the head's size and root are those of the recomputed tree;
4. the trace and published-result lookup tables are those derived from the entries;
5. every checkpoint's root equals the recomputed root at its size, and its signature
   verifies with the pinned keys (``CITYNEXUS_LEDGER_TRUST`` or ``trusted``) — or, without
   pinned keys, with the keys recorded in the backup itself (weaker: reported so).

Any failure raises :class:`~citynexus.ledger.errors.TamperError` naming the entry,
node or checkpoint, and the restore writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from citynexus.ledger import merkle
from citynexus.ledger.canonical import canonical_json
from citynexus.ledger.checkpoint import Verifier, parse_checkpoint, verify_checkpoint
from citynexus.ledger.entry import Entry, as_bytes, published_digests, trace_items
from citynexus.ledger.errors import CityNexusError, TamperError


@dataclass(frozen=True)
class BackupLedgerReport:
    """What :func:`verify_backup` checked."""

    present: bool
    size: int = 0
    checkpoints: int = 0
    keys_from: str = "none"

    def summary(self) -> str:
        if not self.present:
            return "the backup holds no ledger"
        return (
            f"ledger verified: {self.size} entries recomputed, {self.checkpoints} signed checkpoint(s) match "
            f"(keys: {self.keys_from})"
        )


def verify_backup(doc: dict[str, Any], trusted: Sequence[Verifier] | None = None) -> BackupLedgerReport:
    """Check the ledger tables of a backup document (see the module docstring)."""
    from citynexus.ledger.trust import trusted_keys
    from citynexus.store.backup import rows_of

    heads = rows_of(doc, "ledger_head")
    if not heads:
        return BackupLedgerReport(False)
    head = heads[0]
    entries = sorted(rows_of(doc, "ledger_entry"), key=lambda r: r["idx"])
    if [r["idx"] for r in entries] != list(range(len(entries))):
        raise TamperError("backup: the ledger's entries are not numbered 0..n-1 without gaps; refusing to restore")
    stored_nodes = {(r["level"], r["idx"]): as_bytes(r["hash"]) for r in rows_of(doc, "ledger_node")}
    cps = [parse_checkpoint(r["note"]) for r in sorted(rows_of(doc, "ledger_checkpoint"), key=lambda r: r["id"])]
    wanted_sizes = {cp.size for cp in cps}
    roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
    cr = merkle.CompactRange()
    computed: dict[tuple[int, int], bytes] = {}
    trace_pairs: list[tuple[int, str]] = []
    pub_pairs: list[tuple[int, str]] = []
    for r in entries:
        i, data = r["idx"], as_bytes(r["data"])
        try:
            e = Entry.from_data(i, data)
            if canonical_json(e.as_json()) != data:
                raise TamperError(f"backup: entry {i} is not canonical JSON")
        except CityNexusError as err:
            raise TamperError(f"backup: entry {i} was altered ({err}); refusing to restore") from err
        trace_pairs.extend((i, item) for item in trace_items(e.type, e.payload))
        pub_pairs.extend((i, d) for d in published_digests(e.type, e.payload))
        if (e.type, e.submitter, e.time) != (r["type"], r["submitter"], r["time"]):
            raise TamperError(f"backup: entry {i}'s type/submitter/time columns disagree with its data")
        for level, idx, h in cr.append(merkle.leaf_hash(data)):
            computed[(level, idx)] = h
        if stored_nodes.get((0, i)) != computed[(0, i)]:
            raise TamperError(f"backup: entry {i} does not match its stored leaf hash: it was altered; refusing")
        if cr.size in wanted_sizes:
            roots[cr.size] = cr.root()
    if computed != stored_nodes:
        bad = sorted(set(computed.items()) ^ set(stored_nodes.items()))[:3]
        raise TamperError(f"backup: the stored hash tree differs from the entries (nodes {[b[0] for b in bad]})")
    want_trace = {(item, e_idx) for e_idx, item in trace_pairs}
    have_trace = {(r["item"], r["entry_idx"]) for r in rows_of(doc, "ledger_trace")}
    want_pub = {(d, e_idx) for e_idx, d in pub_pairs}
    have_pub = {(r["digest"], r["entry_idx"]) for r in rows_of(doc, "ledger_published")}
    if want_trace != have_trace or want_pub != have_pub:
        raise TamperError(
            "backup: the ledger's trace / published-result lookup tables do not agree with its entries; refusing"
        )
    if head["size"] != cr.size or as_bytes(head["root"]) != cr.root():
        raise TamperError(f"backup: the ledger head (size {head['size']}) is not the tree of its {cr.size} entries")
    keys = list(trusted) if trusted else trusted_keys()
    keys_from = "pinned"
    if not keys:
        keys = [Verifier.parse(r["vkey"]) for r in rows_of(doc, "ledger_key")]
        keys_from = "recorded in the backup (no pinned key configured)"
    for n, cp in enumerate(cps, start=1):
        if cp.origin != head["origin"]:
            raise TamperError(f"backup: checkpoint #{n} is for log {cp.origin!r}, not {head['origin']!r}")
        if cp.size not in roots:
            raise TamperError(f"backup: checkpoint #{n} covers {cp.size} entries; the backup holds {cr.size}")
        if roots[cp.size] != cp.root:
            raise TamperError(
                f"backup: checkpoint #{n} (size {cp.size}, signed at {cp.time}) does not match the entries: the "
                "history was rewritten; refusing to restore"
            )
        try:
            verify_checkpoint(cp.note, keys, origin=head["origin"])
        except CityNexusError as err:
            raise TamperError(f"backup: checkpoint #{n} (size {cp.size}): {err}; refusing to restore") from err
    return BackupLedgerReport(True, cr.size, len(cps), keys_from if cps else "none (no checkpoint)")
