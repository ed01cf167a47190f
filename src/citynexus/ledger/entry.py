"""What one entry of the ledger is (账本条目): its leaf data, its checks, its derived index keys.

An entry is the RFC 8785 canonical JSON of ``{"type", "payload", "submitter", "time"}``; those
bytes are the leaf data of the RFC 9162 tree kept by :class:`citynexus.ledger.log.Ledger`.
Records are checked here before anything is stored: type and submitter are bounded texts, a
payload nests at most :data:`MAX_ENTRY_DEPTH` levels, is at most :data:`MAX_ENTRY_BYTES` bytes
and reads back as the same canonical bytes. The derived indices (trace items, published result
digests) are computed from an entry alone, so the log, the audit and the backup restore agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from citynexus.ledger import merkle
from citynexus.ledger.canonical import canonical_json
from citynexus.ledger.errors import EntryError

MAX_TYPE = 100
MAX_SUBMITTER = 200
#: nesting depth of an entry's payload (lists/objects); deeper payloads are refused before
#: anything is stored (a 900-level entry broke every reader that recursed over it)
MAX_ENTRY_DEPTH = 32
#: canonical JSON bytes of one entry (type, payload, submitter, time)
MAX_ENTRY_BYTES = 1 << 20


def now_iso() -> str:
    """UTC time as RFC 3339 with microseconds and a ``Z`` suffix."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def as_bytes(value: Any) -> bytes:
    """Bytes of a stored binary column (a hand-edited SQLite cell may come back as text)."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return bytes(value)


def entry_data(type: str, payload: Any, submitter: str, time: str) -> bytes:
    """The leaf data of an entry: canonical JSON of its four fields."""
    return canonical_json({"type": type, "payload": payload, "submitter": submitter, "time": time})


@dataclass(frozen=True)
class Entry:
    """One entry of the log. ``data`` is the exact leaf data (canonical JSON)."""

    index: int
    type: str
    payload: Any
    submitter: str
    time: str
    data: bytes

    @property
    def leaf_hash(self) -> bytes:
        return merkle.leaf_hash(self.data)

    def as_json(self) -> dict[str, Any]:
        """The entry as a JSON object (what was hashed, without the index)."""
        return {"type": self.type, "payload": self.payload, "submitter": self.submitter, "time": self.time}

    @classmethod
    def from_data(cls, index: int, data: bytes) -> Entry:
        """Decode stored leaf data; EntryError if it is not a canonical entry."""
        try:
            obj = json.loads(data)
        except (ValueError, UnicodeDecodeError) as err:
            raise EntryError(f"entry {index}: stored data is not JSON ({err})") from err
        if not isinstance(obj, dict) or set(obj) != {"type", "payload", "submitter", "time"}:
            raise EntryError(f"entry {index}: stored data is not an entry object with type/payload/submitter/time")
        return cls(index, obj["type"], obj["payload"], obj["submitter"], obj["time"], bytes(data))


def _check_record(i: int, typ: Any, submitter: Any) -> None:
    if not isinstance(typ, str) or not typ.strip() or len(typ) > MAX_TYPE:
        raise EntryError(f"record {i}: 'type' must be a non-empty string of at most {MAX_TYPE} characters")
    if not isinstance(submitter, str) or not submitter.strip() or len(submitter) > MAX_SUBMITTER:
        raise EntryError(
            f"record {i}: 'submitter' must be a non-empty string of at most {MAX_SUBMITTER} characters "
            "(who reports this entry)"
        )


def normalise_records(records: Iterable[Mapping[str, Any]], submitter: str | None = None) -> list[tuple[str, Any, str]]:
    """Check records ``{"type", "payload", ["submitter"]}`` and return ``(type, payload,
    submitter)`` triples; ``submitter`` is the default for records without one."""
    out = []
    for i, r in enumerate(records):
        if not isinstance(r, Mapping):
            raise EntryError(f"record {i}: expected an object with 'type' and 'payload', got {type(r).__name__}")
        extra = set(r) - {"type", "payload", "submitter"}
        if extra:
            raise EntryError(f"record {i}: unknown field(s) {sorted(extra)}; allowed: type, payload, submitter")
        if "type" not in r or "payload" not in r:
            raise EntryError(f"record {i}: needs both 'type' and 'payload'")
        sub = r.get("submitter", submitter)
        _check_record(i, r["type"], sub)
        check_payload(r["payload"], f"record {i} (type {r['type']!r})")
        out.append((r["type"], r["payload"], sub))
    return out


def check_payload(payload: Any, where: str = "payload") -> bytes:
    """Validate an entry payload before anything is stored and return its canonical JSON:
    nesting at most :data:`MAX_ENTRY_DEPTH` levels (measured iteratively, so a deep value
    cannot exhaust the stack), representable as RFC 8785 JSON, at most
    :data:`MAX_ENTRY_BYTES` bytes, and reading back to the same canonical bytes."""
    from citynexus.data.limits import InputLimitError, check_depth

    try:
        check_depth(payload, MAX_ENTRY_DEPTH)
    except InputLimitError as err:
        raise EntryError(
            f"{where}: the payload is nested more than {MAX_ENTRY_DEPTH} levels deep; flatten it (nothing was stored)"
        ) from err
    try:
        data = canonical_json(payload)
    except EntryError as err:
        raise EntryError(f"{where}: {err}") from err
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryError(
            f"{where}: the payload is {len(data)} bytes as canonical JSON; the limit is {MAX_ENTRY_BYTES} bytes "
            "(store large documents elsewhere and log their digest)"
        )
    try:
        same = canonical_json(json.loads(data)) == data
    except (ValueError, RecursionError, EntryError):
        same = False
    if not same:
        raise EntryError(f"{where}: the payload does not read back as the same canonical JSON (nothing was stored)")
    return data


# ---------------------------------------------------------------------- derived indices


def trace_items(typ: str, payload: Any) -> list[str]:
    """The item a ``trace.event`` entry speaks of (the ``ledger_trace`` index key), if any."""
    if typ == "trace.event" and isinstance(payload, dict) and isinstance(payload.get("item"), str):
        return [payload["item"]]
    return []


def published_digests(typ: str, payload: Any) -> list[str]:
    """The result digest a ``result.published`` entry publishes (the ``ledger_published`` key), if any."""
    if typ == "result.published" and isinstance(payload, dict) and isinstance(payload.get("result_digest"), str):
        return [payload["result_digest"]]
    return []
