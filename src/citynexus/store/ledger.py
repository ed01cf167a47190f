"""Tables of the verifiable ledger (可验证账本的数据表).

One append-only Merkle log per database:

- ``ledger_head``: a single row with the tree size and root (updated in the same
  transaction as every append, so it always agrees with the stored nodes);
- ``ledger_entry``: entry ``idx`` (0-based leaf index) with its canonical JSON bytes
  (RFC 8785) — the leaf data — and, for querying only, its type, submitter and time;
- ``ledger_node``: every perfect subtree hash ``(level, idx)`` covering leaves
  ``[idx * 2**level, (idx + 1) * 2**level)``; level 0 holds the leaf hashes. Proofs read
  ``O(log n)`` of these rows;
- ``ledger_checkpoint``: signed tree heads in the text format of ``citynexus.ledger.checkpoint``;
- ``ledger_key``: public keys known to the log (for audit), with rotation dates;
- ``ledger_trace``: which entries belong to a traceability item;
- ``ledger_published``: digest of a published result -> entry.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from citynexus.store import Base


class LedgerHead(Base):
    """The current tree head of the log (a single row, id = 1)."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    root: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    origin: Mapped[str] = mapped_column(String(200), nullable=False)
    created: Mapped[str] = mapped_column(String(40), nullable=False)
    #: bumped by every append; the UPDATE that bumps it takes the write lock first
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class LedgerEntry(Base):
    """One log entry; ``data`` is the exact leaf data (canonical JSON bytes)."""

    __tablename__ = "ledger_entry"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    submitter: Mapped[str] = mapped_column(String(200), nullable=False)
    time: Mapped[str] = mapped_column(String(40), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class LedgerNode(Base):
    """A perfect subtree hash of the Merkle tree."""

    __tablename__ = "ledger_node"
    __table_args__ = {"sqlite_with_rowid": False}

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)


class LedgerCheckpoint(Base):
    """A signed checkpoint (tree head) as issued, verbatim in ``note``."""

    __tablename__ = "ledger_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    time: Mapped[str] = mapped_column(String(40), nullable=False)
    key_name: Mapped[str] = mapped_column(String(200), nullable=False)
    key_id: Mapped[str] = mapped_column(String(8), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)


class LedgerKey(Base):
    """A public (verifier) key that signed checkpoints of this log."""

    __tablename__ = "ledger_key"

    vkey: Mapped[str] = mapped_column(String(300), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    key_id: Mapped[str] = mapped_column(String(8), nullable=False)
    added: Mapped[str] = mapped_column(String(40), nullable=False)
    retired: Mapped[str | None] = mapped_column(String(40), nullable=True)


class LedgerTrace(Base):
    """Entry ``entry_idx`` belongs to the history of traceability item ``item``."""

    __tablename__ = "ledger_trace"

    item: Mapped[str] = mapped_column(String(200), primary_key=True)
    entry_idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class LedgerPublished(Base):
    """A published result: its canonical digest and the entry that records it."""

    __tablename__ = "ledger_published"

    digest: Mapped[str] = mapped_column(String(80), primary_key=True)
    entry_idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


Index("ix_ledger_checkpoint_size", LedgerCheckpoint.size)
