"""Traceability (溯源): items and their event histories on the log.

An *item* (product batch 产品批次, container 集装箱, consignment 托运货物, data set 数据集,
report 报告) is identified by a free string id. Its history is a chain of ``trace.event``
entries:

- ``created`` (创建) — first and only once, names the item ``kind``;
- ``inspected`` (检验) — any time after creation;
- ``shipped`` (发运) by ``mode`` sea/rail/road/air (海运/铁路/公路/空运) — the item must not
  already be in transit;
- ``transferred`` (转运) from one mode to another (multimodal transport, e.g. sea -> rail);
  ``from_mode`` must be the current mode;
- ``received`` (接收) — ends a transit.

Events are checked against the stored history inside the append transaction, so two
writers cannot interleave an impossible chain. :func:`trace` returns the chain with an
RFC 9162 inclusion proof per event against the newest signed checkpoint (or the current,
unsigned head when no checkpoint covers the chain yet); each proof is verified before it
is returned.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from citynexus.ledger import merkle
from citynexus.ledger.entry import Entry, as_bytes
from citynexus.ledger.errors import TraceError
from citynexus.ledger.log import Ledger
from citynexus.ledger.verify import PROOF_FORMAT
from citynexus.store import session_scope
from citynexus.store.ledger import LedgerEntry, LedgerTrace

EVENT_TYPE = "trace.event"
ITEM_KINDS: dict[str, str] = {
    "product_batch": "产品批次",
    "container": "集装箱",
    "consignment": "托运货物",
    "dataset": "数据集",
    "report": "报告",
}
EVENTS: dict[str, str] = {
    "created": "创建",
    "inspected": "检验",
    "shipped": "发运",
    "transferred": "转运",
    "received": "接收",
}
MODES: dict[str, str] = {"sea": "海运", "rail": "铁路", "road": "公路", "air": "空运"}
FIELDS = {"item", "event", "kind", "mode", "from_mode", "to_mode", "location", "party", "at", "note", "details"}


def event_payload(item: str, event: str, **fields: Any) -> dict[str, Any]:
    """The payload of a trace event (fields left None are dropped)."""
    p = {"item": item, "event": event}
    p.update({k: v for k, v in fields.items() if v is not None})
    return p


@dataclass
class ItemState:
    """Replayed state of an item: its kind, whether it is in transit and by which mode."""

    item: str
    kind: str | None = None
    in_transit: bool = False
    mode: str | None = None
    events: int = 0

    def apply(self, p: Mapping[str, Any], where: str) -> None:
        """Apply one event payload, raising TraceError if the chain does not allow it."""
        ev = p.get("event")
        if ev not in EVENTS:
            raise TraceError(f"{where}: unknown event {ev!r}; use one of {', '.join(EVENTS)}")
        unknown = set(p) - FIELDS
        if unknown:
            raise TraceError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: {', '.join(sorted(FIELDS))}")
        for k in ("location", "party", "at", "note"):
            if k in p and not isinstance(p[k], str):
                raise TraceError(f"{where}: '{k}' must be a string")
        if ev == "created":
            if self.events:
                raise TraceError(f"{where}: item {self.item!r} was already created")
            if p.get("kind") not in ITEM_KINDS:
                raise TraceError(f"{where}: 'created' needs kind, one of {', '.join(ITEM_KINDS)}")
            self.kind = p["kind"]
        elif not self.events:
            raise TraceError(f"{where}: item {self.item!r} does not exist yet; its first event must be 'created'")
        elif "kind" in p:
            raise TraceError(f"{where}: only 'created' names the item kind")
        if ev == "shipped":
            if p.get("mode") not in MODES:
                raise TraceError(f"{where}: 'shipped' needs mode, one of {', '.join(MODES)}")
            if self.in_transit:
                raise TraceError(f"{where}: item {self.item!r} is already in transit by {self.mode}; receive it first")
            self.in_transit, self.mode = True, p["mode"]
        elif ev == "transferred":
            fm, tm = p.get("from_mode"), p.get("to_mode")
            if fm not in MODES or tm not in MODES or fm == tm:
                raise TraceError(
                    f"{where}: 'transferred' needs from_mode and to_mode, two different of {', '.join(MODES)}"
                )
            if not self.in_transit:
                raise TraceError(f"{where}: item {self.item!r} is not in transit; ship it before transferring")
            if fm != self.mode:
                raise TraceError(f"{where}: item {self.item!r} travels by {self.mode}, not {fm}")
            self.mode = tm
        elif ev == "received":
            if not self.in_transit:
                raise TraceError(f"{where}: item {self.item!r} is not in transit, so it cannot be received")
            self.in_transit, self.mode = False, None
        elif "mode" in p or "from_mode" in p or "to_mode" in p:
            raise TraceError(f"{where}: only 'shipped' and 'transferred' take a transport mode")
        self.events += 1


def _check_item_id(item: Any, where: str) -> str:
    if not isinstance(item, str) or not item.strip() or item != item.strip() or len(item) > 200:
        raise TraceError(f"{where}: item id must be a non-empty string of at most 200 characters without outer spaces")
    return item


def _history(s, items: Sequence[str]) -> dict[str, list[Entry]]:
    rows = s.execute(
        select(LedgerTrace.item, LedgerEntry.idx, LedgerEntry.data)
        .join(LedgerEntry, LedgerEntry.idx == LedgerTrace.entry_idx)
        .where(LedgerTrace.item.in_(list(items)))
        .order_by(LedgerEntry.idx)
    ).all()
    out: dict[str, list[Entry]] = {i: [] for i in items}
    for item, idx, data in rows:
        out[item].append(Entry.from_data(idx, as_bytes(data)))
    return out


def record_events(ledger: Ledger, events: Sequence[Mapping[str, Any]], submitter: str) -> list[Entry]:
    """Append trace events (payloads as made by :func:`event_payload`) in one transaction,
    after checking each item's chain (stored history + these events, in order)."""
    payloads = []
    for n, ev in enumerate(events):
        where = f"event {n}"
        if not isinstance(ev, Mapping):
            raise TraceError(f"{where}: expected an object")
        _check_item_id(ev.get("item"), where)
        payloads.append(dict(ev))

    def check(s, _triples) -> None:
        items = sorted({p["item"] for p in payloads})
        hist = _history(s, items)
        states = {i: ItemState(i) for i in items}
        for i in items:
            for e in hist[i]:
                states[i].apply(e.payload, f"stored entry {e.index}")
        for n, p in enumerate(payloads):
            states[p["item"]].apply(p, f"event {n} ({p.get('event')} of {p['item']!r})")

    return ledger.append_many([{"type": EVENT_TYPE, "payload": p} for p in payloads], submitter=submitter, check=check)


