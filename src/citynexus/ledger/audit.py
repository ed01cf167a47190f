"""Audit (审计): recompute the log from its stored entries and compare with everything stored
and signed.

Checks, streaming the log in aligned chunks (memory ``O(chunk + n / chunk)``):

1. **entries** — indices are contiguous ``0..size-1``; each entry's stored bytes are a
   canonical entry (RFC 8785) whose query columns (type, submitter, time) agree; the leaf
   hash recomputed from the bytes equals the stored level-0 node. A mismatch names the
   entry: its data was changed after it was logged;
2. **hash tree** — every stored node is ``HASH(0x01 || left || right)`` of its stored
   children, no node is missing or extra, and the stored head root is the root of the
   stored tree;
3. **checkpoints** — each signed checkpoint's signature verifies (with the public keys
   given, else the keys recorded in the database), its origin is the log's, and its root
   equals the root *recomputed from the entries* at its size. If all stored hashes were
   rewritten to match altered entries, this is where it shows: the altered entry lies
   between the last checkpoint that still matches and the first that does not;
4. **consistency** — successive checkpoints are append-only extensions of each other
   (RFC 9162 consistency proof from the stored tree, verified against both signed roots);
5. **indices** — the trace and published-result lookup tables agree with the entries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select

from citynexus.ledger import merkle
from citynexus.ledger.canonical import canonical_json
from citynexus.ledger.checkpoint import Checkpoint, Verifier, parse_checkpoint, verify_checkpoint
from citynexus.ledger.entry import Entry, as_bytes, published_digests, trace_items
from citynexus.ledger.errors import CityNexusError, EntryError
from citynexus.ledger.log import Ledger
from citynexus.store import session_scope
from citynexus.store.ledger import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerNode, LedgerPublished, LedgerTrace

CHUNK_LEVEL = 14
MAX_PROBLEMS = 200


@dataclass(frozen=True)
class AuditProblem:
    """One finding: ``kind`` (entry, node, head, checkpoint, consistency, index), a
    message, the entry concerned when it is known exactly (``entry``), or else the range of
    entries ``(first, last)`` that must contain the change (``span``)."""

    kind: str
    message: str
    entry: int | None = None
    span: tuple[int, int] | None = None


@dataclass
class AuditReport:
    """Result of :func:`audit`; ``ok`` is True when nothing was found."""

    size: int
    root: bytes
    entries_checked: int = 0
    nodes_checked: int = 0
    checkpoints_checked: int = 0
    keys_from: str = "given"
    problems: list[AuditProblem] = field(default_factory=list)
    dropped: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_tampered_entry(self) -> int | None:
        """Smallest entry index that a problem names exactly (its data was changed, or it
        is missing); None when no problem pins down one entry (see :attr:`suspect_span`)."""
        idx = [p.entry for p in self.problems if p.entry is not None]
        return min(idx) if idx else None

    @property
    def suspect_span(self) -> tuple[int, int] | None:
        """The narrowest entry range ``(first, last)`` known to contain a change, from
        altered tree nodes or checkpoints that no longer match; None if there is none."""
        spans = [p.span for p in self.problems if p.span is not None]
        if not spans:
            return None
        return min(spans, key=lambda sp: (sp[1] - sp[0], sp[0]))

    def add(self, kind: str, message: str, entry: int | None = None, span: tuple[int, int] | None = None) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(AuditProblem(kind, message, entry, span))
        else:
            self.dropped += 1


def _chunk_nodes(s, a: int, b: int, max_level: int) -> dict[merkle.NodeId, bytes]:
    cond = or_(
        *(
            and_(LedgerNode.level == lv, LedgerNode.idx >= (a >> lv), LedgerNode.idx < (b >> lv))
            for lv in range(max_level + 1)
        )
    )
    rows = s.execute(select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).where(cond)).all()
    return {(r[0], r[1]): as_bytes(r[2]) for r in rows}


def _check_internal(nodes: dict[merkle.NodeId, bytes], levels: range, report: AuditReport) -> None:
    """Each stored node at ``levels`` must hash its two stored children."""
    for (lv, i), h in sorted(nodes.items()):
        if lv not in levels or lv == 0:
            continue
        left, right = nodes.get((lv - 1, 2 * i)), nodes.get((lv - 1, 2 * i + 1))
        if left is None or right is None:
            continue  # reported as missing
        if merkle.node_hash(left, right) != h:
            a, b = i << lv, (i + 1) << lv
            report.add(
                "node",
                f"stored tree node (level {lv}, index {i}) over entries {a}..{b - 1} does not match its children: "
                "the hash tree was altered",
                span=(a, b - 1),
            )


def _span(lv: int, i: int) -> tuple[int, int]:
    return (i << lv, ((i + 1) << lv) - 1)


def _expected_ids(a: int, b: int, lv: int) -> range:
    return range(a >> lv, b >> lv)


def audit(
    ledger: Ledger,
    verifiers: Sequence[Verifier] | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunk_level: int = CHUNK_LEVEL,
) -> AuditReport:
    """Audit the whole log (see the module docstring). ``verifiers`` are the public keys
    you trust for checkpoints; without them the keys recorded in the database are used
    (which an attacker with database access could also replace — say so in reports)."""
    eng = ledger.engine
    with session_scope(eng) as s:
        head = s.get(LedgerHead, 1)
        if head is None:
            ledger._head_row(s)
        size, stored_root, origin = head.size, bytes(head.root), head.origin
        notes = s.execute(select(LedgerCheckpoint.id, LedgerCheckpoint.note).order_by(LedgerCheckpoint.id)).all()
        n_entries, max_idx = s.execute(select(func.count(), func.max(LedgerEntry.idx))).one()
    report = AuditReport(size=size, root=stored_root)
    if verifiers is None:
        verifiers = ledger.known_keys()
        report.keys_from = "database"
    if n_entries != size or (size and max_idx != size - 1):
        report.add(
            "entry",
            f"the log's head says {size} entries but the table holds {n_entries} (largest index {max_idx})",
            None,
        )

    cps: list[tuple[int, Checkpoint | None, str]] = []
    for cid, note in notes:
        try:
            cps.append((cid, parse_checkpoint(note), note))
        except CityNexusError as err:
            report.add("checkpoint", f"checkpoint #{cid} cannot be read: {err}")
            cps.append((cid, None, note))
    wanted_sizes = {cp.size for _, cp, _ in cps if cp is not None and cp.size <= size}
    recomputed: dict[int, bytes] = {0: merkle.EMPTY_ROOT} if 0 in wanted_sizes else {}

    cr = merkle.CompactRange()
    chunk = 1 << chunk_level
    upper: dict[merkle.NodeId, bytes] = {}
    exp_trace: set[tuple[str, int]] = set()
    exp_pub: set[tuple[str, int]] = set()
    for a in range(0, size, chunk):
        b = min(size, a + chunk)
        with session_scope(eng) as s:
            rows = s.execute(
                select(LedgerEntry.idx, LedgerEntry.type, LedgerEntry.submitter, LedgerEntry.time, LedgerEntry.data)
                .where(LedgerEntry.idx >= a, LedgerEntry.idx < b)
                .order_by(LedgerEntry.idx)
            ).all()
            stored = _chunk_nodes(s, a, b, chunk_level)
        by_idx = {r[0]: r for r in rows}
        for idx in range(a, b):
            r = by_idx.get(idx)
            if r is None:
                report.add("entry", f"entry {idx} is missing from the table", idx)
                lh = stored.get((0, idx), merkle.EMPTY_ROOT)
            else:
                data = as_bytes(r[4])
                lh = merkle.leaf_hash(data)
                try:
                    e = Entry.from_data(idx, data)
                    if canonical_json(e.as_json()) != data:
                        report.add("entry", f"entry {idx}: stored bytes are not canonical JSON (RFC 8785)", idx)
                    if (e.type, e.submitter, e.time) != (r[1], r[2], r[3]):
                        report.add(
                            "entry", f"entry {idx}: the type/submitter/time columns disagree with the entry data", idx
                        )
                    exp_trace.update((it, idx) for it in trace_items(e.type, e.payload))
                    exp_pub.update((d, idx) for d in published_digests(e.type, e.payload))
                except EntryError as err:
                    report.add("entry", str(err), idx)
                sh = stored.get((0, idx))
                if sh is not None and sh != lh:
                    report.add(
                        "entry",
                        f"entry {idx} was altered: its stored data no longer hashes to the leaf hash recorded "
                        "when it was logged",
                        idx,
                    )
            cr.append(lh)
            if cr.size in wanted_sizes:
                recomputed[cr.size] = cr.root()
            report.entries_checked += 1
        # node set and internal consistency within the chunk
        for lv in range(chunk_level + 1):
            for i in _expected_ids(a, b, lv):
                if (lv, i) not in stored:
                    report.add("node", f"stored tree node (level {lv}, index {i}) is missing", span=_span(lv, i))
        _check_internal(stored, range(1, chunk_level + 1), report)
        report.nodes_checked += len(stored)
        upper.update({nid: h for nid, h in stored.items() if nid[0] == chunk_level})
        if progress:
            progress(b, size)

    # levels above the chunk
    with session_scope(eng) as s:
        rows = s.execute(
            select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).where(LedgerNode.level > chunk_level)
        ).all()
        total_nodes = s.execute(select(func.count()).select_from(LedgerNode)).scalar_one()
        stored_trace = set(s.execute(select(LedgerTrace.item, LedgerTrace.entry_idx)).all())
        stored_pub = set(s.execute(select(LedgerPublished.digest, LedgerPublished.entry_idx)).all())
    for lv, i, h in rows:
        upper[(lv, i)] = as_bytes(h)
    report.nodes_checked += len(rows)
    top = max(size.bit_length(), chunk_level + 1)
    for lv in range(chunk_level + 1, top + 1):
        for i in range(size >> lv):
            if (lv, i) not in upper:
                report.add("node", f"stored tree node (level {lv}, index {i}) is missing", span=_span(lv, i))
    _check_internal(upper, range(chunk_level + 1, top + 1), report)
    expected_total = 2 * size - bin(size).count("1")
    if total_nodes != expected_total:
        report.add("node", f"the node table holds {total_nodes} rows; a tree of {size} entries has {expected_total}")

    # head root: stored tree vs head row vs recomputed from entries
    try:
        tree_root = ledger.root_at(size)
    except CityNexusError as err:
        tree_root = None
        report.add("head", f"cannot compute the root of the stored tree: {err}")
    data_root = cr.root()
    if tree_root is not None and tree_root != stored_root:
        report.add("head", "the stored head root is not the root of the stored hash tree")
    if data_root != stored_root and report.first_tampered_entry is None and report.suspect_span is None:
        report.add("head", "the root recomputed from the entries differs from the stored head root")

    # checkpoints: signature, origin, root at size, consistency with the previous one
    prev: Checkpoint | None = None
    sig_ok: dict[int, bool] = {}
    for cid, cp, note in cps:
        if cp is None:
            continue
        try:
            verify_checkpoint(note, verifiers)
            sig_ok[cid] = True
        except CityNexusError as err:
            sig_ok[cid] = False
            report.add("checkpoint", f"checkpoint #{cid} (size {cp.size}): {err}")
    # sizes at which a validly signed checkpoint still matches the entries
    ok_sizes = [cp.size for cid, cp, _ in cps if cp is not None and sig_ok[cid] and recomputed.get(cp.size) == cp.root]
    for cid, cp, _note in cps:
        if cp is None:
            continue
        report.checkpoints_checked += 1
        if cp.origin != origin:
            report.add("checkpoint", f"checkpoint #{cid} names log {cp.origin!r}, this log is {origin!r}")
        if cp.size > size:
            report.add("checkpoint", f"checkpoint #{cid} has size {cp.size} but the log holds only {size} entries")
        elif recomputed.get(cp.size) != cp.root:
            if any(s >= cp.size for s in ok_sizes):
                report.add(
                    "checkpoint",
                    f"checkpoint #{cid} (size {cp.size}) signs a root that is not this log's, while a later signed "
                    "checkpoint matches the entries: two different histories were signed (a fork)",
                )
            else:
                lower = max((s for s in ok_sizes if s < cp.size), default=0)
                report.add(
                    "checkpoint",
                    f"checkpoint #{cid} (size {cp.size}) no longer matches the entries: an entry with index in "
                    f"{lower}..{cp.size - 1} was changed after it was signed",
                    span=(lower, cp.size - 1),
                )
        if prev is not None:
            if cp.size < prev.size:
                report.add(
                    "consistency", f"checkpoint #{cid} has size {cp.size}, smaller than the previous {prev.size}"
                )
            elif prev.size > 0 and cp.size <= size:
                try:
                    proof = ledger.consistency_proof(prev.size, cp.size)
                    merkle.verify_consistency(prev.size, cp.size, proof, prev.root, cp.root)
                except CityNexusError as err:
                    report.add(
                        "consistency",
                        f"checkpoints of sizes {prev.size} and {cp.size} are not consistent (history rewritten?): "
                        f"{err}",
                    )
        prev = cp

    for item, idx in sorted(exp_trace - stored_trace)[:5]:
        report.add("index", f"trace index lacks entry {idx} of item {item!r}", idx)
    for item, idx in sorted(stored_trace - exp_trace)[:5]:
        report.add("index", f"trace index links item {item!r} to entry {idx}, which is not an event of it", idx)
    for d, idx in sorted(exp_pub ^ stored_pub)[:5]:
        report.add("index", f"published-result index disagrees with entry {idx} ({d})", idx)
    return report
