"""Tables of agreements (合作协议): agreements, every version of them, their terms, report
batches and rows, and evaluation runs (each batch and run anchored in the ledger by its
``ledger_index``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from citynexus.store import Base


class AgreeAgreement(Base):
    """An agreement; ``doc`` is its full plain-data form (the TOML content)."""

    __tablename__ = "agree_agreements"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    title_zh: Mapped[str] = mapped_column(String(500))
    parties: Mapped[list] = mapped_column(JSON)
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    doc: Mapped[dict] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(80))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the organisation (of the API key) that stored it; None when stored from the command line
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class AgreeVersion(Base):
    """One version of an agreement (``doc``: its plain-data form then), governing the periods that
    end on or after ``effective`` until the next version's date (see :mod:`citynexus.agree.versions`)."""

    __tablename__ = "agree_versions"

    agreement_id: Mapped[str] = mapped_column(ForeignKey("agree_agreements.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective: Mapped[dt.date] = mapped_column(Date)
    doc: Mapped[dict] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AgreeTerm(Base):
    """One term of the newest version of a stored agreement (denormalised for queries and the knowledge graph)."""

    __tablename__ = "agree_terms"

    agreement_id: Mapped[str] = mapped_column(ForeignKey("agree_agreements.id", ondelete="CASCADE"), primary_key=True)
    term_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(64), index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    every: Mapped[str] = mapped_column(String(16))
    due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    rule: Mapped[str] = mapped_column(Text)
    rule_digest: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    text_zh: Mapped[str] = mapped_column(Text)
    depends_on: Mapped[list] = mapped_column(JSON, default=list)


class AgreeReportBatch(Base):
    """One imported report file (all-or-nothing), anchored in the ledger."""

    __tablename__ = "agree_report_batches"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(80))
    ledger_index: Mapped[int] = mapped_column(Integer)
    submitter: Mapped[str] = mapped_column(String(140), default="agree")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AgreeReport(Base):
    """One reported value."""

    __tablename__ = "agree_reports"
    __table_args__ = (UniqueConstraint("agreement_id", "party", "metric", "period", name="uq_agree_report"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("agree_report_batches.id", ondelete="CASCADE"), index=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agree_agreements.id", ondelete="CASCADE"), index=True)
    party: Mapped[str] = mapped_column(String(64))
    metric: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8))
    idx: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)


class AgreeRun(Base):
    """One evaluation of one agreement at an as-of date, anchored in the ledger."""

    __tablename__ = "agree_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agree_agreements.id", ondelete="CASCADE"), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    results: Mapped[list] = mapped_column(JSON)
    results_digest: Mapped[str] = mapped_column(String(80))
    reports_digest: Mapped[str] = mapped_column(String(80))
    rule_digests: Mapped[dict] = mapped_column(JSON)
    batches: Mapped[list] = mapped_column(JSON)
    ledger_index: Mapped[int] = mapped_column(Integer)
    #: the newest agreement version the run used (None: a run stored before versions were kept)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