def record_event(ledger: Ledger, item: str, event: str, submitter: str, **fields: Any) -> Entry:
    """Append one trace event (see :func:`record_events`)."""
    return record_events(ledger, [event_payload(item, event, **fields)], submitter)[0]


@dataclass(frozen=True)
class TraceEvent:
    """One event of a chain with its inclusion proof (verified)."""

    entry: Entry
    proof: list[bytes]


@dataclass
class Trace:
    """An item's chain, proved against ``tree_size``/``root`` (signed in ``checkpoint``
    when ``signed``)."""

    item: str
    kind: str | None
    in_transit: bool
    mode: str | None
    tree_size: int
    root: bytes
    checkpoint: str | None
    events: list[TraceEvent] = field(default_factory=list)

    @property
    def signed(self) -> bool:
        return self.checkpoint is not None

    def bundles(self) -> list[dict[str, Any]]:
        """One standalone proof bundle per event (for :func:`~citynexus.ledger.verify.verify_bundle`)."""
        return [
            {
                "format": PROOF_FORMAT,
                "index": ev.entry.index,
                "tree_size": self.tree_size,
                "entry": ev.entry.as_json(),
                "leaf_hash": base64.b64encode(ev.entry.leaf_hash).decode(),
                "proof": [base64.b64encode(p).decode() for p in ev.proof],
                "root": base64.b64encode(self.root).decode(),
                "checkpoint": self.checkpoint,
            }
            for ev in self.events
        ]


def trace(ledger: Ledger, item: str) -> Trace:
    """The event chain of ``item``, each event with an inclusion proof (verified here)
    against the newest checkpoint covering the whole chain, else the current head."""
    _check_item_id(item, "trace")
    with session_scope(ledger.engine) as s:
        hist = _history(s, [item])[item]
    if not hist:
        raise TraceError(f"no events recorded for item {item!r}; record its 'created' event first")
    state = ItemState(item)
    for e in hist:
        state.apply(e.payload, f"stored entry {e.index}")
    last = hist[-1].index
    cp = ledger.latest_checkpoint(min_size=last + 1)
    if cp is not None:
        size, root, note = cp.size, cp.root, cp.note
    else:
        size = ledger.size
        root, note = ledger.root_at(size), None
    out = Trace(item, state.kind, state.in_transit, state.mode, size, root, note)
    for e in hist:
        proof = ledger.inclusion_proof(e.index, size)
        merkle.verify_inclusion(e.leaf_hash, e.index, size, proof, root)
        out.events.append(TraceEvent(e, proof))
    return out
