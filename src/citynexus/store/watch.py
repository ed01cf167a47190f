"""Tables of risk early warning: alerts (deduplicated by fingerprint, open -> acknowledged -> resolved)
and stored scans (the ranking the dashboard and the API read)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column

from citynexus.store import Base


class WatchAlert(Base):
    """One alert: a warning signal about a party, with the series and the detection marked.

    ``fingerprint`` (party, kind, metric, period) is unique: a scan that finds the same event again
    updates ``last_seen`` and ``seen`` instead of adding a row.
    """

    __tablename__ = "watch_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    party: Mapped[str] = mapped_column(String(200), index=True)
    category: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    metric: Mapped[str | None] = mapped_column(String(200), nullable=True)
    period: Mapped[str | None] = mapped_column(String(32), nullable=True)
    score: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(16))
    message_en: Mapped[str] = mapped_column(Text)
    message_zh: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    seen: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    #: the organisation that ran the scan (its partners' alerts); ``local`` for the CLI and the demo
    owner_org: Mapped[str] = mapped_column(String(64), default="local", server_default="local", index=True)
    #: readable by anyone (the SYNTHETIC demo's alerts); otherwise owner, the party and the platform
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class WatchScan(Base):
    """One stored scan: the report table it read, its KPI targets and the ranking it gave.

    Private to its owner organisation and the platform unless ``public`` (the SYNTHETIC demo).
    """

    __tablename__ = "watch_scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_org: Mapped[str] = mapped_column(String(64), default="local", index=True)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(300))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    n_parties: Mapped[int] = mapped_column(Integer, default=0)
    reports: Mapped[list] = mapped_column(JSON, default=list)
    targets: Mapped[list] = mapped_column(JSON, default=list)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
