"""The persistent, append-only Merkle log on the store (持久化只追加默克尔日志).

Each entry is the RFC 8785 canonical JSON of ``{"type", "payload", "submitter", "time"}``;
those bytes are the leaf data of an RFC 9162 tree. Every perfect subtree hash is stored
(``ledger_node``), so the root at any size and any inclusion or consistency proof needs
``O(log n)`` node reads. An append (one entry or a batch) is one transaction: entries,
new nodes and the new head are written together or not at all, so a process killed in the
middle of a batch leaves the log exactly as it was before that batch.

Appends are serialised by first bumping ``ledger_head.version`` (SQLite's write lock, or
PostgreSQL's row lock), then reading the head.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from citynexus.ledger import merkle
from citynexus.ledger.checkpoint import Checkpoint, Signer, Verifier, sign_checkpoint
from citynexus.ledger.entry import (
    Entry,
    as_bytes,
    entry_data,
    normalise_records,
    now_iso,
    published_digests,
    trace_items,
)
from citynexus.ledger.errors import EntryError, LedgerError, ProofError, TamperError
from citynexus.ledger.verify import PROOF_FORMAT
from citynexus.store import get_engine, session_scope
from citynexus.store.ledger import (
    LedgerCheckpoint,
    LedgerEntry,
    LedgerHead,
    LedgerKey,
    LedgerNode,
    LedgerPublished,
    LedgerTrace,
)


class Ledger:
    """The append-only log stored in the database at ``url`` (default
    :func:`citynexus.store.default_url`). Create it once with :meth:`init`."""

    def __init__(self, url: str | None = None):
        self.url = url
        self.engine = get_engine(url)

    # ------------------------------------------------------------------ setup and head

    @classmethod
    def init(cls, url: str | None = None, origin: str | None = None, exist_ok: bool = False) -> Ledger:
        """Create the log (empty tree) in the database; ``origin`` names the log in its
        checkpoints (default ``citynexus/ledger/<random id>``)."""
        led = cls(url)
        origin = origin or f"citynexus/ledger/{uuid.uuid4().hex}"
        if "\n" in origin or not origin.strip() or len(origin) > 200:
            raise LedgerError(f"origin {origin!r} must be one non-empty line of at most 200 characters")
        try:
            with session_scope(led.engine) as s:
                if s.get(LedgerHead, 1) is not None:
                    if exist_ok:
                        return led
                    raise LedgerError("this database already holds a ledger; use it as it is (no need to init)")
                s.add(LedgerHead(id=1, size=0, root=merkle.EMPTY_ROOT, origin=origin, created=now_iso(), version=0))
        except IntegrityError as err:  # a concurrent init
            if not exist_ok:
                raise LedgerError("this database already holds a ledger") from err
        return led

    def _head_row(self, s: Session) -> LedgerHead:
        head = s.get(LedgerHead, 1)
        if head is None:
            raise LedgerError("this database holds no ledger yet; create one with 'citynexus ledger init'")
        return head

    def head(self) -> Checkpoint:
        """The current (unsigned) tree head."""
        with session_scope(self.engine) as s:
            h = self._head_row(s)
            return Checkpoint(h.origin, h.size, h.root, now_iso()[:19] + "Z")

    @property
    def origin(self) -> str:
        return self.head().origin

    @property
    def size(self) -> int:
        return self.head().size

    # ------------------------------------------------------------------ nodes

    @staticmethod
    def _fetch_nodes(s: Session, ids: Iterable[merkle.NodeId]) -> dict[merkle.NodeId, bytes]:
        by_level: dict[int, set[int]] = {}
        for level, idx in ids:
            by_level.setdefault(level, set()).add(idx)
        if not by_level:
            return {}
        cond = or_(*(and_(LedgerNode.level == lv, LedgerNode.idx.in_(sorted(ix))) for lv, ix in by_level.items()))
        rows = s.execute(select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).where(cond)).all()
        got = {(r[0], r[1]): as_bytes(r[2]) for r in rows}
        missing = [(lv, i) for lv, ix in by_level.items() for i in ix if (lv, i) not in got]
        if missing:
            raise TamperError(
                f"the stored tree lacks node(s) {sorted(missing)[:5]}; the database was altered — run "
                "'citynexus ledger audit'"
            )
        return got

    def _compact_range(self, s: Session, size: int) -> merkle.CompactRange:
        ids = merkle.CompactRange.node_ids(size)
        nodes = self._fetch_nodes(s, ids)
        return merkle.CompactRange(size, [nodes[i] for i in ids])

    # ------------------------------------------------------------------ append

    def append(self, type: str, payload: Any, submitter: str) -> Entry:
        """Append one entry; returns it with its index."""
        return self.append_many([{"type": type, "payload": payload, "submitter": submitter}])[0]

    def append_many(
        self,
        records: Iterable[Mapping[str, Any]],
        submitter: str | None = None,
        time: str | None = None,
        check: Callable[[Session, list[tuple[str, Any, str]]], None] | None = None,
    ) -> list[Entry]:
        """Append a batch of records ``{"type", "payload", ["submitter"]}`` in ONE
        transaction: all are stored, with their tree nodes and the new head, or none.

        ``check(session, triples)`` runs after the write lock is taken and may raise to
        refuse the batch (used by traceability to validate event chains).
        """
        triples = normalise_records(records, submitter)
        if not triples:
            return []
        t = time or now_iso()
        with session_scope(self.engine) as s:
            res = s.execute(update(LedgerHead).where(LedgerHead.id == 1).values(version=LedgerHead.version + 1))
            if res.rowcount == 0:
                raise LedgerError("this database holds no ledger yet; create one with 'citynexus ledger init'")
            size = s.execute(select(LedgerHead.size).where(LedgerHead.id == 1)).scalar_one()
            if check is not None:
                check(s, triples)
            cr = self._compact_range(s, size)
            entry_rows, node_rows, trace_rows, pub_rows, out = [], [], [], [], []
            for j, (typ, payload, sub) in enumerate(triples):
                idx = size + j
                data = entry_data(typ, payload, sub, t)
                entry_rows.append({"idx": idx, "type": typ, "submitter": sub, "time": t, "data": data})
                for level, nidx, h in cr.append(merkle.leaf_hash(data)):
                    node_rows.append({"level": level, "idx": nidx, "hash": h})
                trace_rows.extend({"item": item, "entry_idx": idx} for item in trace_items(typ, payload))
                pub_rows.extend({"digest": d, "entry_idx": idx} for d in published_digests(typ, payload))
                out.append(Entry(idx, typ, payload, sub, t, data))
            s.execute(insert(LedgerEntry), entry_rows)
            s.execute(insert(LedgerNode), node_rows)
            if trace_rows:
                s.execute(insert(LedgerTrace), trace_rows)
            if pub_rows:
                s.execute(insert(LedgerPublished), pub_rows)
            s.execute(update(LedgerHead).where(LedgerHead.id == 1).values(size=cr.size, root=cr.root()))
        return out

    # ------------------------------------------------------------------ reading

    def entry(self, index: int) -> Entry:
        """Entry ``index`` as stored (EntryError if there is none)."""
        with session_scope(self.engine) as s:
            row = s.get(LedgerEntry, index)
            if row is None:
                size = self._head_row(s).size
                raise EntryError(f"no entry {index}: the log holds entries 0..{size - 1}")
            return Entry.from_data(index, as_bytes(row.data))

    def iter_entries(self, start: int = 0, end: int | None = None, chunk: int = 5000) -> Iterator[Entry]:
        """Entries ``start..end-1`` in order, read in chunks."""
        end = self.size if end is None else end
        pos = start
        while pos < end:
            stop = min(end, pos + chunk)
            with session_scope(self.engine) as s:
                rows = s.execute(
                    select(LedgerEntry.idx, LedgerEntry.data)
                    .where(LedgerEntry.idx >= pos, LedgerEntry.idx < stop)
                    .order_by(LedgerEntry.idx)
                ).all()
            for idx, data in rows:
                yield Entry.from_data(idx, as_bytes(data))
            pos = stop

    def find(self, type: str | None = None, limit: int = 100) -> list[Entry]:
        """The most recent entries (of ``type`` when given), newest first."""
        q = select(LedgerEntry.idx, LedgerEntry.data).order_by(LedgerEntry.idx.desc()).limit(limit)
        if type:
            q = q.where(LedgerEntry.type == type)
        with session_scope(self.engine) as s:
            return [Entry.from_data(i, as_bytes(d)) for i, d in s.execute(q).all()]

    def _resolve_size(self, s: Session, size: int | None) -> int:
        head = self._head_row(s).size
        if size is None:
            return head
        if not 0 <= size <= head:
            raise ProofError(f"tree size {size} is not available: the log holds {head} entries")
        return size

    def root_at(self, size: int | None = None) -> bytes:
        """Root hash of the tree of the first ``size`` entries (default: all), from
        ``O(log n)`` stored nodes."""
        with session_scope(self.engine) as s:
            size = self._resolve_size(s, size)
            ids = merkle.perfect_ranges(0, size)
            nodes = self._fetch_nodes(s, ids)
            return merkle.fold([nodes[i] for i in ids])

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 inclusion proof of entry ``index`` in the tree of ``size`` entries
        (default: all), from ``O(log n)`` stored nodes."""
        with session_scope(self.engine) as s:
            size = self._resolve_size(s, size)
            return self._proof(s, merkle.inclusion_ranges(index, size))

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """RFC 9162 consistency proof between tree sizes ``size1`` and ``size2``."""
        with session_scope(self.engine) as s:
            size2 = self._resolve_size(s, size2)
            if size1 == size2:
                return []
            return self._proof(s, merkle.consistency_ranges(size1, size2))

    def _proof(self, s: Session, ranges: list[tuple[int, int]]) -> list[bytes]:
        """The proof of the leaf ``ranges`` (one per proof step, from :func:`merkle.inclusion_ranges`
        or :func:`merkle.consistency_ranges`), folded from the ``O(log n)`` stored nodes they need."""
        steps = merkle.plan(ranges)
        return merkle.proof_from_nodes(steps, self._fetch_nodes(s, (n for st in steps for n in st)))

    # ------------------------------------------------------------------ checkpoints

    def checkpoint(
        self,
        signers: Signer | Sequence[Signer],
        time: str | None = None,
        trusted: Sequence[Verifier] = (),
        known: Sequence[str] = (),
    ) -> Checkpoint:
        """Sign the current tree head with ``signers`` and store the checkpoint.

        Never signs a fork (Certificate Transparency practice, RFC 9162 section 2.1.4): the
        newest stored checkpoint whose signature verifies with one of the signers' public
        keys (or one of ``trusted``) must be extended by the current tree — checked with an
        RFC 9162 consistency proof from the stored tree against that checkpoint's *signed*
        root — and the entries added since it must hash to the stored leaves. ``known`` are
        signed checkpoint notes kept *outside* the database (the CLI keeps the last one it
        signed beside the key): the tree must extend each of them too, so deleting the
        checkpoints from the database does not make a fork signable. Otherwise
        :class:`ForkError`, and nothing is signed or stored."""
        signers = [signers] if isinstance(signers, Signer) else list(signers)
        if not signers:
            raise LedgerError("signing a checkpoint needs at least one key")
        with session_scope(self.engine) as s:
            s.execute(update(LedgerHead).where(LedgerHead.id == 1).values(version=LedgerHead.version + 1))
            h = self._head_row(s)
            keys = [sg.verifier for sg in signers] + list(trusted)
            self._check_extends_signed(s, h, keys, known)
            cp = sign_checkpoint(h.origin, h.size, h.root, signers, time)
            first = signers[0].verifier
            s.add(LedgerCheckpoint.from_record(cp, key_name=first.name, key_id=first.key_id.hex()))
            for sg in signers:
                self._register_key(s, sg.verifier)
        return cp

    def _last_signed(self, s: Session, keys: Sequence[Verifier], origin: str) -> Checkpoint | None:
        """The newest stored checkpoint carrying a valid signature by one of ``keys``."""
        from citynexus.ledger.checkpoint import verify_checkpoint
        from citynexus.ledger.errors import CheckpointError, LedgerKeyError

        notes = s.execute(select(LedgerCheckpoint.note).order_by(LedgerCheckpoint.id.desc())).scalars()
        for note in notes:
            try:
                return verify_checkpoint(note, keys, origin=origin)
            except (CheckpointError, LedgerKeyError):
                continue
        return None

    def _check_extends_signed(
        self, s: Session, h: LedgerHead, keys: Sequence[Verifier], known: Sequence[str] = ()
    ) -> None:
        """ForkError unless the tree at the head extends the last checkpoint signed by ``keys``
        in the database and every checkpoint note in ``known`` (signed by ``keys``, same origin)."""
        from citynexus.ledger.checkpoint import verify_checkpoint
        from citynexus.ledger.errors import CheckpointError, ForkError

        head_root = as_bytes(h.root)
        tree_root = self._compact_range(s, h.size).root()
        if tree_root != head_root:
            raise ForkError(
                "the stored head root is not the root of the stored tree: the database was altered; nothing was "
                "signed — run 'citynexus ledger audit'"
            )
        candidates = []
        for note in known:
            try:
                candidates.append(verify_checkpoint(note, keys, origin=h.origin))
            except CheckpointError as err:
                if "is for log" in str(err):
                    continue  # a checkpoint of another log signed by the same key
                raise ForkError(f"the checkpoint kept outside the database does not verify: {err}") from err
        last_db = self._last_signed(s, keys, h.origin)
        if last_db is not None:
            candidates.append(last_db)
        for last in candidates:
            self._check_extends(s, h, head_root, last)

    def _check_extends(self, s: Session, h: LedgerHead, head_root: bytes, last: Checkpoint) -> None:
        from citynexus.ledger.errors import ForkError

        where = f"the checkpoint of size {last.size} signed at {last.time}"
        if h.size < last.size:
            raise ForkError(
                f"the log holds {h.size} entries but {where} covers {last.size}: entries were removed; refusing to "
                "sign a rolled-back log (nothing was signed) — restore the database from a backup"
            )
        try:
            proof = self._consistency_in(s, last.size, h.size)
            merkle.verify_consistency(last.size, h.size, proof, last.root, head_root)
        except (ProofError, TamperError) as err:
            raise ForkError(
                f"the current tree (size {h.size}) does not extend {where}: the history was rewritten, so signing "
                f"it would certify a fork; nothing was signed ({err}) — run 'citynexus ledger audit'"
            ) from err
        if h.size > last.size:  # the new leaves must be the stored entries
            rows = s.execute(
                select(LedgerEntry.idx, LedgerEntry.data).where(LedgerEntry.idx >= last.size).order_by(LedgerEntry.idx)
            ).all()
            leaves = self._fetch_nodes(s, [(0, i) for i in range(last.size, h.size)])
            if len(rows) != h.size - last.size:
                raise ForkError(f"entries {last.size}..{h.size - 1} are not all stored; nothing was signed")
            for idx, data in rows:
                if merkle.leaf_hash(as_bytes(data)) != leaves[(0, idx)]:
                    raise ForkError(
                        f"entry {idx} does not hash to its stored leaf: the database was altered; nothing was signed "
                        "— run 'citynexus ledger audit'"
                    )

    def _consistency_in(self, s: Session, size1: int, size2: int) -> list[bytes]:
        if size1 == size2 or size1 == 0:
            return []
        return self._proof(s, merkle.consistency_ranges(size1, size2))

    def checkpoint_problems(self) -> list[str]:
        """Stored checkpoints that the current tree does not agree with: a checkpoint beyond
        the log's size (entries removed) or whose signed root differs from the stored tree's
        root at its size (history rewritten, or a fork was signed). Empty when consistent.
        Reads the ``O(c log n)`` nodes for ``c`` checkpoints in one query (no entry is
        re-hashed; the full check is :func:`citynexus.ledger.audit.audit`)."""
        from citynexus.ledger.checkpoint import parse_checkpoint
        from citynexus.ledger.errors import CheckpointError

        out: list[str] = []
        with session_scope(self.engine) as s:
            size = self._head_row(s).size
            rows = s.execute(select(LedgerCheckpoint.id, LedgerCheckpoint.note).order_by(LedgerCheckpoint.id)).all()
            cps: list[tuple[int, Checkpoint]] = []
            for cid, note in rows:
                try:
                    cp = parse_checkpoint(note)
                except CheckpointError as err:
                    out.append(f"stored checkpoint #{cid} is malformed: {err}")
                    continue
                if cp.size > size:
                    out.append(
                        f"checkpoint #{cid} (size {cp.size}, {cp.time}) covers more than the log's {size} entries"
                    )
                    continue
                cps.append((cid, cp))
            # every node any checkpoint's root needs, fetched in few queries (5,000 ids each)
            sizes = {cp.size for _, cp in cps}
            need = sorted({n for sz in sizes for n in merkle.perfect_ranges(0, sz)})
            nodes: dict[merkle.NodeId, bytes] = {}
            try:
                for k in range(0, len(need), 5000):
                    nodes.update(self._fetch_nodes(s, need[k : k + 5000]))
            except TamperError as err:
                return [*out, f"the stored tree cannot give the checkpoints' roots: {err}"]
            roots = {sz: merkle.fold([nodes[i] for i in merkle.perfect_ranges(0, sz)]) for sz in sizes}
            for cid, cp in cps:
                if roots[cp.size] != cp.root:
                    out.append(
                        f"checkpoint #{cid} (size {cp.size}, signed at {cp.time}) does not match the stored tree at "
                        "that size: the log's history was rewritten or a fork was signed"
                    )
        return out

    @staticmethod
    def _register_key(s: Session, v: Verifier, retired: str | None = None) -> None:
        row = s.get(LedgerKey, v.vkey)
        if row is None:
            s.add(LedgerKey(vkey=v.vkey, name=v.name, key_id=v.key_id.hex(), added=now_iso(), retired=retired))
        elif retired and not row.retired:
            row.retired = retired

    def known_keys(self, include_retired: bool = True) -> list[Verifier]:
        """Public keys recorded by this log (they signed its checkpoints)."""
        with session_scope(self.engine) as s:
            rows = s.execute(select(LedgerKey.vkey, LedgerKey.retired).order_by(LedgerKey.added)).all()
        return [Verifier.parse(v) for v, r in rows if include_retired or not r]

    def checkpoints(self) -> list[Checkpoint]:
        """Every stored checkpoint, oldest first."""
        from citynexus.ledger.checkpoint import parse_checkpoint

        with session_scope(self.engine) as s:
            notes = s.execute(select(LedgerCheckpoint.note).order_by(LedgerCheckpoint.id)).scalars().all()
        return [parse_checkpoint(n) for n in notes]

    def latest_checkpoint(self, min_size: int = 0) -> Checkpoint | None:
        """The newest checkpoint whose tree has at least ``min_size`` entries."""
        from citynexus.ledger.checkpoint import parse_checkpoint

        with session_scope(self.engine) as s:
            note = s.execute(
                select(LedgerCheckpoint.note)
                .where(LedgerCheckpoint.size >= min_size)
                .order_by(LedgerCheckpoint.id.desc())
                .limit(1)
            ).scalar_one_or_none()
        return parse_checkpoint(note) if note else None

    def rotate_key(self, old: Signer, new: Signer, submitter: str = "ledger-admin") -> tuple[Entry, Checkpoint]:
        """Hand over checkpoint signing from ``old`` to ``new``: append a ``key.rotation``
        entry (a statement naming both public keys, signed by both keys), retire ``old``
        and sign a checkpoint with both keys. A verifier who trusts ``old`` learns ``new``
        with :func:`citynexus.ledger.verify.verify_key_rotation`."""
        from citynexus.ledger.verify import rotation_statement

        if old.verifier.vkey == new.verifier.vkey:
            raise LedgerError("the new key is the old key; generate a new one with 'citynexus ledger keygen'")
        origin = self.origin
        stmt = rotation_statement(origin, old.verifier.vkey, new.verifier.vkey)
        payload = {
            "origin": origin,
            "old": old.verifier.vkey,
            "new": new.verifier.vkey,
            "signature_old": base64.b64encode(old.sign(stmt)).decode(),
            "signature_new": base64.b64encode(new.sign(stmt)).decode(),
        }
        entry = self.append("key.rotation", payload, submitter)
        cp = self.checkpoint([new, old])
        with session_scope(self.engine) as s:
            self._register_key(s, old.verifier, retired=now_iso())
        return entry, cp

    # ------------------------------------------------------------------ proofs for others

    def prove(self, index: int, size: int | None = None, allow_inconsistent: bool = False) -> dict[str, Any]:
        """A self-contained proof bundle for entry ``index``: the entry, the inclusion
        proof and the signed checkpoint it is proved against — everything
        :func:`citynexus.ledger.verify.verify_bundle` needs, without the database.

        Without ``size``, the newest checkpoint covering the entry is used; with ``size``,
        a checkpoint of exactly that size if one exists, else the bundle carries only the
        (unsigned) root at that size.

        Refuses (:class:`ForkError`) when the stored checkpoints disagree with the stored
        tree (see :meth:`checkpoint_problems`): a bundle would then prove against one of two
        signed histories. With ``allow_inconsistent`` the bundle is written with the
        problems listed under ``"warnings"``.
        """
        from citynexus.ledger.errors import ForkError

        problems = self.checkpoint_problems()
        if problems and not allow_inconsistent:
            raise ForkError(
                f"refusing to prove: {len(problems)} signed checkpoint(s) disagree with the stored log — "
                f"{problems[0]}; run 'citynexus ledger audit' (or pass --allow-inconsistent to write the bundle "
                "with a warning)"
            )
        entry = self.entry(index)
        cp: Checkpoint | None
        if size is None:
            cp = self.latest_checkpoint(min_size=index + 1)
            if cp is None:
                raise LedgerError(
                    f"entry {index} is not covered by a signed checkpoint yet; run 'citynexus ledger checkpoint "
                    "--key NAME.key' first ('citynexus ledger prove' also takes --size for an unsigned proof)"
                )
            size = cp.size
        else:
            cp = next((c for c in reversed(self.checkpoints()) if c.size == size), None)
        proof = self.inclusion_proof(index, size)
        bundle: dict[str, Any] = {
            "format": PROOF_FORMAT,
            "index": index,
            "tree_size": size,
            "entry": entry.as_json(),
            "leaf_hash": base64.b64encode(entry.leaf_hash).decode(),
            "proof": [base64.b64encode(p).decode() for p in proof],
            "root": base64.b64encode(cp.root if cp else self.root_at(size)).decode(),
            "checkpoint": cp.note if cp else None,
        }
        if problems:
            bundle["warnings"] = problems
        return bundle

    def count_nodes(self) -> int:
        with session_scope(self.engine) as s:
            return s.execute(select(func.count()).select_from(LedgerNode)).scalar_one()
