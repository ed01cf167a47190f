"""Tables of the service layer: organisations, API keys, stored datasets, computed results,
jobs and the audit log.

Every stored record names its owner organisation (``owner_org``, an :class:`Organisation`
code); the application layer (``citynexus.services``) checks it on every write."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from citynexus.store import Base

T = TypeVar("T")


def find_own(s: Session, model: type[T], kind: str, digest: str, org: str, *where: Any) -> T | None:
    """The first row of ``model`` (a table with ``kind``, ``input_digest`` and ``owner_org``:
    :class:`StoredResult`, :class:`Job`) of that kind and input digest owned by ``org`` and
    meeting the further conditions ``where``, or None."""
    cond = (model.kind == kind, model.input_digest == digest, model.owner_org == org, *where)  # type: ignore[attr-defined]
    return s.scalars(select(model).where(*cond)).first()


def utcnow() -> datetime:
    return datetime.now(UTC)


#: The organisation that owns records written before organisations existed, and keys created
#: without ``--org``.
LOCAL_ORG = "local"


class Organisation(Base):
    """A tenant of the service: a city office, an enterprise, a service centre, a financier."""

    __tablename__ = "organisations"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_zh: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKey(Base):
    """An API key of one organisation with a role. Only the SHA-256 of the secret is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    org: Mapped[str] = mapped_column(String(64), ForeignKey("organisations.code"), default=LOCAL_ORG, index=True)
    role: Mapped[str] = mapped_column(String(16), default="admin")
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class StoredDataset(Base):
    """A validated dataset uploaded through the API (the three tables as JSON records)."""

    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    owner_org: Mapped[str] = mapped_column(String(64), default=LOCAL_ORG, index=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    n_units: Mapped[int] = mapped_column(Integer)
    n_indicators: Mapped[int] = mapped_column(Integer)
    periods: Mapped[list] = mapped_column(JSON)
    tables: Mapped[dict] = mapped_column(JSON)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StoredResult(Base):
    """A computed result (index build, robustness run, region analysis), cached by the
    digest of its inputs. ``public`` results can be read without a key."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    input_digest: Mapped[str] = mapped_column(String(64), index=True)
    dataset: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict] = mapped_column(JSON)
    body: Mapped[dict] = mapped_column(JSON)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    owner_org: Mapped[str] = mapped_column(String(64), default=LOCAL_ORG, index=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Job(Base):
    """A background job (e.g. a robustness run) with progress."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued|running|done|failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    input_digest: Mapped[str] = mapped_column(String(64), index=True)
    result_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    owner_org: Mapped[str] = mapped_column(String(64), default=LOCAL_ORG, index=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class AuditEvent(Base):
    """One write through the service: who (key name and organisation), what (action), on
    which target, when and from where. Append-only: each event carries the SHA-256 of the
    previous one (``prev_hash``) and its own (``hash``), so a removed or edited event breaks
    the chain; the chain head is anchored in the ledger."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    key_name: Mapped[str] = mapped_column(String(200))
    org: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(80), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(300))
    client: Mapped[str | None] = mapped_column(String(100), nullable=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
