"""Tables of the SME technology service network: centres, SME requests and service records."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from citynexus.store import Base
from citynexus.store.app import LOCAL_ORG


class CentreRow(Base):
    """A service centre (a hub organization of kind ``service_centre``) with its fields."""

    __tablename__ = "centres_centre"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_zh: Mapped[str | None] = mapped_column(String(300), nullable=True)
    city: Mapped[str] = mapped_column(String(16), index=True)
    fields: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    description_zh: Mapped[str | None] = mapped_column(Text, nullable=True)
    capacity: Mapped[float | None] = mapped_column(Float, nullable=True)
    affiliates: Mapped[list] = mapped_column(JSON, default=list)
    #: the organisation that runs the centre's record (the importer; ``local`` for the command line)
    owner_org: Mapped[str] = mapped_column(String(64), default=LOCAL_ORG, index=True)


class RequestRow(Base):
    """An SME's service request (problem statement in Chinese or English)."""

    __tablename__ = "centres_request"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sme: Mapped[str] = mapped_column(String(64), index=True)
    city: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    industry: Mapped[str | None] = mapped_column(String(100), nullable=True)
    owner_org: Mapped[str] = mapped_column(String(64), default=LOCAL_ORG, index=True)


class ServiceRecordRow(Base):
    """One service of a centre to an SME: requested -> accepted -> delivered -> confirmed.

    ``delivery_entry`` / ``confirmation_entry`` are the ledger indices of the centre's delivery
    and the SME's confirmation; funding counts a record only when both verify."""

    __tablename__ = "centres_record"
    __table_args__ = (Index("ix_centres_record_centre_period", "centre_id", "period"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str | None] = mapped_column(ForeignKey("centres_request.id"), nullable=True)
    centre_id: Mapped[str] = mapped_column(ForeignKey("centres_centre.id"))
    sme: Mapped[str] = mapped_column(String(64), index=True)
    period: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    referred_from: Mapped[str | None] = mapped_column(String(64), nullable=True)
    requested_at: Mapped[str] = mapped_column(String(40))
    accepted_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    delivered_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    confirmed_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rating: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    delivery_entry: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    confirmation_entry: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    #: the organisation of the centre that serves (its parties: the centre and the SME)
    owner_org: Mapped[str] = mapped_column(String(64), default=LOCAL_ORG, index=True)


class TalentRecordRow(Base):
    """A talent profile or a position/project (``kind``), stored as its validated JSON record."""

    __tablename__ = "centres_talent_record"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    owner_org: Mapped[str] = mapped_column(String(64), default=LOCAL_ORG, index=True)
