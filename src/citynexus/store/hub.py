"""Tables of the cooperation hub: organizations, offers, needs and cached sentence vectors."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from citynexus.store import Base


class HubOrganization(Base):
    """An organization of the hub (enterprise, university, institute, service centre, ...)."""

    __tablename__ = "hub_organizations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_zh: Mapped[str | None] = mapped_column(String(300), nullable=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    city: Mapped[str] = mapped_column(String(16), index=True)
    industries: Mapped[list] = mapped_column(JSON, default=list)
    size: Mapped[str | None] = mapped_column(String(16), nullable=True)
    certifications: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    description_zh: Mapped[str | None] = mapped_column(Text, nullable=True)
    owner_org: Mapped[str] = mapped_column(String(64), default="local", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class _Listing:
    """Columns shared by offers and needs."""

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("hub_organizations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    industries: Mapped[list] = mapped_column(JSON, default=list)
    lang: Mapped[str] = mapped_column(String(8))
    owner_org: Mapped[str] = mapped_column(String(64), default="local", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class HubOffer(_Listing, Base):
    """An offer (patent, capacity, service, technology, talent) of an organization."""

    __tablename__ = "hub_offers"

    attributes: Mapped[dict] = mapped_column(JSON, default=dict)


class HubNeed(_Listing, Base):
    """A need (technology, capacity, service, talent, financing) of an organization."""

    __tablename__ = "hub_needs"

    constraints: Mapped[dict] = mapped_column(JSON, default=dict)
    visibility: Mapped[str] = mapped_column(String(16), default="public")


class HubVector(Base):
    """A cached sentence vector of an offer or need text (float32 bytes), keyed by the
    encoder's name and the SHA-256 of the text, so a changed text is re-encoded."""

    __tablename__ = "hub_vectors"

    item_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
